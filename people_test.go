package acctmap_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
)

// peopleWorld is two partner orgs, a and b, each with a pushed people data
// source and an accounts data source.
type peopleWorld struct {
	net                      *acctmap.Network
	a, b                     *acctmap.Actor
	aPeople, bPeople, bAccts acctmap.DataSource
}

func newPeopleWorld(t *testing.T) *peopleWorld {
	t.Helper()
	ctx := context.Background()
	w := &peopleWorld{net: acctmap.New(memstore.New(), acctmap.WithClock(fixedClock()))}
	for _, org := range []string{"a", "b"} {
		mustOrg(t, w.net, org, "Org "+org)
		if _, err := w.net.AddUser(ctx, acctmap.User{ID: org + "-admin", OrgID: org, Name: org, Role: acctmap.RoleAdmin}); err != nil {
			t.Fatal(err)
		}
	}
	w.a, w.b = w.net.As("a-admin"), w.net.As("b-admin")
	partner(t, w.a, w.b, "b", "a")
	mk := func(a *acctmap.Actor, name string, s acctmap.Subject) acctmap.DataSource {
		return must[acctmap.DataSource](t, "CreateDataSource")(a.CreateDataSource(ctx, acctmap.NewDataSource{Name: name, Kind: acctmap.PushedSource, Subject: s}))
	}
	w.aPeople, w.bPeople, w.bAccts = mk(w.a, "Leads", acctmap.People), mk(w.b, "Contacts", acctmap.People), mk(w.b, "CRM", acctmap.Accounts)
	return w
}

func (w *peopleWorld) push(t *testing.T, a *acctmap.Actor, ds acctmap.DataSource, in ...acctmap.RecordInput) acctmap.ImportSummary {
	t.Helper()
	sum, err := a.UpsertRecords(context.Background(), ds.ID, in)
	if err != nil {
		t.Fatalf("UpsertRecords: %v", err)
	}
	return sum
}

func (w *peopleWorld) pop(t *testing.T, a *acctmap.Actor, ds acctmap.DataSource, kind acctmap.PopulationKind, name string, f acctmap.Filter) acctmap.Population {
	t.Helper()
	return must[acctmap.Population](t, "CreatePopulation")(a.CreatePopulation(context.Background(), acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: kind, Name: name, Filter: f}))
}

func peopleStage(v string) acctmap.Filter {
	return acctmap.Filter{All: []acctmap.Condition{{Field: "Stage", Op: acctmap.Equals, Value: v}}}
}

func TestPeopleDataSourceSubject(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	for _, tc := range []struct {
		subject acctmap.Subject
		want    acctmap.Subject
		err     error
	}{
		{"", acctmap.Accounts, nil},
		{acctmap.Accounts, acctmap.Accounts, nil},
		{acctmap.People, acctmap.People, nil},
		{"persons", "", acctmap.ErrInvalidInput},
	} {
		ds, err := w.adminA.CreateDataSource(ctx, acctmap.NewDataSource{Name: "DS " + string(tc.subject) + "x", Subject: tc.subject})
		wantErr(t, "CreateDataSource "+string(tc.subject), err, tc.err)
		if err != nil {
			continue
		}
		got := must[acctmap.DataSource](t, "DataSource")(w.adminA.DataSource(ctx, ds.ID))
		if got.Subject != tc.want {
			t.Errorf("Subject %q: stored %q, want %q", tc.subject, got.Subject, tc.want)
		}
	}
}

func TestPeoplePushNormalizes(t *testing.T) {
	t.Parallel()
	w := newPeopleWorld(t)
	sum := w.push(t, w.a, w.aPeople,
		acctmap.RecordInput{ID: "1", Email: ` "Ann Lee" <Ann.Lee@Acme.com> `, Name: "Ann Lee"},
		acctmap.RecordInput{ID: "2", Email: "mailto:bob.smith+news@gmail.com", Website: "https://bolt.io/team"},
		acctmap.RecordInput{ID: "3", Email: "cy@hotmail.com"},
		acctmap.RecordInput{ID: "4", Email: "dee+x@acme.com"},
		acctmap.RecordInput{ID: "5", Name: "No Address"},
		acctmap.RecordInput{ID: "6", Email: "not an address"},
		acctmap.RecordInput{ID: "7", Email: "e@acme.com", Fields: map[string]string{"email": "other@acme.com"}},
		acctmap.RecordInput{ID: "8", Email: "f@gmail.com", Website: "::"},
	)
	type got struct {
		ID, Key string
		Domains []string
		Email   string
	}
	var recs []got
	for r, err := range w.a.Records(context.Background(), w.aPeople.ID, acctmap.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, got{r.ID, r.EmailKey, r.Domains, r.Fields["email"]})
	}
	want := []got{
		{"1", "ann.lee@acme.com", []string{"acme.com"}, `"Ann Lee" <Ann.Lee@Acme.com>`},
		{"2", "bobsmith@gmail.com", []string{"bolt.io"}, "mailto:bob.smith+news@gmail.com"}, // free mail: the website's domain
		{"3", "cy@hotmail.com", nil, "cy@hotmail.com"},                                      // free mail, no website: no company
		{"4", "dee+x@acme.com", []string{"acme.com"}, "dee+x@acme.com"},                     // plus-tags stay where undocumented
		{"8", "f@gmail.com", nil, "f@gmail.com"},
	}
	if d := cmp.Diff(want, recs); d != "" {
		t.Errorf("records (-want +got):\n%s", d)
	}
	var reasons []string
	for _, r := range sum.Rejections {
		reasons = append(reasons, r.RecordID+": "+r.Reason)
	}
	wantReasons := []string{
		"5: no e-mail address: a person's key",
		`6: e-mail "not an address": no @`,
		`7: field "email" is the e-mail address: it differs from Email`,
	}
	if d := cmp.Diff(wantReasons, reasons); d != "" {
		t.Errorf("rejections (-want +got):\n%s", d)
	}
	if sum.Warned != 1 || !strings.HasPrefix(sum.Warnings[0].Reason, "website:") {
		t.Errorf("warnings: %+v, want one about record 8's website", sum.Warnings)
	}
	// An accounts data source takes no e-mail: it says so.
	sum = w.push(t, w.b, w.bAccts, acctmap.RecordInput{ID: "x", Name: "Acme", Website: "acme.com", Email: "ann@acme.com"})
	if sum.Warned != 1 || !strings.Contains(sum.Warnings[0].Reason, "e-mail address ignored") {
		t.Errorf("accounts push with an e-mail: warnings %+v", sum.Warnings)
	}
}

func TestPeopleImportCSVRejections(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newPeopleWorld(t)
	ds := must[acctmap.DataSource](t, "CreateDataSource")(w.a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Upload", Subject: acctmap.People}))
	long := strings.Repeat("x", 300) + "@acme.com"
	csv := "Id,E-mail,Name,Stage\n" +
		"1,ann@acme.com,Ann,Lead\n" +
		"2,,Bob,Lead\n" +
		"3,cy@@acme.com,Cy,Lead\n" +
		"4," + long + ",Dee,Lead\n" +
		",eve@acme.com,Eve,Lead\n" +
		"Id,E-mail,Name,Stage\n" +
		"6,ANN@acme.com,Ann again,Lead\n"
	sum, err := w.a.ImportCSV(ctx, ds.ID, strings.NewReader(csv), acctmap.CSVImport{FileName: "people.csv",
		People: acctmap.PeopleMapping{ID: "Id", Email: "E-mail", Name: "Name"}})
	if err != nil {
		t.Fatalf("ImportCSV: %v", err)
	}
	type rej struct {
		Line, Column int
		Field, Value string
	}
	var got []rej
	for _, r := range sum.Rejections {
		got = append(got, rej{r.Line, r.Column, r.Field, r.Value})
		if len(r.Reason) > 300 {
			t.Errorf("line %d: reason of %d bytes", r.Line, len(r.Reason))
		}
	}
	want := []rej{
		{3, 2, "E-mail", ""},
		{4, 2, "E-mail", "cy@@acme.com"},
		{5, 2, "E-mail", strings.Repeat("x", 48) + "…"},
		{6, 1, "Id", ""},
		{7, 0, "", ""},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("rejections (-want +got):\n%s", d)
	}
	if sum.Accepted != 2 || sum.Rows != 7 {
		t.Errorf("summary: %d rows, %d accepted; want 7 and 2", sum.Rows, sum.Accepted)
	}
	// Bad mappings and files change nothing.
	for _, tc := range []struct {
		name string
		csv  string
		m    acctmap.PeopleMapping
	}{
		{"no e-mail column mapped", "E-mail\nann@acme.com\n", acctmap.PeopleMapping{}},
		{"a missing column", "E-mail\nann@acme.com\n", acctmap.PeopleMapping{Email: "Mail"}},
		{"a column mapped twice", "E-mail\nann@acme.com\n", acctmap.PeopleMapping{Email: "E-mail", Name: "e-mail"}},
		{"no usable address", "E-mail\nnope\n", acctmap.PeopleMapping{Email: "E-mail"}},
		{"no rows", "E-mail\n", acctmap.PeopleMapping{Email: "E-mail"}},
	} {
		_, err := w.a.ImportCSV(ctx, ds.ID, strings.NewReader(tc.csv), acctmap.CSVImport{People: tc.m})
		wantErr(t, tc.name, err, acctmap.ErrInvalidInput)
	}
	n := 0
	for _, err := range w.a.Records(ctx, ds.ID, acctmap.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 {
		t.Errorf("after refused imports: %d records, want the 2 of the first", n)
	}
}

func TestPeoplePopulationKinds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newPeopleWorld(t)
	for _, tc := range []struct {
		ds   acctmap.DataSource
		kind acctmap.PopulationKind
		err  error
	}{
		{w.bPeople, acctmap.Leads, nil},
		{w.bPeople, acctmap.Leads, acctmap.ErrConflict},
		{w.bPeople, acctmap.CustomerContacts, nil},
		{w.bPeople, acctmap.Customers, acctmap.ErrInvalidInput},
		{w.bAccts, acctmap.Contacts, acctmap.ErrInvalidInput},
		{w.bAccts, acctmap.Customers, nil},
	} {
		p, err := w.b.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: tc.ds.ID, Kind: tc.kind})
		wantErr(t, string(tc.kind)+" on "+tc.ds.Name, err, tc.err)
		if err == nil && p.Name != tc.kind.StandardName() {
			t.Errorf("%s: named %q", tc.kind, p.Name)
		}
	}
	if got := acctmap.CustomerContacts.StandardName(); got != "Customers' Contacts" {
		t.Errorf("CustomerContacts is named %q", got)
	}
}

// TestPeopleMatrices: people count in the people matrices only, once per
// e-mail key, without the partner's private records or hidden
// populations; accounts matrices and reports never see people.
func TestPeopleMatrices(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newPeopleWorld(t)
	w.push(t, w.a, w.aPeople,
		acctmap.RecordInput{ID: "a1", Email: "ann@acme.com", Fields: map[string]string{"Stage": "Lead"}},
		acctmap.RecordInput{ID: "a2", Email: "ANN@acme.com", Fields: map[string]string{"Stage": "Lead"}}, // the same person
		acctmap.RecordInput{ID: "a3", Email: "bo@bolt.io", Fields: map[string]string{"Stage": "Lead"}},
		acctmap.RecordInput{ID: "a4", Email: "cy@cirrus.dev", Fields: map[string]string{"Stage": "Lead"}},
		acctmap.RecordInput{ID: "a5", Email: "di@gmail.com", Fields: map[string]string{"Stage": "Lead"}},
	)
	w.push(t, w.b, w.bPeople,
		acctmap.RecordInput{ID: "b1", Email: "Ann@Acme.com", Fields: map[string]string{"Stage": "Contact"}},
		acctmap.RecordInput{ID: "b2", Email: "bo@bolt.io", Fields: map[string]string{"Stage": "Contact"}},
		acctmap.RecordInput{ID: "b3", Email: "cy@cirrus.dev", Fields: map[string]string{"Stage": "Secret"}},
		acctmap.RecordInput{ID: "b4", Email: "d.i@gmail.com", Fields: map[string]string{"Stage": "Contact"}},
	)
	w.push(t, w.b, w.bAccts,
		acctmap.RecordInput{ID: "c1", Name: "Acme", Website: "acme.com", Fields: map[string]string{"Stage": "Customer"}},
		acctmap.RecordInput{ID: "c2", Name: "Cirrus", Website: "cirrus.dev", Fields: map[string]string{"Stage": "Customer"}},
		acctmap.RecordInput{ID: "c3", Name: "Gmail", Website: "gmail.com", Fields: map[string]string{"Stage": "Customer"}},
	)
	if _, err := w.b.SetPrivate(ctx, w.bPeople.ID, []string{"b2"}, true); err != nil {
		t.Fatal(err)
	}
	leads := w.pop(t, w.a, w.aPeople, acctmap.Leads, "", peopleStage("Lead"))
	contacts := w.pop(t, w.b, w.bPeople, acctmap.Contacts, "", peopleStage("Contact"))
	secret := w.pop(t, w.b, w.bPeople, acctmap.Custom, "Secret people", peopleStage("Secret"))
	customers := w.pop(t, w.b, w.bAccts, acctmap.Customers, "", peopleStage("Customer"))
	if err := w.b.SetShareRule(ctx, secret.ID, "a", acctmap.SharingRule{Level: acctmap.Hidden}); err != nil {
		t.Fatal(err)
	}
	pm := must[acctmap.OverlapMatrix](t, "PeopleMatrix")(w.a.PeopleMatrix(ctx, "b"))
	if d := cmp.Diff([]string{leads.ID}, popIDs(pm.Rows)); d != "" {
		t.Errorf("people matrix rows (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{contacts.ID}, popIDs(pm.Cols)); d != "" {
		t.Errorf("people matrix columns (-want +got):\n%s", d)
	}
	// ann (twice on a's side) and di (Gmail ignores dots); bo is private.
	if d := cmp.Diff([][]int64{{2}}, pm.Counts); d != "" {
		t.Errorf("people matrix counts (-want +got):\n%s", d)
	}
	pa := must[acctmap.OverlapMatrix](t, "PeopleAtPartnerAccounts")(w.a.PeopleAtPartnerAccounts(ctx, "b"))
	if d := cmp.Diff([]string{customers.ID}, popIDs(pa.Cols)); d != "" {
		t.Errorf("people at accounts columns (-want +got):\n%s", d)
	}
	// ann at acme.com, cy at cirrus.dev; di's gmail.com is no company.
	if d := cmp.Diff([][]int64{{2}}, pa.Counts); d != "" {
		t.Errorf("people at accounts counts (-want +got):\n%s", d)
	}
	// a does not show its leads to b: every person counted is hidden from b.
	if err := w.a.SetShareRule(ctx, leads.ID, "b", acctmap.SharingRule{Level: acctmap.Hidden}); err != nil {
		t.Fatal(err)
	}
	pm = must[acctmap.OverlapMatrix](t, "PeopleMatrix")(w.a.PeopleMatrix(ctx, "b"))
	if d := cmp.Diff([][]int64{{2}}, pm.HiddenFromPartner); d != "" {
		t.Errorf("hidden from partner (-want +got):\n%s", d)
	}
	// Account matrices and reports have no people.
	m := must[acctmap.OverlapMatrix](t, "Matrix")(w.a.Matrix(ctx, "b"))
	if len(m.Rows) != 0 || len(m.Cols) != 1 || m.Cols[0].ID != customers.ID {
		t.Errorf("account matrix: rows %v, columns %v; want none and Customers", popIDs(m.Rows), popIDs(m.Cols))
	}
	if err := w.b.SetShareRule(ctx, customers.ID, "a", acctmap.SharingRule{Level: acctmap.OverlappingRecords, Fields: []string{"name"}}); err != nil {
		t.Fatal(err)
	}
	_, err := w.a.Report(ctx, acctmap.ReportSpec{Partner: "b", Population: leads.ID, PartnerPopulation: customers.ID})
	wantErr(t, "Report of a people population", err, acctmap.ErrInvalidInput)
	_, err = w.a.AccountMapping(ctx, leads.ID)
	wantErr(t, "AccountMapping of a people population", err, acctmap.ErrInvalidInput)
	_, err = w.a.PeopleMatrix(ctx, "a")
	wantErr(t, "PeopleMatrix with oneself", err, acctmap.ErrInvalidInput)
	_, err = w.a.PeopleMatrix(ctx, "nobody")
	wantErr(t, "PeopleMatrix with a stranger", err, acctmap.ErrNotPartners)
}

func popIDs(ps []acctmap.PopulationInfo) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

// TestPeopleEmailNotRevealed: a partner's e-mail addresses reach the
// viewer only in the "email" field, and only where a rule names it.
func TestPeopleEmailNotRevealed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newPeopleWorld(t)
	w.push(t, w.a, w.aPeople, acctmap.RecordInput{ID: "a1", Email: "ann.lee@acme.com", Name: "Ann"},
		acctmap.RecordInput{ID: "a2", Email: "bo@bolt.io", Name: "Bo"})
	// b spells its addresses otherwise: the spelling is b's data.
	const secret1, secret2 = `"Ann Lee (Board)" <Ann.Lee@ACME.com>`, "mailto:Bo@Bolt.io?subject=b-only"
	w.push(t, w.b, w.bPeople, acctmap.RecordInput{ID: "b1", Email: secret1, Name: "Ann Lee", Fields: map[string]string{"title": "CFO"}},
		acctmap.RecordInput{ID: "b2", Email: secret2, Name: "Bo", Fields: map[string]string{"title": "CTO"}},
		acctmap.RecordInput{ID: "b3", Email: "zed@zeta.org", Name: "Zed"})
	w.push(t, w.b, w.bAccts, acctmap.RecordInput{ID: "c1", Name: "Acme", Website: "acme.com"})
	leads := w.pop(t, w.a, w.aPeople, acctmap.Leads, "", acctmap.Filter{})
	contacts := w.pop(t, w.b, w.bPeople, acctmap.Contacts, "", acctmap.Filter{})
	customers := w.pop(t, w.b, w.bAccts, acctmap.Customers, "", acctmap.Filter{})
	if err := w.b.SetShareRule(ctx, customers.ID, "a", acctmap.SharingRule{Level: acctmap.FullPopulation, Fields: []string{"name"}}); err != nil {
		t.Fatal(err)
	}
	observe := func() string {
		var out []any
		for _, f := range []func() (any, error){
			func() (any, error) { return w.a.PeopleMatrix(ctx, "b") },
			func() (any, error) { return w.a.PeopleAtPartnerAccounts(ctx, "b") },
			func() (any, error) {
				return w.a.PeopleReport(ctx, acctmap.ReportSpec{Partner: "b", Population: leads.ID, PartnerPopulation: contacts.ID})
			},
			func() (any, error) {
				return w.a.PeopleAtPartnerAccountsReport(ctx, acctmap.ReportSpec{Partner: "b", Population: leads.ID, PartnerPopulation: customers.ID})
			},
			func() (any, error) {
				return w.a.PartnerRecords(ctx, acctmap.ReportSpec{Partner: "b", PartnerPopulation: contacts.ID})
			},
			func() (any, error) { return w.a.PartnerPopulations(ctx, "b") },
		} {
			v, err := f()
			e := ""
			if err != nil {
				e = err.Error()
			}
			out = append(out, v, e)
		}
		b, err := json.Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	leaks := func(s string) []string {
		var out []string
		for _, secret := range []string{secret1, secret2, "zed@zeta.org", "Ann.Lee@ACME", "b-only"} {
			if b, _ := json.Marshal(secret); strings.Contains(s, strings.Trim(string(b), `"`)) {
				out = append(out, secret)
			}
		}
		return out
	}
	for _, rule := range []acctmap.SharingRule{
		{Level: acctmap.CountsOnly},
		{Level: acctmap.OverlappingRecords, Fields: []string{"name", "title", "id"}},
		{Level: acctmap.FullPopulation, Fields: []string{"name", "title", "website"}},
	} {
		if err := w.b.SetShareRule(ctx, contacts.ID, "a", rule); err != nil {
			t.Fatal(err)
		}
		if got := leaks(observe()); len(got) > 0 {
			t.Errorf("rule %+v: a sees %q", rule, got)
		}
	}
	// Named explicitly, the field is shown: the test can see a leak.
	if err := w.b.SetShareRule(ctx, contacts.ID, "a", acctmap.SharingRule{Level: acctmap.FullPopulation, Fields: []string{"name", "email"}}); err != nil {
		t.Fatal(err)
	}
	if got := leaks(observe()); len(got) == 0 {
		t.Error("a rule sharing \"email\" shows no address: the test cannot see a leak")
	}
	rep := must[acctmap.Report](t, "PeopleReport")(w.a.PeopleReport(ctx, acctmap.ReportSpec{Partner: "b", Population: leads.ID, PartnerPopulation: contacts.ID,
		Columns: []string{"my.id", "partner.email", "match.on", "match.key"}}))
	want := [][]string{{"a1", secret1, "email", "ann.lee@acme.com"}, {"a2", secret2, "email", "bo@bolt.io"}}
	var got [][]string
	for _, r := range rep.Rows {
		got = append(got, r.Values)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("report with the email field shared (-want +got):\n%s", d)
	}
}

// TestPeopleCountPolicy: the partner's count policy applies to its people
// populations shared at counts only, as to its accounts.
func TestPeopleCountPolicy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newPeopleWorld(t)
	w.push(t, w.a, w.aPeople, acctmap.RecordInput{ID: "a1", Email: "ann@acme.com"})
	w.push(t, w.b, w.bPeople, acctmap.RecordInput{ID: "b1", Email: "ann@acme.com"})
	w.push(t, w.b, w.bAccts, acctmap.RecordInput{ID: "c1", Name: "Acme", Website: "acme.com"})
	w.pop(t, w.a, w.aPeople, acctmap.Leads, "", acctmap.Filter{})
	w.pop(t, w.b, w.bPeople, acctmap.Contacts, "", acctmap.Filter{})
	w.pop(t, w.b, w.bAccts, acctmap.Customers, "", acctmap.Filter{})
	for _, f := range []func(context.Context, string) (acctmap.OverlapMatrix, error){w.a.PeopleMatrix, w.a.PeopleAtPartnerAccounts} {
		if m := must[acctmap.OverlapMatrix](t, "matrix")(f(ctx, "b")); m.Counts[0][0] != 1 {
			t.Fatalf("without a policy: %v", m.Counts)
		}
	}
	if err := w.b.SetCountPolicy(ctx, "a", acctmap.CountPolicy{MinCellSize: 2}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []func(context.Context, string) (acctmap.OverlapMatrix, error){w.a.PeopleMatrix, w.a.PeopleAtPartnerAccounts} {
		m := must[acctmap.OverlapMatrix](t, "matrix")(f(ctx, "b"))
		if m.Counts[0][0] != -1 || m.Release[0][0] != acctmap.CountReleasedBelow {
			t.Errorf("with MinCellSize 2: counts %v, release %v", m.Counts, m.Release)
		}
	}
	if err := w.b.SetCountPolicy(ctx, "a", acctmap.CountPolicy{Epsilon: 1, Budget: 1, Period: 24 * 3600e9}); err != nil {
		t.Fatal(err)
	}
	first := must[acctmap.OverlapMatrix](t, "PeopleMatrix")(w.a.PeopleMatrix(ctx, "b"))
	again := must[acctmap.OverlapMatrix](t, "PeopleMatrix")(w.a.PeopleMatrix(ctx, "b"))
	if d := cmp.Diff(first, again); d != "" || first.Release[0][0] != acctmap.CountNoisy {
		t.Errorf("a noisy cell read twice: release %v, diff %s", first.Release, d)
	}
	// The budget (one cell) is spent: a new cell is withheld.
	m := must[acctmap.OverlapMatrix](t, "PeopleAtPartnerAccounts")(w.a.PeopleAtPartnerAccounts(ctx, "b"))
	if m.Release[0][0] != acctmap.CountReleasedWithheld {
		t.Errorf("a second cell past the budget: release %v", m.Release)
	}
}
