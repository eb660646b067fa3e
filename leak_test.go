package acctmap_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/google/go-cmp/cmp"
)

// The tests of this file are named after the classes of leaks that issue
// 11 found: ways for org A to learn what org B never shared, tried as an
// adversarial partner would, through the public API. Each failed on the
// code before the fix. The mutation property test (noninterference_test.go)
// is the general proof; these pin the cases down.

// leakWorld is A and B, accepted partners, each with a pushed data source.
type leakWorld struct {
	*world
	dsA, dsB acctmap.DataSource
}

func newLeakWorld(t *testing.T) *leakWorld {
	t.Helper()
	w := &leakWorld{world: newWorld(t)}
	ctx := context.Background()
	partner(t, w.adminA, w.adminB, "org-b", "org-a")
	w.dsA = must[acctmap.DataSource](t, "A's data source")(w.adminA.CreateDataSource(ctx, acctmap.NewDataSource{Name: "A CRM", Kind: acctmap.PushedSource}))
	w.dsB = must[acctmap.DataSource](t, "B's data source")(w.adminB.CreateDataSource(ctx, acctmap.NewDataSource{Name: "B CRM", Kind: acctmap.PushedSource}))
	return w
}

func (w *leakWorld) push(t *testing.T, a *acctmap.Actor, ds acctmap.DataSource, recs ...acctmap.RecordInput) {
	t.Helper()
	sum, err := a.UpsertRecords(context.Background(), ds.ID, recs)
	mustDo(t, "UpsertRecords", err)
	if sum.Rejected > 0 {
		t.Fatalf("UpsertRecords rejected %v", sum.Rejections)
	}
}

func (w *leakWorld) pop(t *testing.T, a *acctmap.Actor, spec acctmap.PopulationSpec) acctmap.Population {
	t.Helper()
	return must[acctmap.Population](t, "CreatePopulation")(a.CreatePopulation(context.Background(), spec))
}

// partnerRecordNames returns the "partner.<field>" values of A's
// PartnerRecords listing of a population of B.
func partnerRecordValues(t *testing.T, a *acctmap.Actor, popID, column string) []string {
	t.Helper()
	rep, err := a.PartnerRecords(context.Background(), acctmap.ReportSpec{Partner: "org-b", PartnerPopulation: popID})
	mustDo(t, "PartnerRecords", err)
	col := slices.Index(rep.Columns, column)
	if col < 0 {
		t.Fatalf("no column %q in %q", column, rep.Columns)
	}
	var out []string
	for _, r := range rep.Rows {
		out = append(out, r.Values[col])
	}
	slices.Sort(out)
	return out
}

// Class 1: a saved population's filter on the built-in fields read the
// custom fields of those names, so "name not_equals X" let every record
// through and a population shared in full handed A the very records its
// filter excluded.
func TestLeakBuiltinFieldFilters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newLeakWorld(t)
	w.push(t, w.adminB, w.dsB,
		acctmap.RecordInput{ID: "1", Name: "Keep Co", Website: "keep.example", Fields: map[string]string{"Stage": "Customer"}},
		acctmap.RecordInput{ID: "2", Name: "Secret Co", Website: "secret.example", Fields: map[string]string{"Stage": "Customer"}},
		acctmap.RecordInput{ID: "3", Name: "Other Co", Website: "other.example", Fields: map[string]string{"Stage": "Customer"}},
	)
	for _, tc := range []struct {
		name   string
		filter acctmap.Filter
		want   []string
	}{
		{"name not_equals", acctmap.Filter{All: []acctmap.Condition{{Field: "name", Op: acctmap.NotEquals, Value: "Secret Co"}}}, []string{"Keep Co", "Other Co"}},
		{"name equals", acctmap.Filter{All: []acctmap.Condition{{Field: "Name", Op: acctmap.Equals, Value: "keep co"}}}, []string{"Keep Co"}},
		{"website contains", acctmap.Filter{All: []acctmap.Condition{{Field: "website", Op: acctmap.Contains, Value: "other"}}}, []string{"Other Co"}},
		{"id in", acctmap.Filter{All: []acctmap.Condition{{Field: "ID", Op: acctmap.In, Values: []string{"1", "3"}}}}, []string{"Keep Co", "Other Co"}},
	} {
		pop := w.pop(t, w.adminB, acctmap.PopulationSpec{DataSourceID: w.dsB.ID, Kind: acctmap.Custom, Name: tc.name, Filter: tc.filter})
		mustDo(t, "SetShareRule", w.adminB.SetShareRule(ctx, pop.ID, "org-a", acctmap.ShareRule{Level: acctmap.FullPopulation, Fields: []string{"name"}}))
		pv := must[acctmap.Preview](t, "PreviewPopulation")(w.adminB.PreviewPopulation(ctx, w.dsB.ID, tc.filter, 10))
		var previewed []string
		for _, r := range pv.Records {
			previewed = append(previewed, r.Name)
		}
		slices.Sort(previewed)
		if d := cmp.Diff(tc.want, previewed); d != "" {
			t.Errorf("%s: preview (-want +got):\n%s", tc.name, d)
		}
		if d := cmp.Diff(tc.want, partnerRecordValues(t, w.adminA, pop.ID, "partner.name")); d != "" {
			t.Errorf("%s: what the partner sees of the saved population (-want +got):\n%s", tc.name, d)
		}
		// After a sync the saved membership is evaluated again.
		w.push(t, w.adminB, w.dsB, acctmap.RecordInput{ID: "2", Name: "Secret Co", Website: "secret.example", Fields: map[string]string{"Stage": "Customer", "Note": "synced"}})
		if d := cmp.Diff(tc.want, partnerRecordValues(t, w.adminA, pop.ID, "partner.name")); d != "" {
			t.Errorf("%s: after a sync (-want +got):\n%s", tc.name, d)
		}
	}
}

// Class 3: a custom field named like a built-in ("ID", "Name") was shared
// as the built-in: sharing "ID" sent B's internal record id. Rules,
// filters and reports resolve field names with one resolver.
func TestLeakFieldNamedLikeBuiltin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newLeakWorld(t)
	w.push(t, w.adminB, w.dsB, acctmap.RecordInput{ID: "internal-77", Name: "Acme Corp", Website: "acme.example",
		Fields: map[string]string{"ID": "public-id-1", "Name": "Ann Contact"}})
	pop := w.pop(t, w.adminB, acctmap.PopulationSpec{DataSourceID: w.dsB.ID, Kind: acctmap.Customers})
	mustDo(t, "SetShareRule", w.adminB.SetShareRule(ctx, pop.ID, "org-a", acctmap.ShareRule{Level: acctmap.FullPopulation, Fields: []string{"ID", "Name"}}))
	rep, err := w.adminA.PartnerRecords(ctx, acctmap.ReportSpec{Partner: "org-b", PartnerPopulation: pop.ID})
	mustDo(t, "PartnerRecords", err)
	if d := cmp.Diff([]string{"partner.ID", "partner.Name"}, rep.Columns); d != "" {
		t.Errorf("columns (-want +got):\n%s", d)
	}
	if len(rep.Rows) != 1 {
		t.Fatalf("rows: %v", rep.Rows)
	}
	if d := cmp.Diff([]string{"public-id-1", "Ann Contact"}, rep.Rows[0].Values); d != "" {
		t.Errorf("values (-want +got):\n%s", d)
	}
	for _, v := range rep.Rows[0].Values {
		if strings.Contains(v, "internal-77") || strings.Contains(v, "Acme Corp") {
			t.Errorf("a built-in value was shared for a field named like it: %q", v)
		}
	}
	if rep.Rows[0].PartnerRecordID != "" {
		t.Errorf("PartnerRecordID %q shown while the built-in id is not shared", rep.Rows[0].PartnerRecordID)
	}
	// And the built-ins, spelled as built-ins, mean the built-ins.
	mustDo(t, "SetShareRule", w.adminB.SetShareRule(ctx, pop.ID, "org-a", acctmap.ShareRule{Level: acctmap.FullPopulation, Fields: []string{"id", "name"}}))
	rep, err = w.adminA.PartnerRecords(ctx, acctmap.ReportSpec{Partner: "org-b", PartnerPopulation: pop.ID})
	mustDo(t, "PartnerRecords", err)
	if d := cmp.Diff([][]string{{"internal-77", "Acme Corp"}}, [][]string{rep.Rows[0].Values}); d != "" {
		t.Errorf("built-in values (-want +got):\n%s", d)
	}
}

var _ = errors.Is
