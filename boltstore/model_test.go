package boltstore

import (
	"errors"
	"fmt"
	bolt "go.etcd.io/bbolt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
	"github.com/acctmap/acctmap/storetest"
)

// op is one random Tx call, applied alike to the store under test and to
// memstore, the model.
type op struct {
	name string
	do   func(tx acctmap.Tx) error
}

// errKind classifies an error by the sentinel the contract names.
func errKind(err error) string {
	switch {
	case err == nil:
		return "nil"
	case errors.Is(err, acctmap.ErrNotFound):
		return "not found"
	case errors.Is(err, acctmap.ErrInvalidInput):
		return "invalid input"
	}
	return "other: " + err.Error()
}

// randomOps returns n random calls over a small set of ids, odd ones
// included, so that calls collide: replacements, moves, cascades.
func randomOps(rng *rand.Rand, n, round int) []op {
	ids := []string{"", "a", "b", "a\x00", "a\x00b", "é", "c|d"}
	id := func() string { return ids[rng.IntN(len(ids))] }
	// No org "" here: memstore, the model, takes every org on the network
	// (OfflineOf "") for an offline partner of org "", which the contract
	// does not (OfflinePartners("") lists none), and DeleteOrg("") deletes
	// them all. TestEmptyOrgID checks boltstore on that case.
	orgIDs := ids[1:5]
	orgID := func() string { return orgIDs[rng.IntN(len(orgIDs))] }
	recIDs := func() []string {
		out := make([]string, rng.IntN(6))
		for i := range out {
			out[i] = fmt.Sprintf("r%d", rng.IntN(12))
		}
		if rng.IntN(4) == 0 {
			out = append(out, "", "\x00")
		}
		return out
	}
	recs := func() []acctmap.Record {
		out := make([]acctmap.Record, rng.IntN(8))
		for i := range out {
			out[i] = acctmap.Record{ID: fmt.Sprintf("r%d", rng.IntN(12)), Name: fmt.Sprint("n", round, i), Populations: rng.Uint64(),
				Private: rng.IntN(2) == 0, Domains: []string{fmt.Sprint("d", rng.IntN(5), ".example")}}
			if rng.IntN(3) == 0 {
				out[i].Fields = map[string]string{"k": fmt.Sprint(rng.IntN(3)), "": "empty key"}
			}
		}
		return out
	}
	ops := make([]op, n)
	for i := range ops {
		a, b, c := id(), id(), id()
		oa, ob, oc := orgID(), orgID(), orgID()
		slot := rng.IntN(66) - 1 // -1 and 64 are out of range
		rs, rids := recs(), recIDs()
		t := t0.Add(time.Duration(rng.IntN(1e9)) * time.Microsecond)
		switch rng.IntN(17) {
		case 0:
			off := ""
			if rng.IntN(2) == 0 {
				off = ob
			}
			ops[i] = op{fmt.Sprintf("PutOrg(%q of %q)", oa, off), func(tx acctmap.Tx) error {
				return tx.PutOrg(acctmap.Org{ID: oa, Name: "org " + oa, OfflineOf: off, ExportedRecords: int64(round), CreatedAt: t})
			}}
		case 1:
			ops[i] = op{fmt.Sprintf("DeleteOrg(%q)", oa), func(tx acctmap.Tx) error { return tx.DeleteOrg(oa) }}
		case 2:
			ops[i] = op{fmt.Sprintf("PutUser(%q in %q)", a, ob), func(tx acctmap.Tx) error {
				return tx.PutUser(acctmap.User{ID: a, OrgID: ob, Name: fmt.Sprint(round), CreatedAt: t})
			}}
		case 3:
			ops[i] = op{fmt.Sprintf("DeleteUser(%q)", a), func(tx acctmap.Tx) error { return tx.DeleteUser(a) }}
		case 4:
			ops[i] = op{fmt.Sprintf("PutPartnership(%q, %q)", oa, ob), func(tx acctmap.Tx) error {
				return tx.PutPartnership(acctmap.Partnership{Inviter: oa, Invitee: ob, Status: acctmap.Pending, InvitedAt: t,
					Requests: []acctmap.ShareRequest{{ID: c, From: oa, To: ob, Fields: []string{"x"}}}})
			}}
		case 5:
			ops[i] = op{fmt.Sprintf("DeletePartnership(%q, %q)", oa, ob), func(tx acctmap.Tx) error { return tx.DeletePartnership(oa, ob) }}
		case 6, 7:
			ops[i] = op{fmt.Sprintf("PutDataSource(%q of %q)", a, ob), func(tx acctmap.Tx) error {
				return tx.PutDataSource(acctmap.DataSource{ID: a, OrgID: ob, Version: int64(round), Fields: []string{c}, UpdatedAt: t})
			}}
		case 8:
			ops[i] = op{fmt.Sprintf("DeleteDataSource(%q)", a), func(tx acctmap.Tx) error { return tx.DeleteDataSource(a) }}
		case 9:
			s := max(0, slot)
			ops[i] = op{fmt.Sprintf("PutPopulation(%q of %q in %q, slot %d)", a, b, oc, s), func(tx acctmap.Tx) error {
				return tx.PutPopulation(acctmap.Population{ID: a, DataSourceID: b, OrgID: oc, Slot: s % 64, Name: fmt.Sprint(round),
					Sharing: acctmap.Sharing{Partners: map[string]acctmap.SharingRule{c: {Level: acctmap.CountsOnly}}}})
			}}
		case 10:
			ops[i] = op{fmt.Sprintf("DeletePopulation(%q)", a), func(tx acctmap.Tx) error { return tx.DeletePopulation(a) }}
		case 11, 12:
			ops[i] = op{fmt.Sprintf("PutRecords(%q, %d)", a, len(rs)), func(tx acctmap.Tx) error { return tx.PutRecords(a, rs) }}
		case 13:
			ops[i] = op{fmt.Sprintf("DeleteRecords(%q, %q)", a, rids), func(tx acctmap.Tx) error { return tx.DeleteRecords(a, rids) }}
		case 14:
			ops[i] = op{fmt.Sprintf("ReplaceRecords(%q, %d)", a, len(rs)), func(tx acctmap.Tx) error { return tx.ReplaceRecords(a, rs) }}
		case 15, 16:
			ops[i] = op{fmt.Sprintf("SetMembers(%q, %d, %q)", a, slot, rids), func(tx acctmap.Tx) error { return tx.SetMembers(a, slot, rids) }}
		}
	}
	return ops
}

var errFail = errors.New("fail on purpose")

// TestAgainstMemstore runs random Updates on a boltstore and on memstore:
// every call must give the same kind of error on both, and after every
// Update, committed or failed, both must hold the same (storetest.Dump).
// The file is closed and opened again every few rounds.
func TestAgainstMemstore(t *testing.T) {
	t.Parallel()
	const rounds = 1000
	path := t.TempDir() + "/model.db"
	s, err := Open(path, WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	model := memstore.New()
	rng := rand.New(rand.NewPCG(7, uint64(rounds)))
	succeeded := map[string]int{} // calls that succeeded, by method
	for round := range rounds {
		ops := randomOps(rng, 1+rng.IntN(12), round)
		commit := rng.IntN(3) != 0
		var want []string
		errM := model.Update(t.Context(), func(tx acctmap.Tx) error {
			want = want[:0]
			for _, o := range ops {
				want = append(want, errKind(o.do(tx)))
			}
			if !commit {
				return errFail
			}
			return nil
		})
		errS := s.Update(t.Context(), func(tx acctmap.Tx) error {
			for i, o := range ops {
				got := errKind(o.do(tx))
				if got != want[i] {
					t.Fatalf("round %d, call %d, %s: error %s, memstore's %s", round, i, o.name, got, want[i])
				}
				if got == "nil" {
					succeeded[o.name[:strings.IndexByte(o.name, '(')]]++
				}
			}
			if !commit {
				return errFail
			}
			return nil
		})
		if errKind(errM) != errKind(errS) {
			t.Fatalf("round %d: Update returned %v, memstore's %v", round, errS, errM)
		}
		if d := mustDump(t, model).Diff(mustDump(t, s)); d != "" {
			var names []string
			for _, o := range ops {
				names = append(names, o.name)
			}
			t.Fatalf("round %d (commit %v, calls %q): the stores differ (-memstore +boltstore):\n%s", round, commit, names, d)
		}
		if round%50 == 49 {
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if s, err = Open(path, WithNoSync()); err != nil {
				t.Fatal(err)
			}
			checkFile(t, s)
		}
	}
	checkIndexes(t, s)
	// A test whose calls all fail on missing parents would prove little.
	for _, m := range []string{"PutOrg", "DeleteOrg", "PutUser", "DeleteUser", "PutPartnership", "DeletePartnership",
		"PutDataSource", "DeleteDataSource", "PutPopulation", "DeletePopulation", "PutRecords", "DeleteRecords",
		"ReplaceRecords", "SetMembers"} {
		if succeeded[m] < rounds/100 {
			t.Errorf("only %d calls of %s succeeded", succeeded[m], m)
		}
	}
	t.Logf("calls that succeeded: %v", succeeded)
}

// checkFile runs bbolt's consistency check of the file's pages.
func checkFile(t *testing.T, s *Store) {
	t.Helper()
	err := s.db.View(func(tx *boltTx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatalf("bbolt Check: %v", err)
	}
}

// checkIndexes checks that every index entry names an existing item whose
// parent is the entry's, and that every item is indexed: no leftovers of
// moves and deletes.
func checkIndexes(t *testing.T, s *Store) {
	t.Helper()
	err := s.View(t.Context(), func(rtx acctmap.ReadTx) error {
		r := rtx.(*reader)
		snap, err := storetest.DumpTx(rtx)
		if err != nil {
			return err
		}
		count := func(index []byte) int {
			n := 0
			c := r.tx.Bucket(index).Cursor()
			for k, _ := c.First(); k != nil; k, _ = c.Next() {
				n++
			}
			return n
		}
		offline, users, pops := 0, len(snap.Users), len(snap.Populations)
		for _, o := range snap.Orgs {
			if o.OfflineOf != "" {
				offline++
			}
		}
		pairs := 0
		for _, p := range snap.Partnerships {
			pairs += 2
			if p.Inviter == p.Invitee {
				pairs--
			}
		}
		for _, c := range []struct {
			index []byte
			want  int
		}{
			{indexOrgOwner, offline}, {indexUserOrg, users}, {indexPartnerOrg, pairs},
			{indexSourceOrg, len(snap.DataSources)}, {indexPopOrg, pops}, {indexPopSource, pops},
			{bucketRecords, len(snap.DataSources)},
		} {
			if got := count(c.index); got != c.want {
				t.Errorf("bucket %s has %d keys, want %d", c.index, got, c.want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

type boltTx = bolt.Tx

// TestSeedAsMemstore writes storetest's standard network into a boltstore
// and into memstore, which keeps values as they are given: every field
// Seed sets must come back the same, so that an item's encoding leaves
// none out.
func TestSeedAsMemstore(t *testing.T) {
	t.Parallel()
	_, got := seeded(t)
	m := memstore.New()
	if err := m.Update(t.Context(), storetest.Seed); err != nil {
		t.Fatal(err)
	}
	if d := mustDump(t, m).Diff(got); d != "" {
		t.Errorf("the seeded network differs (-memstore +boltstore):\n%s", d)
	}
}
