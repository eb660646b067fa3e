package pgstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/jackc/pgx/v5"
)

// The overlap benchmark: two orgs with a data source of n records each
// and 8 populations, 30% of the companies in both. Run with
//
//	ACCTMAP_BENCH_RECORDS=1000000 go test -run TestPushdownBenchmark -v -timeout 2h ./pgstore/
//
// It needs ACCTMAP_TEST_POSTGRES_DSN like the other tests. With
// ACCTMAP_BENCH_SCHEMA=name, the data is kept in that schema and reused by
// the next run (the import is then measured only on the first).

// benchWords make company names and domains.
var benchWords = []string{
	"acme", "bolt", "cirrus", "delta", "ember", "falcon", "granite", "harbor", "indigo", "juniper",
	"kestrel", "lumen", "meridian", "nimbus", "orbit", "pioneer", "quartz", "redwood", "summit", "tundra",
	"umber", "vertex", "willow", "xenon", "yarrow", "zephyr", "atlas", "beacon", "cobalt", "dynamo",
	"echo", "fjord", "gale", "helix", "iris", "jade", "koala", "lotus", "magma", "nova",
}

var benchSuffixes = []string{"Inc.", "LLC", "GmbH", "Ltd", "Corp.", "Labs", "Systems", "Group", ""}
var benchTLDs = []string{"com", "com", "com", "io", "net", "de", "co", "ai"}
var benchStages = []string{"Closed Won", "Discovery", "Closed Lost", "Negotiation", "Qualified"}
var benchIndustries = []string{"Software", "Retail", "Manufacturing", "Healthcare", "Finance", "Logistics"}

// benchSegmentOdds are the odds of a record to be in each of the 8
// populations (field "segments" holds "s0 s3 …").
var benchSegmentOdds = []float64{0.2, 0.4, 0.1, 0.3, 0.5, 0.15, 0.25, 0.35}

// benchCompany returns company k's name and its domain's label.
func benchCompany(k int) (name, label, tld string) {
	w := len(benchWords)
	a, b := benchWords[k%w], benchWords[(k/w)%w]
	num := strconv.Itoa(k / (w * w))
	name = strings.ToUpper(a[:1]) + a[1:] + " " + strings.ToUpper(b[:1]) + b[1:] + " " + num + " " + benchSuffixes[k%len(benchSuffixes)]
	return name, a + b + num, benchTLDs[(k/7)%len(benchTLDs)]
}

// benchInputs returns the n records of one side: side 0 holds companies 0
// to n·0.95, side 1 those from n·0.665 on, so that 30% of side 0's
// companies are in side 1. About 5% of the records are second records of
// a company already in the source (duplicates, often on an alias domain),
// 10% have an alias domain, 30% a DUNS number (of which 1 in 50 disagrees
// across the sides: a veto), and 2% have no website.
func benchInputs(side, n int, seed uint64) []acctmap.RecordInput {
	rng := rand.New(rand.NewPCG(seed, uint64(side)))
	companies := n * 95 / 100
	first := 0
	if side == 1 {
		first = companies - companies*30/100
	}
	prefix := []string{"A", "B"}[side]
	out := make([]acctmap.RecordInput, 0, n)
	add := func(k int, dup bool) {
		name, label, tld := benchCompany(k)
		id := prefix + strconv.Itoa(len(out))
		in := acctmap.RecordInput{ID: id, Name: name, Website: "https://www." + label + "." + tld + "/"}
		switch {
		case rng.Float64() < 0.02:
			in.Website = ""
		case dup && rng.IntN(2) == 0:
			in.Website = label + "-group.com"
		}
		if k%10 == 3 || (dup && rng.IntN(3) == 0) {
			in.Aliases = []string{label + "-group.com"}
		}
		if k%10 < 3 {
			duns := 100000000 + k
			if side == 1 && k%50 == 1 {
				duns += 77 // a different registration: never the same company
			}
			in.RegistrationID = acctmap.RegistrationID{Scheme: "duns", Value: strconv.Itoa(duns)}
		}
		var seg []string
		for i, p := range benchSegmentOdds {
			if rng.Float64() < p {
				seg = append(seg, "s"+strconv.Itoa(i))
			}
		}
		in.Fields = map[string]string{
			"segments": strings.Join(seg, " "),
			"owner":    "owner" + strconv.Itoa(rng.IntN(200)) + "@example.com",
			"stage":    benchStages[rng.IntN(len(benchStages))],
			"industry": benchIndustries[k%len(benchIndustries)],
		}
		out = append(out, in)
	}
	for k := first; k < first+companies; k++ {
		add(k, false)
	}
	for len(out) < n {
		add(first+rng.IntN(companies), true)
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// benchNetwork is the benchmark's network: org A (viewer) and org B,
// partners, with a pushed data source each and 8 populations on it.
type benchNetwork struct {
	s        *Store
	net      *acctmap.Network
	a, b     *acctmap.Actor
	dsA, dsB string
}

func benchSetup(t testing.TB, s *Store) *benchNetwork {
	ctx := context.Background()
	bn := &benchNetwork{s: s, net: acctmap.New(s)}
	for _, o := range []string{"A", "B"} {
		if _, err := bn.net.CreateOrg(ctx, acctmap.Org{ID: "org" + o, Name: "Org " + o}); err != nil {
			t.Fatal(err)
		}
		if _, err := bn.net.AddUser(ctx, acctmap.User{ID: "admin" + o, OrgID: "org" + o, Name: "Admin", Email: "admin@" + o + ".test", Role: acctmap.RoleAdmin}); err != nil {
			t.Fatal(err)
		}
	}
	bn.a, bn.b = bn.net.As("adminA"), bn.net.As("adminB")
	if _, err := bn.a.Invite(ctx, "orgB"); err != nil {
		t.Fatal(err)
	}
	if _, err := bn.b.Accept(ctx, "orgA"); err != nil {
		t.Fatal(err)
	}
	for i, actor := range []*acctmap.Actor{bn.a, bn.b} {
		ds, err := actor.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			bn.dsA = ds.ID
		} else {
			bn.dsB = ds.ID
		}
		// A first record declares the fields the populations filter on.
		seed := []acctmap.RecordInput{{ID: "seed", Name: "Seed", Fields: map[string]string{"segments": "", "owner": "", "stage": "", "industry": ""}}}
		if _, err := actor.ReplaceRecords(ctx, ds.ID, seed); err != nil {
			t.Fatal(err)
		}
		kinds := []acctmap.PopulationKind{acctmap.Customers, acctmap.Prospects, acctmap.OpenOpportunities}
		for p := range benchSegmentOdds {
			spec := acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Custom, Name: "Segment " + strconv.Itoa(p),
				Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "segments", Op: acctmap.Contains, Value: "s" + strconv.Itoa(p)}}}}
			if p < len(kinds) {
				spec.Kind, spec.Name = kinds[p], ""
			}
			if _, err := actor.CreatePopulation(ctx, spec); err != nil {
				t.Fatal(err)
			}
		}
	}
	return bn
}

// benchOpen opens the benchmark's store: a fresh schema, or the one
// ACCTMAP_BENCH_SCHEMA names, kept. It reports whether the data is there.
func benchOpen(t testing.TB) (*Store, bool) {
	name := os.Getenv("ACCTMAP_BENCH_SCHEMA")
	if name == "" {
		return openTest(t), false
	}
	s, err := Open(context.Background(), testDSN(t), WithSchema(name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	var n int
	if err := s.pool.QueryRow(context.Background(), s.sql(`SELECT count(*) FROM {s}.orgs`)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return s, n > 0
}

// benchLog prints a result as it comes (the benchmark runs for minutes).
func benchLog(t testing.TB, format string, args ...any) {
	t.Helper()
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

func medianOf(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func benchRecords(t testing.TB) int {
	v := os.Getenv("ACCTMAP_BENCH_RECORDS")
	if v == "" {
		t.Skip("set ACCTMAP_BENCH_RECORDS=1000000 to run the overlap benchmark")
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1000 {
		t.Fatalf("ACCTMAP_BENCH_RECORDS=%q: want a number of records, at least 1000", v)
	}
	return n
}

// benchLoad returns the benchmark network, importing the data through the
// Network (Actor.ReplaceRecords) unless the kept schema has it.
func benchLoad(t testing.TB, n int) *benchNetwork {
	ctx := context.Background()
	s, loaded := benchOpen(t)
	if loaded {
		bn := &benchNetwork{s: s, net: acctmap.New(s)}
		bn.a, bn.b = bn.net.As("adminA"), bn.net.As("adminB")
		for i, org := range []string{"orgA", "orgB"} {
			err := s.View(ctx, func(tx acctmap.ReadTx) error {
				dss, err := tx.DataSources(org)
				if err != nil || len(dss) != 1 {
					return fmt.Errorf("data sources of %s: %v %v", org, dss, err)
				}
				if i == 0 {
					bn.dsA = dss[0].ID
				} else {
					bn.dsB = dss[0].ID
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		benchLog(t, "reusing the data of schema %s", s.schema)
		return bn
	}
	bn := benchSetup(t, s)
	for side, actor := range []*acctmap.Actor{bn.a, bn.b} {
		ds := []string{bn.dsA, bn.dsB}[side]
		in := benchInputs(side, n, 1)
		start := time.Now()
		sum, err := actor.ReplaceRecords(ctx, ds, in)
		if err != nil {
			t.Fatal(err)
		}
		el := time.Since(start)
		benchLog(t, "import through the Network (Actor.ReplaceRecords), side %d: %d records (%d accepted) in %v: %.0f rows/s",
			side, n, sum.Accepted, el.Round(time.Millisecond), float64(n)/el.Seconds())
	}
	// 1% of A's records private: matches the partner does not see.
	var private []string
	for i := 0; i < n; i += 100 {
		private = append(private, "A"+strconv.Itoa(i))
	}
	start := time.Now()
	if _, err := bn.a.SetPrivate(ctx, bn.dsA, private, true); err != nil {
		t.Fatal(err)
	}
	benchLog(t, "SetPrivate of %d records: %v", len(private), time.Since(start).Round(time.Millisecond))
	start = time.Now()
	if _, err := s.pool.Exec(ctx, s.sql(`VACUUM ANALYZE {s}.records`)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, s.sql(`VACUUM ANALYZE {s}.record_keys`)); err != nil {
		t.Fatal(err)
	}
	benchLog(t, "VACUUM ANALYZE: %v", time.Since(start).Round(time.Millisecond))
	return bn
}

func TestPushdownBenchmark(t *testing.T) {
	n := benchRecords(t)
	ctx := context.Background()
	bn := benchLoad(t, n)
	s := bn.s

	// Import straight into pgstore: ReplaceRecords of A's records (read
	// back) into a new data source, one transaction, COPY.
	var recs []acctmap.Record
	if err := s.View(ctx, func(tx acctmap.ReadTx) error {
		return tx.Records(bn.dsA, func(r *acctmap.Record) error { recs = append(recs, *r); return nil })
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx acctmap.Tx) error {
		return tx.PutDataSource(acctmap.DataSource{ID: "bench-copy", OrgID: "orgA", Name: "copy", Kind: acctmap.PushedSource, CreatedAt: t0, UpdatedAt: t0})
	}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := s.Update(ctx, func(tx acctmap.Tx) error { return tx.ReplaceRecords("bench-copy", recs) }); err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	benchLog(t, "import into pgstore (Tx.ReplaceRecords, COPY): %d records in %v: %.0f rows/s", len(recs), el.Round(time.Millisecond), float64(len(recs))/el.Seconds())
	if err := s.Update(ctx, func(tx acctmap.Tx) error { return tx.DeleteDataSource("bench-copy") }); err != nil {
		t.Fatal(err)
	}
	recs = nil
	for _, table := range []string{"records", "record_keys"} {
		if _, err := s.pool.Exec(ctx, s.sql(`VACUUM ANALYZE {s}.`+table)); err != nil {
			t.Fatal(err)
		}
	}

	matrix := func(store acctmap.Store, net *acctmap.Network) (acctmap.OverlapMatrix, time.Duration) {
		t.Helper()
		if net == nil {
			net = acctmap.New(store)
		}
		start := time.Now()
		m, err := net.As("adminA").Matrix(ctx, "orgB")
		if err != nil {
			t.Fatal(err)
		}
		return m, time.Since(start)
	}
	const runs = 3
	// Pushed down: a new Network each time, so that no index is cached.
	pushed := &wrapStore{Store: s}
	var pd []time.Duration
	var want acctmap.OverlapMatrix
	for range runs {
		m, d := matrix(pushed, nil)
		pd = append(pd, d)
		want = m
	}
	if pushed.joins.Load() != runs {
		t.Fatalf("%d JoinKeys for %d matrices", pushed.joins.Load(), runs)
	}
	benchLog(t, "matrix pushed down (JoinKeys + resolving its complex records): %v (runs: %v)", medianOf(pd), pd)

	// In memory: cold (records loaded from pgstore, indexes built, overlap)
	// with a new Network, then warm (indexes cached) with the same one.
	hidden := &wrapStore{Store: s, hide: true}
	var cold, warm []time.Duration
	var heap uint64
	for range runs {
		net := acctmap.New(hidden)
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		m, d := matrix(hidden, net)
		cold = append(cold, d)
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		heap = after.HeapInuse - min(after.HeapInuse, before.HeapInuse)
		if !slices.EqualFunc(m.Counts, want.Counts, slices.Equal) || !slices.EqualFunc(m.HiddenFromPartner, want.HiddenFromPartner, slices.Equal) {
			t.Fatalf("the in-memory matrix differs from the pushed-down one:\n%v\n%v", m.Counts, want.Counts)
		}
		m, d = matrix(hidden, net)
		warm = append(warm, d)
	}
	benchLog(t, "matrix in memory, cold (load records from pgstore + Build + Overlap): %v (runs: %v); heap after: +%d MiB", medianOf(cold), cold, heap>>20)
	benchLog(t, "matrix in memory, warm (cached indexes): %v (runs: %v)", medianOf(warm), warm)
	benchLog(t, "matrix: %d × %d populations; Counts[0] = %v; HiddenFromPartner[0] = %v", len(want.Rows), len(want.Cols), want.Counts[0], want.HiddenFromPartner[0])

	// The main query's plan and its result's size.
	err := s.View(ctx, func(tx acctmap.ReadTx) error {
		r := tx.(*reader)
		restore, err := r.setLocal(s.overlapSettings())
		if err != nil {
			return err
		}
		defer restore()
		rows, err := r.tx.Query(ctx, "EXPLAIN (ANALYZE, COSTS OFF, BUFFERS) "+s.sql(overlapQuery), id(bn.dsA), id(bn.dsB), false, true, []id{}, []id{})
		if err != nil {
			return err
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		benchLog(t, "EXPLAIN ANALYZE of the overlap query:\n%s", strings.Join(lines, "\n"))
		res, err := r.JoinKeys(acctmap.KeyJoin{X: bn.dsA, Y: bn.dsB, PublicY: true})
		if err != nil {
			return err
		}
		simple := int64(0)
		for _, c := range res.Simple {
			simple += c
		}
		benchLog(t, "JoinKeys: %d isolated pairs in %d groups of populations; %d + %d complex records", simple, len(res.Simple), len(res.ComplexX), len(res.ComplexY))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Record-level reads and writes of a few thousand records, each one
	// statement for all of them (RecordsByID), not one per record.
	var popsA, popsB []acctmap.Population
	if err := s.View(ctx, func(tx acctmap.ReadTx) (err error) {
		if popsA, err = tx.Populations("orgA"); err != nil {
			return err
		}
		popsB, err = tx.Populations("orgB")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	slot := func(pops []acctmap.Population, slot int) string {
		for _, p := range pops {
			if p.Slot == slot {
				return p.ID
			}
		}
		t.Fatalf("no population in slot %d", slot)
		return ""
	}
	if err := bn.b.SetShareRule(ctx, slot(popsB, 2), "orgA", acctmap.SharingRule{Level: acctmap.OverlappingRecords, Fields: []string{"name", "stage"}}); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	rep, err := bn.a.Report(ctx, acctmap.ReportSpec{Partner: "orgB", Population: slot(popsA, 2), PartnerPopulation: slot(popsB, 2)})
	if err != nil {
		t.Fatal(err)
	}
	benchLog(t, "Report of one cell (%d rows), indexes not cached: %v", len(rep.Rows), time.Since(start).Round(time.Millisecond))
	start = time.Now()
	if rep, err = bn.a.Report(ctx, acctmap.ReportSpec{Partner: "orgB", Population: slot(popsA, 2), PartnerPopulation: slot(popsB, 2)}); err != nil {
		t.Fatal(err)
	}
	benchLog(t, "Report of the same cell (%d rows), indexes cached: %v", len(rep.Rows), time.Since(start).Round(time.Millisecond))
	var private []string
	for i := 0; i < n; i += 100 {
		private = append(private, "A"+strconv.Itoa(i))
	}
	for _, mark := range []bool{false, true} {
		start = time.Now()
		changed, err := bn.a.SetPrivate(ctx, bn.dsA, private, mark)
		if err != nil {
			t.Fatal(err)
		}
		benchLog(t, "SetPrivate(%v) of %d records (%d changed): %v", mark, len(private), changed, time.Since(start).Round(time.Millisecond))
	}

	// The write that the populations column of record_keys makes dearer:
	// recomputing a population's members.
	var pops []acctmap.Population
	if err := s.View(ctx, func(tx acctmap.ReadTx) (err error) { pops, err = tx.Populations("orgA"); return err }); err != nil {
		t.Fatal(err)
	}
	for _, p := range pops {
		if p.Slot != 7 {
			continue
		}
		start := time.Now()
		f := acctmap.Filter{All: []acctmap.Condition{{Field: "segments", Op: acctmap.Contains, Value: "s6"}}}
		if _, err := bn.a.UpdatePopulation(ctx, p.ID, acctmap.PopulationSpec{Name: p.Name, Filter: f}); err != nil {
			t.Fatal(err)
		}
		benchLog(t, "UpdatePopulation (new members for one population of %d records): %v", n, time.Since(start).Round(time.Millisecond))
		f.All[0].Value = "s7"
		if _, err := bn.a.UpdatePopulation(ctx, p.ID, acctmap.PopulationSpec{Name: p.Name, Filter: f}); err != nil {
			t.Fatal(err)
		}
	}
}
