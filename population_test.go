package acctmap_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/acctmap/acctmap"
)

// crm is a pushed data source of org a with records of varied fields.
func crm(t *testing.T, w *world) acctmap.DataSource {
	t.Helper()
	ctx := context.Background()
	ds, err := w.adminA.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})
	wantErr(t, "create", err, nil)
	_, err = w.adminA.UpsertRecords(ctx, ds.ID, []acctmap.RecordInput{
		{ID: "1", Name: "Acme", Website: "acme.com", Fields: map[string]string{"Stage": "Customer", "Industry": "Software", "ARR": "120,000", "Renewal": "2026-03-01"}},
		{ID: "2", Name: "Globex", Website: "globex.com", Fields: map[string]string{"Stage": "Prospect", "Industry": "Manufacturing", "ARR": "0", "Renewal": ""}},
		{ID: "3", Name: "Initech", Website: "initech.com", Fields: map[string]string{"Stage": "customer", "Industry": "Software Services", "ARR": "5000", "Renewal": "2027-01-15"}},
		{ID: "4", Name: "Umbrella", Website: "umbrella.com", Fields: map[string]string{"Stage": "Open Opportunity", "Industry": "", "ARR": "n/a", "Renewal": "2026-12-31T10:00:00Z"}},
		{ID: "10", Name: "Hooli", Website: "hooli.xyz", Fields: map[string]string{"Stage": "Churned", "Industry": "Software", "ARR": "999999"}},
	})
	wantErr(t, "upsert", err, nil)
	return ds
}

func previewIDs(t *testing.T, a *acctmap.Actor, dsID string, f acctmap.Filter) []string {
	t.Helper()
	pv, err := a.PreviewPopulation(context.Background(), dsID, f, acctmap.MaxPreview)
	if err != nil {
		t.Fatalf("PreviewPopulation(%+v): %v", f, err)
	}
	ids := []string{}
	for _, r := range pv.Records {
		ids = append(ids, r.ID)
	}
	if pv.Count != len(ids) {
		t.Fatalf("preview count %d, records %d", pv.Count, len(ids))
	}
	return ids
}

func TestFilterOperators(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ds := crm(t, w)
	c := func(field string, op acctmap.Op, v string, vs ...string) acctmap.Condition {
		return acctmap.Condition{Field: field, Op: op, Value: v, Values: vs}
	}
	for _, tc := range []struct {
		name   string
		filter acctmap.Filter
		want   []string
	}{
		{"zero filter selects all, numeric ids by value", acctmap.Filter{}, []string{"1", "2", "3", "4", "10"}},
		{"equals ignores case", acctmap.Filter{All: []acctmap.Condition{c("stage", acctmap.Equals, "CUSTOMER")}}, []string{"1", "3"}},
		{"not equals", acctmap.Filter{All: []acctmap.Condition{c("Stage", acctmap.NotEquals, "customer")}}, []string{"2", "4", "10"}},
		{"contains", acctmap.Filter{All: []acctmap.Condition{c("Industry", acctmap.Contains, "soft")}}, []string{"1", "3", "10"}},
		{"starts with", acctmap.Filter{All: []acctmap.Condition{c("Industry", acctmap.StartsWith, "Software S")}}, []string{"3"}},
		{"in", acctmap.Filter{All: []acctmap.Condition{c("Stage", acctmap.In, "", "prospect", "churned")}}, []string{"2", "10"}},
		{"not in", acctmap.Filter{All: []acctmap.Condition{c("Stage", acctmap.NotIn, "", "prospect", "churned")}}, []string{"1", "3", "4"}},
		{"greater than number, thousands separators", acctmap.Filter{All: []acctmap.Condition{c("ARR", acctmap.GreaterThan, "4999")}}, []string{"1", "3", "10"}},
		{"less than number skips non-numbers", acctmap.Filter{All: []acctmap.Condition{c("ARR", acctmap.LessThan, "5000")}}, []string{"2"}},
		{"greater than date", acctmap.Filter{All: []acctmap.Condition{c("Renewal", acctmap.GreaterThan, "2026-06-30")}}, []string{"3", "4"}},
		{"less than timestamp", acctmap.Filter{All: []acctmap.Condition{c("Renewal", acctmap.LessThan, "2026-12-31T12:00:00Z")}}, []string{"1", "4"}},
		{"is empty (missing field too)", acctmap.Filter{All: []acctmap.Condition{c("Renewal", acctmap.IsEmpty, "")}}, []string{"2", "10"}},
		{"is not empty", acctmap.Filter{All: []acctmap.Condition{c("Industry", acctmap.IsNotEmpty, "")}}, []string{"1", "2", "3", "10"}},
		{"built-in name", acctmap.Filter{All: []acctmap.Condition{c("name", acctmap.StartsWith, "g")}}, []string{"2"}},
		{"built-in website and id", acctmap.Filter{All: []acctmap.Condition{c("website", acctmap.Contains, ".com"), c("id", acctmap.NotEquals, "1")}}, []string{"2", "3", "4"}},
		{"all-of with any-of groups", acctmap.Filter{
			All: []acctmap.Condition{c("Industry", acctmap.Contains, "software")},
			AnyOf: [][]acctmap.Condition{
				{c("Stage", acctmap.Equals, "customer"), c("ARR", acctmap.GreaterThan, "500000")},
				{c("name", acctmap.NotEquals, "initech")},
			}}, []string{"1", "10"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, previewIDs(t, w.readerA, ds.ID, tc.filter)); diff != "" {
				t.Errorf("selected ids (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInvalidFiltersNameTheCondition(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	ds := crm(t, w)
	c := func(field string, op acctmap.Op, v string, vs ...string) acctmap.Condition {
		return acctmap.Condition{Field: field, Op: op, Value: v, Values: vs}
	}
	huge := make([]string, 10001)
	for i := range huge {
		huge[i] = fmt.Sprint(i)
	}
	many := make([]acctmap.Condition, 201)
	for i := range many {
		many[i] = c("Stage", acctmap.IsEmpty, "")
	}
	for _, tc := range []struct {
		name    string
		filter  acctmap.Filter
		mention string
		typed   acctmap.FilterError // Path, Field, Op and Value of the typed error
	}{
		{"unknown field", acctmap.Filter{All: []acctmap.Condition{c("Stag", acctmap.Equals, "x")}}, `all[0]: field "Stag" is not a field`, acctmap.FilterError{Path: "all[0]", Field: "Stag", Op: acctmap.Equals}},
		{"unknown op", acctmap.Filter{All: []acctmap.Condition{c("Stage", "like", "x")}}, `all[0]: field "Stage", operator "like": unknown operator`, acctmap.FilterError{Path: "all[0]", Field: "Stage", Op: "like"}},
		{"equals without value", acctmap.Filter{All: []acctmap.Condition{c("Stage", acctmap.Equals, " ")}}, "needs a value", acctmap.FilterError{Path: "all[0]", Field: "Stage", Op: acctmap.Equals}},
		{"equals with values", acctmap.Filter{All: []acctmap.Condition{c("Stage", acctmap.Equals, "", "a")}}, "takes Value, not Values", acctmap.FilterError{Path: "all[0]", Field: "Stage", Op: acctmap.Equals}},
		{"in without values", acctmap.Filter{All: []acctmap.Condition{c("Stage", acctmap.In, "")}}, "needs at least one value", acctmap.FilterError{Path: "all[0]", Field: "Stage", Op: acctmap.In}},
		{"in with value", acctmap.Filter{All: []acctmap.Condition{c("Stage", acctmap.In, "x", "y")}}, "takes Values, not Value", acctmap.FilterError{Path: "all[0]", Field: "Stage", Op: acctmap.In}},
		{"huge in list", acctmap.Filter{All: []acctmap.Condition{c("Stage", acctmap.In, "", huge...)}}, "more than 10000", acctmap.FilterError{Path: "all[0]", Field: "Stage", Op: acctmap.In}},
		{"bad comparison operand", acctmap.Filter{AnyOf: [][]acctmap.Condition{{c("ARR", acctmap.GreaterThan, "lots")}}}, `any_of[0][0]: field "ARR", operator "greater_than": value "lots" is neither a number nor an ISO 8601 date`, acctmap.FilterError{Path: "any_of[0][0]", Field: "ARR", Op: acctmap.GreaterThan, Value: "lots"}},
		{"is empty with value", acctmap.Filter{All: []acctmap.Condition{c("Stage", acctmap.IsEmpty, "x")}}, "takes no value", acctmap.FilterError{Path: "all[0]", Field: "Stage", Op: acctmap.IsEmpty}},
		{"empty any-of group", acctmap.Filter{AnyOf: [][]acctmap.Condition{{}}}, "any_of[0] is an empty group", acctmap.FilterError{Path: "any_of[0]"}},
		{"too many conditions", acctmap.Filter{All: many}, "201 conditions", acctmap.FilterError{}},
		{"long value", acctmap.Filter{All: []acctmap.Condition{c("Stage", acctmap.Equals, strings.Repeat("x", 1001))}}, "longer than 1000 bytes", acctmap.FilterError{Path: "all[0]", Field: "Stage", Op: acctmap.Equals, Value: strings.Repeat("x", 40)}},
		{"invalid utf-8 in list", acctmap.Filter{All: []acctmap.Condition{c("Stage", acctmap.In, "", "\xff")}}, "not UTF-8", acctmap.FilterError{Path: "all[0]", Field: "Stage", Op: acctmap.In, Value: "\xff"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := w.adminA.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Custom, Name: "P", Filter: tc.filter})
			wantErr(t, "CreatePopulation", err, acctmap.ErrInvalidInput)
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("error %q does not mention %q", err, tc.mention)
			}
			var fe *acctmap.FilterError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FilterError", err)
			}
			got := acctmap.FilterError{Path: fe.Path, Field: fe.Field, Op: fe.Op, Value: fe.Value}
			if d := cmp.Diff(tc.typed, got, cmpopts.IgnoreUnexported(acctmap.FilterError{})); d != "" || fe.Reason == "" {
				t.Errorf("FilterError %+v (-want +got):\n%s", fe, d)
			}
			_, err = w.adminA.PreviewPopulation(ctx, ds.ID, tc.filter, 10)
			wantErr(t, "PreviewPopulation", err, acctmap.ErrInvalidInput)
		})
	}
	pops, err := w.adminA.Populations(ctx, "")
	wantErr(t, "Populations", err, nil)
	if len(pops) != 0 {
		t.Errorf("invalid populations were saved: %v", pops)
	}
}

// members lists the ids of the records of ds in population pop.
func members(t *testing.T, w *world, ds string, pop acctmap.Population) []string {
	t.Helper()
	var ids []string
	for id, r := range records(t, w.adminA, w.store, ds) {
		if r.Populations&(1<<uint(pop.Slot)) != 0 {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

func TestPopulationMembershipStaysCurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	ds := crm(t, w)
	customers, err := w.pmData.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Customers,
		Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "stage", Op: acctmap.Equals, Value: "customer"}}}})
	wantErr(t, "create customers", err, nil)
	if customers.Name != "Customers" || customers.Filter.All[0].Field != "Stage" {
		t.Errorf("population = %+v, want the standard name and the canonical field name", customers)
	}
	software, err := w.adminA.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Custom, Name: "Software",
		Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Industry", Op: acctmap.Contains, Value: "software"}}}})
	wantErr(t, "create custom", err, nil)
	if customers.Slot == software.Slot {
		t.Fatalf("two populations share slot %d", software.Slot)
	}
	check := func(step string, wantCustomers, wantSoftware []string) {
		t.Helper()
		if diff := cmp.Diff(wantCustomers, members(t, w, ds.ID, customers)); diff != "" {
			t.Errorf("%s: customers (-want +got):\n%s", step, diff)
		}
		if diff := cmp.Diff(wantSoftware, members(t, w, ds.ID, software)); diff != "" {
			t.Errorf("%s: software (-want +got):\n%s", step, diff)
		}
	}
	check("created", []string{"1", "3"}, []string{"1", "10", "3"})

	_, err = w.adminA.UpsertRecords(ctx, ds.ID, []acctmap.RecordInput{
		{ID: "2", Name: "Globex", Website: "globex.com", Fields: map[string]string{"Stage": "Customer", "Industry": "Software"}},
		{ID: "11", Name: "Pied Piper", Website: "piedpiper.com", Fields: map[string]string{"Stage": "Customer"}},
	})
	wantErr(t, "upsert", err, nil)
	check("upserted", []string{"1", "11", "2", "3"}, []string{"1", "10", "2", "3"})

	_, err = w.adminA.DeleteRecords(ctx, ds.ID, []string{"1"})
	wantErr(t, "delete", err, nil)
	check("deleted", []string{"11", "2", "3"}, []string{"10", "2", "3"})

	customers, err = w.adminA.UpdatePopulation(ctx, customers.ID, acctmap.PopulationSpec{
		Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Stage", Op: acctmap.In, Values: []string{"customer", "churned"}}}}})
	wantErr(t, "update", err, nil)
	check("updated", []string{"10", "11", "2", "3"}, []string{"10", "2", "3"})

	_, err = w.adminA.ReplaceRecords(ctx, ds.ID, []acctmap.RecordInput{
		{ID: "20", Name: "Stark", Website: "stark.com", Fields: map[string]string{"Stage": "Churned", "Industry": "Software"}},
	})
	wantErr(t, "replace", err, nil)
	check("replaced", []string{"20"}, []string{"20"})

	wantErr(t, "delete population", w.adminA.DeletePopulation(ctx, software.ID), nil)
	if got := members(t, w, ds.ID, software); len(got) != 0 {
		t.Errorf("records still carry the deleted population's bit: %v", got)
	}
	check2, err := w.adminA.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Prospects})
	wantErr(t, "reuse slot", err, nil)
	if check2.Slot != software.Slot {
		t.Errorf("new population got slot %d, want the freed slot %d", check2.Slot, software.Slot)
	}
}

func TestPopulationRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	ds := crm(t, w)
	spec := func(kind acctmap.PopulationKind, name string) acctmap.PopulationSpec {
		return acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: kind, Name: name}
	}
	_, err := w.adminA.CreatePopulation(ctx, spec(acctmap.Customers, ""))
	wantErr(t, "customers", err, nil)
	for _, tc := range []struct {
		name  string
		actor *acctmap.Actor
		spec  acctmap.PopulationSpec
		want  error
	}{
		{"second customers", w.adminA, spec(acctmap.Customers, ""), acctmap.ErrConflict},
		{"standard with another name", w.adminA, spec(acctmap.Prospects, "Leads"), acctmap.ErrInvalidInput},
		{"custom named like a standard one", w.adminA, spec(acctmap.Custom, "customers"), acctmap.ErrConflict},
		{"custom without name", w.adminA, spec(acctmap.Custom, ""), acctmap.ErrInvalidInput},
		{"unknown kind", w.adminA, spec("vip", "VIP"), acctmap.ErrInvalidInput},
		{"long description", w.adminA, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Custom, Name: "X", Description: strings.Repeat("d", 2001)}, acctmap.ErrInvalidInput},
		{"unknown data source", w.adminA, acctmap.PopulationSpec{DataSourceID: "ds_x", Kind: acctmap.Prospects}, acctmap.ErrNotFound},
		{"reader", w.readerA, spec(acctmap.Prospects, ""), acctmap.ErrPermissionDenied},
		{"partner", w.adminB, spec(acctmap.Prospects, ""), acctmap.ErrNotFound},
		{"standard name matches case-insensitively", w.adminA, spec(acctmap.Prospects, "prospects"), nil},
	} {
		_, err := tc.actor.CreatePopulation(ctx, tc.spec)
		wantErr(t, tc.name, err, tc.want)
	}
	pops, err := w.readerA.Populations(ctx, "")
	wantErr(t, "list", err, nil)
	if len(pops) != 2 {
		t.Fatalf("populations = %d, want 2", len(pops))
	}
	p := pops[0]
	got, err := w.readerA.Population(ctx, p.ID)
	wantErr(t, "get", err, nil)
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("Population (-list +get):\n%s", diff)
	}
	_, err = w.adminA.UpdatePopulation(ctx, p.ID, acctmap.PopulationSpec{Kind: acctmap.Custom})
	wantErr(t, "change kind", err, acctmap.ErrInvalidInput)
	_, err = w.readerA.UpdatePopulation(ctx, p.ID, acctmap.PopulationSpec{})
	wantErr(t, "reader updates", err, acctmap.ErrPermissionDenied)
	_, err = w.adminB.Population(ctx, p.ID)
	wantErr(t, "partner reads", err, acctmap.ErrNotFound)
	_, err = w.adminB.Populations(ctx, "org-a")
	wantErr(t, "partner lists", err, acctmap.ErrNotFound)
	_, err = w.adminA.Population(ctx, "pop_nope")
	wantErr(t, "unknown", err, acctmap.ErrNotFound)
	wantErr(t, "reader deletes", w.readerA.DeletePopulation(ctx, p.ID), acctmap.ErrPermissionDenied)
	_, err = w.adminA.PreviewPopulation(ctx, ds.ID, acctmap.Filter{}, acctmap.MaxPreview+1)
	wantErr(t, "preview limit", err, acctmap.ErrInvalidInput)
	pv, err := w.adminA.PreviewPopulation(ctx, ds.ID, acctmap.Filter{}, 2)
	wantErr(t, "preview 2", err, nil)
	if pv.Count != 5 || len(pv.Records) != 2 || pv.Records[0].ID != "1" || pv.Records[1].ID != "2" {
		t.Errorf("preview = count %d, %d records, want count 5 and the first two ids", pv.Count, len(pv.Records))
	}
	_, err = w.adminB.PreviewPopulation(ctx, ds.ID, acctmap.Filter{}, 2)
	wantErr(t, "partner previews", err, acctmap.ErrNotFound)
}

func TestPopulationLimitPerDataSource(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	ds := crm(t, w)
	for i := 0; i < acctmap.MaxPopulationsPerDataSource; i++ {
		_, err := w.adminA.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Custom, Name: fmt.Sprint("P", i)})
		wantErr(t, "create", err, nil)
	}
	_, err := w.adminA.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Custom, Name: "One too many"})
	wantErr(t, "65th", err, acctmap.ErrLimitExceeded)
}

func TestDeleteDataSourceLeavesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	ds := crm(t, w)
	pop, err := w.adminA.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Customers})
	wantErr(t, "population", err, nil)
	wantErr(t, "delete", w.pmData.DeleteDataSource(ctx, ds.ID), nil)
	d := dumpStore(t, w.store)
	if len(d.DataSources["org-a"]) != 0 || len(d.Populations["org-a"]) != 0 || d.Records[ds.ID] != nil {
		t.Errorf("left after deleting the data source: %v %v %v", d.DataSources["org-a"], d.Populations["org-a"], d.Records[ds.ID])
	}
	_, err = w.adminA.Population(ctx, pop.ID)
	wantErr(t, "deleted population", err, acctmap.ErrNotFound)
	_, err = w.adminA.DataSource(ctx, ds.ID)
	wantErr(t, "deleted data source", err, acctmap.ErrNotFound)
}

// The one pass of an import or a sync, which evaluates every population of
// the data source at once and reads a field that several filters name once
// per record, gives the membership that each population computed alone
// gives (issue 13), on values of every kind: mixed case, spaces, non-ASCII,
// longer than the predicates' stack buffer, empty, missing.
func TestOnePassMembershipEqualsEachAlone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	ds, err := w.adminA.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})
	wantErr(t, "create", err, nil)
	r := rand.New(rand.NewPCG(1, 2))
	pick := func(vs ...string) string { return vs[r.IntN(len(vs))] }
	long := strings.Repeat("Enterprise ", 8)
	var in []acctmap.RecordInput
	for i := range 600 {
		f := map[string]string{
			"Stage":  pick("Customer", "customer ", " CUSTOMER", "Prospect", "Open Opportunity", "Churned", "", "Kundé", "KUNDÉ"),
			"Region": pick("NA", "na", "EMEA", "Émea", "APAC", " LATAM", ""),
			"Segment": pick("SMB", "Mid-Market", "enterprise", long, strings.ToUpper(long),
				"Ünternehmen Enterprise"),
			"Employees": pick("120", "10,500", "n/a", "", "99999", "3e4"),
		}
		if i%7 == 0 {
			delete(f, "Region")
		}
		in = append(in, acctmap.RecordInput{ID: fmt.Sprint(i), Name: fmt.Sprintf("Company %d", i), Website: fmt.Sprintf("c%d.example.com", i), Fields: f})
	}
	_, err = w.adminA.UpsertRecords(ctx, ds.ID, in)
	wantErr(t, "upsert", err, nil)
	c := func(field string, op acctmap.Op, v string, vs ...string) acctmap.Condition {
		return acctmap.Condition{Field: field, Op: op, Value: v, Values: vs}
	}
	filters := []acctmap.Filter{
		{All: []acctmap.Condition{c("Stage", acctmap.Equals, "customer")}},
		{All: []acctmap.Condition{c("stage", acctmap.In, "", "prospect", "kundé"), c("Region", acctmap.NotEquals, "na")}},
		{AnyOf: [][]acctmap.Condition{{c("Region", acctmap.In, "", "emea", "ÉMEA"), c("Segment", acctmap.Contains, "ENTERPRISE")}}},
		{All: []acctmap.Condition{c("Segment", acctmap.StartsWith, "enterprise enterprise"), c("Employees", acctmap.GreaterThan, "1000")}},
		{All: []acctmap.Condition{c("Region", acctmap.IsEmpty, "")}, AnyOf: [][]acctmap.Condition{{c("Stage", acctmap.NotIn, "", "churned"), c("Segment", acctmap.Equals, "smb")}}},
		{All: []acctmap.Condition{c("Employees", acctmap.LessThan, "10000"), c("Stage", acctmap.StartsWith, "cust")}},
		{All: []acctmap.Condition{c("Segment", acctmap.Contains, "ünternehmen"), c("Region", acctmap.IsNotEmpty, "")}},
		{All: []acctmap.Condition{c("name", acctmap.Contains, "company 1"), c("Stage", acctmap.Contains, "OPP")}},
	}
	var pops []acctmap.Population
	alone := map[string][]string{}
	for i, f := range filters {
		pop, err := w.adminA.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Custom, Name: fmt.Sprintf("P%d", i), Filter: f})
		wantErr(t, "create population", err, nil)
		pops = append(pops, pop)
		alone[pop.Name] = members(t, w, ds.ID, pop)
		pv, err := w.adminA.PreviewPopulation(ctx, ds.ID, f, 0)
		wantErr(t, "preview", err, nil)
		if pv.Count != len(alone[pop.Name]) {
			t.Errorf("%s: preview counts %d, membership %d", pop.Name, pv.Count, len(alone[pop.Name]))
		}
		if len(alone[pop.Name]) == 0 || len(alone[pop.Name]) == len(in) {
			t.Errorf("%s selects %d of %d records: the test needs filters that split the data", pop.Name, len(alone[pop.Name]), len(in))
		}
	}
	// Replacing the records with themselves evaluates all eight in one pass.
	_, err = w.adminA.ReplaceRecords(ctx, ds.ID, in)
	wantErr(t, "replace", err, nil)
	for _, pop := range pops {
		if d := cmp.Diff(alone[pop.Name], members(t, w, ds.ID, pop)); d != "" {
			t.Errorf("%s: one pass (-alone +one pass):\n%s", pop.Name, d)
		}
	}
}
