package acctmap_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/fieldtype"
	"github.com/google/go-cmp/cmp"
)

// dealNet is threadNet with a data source of acme's deals.
func dealNet(t *testing.T) (*threadNet, string) {
	t.Helper()
	ctx := context.Background()
	w := newThreadNet(t)
	ds, err := w.ann.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Deals", Kind: acctmap.PushedSource})
	wantErr(t, "CreateDataSource", err, nil)
	deal := func(id, name, site, amount, stage, created, closed string) acctmap.RecordInput {
		return acctmap.RecordInput{ID: id, Name: name, Website: site, Fields: map[string]string{
			"Amount": amount, "Stage": stage, "Created": created, "Close": closed}}
	}
	_, err = w.ann.UpsertRecords(ctx, ds.ID, []acctmap.RecordInput{
		deal("D1", "Stripe", "stripe.com", "€1.200,50", "Closed Won", "01.02.2026", "11.02.2026"), // 10 days
		deal("D2", "Stripe", "stripe.com", "€800", "Negotiation", "01.03.2026", "01.06.2026"),
		deal("D3", "Notion", "notion.so", "1.000 USD", "Closed Won", "01.01.2026", "31.01.2026"), // 30 days
		deal("D4", "Figma", "figma.com", "€300", "Closed Lost", "01.01.2026", "05.01.2026"),
		deal("D5", "Linear", "linear.app", "€2.000", "Closed Won", "01.01.2026", "21.01.2026"), // 20 days
		deal("D6", "Linear", "linear.app", "not a number", "Prospecting", "", ""),
	})
	wantErr(t, "UpsertRecords", err, nil)
	de := fieldtype.DE
	wantErr(t, "SetOpportunityFields", w.ann.SetOpportunityFields(ctx, ds.ID, acctmap.OpportunityFields{
		Amount: "Amount", AmountType: fieldtype.Type{Kind: fieldtype.Money, Locale: de},
		Stage: "Stage", Created: "Created", CloseDate: "Close", DateType: fieldtype.Type{Kind: fieldtype.Date, Locale: de},
		WonStages: []string{"closed won"}, LostStages: []string{"Closed Lost"}}), nil)
	return w, ds.ID
}

func TestSetOpportunityFieldsChecksTheMapping(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, ds := dealNet(t)
	for _, c := range []struct {
		name string
		f    acctmap.OpportunityFields
		want error
	}{
		{"no amount", acctmap.OpportunityFields{Stage: "Stage"}, acctmap.ErrInvalidInput},
		{"unknown field", acctmap.OpportunityFields{Amount: "Amount", Stage: "Phase"}, acctmap.ErrInvalidInput},
		{"amount not money", acctmap.OpportunityFields{Amount: "Amount", AmountType: fieldtype.Type{Kind: fieldtype.Date}}, acctmap.ErrInvalidInput},
		{"stages without a stage field", acctmap.OpportunityFields{Amount: "Amount", WonStages: []string{"Won"}}, acctmap.ErrInvalidInput},
		{"bad currency", acctmap.OpportunityFields{Amount: "Amount", AmountType: fieldtype.Type{Kind: fieldtype.Money, Currency: "eur"}}, acctmap.ErrInvalidInput},
		{"fields in another case", acctmap.OpportunityFields{Amount: "amount", Stage: "STAGE"}, nil},
	} {
		err := w.ann.SetOpportunityFields(ctx, ds, c.f)
		wantErr(t, c.name, err, c.want)
	}
	got, err := w.ann.OpportunityFieldsOf(ctx, ds)
	wantErr(t, "OpportunityFieldsOf", err, nil)
	if got.Amount != "Amount" || got.Stage != "Stage" || got.AmountType != (fieldtype.Type{}) {
		t.Errorf("the mapping as saved: %+v", got)
	}
	_, err = w.bob.OpportunityFieldsOf(ctx, ds)
	wantErr(t, "another org's mapping", err, acctmap.ErrNotFound)
	wantErr(t, "DeleteDataSource", w.ann.DeleteDataSource(ctx, ds), nil)
	_, err = w.ann.OpportunityFieldsOf(ctx, ds)
	wantErr(t, "the mapping of a deleted data source", err, acctmap.ErrNotFound)
}

// TestDealsReadWithDeclaredTypes: a mapping without types reads its
// fields with the types the data source declares, in its locale; a
// field declared of another kind is refused.
func TestDealsReadWithDeclaredTypes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newThreadNet(t)
	ds, err := w.ann.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Deals", Kind: acctmap.PushedSource})
	wantErr(t, "CreateDataSource", err, nil)
	_, err = w.ann.UpsertRecords(ctx, ds.ID, []acctmap.RecordInput{
		{ID: "D1", Name: "Stripe", Website: "stripe.com", Fields: map[string]string{"Amount": "$1,200.50", "Won": "yes", "Opened": "1/2/2026", "Closed": "1/12/2026"}},
		{ID: "D2", Name: "Figma", Website: "figma.com", Fields: map[string]string{"Amount": "300", "Won": "no", "Opened": "1/2/2026", "Closed": ""}},
	})
	wantErr(t, "UpsertRecords", err, nil)
	_, err = w.ann.SetFieldTypes(ctx, ds.ID, fieldtype.US, map[string]fieldtype.Type{
		"Amount": {Kind: fieldtype.Money}, "Won": {Kind: fieldtype.Boolean}, "Opened": {Kind: fieldtype.Date}, "Closed": {Kind: fieldtype.Date}})
	wantErr(t, "SetFieldTypes", err, nil)
	err = w.ann.SetOpportunityFields(ctx, ds.ID, acctmap.OpportunityFields{Amount: "Won"})
	wantErr(t, "an amount field declared boolean", err, acctmap.ErrInvalidInput)
	wantErr(t, "SetOpportunityFields", w.ann.SetOpportunityFields(ctx, ds.ID, acctmap.OpportunityFields{
		Amount: "Amount", Won: "Won", Created: "Opened", CloseDate: "Closed"}), nil)
	rep, err := w.ann.AttributionReport(ctx, acctmap.AttributionSpec{})
	wantErr(t, "AttributionReport", err, nil)
	want := acctmap.DealStats{Deals: 2, Open: 1, Won: 1, Pipeline: map[string]float64{"USD": 300},
		WonRevenue: map[string]float64{"USD": 1200.5}, MedianDaysToClose: 10, ClosedWithDates: 1}
	if d := cmp.Diff(want, rep.All); d != "" {
		t.Errorf("all deals (-want +got):\n%s", d)
	}
}

func TestAttributionReport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, ds := dealNet(t)
	th := w.start(t, w.amy)
	ref := func(id string) acctmap.RecordRef { return acctmap.RecordRef{DataSourceID: ds, RecordID: id} }
	at, err := w.amy.Attribute(ctx, acctmap.Attribution{Opportunity: ref("D1"), Partner: "bolt", Kind: acctmap.Sourced, ThreadID: th.ID})
	wantErr(t, "Attribute D1", err, nil)
	// The evidence: bolt's populations the account was in, as acme saw them.
	if d := cmp.Diff([]acctmap.PopulationRef{{ID: w.pops["bolt/Customer"].ID, Name: "Customers"}}, at.Evidence); d != "" {
		t.Errorf("evidence (-want +got):\n%s", d)
	}
	for _, c := range []struct {
		id   string
		kind acctmap.AttributionKind
	}{{"D2", acctmap.Sourced}, {"D3", acctmap.Influenced}, {"D4", acctmap.Influenced}} {
		_, err := w.amy.Attribute(ctx, acctmap.Attribution{Opportunity: ref(c.id), Partner: "bolt", Kind: c.kind})
		wantErr(t, "Attribute "+c.id, err, nil)
	}
	// Attributing again to the same partner replaces.
	again, err := w.amy.Attribute(ctx, acctmap.Attribution{Opportunity: ref("D4"), Partner: "bolt", Kind: acctmap.Influenced, Note: "QBR"})
	wantErr(t, "Attribute D4 again", err, nil)
	for _, c := range []struct {
		name string
		at   acctmap.Attribution
		want error
	}{
		{"a kind", acctmap.Attribution{Opportunity: ref("D5"), Partner: "bolt", Kind: "resold"}, acctmap.ErrInvalidInput},
		{"no deal", acctmap.Attribution{Opportunity: ref("D9"), Partner: "bolt", Kind: acctmap.Sourced}, acctmap.ErrNotFound},
		{"not an opportunity source", acctmap.Attribution{Opportunity: acctmap.RecordRef{DataSourceID: w.ds["acme"], RecordID: "A1"}, Partner: "bolt", Kind: acctmap.Sourced}, acctmap.ErrNotFound},
		{"a stranger", acctmap.Attribution{Opportunity: ref("D5"), Partner: "cirrus", Kind: acctmap.Sourced}, acctmap.ErrNotPartners},
		{"a thread it cannot see", acctmap.Attribution{Opportunity: ref("D5"), Partner: "bolt", Kind: acctmap.Sourced, ThreadID: "thr_x"}, acctmap.ErrNotFound},
	} {
		_, err := w.amy.Attribute(ctx, c.at)
		wantErr(t, c.name, err, c.want)
	}
	_, err = w.reader.Attribute(ctx, acctmap.Attribution{Opportunity: ref("D5"), Partner: "bolt", Kind: acctmap.Sourced})
	wantErr(t, "a read-only user attributes", err, acctmap.ErrPermissionDenied)
	ats, err := w.reader.Attributions(ctx)
	wantErr(t, "Attributions", err, nil)
	if len(ats) != 4 || !slicesContainsID(ats, again.ID) {
		t.Errorf("attributions: %+v", ats)
	}
	if theirs, err := w.bob.Attributions(ctx); err != nil || len(theirs) != 0 {
		t.Errorf("bolt's attributions: %v, %v; want none: attributions are acme's own", theirs, err)
	}

	rep, err := w.reader.AttributionReport(ctx, acctmap.AttributionSpec{})
	wantErr(t, "AttributionReport", err, nil)
	want := acctmap.AttributionReport{
		Partners: []acctmap.PartnerAttribution{{Partner: "bolt",
			Sourced: acctmap.DealStats{Deals: 2, Open: 1, Won: 1, Pipeline: map[string]float64{"EUR": 800},
				WonRevenue: map[string]float64{"EUR": 1200.5}, MedianDaysToClose: 10, ClosedWithDates: 1},
			Influenced: acctmap.DealStats{Deals: 2, Won: 1, Lost: 1, Pipeline: map[string]float64{},
				WonRevenue: map[string]float64{"USD": 1000}, MedianDaysToClose: 30, ClosedWithDates: 1},
		}},
		Unattributed: acctmap.DealStats{Deals: 2, Open: 1, Won: 1, Pipeline: map[string]float64{},
			WonRevenue: map[string]float64{"EUR": 2000}, MedianDaysToClose: 20, ClosedWithDates: 1},
		All: acctmap.DealStats{Deals: 6, Open: 2, Won: 3, Lost: 1, Pipeline: map[string]float64{"EUR": 800},
			WonRevenue: map[string]float64{"EUR": 3200.5, "USD": 1000}, MedianDaysToClose: 20, ClosedWithDates: 3},
	}
	if d := cmp.Diff(want, rep); d != "" {
		t.Errorf("report (-want +got):\n%s", d)
	}
	var csv bytes.Buffer
	wantErr(t, "ExportAttributionReport", w.reader.ExportAttributionReport(ctx, acctmap.AttributionSpec{DataSources: []string{ds}}, &csv), nil)
	wantCSV := `partner,attribution,currency,deals,open,won,lost,pipeline,won_revenue,median_days_to_close
bolt,sourced,EUR,2,1,1,0,800,1200.5,10
bolt,influenced,USD,2,0,1,1,0,1000,30
,none,EUR,2,1,1,0,0,2000,20
,all,EUR,6,2,3,1,800,3200.5,20
,all,USD,6,2,3,1,0,1000,20
`
	if d := cmp.Diff(wantCSV, csv.String()); d != "" {
		t.Errorf("CSV (-want +got):\n%s", d)
	}
	_, err = w.ann.AttributionReport(ctx, acctmap.AttributionSpec{DataSources: []string{w.ds["acme"]}})
	wantErr(t, "a report of a data source without deals", err, acctmap.ErrNotFound)

	wantErr(t, "RemoveAttribution", w.amy.RemoveAttribution(ctx, again.ID), nil)
	wantErr(t, "RemoveAttribution again", w.amy.RemoveAttribution(ctx, again.ID), acctmap.ErrNotFound)
}

func slicesContainsID(ats []acctmap.Attribution, id string) bool {
	for _, a := range ats {
		if a.ID == id {
			return true
		}
	}
	return false
}

// TestAttributionCSVIsNeutralized: a partner id or a value that starts
// like a formula is defused, as in ExportReport.
func TestAttributionCSVIsNeutralized(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, ds := dealNet(t)
	if _, err := w.net.CreateOrg(ctx, acctmap.Org{ID: "=HYPERLINK(1)", Name: "evil"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.net.AddUser(ctx, acctmap.User{ID: "evil-admin", OrgID: "=HYPERLINK(1)", Name: "x", Role: acctmap.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	partner(t, w.ann, w.net.As("evil-admin"), "=HYPERLINK(1)", "acme")
	_, err := w.amy.Attribute(ctx, acctmap.Attribution{Opportunity: acctmap.RecordRef{DataSourceID: ds, RecordID: "D5"}, Partner: "=HYPERLINK(1)", Kind: acctmap.Sourced})
	wantErr(t, "Attribute", err, nil)
	var csv bytes.Buffer
	wantErr(t, "ExportAttributionReport", w.ann.ExportAttributionReport(ctx, acctmap.AttributionSpec{}, &csv), nil)
	if !bytes.Contains(csv.Bytes(), []byte("\n'=HYPERLINK(1),sourced")) {
		t.Errorf("the partner id is not neutralized:\n%s", csv.String())
	}
}
