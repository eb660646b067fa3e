package boltstore

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/storetest"
)

// t0 is the time of the test fixtures: UTC, with microseconds.
var t0 = time.Date(2024, time.March, 14, 15, 9, 26, 535897000, time.UTC)

// openTemp opens a Store in a new file of a temporary directory, closed
// when tb ends. NoSync: the tests kill processes, not machines.
func openTemp(tb testing.TB, opts ...Option) *Store {
	tb.Helper()
	return openAt(tb, filepath.Join(tb.TempDir(), "acctmap.db"), opts...)
}

// openAt opens a Store at path, closed when tb ends.
func openAt(tb testing.TB, path string, opts ...Option) *Store {
	tb.Helper()
	s, err := Open(path, append([]Option{WithNoSync()}, opts...)...)
	if err != nil {
		tb.Fatalf("Open(%q): %v", path, err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

// seeded returns a store holding storetest's standard network, and its dump.
func seeded(t *testing.T) (*Store, storetest.Snapshot) {
	t.Helper()
	s := openTemp(t)
	if err := s.Update(t.Context(), storetest.Seed); err != nil {
		t.Fatal(err)
	}
	return s, mustDump(t, s)
}

func mustDump(t testing.TB, s acctmap.Store) storetest.Snapshot {
	t.Helper()
	snap, err := storetest.Dump(t.Context(), s)
	if err != nil {
		t.Fatalf("Dump: %v", err)
	}
	return snap
}

// unchanged checks that s is as before, and still takes writes.
func unchanged(t *testing.T, s acctmap.Store, before storetest.Snapshot) {
	t.Helper()
	if d := before.Diff(mustDump(t, s)); d != "" {
		t.Errorf("store changed (-before +after):\n%s", d)
	}
	if err := s.Update(t.Context(), func(tx acctmap.Tx) error { return tx.PutOrg(acctmap.Org{ID: "later"}) }); err != nil {
		t.Errorf("Update after the rollback: %v", err)
	}
}

// genRecords returns n records like those of a CRM export: ids
// prefix0000000 on, a website and its domain, an alias domain for every
// third, a DUNS number for every fifth, and three fields.
func genRecords(prefix string, from, n int) []acctmap.Record {
	stages := []string{"Closed Won", "Discovery", "Closed Lost", "Negotiation"}
	industries := []string{"Software", "Retail", "Manufacturing"}
	recs := make([]acctmap.Record, n)
	for j := range recs {
		i := from + j
		num := strconv.Itoa(i)
		domain := "company" + num + ".example"
		r := acctmap.Record{
			ID:      prefix + strings.Repeat("0", max(0, 7-len(num))) + num,
			Name:    "Company " + num + " Inc.",
			Website: "https://www." + domain + "/",
			Domains: []string{domain},
			NameKey: "company " + num,
			Fields: map[string]string{
				"owner":    "owner" + strconv.Itoa(i%97) + "@example.com",
				"stage":    stages[i%4],
				"industry": industries[i%3],
			},
			Populations: uint64(i % 7),
			Private:     i%11 == 0,
		}
		if i%3 == 0 {
			r.Domains = append(r.Domains, "company"+num+"-alias.example")
		}
		if i%5 == 0 {
			r.RegistrationID = acctmap.RegistrationID{Scheme: "duns", Value: strings.Repeat("0", max(0, 9-len(num))) + num}
		}
		recs[j] = r
	}
	return recs
}

// withDataSource writes org "o" and its data source "ds", holding recs.
func withDataSource(tb testing.TB, s *Store, recs []acctmap.Record) {
	tb.Helper()
	err := s.Update(tb.Context(), func(tx acctmap.Tx) error {
		if err := tx.PutOrg(acctmap.Org{ID: "o", Name: "O", CreatedAt: t0}); err != nil {
			return err
		}
		if err := tx.PutDataSource(acctmap.DataSource{ID: "ds", OrgID: "o", Name: "DS", CreatedAt: t0}); err != nil {
			return err
		}
		return tx.ReplaceRecords("ds", recs)
	})
	if err != nil {
		tb.Fatalf("Update: %v", err)
	}
}
