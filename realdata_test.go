package acctmap_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/memstore"
)

func TestRealDataDump(t *testing.T) {
	ctx := context.Background()
	for _, nm := range []bool{false, true} {
		var opts []acctmap.Option
		if nm {
			opts = append(opts, acctmap.WithNameMatching())
		}
		net := acctmap.New(memstore.New(), opts...)
		for _, o := range []string{"yc", "seeddb"} {
			if _, err := net.CreateOrg(ctx, acctmap.Org{ID: o, Name: o}); err != nil {
				t.Fatal(err)
			}
			if _, err := net.AddUser(ctx, acctmap.User{ID: o + "-admin", OrgID: o, Name: "admin", Role: acctmap.RoleAdmin}); err != nil {
				t.Fatal(err)
			}
		}
		yc, sd := net.As("yc-admin"), net.As("seeddb-admin")
		imp := func(a *acctmap.Actor, file string, m csvsource.Mapping) acctmap.Population {
			ds, err := a.CreateDataSource(ctx, acctmap.NewDataSource{Name: file})
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(filepath.Join("testdata", "real", file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sum, err := a.ImportCSV(ctx, ds.ID, f, acctmap.CSVImport{Mapping: m, FileName: file})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %+v", file, sum)
			pop, err := a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Customers})
			if err != nil {
				t.Fatal(err)
			}
			if err := a.SetShareRule(ctx, pop.ID, "", acctmap.ShareRule{Level: acctmap.OverlappingRecords, Fields: []string{"name", "website", "id"}}); err != nil {
				t.Fatal(err)
			}
			return pop
		}
		py := imp(yc, "yc_companies.csv", csvsource.Mapping{Name: "name", Website: "website", ID: "id"})
		ps := imp(sd, "yc_startups_seeddb_2014.csv", csvsource.Mapping{Name: "Company", Website: "Website"})
		if _, err := yc.Invite(ctx, "seeddb"); err != nil {
			t.Fatal(err)
		}
		if _, err := sd.Accept(ctx, "yc"); err != nil {
			t.Fatal(err)
		}
		m, err := sd.Matrix(ctx, "yc")
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("namematching=%v matrix %v", nm, m.Counts)
		rep, err := sd.Report(ctx, acctmap.ReportSpec{Partner: "yc", Population: ps.ID, PartnerPopulation: py.ID, Columns: []string{"my.id", "my.name", "my.website", "partner.id", "partner.name", "partner.website"}})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		fmt.Fprintln(&b, strings.Join(rep.Columns, "\t"))
		for _, r := range rep.Rows {
			fmt.Fprintf(&b, "%s\t%s\t%d\t%s\n", r.MatchedOn, r.Key, r.Confidence, strings.Join(r.Values, "\t"))
		}
		os.WriteFile(fmt.Sprintf("/tmp/realdump-%v.tsv", nm), []byte(b.String()), 0o644)
	}
}
