package acctmap_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
)

// exampleNetwork sets up two partner orgs, acme (user ann) and bolt (user
// bob), each with a CRM and Customers and Prospects populations.
func exampleNetwork() (ann, bob *acctmap.Actor, pops map[string]acctmap.Population) {
	ctx := context.Background()
	net := acctmap.New(memstore.New())
	pops = map[string]acctmap.Population{}
	data := map[string][]acctmap.RecordInput{
		"acme": {
			{ID: "A1", Name: "Stripe, Inc.", Website: "https://stripe.com", Fields: map[string]string{"Stage": "Customer", "Owner": "Dana"}},
			{ID: "A2", Name: "Notion Labs", Website: "notion.so", Fields: map[string]string{"Stage": "Prospect", "Owner": "Lee"}},
			{ID: "A3", Name: "Figma", Website: "figma.com", Fields: map[string]string{"Stage": "Prospect", "Owner": "Sam"}},
		},
		"bolt": {
			{ID: "B1", Name: "Stripe", Website: "www.stripe.com", Fields: map[string]string{"Stage": "Customer", "CSM": "Kim", "ARR": "120000"}},
			{ID: "B2", Name: "Notion", Website: "https://www.notion.so/product", Fields: map[string]string{"Stage": "Customer", "CSM": "Ola", "ARR": "=1+1"}},
			{ID: "B3", Name: "Figma", Website: "figma.com", Fields: map[string]string{"Stage": "Prospect", "CSM": "Ola", "ARR": "0"}},
		},
	}
	for _, org := range []string{"acme", "bolt"} {
		net.CreateOrg(ctx, acctmap.Org{ID: org, Name: org})
		net.AddUser(ctx, acctmap.User{ID: org + "-admin", OrgID: org, Name: "Admin", Role: acctmap.RoleAdmin})
		a := net.As(org + "-admin")
		ds, _ := a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})
		a.UpsertRecords(ctx, ds.ID, data[org])
		for _, k := range []acctmap.PopulationKind{acctmap.Customers, acctmap.Prospects} {
			stage := map[acctmap.PopulationKind]string{acctmap.Customers: "Customer", acctmap.Prospects: "Prospect"}[k]
			p, err := a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: k,
				Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Stage", Op: acctmap.Equals, Value: stage}}}})
			if err != nil {
				log.Fatal(err)
			}
			pops[org+"/"+string(k)] = p
		}
	}
	ann, bob = net.As("acme-admin"), net.As("bolt-admin")
	ann.Invite(ctx, "bolt")
	bob.Accept(ctx, "acme")
	return ann, bob, pops
}

// The overlap matrix counts distinct accounts for every pair of
// populations; both partners see the same numbers.
func ExampleActor_Matrix() {
	ctx := context.Background()
	ann, bob, _ := exampleNetwork()
	mx, err := ann.Matrix(ctx, "bolt")
	if err != nil {
		log.Fatal(err)
	}
	for i, r := range mx.Rows {
		for j, c := range mx.Cols {
			fmt.Printf("acme %s × bolt %s: %d\n", r.Name, c.Name, mx.Counts[i][j])
		}
	}
	theirs, _ := bob.Matrix(ctx, "acme")
	fmt.Println("bolt sees for Customers × Customers:", theirs.Counts[0][0])
	// Output:
	// acme Customers × bolt Customers: 1
	// acme Customers × bolt Prospects: 0
	// acme Prospects × bolt Customers: 1
	// acme Prospects × bolt Prospects: 1
	// bolt sees for Customers × Customers: 1
}

// A sharing rule decides what a partner sees of one population: here Bolt
// hides its prospects from everyone and shows Acme the company name and
// CSM of its overlapping customers.
func ExampleActor_SetShareRule() {
	ctx := context.Background()
	ann, bob, pops := exampleNetwork()
	if err := bob.SetShareRule(ctx, pops["bolt/prospects"].ID, "", acctmap.ShareRule{Level: acctmap.Hidden}); err != nil {
		log.Fatal(err)
	}
	err := bob.SetShareRule(ctx, pops["bolt/customers"].ID, "acme", acctmap.ShareRule{
		Level: acctmap.OverlappingRecords, Fields: []string{"name", "CSM"}})
	if err != nil {
		log.Fatal(err)
	}
	visible, _ := ann.PartnerPopulations(ctx, "bolt")
	for _, p := range visible {
		fmt.Println(p.Name, p.Level, p.Fields)
	}
	// Output:
	// Customers overlapping_records [name CSM]
}

// A partner asks for record-level data; the owner approves, which creates
// the sharing rule.
func ExampleActor_RequestShare() {
	ctx := context.Background()
	ann, bob, pops := exampleNetwork()
	req, err := ann.RequestShare(ctx, "bolt", pops["bolt/customers"].ID, acctmap.OverlappingRecords,
		[]string{"name", "CSM"}, "to plan a joint QBR")
	if err != nil {
		log.Fatal(err)
	}
	pending, _ := bob.ShareRequests(ctx, "acme")
	fmt.Println(len(pending), pending[0].Status, pending[0].Message)
	approved, err := bob.ApproveShareRequest(ctx, "acme", req.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(approved.Status)
	visible, _ := ann.PartnerPopulations(ctx, "bolt")
	fmt.Println(visible[0].Name, visible[0].Level, visible[0].Fields)
	// Output:
	// 1 pending to plan a joint QBR
	// approved
	// Customers overlapping_records [name CSM]
}

// A report is the record-level view of one matrix cell, with only the
// fields the partner shares; filters, columns, sort and a CSV export that
// spreadsheets cannot run as formulas.
func ExampleActor_Report() {
	ctx := context.Background()
	ann, bob, pops := exampleNetwork()
	spec := acctmap.ReportSpec{Partner: "bolt", Population: pops["acme/prospects"].ID, PartnerPopulation: pops["bolt/customers"].ID}
	_, err := ann.Report(ctx, spec)
	fmt.Println("before sharing:", err)

	bob.SetShareRule(ctx, pops["bolt/customers"].ID, "acme", acctmap.ShareRule{
		Level: acctmap.OverlappingRecords, Fields: []string{"name", "CSM", "ARR"}})
	spec.Columns = []string{"my.name", "my.Owner", "partner.name", "partner.CSM", "partner.ARR", acctmap.ColumnConfidence}
	spec.Filter = acctmap.Filter{All: []acctmap.Condition{{Field: "partner.CSM", Op: acctmap.Equals, Value: "ola"}}}
	spec.Sort = []acctmap.SortKey{{Column: "my.name"}}
	rep, err := ann.Report(ctx, spec)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range rep.Rows {
		fmt.Println(r.Values, r.MatchedOn, r.Key)
	}
	if _, err := ann.ExportReport(ctx, spec, os.Stdout); err != nil {
		log.Fatal(err)
	}
	// Output:
	// before sharing: acctmap: report: the partner shares population "Customers" as counts only: not shared at record level
	// [Notion Labs Lee Notion Ola =1+1 70] domain notion.so
	// my.name,my.Owner,partner.name,partner.CSM,partner.ARR,match.confidence
	// Notion Labs,Lee,Notion,Ola,'=1+1,70
}
