package acctmap_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/memstore"
)

// Two orgs join the network, each with an admin, and become partners: one
// invites, the other accepts. From then on each can see the other's users.
func Example_partnership() {
	ctx := context.Background()
	net := acctmap.New(memstore.New())

	acme, _ := net.CreateOrg(ctx, acctmap.Org{ID: "acme", Name: "Acme Analytics"})
	bolt, _ := net.CreateOrg(ctx, acctmap.Org{ID: "bolt", Name: "Bolt Warehouse"})
	net.AddUser(ctx, acctmap.User{ID: "ann", OrgID: acme.ID, Name: "Ann", Email: "ann@acme.test", Role: acctmap.RoleAdmin})
	net.AddUser(ctx, acctmap.User{ID: "bob", OrgID: bolt.ID, Name: "Bob", Email: "bob@bolt.test", Role: acctmap.RolePartnerManager,
		Permissions: acctmap.ManagePartnerships})
	ann, bob := net.As("ann"), net.As("bob")

	if _, err := ann.Invite(ctx, bolt.ID); err != nil {
		log.Fatal(err)
	}
	p, err := bob.Accept(ctx, acme.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("partnership:", p.Inviter, "→", p.Invitee, p.Status)

	users, _ := ann.PartnerUsers(ctx, bolt.ID)
	for _, u := range users {
		fmt.Println("partner user:", u.Name, u.Email, u.Role)
	}
	// Output:
	// partnership: acme → bolt accepted
	// partner user: Bob bob@bolt.test partner_manager
}

// An org creates an offline partner — a company not on the network — and
// uploads a CSV on its behalf, then gives it a standard population.
func Example_offlinePartner() {
	ctx := context.Background()
	net := acctmap.New(memstore.New())
	net.CreateOrg(ctx, acctmap.Org{ID: "acme", Name: "Acme Analytics"})
	net.AddUser(ctx, acctmap.User{ID: "ann", OrgID: "acme", Name: "Ann", Role: acctmap.RoleAdmin})
	ann := net.As("ann")

	reseller, err := ann.CreateOfflinePartner(ctx, "Northwind Resellers")
	if err != nil {
		log.Fatal(err)
	}
	ds, err := ann.CreateDataSource(ctx, acctmap.NewDataSource{OrgID: reseller.ID, Name: "Northwind accounts"})
	if err != nil {
		log.Fatal(err)
	}
	csv := "Company,Website,Status\n" +
		"\"Globex, Inc.\",https://www.globex.com/,Customer\n" +
		"Initech,initech.com,Prospect\n" +
		",n/a,Prospect\n" // no name and no usable website: refused, with the reason
	sum, err := ann.ImportCSV(ctx, ds.ID, strings.NewReader(csv), acctmap.CSVImport{
		Mapping:  csvsource.Mapping{Name: "Company", Website: "Website"},
		FileName: "northwind.csv",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("rows %d, accepted %d, rejected %d\n", sum.Rows, sum.Accepted, sum.Rejected)

	pop, err := ann.CreatePopulation(ctx, acctmap.PopulationSpec{
		DataSourceID: ds.ID,
		Kind:         acctmap.Customers,
		Filter:       acctmap.Filter{All: []acctmap.Condition{{Field: "Status", Op: acctmap.Equals, Value: "customer"}}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("population:", pop.Name)

	// Custom populations are not available to offline partners.
	_, err = ann.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Custom, Name: "Big ones"})
	fmt.Println(errors.Is(err, acctmap.ErrInvalidInput))
	// Output:
	// rows 3, accepted 2, rejected 1
	// population: Customers
	// true
}

// A population is a filtered segment of a data source; a preview shows how
// many records a filter selects before it is saved.
func Example_population() {
	ctx := context.Background()
	net := acctmap.New(memstore.New())
	net.CreateOrg(ctx, acctmap.Org{ID: "acme", Name: "Acme Analytics"})
	net.AddUser(ctx, acctmap.User{ID: "ann", OrgID: "acme", Name: "Ann", Role: acctmap.RoleAdmin})
	ann := net.As("ann")

	crm, _ := ann.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})
	ann.UpsertRecords(ctx, crm.ID, []acctmap.RecordInput{
		{ID: "001", Name: "Globex", Website: "globex.com", Fields: map[string]string{"Stage": "Negotiation", "Amount": "250,000", "Close": "2026-12-15"}},
		{ID: "002", Name: "Initech", Website: "initech.com", Fields: map[string]string{"Stage": "Closed Won", "Amount": "90,000", "Close": "2026-03-01"}},
		{ID: "003", Name: "Umbrella", Website: "umbrella.com", Fields: map[string]string{"Stage": "Discovery", "Amount": "40,000", "Close": "2027-02-01"}},
	})

	// Open opportunities: not closed, and either large or closing this year.
	filter := acctmap.Filter{
		All: []acctmap.Condition{{Field: "Stage", Op: acctmap.NotIn, Values: []string{"Closed Won", "Closed Lost"}}},
		AnyOf: [][]acctmap.Condition{{
			{Field: "Amount", Op: acctmap.GreaterThan, Value: "100000"},
			{Field: "Close", Op: acctmap.LessThan, Value: "2027-01-01"},
		}},
	}
	pv, _ := ann.PreviewPopulation(ctx, crm.ID, filter, 10)
	fmt.Println("preview:", pv.Count, pv.Records[0].Name)

	pop, err := ann.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: crm.ID, Kind: acctmap.OpenOpportunities, Filter: filter})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("saved:", pop.Name)

	// A filter on a field the data source does not have is refused, naming it.
	_, err = ann.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: crm.ID, Kind: acctmap.Custom, Name: "Typo",
		Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Stge", Op: acctmap.Equals, Value: "Discovery"}}}})
	fmt.Println(strings.SplitN(err.Error(), " (fields", 2)[0])
	// Output:
	// preview: 1 Globex
	// saved: Open Opportunities
	// acctmap: population "Typo": filter all[0]: field "Stge" is not a field of the data source
}
