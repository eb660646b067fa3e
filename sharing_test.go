package acctmap_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acctmap/acctmap"
)

// mapped is a world where orgs a and b are partners with CRM data and
// Customers/Prospects populations on both sides.
type mapped struct {
	*world
	dsA, dsB                   acctmap.DataSource
	custA, prosA, custB, prosB acctmap.Population
}

func newMapped(t *testing.T) *mapped {
	t.Helper()
	ctx := context.Background()
	m := &mapped{world: newWorld(t)}
	partner(t, m.adminA, m.adminB, "org-b", "org-a")
	var err error
	m.dsA, err = m.adminA.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})
	wantErr(t, "ds a", err, nil)
	m.dsB, err = m.adminB.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})
	wantErr(t, "ds b", err, nil)
	f := func(k, v string) map[string]string {
		return map[string]string{"Stage": k, "Owner": v, "Secret": "s3cret-" + v}
	}
	_, err = m.adminA.UpsertRecords(ctx, m.dsA.ID, []acctmap.RecordInput{
		{ID: "a1", Name: "Stripe", Website: "https://stripe.com", Fields: f("Customer", "Dana")},
		{ID: "a2", Name: "Notion Labs", Website: "notion.so", Fields: f("Customer", "Dana")},
		{ID: "a3", Name: "Shopify", Website: "shopify.com", Fields: f("Prospect", "Lee")},
		{ID: "a4", Name: "Figma", Website: "figma.com", Fields: f("Prospect", "Lee")},
		{ID: "a5", Name: "Stripe Inc", Website: "stripe.com/payments", Fields: f("Customer", "Sam")}, // same account as a1: the names agree
	})
	wantErr(t, "records a", err, nil)
	_, err = m.adminB.UpsertRecords(ctx, m.dsB.ID, []acctmap.RecordInput{
		{ID: "b1", Name: "Stripe, Inc.", Website: "www.stripe.com", Fields: map[string]string{"Stage": "Customer", "Region": "NA", "Secret": "bolt-secret-1"}},
		{ID: "b2", Name: "Notion", Website: "https://www.notion.so/product", Fields: map[string]string{"Stage": "Prospect", "Region": "EU", "Secret": "bolt-secret-2"}},
		{ID: "b3", Name: "Figma", Website: "figma.com", Fields: map[string]string{"Stage": "Customer", "Region": "=HYPERLINK(\"http://evil\")", "Secret": "bolt-secret-3"}},
		{ID: "b4", Name: "Airtable", Website: "airtable.com", Fields: map[string]string{"Stage": "Customer", "Region": "NA", "Secret": "bolt-secret-4"}},
	})
	wantErr(t, "records b", err, nil)
	pop := func(a *acctmap.Actor, ds string, kind acctmap.PopulationKind, stage string) acctmap.Population {
		t.Helper()
		p, err := a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds, Kind: kind,
			Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Stage", Op: acctmap.Equals, Value: stage}}}})
		wantErr(t, "population", err, nil)
		return p
	}
	m.custA, m.prosA = pop(m.adminA, m.dsA.ID, acctmap.Customers, "Customer"), pop(m.adminA, m.dsA.ID, acctmap.Prospects, "Prospect")
	m.custB, m.prosB = pop(m.adminB, m.dsB.ID, acctmap.Customers, "Customer"), pop(m.adminB, m.dsB.ID, acctmap.Prospects, "Prospect")
	return m
}

func names(infos []acctmap.PopulationInfo) []string {
	var out []string
	for _, i := range infos {
		out = append(out, i.Name)
	}
	return out
}

func TestMatrixCountsAccountsSymmetrically(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newMapped(t)
	fromA, err := m.readerA.Matrix(ctx, "org-b")
	wantErr(t, "matrix a", err, nil)
	fromB, err := m.adminB.Matrix(ctx, "org-a")
	wantErr(t, "matrix b", err, nil)
	if diff := cmp.Diff([]string{"Customers", "Prospects"}, names(fromA.Rows)); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	// Customers×Customers: Stripe (two records on a's side, one account);
	// Customers×Prospects: Notion; Prospects×Customers: Figma.
	want := [][]int64{{1, 1}, {1, 0}}
	if diff := cmp.Diff(want, fromA.Counts); diff != "" {
		t.Errorf("a's counts (-want +got):\n%s", diff)
	}
	for i := range fromA.Counts {
		for j := range fromA.Counts[i] {
			if fromA.Counts[i][j] != fromB.Counts[j][i] {
				t.Errorf("a sees %d for (%s, %s), b sees %d", fromA.Counts[i][j], fromA.Rows[i].Name, fromA.Cols[j].Name, fromB.Counts[j][i])
			}
		}
	}

	// Private records: a still sees its match on Figma, marked hidden from
	// its partner; b no longer sees it.
	n, err := m.adminA.SetPrivate(ctx, m.dsA.ID, []string{"a4"}, true)
	wantErr(t, "SetPrivate", err, nil)
	if n != 1 {
		t.Errorf("SetPrivate changed %d records, want 1", n)
	}
	fromA, _ = m.adminA.Matrix(ctx, "org-b")
	fromB, _ = m.adminB.Matrix(ctx, "org-a")
	if fromA.Counts[1][0] != 1 || fromA.HiddenFromPartner[1][0] != 1 || fromB.Counts[0][1] != 0 {
		t.Errorf("after a4 is private: a sees %d (%d hidden), b sees %d; want 1 (1 hidden) and 0",
			fromA.Counts[1][0], fromA.HiddenFromPartner[1][0], fromB.Counts[0][1])
	}
	// The mark survives a sync of the record.
	_, err = m.adminA.UpsertRecords(ctx, m.dsA.ID, []acctmap.RecordInput{{ID: "a4", Name: "Figma", Website: "figma.com", Fields: map[string]string{"Stage": "Prospect"}}})
	wantErr(t, "resync", err, nil)
	if r, _ := m.adminA.Record(ctx, m.dsA.ID, "a4"); !r.Private {
		t.Errorf("private mark lost on sync")
	}
	_, err = m.adminA.SetPrivate(ctx, m.dsA.ID, []string{"nope"}, true)
	wantErr(t, "SetPrivate unknown", err, acctmap.ErrNotFound)
	_, err = m.readerA.SetPrivate(ctx, m.dsA.ID, []string{"a1"}, true)
	wantErr(t, "SetPrivate reader", err, acctmap.ErrPermissionDenied)

	// Ecosystem: one matrix per partner.
	eco, err := m.adminA.Ecosystem(ctx)
	wantErr(t, "ecosystem", err, nil)
	if len(eco) != 1 || eco[0].Partner != "org-b" || eco[0].Counts[0][0] != 1 {
		t.Errorf("ecosystem = %+v, want org-b's matrix", eco)
	}
}

func TestMatrixVisibility(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newMapped(t)
	cols := func(a *acctmap.Actor, partner string) []string {
		t.Helper()
		mx, err := a.Matrix(ctx, partner)
		wantErr(t, "matrix", err, nil)
		return names(mx.Cols)
	}
	// The org-wide default hides b's prospects from everyone; a per-partner
	// rule shows them to a again.
	wantErr(t, "hide default", m.adminB.SetShareRule(ctx, m.prosB.ID, "", acctmap.ShareRule{Level: acctmap.Hidden}), nil)
	if diff := cmp.Diff([]string{"Customers"}, cols(m.adminA, "org-b")); diff != "" {
		t.Errorf("hidden by default (-want +got):\n%s", diff)
	}
	wantErr(t, "show to a", m.adminB.SetShareRule(ctx, m.prosB.ID, "org-a", acctmap.ShareRule{Level: acctmap.CountsOnly}), nil)
	if diff := cmp.Diff([]string{"Customers", "Prospects"}, cols(m.adminA, "org-b")); diff != "" {
		t.Errorf("shown to a (-want +got):\n%s", diff)
	}
	wantErr(t, "remove a's rule", m.adminB.RemoveShareRule(ctx, m.prosB.ID, "org-a"), nil)
	if diff := cmp.Diff([]string{"Customers"}, cols(m.adminA, "org-b")); diff != "" {
		t.Errorf("after removing a's rule (-want +got):\n%s", diff)
	}
	pops, err := m.adminA.PartnerPopulations(ctx, "org-b")
	wantErr(t, "PartnerPopulations", err, nil)
	if diff := cmp.Diff([]acctmap.PopulationInfo{{ID: m.custB.ID, OrgID: "org-b", Name: "Customers", Kind: acctmap.Customers, Level: acctmap.CountsOnly}}, pops); diff != "" {
		t.Errorf("PartnerPopulations (-want +got):\n%s", diff)
	}

	// Strangers, the org itself, and revoked partners see nothing.
	_, err = m.adminC.Matrix(ctx, "org-a")
	wantErr(t, "stranger", err, acctmap.ErrNotPartners)
	_, err = m.adminA.Matrix(ctx, "org-a")
	wantErr(t, "self", err, acctmap.ErrInvalidInput)
	_, err = m.adminC.PartnerPopulations(ctx, "org-a")
	wantErr(t, "stranger populations", err, acctmap.ErrNotPartners)
	_, err = m.adminA.Revoke(ctx, "org-b")
	wantErr(t, "revoke", err, nil)
	for _, a := range []*acctmap.Actor{m.adminA, m.adminB} {
		_, err = a.Matrix(ctx, map[*acctmap.Actor]string{m.adminA: "org-b", m.adminB: "org-a"}[a])
		wantErr(t, "revoked", err, acctmap.ErrNotPartners)
	}
	eco, err := m.adminA.Ecosystem(ctx)
	wantErr(t, "ecosystem", err, nil)
	if len(eco) != 0 {
		t.Errorf("ecosystem after revoke = %v, want none", eco)
	}

	// Offline partners: the owner sees all of their populations and data.
	off, err := m.adminA.CreateOfflinePartner(ctx, "Reseller")
	wantErr(t, "offline", err, nil)
	ds, err := m.adminA.CreateDataSource(ctx, acctmap.NewDataSource{OrgID: off.ID, Name: "Their list"})
	wantErr(t, "offline ds", err, nil)
	_, err = m.adminA.ImportCSV(ctx, ds.ID, stringsReader("Company,Website,Rep\nStripe,stripe.com,Kim\nAcme,acme.test,Lou\n"), acctmap.CSVImport{Mapping: nameWebsite})
	wantErr(t, "offline import", err, nil)
	offPop, err := m.adminA.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Customers})
	wantErr(t, "offline pop", err, nil)
	err = m.adminA.SetShareRule(ctx, offPop.ID, "", acctmap.ShareRule{Level: acctmap.Hidden})
	wantErr(t, "share offline data", err, acctmap.ErrInvalidInput)
	mx, err := m.readerA.Matrix(ctx, off.ID)
	wantErr(t, "offline matrix", err, nil)
	if diff := cmp.Diff([][]int64{{1}, {0}}, mx.Counts); diff != "" {
		t.Errorf("offline matrix (-want +got):\n%s", diff)
	}
	rep, err := m.readerA.Report(ctx, acctmap.ReportSpec{Partner: off.ID, Population: m.custA.ID, PartnerPopulation: offPop.ID,
		Columns: []string{"my.id", "partner.name", "partner.Rep"}})
	wantErr(t, "offline report", err, nil)
	if len(rep.Rows) != 1 || !cmp.Equal(rep.Rows[0].Values, []string{"a1", "Stripe", "Kim"}) {
		t.Errorf("offline report rows = %+v", rep.Rows)
	}
	_, err = m.adminB.Matrix(ctx, off.ID)
	wantErr(t, "another org's offline partner", err, acctmap.ErrNotPartners)
}

func TestReportSharesOnlyChosenFields(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newMapped(t)
	spec := acctmap.ReportSpec{Partner: "org-b", Population: m.custA.ID, PartnerPopulation: m.custB.ID}
	_, err := m.adminA.Report(ctx, spec)
	wantErr(t, "counts only by default", err, acctmap.ErrNotShared)

	wantErr(t, "share Region", m.adminB.SetShareRule(ctx, m.custB.ID, "org-a", acctmap.ShareRule{Level: acctmap.OverlappingRecords, Fields: []string{"region"}}), nil)
	rep, err := m.readerA.Report(ctx, spec)
	wantErr(t, "report", err, nil)
	wantCols := []string{"my.id", "my.name", "my.website", "my.Owner", "my.Secret", "my.Stage", "my.private", "partner.Region", "match.on", "match.key", "match.confidence", "match.explanation"}
	if diff := cmp.Diff(wantCols, rep.Columns); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
	if len(rep.Rows) != 1 {
		t.Fatalf("rows = %+v, want the one Stripe account", rep.Rows)
	}
	r := rep.Rows[0]
	// b shares Region, not its names: the row's confidence and explanation
	// say nothing of how b's name compares (issue 11, class 4).
	why := "same domain stripe.com; the partner does not share its names"
	if diff := cmp.Diff([]string{"a1", "Stripe", "https://stripe.com", "Dana", "s3cret-Dana", "Customer", "false", "NA", "domain", "stripe.com", "70", why}, r.Values); diff != "" {
		t.Errorf("row (-want +got):\n%s", diff)
	}
	if r.PartnerRecordID != "" || r.MatchedOn != "domain" || r.Key != "stripe.com" || r.Confidence != acctmap.ConfidenceDomain || r.Explanation != why {
		t.Errorf("row = %+v: partner id must stay hidden unless shared; want a domain match on stripe.com at 70 (names not shared)", r)
	}
	for _, c := range []string{"partner.name", "partner.website", "partner.Secret"} {
		_, err := m.adminA.Report(ctx, acctmap.ReportSpec{Partner: "org-b", Population: m.custA.ID, PartnerPopulation: m.custB.ID, Columns: []string{c}})
		wantErr(t, "unshared column "+c, err, acctmap.ErrInvalidInput)
	}

	// A preset; changing it changes what is shared on the next call.
	wantErr(t, "preset", m.adminB.SaveFieldPreset(ctx, "basics", []string{"name", "website"}), nil)
	wantErr(t, "rule with preset", m.adminB.SetShareRule(ctx, m.custB.ID, "org-a", acctmap.ShareRule{Level: acctmap.OverlappingRecords, Preset: "basics"}), nil)
	rep, err = m.adminA.Report(ctx, acctmap.ReportSpec{Partner: "org-b", Population: m.custA.ID, PartnerPopulation: m.custB.ID, Columns: []string{"partner.name", "partner.website"}})
	wantErr(t, "report with preset", err, nil)
	if diff := cmp.Diff([]string{"Stripe, Inc.", "www.stripe.com"}, rep.Rows[0].Values); diff != "" {
		t.Errorf("preset fields (-want +got):\n%s", diff)
	}
	wantErr(t, "narrow preset", m.adminB.SaveFieldPreset(ctx, "basics", []string{"name"}), nil)
	_, err = m.adminA.Report(ctx, acctmap.ReportSpec{Partner: "org-b", Population: m.custA.ID, PartnerPopulation: m.custB.ID, Columns: []string{"partner.website"}})
	wantErr(t, "website after the preset narrowed", err, acctmap.ErrInvalidInput)
	wantErr(t, "delete used preset", m.adminB.DeleteFieldPreset(ctx, "basics"), acctmap.ErrConflict)
	presets, err := m.adminB.FieldPresets(ctx)
	wantErr(t, "list presets", err, nil)
	if diff := cmp.Diff([]acctmap.FieldPreset{{Name: "basics", Fields: []string{"name"}}}, presets); diff != "" {
		t.Errorf("presets (-want +got):\n%s", diff)
	}

	// Rule validation.
	for _, tc := range []struct {
		name string
		rule acctmap.ShareRule
		want error
	}{
		{"unknown field", acctmap.ShareRule{Level: acctmap.OverlappingRecords, Fields: []string{"Nope"}}, acctmap.ErrInvalidInput},
		{"fields at counts", acctmap.ShareRule{Level: acctmap.CountsOnly, Fields: []string{"Region"}}, acctmap.ErrInvalidInput},
		{"unknown level", acctmap.ShareRule{Level: "everything"}, acctmap.ErrInvalidInput},
		{"unknown preset", acctmap.ShareRule{Level: acctmap.FullPopulation, Preset: "nope"}, acctmap.ErrNotFound},
		{"preset and fields", acctmap.ShareRule{Level: acctmap.FullPopulation, Preset: "basics", Fields: []string{"name"}}, acctmap.ErrInvalidInput},
	} {
		wantErr(t, tc.name, m.adminB.SetShareRule(ctx, m.custB.ID, "org-a", tc.rule), tc.want)
	}
	wantErr(t, "reader sets rule", m.readerA.SetShareRule(ctx, m.custA.ID, "", acctmap.ShareRule{Level: acctmap.Hidden}), acctmap.ErrPermissionDenied)
	wantErr(t, "data manager sets rule", m.pmData.SetShareRule(ctx, m.custA.ID, "", acctmap.ShareRule{Level: acctmap.Hidden}), acctmap.ErrPermissionDenied)
	wantErr(t, "sharing manager sets rule", m.pmSharing.SetShareRule(ctx, m.custA.ID, "", acctmap.ShareRule{Level: acctmap.CountsOnly}), nil)
	wantErr(t, "partner sets my rule", m.adminB.SetShareRule(ctx, m.custA.ID, "", acctmap.ShareRule{Level: acctmap.Hidden}), acctmap.ErrNotFound)
	// A rule may name any org id: checking that it exists would tell the caller.
	wantErr(t, "rule for unknown partner", m.adminA.SetShareRule(ctx, m.custA.ID, "org-zz", acctmap.ShareRule{Level: acctmap.Hidden}), nil)

	// Back to counts only: the very next report is refused.
	wantErr(t, "counts", m.adminB.SetShareRule(ctx, m.custB.ID, "org-a", acctmap.ShareRule{Level: acctmap.CountsOnly}), nil)
	_, err = m.adminA.Report(ctx, spec)
	wantErr(t, "counts again", err, acctmap.ErrNotShared)

	// Revoking drops the per-partner rules: a new partnership starts at counts.
	wantErr(t, "full", m.adminB.SetShareRule(ctx, m.custB.ID, "org-a", acctmap.ShareRule{Level: acctmap.FullPopulation, Fields: []string{"name"}}), nil)
	_, err = m.adminB.Revoke(ctx, "org-a")
	wantErr(t, "revoke", err, nil)
	_, err = m.adminA.Report(ctx, spec)
	wantErr(t, "report after revoke", err, acctmap.ErrNotPartners)
	partner(t, m.adminA, m.adminB, "org-b", "org-a")
	_, err = m.adminA.Report(ctx, spec)
	wantErr(t, "report after re-partnering", err, acctmap.ErrNotShared)
}

func TestReportShapingAndExport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newMapped(t)
	// b shares everything about its customers with name, region.
	wantErr(t, "share", m.adminB.SetShareRule(ctx, m.custB.ID, "", acctmap.ShareRule{Level: acctmap.FullPopulation, Fields: []string{"name", "Region", "id"}}), nil)
	// Make a's customers and b's customers overlap on two accounts.
	_, err := m.adminA.UpsertRecords(ctx, m.dsA.ID, []acctmap.RecordInput{{ID: "a6", Name: "Figma", Website: "figma.com", Fields: map[string]string{"Stage": "Customer", "Owner": "Ann"}},
		{ID: "a7", Name: "Airtable", Website: "airtable.com", Fields: map[string]string{"Stage": "Customer", "Owner": "Zed"}}})
	wantErr(t, "upsert", err, nil)
	base := acctmap.ReportSpec{Partner: "org-b", Population: m.custA.ID, PartnerPopulation: m.custB.ID,
		Columns: []string{"my.id", "my.Owner", "partner.Region", "partner.id"}}
	rep, err := m.adminA.Report(ctx, base)
	wantErr(t, "report", err, nil)
	ids := func(rep acctmap.Report) []string {
		var out []string
		for _, r := range rep.Rows {
			out = append(out, r.Values[0])
		}
		return out
	}
	if diff := cmp.Diff([]string{"a1", "a6", "a7"}, ids(rep)); diff != "" {
		t.Errorf("rows by record id (-want +got):\n%s", diff)
	}
	if rep.Rows[0].PartnerRecordID != "b1" {
		t.Errorf("partner record id = %q, want b1 (the partner shares its id field)", rep.Rows[0].PartnerRecordID)
	}
	spec := base
	spec.Sort = []acctmap.SortKey{{Column: "my.owner", Desc: true}}
	spec.Filter = acctmap.Filter{All: []acctmap.Condition{{Field: "partner.region", Op: acctmap.NotEquals, Value: "EU"}}}
	spec.Offset, spec.Limit = 1, 1
	rep, err = m.adminA.Report(ctx, spec)
	wantErr(t, "shaped report", err, nil)
	if rep.Total != 3 || !cmp.Equal(ids(rep), []string{"a1"}) {
		t.Errorf("shaped report: total %d rows %v; want 3 and [a1] (Zed, Dana, Ann; page 2 of 1)", rep.Total, ids(rep))
	}
	for _, bad := range []acctmap.ReportSpec{
		{Partner: "org-b", Population: m.custA.ID, PartnerPopulation: m.custB.ID, Sort: []acctmap.SortKey{{Column: "nope"}}},
		{Partner: "org-b", Population: m.custA.ID, PartnerPopulation: m.custB.ID, Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "nope", Op: acctmap.IsEmpty}}}},
		{Partner: "org-b", Population: m.custA.ID, PartnerPopulation: m.custB.ID, Limit: -1},
	} {
		_, err := m.adminA.Report(ctx, bad)
		wantErr(t, "bad spec", err, acctmap.ErrInvalidInput)
	}
	_, err = m.adminA.Report(ctx, acctmap.ReportSpec{Partner: "org-b", Population: m.custB.ID, PartnerPopulation: m.custB.ID})
	wantErr(t, "someone else's population as mine", err, acctmap.ErrNotFound)
	_, err = m.adminA.Report(ctx, acctmap.ReportSpec{Partner: "org-b", Population: m.custA.ID, PartnerPopulation: m.custA.ID})
	wantErr(t, "my population as the partner's", err, acctmap.ErrNotFound)

	// Export: CSV with formula injection neutralized, counted against the limit.
	var buf bytes.Buffer
	n, err := m.adminA.ExportReport(ctx, base, &buf)
	wantErr(t, "export", err, nil)
	want := "my.id,my.Owner,partner.Region,partner.id\na1,Dana,NA,b1\na6,Ann,\"'=HYPERLINK(\"\"http://evil\"\")\",b3\na7,Zed,NA,b4\n"
	if n != 3 || buf.String() != want {
		t.Errorf("export wrote %d rows:\n%s\nwant 3:\n%s", n, buf.String(), want)
	}
	wantErr(t, "limit", m.net.SetLimits(ctx, "org-a", acctmap.Limits{MaxExportedRecords: 5}), nil)
	buf.Reset()
	_, err = m.adminA.ExportReport(ctx, base, &buf)
	wantErr(t, "export over the limit", err, acctmap.ErrLimitExceeded)
	if buf.Len() != 0 {
		t.Errorf("an export over the limit wrote %q", buf.String())
	}
	org, _ := m.net.Org(ctx, "org-a")
	if org.ExportedRecords != 3 {
		t.Errorf("exported records = %d, want 3", org.ExportedRecords)
	}

	// The full population, with what b shares.
	all, err := m.adminA.PartnerRecords(ctx, acctmap.ReportSpec{Partner: "org-b", PartnerPopulation: m.custB.ID, Sort: []acctmap.SortKey{{Column: "partner.name"}}})
	wantErr(t, "partner records", err, nil)
	if diff := cmp.Diff([]string{"partner.name", "partner.Region", "partner.id"}, all.Columns); diff != "" {
		t.Errorf("partner record columns (-want +got):\n%s", diff)
	}
	var got []string
	for _, r := range all.Rows {
		got = append(got, r.Values[0])
	}
	if diff := cmp.Diff([]string{"Airtable", "Figma", "Stripe, Inc."}, got); diff != "" {
		t.Errorf("partner records (-want +got):\n%s", diff)
	}
	_, err = m.adminA.PartnerRecords(ctx, acctmap.ReportSpec{Partner: "org-b", PartnerPopulation: m.prosB.ID})
	wantErr(t, "counts-only population", err, acctmap.ErrNotShared)

	// The multi-partner report: which partners have each of my customers.
	accts, err := m.adminA.AccountMapping(ctx, m.custA.ID)
	wantErr(t, "account mapping", err, nil)
	wantAccts := []acctmap.AccountPartners{
		{RecordIDs: []string{"a1", "a5"}, Name: "Stripe", Website: "https://stripe.com", Partners: []acctmap.PartnerHit{{Partner: "org-b", Populations: []string{"Customers"}}}},
		{RecordIDs: []string{"a6"}, Name: "Figma", Website: "figma.com", Partners: []acctmap.PartnerHit{{Partner: "org-b", Populations: []string{"Customers"}}}},
		{RecordIDs: []string{"a7"}, Name: "Airtable", Website: "airtable.com", Partners: []acctmap.PartnerHit{{Partner: "org-b", Populations: []string{"Customers"}}}},
	}
	if diff := cmp.Diff(wantAccts, accts); diff != "" {
		t.Errorf("account mapping (-want +got):\n%s", diff)
	}
	// Notion is in b's counts-only prospects: never revealed.
	for _, acc := range accts {
		if strings.Contains(acc.Name, "Notion") {
			t.Errorf("account mapping reveals Notion, which b shares as counts only")
		}
	}
}

func TestShareRequests(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newMapped(t)
	req, err := m.pmSharing.RequestShare(ctx, "org-b", m.custB.ID, acctmap.OverlappingRecords, []string{"name", "Region"}, "for co-selling")
	wantErr(t, "request", err, nil)
	for _, a := range []*acctmap.Actor{m.readerA, m.adminB} {
		partnerOf := map[*acctmap.Actor]string{m.readerA: "org-b", m.adminB: "org-a"}[a]
		reqs, err := a.ShareRequests(ctx, partnerOf)
		wantErr(t, "list", err, nil)
		if len(reqs) != 1 || reqs[0].ID != req.ID || reqs[0].Status != acctmap.RequestPending || reqs[0].From != "org-a" {
			t.Errorf("requests = %+v, want the pending request from org-a", reqs)
		}
	}
	_, err = m.adminA.ApproveShareRequest(ctx, "org-b", req.ID)
	wantErr(t, "requester approves", err, acctmap.ErrPermissionDenied)
	got, err := m.adminB.ApproveShareRequest(ctx, "org-a", req.ID)
	wantErr(t, "approve", err, nil)
	if got.Status != acctmap.RequestApproved {
		t.Errorf("status = %s", got.Status)
	}
	_, err = m.adminB.DeclineShareRequest(ctx, "org-a", req.ID)
	wantErr(t, "decide twice", err, acctmap.ErrConflict)
	rep, err := m.adminA.Report(ctx, acctmap.ReportSpec{Partner: "org-b", Population: m.custA.ID, PartnerPopulation: m.custB.ID, Columns: []string{"partner.name", "partner.Region"}})
	wantErr(t, "report after approval", err, nil)
	if len(rep.Rows) != 1 || !cmp.Equal(rep.Rows[0].Values, []string{"Stripe, Inc.", "NA"}) {
		t.Errorf("report rows = %+v", rep.Rows)
	}

	req2, err := m.adminA.RequestShare(ctx, "org-b", m.prosB.ID, acctmap.FullPopulation, []string{"name"}, "")
	wantErr(t, "second request", err, nil)
	_, err = m.adminB.DeclineShareRequest(ctx, "org-a", req2.ID)
	wantErr(t, "decline", err, nil)
	_, err = m.adminA.PartnerRecords(ctx, acctmap.ReportSpec{Partner: "org-b", PartnerPopulation: m.prosB.ID})
	wantErr(t, "declined request shares nothing", err, acctmap.ErrNotShared)

	for _, tc := range []struct {
		name string
		do   func() error
		want error
	}{
		{"counts level", func() error {
			_, err := m.adminA.RequestShare(ctx, "org-b", m.custB.ID, acctmap.CountsOnly, nil, "")
			return err
		}, acctmap.ErrInvalidInput},
		{"unprintable field", func() error {
			_, err := m.adminA.RequestShare(ctx, "org-b", m.custB.ID, acctmap.FullPopulation, []string{"No\x00pe"}, "")
			return err
		}, acctmap.ErrInvalidInput},
		{"hidden population", func() error {
			if err := m.adminB.SetShareRule(ctx, m.prosB.ID, "", acctmap.ShareRule{Level: acctmap.Hidden}); err != nil {
				return err
			}
			_, err := m.adminA.RequestShare(ctx, "org-b", m.prosB.ID, acctmap.FullPopulation, []string{"name"}, "")
			return err
		}, acctmap.ErrNotFound},
		{"stranger", func() error {
			_, err := m.adminC.RequestShare(ctx, "org-b", m.custB.ID, acctmap.FullPopulation, []string{"name"}, "")
			return err
		}, acctmap.ErrNotPartners},
		{"stranger lists", func() error { _, err := m.adminC.ShareRequests(ctx, "org-b"); return err }, acctmap.ErrNotPartners},
		{"reader requests", func() error {
			_, err := m.readerA.RequestShare(ctx, "org-b", m.custB.ID, acctmap.FullPopulation, []string{"name"}, "")
			return err
		}, acctmap.ErrPermissionDenied},
		{"unknown request", func() error { _, err := m.adminB.ApproveShareRequest(ctx, "org-a", "req_nope"); return err }, acctmap.ErrNotFound},
	} {
		wantErr(t, tc.name, tc.do(), tc.want)
	}
}

func TestNotSameCompany(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newMapped(t)
	count := func(a *acctmap.Actor, partner string, i, j int) int64 {
		t.Helper()
		mx, err := a.Matrix(ctx, partner)
		wantErr(t, "matrix", err, nil)
		return mx.Counts[i][j]
	}
	// A record may be marked only once seen with its id: a shares its
	// customers with their ids.
	wantErr(t, "mark before a shares ids", m.adminB.MarkNotSameCompany(ctx, m.dsB.ID, "b2", m.dsA.ID, "a2"), acctmap.ErrNotFound)
	wantErr(t, "share ids", m.adminA.SetShareRule(ctx, m.custA.ID, "org-b", acctmap.ShareRule{Level: acctmap.OverlappingRecords, Fields: []string{"id"}}), nil)
	wantErr(t, "share ids", m.adminB.SetShareRule(ctx, m.prosB.ID, "org-a", acctmap.ShareRule{Level: acctmap.FullPopulation, Fields: []string{"id"}}), nil)
	wantErr(t, "mark a record that does not match", m.adminB.MarkNotSameCompany(ctx, m.dsB.ID, "b2", m.dsA.ID, "a1"), acctmap.ErrNotFound)
	// b says its Notion prospect is not a's Notion customer.
	wantErr(t, "mark", m.adminB.MarkNotSameCompany(ctx, m.dsB.ID, "b2", m.dsA.ID, "a2"), nil)
	wantErr(t, "mark twice", m.adminB.MarkNotSameCompany(ctx, m.dsB.ID, "b2", m.dsA.ID, "a2"), nil)
	if a, b := count(m.adminA, "org-b", 0, 1), count(m.adminB, "org-a", 1, 0); a != 0 || b != 0 {
		t.Errorf("after the mark: a sees %d, b sees %d; want 0 for both", a, b)
	}
	// Either side can undo it.
	wantErr(t, "unmark by a", m.adminA.UnmarkNotSameCompany(ctx, m.dsA.ID, "a2", m.dsB.ID, "b2"), nil)
	if a := count(m.adminA, "org-b", 0, 1); a != 1 {
		t.Errorf("after unmarking: a sees %d, want 1", a)
	}
	wantErr(t, "unmark again", m.adminA.UnmarkNotSameCompany(ctx, m.dsA.ID, "a2", m.dsB.ID, "b2"), acctmap.ErrNotFound)
	wantErr(t, "stranger marks", m.adminC.MarkNotSameCompany(ctx, "ds_x", "1", m.dsA.ID, "a2"), acctmap.ErrNotFound)
	cds, err := m.adminC.CreateDataSource(ctx, acctmap.NewDataSource{Name: "C", Kind: acctmap.PushedSource})
	wantErr(t, "c ds", err, nil)
	_, err = m.adminC.UpsertRecords(ctx, cds.ID, []acctmap.RecordInput{{ID: "c1", Name: "Notion", Website: "notion.so"}})
	wantErr(t, "c records", err, nil)
	wantErr(t, "mark a non-partner's record", m.adminC.MarkNotSameCompany(ctx, cds.ID, "c1", m.dsA.ID, "a2"), acctmap.ErrNotFound)
	wantErr(t, "mark own record missing", m.adminA.MarkNotSameCompany(ctx, m.dsA.ID, "nope", m.dsB.ID, "b2"), acctmap.ErrNotFound)
	wantErr(t, "reader marks", m.readerA.MarkNotSameCompany(ctx, m.dsA.ID, "a2", m.dsB.ID, "b2"), acctmap.ErrPermissionDenied)
}

func TestNameMatchingIsOptIn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		opts []acctmap.Option
		want int64
	}{
		{"default: domains only", nil, 1},
		{"name matching", []acctmap.Option{acctmap.WithNameMatching()}, 2},
		{"strict threshold", []acctmap.Option{acctmap.WithMinConfidence(acctmap.ConfidenceDomainAndName)}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.net = acctmap.New(w.store, tc.opts...)
			a, b := w.net.As("admin-a"), w.net.As("admin-b")
			partner(t, a, b, "org-b", "org-a")
			mk := func(actor *acctmap.Actor, recs []acctmap.RecordInput) acctmap.Population {
				ds, err := actor.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})
				wantErr(t, "ds", err, nil)
				_, err = actor.UpsertRecords(ctx, ds.ID, recs)
				wantErr(t, "records", err, nil)
				p, err := actor.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Customers})
				wantErr(t, "pop", err, nil)
				return p
			}
			mk(a, []acctmap.RecordInput{{ID: "1", Name: "Talkable", Website: "talkable.com"}, {ID: "2", Name: "Delta Faucet Company"}})
			mk(b, []acctmap.RecordInput{{ID: "1", Name: "Curebit", Website: "https://www.talkable.com"}, {ID: "2", Name: "Delta Faucet", Website: "deltafaucet.com"}})
			mx, err := a.Matrix(ctx, "org-b")
			wantErr(t, "matrix", err, nil)
			if mx.Counts[0][0] != tc.want {
				t.Errorf("count = %d, want %d", mx.Counts[0][0], tc.want)
			}
		})
	}
}
