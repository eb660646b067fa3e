package acctmap_test

import (
	"context"
	"fmt"
	"log"

	"github.com/acctmap/acctmap"
)

// Pages of a report follow one another with cursors: each page's
// NextCursor starts the next, and is empty after the last. Here the pages
// of a partner population shared in full, one row each.
func ExampleReport_NextCursor() {
	ctx := context.Background()
	ann, bob, pops := exampleNetwork()
	bob.SetShareRule(ctx, pops["bolt/customers"].ID, "acme", acctmap.ShareRule{Level: acctmap.FullPopulation, Fields: []string{"name", "CSM"}})
	spec := acctmap.ReportSpec{Partner: "bolt", PartnerPopulation: pops["bolt/customers"].ID,
		Sort: []acctmap.SortKey{{Column: "partner.name"}}, Limit: 1}
	for page := 1; ; page++ {
		rep, err := ann.PartnerRecords(ctx, spec)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("page", page, "of", rep.Total, rep.Rows[0].Values)
		if rep.NextCursor == "" {
			break
		}
		spec.Cursor = rep.NextCursor
	}
	// Output:
	// page 1 of 2 [Notion Ola]
	// page 2 of 2 [Stripe Kim]
}

// ReportRows ranges over a report's rows.
func ExampleActor_ReportRows() {
	ctx := context.Background()
	ann, bob, pops := exampleNetwork()
	bob.SetShareRule(ctx, pops["bolt/prospects"].ID, "acme", acctmap.ShareRule{Level: acctmap.OverlappingRecords, Fields: []string{"name", "CSM"}})
	spec := acctmap.ReportSpec{Partner: "bolt", Population: pops["acme/prospects"].ID, PartnerPopulation: pops["bolt/prospects"].ID,
		Columns: []string{"my.name", "partner.CSM"}}
	for r, err := range ann.ReportRows(ctx, spec) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(r.Values, r.MatchedOn)
	}
	// Output:
	// [Figma Ola] domain
}

// AccountMappingSeq ranges over the accounts partners have.
func ExampleActor_AccountMappingSeq() {
	ctx := context.Background()
	ann, bob, pops := exampleNetwork()
	bob.SetShareRule(ctx, pops["bolt/customers"].ID, "acme", acctmap.ShareRule{Level: acctmap.OverlappingRecords})
	for acc, err := range ann.AccountMappingSeq(ctx, pops["acme/prospects"].ID) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(acc.Name, acc.Partners)
	}
	// Output:
	// Notion Labs [{bolt [Customers]}]
}

// Records lists one's own records that a filter selects.
func ExampleActor_Records() {
	ctx := context.Background()
	ann, _, pops := exampleNetwork()
	owned := acctmap.Filter{All: []acctmap.Condition{{Field: "Owner", Op: acctmap.In, Values: []string{"Dana", "Sam"}}}}
	for r, err := range ann.Records(ctx, pops["acme/customers"].DataSourceID, owned) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(r.ID, r.Name, r.Fields["Owner"])
	}
	// Output:
	// A1 Stripe, Inc. Dana
	// A3 Figma Sam
}
