package storetest_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
	"github.com/acctmap/acctmap/storetest"
)

// seededFaultStore returns a FaultStore over a memstore holding Seed's
// network, and the dump of it.
func seededFaultStore(t *testing.T) (*storetest.FaultStore, storetest.Snapshot) {
	t.Helper()
	fs := storetest.NewFaultStore(memstore.New())
	if err := fs.Update(t.Context(), storetest.Seed); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	snap, err := storetest.Dump(t.Context(), fs.Unwrap())
	if err != nil {
		t.Fatalf("Dump: %v", err)
	}
	return fs, snap
}

func mustDump(t *testing.T, s acctmap.Store) storetest.Snapshot {
	t.Helper()
	snap, err := storetest.Dump(t.Context(), s)
	if err != nil {
		t.Fatalf("Dump: %v", err)
	}
	return snap
}

// TestFaultStoreCounts checks what a FaultStore counts, and that an
// unarmed one changes nothing.
func TestFaultStoreCounts(t *testing.T) {
	t.Parallel()
	fs, _ := seededFaultStore(t)
	fs.Reset()
	err := fs.Update(t.Context(), func(tx acctmap.Tx) error {
		if _, err := tx.Org("acme"); err != nil {
			return err
		}
		return tx.PutOrg(acctmap.Org{ID: "x", Name: "X"})
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	err = fs.View(t.Context(), func(tx acctmap.ReadTx) error {
		return tx.Records("ds-acme-crm", func(*acctmap.Record) error { return nil })
	})
	if err != nil {
		t.Fatalf("View: %v", err)
	}
	want := []string{"Update", "Tx.Org", "Tx.PutOrg", "Update.commit", "View", "Tx.Records"}
	if got := fs.Ops(); !slices.Equal(got, want) {
		t.Errorf("Ops() = %q, want %q", got, want)
	}
	if fs.Calls() != len(want) {
		t.Errorf("Calls() = %d, want %d", fs.Calls(), len(want))
	}
	if _, hit := fs.Injected(); hit {
		t.Error("Injected() reports a fault, but none was armed")
	}

	fs.Reset()
	fs.Count(storetest.Methods)
	_ = fs.View(t.Context(), func(tx acctmap.ReadTx) error { _, err := tx.Orgs(); return err })
	if got := fs.Ops(); !slices.Equal(got, []string{"Tx.Orgs"}) {
		t.Errorf("counting methods only: Ops() = %q, want [Tx.Orgs]", got)
	}

	// Armed past the number of calls made: nothing fires.
	fs.Count(storetest.AllKinds)
	fs.FailAt(100, nil)
	if err := fs.View(t.Context(), func(tx acctmap.ReadTx) error { _, err := tx.Orgs(); return err }); err != nil {
		t.Errorf("View with a fault armed at call 100 of 2: %v", err)
	}
	if _, hit := fs.Injected(); hit {
		t.Error("Injected() reports a fault armed past the calls made")
	}
}

// TestFaultStoreFailAtEveryCall runs Scribble in an Update with a fault at
// each of its calls in turn: the Update returns the injected error (or the
// method's error wrapping it), and memstore rolls everything back.
func TestFaultStoreFailAtEveryCall(t *testing.T) {
	t.Parallel()
	fs, before := seededFaultStore(t)
	errMine := errors.New("disk full")
	seen := map[string]bool{}
	for n := 1; ; n++ {
		fs.FailAt(n, errMine)
		err := fs.Update(t.Context(), storetest.Scribble)
		c, hit := fs.Injected()
		if !hit {
			if err != nil {
				t.Fatalf("Update with no fault fired (%d calls): %v", fs.Calls(), err)
			}
			if n < 20 {
				t.Fatalf("Scribble made only %d calls", n-1)
			}
			break
		}
		seen[c.Op] = true
		if !errors.Is(err, errMine) {
			t.Fatalf("fault at %v: Update returned %v, want the injected error", c, err)
		}
		if !strings.Contains(err.Error(), c.String()) {
			t.Errorf("fault at %v: error %q does not name the call", c, err)
		}
		if d := before.Diff(mustDump(t, fs.Unwrap())); d != "" {
			t.Fatalf("fault at %v changed the store (-before +after):\n%s", c, d)
		}
	}
	for _, op := range []string{"Update", "Update.commit", "Tx.PutOrg", "Tx.DeleteOrg", "Tx.PutRecords", "Tx.ReplaceRecords", "Tx.SetMembers", "Tx.DeletePopulation"} {
		if !seen[op] {
			t.Errorf("no fault was injected at %s", op)
		}
	}
}

// TestFaultStoreCancelAtEveryCall is the same with the transaction's
// context cancelled at each call.
func TestFaultStoreCancelAtEveryCall(t *testing.T) {
	t.Parallel()
	fs, before := seededFaultStore(t)
	for n := 1; ; n++ {
		fs.CancelAt(n)
		err := fs.Update(t.Context(), storetest.Scribble)
		c, hit := fs.Injected()
		if !hit {
			if err != nil {
				t.Fatalf("Update with no fault fired: %v", err)
			}
			break
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancel at %v: Update returned %v, want context.Canceled", c, err)
		}
		if d := before.Diff(mustDump(t, fs.Unwrap())); d != "" {
			t.Fatalf("cancel at %v changed the store (-before +after):\n%s", c, d)
		}
		// The caller's context is not cancelled: the next call works.
		if err := fs.View(t.Context(), func(acctmap.ReadTx) error { return nil }); err != nil {
			t.Fatalf("View after a cancelled Update: %v", err)
		}
	}
}

// TestFaultStoreRecordsFailsMidway checks that a faulted Records delivers
// a record before failing, and that HookAt runs at its call.
func TestFaultStoreRecordsFailsMidway(t *testing.T) {
	t.Parallel()
	fs, _ := seededFaultStore(t)
	fs.FailAt(2, nil)
	var got int
	err := fs.View(t.Context(), func(tx acctmap.ReadTx) error {
		return tx.Records("ds-acme-crm", func(*acctmap.Record) error { got++; return nil })
	})
	if !errors.Is(err, storetest.ErrInjected) {
		t.Errorf("Records with a fault: %v, want ErrInjected", err)
	}
	if got != 1 {
		t.Errorf("Records with a fault delivered %d records before failing, want 1", got)
	}
	// A missing data source is reported as such, fault or not.
	fs.FailAt(2, nil)
	err = fs.View(t.Context(), func(tx acctmap.ReadTx) error {
		return tx.Records("nope", func(*acctmap.Record) error { return nil })
	})
	if !errors.Is(err, acctmap.ErrNotFound) {
		t.Errorf("Records of a missing data source with a fault: %v, want ErrNotFound", err)
	}

	var hooked []storetest.Call
	fs.HookAt(3, func(c storetest.Call) { hooked = append(hooked, c) })
	err = fs.Update(t.Context(), func(tx acctmap.Tx) error {
		if _, err := tx.Org("acme"); err != nil {
			return err
		}
		return tx.DeleteOrg("initech")
	})
	if err != nil {
		t.Fatalf("Update with a hook: %v", err)
	}
	if want := []storetest.Call{{N: 3, Op: "Tx.DeleteOrg"}}; !slices.Equal(hooked, want) {
		t.Errorf("hook ran at %v, want %v", hooked, want)
	}
	if err := fs.View(t.Context(), func(tx acctmap.ReadTx) error { _, err := tx.Org("initech"); return err }); !errors.Is(err, acctmap.ErrNotFound) {
		t.Errorf("the hooked call did not proceed: Org(initech) = %v", err)
	}
}
