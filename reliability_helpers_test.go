package acctmap_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
	"github.com/acctmap/acctmap/pgstore"
	"github.com/acctmap/acctmap/storetest"
)

// The reliability suite (reliability_*_test.go, authz_test.go,
// hostile_test.go) tries to break the library: faults of the store at every
// call of a whole workflow, every method against every role and relation,
// concurrent writers and readers checked against a serial replay, and
// hostile input. The tests run on memstore, and on pgstore as well where
// they say so when ACCTMAP_TEST_POSTGRES_DSN names a database.

// pgDSNEnv is the variable that turns the PostgreSQL runs on, as in pgstore.
const pgDSNEnv = "ACCTMAP_TEST_POSTGRES_DSN"

// testStore is a store kind a reliability test runs on.
type testStore struct {
	name string
	// open returns a fresh, empty store, released when t ends; it skips t
	// when the store is not available.
	open func(t *testing.T) acctmap.Store
}

// testStores are memstore, boltstore and pgstore.
var testStores = []testStore{
	{"memstore", func(*testing.T) acctmap.Store { return memstore.New() }},
	{"boltstore", openBolt},
	{"pgstore", openPG},
}

// openPG opens a pgstore on a fresh schema of the test database, dropped
// when t ends, or skips t when no database is configured.
func openPG(t *testing.T) acctmap.Store {
	t.Helper()
	return openPGWith(t)
}

// openPGWith is openPG with options.
func openPGWith(t *testing.T, opts ...pgstore.Option) acctmap.Store {
	t.Helper()
	dsn := os.Getenv(pgDSNEnv)
	if dsn == "" {
		t.Skip("set ACCTMAP_TEST_POSTGRES_DSN=postgres:///acctmap_test?host=/var/run/postgresql to run on pgstore")
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := "acctmap_rel_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := pgstore.Open(ctx, dsn, append([]pgstore.Option{pgstore.WithSchema(schema)}, opts...)...)
	if err != nil {
		t.Fatalf("pgstore.Open: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// snapshot dumps a store with storetest.Dump, failing t on error.
func snapshot(t *testing.T, s acctmap.Store) storetest.Snapshot {
	t.Helper()
	snap, err := storetest.Dump(context.Background(), s)
	if err != nil {
		t.Fatalf("storetest.Dump: %v", err)
	}
	return snap
}

// diffSnapshots is Snapshot.Diff, with a fast path for equal snapshots
// (cmp.Diff is slow, and the fault tests compare thousands of them).
func diffSnapshots(want, got storetest.Snapshot) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	return want.Diff(got)
}

// commitCounter is a Store that counts the Updates that committed.
type commitCounter struct {
	acctmap.Store
	commits atomic.Int64
}

func (c *commitCounter) Update(ctx context.Context, fn func(tx acctmap.Tx) error) error {
	err := c.Store.Update(ctx, fn)
	if err == nil {
		c.commits.Add(1)
	}
	return err
}

// restore writes a snapshot into an empty store, ids and all, so that a
// network built once through the API can be copied cheaply into fresh
// stores. Population membership is in the records' bits.
func restore(ctx context.Context, s acctmap.Store, snap storetest.Snapshot) error {
	return s.Update(ctx, func(tx acctmap.Tx) error {
		put := map[string]bool{}
		for len(put) < len(snap.Orgs) {
			progress := false
			for _, o := range snap.Orgs {
				if put[o.ID] || (o.OfflineOf != "" && !put[o.OfflineOf]) {
					continue
				}
				if err := tx.PutOrg(o); err != nil {
					return err
				}
				put[o.ID], progress = true, true
			}
			if !progress {
				return errors.New("restore: offline partners whose owners are missing")
			}
		}
		for _, u := range snap.Users {
			if err := tx.PutUser(u); err != nil {
				return err
			}
		}
		for _, p := range snap.Partnerships {
			if err := tx.PutPartnership(p); err != nil {
				return err
			}
		}
		for _, d := range snap.DataSources {
			if err := tx.PutDataSource(d); err != nil {
				return err
			}
			if err := tx.PutRecords(d.ID, snap.Records[d.ID]); err != nil {
				return err
			}
		}
		for _, p := range snap.Populations {
			if err := tx.PutPopulation(p); err != nil {
				return err
			}
		}
		for _, th := range snap.Threads {
			if err := tx.PutThread(th); err != nil {
				return err
			}
			for _, m := range snap.Messages[th.ID] {
				if _, err := tx.AppendMessage(m); err != nil {
					return err
				}
			}
		}
		for _, it := range snap.OrgItems {
			if err := tx.PutOrgItem(it); err != nil {
				return err
			}
		}
		return nil
	})
}

// sentinels are the errors the package documents; an error wraps at most
// one of them.
var sentinels = []error{
	acctmap.ErrNotFound, acctmap.ErrPermissionDenied, acctmap.ErrNotPartners, acctmap.ErrInvalidInput,
	acctmap.ErrConflict, acctmap.ErrLimitExceeded, acctmap.ErrNotShared,
}

// sentinelOf names the sentinels err wraps: "" for none, "a+b" for several.
func sentinelOf(err error) string {
	var out string
	for _, s := range sentinels {
		if errors.Is(err, s) {
			if out != "" {
				out += "+"
			}
			out += s.Error()
		}
	}
	return out
}

// constClock returns the same instant on every call: a serial replay of
// concurrent operations then writes the very same timestamps.
func constClock() func() time.Time {
	t := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	return func() time.Time { return t }
}

func must[T any](t testing.TB, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

func mustDo(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
