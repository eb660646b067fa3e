package pgstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/storetest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// bigImport is the size of the import the cancellation tests interrupt.
const bigImport = 200_000

// importFixture returns a store whose data source "ds" holds 300
// records, two of them in population slot 3, with its Dump.
func importFixture(t *testing.T) (*Store, storetest.Snapshot) {
	t.Helper()
	s := openTest(t)
	withDataSources(t, s, "ds")
	err := s.Update(t.Context(), func(tx acctmap.Tx) error {
		if err := tx.ReplaceRecords("ds", genRecords("old", 0, 300)); err != nil {
			return err
		}
		return tx.SetMembers("ds", 3, []string{"old0000007", "old0000299"})
	})
	if err != nil {
		t.Fatal(err)
	}
	before, err := storetest.Dump(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	return s, before
}

// wantUnchanged checks that s still holds before, and takes writes.
func wantUnchanged(t *testing.T, s *Store, before storetest.Snapshot) {
	t.Helper()
	after, err := storetest.Dump(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(before, after, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("store after a cancelled import (-before +after):\n%s", d)
	}
	var n int
	if err := s.View(t.Context(), func(tx acctmap.ReadTx) error {
		return tx.(*reader).tx.QueryRow(t.Context(), s.sql(`SELECT count(*) FROM {s}.record_keys`)).Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	if want := len(keysOf(before.Records["ds"])); n != want {
		t.Errorf("record_keys has %d rows after a cancelled import, want %d", n, want)
	}
	if err := s.Update(t.Context(), func(tx acctmap.Tx) error { return tx.PutRecords("ds", genRecords("new", 0, 1)) }); err != nil {
		t.Errorf("Update after a cancelled import: %v", err)
	}
}

func TestImportCancelledDuringCopy(t *testing.T) {
	t.Parallel()
	s, before := importFixture(t)
	recs := genRecords("new", 0, bigImport)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	// Watch the COPY through pg_stat_progress_copy, from another
	// connection, and cancel once it has taken 10,000 rows (of 200,000).
	watched := make(chan int64, 1)
	go func() {
		defer close(watched)
		for ctx.Err() == nil {
			var n int64
			err := s.pool.QueryRow(t.Context(), `SELECT coalesce(max(tuples_processed), 0) FROM pg_stat_progress_copy
				WHERE relid = ($1 || '.records')::regclass`, s.qschema).Scan(&n)
			if err != nil {
				t.Error(err)
				return
			}
			if n >= 10_000 {
				cancel()
				watched <- n
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	err := s.Update(ctx, func(tx acctmap.Tx) error { return tx.ReplaceRecords("ds", recs) })
	n, ok := <-watched
	if !ok {
		t.Fatalf("the COPY was not seen running (Update returned %v)", err)
	}
	t.Logf("cancelled after %d of %d rows", n, bigImport)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Update cancelled during the COPY returned %v, want context.Canceled", err)
	}
	if n >= bigImport {
		t.Errorf("the COPY had taken all %d rows when cancelled", n)
	}
	wantUnchanged(t, s, before)
}

func TestImportCancelledAfterWriting(t *testing.T) {
	t.Parallel()
	s, before := importFixture(t)
	const n = 50_000
	recs := genRecords("new", 0, n)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	err := s.Update(ctx, func(tx acctmap.Tx) error {
		if err := tx.ReplaceRecords("ds", recs); err != nil {
			return err
		}
		if got, err := tx.CountRecords("ds"); err != nil || got != n {
			t.Errorf("CountRecords after ReplaceRecords in the Update = %d, %v; want %d", got, err, n)
		}
		cancel() // and fn returns nil: the commit must not happen
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Update cancelled after ReplaceRecords returned %v, want context.Canceled", err)
	}
	wantUnchanged(t, s, before)
}

func TestImportFailedAfterWriting(t *testing.T) {
	t.Parallel()
	s, before := importFixture(t)
	errBoom := errors.New("boom")
	err := s.Update(t.Context(), func(tx acctmap.Tx) error {
		if err := tx.PutRecords("ds", genRecords("old", 200, 2000)); err != nil {
			return err
		}
		if err := tx.SetMembers("ds", 3, []string{"old0000001"}); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Errorf("Update returned %v, want fn's error", err)
	}
	wantUnchanged(t, s, before)
}
