package acctmap_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/internal/cputime"
	"github.com/acctmap/acctmap/memstore"
	"github.com/acctmap/acctmap/normalize"
)

// peopleCSV writes n people, person i having the address p<i>@co<i/20>.com
// (twenty people a company) and a Stage: side b's people are those of
// side a shifted by n/2, so that half of each side overlaps.
func peopleCSV(n, shift int) []byte {
	stages := []string{"Lead", "Lead", "Contact", "Customer contact"}
	var b bytes.Buffer
	b.Grow(n * 70)
	b.WriteString("Id,Email,Name,Title,Stage\n")
	for k := range n {
		i := k + shift
		fmt.Fprintf(&b, "P-%d,P%d@Co%d.com,Person %d,Title %d,%s\n", i, i, i/20, i, i%7, stages[i%len(stages)])
	}
	return b.Bytes()
}

// companiesCSV writes n accounts co<i>.com, every other one a customer.
func companiesCSV(n int) []byte {
	var b bytes.Buffer
	b.Grow(n * 50)
	b.WriteString("Id,Company,Website,Stage\n")
	for i := range n {
		fmt.Fprintf(&b, "A-%d,Company %d,co%d.com,%s\n", i, i, i, []string{"Customer", "Prospect"}[i%2])
	}
	return b.Bytes()
}

// BenchmarkPeopleMatrix measures PeopleMatrix and PeopleAtPartnerAccounts
// through the public API between two orgs with PEOPLE_BENCH_N people each
// (default 1,000,000; half of them in common), three people populations a
// side, and, for the partner, as many accounts in two populations: cold
// (a new Network over the same store, every index built from the store)
// and warm (indexes cached). cpu-ns/op is the process's CPU time per
// read (all goroutines, the GC's included): on a shared machine it says
// more than the wall clock.
func BenchmarkPeopleMatrix(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("PEOPLE_BENCH_N"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		n = v
	}
	ctx := context.Background()
	store := memstore.New()
	// One normalizer for every Network: cold reads build indexes, not the
	// normalizer's lists.
	norm := normalize.New()
	net := acctmap.New(store, acctmap.WithNormalizer(norm))
	for _, org := range []string{"a", "b"} {
		if _, err := net.CreateOrg(ctx, acctmap.Org{ID: org, Name: org}); err != nil {
			b.Fatal(err)
		}
		if _, err := net.AddUser(ctx, acctmap.User{ID: org, OrgID: org, Name: org, Role: acctmap.RoleAdmin}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := net.As("a").Invite(ctx, "b"); err != nil {
		b.Fatal(err)
	}
	if _, err := net.As("b").Accept(ctx, "a"); err != nil {
		b.Fatal(err)
	}
	kinds := []acctmap.PopulationKind{acctmap.Leads, acctmap.Contacts, acctmap.CustomerContacts}
	stages := []string{"Lead", "Contact", "Customer contact"}
	for k, org := range []string{"a", "b"} {
		a := net.As(org)
		ds, err := a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "People", Subject: acctmap.People})
		if err != nil {
			b.Fatal(err)
		}
		sum, err := a.ImportCSV(ctx, ds.ID, bytes.NewReader(peopleCSV(n, k*n/2)), acctmap.CSVImport{
			People: acctmap.PeopleMapping{ID: "Id", Email: "Email", Name: "Name", Title: "Title"}})
		if err != nil || sum.Accepted != n {
			b.Fatalf("import: %v, %+v", err, sum.Rejections)
		}
		for i, kind := range kinds {
			if _, err := a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: kind,
				Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Stage", Op: acctmap.Equals, Value: stages[i]}}}}); err != nil {
				b.Fatal(err)
			}
		}
	}
	crm, err := net.As("b").CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := net.As("b").ImportCSV(ctx, crm.ID, bytes.NewReader(companiesCSV(n)), acctmap.CSVImport{
		Mapping: csvsource.Mapping{ID: "Id", Name: "Company", Website: "Website"}}); err != nil {
		b.Fatal(err)
	}
	for _, k := range []acctmap.PopulationKind{acctmap.Customers, acctmap.Prospects} {
		if _, err := net.As("b").CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: crm.ID, Kind: k,
			Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Stage", Op: acctmap.Equals, Value: k.StandardName()[:len(k.StandardName())-1]}}}}); err != nil {
			b.Fatal(err)
		}
	}
	for _, q := range []struct {
		name string
		read func(a *acctmap.Actor) (acctmap.OverlapMatrix, error)
	}{
		{"people", func(a *acctmap.Actor) (acctmap.OverlapMatrix, error) { return a.PeopleMatrix(ctx, "b") }},
		{"people-at-accounts", func(a *acctmap.Actor) (acctmap.OverlapMatrix, error) { return a.PeopleAtPartnerAccounts(ctx, "b") }},
	} {
		check := func(m acctmap.OverlapMatrix, err error) {
			if err != nil || len(m.Rows) != 3 || len(m.Counts[0]) == 0 || m.Counts[0][0] <= 0 {
				b.Fatalf("%s: %v, %v", q.name, err, m.Counts)
			}
		}
		b.Run(q.name+"/cold", func(b *testing.B) {
			c0, _ := cputime.Used()
			for b.Loop() {
				check(q.read(acctmap.New(store, acctmap.WithNormalizer(norm)).As("a")))
			}
			if c1, ok := cputime.Used(); ok {
				b.ReportMetric(float64((c1-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
			}
		})
		b.Run(q.name+"/warm", func(b *testing.B) {
			a := acctmap.New(store, acctmap.WithNormalizer(norm)).As("a")
			m, err := q.read(a)
			check(m, err)
			b.Logf("%s: rows %d × columns %d, Leads × first column %d", q.name, len(m.Rows), len(m.Cols), m.Counts[0][0])
			c0, _ := cputime.Used()
			for b.Loop() {
				check(q.read(a))
			}
			if c1, ok := cputime.Used(); ok {
				b.ReportMetric(float64((c1-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
			}
		})
	}
}
