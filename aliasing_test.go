package acctmap_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/google/go-cmp/cmp"
)

// TestCallerValuesDoNotAliasStoredState writes, through the public API,
// into every map and slice a caller passed in or got back: the Fields and
// OtherNames of upserted records, a Record's Fields, a DataSource's Fields,
// a Filter's Values, a share rule's Fields. Nothing stored changes, and a
// partner's report still shows what the owner wrote through the API. The
// caller's writes run concurrently with the partner's reads, so that -race
// reports any map the store shares with the caller.
func TestCallerValuesDoNotAliasStoredState(t *testing.T) {
	t.Parallel()
	for _, ts := range testStores {
		t.Run(ts.name, func(t *testing.T) {
			t.Parallel()
			callerValuesDoNotAlias(t, ts.open(t))
		})
	}
}

func callerValuesDoNotAlias(t *testing.T, store acctmap.Store) {
	ctx := context.Background()
	net := acctmap.New(store, acctmap.WithClock(fixedClock()))
	mustOrg(t, net, "org-a", "Acme")
	mustOrg(t, net, "org-b", "Bolt")
	for _, u := range []acctmap.User{{ID: "admin-a", OrgID: "org-a", Name: "A", Email: "a@acme.test", Role: acctmap.RoleAdmin}, {ID: "admin-b", OrgID: "org-b", Name: "B", Email: "b@bolt.test", Role: acctmap.RoleAdmin}} {
		if _, err := net.AddUser(ctx, u); err != nil {
			t.Fatalf("AddUser: %v", err)
		}
	}
	a, b := net.As("admin-a"), net.As("admin-b")
	partner(t, a, b, "org-b", "org-a")

	dsA, err := a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})
	wantErr(t, "CreateDataSource", err, nil)
	fields := map[string]string{"stage": "Closed Won", "owner": "Ann"}
	other := []string{"Globex Holdings"}
	aliases := []string{"globex.net"}
	in := []acctmap.RecordInput{
		{ID: "a1", Name: "Globex", Website: "globex.com", OtherNames: other, Aliases: aliases, Fields: fields},
		{ID: "a2", Name: "Initech", Website: "initech.com", Fields: map[string]string{"stage": "Discovery", "owner": "Bob"}},
	}
	_, err = a.UpsertRecords(ctx, dsA.ID, in)
	wantErr(t, "UpsertRecords", err, nil)

	values := []string{"Closed Won"}
	pop, err := a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: dsA.ID, Kind: acctmap.Customers,
		Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "stage", Op: acctmap.In, Values: values}}}})
	wantErr(t, "CreatePopulation", err, nil)
	shared := []string{"owner"}
	wantErr(t, "SetShareRule", a.SetShareRule(ctx, pop.ID, "org-b", acctmap.ShareRule{Level: acctmap.OverlappingRecords, Fields: shared}), nil)

	dsB, err := b.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})
	wantErr(t, "CreateDataSource b", err, nil)
	_, err = b.UpsertRecords(ctx, dsB.ID, []acctmap.RecordInput{{ID: "b1", Name: "Globex", Website: "https://www.globex.com"}})
	wantErr(t, "UpsertRecords b", err, nil)
	popB, err := b.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: dsB.ID, Kind: acctmap.Prospects})
	wantErr(t, "CreatePopulation b", err, nil)

	rec, err := a.Record(ctx, dsA.ID, "a1")
	wantErr(t, "Record", err, nil)
	wantRec := rec
	wantRec.Fields = map[string]string{"stage": "Closed Won", "owner": "Ann"}
	wantRec.OtherNames = slices.Clone(rec.OtherNames)
	wantRec.Domains = slices.Clone(rec.Domains)
	ds, err := a.DataSource(ctx, dsA.ID)
	wantErr(t, "DataSource", err, nil)
	wantFields := slices.Clone(ds.Fields)
	gotPop, err := a.Population(ctx, pop.ID)
	wantErr(t, "Population", err, nil)
	wantFilter := acctmap.Filter{All: []acctmap.Condition{{Field: "stage", Op: acctmap.In, Values: []string{"Closed Won"}}}}

	report := func() acctmap.Report {
		t.Helper()
		rep, err := b.Report(ctx, acctmap.ReportSpec{Partner: "org-a", Population: popB.ID, PartnerPopulation: pop.ID})
		wantErr(t, "partner's Report", err, nil)
		return rep
	}
	wantReport := report()
	// Printed at once: a store sharing its maps would make a dump move
	// with them. fmt prints maps sorted by key.
	storedBefore := fmt.Sprintf("%+v", dumpStore(t, store))

	if len(rec.Domains) < 2 || len(rec.OtherNames) != 1 || len(ds.Fields) < 2 || len(wantReport.Rows) != 1 {
		t.Fatalf("setup: record %+v, data source fields %q, report %+v", rec, ds.Fields, wantReport)
	}

	// The caller writes into everything it gave and got, from another
	// goroutine, while the partner reads.
	var wg sync.WaitGroup
	wg.Go(func() {
		for range 200 {
			fields["owner"], fields["stage"] = "changed", "Closed Lost"
			fields["extra"] = "new"
			other[0], aliases[0] = "Other Co", "other.example"
			in[1].Fields["owner"] = "changed"
			values[0] = "Discovery"
			shared[0] = "stage"
			rec.Fields["owner"] = "written"
			rec.OtherNames[0] = "written"
			rec.Domains[0] = "written.example"
			ds.Fields[0] = "written"
			slices.Sort(ds.Fields)
			slices.Reverse(ds.Fields)
			gotPop.Filter.All[0].Values[0] = "written"
			gotPop.Filter.All[0].Field = "owner"
		}
	})
	for range 5 {
		if d := cmp.Diff(wantReport, report()); d != "" {
			t.Errorf("partner's report changed while the owner wrote into its own values (-before +after):\n%s", d)
		}
	}
	wg.Wait()

	if d := cmp.Diff(storedBefore, fmt.Sprintf("%+v", dumpStore(t, store))); d != "" {
		t.Errorf("store changed when the caller wrote into values it passed or got (-before +after):\n%s", d)
	}
	got, err := a.Record(ctx, dsA.ID, "a1")
	wantErr(t, "Record again", err, nil)
	if d := cmp.Diff(wantRec, got); d != "" {
		t.Errorf("Record after the caller wrote into its maps (-want +got):\n%s", d)
	}
	ds2, err := a.DataSource(ctx, dsA.ID)
	wantErr(t, "DataSource again", err, nil)
	if d := cmp.Diff(wantFields, ds2.Fields); d != "" {
		t.Errorf("DataSource.Fields after the caller sorted a returned copy (-want +got):\n%s", d)
	}
	pop2, err := a.Population(ctx, pop.ID)
	wantErr(t, "Population again", err, nil)
	if d := cmp.Diff(wantFilter, pop2.Filter); d != "" {
		t.Errorf("Population.Filter after the caller edited Filter.Values (-want +got):\n%s", d)
	}

	// A later write re-evaluates the population with its stored filter:
	// the caller's edit of Values must not have moved it.
	_, err = a.UpsertRecords(ctx, dsA.ID, []acctmap.RecordInput{{ID: "a3", Name: "Hooli", Website: "hooli.com", Fields: map[string]string{"stage": "Discovery"}}})
	wantErr(t, "UpsertRecords a3", err, nil)
	for id, want := range map[string]bool{"a1": true, "a2": false, "a3": false} {
		r, err := a.Record(ctx, dsA.ID, id)
		wantErr(t, "Record "+id, err, nil)
		if in := r.Populations&(1<<uint(pop2.Slot)) != 0; in != want {
			t.Errorf("record %s in Customers = %v, want %v (filter stage in [Closed Won])", id, in, want)
		}
	}
	if d := cmp.Diff(wantReport, report()); d != "" {
		t.Errorf("partner's report after the owner's writes into its own values (-before +after):\n%s", d)
	}
}
