package acctmap_test

import (
	"context"
	"testing"

	"github.com/acctmap/acctmap"
)

func TestScratchHidden(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	partner(t, w.adminA, w.adminB, "org-b", "org-a")
	mk := func(a *acctmap.Actor, recs []acctmap.RecordInput) (acctmap.DataSource, acctmap.Population) {
		ds, err := a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "crm", Kind: acctmap.PushedSource})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.UpsertRecords(ctx, ds.ID, recs); err != nil {
			t.Fatal(err)
		}
		p, err := a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Customers})
		if err != nil {
			t.Fatal(err)
		}
		return ds, p
	}
	dsA, _ := mk(w.adminA, []acctmap.RecordInput{{ID: "a1", Name: "Acme", Website: "acme.com"}, {ID: "a2", Name: "Acme", Website: "www.acme.com"}})
	dsB, _ := mk(w.adminB, []acctmap.RecordInput{{ID: "b1", Name: "Acme", Website: "acme.com"}})
	if _, err := w.adminA.SetPrivate(ctx, dsA.ID, []string{"a1"}, true); err != nil {
		t.Fatal(err)
	}
	if err := w.adminA.MarkNotSameCompany(ctx, dsA.ID, "a1", dsB.ID, "b1"); err != nil {
		t.Fatal(err)
	}
	ma, _ := w.adminA.Matrix(ctx, "org-b")
	mb, _ := w.adminB.Matrix(ctx, "org-a")
	t.Logf("A: counts %v hidden %v; B: counts %v", ma.Counts, ma.HiddenFromPartner, mb.Counts)
}
