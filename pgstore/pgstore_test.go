package pgstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/storetest"
	"github.com/jackc/pgx/v5"
)

// dsnEnv names the environment variable that enables the tests of this
// package: the DSN of a database they may create schemas in.
const dsnEnv = "ACCTMAP_TEST_POSTGRES_DSN"

// testDSN returns the test database's DSN, or skips tb when none is set.
func testDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		tb.Skip("pgstore: set ACCTMAP_TEST_POSTGRES_DSN=postgres:///acctmap_test?host=/var/run/postgresql to run PostgreSQL tests")
	}
	return dsn
}

// testSchema returns a new schema name, different in every call, so that
// tests run in parallel in one database; dropSchema removes it when tb
// ends.
func testSchema(tb testing.TB) string {
	tb.Helper()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	name := "acctmap_test_" + hex.EncodeToString(b)
	dsn := testDSN(tb)
	tb.Cleanup(func() { dropSchema(tb, dsn, name) })
	return name
}

// dropSchema drops a test schema, with everything in it.
func dropSchema(tb testing.TB, dsn, name string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Errorf("drop schema %s: %v", name, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{name}.Sanitize()+" CASCADE"); err != nil {
		tb.Errorf("drop schema %s: %v", name, err)
	}
}

// openTest opens a Store on a fresh schema of the test database, closed
// and dropped when tb ends. It skips tb when no database is configured and
// fails it when the database cannot be reached.
func openTest(tb testing.TB, opts ...Option) *Store {
	tb.Helper()
	schema := testSchema(tb) // registered first: the drop runs after the Close
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Open(ctx, testDSN(tb), append([]Option{WithSchema(schema)}, opts...)...)
	if err != nil {
		tb.Fatalf("pgstore.Open on %s=%q: %v", dsnEnv, os.Getenv(dsnEnv), err)
	}
	tb.Cleanup(s.Close)
	return s
}

func TestConformance(t *testing.T) {
	testDSN(t)
	storetest.Run(t, func(t *testing.T) acctmap.Store { return openTest(t) })
}
