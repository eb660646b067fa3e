package boltstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
)

// TestNetworkBenchmark measures a Network on a boltstore at the size
// ACCTMAP_BENCH_RECORDS says: two orgs with a data source of that many
// records each, imported from CSV, 30% of the companies in both, 8
// populations each; then the 8 × 8 matrix, cold (a new Network, which
// loads both data sources with RecordKeys and builds their indexes) and
// warm, and full scans. Run with
//
//	ACCTMAP_BENCH_RECORDS=1000000 go test -run '^TestNetworkBenchmark$' -v -timeout 60m ./boltstore
//
// ACCTMAP_BENCH_FILE=path keeps the file (and reuses it, skipping the
// imports, when it exists).
func TestNetworkBenchmark(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("ACCTMAP_BENCH_RECORDS"))
	if n <= 0 {
		t.Skip("set ACCTMAP_BENCH_RECORDS=1000000 to run the Network benchmark")
	}
	ctx := context.Background()
	path := os.Getenv("ACCTMAP_BENCH_FILE")
	if path == "" {
		path = filepath.Join(t.TempDir(), "bench.db")
	}
	_, statErr := os.Stat(path)
	reuse := statErr == nil
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	net := acctmap.New(s)
	var figures []string
	figure := func(format string, args ...any) {
		figures = append(figures, fmt.Sprintf(format, args...))
		t.Log(figures[len(figures)-1])
	}
	if !reuse {
		for _, org := range []string{"a", "b"} {
			if _, err := net.CreateOrg(ctx, acctmap.Org{ID: org, Name: strings.ToUpper(org)}); err != nil {
				t.Fatal(err)
			}
			if _, err := net.AddUser(ctx, acctmap.User{ID: org + "-admin", OrgID: org, Name: org, Role: acctmap.RoleAdmin}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := net.As("a-admin").Invite(ctx, "b"); err != nil {
			t.Fatal(err)
		}
		if _, err := net.As("b-admin").Accept(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		for side, org := range []string{"a", "b"} {
			actor := net.As(org + "-admin")
			ds, err := actor.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM"})
			if err != nil {
				t.Fatal(err)
			}
			csv := benchCSV(side, n)
			runtime.GC()
			start, c0 := time.Now(), cpuTime()
			sum, err := actor.ImportCSV(ctx, ds.ID, strings.NewReader(csv), acctmap.CSVImport{
				Mapping: csvsource.Mapping{Name: "Company", Website: "Website", ID: "Id"}, FileName: org + ".csv"})
			if err != nil {
				t.Fatal(err)
			}
			el, cpu := time.Since(start), cpuTime()-c0
			figure("import of %s (ImportCSV, %d rows): %v, %.0f records/s (CPU %v)", org, sum.Accepted, el.Round(time.Millisecond), float64(sum.Accepted)/el.Seconds(), cpu.Round(time.Millisecond))
			start, c0 = time.Now(), cpuTime()
			for k := range 8 {
				_, err := actor.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Custom, Name: fmt.Sprint("Segment ", k),
					Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Segment", Op: acctmap.Equals, Value: fmt.Sprint("s", k)}}}})
				if err != nil {
					t.Fatal(err)
				}
			}
			figure("8 populations of %s (CreatePopulation: a filter over every record, SetMembers): %v (CPU %v)", org,
				time.Since(start).Round(time.Millisecond), (cpuTime() - c0).Round(time.Millisecond))
		}
	}
	info, _ := os.Stat(path)
	figure("file: %.0f MiB for %d records, %.0f bytes a record", float64(info.Size())/(1<<20), 2*n, float64(info.Size())/float64(2*n))

	dss, err := net.As("a-admin").DataSources(ctx, "")
	if err != nil || len(dss) != 1 {
		t.Fatalf("data sources of a: %v, %v", dss, err)
	}
	for _, keys := range []bool{false, true} {
		name := "Records"
		if keys {
			name = "RecordKeys"
		}
		start, c0 := time.Now(), cpuTime()
		cnt := 0
		err := s.View(ctx, func(tx acctmap.ReadTx) error {
			fn := func(*acctmap.Record) error { cnt++; return nil }
			if keys {
				return tx.RecordKeys(dss[0].ID, fn)
			}
			return tx.Records(dss[0].ID, fn)
		})
		if err != nil {
			t.Fatal(err)
		}
		el := time.Since(start)
		figure("%s scan of %d records: %v, %.0f records/s (CPU %v)", name, cnt, el.Round(time.Millisecond), float64(cnt)/el.Seconds(), (cpuTime() - c0).Round(time.Millisecond))
	}

	cold := acctmap.New(s)
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	heap0 := ms.HeapAlloc
	start, c0 := time.Now(), cpuTime()
	mx, err := cold.As("a-admin").Matrix(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	el, cpu := time.Since(start), cpuTime()-c0
	runtime.ReadMemStats(&ms)
	var total int64
	for _, row := range mx.Counts {
		for _, c := range row {
			total += c
		}
	}
	figure("matrix %d × %d, cold (RecordKeys of both, indexes built): %v (CPU %v), heap +%.0f MiB right after (garbage included); sum of cells %d",
		len(mx.Rows), len(mx.Cols), el.Round(time.Millisecond), cpu.Round(time.Millisecond), float64(ms.HeapAlloc-min(ms.HeapAlloc, heap0))/(1<<20), total)
	start = time.Now()
	if _, err := cold.As("a-admin").Matrix(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	figure("matrix, warm (indexes cached): %v", time.Since(start).Round(time.Microsecond))
	t.Logf("summary at %d records a side:\n  %s", n, strings.Join(figures, "\n  "))
}

// benchCSV returns the CSV of one side: n accounts of companies k (side
// 0: from 0; side 1: from 0.7·n, so that 30% of the companies are in
// both), every tenth with a second record on the same domain, a Segment
// field for the populations and two more fields.
func benchCSV(side, n int) string {
	var b strings.Builder
	b.Grow(n * 110)
	b.WriteString("Id,Company,Website,Segment,Owner,Stage\n")
	first := side * n * 7 / 10
	for i := range n {
		k := first + i
		if i%10 == 9 {
			k-- // a second record of the company before it
		}
		fmt.Fprintf(&b, "%c%07d,Company %d Inc.,https://www.company%d.com/,s%d,owner%d@example.com,%s\n",
			'A'+side, i, k, k, (k*7+side)%8, i%97, []string{"Customer", "Prospect", "Churned"}[k%3])
	}
	return b.String()
}
