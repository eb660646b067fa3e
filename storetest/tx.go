package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/google/go-cmp/cmp"
)

// scribbled runs Scribble in tx and checks that it changed the store as
// tx sees it: a rollback test proves nothing if the writes did not happen.
func scribbled(t *testing.T, tx acctmap.Tx, before Snapshot) {
	t.Helper()
	if err := Scribble(tx); err != nil {
		t.Fatalf("Scribble: %v", err)
	}
	mid, err := DumpTx(tx)
	noErr(t, "DumpTx inside the Update", err)
	if cmp.Equal(before, mid, cmpOpts...) {
		t.Fatal("Scribble changed nothing that the Update can read")
	}
}

// unchanged checks that s is as before, and still takes writes.
func unchanged(t *testing.T, s acctmap.Store, before Snapshot, after string) {
	t.Helper()
	got, err := Dump(t.Context(), s)
	noErr(t, "Dump", err)
	diff(t, "store after "+after, before, got)
	update(t, s, func(tx acctmap.Tx) error { return tx.PutOrg(acctmap.Org{ID: "later", CreatedAt: t0}) })
}

var txTests = []test{
	{"ReadYourWrites", func(t *testing.T, s acctmap.Store) {
		var inside Snapshot
		update(t, s, func(tx acctmap.Tx) error {
			if err := Seed(tx); err != nil {
				return err
			}
			// Every read sees what this transaction wrote so far.
			snap, err := DumpTx(tx)
			noErr(t, "DumpTx after Seed", err)
			if len(snap.Orgs) != len(seedOrgs) || len(snap.Users) != len(seedUsers) || len(snap.Populations) != len(seedPopulations) ||
				len(snap.Records["ds-acme-crm"]) != seedRecordCount {
				t.Errorf("inside the Update that seeded it, Dump shows %d orgs, %d users, %d populations, %d records in ds-acme-crm",
					len(snap.Orgs), len(snap.Users), len(snap.Populations), len(snap.Records["ds-acme-crm"]))
			}
			r3, err := tx.Record("ds-acme-crm", "r3")
			noErr(t, "Record", err)
			if r3.Populations != 1|1<<1 {
				t.Errorf("Record after SetMembers in the same Update: Populations = %b, want 11", r3.Populations)
			}
			if err := tx.DeleteRecords("ds-acme-crm", []string{"r3"}); err != nil {
				return err
			}
			_, err = tx.Record("ds-acme-crm", "r3")
			wantNotFound(t, "Record deleted in the same Update", err)
			if err := tx.ReplaceRecords("ds-acme-csv", recordsOf("ds-acme-csv", 9)); err != nil {
				return err
			}
			n, err := tx.CountRecords("ds-acme-csv")
			noErr(t, "CountRecords", err)
			if n != 1 {
				t.Errorf("CountRecords after ReplaceRecords in the same Update = %d, want 1", n)
			}
			if err := tx.DeleteOrg("acme"); err != nil {
				return err
			}
			probeDeletedOrg(t, tx, "acme")
			probeDeletedOrg(t, tx, "acme-off1-sub")
			_, err = tx.User("u-alice")
			wantNotFound(t, "User of an org deleted in the same Update", err)
			inside, err = DumpTx(tx)
			noErr(t, "DumpTx", err)
			return nil
		})
		// And the commit keeps exactly that.
		after, err := Dump(t.Context(), s)
		noErr(t, "Dump", err)
		diff(t, "store after the Update, against what the Update saw", inside, after)
	}},
	{"ErrorRollsBack", func(t *testing.T, s acctmap.Store) {
		before := seeded(t, s)
		errBoom := errors.New("boom")
		err := s.Update(t.Context(), func(tx acctmap.Tx) error {
			scribbled(t, tx, before)
			return fmt.Errorf("at the end: %w", errBoom)
		})
		if !errors.Is(err, errBoom) {
			t.Errorf("Update returned %v, want fn's error", err)
		}
		unchanged(t, s, before, "an Update whose fn failed")
	}},
	{"ErrorAfterFailedWriteRollsBack", func(t *testing.T, s acctmap.Store) {
		// fn goes on after a write failed (here, on a missing parent), then
		// fails: the writes before and after are dropped too.
		before := seeded(t, s)
		errBoom := errors.New("boom")
		err := s.Update(t.Context(), func(tx acctmap.Tx) error {
			if err := tx.PutOrg(acctmap.Org{ID: "x"}); err != nil {
				return err
			}
			wantNotFound(t, "PutUser of a missing org", tx.PutUser(user("u", "nope")))
			if err := tx.DeleteOrg("globex"); err != nil {
				return err
			}
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Errorf("Update returned %v, want fn's error", err)
		}
		unchanged(t, s, before, "an Update whose fn failed")
	}},
	{"CancelInFnRollsBack", func(t *testing.T, s acctmap.Store) {
		before := seeded(t, s)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		err := s.Update(ctx, func(tx acctmap.Tx) error {
			scribbled(t, tx, before)
			cancel()
			// A write after the cancel may fail or not; fn ignores it and
			// returns nil, and still nothing may be kept.
			_ = tx.PutOrg(acctmap.Org{ID: "after-cancel"})
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Update whose ctx was cancelled in fn returned %v, want context.Canceled", err)
		}
		unchanged(t, s, before, "an Update whose ctx was cancelled in fn")
	}},
	{"CancelledBeforeUpdate", func(t *testing.T, s acctmap.Store) {
		before := seeded(t, s)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		err := s.Update(ctx, func(tx acctmap.Tx) error {
			// fn may or may not run; if it does, it sees no error here.
			_ = tx.DeleteOrg("acme")
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Update with a cancelled ctx returned %v, want context.Canceled", err)
		}
		unchanged(t, s, before, "an Update with a cancelled ctx")
	}},
	{"ReturnsFnError", func(t *testing.T, s acctmap.Store) {
		errMine := errors.New("mine")
		if err := s.View(t.Context(), func(acctmap.ReadTx) error { return fmt.Errorf("wrapped: %w", errMine) }); !errors.Is(err, errMine) {
			t.Errorf("View returned %v, want fn's error", err)
		}
		if err := s.Update(t.Context(), func(acctmap.Tx) error { return fmt.Errorf("wrapped: %w", errMine) }); !errors.Is(err, errMine) {
			t.Errorf("Update returned %v, want fn's error", err)
		}
		// ErrNotFound from a Tx, returned by fn, stays ErrNotFound.
		err := s.Update(t.Context(), func(tx acctmap.Tx) error { return tx.DeleteOrg("nope") })
		wantNotFound(t, "Update returning DeleteOrg's error", err)
		err = s.View(t.Context(), func(tx acctmap.ReadTx) error { _, err := tx.Org("nope"); return err })
		wantNotFound(t, "View returning Org's error", err)
		if err := s.View(t.Context(), func(acctmap.ReadTx) error { return nil }); err != nil {
			t.Errorf("View whose fn returns nil returned %v", err)
		}
	}},
	{"SuccessiveUpdates", func(t *testing.T, s acctmap.Store) {
		// Each commit is visible to the next transaction, and a failed one
		// in between changes nothing.
		withOrgs(t, s, "a")
		for i := 1; i <= 3; i++ {
			update(t, s, func(tx acctmap.Tx) error {
				o, err := tx.Org("a")
				if err != nil {
					return err
				}
				if o.ExportedRecords != int64(i-1) {
					t.Errorf("Update %d sees ExportedRecords = %d, want %d", i, o.ExportedRecords, i-1)
				}
				o.ExportedRecords = int64(i)
				return tx.PutOrg(o)
			})
			_ = s.Update(t.Context(), func(tx acctmap.Tx) error {
				if err := tx.PutOrg(acctmap.Org{ID: "a", ExportedRecords: -1}); err != nil {
					return err
				}
				return errors.New("fail")
			})
		}
		view(t, s, func(tx acctmap.ReadTx) error {
			o, err := tx.Org("a")
			noErr(t, "Org", err)
			if o.ExportedRecords != 3 {
				t.Errorf("ExportedRecords = %d, want 3", o.ExportedRecords)
			}
			return nil
		})
	}},
}
