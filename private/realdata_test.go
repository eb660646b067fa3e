package private_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/private"
	"github.com/google/go-cmp/cmp"
)

// realFile finds a file of the shared real data (../shared/testdata/real
// beside the checkout, or ACCTMAP_REAL_DATA), or skips.
func realFile(t *testing.T, name string) string {
	t.Helper()
	dirs := []string{os.Getenv("ACCTMAP_REAL_DATA"), "../../shared/testdata/real", "../../../shared/testdata/real", "/work/shared/testdata/real"}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skipf("real data %s not found (set ACCTMAP_REAL_DATA)", name)
	return ""
}

// TestRealData maps the two public Y Combinator lists (YC's directory,
// 5,706 companies, and the 2014 SeedDB list, 688) imported with
// Actor.ImportCSV as in the root package's real-data tests, and checks that
// the private matrix equals Actor.Matrix in both directions: 432 matched
// accounts (see the root package's realdata_test.go for how that number
// was checked by hand).
func TestRealData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newPair(t)
	load := func(d *deployment, file string, m csvsource.Mapping) {
		f, err := os.Open(realFile(t, file))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		ds, err := d.actor.CreateDataSource(ctx, acctmap.NewDataSource{Name: file})
		if err != nil {
			t.Fatal(err)
		}
		d.ds = ds
		if _, err := d.actor.ImportCSV(ctx, ds.ID, f, acctmap.CSVImport{Mapping: m, FileName: file}); err != nil {
			t.Fatal(err)
		}
		pop, err := d.actor.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Customers})
		if err != nil {
			t.Fatal(err)
		}
		d.pops = []acctmap.Population{pop}
	}
	load(p.ini, "yc_startups_seeddb_2014.csv", csvsource.Mapping{Name: "Company", Website: "Website"})
	load(p.res, "yc_companies.csv", csvsource.Mapping{Name: "name", Website: "website", ID: "id"})
	const want = 432
	for _, dir := range []struct {
		name     string
		ini, res *deployment
	}{{"seeddb initiates", p.ini, p.res}, {"yc initiates", p.res, p.ini}} {
		t.Run(dir.name, func(t *testing.T) {
			m, err := dir.ini.actor.Matrix(ctx, dir.res.org)
			if err != nil {
				t.Fatal(err)
			}
			ir, rr := run(t, private.InitiatorConfig{Side: dir.ini.side(t, false)},
				private.ResponderConfig{Side: dir.res.side(t, false)})
			if d := cmp.Diff(m.Counts, ir.Matrix.Counts); d != "" {
				t.Errorf("private matrix vs Actor.Matrix (-acctmap +private):\n%s", d)
			}
			if got := ir.Matrix.Counts[0][0]; got != want {
				t.Errorf("matched accounts: %d, want %d", got, want)
			}
			if d := cmp.Diff(ir.Matrix.Counts, rr.Matrix.Counts); d != "" {
				t.Errorf("initiator and responder disagree:\n%s", d)
			}
			// The count above is exact; the bound says how far it could
			// have been off: at most 3 with probability 1 − 10⁻⁹.
			tests := ir.Matrix.RowTests[0]
			if b := private.CountErrorBound(tests, ir.Matrix.FalsePositiveRate, 1e-9); b > 3 {
				t.Errorf("error bound %d for %d tests at %g, want ≤ 3", b, tests, ir.Matrix.FalsePositiveRate)
			}
		})
	}
}
