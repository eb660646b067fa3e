package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestMigrationFiles(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || ms[0].name != "0001_init" {
		t.Fatalf("migrations = %v, want 0001_init first", ms)
	}
	if SchemaVersion() != len(ms) {
		t.Errorf("SchemaVersion() = %d, want %d", SchemaVersion(), len(ms))
	}
}

// versions returns the content of a schema's schema_migrations table.
func versions(t *testing.T, s *Store) []string {
	t.Helper()
	rows, err := s.pool.Query(t.Context(), "SELECT version, name FROM "+s.qschema+".schema_migrations ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (string, error) {
		var v int
		var name string
		err := row.Scan(&v, &name)
		return fmt.Sprintf("%d:%s", v, name), err
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// wantVersions checks that schema_migrations lists every migration once.
func wantVersions(t *testing.T, s *Store) {
	t.Helper()
	ms, _ := migrations()
	var want []string
	for _, m := range ms {
		want = append(want, fmt.Sprintf("%d:%s", m.version, m.name))
	}
	if got := versions(t, s); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("schema_migrations = %v, want %v", got, want)
	}
}

func TestReopen(t *testing.T) {
	schema := testSchema(t)
	s1, err := Open(t.Context(), testDSN(t), WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	if err := s1.Update(t.Context(), func(tx acctmap.Tx) error { return tx.PutOrg(acctmap.Org{ID: "kept", CreatedAt: t0}) }); err != nil {
		t.Fatal(err)
	}
	wantVersions(t, s1)
	s1.Close()
	// Opening again applies nothing and keeps the data.
	s2, err := Open(t.Context(), testDSN(t), WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	wantVersions(t, s2)
	if err := s2.View(t.Context(), func(tx acctmap.ReadTx) error { _, err := tx.Org("kept"); return err }); err != nil {
		t.Errorf("org written before the re-open: %v", err)
	}
}

func TestConcurrentOpens(t *testing.T) {
	// Processes opening a new store at once: one migrates under the
	// advisory lock, the others wait for it and find the work done.
	schema := testSchema(t)
	const n = 6
	stores := make([]*Store, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			stores[i], errs[i] = Open(t.Context(), testDSN(t), WithSchema(schema))
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	wantVersions(t, stores[0])
	for i, s := range stores {
		if err := s.Update(t.Context(), func(tx acctmap.Tx) error { return tx.PutOrg(acctmap.Org{ID: "o", ExportedRecords: int64(i)}) }); err != nil {
			t.Errorf("Update through store %d: %v", i, err)
		}
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	s := openTest(t)
	if _, err := s.pool.Exec(t.Context(), "INSERT INTO "+s.qschema+".schema_migrations (version, name) VALUES (9999, 'future')"); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(t.Context(), testDSN(t), WithSchema(s.Schema()))
	if err == nil {
		s2.Close()
		t.Fatal("Open of a schema migrated by a newer pgstore succeeded")
	}
	if !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open of a newer schema: %v, want an error that says so", err)
	}
}

func TestOpenOptions(t *testing.T) {
	ctx := t.Context()
	for _, tc := range []struct {
		name string
		dsn  string
		opts []Option
	}{
		{"empty schema", "postgres:///x", []Option{WithSchema("")}},
		{"NUL in schema", "postgres:///x", []Option{WithSchema("a\x00b")}},
		// PostgreSQL would truncate it to 63 bytes: two such names would
		// be one schema.
		{"long schema", "postgres:///x", []Option{WithSchema(strings.Repeat("s", 64))}},
		{"no attempts", "postgres:///x", []Option{WithMaxAttempts(0)}},
		{"dsn and pool", "postgres:///x", []Option{WithPool(&pxpool)}},
	} {
		if _, err := Open(ctx, tc.dsn, tc.opts...); !errors.Is(err, acctmap.ErrInvalidInput) {
			t.Errorf("%s: Open returned %v, want ErrInvalidInput", tc.name, err)
		}
	}
	// A server that is not there is an error, soon.
	ctx, cancel := context.WithTimeout(ctx, 20e9)
	defer cancel()
	if s, err := Open(ctx, "postgres:///acctmap_test?host=/nonexistent/dir&connect_timeout=5"); err == nil {
		s.Close()
		t.Error("Open of a database that does not exist succeeded")
	}
}

// pxpool is a pool that is never used: WithPool's argument in a test that
// fails before using it.
var pxpool pgxpool.Pool

func TestWithPool(t *testing.T) {
	// Two stores on one pool, in different schemas, see different data;
	// closing a store leaves the pool open.
	pool, err := pgxpool.New(t.Context(), testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var stores []*Store
	for range 2 {
		s, err := Open(t.Context(), "", WithPool(pool), WithSchema(testSchema(t)))
		if err != nil {
			t.Fatal(err)
		}
		stores = append(stores, s)
	}
	if err := stores[0].Update(t.Context(), func(tx acctmap.Tx) error { return tx.PutOrg(acctmap.Org{ID: "only-in-0"}) }); err != nil {
		t.Fatal(err)
	}
	stores[0].Close()
	err = stores[1].View(t.Context(), func(tx acctmap.ReadTx) error {
		orgs, err := tx.Orgs()
		if err == nil && len(orgs) != 0 {
			t.Errorf("store 1 sees orgs %v of store 0", orgs)
		}
		return err
	})
	if err != nil {
		t.Errorf("View on a pool another store was closed on: %v", err)
	}
}
