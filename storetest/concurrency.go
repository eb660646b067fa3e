package storetest

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/acctmap/acctmap"
)

// pause is how long a transaction waits for another that a store may run
// concurrently or make wait: long enough for the other to get going, short
// enough to keep the suite fast.
const pause = 50 * time.Millisecond

// setNames sets the names of orgs a and b.
func setNames(tx acctmap.Tx, name string, between func()) error {
	for i, id := range []string{"a", "b"} {
		if i == 1 {
			between()
		}
		o, err := tx.Org(id)
		if err != nil {
			return err
		}
		o.Name = name
		if err := tx.PutOrg(o); err != nil {
			return err
		}
	}
	return nil
}

// names reads the names of orgs a and b, the second through Orgs.
func names(tx acctmap.ReadTx) (a, b string, err error) {
	oa, err := tx.Org("a")
	if err != nil {
		return "", "", err
	}
	orgs, err := tx.Orgs()
	if err != nil {
		return "", "", err
	}
	for _, o := range orgs {
		if o.ID == "b" {
			return oa.Name, o.Name, nil
		}
	}
	return "", "", fmt.Errorf("org b is missing")
}

var concurrencyTests = []test{
	{"SerializableCounter", func(t *testing.T, s acctmap.Store) {
		// Read-modify-write of one counter from many goroutines: no update
		// may be lost.
		const goroutines, updates = 4, 25
		withOrgs(t, s, "ctr")
		var wg sync.WaitGroup
		for range goroutines {
			wg.Go(func() {
				for range updates {
					err := s.Update(t.Context(), func(tx acctmap.Tx) error {
						o, err := tx.Org("ctr")
						if err != nil {
							return err
						}
						runtime.Gosched() // invite another Update in between
						o.ExportedRecords++
						return tx.PutOrg(o)
					})
					if err != nil {
						t.Errorf("Update: %v", err)
						return
					}
				}
			})
		}
		wg.Wait()
		view(t, s, func(tx acctmap.ReadTx) error {
			o, err := tx.Org("ctr")
			noErr(t, "Org", err)
			if o.ExportedRecords != goroutines*updates {
				t.Errorf("counter = %d after %d increments: updates were lost", o.ExportedRecords, goroutines*updates)
			}
			return nil
		})
	}},
	{"ConsistentViews", func(t *testing.T, s acctmap.Store) {
		// Every Update renames orgs a and b together; every View, running
		// at the same time, must see the two names equal.
		withOrgs(t, s, "a", "b")
		update(t, s, func(tx acctmap.Tx) error { return setNames(tx, "v0", func() {}) })
		const updates = 100
		done := make(chan struct{})
		var wg sync.WaitGroup
		views := make([]int, 2)
		for r := range views {
			wg.Go(func() {
				for {
					select {
					case <-done:
						if views[r] > 0 {
							return
						}
					default:
					}
					err := s.View(t.Context(), func(tx acctmap.ReadTx) error {
						a, b, err := names(tx)
						if err != nil {
							return err
						}
						if a != b {
							return fmt.Errorf("a View saw org a named %q and org b named %q: a partial or torn Update", a, b)
						}
						return nil
					})
					if err != nil {
						t.Error(err)
						return
					}
					views[r]++
				}
			})
		}
		for i := 1; i <= updates; i++ {
			update(t, s, func(tx acctmap.Tx) error { return setNames(tx, fmt.Sprintf("v%d", i), runtime.Gosched) })
		}
		close(done)
		wg.Wait()
	}},
	{"NoPartialWrites", func(t *testing.T, s acctmap.Store) {
		// An Update stops between its two writes until a View has run (or
		// for a pause, if the store makes the View wait for the Update).
		// The View sees both writes or neither.
		withOrgs(t, s, "a", "b")
		update(t, s, func(tx acctmap.Tx) error { return setNames(tx, "old", func() {}) })
		written, viewed := make(chan struct{}), make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			defer close(viewed)
			<-written
			err := s.View(t.Context(), func(tx acctmap.ReadTx) error {
				a, b, err := names(tx)
				if err != nil {
					return err
				}
				if a != b {
					return fmt.Errorf("a View during an Update saw org a named %q and org b named %q", a, b)
				}
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
		// A store may run fn more than once: close written once.
		signal := sync.OnceFunc(func() { close(written) })
		update(t, s, func(tx acctmap.Tx) error {
			return setNames(tx, "new", func() {
				signal()
				select {
				case <-viewed:
				case <-time.After(pause):
				}
			})
		})
		wg.Wait()
	}},
	{"StableSnapshot", func(t *testing.T, s acctmap.Store) {
		// A View reads, lets an Update commit (or waits a pause, if the
		// store makes the Update wait for the View), and reads again: it
		// sees the same thing.
		withOrgs(t, s, "a", "b")
		update(t, s, func(tx acctmap.Tx) error { return setNames(tx, "old", func() {}) })
		start, committed := make(chan struct{}), make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			defer close(committed)
			<-start
			if err := s.Update(t.Context(), func(tx acctmap.Tx) error {
				if err := setNames(tx, "new", func() {}); err != nil {
					return err
				}
				// An Org added too: a View must not see new rows either.
				return tx.PutOrg(acctmap.Org{ID: "c", CreatedAt: t0})
			}); err != nil {
				t.Errorf("Update: %v", err)
			}
		})
		begin := sync.OnceFunc(func() { close(start) })
		view(t, s, func(tx acctmap.ReadTx) error {
			a1, b1, err := names(tx)
			noErr(t, "names", err)
			begin()
			select {
			case <-committed:
			case <-time.After(pause):
			}
			a2, b2, err := names(tx)
			noErr(t, "names", err)
			if a1 != a2 || b1 != b2 {
				t.Errorf("a View read names (%q, %q), then (%q, %q) after a concurrent commit", a1, b1, a2, b2)
			}
			_, err = tx.Org("c")
			wantNotFound(t, "Org created by an Update that committed during the View", err)
			return nil
		})
		wg.Wait()
		view(t, s, func(tx acctmap.ReadTx) error {
			a, b, err := names(tx)
			noErr(t, "names", err)
			if a != "new" || b != "new" {
				t.Errorf("after the Update, names are (%q, %q), want new", a, b)
			}
			return nil
		})
	}},
}
