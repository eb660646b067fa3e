// Package storetest is the conformance suite of acctmap.Store: a store
// proves that it behaves as the contract in package acctmap says, and so as
// every other store, by passing it.
//
// A store author calls Run from a test of the store's package, with a
// function that returns a fresh, empty store for each subtest:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) acctmap.Store {
//			s := mystore.Open(…) // e.g. on a fresh schema
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// Run's subtests call t.Parallel, each on its own store, so newStore must
// be safe to call from several goroutines. Every subtest finishes in well
// under two seconds on an in-memory store.
//
// What the suite takes for granted, beyond the contract's wording:
//
//   - "Ordered by id" means ordered as Go compares strings, byte by byte
//     ("B" < "a" < "é"): a SQL store must sort with a binary collation
//     (COLLATE "C" in PostgreSQL).
//   - Ids are arbitrary strings: empty, with separators such as "|" or ":",
//     with NUL bytes or any Unicode.
//   - Times round-trip to the microsecond; the suite only uses UTC times
//     truncated to microseconds, and compares them with time.Time.Equal.
//   - Record.Populations round-trips all 64 bits, bit 63 included.
//   - A nil slice or map and an empty one are the same value.
//   - Values crossing the Store boundary are copied (the Aliasing tests
//     write into every slice and map a Put was given or a read returned,
//     by reflection, so new fields are covered too).
//   - A nil ctx is bad input: View and Update return an error wrapping
//     acctmap.ErrInvalidInput and do not run fn.
//   - "" is an id like any other, and also the OfflineOf of every network
//     org: it owns no offline partner, and deleting an org "" deletes no
//     network org.
//
// Dump reads a whole store through the ReadTx API and checks that its
// getters and lists agree; Seed and Scribble write the suite's standard
// network and a transaction that touches all of it. Other suites (fault
// injection, benchmarks) may use them.
package storetest

import (
	"errors"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// test is one conformance test, run on a fresh store.
type test struct {
	name string
	fn   func(t *testing.T, s acctmap.Store)
}

// Run runs the conformance suite on the stores newStore returns. newStore
// must return a fresh, empty store each time it is called; it may register
// cleanups on the t it is given, which is the subtest's.
func Run(t *testing.T, newStore func(t *testing.T) acctmap.Store) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"Lists", listTests},
		{"Orgs", orgTests},
		{"Users", userTests},
		{"Partnerships", partnershipTests},
		{"DataSources", dataSourceTests},
		{"Populations", populationTests},
		{"Records", recordTests},
		{"Cascade", cascadeTests},
		{"Tx", txTests},
		{"Concurrency", concurrencyTests},
		{"Aliasing", aliasingTests},
		{"Project", projectTests},
		{"Columns", columnsTests},
		{"Input", inputTests},
		{"FieldTypes", fieldTypeTests},
		{"People", peopleTests},
		{"Events", eventTests},
		{"Optional", optionalTests},
		{"Threads", threadTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					s := newStore(t)
					if s == nil {
						t.Fatal("newStore returned nil")
					}
					tc.fn(t, s)
				})
			}
		})
	}
}

// cmpOpts compare stored values: a store may give back nil for an empty
// slice or map, or the reverse.
var cmpOpts = []cmp.Option{cmpopts.EquateEmpty()}

// diff reports a mismatch between want and got.
func diff(t *testing.T, what string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got, cmpOpts...); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// update runs fn in an Update and fails the test if it returns an error.
func update(t *testing.T, s acctmap.Store, fn func(tx acctmap.Tx) error) {
	t.Helper()
	if err := s.Update(t.Context(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// view runs fn in a View and fails the test if it returns an error.
func view(t *testing.T, s acctmap.Store, fn func(tx acctmap.ReadTx) error) {
	t.Helper()
	if err := s.View(t.Context(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// noErr fails the test if err is not nil.
func noErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantNotFound reports err if it does not wrap acctmap.ErrNotFound.
func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, acctmap.ErrNotFound) {
		t.Errorf("%s: got error %v, want one wrapping acctmap.ErrNotFound", what, err)
	}
}

// wantEmpty reports a list call that failed or returned items.
func wantEmpty[T any](t *testing.T, what string, got []T, err error) {
	t.Helper()
	if err != nil {
		t.Errorf("%s: %v, want an empty list and no error", what, err)
	} else if len(got) != 0 {
		t.Errorf("%s = %v, want an empty list", what, got)
	}
}

// seeded returns s loaded with the standard network and its dump.
func seeded(t *testing.T, s acctmap.Store) Snapshot {
	t.Helper()
	update(t, s, Seed)
	snap, err := Dump(t.Context(), s)
	noErr(t, "Dump after Seed", err)
	return snap
}
