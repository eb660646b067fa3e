package memstore

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/acctmap/acctmap"
)

// plain is a deep copy of a state's every map, index and record slice, so
// that a rollback can be checked to restore the state exactly, positions
// of records included.
type plain struct {
	Tables  []any
	Records map[string]plainRecords
}

type plainRecords struct {
	Recs []stored
	Pos  map[string]int
}

func plainTable[K comparable, V any](t *table[K, V]) any {
	var ixs []map[string]map[K]struct{}
	for _, s := range t.by {
		ix := map[string]map[K]struct{}{}
		for p, set := range s.ix {
			ix[p] = maps.Clone(set)
		}
		ixs = append(ixs, ix)
	}
	return []any{maps.Clone(t.rows), ixs}
}

func plainOf(st *state) plain {
	p := plain{
		Tables:  []any{plainTable(st.orgs), plainTable(st.users), plainTable(st.partners), plainTable(st.sources), plainTable(st.pops)},
		Records: map[string]plainRecords{},
	}
	for id, rs := range st.records {
		p.Records[id] = plainRecords{slices.Clone(rs.recs), maps.Clone(rs.pos)}
	}
	return p
}

// checkInvariants checks that every index and position map matches its rows.
func checkInvariants(t *testing.T, st *state) {
	t.Helper()
	for id, rs := range st.records {
		if len(rs.pos) != len(rs.recs) {
			t.Fatalf("data source %q: %d positions for %d records", id, len(rs.pos), len(rs.recs))
		}
		for i, r := range rs.recs {
			if rs.pos[r.ID] != i {
				t.Fatalf("data source %q: record %q at %d, indexed at %d", id, r.ID, i, rs.pos[r.ID])
			}
		}
		if _, ok := st.sources.rows[id]; !ok {
			t.Fatalf("records of missing data source %q", id)
		}
	}
	if len(st.records) != len(st.sources.rows) {
		t.Fatalf("%d record sets for %d data sources", len(st.records), len(st.sources.rows))
	}
}

var errFail = errors.New("fail")

// TestRandomRollback runs random record operations in Updates that fail
// (the state must come back exactly, positions included) or commit (the
// records must match a simple model).
func TestRandomRollback(t *testing.T) {
	s := New()
	ctx := context.Background()
	dss := []string{"ds1", "ds2"}
	model := map[string]map[string]acctmap.Record{}
	err := s.Update(ctx, func(tx acctmap.Tx) error {
		if err := tx.PutOrg(acctmap.Org{ID: "o"}); err != nil {
			return err
		}
		for _, ds := range dss {
			model[ds] = map[string]acctmap.Record{}
			if err := tx.PutDataSource(acctmap.DataSource{ID: ds, OrgID: "o"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	id := func() string { return fmt.Sprintf("r%d", rng.IntN(60)) }
	batch := func(tag int) []acctmap.Record {
		recs := make([]acctmap.Record, rng.IntN(20))
		for i := range recs {
			recs[i] = acctmap.Record{ID: id(), Name: fmt.Sprint(tag), Populations: rng.Uint64()}
		}
		return recs
	}
	ids := func() []string {
		out := make([]string, rng.IntN(20))
		for i := range out {
			out[i] = id()
		}
		return out
	}
	for round := range 300 {
		commit := rng.IntN(2) == 0
		before := plainOf(s.st)
		// next is what the model becomes if the Update commits.
		next := map[string]map[string]acctmap.Record{}
		for ds, m := range model {
			next[ds] = maps.Clone(m)
		}
		err := s.Update(ctx, func(tx acctmap.Tx) error {
			for range 1 + rng.IntN(8) {
				ds := dss[rng.IntN(len(dss))]
				m := next[ds]
				var err error
				switch op := rng.IntN(5); op {
				case 0:
					recs := batch(round)
					err = tx.PutRecords(ds, recs)
					for _, r := range recs {
						m[r.ID] = r
					}
				case 1:
					del := ids()
					err = tx.DeleteRecords(ds, del)
					for _, id := range del {
						delete(m, id)
					}
				case 2:
					recs := batch(round)
					err = tx.ReplaceRecords(ds, recs)
					clear(m)
					for _, r := range recs {
						m[r.ID] = r
					}
				case 3:
					slot, members := rng.IntN(64), ids()
					err = tx.SetMembers(ds, slot, members)
					for id, r := range m {
						r.Populations &^= 1 << slot
						if slices.Contains(members, id) {
							r.Populations |= 1 << slot
						}
						m[id] = r
					}
				case 4:
					slot := rng.IntN(64)
					p := acctmap.Population{ID: "p", OrgID: "o", DataSourceID: ds, Slot: slot}
					if err = tx.PutPopulation(p); err == nil {
						err = tx.DeletePopulation("p")
					}
					for id, r := range m {
						r.Populations &^= 1 << slot
						m[id] = r
					}
				}
				if err != nil {
					return err
				}
				checkInvariants(t, s.st)
			}
			if !commit {
				return errFail
			}
			return nil
		})
		if commit {
			if err != nil {
				t.Fatal(err)
			}
			model = next
		} else {
			if !errors.Is(err, errFail) {
				t.Fatal(err)
			}
			if after := plainOf(s.st); !reflect.DeepEqual(before, after) {
				t.Fatalf("round %d: rollback did not restore the exact state", round)
			}
		}
		for _, ds := range dss {
			got := map[string]acctmap.Record{}
			rs := s.st.records[ds]
			for i := range rs.recs {
				var r acctmap.Record
				rs.cols.decode(&rs.recs[i], &r, true, nil)
				got[r.ID] = r
			}
			if !reflect.DeepEqual(got, model[ds]) {
				t.Fatalf("round %d: records of %s differ from the model", round, ds)
			}
		}
	}
}

// TestRollbackRestoresEverything runs every write method, cascades
// included, in an Update that fails, and checks that every table, index
// and record set is exactly as before.
func TestRollbackRestoresEverything(t *testing.T) {
	s := New()
	ctx := context.Background()
	seed := func(tx acctmap.Tx) error {
		for _, o := range []acctmap.Org{{ID: "a"}, {ID: "b"}, {ID: "a-off", OfflineOf: "a"}} {
			if err := tx.PutOrg(o); err != nil {
				return err
			}
		}
		if err := tx.PutUser(acctmap.User{ID: "u", OrgID: "a"}); err != nil {
			return err
		}
		if err := tx.PutPartnership(acctmap.Partnership{Inviter: "a", Invitee: "b"}); err != nil {
			return err
		}
		for _, ds := range []acctmap.DataSource{{ID: "ds-a", OrgID: "a"}, {ID: "ds-off", OrgID: "a-off"}} {
			if err := tx.PutDataSource(ds); err != nil {
				return err
			}
			if err := tx.PutRecords(ds.ID, []acctmap.Record{{ID: "1"}, {ID: "2"}, {ID: "3"}}); err != nil {
				return err
			}
			if err := tx.PutPopulation(acctmap.Population{ID: "p-" + ds.ID, OrgID: ds.OrgID, DataSourceID: ds.ID, Slot: 2}); err != nil {
				return err
			}
			if err := tx.SetMembers(ds.ID, 2, []string{"1", "3"}); err != nil {
				return err
			}
		}
		return nil
	}
	if err := s.Update(ctx, seed); err != nil {
		t.Fatal(err)
	}
	before := plainOf(s.st)
	recsA := s.st.records["ds-a"]
	err := s.Update(ctx, func(tx acctmap.Tx) error {
		steps := []error{
			tx.PutUser(acctmap.User{ID: "u", OrgID: "b"}),
			tx.PutPartnership(acctmap.Partnership{Inviter: "b", Invitee: "a", Status: acctmap.Revoked}),
			tx.PutOrg(acctmap.Org{ID: "a-off", OfflineOf: "b"}),
			tx.PutOrg(acctmap.Org{ID: "a-off", OfflineOf: "a"}),
			tx.ReplaceRecords("ds-a", []acctmap.Record{{ID: "9"}}),
			tx.PutPopulation(acctmap.Population{ID: "p-ds-a", OrgID: "b", DataSourceID: "ds-off", Slot: 2}),
			tx.DeletePopulation("p-ds-a"),
			tx.DeleteUser("u"),
			tx.DeletePartnership("b", "a"),
			tx.DeleteOrg("a"),
			tx.DeleteOrg("b"),
			tx.PutOrg(acctmap.Org{ID: "a"}),
			tx.PutDataSource(acctmap.DataSource{ID: "ds-a", OrgID: "a"}),
		}
		for i, err := range steps {
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		}
		checkInvariants(t, s.st)
		return errFail
	})
	if !errors.Is(err, errFail) {
		t.Fatal(err)
	}
	if after := plainOf(s.st); !reflect.DeepEqual(before, after) {
		t.Errorf("rollback did not restore the exact state:\nbefore %+v\nafter  %+v", before, after)
	}
	// ReplaceRecords and DeleteOrg roll back by putting back the very same
	// record set: O(1), whatever its size.
	if s.st.records["ds-a"] != recsA {
		t.Error("rollback rebuilt the record set of ds-a instead of putting it back")
	}
}

// TestTxAfterReturn checks that a transaction used after its fn returned
// fails instead of touching the state without the lock.
func TestTxAfterReturn(t *testing.T) {
	s := New()
	ctx := context.Background()
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
		_, e14 := tx.CountRecords("a")
		for i, err := range []error{e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11, e12, e13, e14} {
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
	if len(s.st.orgs.rows) != 0 {
		t.Error("a write after fn returned changed the store")
	}
}

func TestSetMembersNoChange(t *testing.T) {
	// A SetMembers that changes nothing logs nothing to undo.
	s := New()
	ctx := context.Background()
	err := s.Update(ctx, func(tx acctmap.Tx) error {
		if err := tx.PutOrg(acctmap.Org{ID: "o"}); err != nil {
			return err
		}
		if err := tx.PutDataSource(acctmap.DataSource{ID: "ds", OrgID: "o"}); err != nil {
			return err
		}
		if err := tx.PutRecords("ds", []acctmap.Record{{ID: "1", Populations: 1}}); err != nil {
			return err
		}
		w := tx.(*writer)
		n := len(w.undo)
		if err := tx.SetMembers("ds", 0, []string{"1"}); err != nil {
			return err
		}
		if len(w.undo) != n {
			t.Errorf("SetMembers that changed nothing logged %d undo steps", len(w.undo)-n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
