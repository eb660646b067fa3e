package storetest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
	"github.com/acctmap/acctmap/storetest"
)

// The suite is only worth something if it fails on broken stores. Each
// mutant below wraps memstore and breaks one rule of the contract; the test
// runs the subtests that should catch it, in a child process (a failing
// suite cannot be run inside a passing test), and expects them to fail.

// mutants maps a mutant's name to the store it makes and the subtests
// (a -test.run pattern under TestMutant) that must catch it.
var mutants = map[string]struct {
	newStore func() acctmap.Store
	catches  string
}{
	"commitsOnError": {func() acctmap.Store { return commitsOnError{memstore.New()} }, "/^Tx$/^ErrorRollsBack$"},
	"ignoresCancel":  {func() acctmap.Store { return ignoresCancel{memstore.New()} }, "/^Tx$/^CancelInFnRollsBack$"},
	"asymmetric": {wrap(func(tx acctmap.Tx) acctmap.Tx { return asymmetric{tx} }),
		"/^Partnerships$/^PutGetSymmetric$"},
	"unordered": {wrap(func(tx acctmap.Tx) acctmap.Tx { return unordered{tx} }), "/^Orgs$/^Order$"},
	"setMembersAdds": {wrap(func(tx acctmap.Tx) acctmap.Tx { return setMembersAdds{tx} }),
		"/^Records$/^SetMembers$"},
	"shallowDeleteOrg": {wrap(func(tx acctmap.Tx) acctmap.Tx { return shallowDeleteOrg{tx} }),
		"/^Cascade$/^DeleteOrg$"},
	"countMissing":   {wrap(func(tx acctmap.Tx) acctmap.Tx { return countMissing{tx} }), "/^Records$/^NotFound$"},
	"byIDRepeats":    {wrap(func(tx acctmap.Tx) acctmap.Tx { return byIDRepeats{tx} }), "/^Records$/^PutGet$"},
	"keysNotPrivate": {wrap(func(tx acctmap.Tx) acctmap.Tx { return keysNotPrivate{tx} }), "/^Records$/^PutGet$"},
	"sharesRecords": {func() acctmap.Store { return &sharesRecords{Store: memstore.New()} },
		"/^Records$/^Aliasing$"},
	"sharesValues":   {func() acctmap.Store { return &sharesValues{Store: memstore.New()} }, "/^Aliasing$/"},
	"panicsOnNilCtx": {func() acctmap.Store { return panicsOnNilCtx{memstore.New()} }, "/^Input$/^NilContext$"},
	"emptyOwnerListsAll": {wrap(func(tx acctmap.Tx) acctmap.Tx { return emptyOwnerListsAll{tx} }),
		"/^Input$/^EmptyOwnerID$"},
	"emptyOrgCascades": {wrap(func(tx acctmap.Tx) acctmap.Tx { return emptyOrgCascades{tx} }),
		"/^Input$/^EmptyOrgID$"},
}

func TestMutant(t *testing.T) {
	name, ok := os.LookupEnv("STORETEST_MUTANT")
	if !ok {
		t.Skip("run by TestSuiteCatchesMutants")
	}
	newStore := func() acctmap.Store { return memstore.New() }
	if name != "none" {
		newStore = mutants[name].newStore
	}
	storetest.Run(t, func(*testing.T) acctmap.Store { return newStore() })
}

func runMutant(t *testing.T, name, pattern string) (string, error) {
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestMutant$"+pattern, "-test.count=1")
	cmd.Env = append(os.Environ(), "STORETEST_MUTANT="+name)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestSuiteCatchesMutants(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range mutants {
			if !yield(n) {
				return
			}
		}
	})
	t.Run("control", func(t *testing.T) {
		t.Parallel()
		// The whole suite passes on memstore itself, run the same way, so
		// each failure below is the mutation's doing.
		if out, err := runMutant(t, "none", ""); err != nil {
			t.Errorf("the suite fails on memstore: %v\n%s", err, out)
		}
	})
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			out, err := runMutant(t, name, mutants[name].catches)
			var exit *exec.ExitError
			if !errors.As(err, &exit) || !strings.Contains(out, "--- FAIL: TestMutant/") {
				t.Errorf("the suite's %s subtests did not catch mutant %s: %v\n%s", mutants[name].catches, name, err, out)
			}
		})
	}
}

// wrap returns a constructor of memstores whose Tx, in Update, is wrapped.
func wrap(tx func(acctmap.Tx) acctmap.Tx) func() acctmap.Store {
	return func() acctmap.Store { return wrapped{memstore.New(), tx} }
}

type wrapped struct {
	*memstore.Store
	tx func(acctmap.Tx) acctmap.Tx
}

func (s wrapped) Update(ctx context.Context, fn func(acctmap.Tx) error) error {
	return s.Store.Update(ctx, func(tx acctmap.Tx) error { return fn(s.tx(tx)) })
}

func (s wrapped) View(ctx context.Context, fn func(acctmap.ReadTx) error) error {
	// Views get the same mutation, through a Tx that is never written to.
	return s.Store.View(ctx, func(tx acctmap.ReadTx) error { return fn(s.tx(readOnly{tx})) })
}

// readOnly makes a ReadTx a Tx, for the mutants' sake.
type readOnly struct{ acctmap.ReadTx }

func (readOnly) PutOrg(acctmap.Org) error                      { panic("write in a View") }
func (readOnly) DeleteOrg(string) error                        { panic("write in a View") }
func (readOnly) PutUser(acctmap.User) error                    { panic("write in a View") }
func (readOnly) DeleteUser(string) error                       { panic("write in a View") }
func (readOnly) PutPartnership(acctmap.Partnership) error      { panic("write in a View") }
func (readOnly) DeletePartnership(string, string) error        { panic("write in a View") }
func (readOnly) PutDataSource(acctmap.DataSource) error        { panic("write in a View") }
func (readOnly) DeleteDataSource(string) error                 { panic("write in a View") }
func (readOnly) PutPopulation(acctmap.Population) error        { panic("write in a View") }
func (readOnly) DeletePopulation(string) error                 { panic("write in a View") }
func (readOnly) PutRecords(string, []acctmap.Record) error     { panic("write in a View") }
func (readOnly) DeleteRecords(string, []string) error          { panic("write in a View") }
func (readOnly) ReplaceRecords(string, []acctmap.Record) error { panic("write in a View") }
func (readOnly) SetMembers(string, int, []string) error        { panic("write in a View") }

func (readOnly) AppendEvent(acctmap.EventRecord) (int64, error) { panic("write in a View") }

// commitsOnError keeps fn's writes when fn fails.
type commitsOnError struct{ *memstore.Store }

func (s commitsOnError) Update(ctx context.Context, fn func(acctmap.Tx) error) error {
	var err error
	_ = s.Store.Update(ctx, func(tx acctmap.Tx) error { err = fn(tx); return nil })
	return err
}

// ignoresCancel commits even if ctx is cancelled during fn.
type ignoresCancel struct{ *memstore.Store }

func (s ignoresCancel) Update(ctx context.Context, fn func(acctmap.Tx) error) error {
	return s.Store.Update(context.WithoutCancel(ctx), fn)
}

// asymmetric finds a partnership only with its ids in one order.
type asymmetric struct{ acctmap.Tx }

func (tx asymmetric) Partnership(a, b string) (acctmap.Partnership, error) {
	p, err := tx.Tx.Partnership(a, b)
	if err == nil && a != p.Inviter {
		return acctmap.Partnership{}, acctmap.ErrNotFound
	}
	return p, err
}

// unordered lists orgs in reverse.
type unordered struct{ acctmap.Tx }

func (tx unordered) Orgs() ([]acctmap.Org, error) {
	orgs, err := tx.Tx.Orgs()
	slices.Reverse(orgs)
	return orgs, err
}

// setMembersAdds adds members without removing the others.
type setMembersAdds struct{ acctmap.Tx }

func (tx setMembersAdds) SetMembers(ds string, slot int, ids []string) error {
	var all []string
	_ = tx.Records(ds, func(r *acctmap.Record) error {
		if r.Populations&(1<<uint(slot)) != 0 {
			all = append(all, r.ID)
		}
		return nil
	})
	return tx.Tx.SetMembers(ds, slot, append(all, ids...))
}

// shallowDeleteOrg leaves the offline partners of a deleted org behind.
type shallowDeleteOrg struct{ acctmap.Tx }

func (tx shallowDeleteOrg) DeleteOrg(id string) error {
	off, _ := tx.OfflinePartners(id)
	if err := tx.Tx.DeleteOrg(id); err != nil {
		return err
	}
	for _, o := range off {
		if err := tx.PutOrg(o); err != nil {
			return err
		}
	}
	return nil
}

// countMissing counts 0 records in a data source that does not exist.
type countMissing struct{ acctmap.Tx }

func (tx countMissing) CountRecords(ds string) (int, error) {
	n, err := tx.Tx.CountRecords(ds)
	if errors.Is(err, acctmap.ErrNotFound) {
		return 0, nil
	}
	return n, err
}

// byIDRepeats visits a record once per time its id is listed, as a
// lookup loop over the ids would.
type byIDRepeats struct{ acctmap.Tx }

func (tx byIDRepeats) RecordsByID(ds string, ids []string, fn func(*acctmap.Record) error) error {
	for _, id := range ids {
		r, err := tx.Record(ds, id)
		if errors.Is(err, acctmap.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	return nil
}

// keysNotPrivate leaves the private mark out of RecordKeys, as a store
// selecting too few columns would.
type keysNotPrivate struct{ acctmap.Tx }

func (tx keysNotPrivate) RecordKeys(ds string, fn func(*acctmap.Record) error) error {
	return tx.Records(ds, func(r *acctmap.Record) error {
		c := *r
		c.Private = false
		return fn(&c)
	})
}

// sharesRecords keeps the slices given to PutRecords and changes them in
// SetMembers, as a store keeping *Record would.
type sharesRecords struct {
	*memstore.Store
	mu    sync.Mutex
	given [][]acctmap.Record
}

func (s *sharesRecords) Update(ctx context.Context, fn func(acctmap.Tx) error) error {
	return s.Store.Update(ctx, func(tx acctmap.Tx) error { return fn(sharingTx{tx, s}) })
}

type sharingTx struct {
	acctmap.Tx
	s *sharesRecords
}

func (tx sharingTx) PutRecords(ds string, recs []acctmap.Record) error {
	tx.s.mu.Lock()
	tx.s.given = append(tx.s.given, recs)
	tx.s.mu.Unlock()
	return tx.Tx.PutRecords(ds, recs)
}

func (tx sharingTx) SetMembers(ds string, slot int, ids []string) error {
	tx.s.mu.Lock()
	for _, recs := range tx.s.given {
		for i := range recs {
			if slices.Contains(ids, recs[i].ID) {
				recs[i].Populations |= 1 << uint(slot)
			}
		}
	}
	tx.s.mu.Unlock()
	return tx.Tx.SetMembers(ds, slot, ids)
}

// sharesValues keeps the data sources and records given to Put and hands
// those very values back on reads, as a store keeping the caller's slices
// and maps does: writes into either side show on the other.
type sharesValues struct {
	*memstore.Store
	mu      sync.Mutex
	sources map[string]acctmap.DataSource
	records map[[2]string]acctmap.Record
}

func (s *sharesValues) Update(ctx context.Context, fn func(acctmap.Tx) error) error {
	return s.Store.Update(ctx, func(tx acctmap.Tx) error { return fn(sharingValuesTx{tx, s}) })
}

func (s *sharesValues) View(ctx context.Context, fn func(acctmap.ReadTx) error) error {
	return s.Store.View(ctx, func(tx acctmap.ReadTx) error { return fn(sharingValuesTx{readOnly{tx}, s}) })
}

type sharingValuesTx struct {
	acctmap.Tx
	s *sharesValues
}

func (tx sharingValuesTx) PutDataSource(d acctmap.DataSource) error {
	tx.s.mu.Lock()
	if tx.s.sources == nil {
		tx.s.sources = map[string]acctmap.DataSource{}
	}
	tx.s.sources[d.ID] = d
	tx.s.mu.Unlock()
	return tx.Tx.PutDataSource(d)
}

func (tx sharingValuesTx) DataSource(id string) (acctmap.DataSource, error) {
	d, err := tx.Tx.DataSource(id)
	tx.s.mu.Lock()
	defer tx.s.mu.Unlock()
	if kept, ok := tx.s.sources[id]; ok && err == nil {
		d.Fields = kept.Fields
		tx.s.sources[id] = d
	}
	return d, err
}

func (tx sharingValuesTx) PutRecords(ds string, recs []acctmap.Record) error {
	tx.s.mu.Lock()
	if tx.s.records == nil {
		tx.s.records = map[[2]string]acctmap.Record{}
	}
	for _, r := range recs {
		tx.s.records[[2]string{ds, r.ID}] = r
	}
	tx.s.mu.Unlock()
	return tx.Tx.PutRecords(ds, recs)
}

func (tx sharingValuesTx) Record(ds, id string) (acctmap.Record, error) {
	r, err := tx.Tx.Record(ds, id)
	tx.s.mu.Lock()
	defer tx.s.mu.Unlock()
	if kept, ok := tx.s.records[[2]string{ds, id}]; ok && err == nil {
		r.Fields = kept.Fields
		if r.Fields == nil {
			r.Fields = map[string]string{}
		}
		tx.s.records[[2]string{ds, id}] = r
	}
	return r, err
}

// panicsOnNilCtx reads ctx before checking it, as memstore once did.
type panicsOnNilCtx struct{ *memstore.Store }

func (s panicsOnNilCtx) View(ctx context.Context, fn func(acctmap.ReadTx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.Store.View(ctx, fn)
}

func (s panicsOnNilCtx) Update(ctx context.Context, fn func(acctmap.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.Store.Update(ctx, fn)
}

// emptyOwnerListsAll lists the orgs whose OfflineOf is "" as the offline
// partners of "": every network org.
type emptyOwnerListsAll struct{ acctmap.Tx }

func (tx emptyOwnerListsAll) OfflinePartners(owner string) ([]acctmap.Org, error) {
	if owner != "" {
		return tx.Tx.OfflinePartners(owner)
	}
	orgs, err := tx.Orgs()
	return slices.DeleteFunc(orgs, func(o acctmap.Org) bool { return o.OfflineOf != "" }), err
}

// emptyOrgCascades deletes, with the org "", every network org, as if they
// were its offline partners.
type emptyOrgCascades struct{ acctmap.Tx }

func (tx emptyOrgCascades) DeleteOrg(id string) error {
	if id == "" {
		orgs, err := tx.Orgs()
		if err != nil {
			return err
		}
		for _, o := range orgs {
			if o.ID != "" && o.OfflineOf == "" {
				if err := tx.Tx.DeleteOrg(o.ID); err != nil {
					return err
				}
			}
		}
	}
	return tx.Tx.DeleteOrg(id)
}
