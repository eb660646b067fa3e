package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/memstore"
	gocmp "github.com/google/go-cmp/cmp"
)

// Tests of the overlap pushdown: JoinKeys, and the Network's matrices on
// it, compared with the in-memory engine on the same data.

// wrapStore wraps a Store to watch the overlap pushdown: its read
// transactions count JoinKeys calls, or hide OverlapTx (hide), so that a
// Network computes in memory.
type wrapStore struct {
	acctmap.Store
	hide  bool
	joins atomic.Int64
	// seen, when set, is called with the data sources whose records,
	// keys, data source row or populations each read returns (tenancy
	// checks).
	seen func(method string, dataSources ...string)
}

func (w *wrapStore) View(ctx context.Context, fn func(tx acctmap.ReadTx) error) error {
	return w.Store.View(ctx, func(tx acctmap.ReadTx) error {
		if w.hide {
			return fn(plainTx{tx, w})
		}
		return fn(joinTx{plainTx{tx, w}})
	})
}

// plainTx is a ReadTx without JoinKeys that reports its reads of records.
type plainTx struct {
	acctmap.ReadTx
	w *wrapStore
}

func (t plainTx) Records(ds string, fn func(*acctmap.Record) error) error {
	if t.w.seen != nil {
		t.w.seen("Records", ds)
	}
	return t.ReadTx.Records(ds, fn)
}

func (t plainTx) Record(ds, rec string) (acctmap.Record, error) {
	if t.w.seen != nil {
		t.w.seen("Record", ds)
	}
	return t.ReadTx.Record(ds, rec)
}

func (t plainTx) RecordKeys(ds string, fn func(*acctmap.Record) error) error {
	if t.w.seen != nil {
		t.w.seen("RecordKeys", ds)
	}
	return t.ReadTx.RecordKeys(ds, fn)
}

func (t plainTx) RecordsByID(ds string, ids []string, fn func(*acctmap.Record) error) error {
	if t.w.seen != nil {
		t.w.seen("RecordsByID", ds)
	}
	return t.ReadTx.RecordsByID(ds, ids, fn)
}

func (t plainTx) CountRecords(ds string) (int, error) {
	if t.w.seen != nil {
		t.w.seen("CountRecords", ds)
	}
	return t.ReadTx.CountRecords(ds)
}

func (t plainTx) DataSource(ds string) (acctmap.DataSource, error) {
	if t.w.seen != nil {
		t.w.seen("DataSource", ds)
	}
	return t.ReadTx.DataSource(ds)
}

func (t plainTx) DataSources(org string) ([]acctmap.DataSource, error) {
	dss, err := t.ReadTx.DataSources(org)
	if t.w.seen != nil {
		for _, ds := range dss {
			t.w.seen("DataSources", ds.ID)
		}
	}
	return dss, err
}

func (t plainTx) Populations(org string) ([]acctmap.Population, error) {
	pops, err := t.ReadTx.Populations(org)
	if t.w.seen != nil {
		for _, p := range pops {
			t.w.seen("Populations", p.DataSourceID)
		}
	}
	return pops, err
}

func (t plainTx) Population(id string) (acctmap.Population, error) {
	p, err := t.ReadTx.Population(id)
	if t.w.seen != nil && err == nil {
		t.w.seen("Population", p.DataSourceID)
	}
	return p, err
}

type joinTx struct{ plainTx }

func (t joinTx) JoinKeys(req acctmap.KeyJoin) (acctmap.KeyJoinResult, error) {
	t.w.joins.Add(1)
	if t.w.seen != nil {
		t.w.seen("JoinKeys", req.X, req.Y)
	}
	return t.ReadTx.(acctmap.OverlapTx).JoinKeys(req)
}

// matrixGrid is what two matrices must agree on.
type matrixGrid struct {
	Rows, Cols        []string // population names
	Counts, Hidden    [][]int64
	Partner, ErrValue string
}

func gridOf(m acctmap.OverlapMatrix, err error) matrixGrid {
	if err != nil {
		return matrixGrid{ErrValue: errClass(err)}
	}
	g := matrixGrid{Counts: m.Counts, Hidden: m.HiddenFromPartner}
	for _, r := range m.Rows {
		g.Rows = append(g.Rows, r.Name)
	}
	for _, c := range m.Cols {
		g.Cols = append(g.Cols, c.Name)
	}
	return g
}

// errClass names the sentinel an error wraps, so that two stores' errors
// compare.
func errClass(err error) string {
	for _, s := range []error{acctmap.ErrNotFound, acctmap.ErrNotPartners, acctmap.ErrInvalidInput, acctmap.ErrPermissionDenied, acctmap.ErrConflict, acctmap.ErrLimitExceeded, acctmap.ErrNotShared} {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return "other: " + err.Error()
}

// randRecords returns n records with keys drawn from small pools, so that
// records share domains and registration ids within and across data
// sources: isolated pairs, accounts of several records, chains through
// aliases, registration ids that agree and that veto (same scheme,
// different value; the scheme "a:b" has a ':' of its own), private
// records and random population masks.
func randRecords(rng *rand.Rand, prefix string, n, domainPool, regPool int) []acctmap.Record {
	recs := make([]acctmap.Record, n)
	for i := range recs {
		r := acctmap.Record{
			ID:          prefix + strconv.Itoa(i),
			Name:        "Company " + strconv.Itoa(i),
			NameKey:     "company " + strconv.Itoa(rng.IntN(40)),
			Populations: rng.Uint64() & 0xff,
			Private:     rng.IntN(100) < 15,
		}
		nd := []int{0, 1, 1, 1, 1, 1, 2, 2, 3}[rng.IntN(9)]
		for range nd {
			r.Domains = append(r.Domains, "d"+strconv.Itoa(rng.IntN(domainPool))+".com")
		}
		if rng.IntN(100) < 35 || nd == 0 {
			r.RegistrationID = acctmap.RegistrationID{
				Scheme: []string{"duns", "duns", "vat", "a:b"}[rng.IntN(4)],
				Value:  strconv.Itoa(rng.IntN(regPool)),
			}
		}
		recs[i] = r
	}
	return recs
}

// randMarks returns not-same marks between records of x and of y: half
// of them on pairs that share a key (candidates, isolated or not), half on
// any pair.
func randMarks(rng *rand.Rand, x, y []acctmap.Record, n int) [][2]string {
	byKey := map[string][]string{}
	for _, r := range y {
		for _, d := range r.Domains {
			byKey[d] = append(byKey[d], r.ID)
		}
		byKey[regString(r.RegistrationID)] = append(byKey[regString(r.RegistrationID)], r.ID)
	}
	var out [][2]string
	for len(out) < n {
		xr := x[rng.IntN(len(x))]
		if len(out)%2 == 1 {
			out = append(out, [2]string{xr.ID, y[rng.IntN(len(y))].ID})
			continue
		}
		keys := append(slices.Clone(xr.Domains), regString(xr.RegistrationID))
		if ys := byKey[keys[rng.IntN(len(keys))]]; len(ys) > 0 {
			out = append(out, [2]string{xr.ID, ys[rng.IntN(len(ys))]})
		}
	}
	return out
}

// overlapWorld writes into a store, through its Tx only, what the overlap
// tests need: org A (user ua) with data source X, its accepted partner B
// (user ub) with Y, A's offline partner O with Z, and stranger C (user uc);
// 8 populations on each data source; and the records and marks of seed,
// written in several transactions (a replace, upserts, deletes) so that
// the stores' incremental bookkeeping is exercised.
func overlapWorld(t *testing.T, s acctmap.Store, seed uint64) {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 7))
	size := 150 + rng.IntN(250)
	domainPool := size/2 + rng.IntN(3*size)
	regPool := 20 + rng.IntN(size)
	data := map[string][]acctmap.Record{
		"X": randRecords(rng, "x", size, domainPool, regPool),
		"Y": randRecords(rng, "y", size, domainPool, regPool),
		"Z": randRecords(rng, "z", size/2, domainPool, regPool),
	}
	marksXY := randMarks(rng, data["X"], data["Y"], 24)
	marksXZ := randMarks(rng, data["X"], data["Z"], 10)
	err := s.Update(ctx, func(tx acctmap.Tx) error {
		for _, o := range []acctmap.Org{{ID: "A", Name: "A"}, {ID: "B", Name: "B"}, {ID: "C", Name: "C"}, {ID: "O", Name: "O", OfflineOf: "A"}} {
			o.CreatedAt = t0
			if err := tx.PutOrg(o); err != nil {
				return err
			}
		}
		for _, u := range []string{"A", "B", "C"} {
			if err := tx.PutUser(acctmap.User{ID: "u" + strings.ToLower(u), OrgID: u, Role: acctmap.RoleAdmin, CreatedAt: t0}); err != nil {
				return err
			}
		}
		if err := tx.PutPartnership(acctmap.Partnership{Inviter: "A", Invitee: "B", Status: acctmap.Accepted, InvitedAt: t0, UpdatedAt: t0}); err != nil {
			return err
		}
		dss := []acctmap.DataSource{{ID: "X", OrgID: "A"}, {ID: "Y", OrgID: "B"}, {ID: "Z", OrgID: "O"}}
		for i, m := range marksXY {
			if i%2 == 0 {
				dss[0].NotSame = append(dss[0].NotSame, acctmap.NotSameMark{RecordID: m[0], OtherDataSourceID: "Y", OtherRecordID: m[1], MarkedAt: t0})
			} else {
				dss[1].NotSame = append(dss[1].NotSame, acctmap.NotSameMark{RecordID: m[1], OtherDataSourceID: "X", OtherRecordID: m[0], MarkedAt: t0})
			}
		}
		for _, m := range marksXZ {
			dss[0].NotSame = append(dss[0].NotSame, acctmap.NotSameMark{RecordID: m[0], OtherDataSourceID: "Z", OtherRecordID: m[1], MarkedAt: t0})
		}
		for _, ds := range dss {
			ds.Name, ds.Kind, ds.CreatedAt, ds.UpdatedAt = "ds "+ds.ID, acctmap.PushedSource, t0, t0
			if err := tx.PutDataSource(ds); err != nil {
				return err
			}
			for slot := range 8 {
				p := acctmap.Population{ID: ds.ID + "p" + strconv.Itoa(slot), OrgID: ds.OrgID, DataSourceID: ds.ID, Kind: acctmap.Custom,
					Name: ds.ID + " pop " + strconv.Itoa(slot), Slot: slot, CreatedAt: t0.Add(time.Duration(slot) * time.Second), UpdatedAt: t0}
				if err := tx.PutPopulation(p); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, ds := range []string{"X", "Y", "Z"} {
		recs := data[ds]
		half := len(recs) / 2
		update := func(fn func(tx acctmap.Tx) error) {
			t.Helper()
			if err := s.Update(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
		// The first half replaces, the second is upserted in batches.
		update(func(tx acctmap.Tx) error { return tx.ReplaceRecords(ds, recs[:half]) })
		for lo := half; lo < len(recs); lo += 40 {
			update(func(tx acctmap.Tx) error { return tx.PutRecords(ds, recs[lo:min(lo+40, len(recs))]) })
		}
		// Upserts that change keys, marks and membership, and deletes.
		var changed []acctmap.Record
		var gone []string
		for i := range recs {
			switch rng.IntN(10) {
			case 0:
				r := recs[i]
				r.Domains = []string{"d" + strconv.Itoa(rng.IntN(domainPool)) + ".com"}
				r.Private = !r.Private
				r.Populations = rng.Uint64() & 0xff
				changed = append(changed, r)
			case 1:
				gone = append(gone, recs[i].ID)
			}
		}
		update(func(tx acctmap.Tx) error { return tx.PutRecords(ds, changed) })
		update(func(tx acctmap.Tx) error { return tx.DeleteRecords(ds, gone) })
		update(func(tx acctmap.Tx) error {
			ids := make([]string, 0, len(recs))
			for i := range recs {
				if rng.IntN(3) == 0 {
					ids = append(ids, recs[i].ID)
				}
			}
			return tx.SetMembers(ds, 3, ids)
		})
	}
}

// matrices returns the matrices a seed's world is checked on: A's with B,
// B's with A, A's with its offline partner O, and C's with A (an error).
func matrices(t *testing.T, n *acctmap.Network) []matrixGrid {
	t.Helper()
	ctx := context.Background()
	var out []matrixGrid
	for _, c := range []struct{ user, partner string }{{"ua", "B"}, {"ub", "A"}, {"ua", "O"}, {"uc", "A"}} {
		out = append(out, gridOf(n.As(c.user).Matrix(ctx, c.partner)))
	}
	return out
}

// TestPushdownMatrixRandom compares, on random data of several seeds, the
// matrices a Network computes with the pushdown on pgstore with those it
// computes in memory on the same pgstore and on memstore: they must be
// equal, cell by cell, counts and hidden counts, in every view.
func TestPushdownMatrixRandom(t *testing.T) {
	testDSN(t)
	t.Parallel()
	for seed := range uint64(8) {
		t.Run("seed"+strconv.FormatUint(seed, 10), func(t *testing.T) {
			t.Parallel()
			pg := openTest(t)
			mem := memstore.New()
			overlapWorld(t, pg, seed)
			overlapWorld(t, mem, seed)
			pushed := &wrapStore{Store: pg}
			inMemory := &wrapStore{Store: pg, hide: true}
			got := matrices(t, acctmap.New(pushed))
			if pushed.joins.Load() != 3 {
				t.Errorf("%d JoinKeys for 3 matrices, want 3: the pushdown did not run", pushed.joins.Load())
			}
			want := matrices(t, acctmap.New(mem))
			if d := gocmp.Diff(want, got); d != "" {
				t.Errorf("pushed-down matrices differ from memstore's (-memstore +pgstore):\n%s", d)
			}
			if d := gocmp.Diff(want, matrices(t, acctmap.New(inMemory))); d != "" {
				t.Errorf("in-memory matrices on pgstore differ from memstore's (-memstore +pgstore):\n%s", d)
			}
			declined := &wrapStore{Store: pg}
			if d := gocmp.Diff(want, matrices(t, acctmap.New(declined, acctmap.WithoutPushdown()))); d != "" {
				t.Errorf("matrices WithoutPushdown on pgstore differ from memstore's (-memstore +pgstore):\n%s", d)
			}
			if declined.joins.Load() != 0 {
				t.Errorf("WithoutPushdown: %d JoinKeys, want none", declined.joins.Load())
			}
			if got[3].ErrValue != acctmap.ErrNotPartners.Error() {
				t.Errorf("a stranger's matrix: %q, want ErrNotPartners", got[3].ErrValue)
			}
			checkJoinKeys(t, pg)
		})
	}
}

// regString is a registration id as the matcher keys it.
func regString(r acctmap.RegistrationID) string {
	if r.IsZero() {
		return ""
	}
	return r.Scheme + ":" + r.Value
}

// checkJoinKeys checks what JoinKeys returns of overlapWorld's X and Y:
// only their records, no private record of a side left out, and both
// isolated pairs and complex records (so that the test exercises both).
func checkJoinKeys(t *testing.T, s *Store) {
	t.Helper()
	err := s.View(context.Background(), func(tx acctmap.ReadTx) error {
		all := map[string]map[string]acctmap.Record{}
		for _, ds := range []string{"X", "Y"} {
			all[ds] = map[string]acctmap.Record{}
			if err := tx.Records(ds, func(r *acctmap.Record) error { all[ds][r.ID] = *r; return nil }); err != nil {
				return err
			}
		}
		res, err := tx.(acctmap.OverlapTx).JoinKeys(acctmap.KeyJoin{X: "X", Y: "Y", PublicY: true})
		if err != nil {
			return err
		}
		simple := int64(0)
		for _, n := range res.Simple {
			simple += n
		}
		if simple == 0 || len(res.ComplexX) == 0 || len(res.ComplexY) == 0 {
			t.Errorf("JoinKeys: %d isolated pairs, %d and %d complex records: the data should have both", simple, len(res.ComplexX), len(res.ComplexY))
		}
		for side, recs := range map[string][]acctmap.Record{"X": res.ComplexX, "Y": res.ComplexY} {
			for _, r := range recs {
				full, ok := all[side][r.ID]
				switch {
				case !ok:
					t.Errorf("JoinKeys: complex record %q is not a record of %s", r.ID, side)
				case side == "Y" && full.Private:
					t.Errorf("JoinKeys with PublicY: private record %q of Y returned", r.ID)
				case full.Populations != r.Populations || full.Private != r.Private || regString(full.RegistrationID) != regString(r.RegistrationID):
					t.Errorf("JoinKeys: complex record %q: got %+v, stored %+v", r.ID, r, full)
				}
				for _, d := range r.Domains {
					if !slices.Contains(full.Domains, d) {
						t.Errorf("JoinKeys: complex record %q: domain %q is not its own", r.ID, d)
					}
				}
			}
		}
		// Missing data sources, and a data source with itself.
		if _, err := tx.(acctmap.OverlapTx).JoinKeys(acctmap.KeyJoin{X: "X", Y: "nope"}); !errors.Is(err, acctmap.ErrNotFound) {
			t.Errorf("JoinKeys with a missing data source: %v, want ErrNotFound", err)
		}
		if _, err := tx.(acctmap.OverlapTx).JoinKeys(acctmap.KeyJoin{X: "X", Y: "X"}); !errors.Is(err, acctmap.ErrInvalidInput) {
			t.Errorf("JoinKeys of a data source with itself: %v, want ErrInvalidInput", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// apiWorld is a network driven through the Network's API only: orgs A and
// B, accepted partners, with a pushed data source each; A's offline
// partner with a CSV data source; stranger C.
type apiWorld struct {
	s       acctmap.Store
	n       *acctmap.Network
	a, b, c *acctmap.Actor
	ds      map[string]string // "A", "B", "O" → data source id (ids differ between stores)
	pops    map[string][]string
	offline string
}

func must[T any](t *testing.T, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

// inputs returns k records pushed by a CRM sync, drawn from small pools of
// ids, websites, aliases and DUNS numbers.
func inputs(rng *rand.Rand, k int) []acctmap.RecordInput {
	out := make([]acctmap.RecordInput, k)
	for i := range out {
		site := rng.IntN(120)
		in := acctmap.RecordInput{
			ID:      "r" + strconv.Itoa(rng.IntN(200)),
			Name:    "Company " + strconv.Itoa(site),
			Website: "https://www.site" + strconv.Itoa(site) + ".com/",
			Fields: map[string]string{
				"stage":  []string{"won", "open", "lost"}[rng.IntN(3)],
				"region": []string{"eu", "us"}[rng.IntN(2)],
			},
		}
		switch rng.IntN(8) {
		case 0:
			in.Website = ""
		case 1, 2:
			in.Aliases = []string{"alias" + strconv.Itoa(rng.IntN(30)) + ".com"}
		}
		if rng.IntN(10) < 3 {
			in.RegistrationID = acctmap.RegistrationID{Scheme: "duns", Value: fmt.Sprintf("%09d", 100000000+rng.IntN(25))}
		}
		out[i] = in
	}
	return out
}

// offlineCSV is a CSV list of an offline partner.
func offlineCSV(rng *rand.Rand, k int) string {
	var b strings.Builder
	b.WriteString("id,name,website,duns\n")
	for i := range k {
		site := rng.IntN(120)
		duns := ""
		if rng.IntN(4) == 0 {
			duns = fmt.Sprintf("%09d", 100000000+rng.IntN(25))
		}
		fmt.Fprintf(&b, "o%d,Company %d,site%d.com,%s\n", i, site, site, duns)
	}
	return b.String()
}

func newAPIWorld(t *testing.T, s acctmap.Store, seed uint64) *apiWorld {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 11))
	w := &apiWorld{s: s, n: acctmap.New(s, acctmap.WithClock(fixedClock())), ds: map[string]string{}, pops: map[string][]string{}}
	for _, o := range []string{"A", "B", "C"} {
		must[acctmap.Org](t, "create org")(w.n.CreateOrg(ctx, acctmap.Org{ID: o, Name: "Org " + o}))
		must[acctmap.User](t, "add user")(w.n.AddUser(ctx, acctmap.User{ID: "u" + o, OrgID: o, Name: "Admin " + o, Email: "admin@" + o + ".test", Role: acctmap.RoleAdmin}))
	}
	w.a, w.b, w.c = w.n.As("uA"), w.n.As("uB"), w.n.As("uC")
	must[acctmap.Partnership](t, "invite")(w.a.Invite(ctx, "B"))
	must[acctmap.Partnership](t, "accept")(w.b.Accept(ctx, "A"))
	w.offline = must[acctmap.Org](t, "offline partner")(w.a.CreateOfflinePartner(ctx, "Offline")).ID
	for side, actor := range map[string]*acctmap.Actor{"A": w.a, "B": w.b} {
		w.ds[side] = must[acctmap.DataSource](t, "data source")(actor.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})).ID
	}
	w.ds["C"] = must[acctmap.DataSource](t, "data source")(w.c.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})).ID
	must[acctmap.ImportSummary](t, "upsert")(w.c.UpsertRecords(ctx, w.ds["C"], inputs(rng, 50)))
	w.pops["C"] = append(w.pops["C"], must[acctmap.Population](t, "population")(w.c.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: w.ds["C"], Kind: acctmap.Customers})).ID)
	w.ds["O"] = must[acctmap.DataSource](t, "offline data source")(w.a.CreateDataSource(ctx, acctmap.NewDataSource{OrgID: w.offline, Name: "List"})).ID
	// Records first: populations filter on their fields.
	for _, side := range []string{"A", "B"} {
		actor := map[string]*acctmap.Actor{"A": w.a, "B": w.b}[side]
		must[acctmap.ImportSummary](t, "upsert")(actor.UpsertRecords(ctx, w.ds[side], inputs(rng, 150)))
	}
	must[acctmap.ImportSummary](t, "import csv")(w.a.ImportCSV(ctx, w.ds["O"], strings.NewReader(offlineCSV(rng, 80)),
		acctmap.CSVImport{Mapping: csvMapping()}))
	cond := func(field, value string) acctmap.Filter {
		return acctmap.Filter{All: []acctmap.Condition{{Field: field, Op: acctmap.Equals, Value: value}}}
	}
	specs := map[string][]acctmap.PopulationSpec{
		"A": {{Kind: acctmap.Customers, Filter: cond("stage", "won")}, {Kind: acctmap.Prospects, Filter: cond("stage", "open")}, {Kind: acctmap.Custom, Name: "EU", Filter: cond("region", "eu")}},
		"B": {{Kind: acctmap.Customers, Filter: cond("stage", "won")}, {Kind: acctmap.OpenOpportunities, Filter: cond("stage", "open")}, {Kind: acctmap.Custom, Name: "All"}},
		"O": {{Kind: acctmap.Customers}},
	}
	for _, side := range []string{"A", "B", "O"} {
		actor := w.a
		if side == "B" {
			actor = w.b
		}
		for _, spec := range specs[side] {
			spec.DataSourceID = w.ds[side]
			p := must[acctmap.Population](t, "population")(actor.CreatePopulation(ctx, spec))
			w.pops[side] = append(w.pops[side], p.ID)
		}
	}
	// B sees A's EU population record by record; A sees B's "All" at the
	// overlapping records level; B's Open Opportunities are hidden from A.
	must[struct{}](t, "share rule")(struct{}{}, w.a.SetShareRule(ctx, w.pops["A"][2], "B", acctmap.SharingRule{Level: acctmap.FullPopulation, Fields: []string{"name", "website", "stage"}}))
	must[struct{}](t, "share rule")(struct{}{}, w.b.SetShareRule(ctx, w.pops["B"][2], "A", acctmap.SharingRule{Level: acctmap.OverlappingRecords, Fields: []string{"name", "stage"}}))
	must[struct{}](t, "share rule")(struct{}{}, w.b.SetShareRule(ctx, w.pops["B"][1], "A", acctmap.SharingRule{Level: acctmap.Hidden}))
	return w
}

// step runs one random API call, drawn from rng, and records its error.
func (w *apiWorld) step(t *testing.T, rng *rand.Rand) string {
	t.Helper()
	ctx := context.Background()
	side := []string{"A", "B"}[rng.IntN(2)]
	actor := map[string]*acctmap.Actor{"A": w.a, "B": w.b}[side]
	// Ids of records that exist (most of the time), drawn the same way
	// from either store, which hold the same records.
	ids := func(side string, k int) []string {
		var have []string
		err := w.s.View(ctx, func(tx acctmap.ReadTx) error {
			return tx.Records(w.ds[side], func(r *acctmap.Record) error { have = append(have, r.ID); return nil })
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(have)
		out := make([]string, k)
		for i := range out {
			if len(have) == 0 || rng.IntN(10) == 0 {
				out[i] = "r" + strconv.Itoa(rng.IntN(200))
			} else {
				out[i] = have[rng.IntN(len(have))]
			}
		}
		return out
	}
	var err error
	var what string
	switch op := rng.IntN(10); op {
	case 0, 1:
		what = "upsert " + side
		_, err = actor.UpsertRecords(ctx, w.ds[side], inputs(rng, 1+rng.IntN(60)))
	case 2:
		what = "delete " + side
		_, err = actor.DeleteRecords(ctx, w.ds[side], ids(side, 1+rng.IntN(8)))
	case 3, 9:
		what = "set private " + side
		_, err = actor.SetPrivate(ctx, w.ds[side], ids(side, 1+rng.IntN(5)), rng.IntN(3) > 0)
	case 4:
		what = "mark not same"
		x, y := ids("A", 1)[0], ids("B", 1)[0]
		if rng.IntN(2) == 0 {
			err = w.a.MarkNotSameCompany(ctx, w.ds["A"], x, w.ds["B"], y)
		} else {
			err = w.b.MarkNotSameCompany(ctx, w.ds["B"], y, w.ds["A"], x)
		}
	case 5:
		what = "unmark not same"
		x, y := ids("A", 1)[0], ids("B", 1)[0]
		ds := must[acctmap.DataSource](t, "data source")(w.a.DataSource(ctx, w.ds["A"]))
		if len(ds.NotSame) > 0 && rng.IntN(4) > 0 {
			m := ds.NotSame[rng.IntN(len(ds.NotSame))]
			x, y = m.RecordID, m.OtherRecordID
		}
		err = w.a.UnmarkNotSameCompany(ctx, w.ds["A"], x, w.ds["B"], y)
	case 6:
		what = "replace " + side
		_, err = actor.ReplaceRecords(ctx, w.ds[side], inputs(rng, 100+rng.IntN(80)))
	case 7:
		what = "update population " + side
		value := []string{"won", "open", "lost"}[rng.IntN(3)]
		_, err = actor.UpdatePopulation(ctx, w.pops[side][0], acctmap.PopulationSpec{Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "stage", Op: acctmap.Equals, Value: value}}}})
	case 8:
		what = "import offline csv"
		_, err = w.a.ImportCSV(ctx, w.ds["O"], strings.NewReader(offlineCSV(rng, 40+rng.IntN(60))), acctmap.CSVImport{Mapping: csvMapping()})
	}
	if err != nil {
		return what + ": " + errClass(err)
	}
	return what
}

func csvMapping() csvsource.Mapping {
	return csvsource.Mapping{ID: "id", Name: "name", Website: "website", RegistrationID: "duns", RegistrationScheme: "duns"}
}

// views are the matrices of the world compared after each step.
func (w *apiWorld) views(t *testing.T) []matrixGrid {
	t.Helper()
	ctx := context.Background()
	return []matrixGrid{
		gridOf(w.a.Matrix(ctx, "B")),
		gridOf(w.b.Matrix(ctx, "A")),
		gridOf(w.a.Matrix(ctx, w.offline)),
	}
}

// TestPushdownWorkflow runs the same random API calls on a Network over
// pgstore and one over memstore, and compares every matrix (A's with B,
// B's with A, A's with its offline partner) after each call: the pushdown
// must follow every write of the Network's.
func TestPushdownWorkflow(t *testing.T) {
	testDSN(t)
	t.Parallel()
	for seed := range uint64(3) {
		t.Run("seed"+strconv.FormatUint(seed, 10), func(t *testing.T) {
			t.Parallel()
			pg := &wrapStore{Store: openTest(t)}
			pw := newAPIWorld(t, pg, seed)
			mw := newAPIWorld(t, memstore.New(), seed)
			prng, mrng := rand.New(rand.NewPCG(seed, 13)), rand.New(rand.NewPCG(seed, 13))
			hidden := false
			for i := range 40 {
				pg.joins.Store(0)
				what := pw.step(t, prng)
				if mwhat := mw.step(t, mrng); mwhat != what {
					t.Fatalf("step %d: %s on pgstore, %s on memstore", i, what, mwhat)
				}
				got, want := pw.views(t), mw.views(t)
				if d := gocmp.Diff(want, got); d != "" {
					t.Fatalf("step %d (%s): matrices differ (-memstore +pgstore):\n%s", i, what, d)
				}
				if pg.joins.Load() == 0 {
					t.Fatalf("step %d (%s): the matrices were not pushed down", i, what)
				}
				for _, g := range got {
					for _, row := range g.Hidden {
						hidden = hidden || slices.ContainsFunc(row, func(n int64) bool { return n > 0 })
					}
				}
			}
			if !hidden {
				t.Logf("no matrix had counts hidden from the partner")
			}
		})
	}
}

// fixedClock is a clock that starts at t0 and advances a second a call.
func fixedClock() func() time.Time {
	now := t0
	var mu sync.Mutex
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Second)
		return now
	}
}

// TestPushdownTenancy runs a workflow through the API over pgstore and
// memstore, with orgs A and B partners, A's offline partner and stranger
// C, and checks every read view: Report, Matrix and PartnerRecords give
// the same results (or errors) on both stores, and the pgstore reads each
// makes touch only the data sources the sharing rules open to the viewer:
// its own, its partner's, its offline partner's — and none for stranger
// C, which gets ErrNotPartners.
func TestPushdownTenancy(t *testing.T) {
	testDSN(t)
	t.Parallel()
	ctx := context.Background()
	pg := &wrapStore{Store: openTest(t)}
	pw := newAPIWorld(t, pg, 5)
	mw := newAPIWorld(t, memstore.New(), 5)
	prng, mrng := rand.New(rand.NewPCG(5, 13)), rand.New(rand.NewPCG(5, 13))
	for range 15 {
		if what, mwhat := pw.step(t, prng), mw.step(t, mrng); what != mwhat {
			t.Fatalf("%s on pgstore, %s on memstore", what, mwhat)
		}
	}
	var mu sync.Mutex
	touched := map[string]bool{}
	pg.seen = func(_ string, dss ...string) {
		mu.Lock()
		defer mu.Unlock()
		for _, ds := range dss {
			touched[ds] = true
		}
	}
	type view struct {
		name   string
		viewer string // A, B or C: the data sources it may touch follow
		fn     func(w *apiWorld) any
	}
	report := func(r acctmap.Report, err error) any {
		if err != nil {
			return errClass(err)
		}
		return r
	}
	views := []view{
		{"A's matrix with B", "A", func(w *apiWorld) any { return gridOf(w.a.Matrix(ctx, "B")) }},
		{"B's matrix with A", "B", func(w *apiWorld) any { return gridOf(w.b.Matrix(ctx, "A")) }},
		{"A's matrix with its offline partner", "A", func(w *apiWorld) any { return gridOf(w.a.Matrix(ctx, w.offline)) }},
		{"A's ecosystem", "A", func(w *apiWorld) any {
			ms, err := w.a.Ecosystem(ctx)
			var out []matrixGrid
			for _, m := range ms {
				out = append(out, gridOf(m, err))
			}
			return out
		}},
		{"A's report: Customers × B's All (overlapping records)", "A", func(w *apiWorld) any {
			return report(w.a.Report(ctx, acctmap.ReportSpec{Partner: "B", Population: w.pops["A"][0], PartnerPopulation: w.pops["B"][2]}))
		}},
		{"A's report: EU × B's hidden Open Opportunities", "A", func(w *apiWorld) any {
			return report(w.a.Report(ctx, acctmap.ReportSpec{Partner: "B", Population: w.pops["A"][2], PartnerPopulation: w.pops["B"][1]}))
		}},
		{"A's report: EU × B's Customers (counts only)", "A", func(w *apiWorld) any {
			return report(w.a.Report(ctx, acctmap.ReportSpec{Partner: "B", Population: w.pops["A"][2], PartnerPopulation: w.pops["B"][0]}))
		}},
		{"A's partner records of B's All (overlapping only)", "A", func(w *apiWorld) any {
			return report(w.a.PartnerRecords(ctx, acctmap.ReportSpec{Partner: "B", PartnerPopulation: w.pops["B"][2]}))
		}},
		{"B's report: All × A's EU (full population)", "B", func(w *apiWorld) any {
			return report(w.b.Report(ctx, acctmap.ReportSpec{Partner: "A", Population: w.pops["B"][2], PartnerPopulation: w.pops["A"][2]}))
		}},
		{"B's partner records of A's EU", "B", func(w *apiWorld) any {
			return report(w.b.PartnerRecords(ctx, acctmap.ReportSpec{Partner: "A", PartnerPopulation: w.pops["A"][2]}))
		}},
		{"A's report with its offline partner", "A", func(w *apiWorld) any {
			return report(w.a.Report(ctx, acctmap.ReportSpec{Partner: w.offline, Population: w.pops["A"][1], PartnerPopulation: w.pops["O"][0]}))
		}},
		{"B's matrix with A's offline partner", "B stranger", func(w *apiWorld) any { return gridOf(w.b.Matrix(ctx, w.offline)) }},
		{"C's matrix with A", "C", func(w *apiWorld) any { return gridOf(w.c.Matrix(ctx, "A")) }},
		{"C's matrix with B", "C", func(w *apiWorld) any { return gridOf(w.c.Matrix(ctx, "B")) }},
		{"C's report with A", "C", func(w *apiWorld) any {
			return report(w.c.Report(ctx, acctmap.ReportSpec{Partner: "A", Population: w.pops["C"][0], PartnerPopulation: w.pops["A"][2]}))
		}},
		{"C's partner records of A's EU", "C", func(w *apiWorld) any {
			return report(w.c.PartnerRecords(ctx, acctmap.ReportSpec{Partner: "A", PartnerPopulation: w.pops["A"][2]}))
		}},
	}
	allowed := map[string][]string{
		"A":          {pw.ds["A"], pw.ds["B"], pw.ds["O"]},
		"B":          {pw.ds["B"], pw.ds["A"]},
		"C":          {pw.ds["C"]},
		"B stranger": {pw.ds["B"]}, // B, looking at A's offline partner, is as much a stranger
	}
	for _, v := range views {
		clear(touched)
		got := v.fn(pw)
		if d := gocmp.Diff(v.fn(mw), got); d != "" {
			t.Errorf("%s: pgstore differs from memstore (-memstore +pgstore):\n%s", v.name, d)
		}
		for ds := range touched {
			if !slices.Contains(allowed[v.viewer], ds) {
				t.Errorf("%s: read data source %q, which the viewer may not see", v.name, ds)
			}
		}
		if v.viewer == "C" || v.viewer == "B stranger" {
			if g, ok := got.(matrixGrid); (ok && g.ErrValue != acctmap.ErrNotPartners.Error()) || (!ok && got != acctmap.ErrNotPartners.Error()) {
				t.Errorf("%s: %v, want ErrNotPartners", v.name, got)
			}
		}
	}
	if pg.joins.Load() == 0 {
		t.Errorf("no matrix was pushed down")
	}
}
