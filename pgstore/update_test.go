package pgstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/jackc/pgx/v5/pgconn"
)

// increments runs two Updates at once that each read org "x" and write it
// back with ExportedRecords + 1, both reading before either writes: a
// certain serialization conflict. write is how fn writes. It returns the
// Updates' errors, the final counter and how many times fn ran.
func increments(t *testing.T, s *Store, write func(tx acctmap.Tx, o acctmap.Org) error) (errs [2]error, final int64, runs int32) {
	t.Helper()
	if err := s.Update(t.Context(), func(tx acctmap.Tx) error { return tx.PutOrg(acctmap.Org{ID: "x", CreatedAt: t0}) }); err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	var read sync.WaitGroup
	read.Add(2)
	bothRead := make(chan struct{})
	go func() { read.Wait(); close(bothRead) }()
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() {
			first := true
			errs[i] = s.Update(t.Context(), func(tx acctmap.Tx) error {
				n.Add(1)
				o, err := tx.Org("x")
				if err != nil {
					return err
				}
				if first {
					// On the first run only: wait until the other has read too.
					first = false
					read.Done()
					select {
					case <-bothRead:
					case <-time.After(10 * time.Second):
						t.Error("the other Update did not read")
					}
				}
				o.ExportedRecords++
				return write(tx, o)
			})
		})
	}
	wg.Wait()
	err := s.View(t.Context(), func(tx acctmap.ReadTx) error {
		o, err := tx.Org("x")
		final = o.ExportedRecords
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return errs, final, n.Load()
}

func TestSerializationRetry(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		write func(tx acctmap.Tx, o acctmap.Org) error
	}{
		{"FnReturnsTheError", func(tx acctmap.Tx, o acctmap.Org) error { return tx.PutOrg(o) }},
		// fn ignores the failed write: Update must still not commit, and
		// runs fn again.
		{"FnIgnoresTheError", func(tx acctmap.Tx, o acctmap.Org) error { _ = tx.PutOrg(o); return nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := openTest(t)
			errs, final, runs := increments(t, s, tc.write)
			for i, err := range errs {
				if err != nil {
					t.Errorf("Update %d: %v", i, err)
				}
			}
			if final != 2 {
				t.Errorf("counter = %d after two increments, want 2", final)
			}
			if runs < 3 {
				t.Errorf("fn ran %d times: the conflict did not happen or was not retried", runs)
			}
		})
	}
}

func TestSerializationNoRetry(t *testing.T) {
	t.Parallel()
	s := openTest(t, WithMaxAttempts(1))
	errs, final, runs := increments(t, s, func(tx acctmap.Tx, o acctmap.Org) error { return tx.PutOrg(o) })
	failed := 0
	for _, err := range errs {
		if err == nil {
			continue
		}
		failed++
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "40001" || !errors.Is(err, acctmap.ErrConflict) {
			t.Errorf("Update failed with %v, want acctmap.ErrConflict and a serialization failure (40001)", err)
		}
	}
	if failed != 1 || final != 1 || runs != 2 {
		t.Errorf("with one attempt: %d Updates failed, counter = %d, fn ran %d times; want 1, 1, 2", failed, final, runs)
	}
}

// TestSerializationGiveUp: an Update that conflicts on every attempt gives
// up after WithMaxAttempts attempts with an error that wraps
// acctmap.ErrConflict, for the caller to branch on, and keeps the
// serialization failure in the chain (#19).
func TestSerializationGiveUp(t *testing.T) {
	t.Parallel()
	const attempts = 3
	s := openTest(t, WithMaxAttempts(attempts))
	// Another process on the same store writes org "x" between the read
	// and the write of every run of fn.
	other, err := Open(t.Context(), testDSN(t), WithSchema(s.Schema()))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	put := func(st *Store, n int64) error {
		return st.Update(t.Context(), func(tx acctmap.Tx) error { return tx.PutOrg(acctmap.Org{ID: "x", ExportedRecords: n, CreatedAt: t0}) })
	}
	if err := put(s, 0); err != nil {
		t.Fatal(err)
	}
	runs := 0
	err = s.Update(t.Context(), func(tx acctmap.Tx) error {
		runs++
		o, err := tx.Org("x")
		if err != nil {
			return err
		}
		if err := put(other, int64(1000+runs)); err != nil {
			t.Errorf("the concurrent write: %v", err)
		}
		o.ExportedRecords++
		return tx.PutOrg(o)
	})
	var pe *pgconn.PgError
	if !errors.Is(err, acctmap.ErrConflict) || !errors.As(err, &pe) || pe.Code != "40001" {
		t.Errorf("Update that conflicted %d times: %v, want acctmap.ErrConflict wrapping a serialization failure (40001)", runs, err)
	}
	if err != nil && !strings.Contains(err.Error(), "giving up after 3 attempts") {
		t.Errorf("the error does not say how often the store tried: %v", err)
	}
	if runs != attempts {
		t.Errorf("fn ran %d times, want %d", runs, attempts)
	}
}

// TestNilContext: a nil ctx is an error wrapping acctmap.ErrInvalidInput,
// not a panic, in every call that takes one (#19).
func TestNilContext(t *testing.T) {
	t.Parallel()
	var nilCtx context.Context // a variable: vet and staticcheck flag a literal nil
	stores := []*Store{{}}     // the check comes first: no database needed
	if os.Getenv(dsnEnv) != "" {
		stores = append(stores, openTest(t))
	}
	for i, s := range stores {
		ran := false
		for _, tc := range []struct {
			name string
			call func() error
		}{
			{"View", func() error { return s.View(nilCtx, func(acctmap.ReadTx) error { ran = true; return nil }) }},
			{"Update", func() error { return s.Update(nilCtx, func(acctmap.Tx) error { ran = true; return nil }) }},
			{"Open", func() error { _, err := Open(nilCtx, "postgres:///x"); return err }},
			{"Migrate", func() error { return Migrate(nilCtx, "postgres:///x") }},
		} {
			err := func() (err error) {
				defer func() {
					if p := recover(); p != nil {
						err = fmt.Errorf("panic: %v", p)
					}
				}()
				return tc.call()
			}()
			if !errors.Is(err, acctmap.ErrInvalidInput) || !strings.Contains(err.Error(), "nil context") {
				t.Errorf("store %d: %s with a nil ctx: %v, want ErrInvalidInput saying why", i, tc.name, err)
			}
		}
		if ran {
			t.Errorf("store %d: fn ran with a nil ctx", i)
		}
	}
}

func TestTxUseAfterReturn(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	var kept acctmap.Tx
	if err := s.Update(t.Context(), func(tx acctmap.Tx) error { kept = tx; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := kept.Orgs(); !errors.Is(err, errTxDone) {
		t.Errorf("Orgs on a Tx after its Update returned: %v, want errTxDone", err)
	}
	// A View's ReadTx has no write methods to find by assertion.
	err := s.View(t.Context(), func(tx acctmap.ReadTx) error {
		if _, ok := tx.(acctmap.Tx); ok {
			t.Error("a View's ReadTx is a Tx")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
