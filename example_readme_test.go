package acctmap_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/memstore"
)

// The README's "Using it": an app provisions two orgs, each uploads its
// accounts, Acme reads the matrix and the report of one cell its partner
// shares, and exports it. It is the README's code, kept compiling and
// running here.
func Example_usingIt() {
	ctx := context.Background()
	net := acctmap.New(memstore.New()) // or pgstore.Open(ctx, dsn), which also returns an error
	for _, o := range []acctmap.Org{{ID: "acme", Name: "Acme"}, {ID: "bolt", Name: "Bolt"}} {
		net.CreateOrg(ctx, o) // the embedding app provisions orgs and users
	}
	net.AddUser(ctx, acctmap.User{ID: "ann", OrgID: "acme", Name: "Ann", Role: acctmap.RoleAdmin})
	net.AddUser(ctx, acctmap.User{ID: "bob", OrgID: "bolt", Name: "Bob", Role: acctmap.RoleAdmin})

	ann, bob := net.As("ann"), net.As("bob") // every user call is checked
	ann.Invite(ctx, "bolt")
	bob.Accept(ctx, "acme")

	// upload imports a CSV into a new data source and makes a population of it.
	upload := func(u *acctmap.Actor, csv string, kind acctmap.PopulationKind, stage string) acctmap.Population {
		ds, err := u.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Salesforce export"})
		if err != nil {
			log.Fatal(err)
		}
		_, err = u.ImportCSV(ctx, ds.ID, strings.NewReader(csv), acctmap.CSVImport{
			Mapping: csvsource.Mapping{Name: "Account Name", Website: "Website", ID: "Account ID"},
		})
		if err != nil {
			log.Fatal(err)
		}
		pop, err := u.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: kind,
			Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Stage", Op: acctmap.Equals, Value: stage}}}})
		if err != nil {
			log.Fatal(err)
		}
		return pop
	}
	customers := upload(ann, "Account ID,Account Name,Website,Stage,Account Owner\n"+
		"a1,Stripe,stripe.com,Customer,Dana\na2,Figma,figma.com,Customer,Lee\n", acctmap.Customers, "Customer")
	prospects := upload(bob, "Account ID,Account Name,Website,Stage\n"+
		"b1,\"Stripe, Inc.\",https://www.stripe.com,Prospect\nb2,Airtable,airtable.com,Prospect\n", acctmap.Prospects, "Prospect")

	// What Bolt reveals to Acme about its prospects: the overlapping
	// records, with one field. Without this rule Acme sees counts only.
	err := bob.SetShareRule(ctx, prospects.ID, "acme", acctmap.SharingRule{
		Level: acctmap.OverlappingRecords, Fields: []string{"name"}})
	if err != nil {
		log.Fatal(err)
	}

	mx, err := ann.Matrix(ctx, "bolt") // counts for every population pair
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(mx.Rows[0].Name, "×", mx.Cols[0].Name, "=", mx.Counts[0][0])

	spec := acctmap.ReportSpec{Partner: "bolt", Population: customers.ID, PartnerPopulation: prospects.ID}
	rep, err := ann.Report(ctx, spec) // ErrNotShared unless Bolt shares records
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("report rows:", rep.Total)
	var csv strings.Builder
	n, err := ann.ExportReport(ctx, spec, &csv) // CSV, formula-safe, counted against the plan
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("exported rows:", n)
	// Output:
	// Customers × Prospects = 1
	// report rows: 1
	// exported rows: 1
}
