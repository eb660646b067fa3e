package acctmap_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/fieldtype"
)

// Acme's deals come from its CRM's opportunities; it credits Bolt with
// one it sourced and one it influenced, and compares them with the deals
// no partner touched.
func ExampleActor_AttributionReport() {
	ctx := context.Background()
	ann, _, _ := exampleNetwork()
	ds, err := ann.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Opportunities", Kind: acctmap.PushedSource})
	if err != nil {
		log.Fatal(err)
	}
	deal := func(id, name, site, amount, stage, closed string) acctmap.RecordInput {
		return acctmap.RecordInput{ID: id, Name: name, Website: site,
			Fields: map[string]string{"Amount": amount, "Stage": stage, "Created": "2026-01-01", "Close": closed}}
	}
	if _, err := ann.UpsertRecords(ctx, ds.ID, []acctmap.RecordInput{
		deal("O1", "Stripe", "stripe.com", "$12,000", "Closed Won", "2026-01-15"),
		deal("O2", "Notion", "notion.so", "$5,000", "Proposal", "2026-06-30"),
		deal("O3", "Linear", "linear.app", "$8,000", "Closed Won", "2026-03-01"),
	}); err != nil {
		log.Fatal(err)
	}
	if err := ann.SetOpportunityFields(ctx, ds.ID, acctmap.OpportunityFields{
		Amount: "Amount", AmountType: fieldtype.Type{Kind: fieldtype.Money, Locale: fieldtype.US},
		Stage: "Stage", WonStages: []string{"Closed Won"}, LostStages: []string{"Closed Lost"},
		Created: "Created", CloseDate: "Close",
	}); err != nil {
		log.Fatal(err)
	}
	for _, a := range []struct {
		deal string
		kind acctmap.AttributionKind
	}{{"O1", acctmap.Sourced}, {"O2", acctmap.Influenced}} {
		at, err := ann.Attribute(ctx, acctmap.Attribution{Opportunity: acctmap.RecordRef{DataSourceID: ds.ID, RecordID: a.deal}, Partner: "bolt", Kind: a.kind})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s %s by bolt; the account was in bolt's", a.deal, a.kind)
		for _, p := range at.Evidence {
			fmt.Print(" ", p.Name)
		}
		fmt.Println()
	}
	rep, err := ann.AttributionReport(ctx, acctmap.AttributionSpec{})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range rep.Partners {
		fmt.Printf("%s: sourced %d deals, won %v; influenced pipeline %v\n", p.Partner, p.Sourced.Deals, p.Sourced.WonRevenue["USD"], p.Influenced.Pipeline["USD"])
		fmt.Printf("days to close: sourced %v, unattributed %v\n", p.Sourced.MedianDaysToClose, rep.Unattributed.MedianDaysToClose)
	}
	if err := ann.ExportAttributionReport(ctx, acctmap.AttributionSpec{}, os.Stdout); err != nil {
		log.Fatal(err)
	}
	// Output:
	// O1 sourced by bolt; the account was in bolt's Customers
	// O2 influenced by bolt; the account was in bolt's Customers
	// bolt: sourced 1 deals, won 12000; influenced pipeline 5000
	// days to close: sourced 14, unattributed 59
	// partner,attribution,currency,deals,open,won,lost,pipeline,won_revenue,median_days_to_close
	// bolt,sourced,USD,1,0,1,0,0,12000,14
	// bolt,influenced,USD,1,1,0,0,5000,0,0
	// ,none,USD,1,0,1,0,0,8000,59
	// ,all,USD,3,1,2,0,5000,20000,36.5
}
