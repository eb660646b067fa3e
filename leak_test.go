package acctmap_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
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
		acctmap.RecordInput{ID: "3", Name: "Other Co", Website: "otherco.com", Fields: map[string]string{"Stage": "Customer"}},
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
	w.push(t, w.adminB, w.dsB, acctmap.RecordInput{ID: "internal-77", Name: "Acme Corp", Website: "acmeanvils.com",
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

// Class 2: revoking forgot B's per-partner restrictions: with a
// FullPopulation default and Hidden for A, a new partnership after a
// revoke gave A the full population. Revoking now demotes B's rules for A
// to at most counts only, keeping what was hidden hidden.
func TestLeakRevokeForgetsRestrictions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newLeakWorld(t)
	w.push(t, w.adminB, w.dsB, acctmap.RecordInput{ID: "1", Name: "Acme", Website: "acmeanvils.com", Fields: map[string]string{"Stage": "Customer"}})
	full := acctmap.ShareRule{Level: acctmap.FullPopulation, Fields: []string{"name"}}
	var pops []acctmap.Population
	for _, name := range []string{"hidden for A", "counts for A", "default only", "full for A"} {
		p := w.pop(t, w.adminB, acctmap.PopulationSpec{DataSourceID: w.dsB.ID, Kind: acctmap.Custom, Name: name})
		mustDo(t, "default rule", w.adminB.SetShareRule(ctx, p.ID, "", full))
		pops = append(pops, p)
	}
	mustDo(t, "Hidden for A", w.adminB.SetShareRule(ctx, pops[0].ID, "org-a", acctmap.ShareRule{Level: acctmap.Hidden}))
	mustDo(t, "CountsOnly for A", w.adminB.SetShareRule(ctx, pops[1].ID, "org-a", acctmap.ShareRule{Level: acctmap.CountsOnly}))
	mustDo(t, "Full for A", w.adminB.SetShareRule(ctx, pops[3].ID, "org-a", full))
	_, err := w.adminA.RequestShare(ctx, "org-b", pops[1].ID, acctmap.OverlappingRecords, []string{"name"}, "please")
	mustDo(t, "RequestShare", err)

	must[acctmap.Partnership](t, "Revoke")(w.adminA.Revoke(ctx, "org-b"))
	if _, err := w.adminA.ShareRequests(ctx, "org-b"); !errors.Is(err, acctmap.ErrNotPartners) {
		t.Errorf("ShareRequests after a revoke: %v, want ErrNotPartners", err)
	}
	partner(t, w.adminB, w.adminA, "org-a", "org-b")
	infos := must[[]acctmap.PopulationInfo](t, "PartnerPopulations")(w.adminA.PartnerPopulations(ctx, "org-b"))
	got := map[string]acctmap.ShareLevel{}
	for _, in := range infos {
		got[in.Name] = in.Level
	}
	want := map[string]acctmap.ShareLevel{"counts for A": acctmap.CountsOnly, "default only": acctmap.CountsOnly, "full for A": acctmap.CountsOnly}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("what A sees after a revoke and a new partnership (-want +got):\n%s", d)
	}
	reqs := must[[]acctmap.ShareRequest](t, "ShareRequests")(w.adminA.ShareRequests(ctx, "org-b"))
	if len(reqs) != 0 {
		t.Errorf("share requests of the ended partnership are readable again: %v", reqs)
	}
}

// Class 7: errors described B: RequestShare with an unknown field returned
// B's data source name and every field name to a counts-only partner, and
// success or failure probed B's schema field by field.
func TestLeakErrorsDescribePartner(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newLeakWorld(t)
	w.push(t, w.adminB, w.dsB, acctmap.RecordInput{ID: "1", Name: "Acme", Website: "acmeanvils.com", Fields: map[string]string{"Hidden Margin": "31%"}})
	pop := w.pop(t, w.adminB, acctmap.PopulationSpec{DataSourceID: w.dsB.ID, Kind: acctmap.Customers})
	for _, field := range []string{"Hidden Margin", "No Such Field"} {
		_, err := w.adminA.RequestShare(ctx, "org-b", pop.ID, acctmap.OverlappingRecords, []string{field}, "")
		if err != nil {
			t.Errorf("RequestShare(%q): %v: the outcome must not depend on B's schema", field, err)
			for _, secret := range []string{"B CRM", "Hidden Margin"} {
				if strings.Contains(err.Error(), secret) && secret != field {
					t.Errorf("the error names %q", secret)
				}
			}
		}
	}
	// The owner meets the fields when it decides.
	reqs := must[[]acctmap.ShareRequest](t, "ShareRequests")(w.adminB.ShareRequests(ctx, "org-a"))
	if len(reqs) != 2 {
		t.Fatalf("requests: %v", reqs)
	}
	if _, err := w.adminB.ApproveShareRequest(ctx, "org-a", reqs[1].ID); !errors.Is(err, acctmap.ErrInvalidInput) {
		t.Errorf("approving a request for a field the data source lacks: %v, want ErrInvalidInput", err)
	}
	if _, err := w.adminB.ApproveShareRequest(ctx, "org-a", reqs[0].ID); err != nil {
		t.Errorf("approving a request for an existing field: %v", err)
	}
	_, err := w.adminA.RequestShare(ctx, "org-b", pop.ID, acctmap.OverlappingRecords, []string{"x\x00y"}, "")
	wantErr(t, "a field name with a NUL", err, acctmap.ErrInvalidInput)
}

// Class 10: role gaps. A read-only user, documented to change nothing,
// could export and spend the org's export quota; a user with only
// ManageDataSources undid a private mark with DeleteRecords and
// UpsertRecords although SetPrivate needs ManageSharing.
func TestLeakRoleGaps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newLeakWorld(t)
	w.push(t, w.adminA, w.dsA, acctmap.RecordInput{ID: "a1", Name: "Acme", Website: "acmeanvils.com"})
	w.push(t, w.adminB, w.dsB, acctmap.RecordInput{ID: "b1", Name: "Acme", Website: "acmeanvils.com"})
	popA := w.pop(t, w.adminA, acctmap.PopulationSpec{DataSourceID: w.dsA.ID, Kind: acctmap.Customers})
	popB := w.pop(t, w.adminB, acctmap.PopulationSpec{DataSourceID: w.dsB.ID, Kind: acctmap.Customers})
	mustDo(t, "SetShareRule", w.adminB.SetShareRule(ctx, popB.ID, "org-a", acctmap.ShareRule{Level: acctmap.OverlappingRecords, Fields: []string{"name"}}))
	mustDo(t, "SetLimits", w.net.SetLimits(ctx, "org-a", acctmap.Limits{MaxExportedRecords: 10}))
	spec := acctmap.ReportSpec{Partner: "org-b", Population: popA.ID, PartnerPopulation: popB.ID}
	var buf strings.Builder
	_, err := w.readerA.ExportReport(ctx, spec, &buf)
	wantErr(t, "ExportReport as read-only", err, acctmap.ErrPermissionDenied)
	if buf.Len() != 0 {
		t.Errorf("a refused export wrote %q", buf.String())
	}
	if org := must[acctmap.Org](t, "Org")(w.net.Org(ctx, "org-a")); org.ExportedRecords != 0 {
		t.Errorf("a refused export spent %d of the quota", org.ExportedRecords)
	}
	if n, err := w.adminA.ExportReport(ctx, spec, &buf); err != nil || n != 1 {
		t.Errorf("ExportReport as admin: %d rows, %v", n, err)
	}

	// The private mark survives a delete and a re-add by a data manager.
	must[int](t, "SetPrivate")(w.adminA.SetPrivate(ctx, w.dsA.ID, []string{"a1"}, true))
	must[int](t, "DeleteRecords")(w.pmData.DeleteRecords(ctx, w.dsA.ID, []string{"a1"}))
	w.push(t, w.pmData, w.dsA, acctmap.RecordInput{ID: "a1", Name: "Acme", Website: "acmeanvils.com"})
	if r := must[acctmap.Record](t, "Record")(w.adminA.Record(ctx, w.dsA.ID, "a1")); !r.Private {
		t.Errorf("a data manager undid a private mark by deleting and re-adding the record")
	}
	// So does a replace that leaves the record out and a later one that
	// brings it back.
	_, err = w.pmData.ReplaceRecords(ctx, w.dsA.ID, []acctmap.RecordInput{{ID: "a2", Name: "Other", Website: "otherco.com"}})
	mustDo(t, "ReplaceRecords", err)
	_, err = w.pmData.ReplaceRecords(ctx, w.dsA.ID, []acctmap.RecordInput{{ID: "a1", Name: "Acme", Website: "acmeanvils.com"}})
	mustDo(t, "ReplaceRecords", err)
	if r := must[acctmap.Record](t, "Record")(w.adminA.Record(ctx, w.dsA.ID, "a1")); !r.Private {
		t.Errorf("a data manager undid a private mark with two replaces")
	}
	mx := must[acctmap.OverlapMatrix](t, "Matrix")(w.adminB.Matrix(ctx, "org-a"))
	if mx.Counts[0][0] != 0 {
		t.Errorf("B counts A's private record: %v", mx.Counts)
	}
	// Only ManageSharing makes it public again, even while it is deleted.
	must[int](t, "DeleteRecords")(w.pmData.DeleteRecords(ctx, w.dsA.ID, []string{"a1"}))
	_, err = w.pmData.SetPrivate(ctx, w.dsA.ID, []string{"a1"}, false)
	wantErr(t, "SetPrivate as a data manager", err, acctmap.ErrPermissionDenied)
	if n := must[int](t, "SetPrivate")(w.pmSharing.SetPrivate(ctx, w.dsA.ID, []string{"a1"}, false)); n != 1 {
		t.Errorf("SetPrivate(false) of a deleted private record changed %d", n)
	}
	w.push(t, w.pmData, w.dsA, acctmap.RecordInput{ID: "a1", Name: "Acme", Website: "acmeanvils.com"})
	if r := must[acctmap.Record](t, "Record")(w.adminA.Record(ctx, w.dsA.ID, "a1")); r.Private {
		t.Errorf("the record is still private after SetPrivate(false)")
	}
}

// Class 9: existence oracles. An id of another org got a different error
// than an id that exists nowhere (DataSource: ErrPermissionDenied vs
// ErrNotFound; MarkNotSameCompany: ErrNotPartners; Invite of an offline
// partner's id named it as one). Every call that takes an id now answers
// the two alike: same sentinel, same message but for the id.
func TestLeakExistenceOracles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newLeakWorld(t)
	w.push(t, w.adminA, w.dsA, acctmap.RecordInput{ID: "a1", Name: "Acme", Website: "acmeanvils.com"})
	// Org C, a stranger to A, with data, a population and an offline partner.
	dsC := must[acctmap.DataSource](t, "C's data source")(w.adminC.CreateDataSource(ctx, acctmap.NewDataSource{Name: "C CRM", Kind: acctmap.PushedSource}))
	w.push(t, w.adminC, dsC, acctmap.RecordInput{ID: "c1", Name: "Cirrus", Website: "cirrus.com"})
	popC := w.pop(t, w.adminC, acctmap.PopulationSpec{DataSourceID: dsC.ID, Kind: acctmap.Customers})
	offC := must[acctmap.Org](t, "C's offline partner")(w.adminC.CreateOfflinePartner(ctx, "C reseller"))
	dsOffC := must[acctmap.DataSource](t, "its data source")(w.adminC.CreateDataSource(ctx, acctmap.NewDataSource{OrgID: offC.ID, Name: "Reseller"}))

	type call struct {
		name string
		fn   func(id string) error
	}
	ds := func(name string, fn func(id string) error) call { return call{name, fn} }
	dsCalls := []call{
		ds("DataSource", func(id string) error { _, err := w.adminA.DataSource(ctx, id); return err }),
		ds("Record", func(id string) error { _, err := w.adminA.Record(ctx, id, "c1"); return err }),
		ds("DeleteDataSource", func(id string) error { return w.adminA.DeleteDataSource(ctx, id) }),
		ds("UpsertRecords", func(id string) error {
			_, err := w.adminA.UpsertRecords(ctx, id, []acctmap.RecordInput{{ID: "x", Name: "X", Website: "x.com"}})
			return err
		}),
		ds("ReplaceRecords", func(id string) error {
			_, err := w.adminA.ReplaceRecords(ctx, id, []acctmap.RecordInput{{ID: "x", Name: "X", Website: "x.com"}})
			return err
		}),
		ds("DeleteRecords", func(id string) error { _, err := w.adminA.DeleteRecords(ctx, id, []string{"c1"}); return err }),
		ds("ImportCSV", func(id string) error {
			_, err := w.adminA.ImportCSV(ctx, id, strings.NewReader("Company,Website\nX,x.com\n"), acctmap.CSVImport{Mapping: nameWebsite})
			return err
		}),
		ds("SetPrivate", func(id string) error { _, err := w.adminA.SetPrivate(ctx, id, []string{"c1"}, true); return err }),
		ds("CreatePopulation", func(id string) error {
			_, err := w.adminA.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: id, Kind: acctmap.Prospects})
			return err
		}),
		ds("PreviewPopulation", func(id string) error { _, err := w.adminA.PreviewPopulation(ctx, id, acctmap.Filter{}, 1); return err }),
		ds("MarkNotSameCompany", func(id string) error { return w.adminA.MarkNotSameCompany(ctx, w.dsA.ID, "a1", id, "c1") }),
		ds("UnmarkNotSameCompany", func(id string) error { return w.adminA.UnmarkNotSameCompany(ctx, w.dsA.ID, "a1", id, "c1") }),
	}
	popCalls := []call{
		{"Population", func(id string) error { _, err := w.adminA.Population(ctx, id); return err }},
		{"UpdatePopulation", func(id string) error {
			_, err := w.adminA.UpdatePopulation(ctx, id, acctmap.PopulationSpec{Description: "x"})
			return err
		}},
		{"DeletePopulation", func(id string) error { return w.adminA.DeletePopulation(ctx, id) }},
		{"SetShareRule", func(id string) error {
			return w.adminA.SetShareRule(ctx, id, "org-b", acctmap.ShareRule{Level: acctmap.CountsOnly})
		}},
		{"RemoveShareRule", func(id string) error { return w.adminA.RemoveShareRule(ctx, id, "org-b") }},
		{"RequestShare", func(id string) error {
			_, err := w.adminA.RequestShare(ctx, "org-b", id, acctmap.OverlappingRecords, []string{"name"}, "")
			return err
		}},
	}
	n := 0
	orgCalls := []call{
		{"DataSources", func(id string) error { _, err := w.adminA.DataSources(ctx, id); return err }},
		{"Populations", func(id string) error { _, err := w.adminA.Populations(ctx, id); return err }},
		{"CreateDataSource", func(id string) error {
			_, err := w.adminA.CreateDataSource(ctx, acctmap.NewDataSource{OrgID: id, Name: "Mine now"})
			return err
		}},
		{"DeleteOfflinePartner", func(id string) error { return w.adminA.DeleteOfflinePartner(ctx, id) }},
		{"Matrix", func(id string) error { _, err := w.adminA.Matrix(ctx, id); return err }},
		{"PartnerPopulations", func(id string) error { _, err := w.adminA.PartnerPopulations(ctx, id); return err }},
		{"PartnerUsers", func(id string) error { _, err := w.adminA.PartnerUsers(ctx, id); return err }},
		{"ShareRequests", func(id string) error { _, err := w.adminA.ShareRequests(ctx, id); return err }},
		{"SetShareRule partner", func(id string) error {
			n++
			pop := w.pop(t, w.adminA, acctmap.PopulationSpec{DataSourceID: w.dsA.ID, Kind: acctmap.Custom, Name: fmt.Sprint("rule ", n)})
			return w.adminA.SetShareRule(ctx, pop.ID, id, acctmap.ShareRule{Level: acctmap.CountsOnly})
		}},
	}
	const missing = "no-such-id"
	check := func(calls []call, existing ...string) {
		for _, c := range calls {
			for _, id := range existing {
				got, want := c.fn(id), c.fn(missing)
				norm := func(err error) string {
					if err == nil {
						return "<nil>"
					}
					return sentinelOf(err) + ": " + strings.ReplaceAll(err.Error(), id, "<id>")
				}
				if g, w := norm(got), strings.ReplaceAll(norm(want), missing, "<id>"); g != w {
					t.Errorf("%s: another org's id gives %q, an id that exists nowhere %q", c.name, g, w)
				}
			}
		}
	}
	check(dsCalls, dsC.ID, dsOffC.ID)
	check(popCalls, popC.ID)
	check(orgCalls, "org-c", offC.ID)
	// Network orgs can be invited by id (the embedding app lists them);
	// another org's offline partner is answered as an unknown org.
	check([]call{{"Invite", func(id string) error { _, err := w.adminA.Invite(ctx, id); return err }}}, offC.ID)
}

// share sets B's rule for A on a population.
func (w *leakWorld) share(t *testing.T, pop acctmap.Population, level acctmap.ShareLevel, fields ...string) {
	t.Helper()
	mustDo(t, "SetShareRule", w.adminB.SetShareRule(context.Background(), pop.ID, "org-a", acctmap.ShareRule{Level: level, Fields: fields}))
}

// stageIs is a filter on the Stage field.
func stageIs(stage string) acctmap.Filter {
	return acctmap.Filter{All: []acctmap.Condition{{Field: "Stage", Op: acctmap.Equals, Value: stage}}}
}

// Class 4: match metadata was computed from what B does not share:
// match.confidence came from B's unshared company name (A, editing its own
// probe record's name and rereading, recovered B's name), and from B's
// records outside the shared population. A row now says only what A may
// see.
func TestLeakMatchMetadata(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	report := func(probeName, bName string) []acctmap.ReportRow {
		w := newLeakWorld(t)
		w.push(t, w.adminA, w.dsA, acctmap.RecordInput{ID: "probe", Name: probeName, Website: "acmeanvils.com"})
		w.push(t, w.adminB, w.dsB,
			acctmap.RecordInput{ID: "b1", Name: bName, Website: "acmeanvils.com", Fields: map[string]string{"Stage": "Customer"}},
			// Outside the shared population, with another name and a
			// registration id: nothing of it may show.
			acctmap.RecordInput{ID: "b2", Name: "Zeta Hidden", Website: "acmeanvils.com", Fields: map[string]string{"Stage": "Lost"}})
		popA := w.pop(t, w.adminA, acctmap.PopulationSpec{DataSourceID: w.dsA.ID, Kind: acctmap.Customers})
		popB := w.pop(t, w.adminB, acctmap.PopulationSpec{DataSourceID: w.dsB.ID, Kind: acctmap.Customers, Filter: stageIs("Customer")})
		w.share(t, popB, acctmap.OverlappingRecords, "Stage")
		rep, err := w.adminA.Report(ctx, acctmap.ReportSpec{Partner: "org-b", Population: popA.ID, PartnerPopulation: popB.ID})
		mustDo(t, "Report", err)
		for i := range rep.Rows {
			rep.Rows[i].Values = slices.DeleteFunc(rep.Rows[i].Values, func(v string) bool { return v == probeName })
		}
		return rep.Rows
	}
	// The probe's name agrees with B's, or disagrees: A must not tell.
	agree, disagree := report("Acme Anvils", "Acme Anvils Inc"), report("Quux Unrelated", "Acme Anvils Inc")
	if d := cmp.Diff(agree, disagree); d != "" {
		t.Errorf("the report tells whether B's unshared name agrees with the probe's (-agree +disagree):\n%s", d)
	}
	// B's name, agreeing or not, changes nothing either.
	if d := cmp.Diff(report("Acme Anvils", "Acme Anvils Inc"), report("Acme Anvils", "Totally Other Name")); d != "" {
		t.Errorf("the report depends on B's unshared name (-one +other):\n%s", d)
	}
	for _, r := range agree {
		if r.Confidence != acctmap.ConfidenceDomain || strings.Contains(r.Explanation, "Acme Anvils Inc") || strings.Contains(r.Explanation, "Zeta") {
			t.Errorf("row %+v: want confidence %d from the shared domain alone, and no word of B's names", r, acctmap.ConfidenceDomain)
		}
	}
}

// Class 5: counts changed with B's records outside every population
// visible to A: a hidden record carrying two domains linked two of A's
// accounts into one match.
func TestLeakHiddenRecordsLinkAccounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	count := func(withBridge bool) int64 {
		w := newLeakWorld(t)
		w.push(t, w.adminA, w.dsA,
			acctmap.RecordInput{ID: "a1", Name: "Acme", Website: "acmeanvils.com"},
			acctmap.RecordInput{ID: "a2", Name: "Acme", Website: "acmeanvils.io"})
		w.push(t, w.adminB, w.dsB,
			acctmap.RecordInput{ID: "b1", Name: "Acme", Website: "acmeanvils.com", Fields: map[string]string{"Stage": "Customer"}},
			acctmap.RecordInput{ID: "b2", Name: "Acme", Website: "acmeanvils.io", Fields: map[string]string{"Stage": "Customer"}})
		if withBridge {
			// In no population A may see: hidden.
			w.push(t, w.adminB, w.dsB, acctmap.RecordInput{ID: "b3", Name: "Acme", Website: "acmeanvils.com",
				Aliases: []string{"acmeanvils.io"}, Fields: map[string]string{"Stage": "Secret"}})
		}
		w.pop(t, w.adminA, acctmap.PopulationSpec{DataSourceID: w.dsA.ID, Kind: acctmap.Customers})
		w.pop(t, w.adminB, acctmap.PopulationSpec{DataSourceID: w.dsB.ID, Kind: acctmap.Customers, Filter: stageIs("Customer")})
		hidden := w.pop(t, w.adminB, acctmap.PopulationSpec{DataSourceID: w.dsB.ID, Kind: acctmap.Custom, Name: "Secret", Filter: stageIs("Secret")})
		w.share(t, hidden, acctmap.Hidden)
		mx := must[acctmap.OverlapMatrix](t, "Matrix")(w.adminA.Matrix(ctx, "org-b"))
		return mx.Counts[0][0]
	}
	if without, with := count(false), count(true); without != 2 || with != 2 {
		t.Errorf("A counts %d without B's hidden bridging record and %d with it; want 2 and 2", without, with)
	}
}

// Class 6: PartnerRecords' order followed B's unshared record ids.
func TestLeakPartnerRecordsOrder(t *testing.T) {
	t.Parallel()
	rows := func(ids [3]string) []string {
		w := newLeakWorld(t)
		for i, name := range []string{"Charlie Co", "Alpha Co", "Bravo Co"} {
			w.push(t, w.adminB, w.dsB, acctmap.RecordInput{ID: ids[i], Name: name, Website: fmt.Sprintf("site%d.com", i)})
		}
		pop := w.pop(t, w.adminB, acctmap.PopulationSpec{DataSourceID: w.dsB.ID, Kind: acctmap.Customers})
		w.share(t, pop, acctmap.FullPopulation, "name")
		rep, err := w.adminA.PartnerRecords(context.Background(), acctmap.ReportSpec{Partner: "org-b", PartnerPopulation: pop.ID})
		mustDo(t, "PartnerRecords", err)
		var out []string
		for _, r := range rep.Rows {
			out = append(out, strings.Join(r.Values, "|")+"|"+r.RecordID)
		}
		return out
	}
	one, other := rows([3]string{"1", "2", "3"}), rows([3]string{"z9", "a0", "m5"})
	if d := cmp.Diff(one, other); d != "" {
		t.Errorf("the order of B's records follows its unshared ids (-ids 1,2,3 +ids z9,a0,m5):\n%s", d)
	}
}

// Class 8: "not the same company" marks as a probe. With B's data source
// id, A marked guessed record ids and reread the matrix, learning B's
// record ids at counts only; and marks were resolved over B's private
// records, revealing a private record that links two public ones.
func TestLeakNotSameMarkProbe(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("guessed ids", func(t *testing.T) {
		t.Parallel()
		w := newLeakWorld(t)
		w.push(t, w.adminA, w.dsA, acctmap.RecordInput{ID: "a1", Name: "Acme", Website: "acmeanvils.com"})
		w.push(t, w.adminB, w.dsB, acctmap.RecordInput{ID: "secret-id", Name: "Acme", Website: "acmeanvils.com"})
		w.pop(t, w.adminA, acctmap.PopulationSpec{DataSourceID: w.dsA.ID, Kind: acctmap.Customers})
		w.pop(t, w.adminB, acctmap.PopulationSpec{DataSourceID: w.dsB.ID, Kind: acctmap.Customers}) // counts only
		errExisting := w.adminA.MarkNotSameCompany(ctx, w.dsA.ID, "a1", w.dsB.ID, "secret-id")
		errMissing := w.adminA.MarkNotSameCompany(ctx, w.dsA.ID, "a1", w.dsB.ID, "no-such-id")
		norm := func(err error) string {
			if err == nil {
				return "<nil>"
			}
			return strings.NewReplacer("secret-id", "<id>", "no-such-id", "<id>").Replace(err.Error())
		}
		if !errors.Is(errExisting, acctmap.ErrNotFound) || norm(errExisting) != norm(errMissing) {
			t.Errorf("marking an existing unshared id: %v; a missing one: %v; want the same ErrNotFound", errExisting, errMissing)
		}
		mx := must[acctmap.OverlapMatrix](t, "Matrix")(w.adminA.Matrix(ctx, "org-b"))
		if mx.Counts[0][0] != 1 {
			t.Errorf("after the guesses A counts %d, want 1: a guess changed the count", mx.Counts[0][0])
		}
	})
	t.Run("resolved over a private record", func(t *testing.T) {
		t.Parallel()
		count := func(bridgePrivate bool) int64 {
			w := newLeakWorld(t)
			// A's one record is on both domains; B's public records are
			// on one each, and its private b2, on both, links them.
			w.push(t, w.adminA, w.dsA, acctmap.RecordInput{ID: "a1", Name: "Acme", Website: "acmeanvils.com", Aliases: []string{"acmeanvils.io"}})
			b := []acctmap.RecordInput{
				{ID: "b1", Name: "Acme", Website: "acmeanvils.com"},
				{ID: "b3", Name: "Acme", Website: "acmeanvils.io"}}
			if bridgePrivate {
				b = append(b, acctmap.RecordInput{ID: "b2", Name: "Acme", Website: "acmeanvils.com", Aliases: []string{"acmeanvils.io"}})
			}
			w.push(t, w.adminB, w.dsB, b...)
			if bridgePrivate {
				must[int](t, "SetPrivate")(w.adminB.SetPrivate(ctx, w.dsB.ID, []string{"b2"}, true))
			}
			w.pop(t, w.adminA, acctmap.PopulationSpec{DataSourceID: w.dsA.ID, Kind: acctmap.Customers})
			popB := w.pop(t, w.adminB, acctmap.PopulationSpec{DataSourceID: w.dsB.ID, Kind: acctmap.Customers})
			w.share(t, popB, acctmap.FullPopulation, "id")
			mustDo(t, "mark", w.adminA.MarkNotSameCompany(ctx, w.dsA.ID, "a1", w.dsB.ID, "b1"))
			return must[acctmap.OverlapMatrix](t, "Matrix")(w.adminA.Matrix(ctx, "org-b")).Counts[0][0]
		}
		if without, with := count(false), count(true); without != with {
			t.Errorf("after A's mark, A counts %d without B's private bridging record and %d with it: the mark revealed it", without, with)
		}
	})
}

// A field spelled exactly like a built-in is stored but never reached:
// filters, rules and reports naming it mean the built-in. Both import
// paths say so in the summary's warnings, naming the field.
func TestShadowedFieldWarned(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newLeakWorld(t)
	sum, err := w.adminB.UpsertRecords(ctx, w.dsB.ID, []acctmap.RecordInput{
		{ID: "1", Name: "Acme", Website: "acme.com", Fields: map[string]string{"Stage": "Customer"}},
		{ID: "2", Name: "Globex", Website: "globex.com", Fields: map[string]string{"name": "Ann Contact", "Name": "Bob"}},
	})
	mustDo(t, "UpsertRecords", err)
	if sum.Warned != 1 || len(sum.Warnings) != 1 || sum.Warnings[0].Index != 1 || !strings.Contains(sum.Warnings[0].Reason, `field "name" is spelled like the built-in`) {
		t.Errorf("pushed: warnings %+v (warned %d), want one for field \"name\" at index 1", sum.Warnings, sum.Warned)
	}
	ds := must[acctmap.DataSource](t, "CreateDataSource")(w.adminB.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Upload"}))
	sum, err = w.adminB.ImportCSV(ctx, ds.ID, strings.NewReader("Company,Website,id,Owner\nAcme,acme.com,x,Ann\n"),
		acctmap.CSVImport{Mapping: csvsource.Mapping{Name: "Company", Website: "Website"}})
	mustDo(t, "ImportCSV", err)
	if sum.Warned != 1 || len(sum.Warnings) != 1 || sum.Warnings[0].Line != 1 || !strings.Contains(sum.Warnings[0].Reason, `field "id"`) {
		t.Errorf("CSV: warnings %+v (warned %d), want one for column \"id\" at line 1", sum.Warnings, sum.Warned)
	}
}
