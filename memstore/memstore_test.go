package memstore_test

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
	"github.com/acctmap/acctmap/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) acctmap.Store { return memstore.New() })
}

// seeded returns a store holding storetest's standard network, and its dump.
func seeded(t *testing.T) (*memstore.Store, storetest.Snapshot) {
	t.Helper()
	s := memstore.New()
	if err := s.Update(t.Context(), storetest.Seed); err != nil {
		t.Fatal(err)
	}
	snap, err := storetest.Dump(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	return s, snap
}

// unchanged checks that s is as before and that it is not left locked.
func unchanged(t *testing.T, s *memstore.Store, before storetest.Snapshot) {
	t.Helper()
	after, err := storetest.Dump(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	if d := before.Diff(after); d != "" {
		t.Errorf("store changed (-before +after):\n%s", d)
	}
	if err := s.Update(t.Context(), func(tx acctmap.Tx) error { return tx.PutOrg(acctmap.Org{ID: "later"}) }); err != nil {
		t.Errorf("Update after the rollback: %v", err)
	}
}

func TestPanicRollsBackAndRepanics(t *testing.T) {
	s, before := seeded(t)
	var recovered any
	func() {
		defer func() { recovered = recover() }()
		_ = s.Update(t.Context(), func(tx acctmap.Tx) error {
			if err := storetest.Scribble(tx); err != nil {
				t.Fatal(err)
			}
			panic("boom")
		})
	}()
	if recovered != "boom" {
		t.Errorf("recovered %v, want fn's panic value", recovered)
	}
	unchanged(t, s, before)
}

func TestGoexitRollsBack(t *testing.T) {
	// t.FailNow in fn exits the goroutine: the Update must still roll back
	// and unlock.
	s, before := seeded(t)
	var wg sync.WaitGroup
	wg.Go(func() {
		_ = s.Update(context.Background(), func(tx acctmap.Tx) error {
			if err := storetest.Scribble(tx); err != nil {
				t.Error(err)
			}
			runtime.Goexit()
			return nil
		})
		t.Error("Update returned after runtime.Goexit")
	})
	wg.Wait()
	unchanged(t, s, before)
}

func TestViewCancelled(t *testing.T) {
	s, _ := seeded(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := s.View(ctx, func(acctmap.ReadTx) error {
		t.Error("View ran fn with a cancelled ctx")
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("View = %v, want context.Canceled", err)
	}
}

func TestViewIsReadOnly(t *testing.T) {
	// A View's ReadTx cannot be turned into a Tx, which would write under
	// the shared lock.
	s := memstore.New()
	_ = s.View(t.Context(), func(tx acctmap.ReadTx) error {
		if _, ok := tx.(acctmap.Tx); ok {
			t.Error("a View's ReadTx is also a Tx")
		}
		return nil
	})
}

func TestRecordsScanStopsWhenCancelled(t *testing.T) {
	recs := make([]acctmap.Record, 20000)
	for i := range recs {
		recs[i].ID = strconv.Itoa(i)
	}
	s := loaded(t, recs)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	calls := 0
	err := s.View(ctx, func(tx acctmap.ReadTx) error {
		return tx.Records("ds", func(*acctmap.Record) error {
			calls++
			cancel()
			return nil
		})
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Records after cancel = %v, want context.Canceled", err)
	}
	if calls >= len(recs) {
		t.Errorf("Records went on to the end (%d calls) after ctx was cancelled", calls)
	}
}

func TestPutRecordsDuplicateIDsLastWins(t *testing.T) {
	s := memstore.New()
	err := s.Update(t.Context(), func(tx acctmap.Tx) error {
		if err := tx.PutOrg(acctmap.Org{ID: "o"}); err != nil {
			return err
		}
		if err := tx.PutDataSource(acctmap.DataSource{ID: "ds", OrgID: "o"}); err != nil {
			return err
		}
		dup := []acctmap.Record{{ID: "r", Name: "first"}, {ID: "s"}, {ID: "r", Name: "last"}}
		if err := tx.PutRecords("ds", dup); err != nil {
			return err
		}
		return tx.ReplaceRecords("ds", append(dup, acctmap.Record{ID: "s", Name: "s last"}))
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.View(t.Context(), func(tx acctmap.ReadTx) error {
		n, _ := tx.CountRecords("ds")
		r, _ := tx.Record("ds", "r")
		s, _ := tx.Record("ds", "s")
		if n != 2 || r.Name != "last" || s.Name != "s last" {
			t.Errorf("got %d records, r named %q and s named %q; want 2, last, s last", n, r.Name, s.Name)
		}
		return nil
	})
}
