package pgstore

import (
	"errors"
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
		if !errors.As(err, &pe) || pe.Code != "40001" {
			t.Errorf("Update failed with %v, want a serialization failure (40001)", err)
		}
	}
	if failed != 1 || final != 1 || runs != 2 {
		t.Errorf("with one attempt: %d Updates failed, counter = %d, fn ran %d times; want 1, 1, 2", failed, final, runs)
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
