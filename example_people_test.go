package acctmap_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/acctmap/acctmap"
)

// examplePeople adds people to exampleNetwork: acme's leads, uploaded as a
// CSV file, and bolt's contacts, pushed by a CRM sync, with a Leads and a
// Contacts population. Bolt shows acme its contacts' names and titles at a
// record level, not their e-mail addresses, and its Customers accounts
// with their names.
func examplePeople() (ann, bob *acctmap.Actor, leads, contacts acctmap.Population, pops map[string]acctmap.Population, rejected []acctmap.Rejection) {
	ctx := context.Background()
	ann, bob, pops = exampleNetwork()

	ds, err := ann.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Leads", Subject: acctmap.People})
	if err != nil {
		log.Fatal(err)
	}
	csv := `Id,Email,Name,Title,Company,Website,Status
L1,"""Ann Lee"" <Ann.Lee@Stripe.com>",Ann Lee,CFO,Stripe,,Open
L2,mailto:raj@notion.so,Raj Patel,CTO,Notion,,Open
L3,kim.park+webinar@gmail.com,Kim Park,Founder,Kim's Shop,kimsshop.com,Open
L4,zoe@figma.com,Zoe Roy,Designer,Figma,,Closed
L5,not-an-address,Nobody,,,,Open
`
	sum, err := ann.ImportCSV(ctx, ds.ID, strings.NewReader(csv), acctmap.CSVImport{FileName: "leads.csv",
		People: acctmap.PeopleMapping{ID: "Id", Email: "Email", Name: "Name", Title: "Title", Company: "Company", Website: "Website"}})
	if err != nil {
		log.Fatal(err)
	}
	rejected = sum.Rejections
	leads, err = ann.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Leads,
		Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Status", Op: acctmap.Equals, Value: "Open"}}}})
	if err != nil {
		log.Fatal(err)
	}

	crm, err := bob.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Contacts", Kind: acctmap.PushedSource, Subject: acctmap.People})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := bob.UpsertRecords(ctx, crm.ID, []acctmap.RecordInput{
		{ID: "C1", Email: "ann.lee@stripe.com", Name: "Ann Lee", Fields: map[string]string{"title": "Chief Financial Officer"}},
		{ID: "C2", Email: "KimPark@gmail.com", Name: "Kim Park", Fields: map[string]string{"title": "Owner"}},
		{ID: "C3", Email: "li@figma.com", Name: "Li Wu", Fields: map[string]string{"title": "PM"}},
	}); err != nil {
		log.Fatal(err)
	}
	contacts, err = bob.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: crm.ID, Kind: acctmap.Contacts})
	if err != nil {
		log.Fatal(err)
	}
	for _, rule := range []struct {
		pop    string
		fields []string
	}{{contacts.ID, []string{"name", "title"}}, {pops["bolt/customers"].ID, []string{"name"}}} {
		if err := bob.SetShareRule(ctx, rule.pop, "acme", acctmap.SharingRule{Level: acctmap.OverlappingRecords, Fields: rule.fields}); err != nil {
			log.Fatal(err)
		}
	}
	return ann, bob, leads, contacts, pops, rejected
}

// A people data source holds leads and contacts keyed by e-mail address:
// display names, "mailto:", case and (at Gmail, which documents them)
// dots and plus-tags do not make another person. A row without a usable
// address is refused, naming its line and column.
func Example_peoplePopulation() {
	ctx := context.Background()
	ann, _, leads, _, _, rejected := examplePeople()
	for _, r := range rejected {
		fmt.Printf("line %d, column %s: %s\n", r.Line, r.Field, r.Reason)
	}
	pv, err := ann.PreviewPopulation(ctx, leads.DataSourceID, leads.Filter, 10)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(leads.Name, pv.Count)
	for _, r := range pv.Records {
		fmt.Printf("%s <%s> at %v\n", r.Name, r.EmailKey, r.Domains)
	}
	// Output:
	// line 6, column Email: e-mail "not-an-address": no @
	// Leads 3
	// Ann Lee <ann.lee@stripe.com> at [stripe.com]
	// Raj Patel <raj@notion.so> at [notion.so]
	// Kim Park <kimpark@gmail.com> at [kimsshop.com]
}

// The people matrix counts the distinct people two partners both have,
// for every pair of their people populations.
func ExampleActor_PeopleMatrix() {
	ctx := context.Background()
	ann, _, leads, contacts, _, _ := examplePeople()
	m, err := ann.PeopleMatrix(ctx, "bolt")
	if err != nil {
		log.Fatal(err)
	}
	for i, row := range m.Rows {
		for j, col := range m.Cols {
			fmt.Printf("my %s × bolt's %s: %d people\n", row.Name, col.Name, m.Counts[i][j])
		}
	}
	// The people of the cell, with what bolt shares: names and titles,
	// not its e-mail addresses.
	rep, err := ann.PeopleReport(ctx, acctmap.ReportSpec{Partner: "bolt", Population: leads.ID, PartnerPopulation: contacts.ID,
		Columns: []string{"my.name", "partner.name", "partner.title", "match.key"}})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range rep.Rows {
		fmt.Println(r.Values)
	}
	// Output:
	// my Leads × bolt's Contacts: 2 people
	// [Ann Lee Ann Lee Chief Financial Officer ann.lee@stripe.com]
	// [Kim Park Kim Park Owner kimpark@gmail.com]
}

// People × accounts: my leads whose company is one of the partner's
// customers, by the domain of their e-mail address (or, for a free-mail
// address, of the company website given with them).
func ExampleActor_PeopleAtPartnerAccounts() {
	ctx := context.Background()
	ann, _, leads, _, pops, _ := examplePeople()
	m, err := ann.PeopleAtPartnerAccounts(ctx, "bolt")
	if err != nil {
		log.Fatal(err)
	}
	for i, row := range m.Rows {
		for j, col := range m.Cols {
			fmt.Printf("my %s at bolt's %s: %d\n", row.Name, col.Name, m.Counts[i][j])
		}
	}
	rep, err := ann.PeopleAtPartnerAccountsReport(ctx, acctmap.ReportSpec{Partner: "bolt", Population: leads.ID,
		PartnerPopulation: pops["bolt/customers"].ID, Columns: []string{"my.name", "my.title", "partner.name", "match.key"}})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range rep.Rows {
		fmt.Println(r.Values)
	}
	// Output:
	// my Leads at bolt's Customers: 2
	// my Leads at bolt's Prospects: 0
	// [Ann Lee CFO Stripe stripe.com]
	// [Raj Patel CTO Notion notion.so]
}
