package boltstore

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/storetest"
)

func TestPanicRollsBackAndRepanics(t *testing.T) {
	t.Parallel()
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
	// and release bbolt's writer lock.
	t.Parallel()
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
	// And a View that exits its goroutine ends its read transaction:
	// else Close would wait for it forever.
	wg.Go(func() {
		_ = s.View(context.Background(), func(acctmap.ReadTx) error { runtime.Goexit(); return nil })
	})
	wg.Wait()
	unchanged(t, s, before)
}

func TestNilArguments(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	var nilCtx context.Context // what a careless caller passes
	errs := []error{
		s.View(nilCtx, func(acctmap.ReadTx) error { return nil }),
		s.Update(nilCtx, func(acctmap.Tx) error { return nil }),
		s.View(t.Context(), nil),
		s.Update(t.Context(), nil),
	}
	for i, err := range errs {
		if !errors.Is(err, acctmap.ErrInvalidInput) {
			t.Errorf("call %d with a nil argument: %v, want ErrInvalidInput", i, err)
		}
	}
}

func TestCancelledBeforeView(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
	s := openTemp(t)
	_ = s.View(t.Context(), func(tx acctmap.ReadTx) error {
		if _, ok := tx.(acctmap.Tx); ok {
			t.Error("a View's ReadTx is also a Tx")
		}
		return nil
	})
}

func TestTxAfterReturn(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	ctx := t.Context()
	var r acctmap.ReadTx
	var w acctmap.Tx
	_ = s.View(ctx, func(tx acctmap.ReadTx) error { r = tx; return nil })
	_ = s.Update(ctx, func(tx acctmap.Tx) error { w = tx; return nil })
	for _, tx := range []acctmap.ReadTx{r, w} {
		_, e1 := tx.Org("a")
		_, e2 := tx.Orgs()
		_, e3 := tx.OfflinePartners("a")
		_, e4 := tx.User("a")
		_, e5 := tx.Users("a")
		_, e6 := tx.Partnership("a", "b")
		_, e7 := tx.Partnerships("a")
		_, e8 := tx.DataSource("a")
		_, e9 := tx.DataSources("a")
		_, e10 := tx.Population("a")
		_, e11 := tx.Populations("a")
		_, e12 := tx.Record("a", "b")
		e13 := tx.Records("a", func(*acctmap.Record) error { return nil })
		e14 := tx.RecordKeys("a", func(*acctmap.Record) error { return nil })
		e15 := tx.RecordsByID("a", nil, func(*acctmap.Record) error { return nil })
		_, e16 := tx.CountRecords("a")
		_, e17 := tx.OfflinePartners("")
		for i, err := range []error{e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11, e12, e13, e14, e15, e16, e17} {
			if !errors.Is(err, errTxDone) {
				t.Errorf("read %d after fn returned: %v, want errTxDone", i+1, err)
			}
		}
	}
	for i, err := range []error{
		w.PutOrg(acctmap.Org{}), w.DeleteOrg("a"),
		w.PutUser(acctmap.User{}), w.DeleteUser("a"),
		w.PutPartnership(acctmap.Partnership{}), w.DeletePartnership("a", "b"),
		w.PutDataSource(acctmap.DataSource{}), w.DeleteDataSource("a"),
		w.PutPopulation(acctmap.Population{}), w.DeletePopulation("a"),
		w.PutRecords("a", nil), w.DeleteRecords("a", nil), w.ReplaceRecords("a", nil), w.SetMembers("a", 0, nil),
	} {
		if !errors.Is(err, errTxDone) {
			t.Errorf("write %d after fn returned: %v, want errTxDone", i+1, err)
		}
	}
	if snap := mustDump(t, s); len(snap.Orgs) != 0 {
		t.Error("a write after fn returned changed the store")
	}
}

func TestWriteInScanRefused(t *testing.T) {
	// The contract forbids calling the transaction from a scan's fn; a
	// write there would move the bbolt cursor under the scan, so it fails
	// instead, and the scan goes on to the end.
	t.Parallel()
	s := openTemp(t)
	recs := genRecords("r", 0, 100)
	withDataSource(t, s, recs)
	before := mustDump(t, s)
	scans := map[string]func(tx acctmap.Tx, fn func(*acctmap.Record) error) error{
		"Records":    func(tx acctmap.Tx, fn func(*acctmap.Record) error) error { return tx.Records("ds", fn) },
		"RecordKeys": func(tx acctmap.Tx, fn func(*acctmap.Record) error) error { return tx.RecordKeys("ds", fn) },
		"RecordsByID": func(tx acctmap.Tx, fn func(*acctmap.Record) error) error {
			return tx.RecordsByID("ds", []string{"r0000001", "r0000002"}, fn)
		},
	}
	for name, scan := range scans {
		err := s.Update(t.Context(), func(tx acctmap.Tx) error {
			n := 0
			err := scan(tx, func(r *acctmap.Record) error {
				n++
				for i, err := range []error{
					tx.DeleteRecords("ds", []string{r.ID}),
					tx.PutRecords("ds", []acctmap.Record{{ID: "new" + r.ID}}),
					tx.SetMembers("ds", 1, nil),
					tx.PutOrg(acctmap.Org{ID: "x"}),
					tx.DeleteDataSource("ds"),
				} {
					if !errors.Is(err, errInScan) {
						t.Errorf("%s: write %d from the scan's fn: %v, want errInScan", name, i, err)
					}
				}
				// Reads are harmless.
				if _, err := tx.Record("ds", r.ID); err != nil {
					t.Errorf("%s: Record from the scan's fn: %v", name, err)
				}
				return nil
			})
			if err != nil {
				return err
			}
			if want := map[string]int{"RecordsByID": 2}[name]; want == 0 && n != len(recs) || want != 0 && n != want {
				t.Errorf("%s visited %d records", name, n)
			}
			// After the scan, writes work again.
			return tx.PutOrg(acctmap.Org{ID: "after-" + name})
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	after := mustDump(t, s)
	after.Orgs = slices.DeleteFunc(after.Orgs, func(o acctmap.Org) bool { return strings.HasPrefix(o.ID, "after-") })
	if d := before.Diff(after); d != "" {
		t.Errorf("writes from a scan changed the store:\n%s", d)
	}
}

func TestRecordsScanStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	recs := genRecords("r", 0, 20000)
	withDataSource(t, s, recs)
	for _, keys := range []bool{false, true} {
		ctx, cancel := context.WithCancel(t.Context())
		calls := 0
		err := s.View(ctx, func(tx acctmap.ReadTx) error {
			fn := func(*acctmap.Record) error {
				calls++
				cancel()
				return nil
			}
			if keys {
				return tx.RecordKeys("ds", fn)
			}
			return tx.Records("ds", fn)
		})
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("scan after cancel = %v, want context.Canceled", err)
		}
		if calls >= len(recs) {
			t.Errorf("scan went on to the end (%d calls) after ctx was cancelled", calls)
		}
	}
}

func TestCancelDuringImportRollsBack(t *testing.T) {
	// ctx cancelled while ReplaceRecords and PutRecords write: they stop,
	// and the Update returns ctx's error even though fn ignores theirs.
	t.Parallel()
	s := openTemp(t)
	withDataSource(t, s, genRecords("old", 0, 300))
	before := mustDump(t, s)
	big := genRecords("new", 0, 50_000)
	for _, op := range []string{"ReplaceRecords", "PutRecords"} {
		ctx, cancel := context.WithCancel(t.Context())
		err := s.Update(ctx, func(tx acctmap.Tx) error {
			cancel()
			var err error
			if op == "ReplaceRecords" {
				err = tx.ReplaceRecords("ds", big)
			} else {
				err = tx.PutRecords("ds", big)
			}
			if !errors.Is(err, context.Canceled) {
				t.Errorf("%s with ctx cancelled: %v, want context.Canceled", op, err)
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Update with ctx cancelled during %s: %v, want context.Canceled", op, err)
		}
	}
	unchanged(t, s, before)
}

func TestFailedWriteIsNotCommitted(t *testing.T) {
	// A write that fails half-way leaves the transaction unfit to commit,
	// even if fn ignores its error (as PostgreSQL aborts a transaction
	// whose statement failed).
	t.Parallel()
	s, before := seeded(t)
	errDisk := errors.New("disk on fire")
	err := s.Update(t.Context(), func(tx acctmap.Tx) error {
		if err := tx.DeleteOrg("acme"); err != nil {
			return err
		}
		_ = tx.(*writer).fail(errDisk) // as a failing bbolt Put would
		return nil
	})
	if !errors.Is(err, errDisk) {
		t.Errorf("Update after a failed write = %v, want that write's error", err)
	}
	unchanged(t, s, before)
}

func TestRefusedWritesChangeNothing(t *testing.T) {
	// Writes refused before they start (missing parent, id too long for a
	// key, slot out of range) leave the transaction fit to commit.
	t.Parallel()
	s, before := seeded(t)
	long := strings.Repeat("x", 40_000)
	err := s.Update(t.Context(), func(tx acctmap.Tx) error {
		for i, err := range []error{
			tx.PutOrg(acctmap.Org{ID: long}),
			tx.PutUser(acctmap.User{ID: long, OrgID: "acme"}),
			tx.PutDataSource(acctmap.DataSource{ID: long, OrgID: "acme"}),
			tx.PutPopulation(acctmap.Population{ID: long, DataSourceID: "ds-acme-crm", OrgID: "acme"}),
			tx.PutRecords("ds-acme-crm", []acctmap.Record{{ID: "fine"}, {ID: long}}),
			tx.ReplaceRecords("ds-acme-crm", []acctmap.Record{{ID: long}}),
			tx.SetMembers("ds-acme-crm", 64, []string{"r1"}),
		} {
			if !errors.Is(err, acctmap.ErrInvalidInput) {
				t.Errorf("write %d: %v, want ErrInvalidInput", i, err)
			} else if len(err.Error()) > 300 {
				t.Errorf("write %d: error of %d bytes quotes too much of the id", i, len(err.Error()))
			}
		}
		for i, err := range []error{
			tx.PutUser(acctmap.User{ID: "u", OrgID: long}),
			tx.PutOrg(acctmap.Org{ID: "x", OfflineOf: long}),
			tx.PutPartnership(acctmap.Partnership{Inviter: long, Invitee: "acme"}),
			tx.PutRecords(long, nil),
		} {
			if !errors.Is(err, acctmap.ErrNotFound) {
				t.Errorf("write %d with a long parent id: %v, want ErrNotFound", i, err)
			}
		}
		_, err := tx.Org(long)
		if !errors.Is(err, acctmap.ErrNotFound) {
			t.Errorf("Org(long id): %v, want ErrNotFound", err)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Update after refused writes: %v", err)
	}
	if d := before.Diff(mustDump(t, s)); d != "" {
		t.Errorf("refused writes changed the store:\n%s", d)
	}
}

func TestPutRecordsDuplicatesAndOrder(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	withDataSource(t, s, nil)
	err := s.Update(t.Context(), func(tx acctmap.Tx) error {
		dup := []acctmap.Record{{ID: "r", Name: "first"}, {ID: "s"}, {ID: "b"}, {ID: "r", Name: "last"}, {ID: ""}}
		if err := tx.PutRecords("ds", dup); err != nil {
			return err
		}
		if n, _ := tx.CountRecords("ds"); n != 4 {
			t.Errorf("after a first PutRecords with a duplicate: %d records, want 4", n)
		}
		// An upsert, out of order, with duplicates of new and old ids.
		if err := tx.PutRecords("ds", []acctmap.Record{{ID: "z"}, {ID: "s", Name: "s2"}, {ID: "a"}, {ID: "z", Name: "z2"}, {ID: "s", Name: "s3"}}); err != nil {
			return err
		}
		if n, _ := tx.CountRecords("ds"); n != 6 {
			t.Errorf("after an upsert: %d records, want 6", n)
		}
		if err := tx.DeleteRecords("ds", []string{"a", "a", "nope", ""}); err != nil {
			return err
		}
		if n, _ := tx.CountRecords("ds"); n != 4 {
			t.Errorf("after DeleteRecords: %d records, want 4", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	_ = s.View(t.Context(), func(tx acctmap.ReadTx) error {
		return tx.Records("ds", func(r *acctmap.Record) error { got[r.ID] = r.Name; return nil })
	})
	want := map[string]string{"r": "last", "s": "s3", "b": "", "z": "z2"}
	if len(got) != len(want) {
		t.Errorf("records %v, want %v", got, want)
	}
	for id, name := range want {
		if got[id] != name {
			t.Errorf("record %q named %q, want %q", id, got[id], name)
		}
	}
}

func TestReopen(t *testing.T) {
	// Everything survives Close and Open, and the file keeps working.
	t.Parallel()
	path := t.TempDir() + "/store.db"
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(t.Context(), storetest.Seed); err != nil {
		t.Fatal(err)
	}
	before := mustDump(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.View(t.Context(), func(acctmap.ReadTx) error { return nil }); err == nil {
		t.Error("View on a closed Store succeeded")
	}
	s2 := openAt(t, path)
	if s2.Path() != path {
		t.Errorf("Path() = %q, want %q", s2.Path(), path)
	}
	unchanged(t, s2, before)
}

func TestEmptyOrgID(t *testing.T) {
	// "" is an org id like any other: the orgs on the network, whose
	// OfflineOf is "", are not its offline partners, and deleting it
	// deletes nothing of theirs.
	t.Parallel()
	s := openTemp(t)
	err := s.Update(t.Context(), func(tx acctmap.Tx) error {
		for _, o := range []acctmap.Org{{ID: ""}, {ID: "acme"}, {ID: "off", OfflineOf: ""}, {ID: "sub", OfflineOf: "acme"}} {
			if err := tx.PutOrg(o); err != nil {
				return err
			}
		}
		if err := tx.PutUser(acctmap.User{ID: "u", OrgID: ""}); err != nil {
			return err
		}
		if err := tx.PutPartnership(acctmap.Partnership{Inviter: "", Invitee: "acme"}); err != nil {
			return err
		}
		return tx.PutDataSource(acctmap.DataSource{ID: "", OrgID: ""})
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.View(t.Context(), func(tx acctmap.ReadTx) error {
		off, err := tx.OfflinePartners("")
		if err != nil || len(off) != 0 {
			t.Errorf(`OfflinePartners("") = %v, %v; want none`, off, err)
		}
		return nil
	})
	if err := s.Update(t.Context(), func(tx acctmap.Tx) error { return tx.DeleteOrg("") }); err != nil {
		t.Fatal(err)
	}
	snap := mustDump(t, s)
	var ids []string
	for _, o := range snap.Orgs {
		ids = append(ids, o.ID)
	}
	if !slices.Equal(ids, []string{"acme", "off", "sub"}) {
		t.Errorf(`orgs after DeleteOrg(""): %q, want acme, off, sub`, ids)
	}
	if len(snap.Users) != 0 || len(snap.Partnerships) != 0 || len(snap.DataSources) != 0 {
		t.Errorf(`DeleteOrg("") left its users, partnerships or data sources: %+v`, snap)
	}
}

func TestValuesAreCopied(t *testing.T) {
	// Whatever a caller does to the maps and slices it gave or got, the
	// store's content does not change: every read decodes new values.
	t.Parallel()
	s, _ := seeded(t)
	scribbleOn := func(r *acctmap.Record) {
		if len(r.Domains) > 0 {
			r.Domains[0] = "changed.example"
		}
		for k := range r.Fields {
			r.Fields[k] = "changed"
		}
		if r.Fields != nil {
			r.Fields["new"] = "x"
		}
	}
	given := genRecords("g", 0, 3)
	err := s.Update(t.Context(), func(tx acctmap.Tx) error {
		if err := tx.PutDataSource(acctmap.DataSource{ID: "ds-new", OrgID: "acme", Fields: []string{"a"}}); err != nil {
			return err
		}
		return tx.PutRecords("ds-new", given)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := mustDump(t, s)
	for i := range given {
		scribbleOn(&given[i])
	}
	_ = s.View(t.Context(), func(tx acctmap.ReadTx) error {
		for _, ds := range []string{"ds-acme-crm", "ds-new"} {
			_ = tx.Records(ds, func(r *acctmap.Record) error { scribbleOn(r); return nil })
			_ = tx.RecordKeys(ds, func(r *acctmap.Record) error { scribbleOn(r); return nil })
			r, _ := tx.Record(ds, "r1")
			scribbleOn(&r)
		}
		o, _ := tx.Org("acme")
		o.FieldPresets[0].Fields[0] = "changed"
		p, _ := tx.Population("pop-acme-customers")
		p.Sharing.Partners["globex"] = acctmap.SharingRule{Level: acctmap.FullPopulation}
		p.Filter.All[0].Value = "changed"
		ps, _ := tx.Partnerships("acme")
		ps[0].Requests[0].Fields[0] = "changed"
		d, _ := tx.DataSource("ds-acme-crm")
		d.Fields[0], d.NotSame[0].RecordID = "changed", "changed"
		return nil
	})
	if d := want.Diff(mustDump(t, s)); d != "" {
		t.Errorf("changing values given or got changed the store (-before +after):\n%s", d)
	}
}
