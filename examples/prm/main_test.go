package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// run serves the seeded demo on the address given and stops when its
// context ends.
func TestRun(t *testing.T) {
	t.Parallel()
	serveOnce(t, config{addr: "127.0.0.1:0"}, "")
}

func TestRunRefusesABadDB(t *testing.T) {
	t.Parallel()
	err := run(context.Background(), config{addr: "127.0.0.1:0", db: "mysql://x"}, &bytes.Buffer{}, nil)
	if err == nil || !strings.Contains(err.Error(), "postgres://") {
		t.Fatalf("err = %v", err)
	}
}

// With -db, the demo lives in PostgreSQL: the first run seeds it, the
// second finds it seeded and serves the same data.
func TestRunOnPostgres(t *testing.T) {
	dsn := os.Getenv("ACCTMAP_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("set ACCTMAP_TEST_POSTGRES_DSN (see the README's Development section) to run the demo on pgstore")
	}
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		dsn = "postgresql://" + strings.TrimPrefix(dsn, "postgres:")
	}
	schema := fmt.Sprintf("prm_test_%d", time.Now().UnixNano())
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	c := config{addr: "127.0.0.1:0", db: dsn, schema: schema}
	if out := serveOnce(t, c, "Bolt Warehouse"); strings.Contains(out, "exist already") {
		t.Errorf("the first run did not seed:\n%s", out)
	}
	if out := serveOnce(t, c, "Bolt Warehouse"); !strings.Contains(out, "exist already") {
		t.Errorf("the second run seeded again:\n%s", out)
	}
}

// serveOnce runs the app, signs in as Ann, checks the partner list shows
// want, stops the app and returns what it printed.
func serveOnce(t *testing.T, c config, want string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	urls := make(chan string, 1)
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, c, &out, func(u string) { urls <- u }) }()
	var base string
	select {
	case base = <-urls:
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not start")
	}
	e := &testEnv{t: t, base: base}
	res, _ := e.visitor().get("/signin")
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /signin: %d", res.StatusCode)
	}
	if want != "" {
		_, body := e.signIn("ann").get("/partners")
		if !strings.Contains(body, want) {
			t.Errorf("the partner list lacks %q", want)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v after its context ended", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
	return out.String()
}
