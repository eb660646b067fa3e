package acctmap_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acctmap/acctmap"
)

// TestGenericDomainsAsWebsites: a free-mail provider's own website is its
// key (Yahoo, AOL, Yandex and Sohu match on it), while the same domain
// pasted as the website of unrelated companies (a CRM that filled it from a
// contact's address) links none of them, and an e-mail address at it is no
// key at all.
func TestGenericDomainsAsWebsites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	partner(t, w.adminA, w.adminB, w.b.ID, w.a.ID)
	load := func(a *acctmap.Actor, recs []acctmap.RecordInput) acctmap.Population {
		t.Helper()
		ds, err := a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})
		wantErr(t, "create", err, nil)
		sum, err := a.UpsertRecords(ctx, ds.ID, recs)
		wantErr(t, "upsert", err, nil)
		if sum.Rejected != 1 {
			t.Fatalf("summary %+v: want only the e-mail-only record rejected", sum)
		}
		pop, err := a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Customers})
		wantErr(t, "population", err, nil)
		wantErr(t, "share", a.SetShareRule(ctx, pop.ID, "", acctmap.ShareRule{Level: acctmap.OverlappingRecords, Fields: []string{"id", "name"}}), nil)
		return pop
	}
	popA := load(w.adminA, []acctmap.RecordInput{
		{ID: "a-yahoo", Name: "Yahoo Inc.", Website: "https://www.yahoo.com/"},
		{ID: "a-aol", Name: "AOL", Website: "aol.com"},
		{ID: "a-yandex", Name: "Yandex N.V.", Website: "yandex.ru"},
		{ID: "a-sohu", Name: "Sohu.com Ltd", Website: "sohu.com"},
		{ID: "a-bakery", Name: "Rosie's Bakery", Website: "gmail.com"},
		{ID: "a-plumbing", Name: "Northside Plumbing", Website: "gmail.com"},
		{ID: "a-mail", Website: "jane@gmail.com"},
	})
	popB := load(w.adminB, []acctmap.RecordInput{
		{ID: "b-yahoo", Name: "Yahoo", Website: "yahoo.com"},
		{ID: "b-aol", Name: "AOL LLC", Website: "http://aol.com"},
		{ID: "b-yandex", Name: "Yandex", Website: "https://yandex.ru/company"},
		{ID: "b-sohu", Name: "Sohu.com", Website: "www.sohu.com"},
		{ID: "b-roofing", Name: "Acme Roofing", Website: "gmail.com"},
		{ID: "b-dental", Name: "Bright Smile Dental", Website: "https://gmail.com"},
		{ID: "b-mail", Website: "jane@gmail.com"},
	})
	rep, err := w.adminA.Report(ctx, acctmap.ReportSpec{Partner: w.b.ID, Population: popA.ID, PartnerPopulation: popB.ID, Pairs: true})
	wantErr(t, "report", err, nil)
	got := map[string]string{}
	for _, r := range rep.Rows {
		got[r.RecordID] = r.PartnerRecordID
	}
	want := map[string]string{"a-yahoo": "b-yahoo", "a-aol": "b-aol", "a-yandex": "b-yandex", "a-sohu": "b-sohu"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pairs (-want +got):\n%s", diff)
	}
}
