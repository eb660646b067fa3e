package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/acctmap/acctmap"
)

// ErrInjected is the error a FaultStore injects when FailAt is given no
// error of its own.
var ErrInjected = errors.New("storetest: injected fault")

// Kinds selects the calls a FaultStore counts (and so may fault).
type Kinds uint8

// The kinds of calls a FaultStore counts.
const (
	// Transactions are the calls of View and Update themselves, before
	// their function runs: a store that cannot begin a transaction.
	Transactions Kinds = 1 << iota
	// Methods are the calls of ReadTx and Tx methods inside a transaction:
	// a statement that fails.
	Methods
	// Commits are the ends of Update functions that returned nil: a commit
	// that fails. The function ran; the fault makes the store roll back.
	Commits

	// AllKinds counts every call; it is what a new FaultStore counts.
	AllKinds = Transactions | Methods | Commits
)

// Call names one counted call of a FaultStore.
type Call struct {
	// N is the call's number, from 1, since the last Reset or arming.
	N int
	// Op is "View", "Update", "Update.commit", or the Tx method, e.g.
	// "Tx.PutRecords".
	Op string
}

func (c Call) String() string { return fmt.Sprintf("call %d (%s)", c.N, c.Op) }

// faultKind is what a FaultStore does at the armed call.
type faultKind int

const (
	faultNone faultKind = iota
	faultErr
	faultCancel
	faultHook
)

// FaultStore wraps a Store and injects one fault at the N-th call it
// counts: View and Update calls, the ReadTx and Tx method calls inside them,
// and the commits of Updates (see Kinds). Tests use it to prove that every
// failure of the store, wherever it happens, surfaces as an error and
// leaves the store as it was:
//
//	fs := storetest.NewFaultStore(memstore.New())
//	net := acctmap.New(fs)
//	// ... build a network ...
//	for n := 1; ; n++ {
//		before, _ := storetest.Dump(ctx, fs.Unwrap())
//		fs.FailAt(n, nil)
//		_, err := net.As("ann").ImportCSV(ctx, dsID, file(), imp)
//		if _, hit := fs.Injected(); !hit {
//			break // fewer than n calls: the call ran without a fault
//		}
//		// err must wrap ErrInjected; Dump(fs.Unwrap()) must equal before.
//	}
//
// The faults:
//
//   - FailAt makes the N-th call fail with an error. A View or Update
//     fails before its function runs; a method returns the error without
//     reaching the store, except Records, which delivers the data source's
//     first record (if any) and then fails, like a connection lost while
//     rows stream in; a commit fails after the function returned nil, and
//     the wrapped store rolls the transaction back.
//   - CancelAt cancels the transaction's context at the N-th call, then lets
//     the call proceed (on the cancelled context). At a commit, the Update's
//     function has returned nil and the cancellation comes before the
//     wrapped store commits, so it must roll back.
//   - HookAt runs a function at the N-th call, then lets it proceed: e.g.
//     stopping the database in the middle of an import.
//
// A fault fires once; the calls after it pass through. Calls are counted
// from the last Reset or arming, across all goroutines, in the order they
// reach the FaultStore; a store that retries a transaction's function
// (pgstore on serialization failures) makes more calls, all counted. The
// Tx values given to functions wrap the store's, so optional interfaces a
// store's transactions implement beyond acctmap.Tx are hidden.
//
// A FaultStore is safe for concurrent use.
type FaultStore struct {
	inner acctmap.Store

	mu     sync.Mutex
	count  Kinds
	calls  int
	kind   faultKind
	at     int
	err    error
	hook   func(Call)
	hit    Call
	hitSet bool
	ops    []string // the ops of the calls counted, up to maxOps
}

// maxOps bounds the calls a FaultStore remembers for Ops.
const maxOps = 10000

var _ acctmap.Store = (*FaultStore)(nil)

// NewFaultStore returns a FaultStore over s, unarmed, counting every kind
// of call.
func NewFaultStore(s acctmap.Store) *FaultStore {
	return &FaultStore{inner: s, count: AllKinds}
}

// Unwrap returns the wrapped Store: dump it to see the state without
// counting calls.
func (f *FaultStore) Unwrap() acctmap.Store { return f.inner }

// Count sets the kinds of calls counted from now on (AllKinds by default).
// Calls of other kinds pass through uncounted and are never faulted.
func (f *FaultStore) Count(k Kinds) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count = k
}

// Reset disarms the store and counts calls from zero again.
func (f *FaultStore) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reset()
}

func (f *FaultStore) reset() {
	f.calls, f.kind, f.at, f.err, f.hook, f.hit, f.hitSet, f.ops = 0, faultNone, 0, nil, nil, Call{}, false, nil
}

// FailAt resets the count and arms the store: the n-th call from now (n
// from 1) fails with err, or ErrInjected if err is nil.
func (f *FaultStore) FailAt(n int, err error) {
	if err == nil {
		err = ErrInjected
	}
	f.arm(n, faultErr, err, nil)
}

// CancelAt resets the count and arms the store: at the n-th call from now,
// the context of the transaction that makes it is cancelled.
func (f *FaultStore) CancelAt(n int) { f.arm(n, faultCancel, nil, nil) }

// HookAt resets the count and arms the store: hook runs at the n-th call
// from now, before the call proceeds.
func (f *FaultStore) HookAt(n int, hook func(Call)) { f.arm(n, faultHook, nil, hook) }

func (f *FaultStore) arm(n int, k faultKind, err error, hook func(Call)) {
	if n < 1 {
		panic(fmt.Sprintf("storetest: FaultStore armed at call %d; calls count from 1", n))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reset()
	f.kind, f.at, f.err, f.hook = k, n, err, hook
}

// Calls returns the number of calls counted since the last Reset or
// arming.
func (f *FaultStore) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// Ops returns the ops of the calls counted since the last Reset or arming
// (the first 10,000), in order: Ops()[i] is call i+1.
func (f *FaultStore) Ops() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.ops...)
}

// Injected returns the call where the armed fault fired, and whether it
// did: false means fewer calls were made than the number armed.
func (f *FaultStore) Injected() (Call, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hit, f.hitSet
}

// fault is what to do at one call.
type fault struct {
	kind faultKind
	err  error
	hook func(Call)
	call Call
}

// point counts a call of kind k and returns the fault to apply to it.
func (f *FaultStore) point(k Kinds, op string) fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.count&k == 0 {
		return fault{}
	}
	f.calls++
	if len(f.ops) < maxOps {
		f.ops = append(f.ops, op)
	}
	c := Call{N: f.calls, Op: op}
	if f.kind == faultNone || f.calls != f.at {
		return fault{call: c}
	}
	f.hit, f.hitSet = c, true
	return fault{f.kind, f.err, f.hook, c}
}

// txState is what the wrappers of one transaction share.
type txState struct {
	f      *FaultStore
	cancel context.CancelFunc
}

// at counts a call of a transaction and applies its fault: an error to
// return instead of making the call, or nil to make it.
func (s *txState) at(k Kinds, op string) error {
	ft := s.f.point(k, op)
	switch ft.kind {
	case faultErr:
		return fmt.Errorf("%v: %w", ft.call, ft.err)
	case faultCancel:
		s.cancel()
	case faultHook:
		ft.hook(ft.call)
	}
	return nil
}

// View counts the call, then runs fn in a View of the wrapped store with a
// ReadTx that counts its method calls.
func (f *FaultStore) View(ctx context.Context, fn func(tx acctmap.ReadTx) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s := &txState{f: f, cancel: cancel}
	if err := s.at(Transactions, "View"); err != nil {
		return err
	}
	return f.inner.View(ctx, func(tx acctmap.ReadTx) error {
		return fn(&faultReader{s: s, tx: tx})
	})
}

// Update counts the call, then runs fn in an Update of the wrapped store
// with a Tx that counts its method calls, and counts the commit if fn
// returns nil.
func (f *FaultStore) Update(ctx context.Context, fn func(tx acctmap.Tx) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s := &txState{f: f, cancel: cancel}
	if err := s.at(Transactions, "Update"); err != nil {
		return err
	}
	return f.inner.Update(ctx, func(tx acctmap.Tx) error {
		if err := fn(&faultWriter{faultReader{s: s, tx: tx}, tx}); err != nil {
			return err
		}
		return s.at(Commits, "Update.commit")
	})
}

// faultReader is the ReadTx of a FaultStore.
type faultReader struct {
	s  *txState
	tx acctmap.ReadTx
}

// faultWriter is the Tx of a FaultStore.
type faultWriter struct {
	faultReader
	tx acctmap.Tx
}

func get[T any](r *faultReader, op string, fn func() (T, error)) (T, error) {
	if err := r.s.at(Methods, op); err != nil {
		var zero T
		return zero, err
	}
	return fn()
}

func (r *faultReader) Org(id string) (acctmap.Org, error) {
	return get(r, "Tx.Org", func() (acctmap.Org, error) { return r.tx.Org(id) })
}

func (r *faultReader) Orgs() ([]acctmap.Org, error) {
	return get(r, "Tx.Orgs", r.tx.Orgs)
}

func (r *faultReader) OfflinePartners(ownerID string) ([]acctmap.Org, error) {
	return get(r, "Tx.OfflinePartners", func() ([]acctmap.Org, error) { return r.tx.OfflinePartners(ownerID) })
}

func (r *faultReader) User(id string) (acctmap.User, error) {
	return get(r, "Tx.User", func() (acctmap.User, error) { return r.tx.User(id) })
}

func (r *faultReader) Users(orgID string) ([]acctmap.User, error) {
	return get(r, "Tx.Users", func() ([]acctmap.User, error) { return r.tx.Users(orgID) })
}

func (r *faultReader) Partnership(a, b string) (acctmap.Partnership, error) {
	return get(r, "Tx.Partnership", func() (acctmap.Partnership, error) { return r.tx.Partnership(a, b) })
}

func (r *faultReader) Partnerships(orgID string) ([]acctmap.Partnership, error) {
	return get(r, "Tx.Partnerships", func() ([]acctmap.Partnership, error) { return r.tx.Partnerships(orgID) })
}

func (r *faultReader) DataSource(id string) (acctmap.DataSource, error) {
	return get(r, "Tx.DataSource", func() (acctmap.DataSource, error) { return r.tx.DataSource(id) })
}

func (r *faultReader) DataSources(orgID string) ([]acctmap.DataSource, error) {
	return get(r, "Tx.DataSources", func() ([]acctmap.DataSource, error) { return r.tx.DataSources(orgID) })
}

func (r *faultReader) Population(id string) (acctmap.Population, error) {
	return get(r, "Tx.Population", func() (acctmap.Population, error) { return r.tx.Population(id) })
}

func (r *faultReader) Populations(orgID string) ([]acctmap.Population, error) {
	return get(r, "Tx.Populations", func() ([]acctmap.Population, error) { return r.tx.Populations(orgID) })
}

func (r *faultReader) Record(dataSourceID, recordID string) (acctmap.Record, error) {
	return get(r, "Tx.Record", func() (acctmap.Record, error) { return r.tx.Record(dataSourceID, recordID) })
}

// Records, when faulted with an error, delivers the first record and then
// fails: the caller must not take a partial scan for a whole one.
func (r *faultReader) Records(dataSourceID string, fn func(*acctmap.Record) error) error {
	return r.stream("Tx.Records", func(fn func(*acctmap.Record) error) error { return r.tx.Records(dataSourceID, fn) }, fn)
}

// RecordKeys, when faulted with an error, delivers the first record and
// then fails, as Records does.
func (r *faultReader) RecordKeys(dataSourceID string, fn func(*acctmap.Record) error) error {
	return r.stream("Tx.RecordKeys", func(fn func(*acctmap.Record) error) error { return r.tx.RecordKeys(dataSourceID, fn) }, fn)
}

// RecordsByID, when faulted with an error, delivers the first record and
// then fails, as Records does.
func (r *faultReader) RecordsByID(dataSourceID string, ids []string, fn func(*acctmap.Record) error) error {
	return r.stream("Tx.RecordsByID", func(fn func(*acctmap.Record) error) error { return r.tx.RecordsByID(dataSourceID, ids, fn) }, fn)
}

// stream runs scan, a call that streams records to fn, with the fault
// planned for op.
func (r *faultReader) stream(op string, scan func(fn func(*acctmap.Record) error) error, fn func(*acctmap.Record) error) error {
	ft := r.s.f.point(Methods, op)
	switch ft.kind {
	case faultErr:
		injected := fmt.Errorf("%v: %w", ft.call, ft.err)
		first := true
		serr := scan(func(rec *acctmap.Record) error {
			if !first {
				return injected
			}
			first = false
			return fn(rec)
		})
		if serr != nil && !errors.Is(serr, injected) {
			return serr // the data source does not exist, or fn failed
		}
		return injected
	case faultCancel:
		r.s.cancel()
	case faultHook:
		ft.hook(ft.call)
	}
	return scan(fn)
}

func (r *faultReader) CountRecords(dataSourceID string) (int, error) {
	return get(r, "Tx.CountRecords", func() (int, error) { return r.tx.CountRecords(dataSourceID) })
}

func (w *faultWriter) do(op string, fn func() error) error {
	if err := w.s.at(Methods, op); err != nil {
		return err
	}
	return fn()
}

func (w *faultWriter) PutOrg(org acctmap.Org) error {
	return w.do("Tx.PutOrg", func() error { return w.tx.PutOrg(org) })
}

func (w *faultWriter) DeleteOrg(id string) error {
	return w.do("Tx.DeleteOrg", func() error { return w.tx.DeleteOrg(id) })
}

func (w *faultWriter) PutUser(user acctmap.User) error {
	return w.do("Tx.PutUser", func() error { return w.tx.PutUser(user) })
}

func (w *faultWriter) DeleteUser(id string) error {
	return w.do("Tx.DeleteUser", func() error { return w.tx.DeleteUser(id) })
}

func (w *faultWriter) PutPartnership(p acctmap.Partnership) error {
	return w.do("Tx.PutPartnership", func() error { return w.tx.PutPartnership(p) })
}

func (w *faultWriter) DeletePartnership(a, b string) error {
	return w.do("Tx.DeletePartnership", func() error { return w.tx.DeletePartnership(a, b) })
}

func (w *faultWriter) PutDataSource(ds acctmap.DataSource) error {
	return w.do("Tx.PutDataSource", func() error { return w.tx.PutDataSource(ds) })
}

func (w *faultWriter) DeleteDataSource(id string) error {
	return w.do("Tx.DeleteDataSource", func() error { return w.tx.DeleteDataSource(id) })
}

func (w *faultWriter) PutPopulation(p acctmap.Population) error {
	return w.do("Tx.PutPopulation", func() error { return w.tx.PutPopulation(p) })
}

func (w *faultWriter) DeletePopulation(id string) error {
	return w.do("Tx.DeletePopulation", func() error { return w.tx.DeletePopulation(id) })
}

func (w *faultWriter) PutRecords(dataSourceID string, recs []acctmap.Record) error {
	return w.do("Tx.PutRecords", func() error { return w.tx.PutRecords(dataSourceID, recs) })
}

func (w *faultWriter) DeleteRecords(dataSourceID string, ids []string) error {
	return w.do("Tx.DeleteRecords", func() error { return w.tx.DeleteRecords(dataSourceID, ids) })
}

func (w *faultWriter) ReplaceRecords(dataSourceID string, recs []acctmap.Record) error {
	return w.do("Tx.ReplaceRecords", func() error { return w.tx.ReplaceRecords(dataSourceID, recs) })
}

func (w *faultWriter) SetMembers(dataSourceID string, slot int, recordIDs []string) error {
	return w.do("Tx.SetMembers", func() error { return w.tx.SetMembers(dataSourceID, slot, recordIDs) })
}
