// Package memstore is the embedded, in-memory acctmap.Store: the default
// for tests, demos and networks that fit in one process's memory.
//
// # Guarantees
//
// Isolation: Update holds an exclusive lock for the whole of fn and View a
// shared one, so updates run one at a time (serializable) and a View sees
// one consistent snapshot for its duration: no Update can commit while it
// runs. Views run concurrently with each other.
//
// Atomicity: every write of an Update is applied in place and logged with
// its exact inverse. If fn returns an error, panics (the panic is propagated after
// the rollback), exits its goroutine (runtime.Goexit, as t.FailNow does), or
// ctx is cancelled before the commit, the log is replayed backwards and the
// store is exactly as it was before the Update.
//
// The ctx of a transaction is checked before fn runs, by every operation
// (every few thousand records in a Records scan) and before the commit. A
// transaction used after its fn returned fails instead of touching data.
//
// # Costs
//
// Getters (Org, User, Partnership, DataSource, Population, Record,
// CountRecords) are O(1). Lists are O(n log n) for their n items: each
// reads an index and sorts what it found. Records is O(records) and reads
// a dense slice, materializing each Record afresh (see Memory). PutRecords is
// O(len(recs)), DeleteRecords O(len(ids)), ReplaceRecords O(len(recs));
// SetMembers and DeletePopulation are O(records of the data source).
// DeleteDataSource and DeleteOrg are O(what they delete), where a data
// source's records count as one item. A rollback costs no more than the
// writes it undoes, and O(1) for ReplaceRecords, a first PutRecords into
// an empty data source, and records deleted with their data source.
//
// # Memory
//
// Values are copied in and out, as the Store contract says: nothing a
// caller puts or gets shares a slice or map with the store.
//
// Records are stored compactly, not as Records: each data source has a
// dictionary of its field names (field name → column) and of the layouts
// (sets of columns) its records use, usually one; a record keeps its
// layout and, in one slice, its domains, other names and keys, the
// optional strings that are set (e-mail, registration id) and its field
// values, with no map. The slices of a write come from one allocation
// sized from its input; a record replaced or deleted keeps its share of it
// until every record of that write is gone (ReplaceRecords starts afresh,
// with a new dictionary too). A column interns its values (one string for every
// "Closed Won") until it has seen 4096 distinct ones.
//
// A record takes about 120 bytes, plus 16 per domain, other name, set
// optional string and field, plus its id in the position map, plus the
// bytes of strings not interned. For records of 8 CSV columns (id, name,
// website; stage, region, segment, employees, owner as fields) that is
// 400 bytes per record held after GC, against 826 when records were stored
// as given (BenchmarkReplaceRecords1M; go test -run '^$' -bench
// ReplaceRecords1M -benchtime=1x ./memstore).
//
// The price is on reads: Record, Records and RecordsByID build a new Fields
// map for every record they return, since the caller may keep or write
// into it (RecordKeys leaves Fields out and allocates its lists a thousand
// strings at a time; ScanRecords, which the Network evaluates populations
// with, reuses one map and one buffer for the whole scan). A scan of a million such records allocates about
// 350 MB and takes about 7 times as long as one that shared the stored
// maps (BenchmarkRecordsScanFields: 0.30–0.39 s against 0.05 s on 2 busy
// cores), which is what copying out costs whatever the layout.
//
// # Limits
//
// The data lives in memory only and is lost when the process exits; it is
// not shared between processes. A long View delays every Update and a long
// Update delays every View. Waiting for the lock does not observe ctx.
// fn must not start another View or Update on the same Store: that
// deadlocks, because the lock is not reentrant.
package memstore

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/acctmap/acctmap"
)

// Store is an in-memory acctmap.Store. Create one with New; the zero value
// is not usable. A Store is safe for concurrent use.
type Store struct {
	// mu is held for reading by View and for writing by Update, for the
	// whole of fn: this one lock is what makes updates serializable and
	// views snapshots.
	mu sync.RWMutex
	st *state
}

var _ acctmap.Store = (*Store)(nil)

// New returns an empty Store.
func New() *Store {
	return &Store{st: newState()}
}

// errNilContext is returned by View and Update given a nil ctx, which is
// bad input, as it is to http.NewRequestWithContext: not a reason to panic.
var errNilContext = fmt.Errorf("memstore: nil context: %w", acctmap.ErrInvalidInput)

// errTxDone is returned by a transaction used after its fn returned.
var errTxDone = errors.New("memstore: transaction used after its function returned")

// View runs fn in a read-only transaction over a consistent snapshot of the
// store. It returns ctx's error without running fn if ctx is already done,
// and otherwise fn's error.
func (s *Store) View(ctx context.Context, fn func(tx acctmap.ReadTx) error) error {
	if ctx == nil {
		return errNilContext
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	// reader has no write methods, so fn cannot type-assert its way into
	// writing under the shared lock.
	r := &reader{ctx: ctx, st: s.st}
	defer func() { r.done = true }()
	return fn(r)
}

// Update runs fn in a read-write transaction and commits its writes
// atomically if fn returns nil and ctx is not done by then. Otherwise it
// rolls every write back and returns fn's error or ctx's; if fn panics, it
// rolls back and lets the panic continue.
func (s *Store) Update(ctx context.Context, fn func(tx acctmap.Tx) error) error {
	if ctx == nil {
		return errNilContext
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	w := &writer{reader: reader{ctx: ctx, st: s.st}}
	committed := false
	// Deferred so that a panic or runtime.Goexit in fn rolls back too.
	defer func() {
		w.done = true
		if !committed {
			w.rollback()
		}
	}()
	if err := fn(w); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	committed = true
	return nil
}

func notFound(kind, id string) error {
	return fmt.Errorf("memstore: %s %.60q: %w", kind, id, acctmap.ErrNotFound)
}
