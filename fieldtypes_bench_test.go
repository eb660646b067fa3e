package acctmap_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/fieldtype"
	"github.com/acctmap/acctmap/internal/cputime"
)

// BenchmarkCreatePopulationTyped is a population over 1M records whose
// filter compares a typed field twice (Employees, a number: parsed once
// per record) beside a text condition, to set against
// BenchmarkCreatePopulation's text-only filter.
func BenchmarkCreatePopulationTyped(b *testing.B) {
	const rows = 1_000_000
	a, ds := benchNetwork(b)
	ctx := context.Background()
	if _, err := a.ImportCSV(ctx, ds.ID, bytes.NewReader(userPathCSV(rows)), acctmap.CSVImport{Mapping: accountsMapping,
		FieldTypes: map[string]fieldtype.Type{"Employees": {Kind: fieldtype.Number}}, Locale: fieldtype.US}); err != nil {
		b.Fatal(err)
	}
	spec := acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Customers, Filter: acctmap.Filter{All: []acctmap.Condition{
		{Field: "Stage", Op: acctmap.Equals, Value: "Customer"},
		{Field: "Employees", Op: acctmap.GreaterThan, Value: "1,000"},
		{Field: "Employees", Op: acctmap.LessThan, Value: "40,000"},
	}}}
	b.ReportAllocs()
	b.ResetTimer()
	var cpu time.Duration // CPU time of the calls, as BenchmarkCreatePopulation reports it
	for b.Loop() {
		c0, _ := cputime.Used()
		pop, err := a.CreatePopulation(ctx, spec)
		if err != nil {
			b.Fatal(err)
		}
		if c1, ok := cputime.Used(); ok {
			cpu += c1 - c0
		}
		b.StopTimer()
		if err := a.DeletePopulation(ctx, pop.ID); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkImportCSVTyped is BenchmarkImportCSV with the Employees column
// declared a number: the import parses each of its values once, to warn
// about those that do not parse.
func BenchmarkImportCSVTyped(b *testing.B) {
	const rows = 200_000
	data := userPathCSV(rows)
	a, ds := benchNetwork(b)
	ctx := context.Background()
	imp := acctmap.CSVImport{Mapping: accountsMapping, FieldTypes: map[string]fieldtype.Type{"Employees": {Kind: fieldtype.Number}}, Locale: fieldtype.US}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	c0, _ := cputime.Used()
	for b.Loop() {
		sum, err := a.ImportCSV(ctx, ds.ID, bytes.NewReader(data), imp)
		if err != nil || sum.Accepted != rows || sum.Warned != 0 {
			b.Fatalf("ImportCSV = %d accepted, %d warned, %v", sum.Accepted, sum.Warned, err)
		}
	}
	if c1, ok := cputime.Used(); ok {
		b.ReportMetric(float64((c1-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkReportPageByName is a page of 10 rows of a 150k-row cell sorted
// by the partner's names, which the collation orders (a key per row).
func BenchmarkReportPageByName(b *testing.B) {
	c := newBenchCell(b, 150_000)
	ctx := context.Background()
	spec := c.spec()
	spec.Limit = 10
	spec.Sort = []acctmap.SortKey{{Column: "partner.name"}}
	if _, err := c.a.Report(ctx, spec); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if rep, err := c.a.Report(ctx, spec); err != nil || rep.Total != 150_000 {
			b.Fatalf("report: total %d, %v", rep.Total, err)
		}
	}
}
