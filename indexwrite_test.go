package acctmap_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/memstore"
	"github.com/google/go-cmp/cmp"
)

// mapWorld is an org with one data source and an offline partner with
// another, each with a population of all its records.
type mapWorld struct {
	net          *acctmap.Network
	ann          *acctmap.Actor
	partner      string
	mine, theirs acctmap.DataSource
}

// genCSV returns n rows whose websites are dom<first+i>.<tld>, with a
// Status column.
func genCSV(n, first int, tld string) string {
	var b strings.Builder
	b.Grow(n * 48)
	b.WriteString("Id,Company,Website,Status\n")
	for i := range n {
		k := first + i
		fmt.Fprintf(&b, "r%d,Company %d,dom%d.%s,customer\n", k, k, k, tld)
	}
	return b.String()
}

func importCSV(t testing.TB, a *acctmap.Actor, dsID, csv string) {
	t.Helper()
	if _, err := a.ImportCSV(context.Background(), dsID, strings.NewReader(csv), acctmap.CSVImport{
		Mapping: csvsource.Mapping{ID: "Id", Name: "Company", Website: "Website"},
	}); err != nil {
		t.Fatalf("ImportCSV: %v", err)
	}
}

// newMapWorld imports n rows on each side, half of them overlapping, with
// a population over each data source created between two imports (as a
// user re-uploading a file does), so that the last write is an import.
func newMapWorld(t testing.TB, n int) *mapWorld {
	t.Helper()
	ctx := context.Background()
	w := &mapWorld{net: acctmap.New(memstore.New())}
	if _, err := w.net.CreateOrg(ctx, acctmap.Org{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.net.AddUser(ctx, acctmap.User{ID: "ann", OrgID: "acme", Name: "Ann", Role: acctmap.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	w.ann = w.net.As("ann")
	p, err := w.ann.CreateOfflinePartner(ctx, "Northwind")
	if err != nil {
		t.Fatal(err)
	}
	w.partner = p.ID
	w.mine = w.dataSource(t, "acme", "CRM")
	w.theirs = w.dataSource(t, p.ID, "Northwind accounts")
	w.importBoth(t, n)
	for _, ds := range []acctmap.DataSource{w.mine, w.theirs} {
		if _, err := w.ann.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Customers,
			Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Status", Op: acctmap.Equals, Value: "customer"}}}}); err != nil {
			t.Fatal(err)
		}
	}
	w.importBoth(t, n)
	return w
}

func (w *mapWorld) dataSource(t testing.TB, org, name string) acctmap.DataSource {
	t.Helper()
	ds, err := w.ann.CreateDataSource(context.Background(), acctmap.NewDataSource{OrgID: org, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func (w *mapWorld) importBoth(t testing.TB, n int) {
	t.Helper()
	importCSV(t, w.ann, w.mine.ID, genCSV(n, 0, "com"))
	importCSV(t, w.ann, w.theirs.ID, genCSV(n, n/2, "com"))
}

func (w *mapWorld) matrix(t testing.TB) acctmap.OverlapMatrix {
	t.Helper()
	m, err := w.ann.Matrix(context.Background(), w.partner)
	if err != nil {
		t.Fatalf("Matrix: %v", err)
	}
	return m
}

// After an import, the first matrix reads no record from the store: the
// import installed the indexes of the version it committed, and they give
// the matrix that indexes read from the store give.
func TestImportInstallsIndexes(t *testing.T) {
	t.Parallel()
	w := newMapWorld(t, 3000)
	first := w.matrix(t)
	if got := acctmap.IndexBuildsForTest(w.net); got != 0 {
		t.Errorf("first matrix after an import built %d indexes from the store, want 0", got)
	}
	if first.Counts[0][0] != 1500 {
		t.Fatalf("overlap %d, want 1500", first.Counts[0][0])
	}
	acctmap.DropIndexesForTest(w.net, w.mine.ID)
	acctmap.DropIndexesForTest(w.net, w.theirs.ID)
	cold := w.matrix(t)
	if got := acctmap.IndexBuildsForTest(w.net); got != 2 {
		t.Errorf("cold matrix built %d indexes, want 2", got)
	}
	if d := cmp.Diff(cold, first); d != "" {
		t.Errorf("matrix on installed indexes differs from one on indexes read from the store (-cold +installed):\n%s", d)
	}

	// ReplaceRecords installs them too; UpsertRecords advances them.
	ctx := context.Background()
	src, err := w.ann.CreateDataSource(ctx, acctmap.NewDataSource{OrgID: "acme", Name: "pushed", Kind: acctmap.PushedSource})
	if err != nil {
		t.Fatal(err)
	}
	var in []acctmap.RecordInput
	for i := range 10 {
		in = append(in, acctmap.RecordInput{ID: "p" + strconv.Itoa(i), Name: "Company " + strconv.Itoa(i), Website: "dom" + strconv.Itoa(i) + ".com"})
	}
	if _, err := w.ann.ReplaceRecords(ctx, src.ID, in); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ann.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: src.ID, Kind: acctmap.Custom, Name: "All"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ann.ReplaceRecords(ctx, src.ID, in); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ann.UpsertRecords(ctx, src.ID, in[:1]); err != nil {
		t.Fatal(err)
	}
	before := acctmap.IndexBuildsForTest(w.net)
	w.matrix(t)
	if got := acctmap.IndexBuildsForTest(w.net) - before; got != 0 {
		t.Errorf("matrix after ReplaceRecords and UpsertRecords built %d indexes from the store, want 0", got)
	}
}

// An import builds the partners' views of its data source that readers
// of the previous version used, and the matrix on them is the one a cold
// read computes.
func TestImportBuildsPartnersViews(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	net := acctmap.New(memstore.New())
	for _, o := range []string{"acme", "bolt"} {
		mustOrg(t, net, o, o)
		if _, err := net.AddUser(ctx, acctmap.User{ID: o + "-admin", OrgID: o, Name: o, Role: acctmap.RoleAdmin}); err != nil {
			t.Fatal(err)
		}
	}
	ann, bob := net.As("acme-admin"), net.As("bolt-admin")
	partner(t, ann, bob, "bolt", "acme")
	// Every third record a prospect: outside the one population, so that
	// a partner's view is not the whole index.
	csv := func(first int) string {
		var b strings.Builder
		b.WriteString("Id,Company,Website,Status\n")
		for i := range 3000 {
			k := first + i
			st := "customer"
			if k%3 == 0 {
				st = "prospect"
			}
			fmt.Fprintf(&b, "r%d,Company %d,dom%d.com,%s\n", k, k, k, st)
		}
		return b.String()
	}
	var ids []string
	for _, side := range []struct {
		a     *acctmap.Actor
		first int
	}{{ann, 0}, {bob, 1500}} {
		ds, err := side.a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM"})
		if err != nil {
			t.Fatal(err)
		}
		importCSV(t, side.a, ds.ID, csv(side.first))
		if _, err := side.a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Customers,
			Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Status", Op: acctmap.Equals, Value: "customer"}}}}); err != nil {
			t.Fatal(err)
		}
		importCSV(t, side.a, ds.ID, csv(side.first))
		ids = append(ids, ds.ID)
	}
	if _, err := ann.Matrix(ctx, "bolt"); err != nil { // builds the views
		t.Fatal(err)
	}
	for k, id := range ids {
		importCSV(t, []*acctmap.Actor{ann, bob}[k], id, csv(k*1500))
		if v := acctmap.ViewsForTest(net, id); v < 1 {
			t.Errorf("data source %d: %d views built by the import, want the one read before", k, v)
		}
	}
	got, err := ann.Matrix(ctx, "bolt")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		acctmap.DropIndexesForTest(net, id)
	}
	want, err := ann.Matrix(ctx, "bolt")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("matrix on the views the import built (-cold +installed):\n%s", d)
	}
	if got.Counts[0][0] == 0 || got.HiddenFromPartner == nil {
		t.Errorf("matrix %+v: want an overlap", got)
	}
}

// Concurrent cold matrices build each index once: the others wait for it.
func TestConcurrentColdMatricesBuildOnce(t *testing.T) {
	t.Parallel()
	w := newMapWorld(t, 20000)
	want := w.matrix(t)
	acctmap.DropIndexesForTest(w.net, w.mine.ID)
	acctmap.DropIndexesForTest(w.net, w.theirs.ID)
	before := acctmap.IndexBuildsForTest(w.net)
	const readers = 8
	var wg sync.WaitGroup
	start := make(chan struct{})
	got := make([]acctmap.OverlapMatrix, readers)
	errs := make([]error, readers)
	for i := range readers {
		wg.Go(func() {
			<-start
			got[i], errs[i] = w.ann.Matrix(context.Background(), w.partner)
		})
	}
	close(start)
	wg.Wait()
	for i := range readers {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if d := cmp.Diff(want, got[i]); d != "" {
			t.Errorf("reader %d (-want +got):\n%s", i, d)
		}
	}
	if b := acctmap.IndexBuildsForTest(w.net) - before; b != 2 {
		t.Errorf("%d concurrent cold matrices built %d indexes, want 2 (one per data source)", readers, b)
	}
}

// In a long-running process that imports and deletes data sources with
// keys never seen before, the Dict stays bounded: its keys are at most
// about twice those of the live indexes plus the garbage allowance, and
// the matrix of the data sources that stay is unchanged.
func TestDictReclaimedAcrossImportsAndDeletes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newMapWorld(t, 2000)
	const allowance = 3000
	acctmap.SetMinGarbageForTest(w.net, allowance)
	want := w.matrix(t)
	live, _ := acctmap.DictLenForTest(w.net)
	maxKeys := 0
	for cycle := range 30 {
		ds := w.dataSource(t, "acme", "transient "+strconv.Itoa(cycle))
		importCSV(t, w.ann, ds.ID, genCSV(1000, 1000000*(cycle+1), "com")) // 1000 fresh domains
		if err := w.ann.DeleteDataSource(ctx, ds.ID); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, w.matrix(t)); d != "" {
			t.Fatalf("cycle %d: matrix changed (-want +got):\n%s", cycle, d)
		}
		keys, _ := acctmap.DictLenForTest(w.net)
		maxKeys = max(maxKeys, keys)
	}
	keys, reclaims := acctmap.DictLenForTest(w.net)
	// The bound: twice the live keys (counted once per index), the
	// allowance, and one transient data source's keys.
	if bound := 2*2*live + allowance + 1000; maxKeys > bound {
		t.Errorf("Dict grew to %d keys over 30 cycles of 1000 fresh keys (%d live keys, %d at the end, %d replacements), want at most %d",
			maxKeys, live, keys, reclaims, bound)
	}
	if reclaims == 0 {
		t.Error("the Dict was never replaced")
	}
}

// BenchmarkFirstMatrixAfterImport measures, through the public API on
// memstore, ImportCSV of both sides (ACCTMAP_BENCH_ROWS rows each,
// default 200,000) and then the first and the second Matrix, and the cold
// Matrix that building the indexes from the store's records costs (what
// the first one cost before the imports installed them).
func BenchmarkFirstMatrixAfterImport(b *testing.B) {
	n := 200000
	if s := os.Getenv("ACCTMAP_BENCH_ROWS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("ACCTMAP_BENCH_ROWS=%.40q: %v", s, err)
		}
		n = v
	}
	w := newMapWorld(b, 1000)
	mine, theirs := genCSV(n, 0, "com"), genCSV(n, n/2, "com")
	var imp, first, second, cold time.Duration
	for b.Loop() {
		t0 := time.Now()
		importCSV(b, w.ann, w.mine.ID, mine)
		importCSV(b, w.ann, w.theirs.ID, theirs)
		t1 := time.Now()
		m := w.matrix(b)
		t2 := time.Now()
		w.matrix(b)
		t3 := time.Now()
		acctmap.DropIndexesForTest(w.net, w.mine.ID)
		acctmap.DropIndexesForTest(w.net, w.theirs.ID)
		t4 := time.Now()
		w.matrix(b)
		t5 := time.Now()
		imp, first, second, cold = imp+t1.Sub(t0), first+t2.Sub(t1), second+t3.Sub(t2), cold+t5.Sub(t4)
		if m.Counts[0][0] != int64(n/2) {
			b.Fatalf("overlap %d, want %d", m.Counts[0][0], n/2)
		}
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(ms(imp), "import-ms")
	b.ReportMetric(ms(first), "first-matrix-ms")
	b.ReportMetric(ms(second), "second-matrix-ms")
	b.ReportMetric(ms(cold), "cold-matrix-ms")
}
