package acctmap_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/boltstore"
	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/fieldtype"
	"github.com/acctmap/acctmap/memstore"
)

// typedSource pushes records of one field into a new pushed data source
// declaring types, and returns it: record ids are the values' positions,
// "r0", "r1", ...
func typedSource(t *testing.T, a *acctmap.Actor, name string, locale fieldtype.Locale, types map[string]fieldtype.Type, field string, values []string) acctmap.DataSource {
	t.Helper()
	ctx := context.Background()
	ds, err := a.CreateDataSource(ctx, acctmap.NewDataSource{Name: name, Kind: acctmap.PushedSource, FieldTypes: types, Locale: locale})
	if err != nil {
		t.Fatalf("CreateDataSource(%s): %v", name, err)
	}
	in := make([]acctmap.RecordInput, len(values))
	for i, v := range values {
		in[i] = acctmap.RecordInput{ID: "r" + string(rune('0'+i)), Name: "Company " + v, Website: "c" + string(rune('a'+i)) + ".example",
			Fields: map[string]string{field: v}}
	}
	if _, err := a.UpsertRecords(ctx, ds.ID, in); err != nil {
		t.Fatalf("UpsertRecords(%s): %v", name, err)
	}
	return ds
}

// selected returns the ids of the records f selects, by PreviewPopulation.
func selected(t *testing.T, a *acctmap.Actor, dsID string, f acctmap.Filter) ([]string, error) {
	t.Helper()
	pv, err := a.PreviewPopulation(context.Background(), dsID, f, acctmap.MaxPreview)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, r := range pv.Records {
		ids = append(ids, r.ID)
	}
	return ids, nil
}

func cond(field string, op acctmap.Op, value string, values ...string) acctmap.Filter {
	return acctmap.Filter{All: []acctmap.Condition{{Field: field, Op: op, Value: value, Values: values}}}
}

// TestTypedComparisons is issue 18's examples: a money field written as
// German and American CRMs write it, dates in both orders, and the same
// values in an untyped field, which keeps today's text and number
// comparisons exactly.
func TestTypedComparisons(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.adminA
	money := map[string]fieldtype.Type{"ARR": {Kind: fieldtype.Money}}
	dates := map[string]fieldtype.Type{"Closed": {Kind: fieldtype.Date}}
	de := typedSource(t, a, "DE", fieldtype.DE, money, "ARR", []string{"1.234,56", "999,99", "1.000", "$2,000", "2.000,00 €"})
	us := typedSource(t, a, "US", fieldtype.US, money, "ARR", []string{"$2,000", "2000", "$999.99", "1.234,56", "1,000", "€5"})
	plain := typedSource(t, a, "untyped", fieldtype.US, nil, "ARR", []string{"$2,000", "2000", "$999.99", "1.234,56", "1,000"})
	usDates := typedSource(t, a, "US dates", fieldtype.US, dates, "Closed", []string{"12/31/2024", "01/15/2025", "2024-06-01", "31.12.2024", "Dec 1, 2024"})
	deDates := typedSource(t, a, "DE dates", fieldtype.DE, dates, "Closed", []string{"31.12.2024", "15.01.2025", "2024-06-01", "12/31/2024", "1. Dezember 2024"})
	plainDates := typedSource(t, a, "untyped dates", fieldtype.US, nil, "Closed", []string{"12/31/2024", "01/15/2025", "2024-06-01", "31.12.2024"})

	for _, tc := range []struct {
		name string
		ds   acctmap.DataSource
		f    acctmap.Filter
		want []string
	}{
		// ARR > 1000 matched 0 of the 3 records of the issue.
		{"DE ARR > 1000", de, cond("ARR", acctmap.GreaterThan, "1000"), []string{"r0", "r4"}},
		{"DE ARR > 1.000,5", de, cond("ARR", acctmap.GreaterThan, "1.000,5"), []string{"r0", "r4"}},
		{"DE ARR < 1000", de, cond("ARR", acctmap.LessThan, "1000"), []string{"r1"}},
		{"DE ARR = 1.000,00", de, cond("ARR", acctmap.Equals, "1.000,00"), []string{"r2"}},
		{"DE ARR = 1000 €", de, cond("ARR", acctmap.Equals, "1000 €"), []string{"r2"}},
		{"DE ARR in", de, cond("ARR", acctmap.In, "", "1000", "2000"), []string{"r2", "r4"}},
		{"DE ARR not in: the unparsed $2,000 kept", de, cond("ARR", acctmap.NotIn, "", "1000", "2000"), []string{"r0", "r1", "r3"}},
		{"US ARR > 1000", us, cond("ARR", acctmap.GreaterThan, "1000"), []string{"r0", "r1"}},
		{"US ARR > $1,000.00", us, cond("ARR", acctmap.GreaterThan, "$1,000.00"), []string{"r0", "r1"}},
		{"US ARR < 1000: €5 is no USD", us, cond("ARR", acctmap.LessThan, "1000"), []string{"r2"}},
		{"US ARR = 2000", us, cond("ARR", acctmap.Equals, "2000"), []string{"r0", "r1"}},
		{"US ARR != 2000", us, cond("ARR", acctmap.NotEquals, "2000"), []string{"r2", "r3", "r4", "r5"}},
		{"US ARR contains: text as before", us, cond("ARR", acctmap.Contains, "$"), []string{"r0", "r2"}},
		{"US ARR is_not_empty: text as before", us, cond("ARR", acctmap.IsNotEmpty, ""), []string{"r0", "r1", "r2", "r3", "r4", "r5"}},
		// The same values untyped: today's behaviour, unchanged.
		{"untyped ARR > 1000", plain, cond("ARR", acctmap.GreaterThan, "1000"), []string{"r1"}},
		{"untyped ARR > 1.000,00 accepted and misread as before", plain, cond("ARR", acctmap.GreaterThan, "1.000,00"), []string{"r1", "r3", "r4"}},
		{"untyped ARR = 2000", plain, cond("ARR", acctmap.Equals, "2000"), []string{"r1"}},
		// Dates: those of the locale's order and the year-first and
		// month-name ones, in any locale.
		{"US Closed > 12/01/2024", usDates, cond("Closed", acctmap.GreaterThan, "12/01/2024"), []string{"r0", "r1"}},
		{"US Closed > 2024-12-01", usDates, cond("Closed", acctmap.GreaterThan, "2024-12-01"), []string{"r0", "r1"}},
		{"US Closed < Dec 2, 2024", usDates, cond("Closed", acctmap.LessThan, "Dec 2, 2024"), []string{"r2", "r4"}},
		{"US Closed = 2024-12-31", usDates, cond("Closed", acctmap.Equals, "2024-12-31"), []string{"r0"}},
		{"DE Closed > 01.12.2024", deDates, cond("Closed", acctmap.GreaterThan, "01.12.2024"), []string{"r0", "r1"}},
		{"DE Closed < 2.12.2024", deDates, cond("Closed", acctmap.LessThan, "2.12.2024"), []string{"r2", "r4"}},
		{"DE Closed in", deDates, cond("Closed", acctmap.In, "", "31.12.2024", "2025-01-15"), []string{"r0", "r1"}},
		// Untyped, only ISO dates compare: 12/31/2024 and 31.12.2024 are
		// silently left out, as issue 18 found.
		{"untyped Closed > 2024-01-01", plainDates, cond("Closed", acctmap.GreaterThan, "2024-01-01"), []string{"r2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := selected(t, a, tc.ds.ID, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("selected (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTypedOperandErrors: an operand that does not parse under its
// field's type is a *FilterError naming the field and the value, with the
// parse error for errors.As, wherever a filter is given; nothing is saved.
func TestTypedOperandErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	a := w.adminA
	types := map[string]fieldtype.Type{"ARR": {Kind: fieldtype.Number}, "Closed": {Kind: fieldtype.Date}, "Active": {Kind: fieldtype.Boolean}}
	ds := typedSource(t, a, "US", fieldtype.US, types, "ARR", []string{"2000"})
	if _, err := a.UpsertRecords(ctx, ds.ID, []acctmap.RecordInput{{ID: "more", Name: "More", Website: "more.example",
		Fields: map[string]string{"Closed": "12/31/2024", "Active": "yes", "Stage": "Customer"}}}); err != nil {
		t.Fatal(err)
	}
	ok, err := a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Custom, Name: "big", Filter: cond("ARR", acctmap.GreaterThan, "1000")})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("9,", 300)
	for _, tc := range []struct {
		name         string
		f            acctmap.Filter
		field, value string
		path         string
	}{
		{"US number 1.000,00", cond("ARR", acctmap.GreaterThan, "1.000,00"), "ARR", "1.000,00", "all[0]"},
		{"equals", cond("arr", acctmap.Equals, "12 apples"), "ARR", "12 apples", "all[0]"},
		{"in, second value", cond("ARR", acctmap.In, "", "1", "1.000,00"), "ARR", "1.000,00", "all[0]"},
		{"date 31.12.2024 in US", cond("Closed", acctmap.LessThan, "31.12.2024"), "Closed", "31.12.2024", "all[0]"},
		{"two-digit year", cond("Closed", acctmap.GreaterThan, "12/31/24"), "Closed", "12/31/24", "all[0]"},
		{"boolean", cond("Active", acctmap.Equals, "maybe"), "Active", "maybe", "all[0]"},
		{"any_of", acctmap.Filter{AnyOf: [][]acctmap.Condition{{{Field: "Stage", Op: acctmap.Equals, Value: "x"}, {Field: "ARR", Op: acctmap.LessThan, Value: "$5"}}}}, "ARR", "$5", "any_of[0][1]"},
		{"long operand, quoted bounded", cond("ARR", acctmap.GreaterThan, long), "ARR", long[:40], "all[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			check := func(what string, err error) {
				t.Helper()
				var fe *acctmap.FilterError
				var pe *fieldtype.ParseError
				switch {
				case !errors.Is(err, acctmap.ErrInvalidInput):
					t.Fatalf("%s: %v, want ErrInvalidInput", what, err)
				case !errors.As(err, &fe):
					t.Fatalf("%s: %v, want a *FilterError", what, err)
				case !errors.As(err, &pe) || !errors.Is(err, fieldtype.ErrParse):
					t.Errorf("%s: %v, want the *fieldtype.ParseError", what, err)
				}
				if fe.Field != tc.field || fe.Value != tc.value || fe.Path != tc.path {
					t.Errorf("%s: FilterError{Path %q, Field %q, Value %q}, want {%q, %q, %q}", what, fe.Path, fe.Field, fe.Value, tc.path, tc.field, tc.value)
				}
				if msg := err.Error(); !strings.Contains(msg, `"`+tc.field+`"`) || !strings.Contains(msg, clip40(tc.value)) || len(msg) > 600 {
					t.Errorf("%s: message %q does not name the field and the value (bounded)", what, msg)
				}
			}
			_, err := a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Custom, Name: "p " + tc.name, Filter: tc.f})
			check("CreatePopulation", err)
			_, err = a.UpdatePopulation(ctx, ok.ID, acctmap.PopulationSpec{Name: "big", Filter: tc.f})
			check("UpdatePopulation", err)
			_, err = a.PreviewPopulation(ctx, ds.ID, tc.f, 10)
			check("PreviewPopulation", err)
			for _, err := range a.Records(ctx, ds.ID, tc.f) {
				check("Records", err)
				break
			}
		})
	}
	t.Cleanup(func() {
		pops, err := a.Populations(ctx, "")
		if err != nil || len(pops) != 1 || !cmp.Equal(pops[0].Filter, ok.Filter) {
			t.Errorf("after the refused filters, populations = %+v, %v; want only %q unchanged", pops, err, ok.Name)
		}
	})
}

func clip40(s string) string {
	if len(s) > 40 {
		return s[:40]
	}
	return s
}

// TestTypedImportWarnings: a stored value that does not parse under its
// column's type is a warning naming the line, the column and the value,
// with the csvsource error (and the parse error) for errors.As; the row is
// imported, and comparisons leave it out.
func TestTypedImportWarnings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	a := w.adminA
	ds, err := a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Upload"})
	if err != nil {
		t.Fatal(err)
	}
	file := "Company,Website,ARR,Closed\n" +
		"Globex,globex.com,\"$2,000\",12/31/2024\n" +
		"Initech,initech.com,\"1.234,56\",31.12.2024\n" +
		"Umbrella,umbrella.com,,2024-06-01\n" +
		"Hooli,hooli.com,2000,\n"
	sum, err := a.ImportCSV(ctx, ds.ID, strings.NewReader(file), acctmap.CSVImport{
		Mapping:    csvsource.Mapping{Name: "Company", Website: "Website"},
		FileName:   "accounts.csv",
		FieldTypes: map[string]fieldtype.Type{"arr": {Kind: fieldtype.Money}, "Closed": {Kind: fieldtype.Date}},
		Locale:     fieldtype.US,
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Accepted != 4 || sum.Warned != 2 {
		t.Errorf("Accepted %d, Warned %d; want 4 and 2", sum.Accepted, sum.Warned)
	}
	type warning struct {
		Line, Column int
		Field, Value string
	}
	var got []warning
	for _, wn := range sum.Warnings {
		got = append(got, warning{wn.Line, wn.Column, wn.Field, wn.Value})
		var ce *csvsource.Error
		var pe *fieldtype.ParseError
		if !errors.As(wn.Err, &ce) || ce.Line != wn.Line || ce.File != "accounts.csv" || !errors.As(wn.Err, &pe) || pe.Value != wn.Value {
			t.Errorf("warning %+v: Err %v, want a *csvsource.Error of its line wrapping the *fieldtype.ParseError", wn, wn.Err)
		}
		if !strings.Contains(wn.Reason, wn.Field) || !strings.Contains(wn.Reason, wn.Value) {
			t.Errorf("warning reason %q does not name the field and the value", wn.Reason)
		}
	}
	want := []warning{{3, 3, "ARR", "1.234,56"}, {3, 4, "Closed", "31.12.2024"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	stored, err := a.DataSource(ctx, ds.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantTypes := map[string]fieldtype.Type{"ARR": {Kind: fieldtype.Money}, "Closed": {Kind: fieldtype.Date}}
	if diff := cmp.Diff(wantTypes, stored.FieldTypes); diff != "" || stored.Locale != fieldtype.US {
		t.Errorf("stored types (-want +got):\n%s; locale %v", diff, stored.Locale)
	}
	names := func(f acctmap.Filter) []string {
		var out []string
		for r, err := range a.Records(ctx, ds.ID, f) {
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, r.Name)
		}
		slices.Sort(out)
		return out
	}
	if got := names(cond("ARR", acctmap.GreaterThan, "1000")); !slices.Equal(got, []string{"Globex", "Hooli"}) {
		t.Errorf("ARR > 1000: %v, want Globex and Hooli", got)
	}
	if got := names(cond("Closed", acctmap.GreaterThan, "2024-12-01")); !slices.Equal(got, []string{"Globex"}) {
		t.Errorf("Closed > 2024-12-01: %v, want Globex", got)
	}
	// A re-import without FieldTypes keeps the declared types and warns
	// by them.
	sum, err = a.ImportCSV(ctx, ds.ID, strings.NewReader(file), acctmap.CSVImport{Mapping: csvsource.Mapping{Name: "Company", Website: "Website"}})
	if err != nil || sum.Warned != 2 {
		t.Errorf("re-import: Warned %d, %v; want 2", sum.Warned, err)
	}

	// A people data source declares its types otherwise.
	people, err := a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Leads", Subject: acctmap.People})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ImportCSV(ctx, people.ID, strings.NewReader("Email\nann@globex.com\n"), acctmap.CSVImport{
		People: acctmap.PeopleMapping{Email: "Email"}, FieldTypes: map[string]fieldtype.Type{}}); !errors.Is(err, acctmap.ErrInvalidInput) {
		t.Errorf("people import with FieldTypes: %v, want ErrInvalidInput", err)
	}

	// A sync warns by index and field.
	crm := typedSource(t, a, "CRM", fieldtype.DE, map[string]fieldtype.Type{"ARR": {Kind: fieldtype.Number}}, "ARR", []string{"1.234,56"})
	psum, err := a.UpsertRecords(ctx, crm.ID, []acctmap.RecordInput{
		{ID: "x", Name: "X", Website: "xcorp.com", Fields: map[string]string{"ARR": "12,5"}},
		{ID: "y", Name: "Y", Website: "ycorp.com", Fields: map[string]string{"ARR": "1,234.56"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(psum.Warnings) != 1 || psum.Warnings[0].Index != 1 || psum.Warnings[0].Field != "ARR" || psum.Warnings[0].Value != "1,234.56" || psum.Warnings[0].RecordID != "y" {
		t.Errorf("sync warnings %+v, want one for index 1, ARR, 1,234.56", psum.Warnings)
	}
	var pe *fieldtype.ParseError
	if len(psum.Warnings) == 1 && !errors.As(psum.Warnings[0].Err, &pe) {
		t.Errorf("sync warning Err %v, want a *fieldtype.ParseError", psum.Warnings[0].Err)
	}
}

// TestSetFieldTypes: declaring types later re-evaluates the membership of
// the data source's populations under them, and bumps its version; a
// saved filter that the new types cannot read makes the call fail and
// change nothing; invalid types are ErrInvalidInput.
func TestSetFieldTypes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	a := w.adminA
	ds := typedSource(t, a, "US", fieldtype.Locale{}, nil, "ARR", []string{"$2,000", "2000", "$999.99", "1,500"})
	big, err := a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Custom, Name: "big", Filter: cond("ARR", acctmap.GreaterThan, "1000")})
	if err != nil {
		t.Fatal(err)
	}
	members := func() []string {
		var ids []string
		for r, err := range a.Records(ctx, ds.ID, acctmap.Filter{}) {
			if err != nil {
				t.Fatal(err)
			}
			if r.Populations&(1<<uint(big.Slot)) != 0 {
				ids = append(ids, r.ID)
			}
		}
		slices.Sort(ids)
		return ids
	}
	// Untyped, "1,500" reads as a number, "$2,000" does not.
	if got := members(); !slices.Equal(got, []string{"r1", "r3"}) {
		t.Fatalf("untyped members %v, want r1 r3", got)
	}
	before, _ := a.DataSource(ctx, ds.ID)
	after, err := a.SetFieldTypes(ctx, ds.ID, fieldtype.US, map[string]fieldtype.Type{"arr": {Kind: fieldtype.Money}})
	if err != nil {
		t.Fatal(err)
	}
	if after.Version <= before.Version || after.FieldTypes["ARR"].Kind != fieldtype.Money || after.Locale != fieldtype.US {
		t.Errorf("SetFieldTypes = version %d (before %d), types %v, locale %v", after.Version, before.Version, after.FieldTypes, after.Locale)
	}
	if got := members(); !slices.Equal(got, []string{"r0", "r1", "r3"}) {
		t.Errorf("money members %v, want r0 r1 r3", got)
	}
	// A saved operand that a date type cannot read: refused, unchanged.
	_, err = a.SetFieldTypes(ctx, ds.ID, fieldtype.US, map[string]fieldtype.Type{"ARR": {Kind: fieldtype.Date}})
	var fe *acctmap.FilterError
	if !errors.As(err, &fe) || fe.Field != "ARR" || fe.Value != "1000" || !strings.Contains(err.Error(), `"big"`) {
		t.Errorf("types that a saved filter cannot use: %v, want a FilterError naming the population, ARR and 1000", err)
	}
	for _, bad := range []struct {
		name   string
		locale fieldtype.Locale
		types  map[string]fieldtype.Type
	}{
		{"built-in", fieldtype.US, map[string]fieldtype.Type{"Name": {Kind: fieldtype.Number}}},
		{"currency on a number", fieldtype.US, map[string]fieldtype.Type{"ARR": {Kind: fieldtype.Number, Currency: "USD"}}},
		{"unknown currency", fieldtype.US, map[string]fieldtype.Type{"ARR": {Kind: fieldtype.Money, Currency: "XXY"}}},
		{"unknown kind", fieldtype.US, map[string]fieldtype.Type{"ARR": {Kind: 9}}},
		{"bad locale", fieldtype.Locale{Decimal: ';'}, nil},
		{"long locale name", fieldtype.Locale{Name: strings.Repeat("x", 65)}, nil},
		{"long locale name of a type", fieldtype.US, map[string]fieldtype.Type{"ARR": {Kind: fieldtype.Number, Locale: fieldtype.Locale{Name: "a\x00b"}}}},
		{"empty field name", fieldtype.US, map[string]fieldtype.Type{" ": {Kind: fieldtype.Number}}},
		{"same field twice", fieldtype.US, map[string]fieldtype.Type{"ARR": {Kind: fieldtype.Number}, "arr": {Kind: fieldtype.Money}}},
	} {
		if _, err := a.SetFieldTypes(ctx, ds.ID, bad.locale, bad.types); !errors.Is(err, acctmap.ErrInvalidInput) {
			t.Errorf("%s: %v, want ErrInvalidInput", bad.name, err)
		}
	}
	if _, err := w.readerA.SetFieldTypes(ctx, ds.ID, fieldtype.US, nil); !errors.Is(err, acctmap.ErrPermissionDenied) {
		t.Errorf("read-only SetFieldTypes: %v, want ErrPermissionDenied", err)
	}
	if _, err := w.adminB.SetFieldTypes(ctx, ds.ID, fieldtype.US, nil); !errors.Is(err, acctmap.ErrNotFound) {
		t.Errorf("another org's SetFieldTypes: %v, want ErrNotFound", err)
	}
	now, _ := a.DataSource(ctx, ds.ID)
	if diff := cmp.Diff(after, now); diff != "" {
		t.Errorf("refused calls changed the data source (-want +got):\n%s", diff)
	}
	if got := members(); !slices.Equal(got, []string{"r0", "r1", "r3"}) {
		t.Errorf("members after refused calls %v, want r0 r1 r3", got)
	}
	// Declaring none: back to text comparisons.
	if _, err := a.SetFieldTypes(ctx, ds.ID, fieldtype.Locale{}, nil); err != nil {
		t.Fatal(err)
	}
	if got := members(); !slices.Equal(got, []string{"r1", "r3"}) {
		t.Errorf("members without types %v, want r1 r3", got)
	}
}

// TestFieldTypesPersist: declared types survive closing and reopening
// the store: a boltstore file here, pgstore in its own tests.
func TestFieldTypesPersist(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := t.TempDir() + "/acctmap.db"
	types := map[string]fieldtype.Type{"ARR": {Kind: fieldtype.Money, Currency: "EUR"}, "Closed": {Kind: fieldtype.Date, Locale: fieldtype.US}}
	var id string
	for round := range 2 {
		s := openBoltAt(t, path)
		net := acctmap.New(s)
		a := net.As("ann")
		if round == 0 {
			if _, err := net.CreateOrg(ctx, acctmap.Org{ID: "acme", Name: "Acme"}); err != nil {
				t.Fatal(err)
			}
			if _, err := net.AddUser(ctx, acctmap.User{ID: "ann", OrgID: "acme", Name: "Ann", Role: acctmap.RoleAdmin}); err != nil {
				t.Fatal(err)
			}
			ds, err := a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource, FieldTypes: types, Locale: fieldtype.DE})
			if err != nil {
				t.Fatal(err)
			}
			id = ds.ID
		} else {
			ds, err := a.DataSource(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(types, ds.FieldTypes); diff != "" || ds.Locale != fieldtype.DE {
				t.Errorf("after reopening (-want +got):\n%s; locale %v", diff, ds.Locale)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// reportPair is two partner orgs whose Customers hold the same companies,
// named names, b sharing "name" with a; a's records have fields(i), and
// a's data source declares types.
func reportPair(t *testing.T, names []string, fields func(i int) map[string]string, types map[string]fieldtype.Type) (*acctmap.Actor, acctmap.ReportSpec) {
	t.Helper()
	ctx := context.Background()
	net := acctmap.New(memstore.New(), acctmap.WithClock(fixedClock()))
	for _, o := range []string{"org-a", "org-b"} {
		if _, err := net.CreateOrg(ctx, acctmap.Org{ID: o, Name: o}); err != nil {
			t.Fatal(err)
		}
		if _, err := net.AddUser(ctx, acctmap.User{ID: "admin-" + o, OrgID: o, Name: o, Role: acctmap.RoleAdmin}); err != nil {
			t.Fatal(err)
		}
	}
	a, b := net.As("admin-org-a"), net.As("admin-org-b")
	partner(t, a, b, "org-b", "org-a")
	side := func(x *acctmap.Actor, types map[string]fieldtype.Type) acctmap.Population {
		ds, err := x.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource, FieldTypes: types, Locale: fieldtype.US})
		if err != nil {
			t.Fatal(err)
		}
		var in []acctmap.RecordInput
		for i, n := range names {
			f := map[string]string{"Stage": "Customer"}
			if types != nil {
				for k, v := range fields(i) {
					f[k] = v
				}
			}
			in = append(in, acctmap.RecordInput{ID: string(rune('a' + i)), Name: n, Website: "collate" + string(rune('a'+i)) + ".com", Fields: f})
		}
		if _, err := x.UpsertRecords(ctx, ds.ID, in); err != nil {
			t.Fatal(err)
		}
		p, err := x.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Customers, Filter: cond("Stage", acctmap.Equals, "Customer")})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	pa, pb := side(a, types), side(b, nil)
	if err := b.SetShareRule(ctx, pb.ID, "org-a", acctmap.SharingRule{Level: acctmap.OverlappingRecords, Fields: []string{"name"}}); err != nil {
		t.Fatal(err)
	}
	return a, acctmap.ReportSpec{Partner: "org-b", Population: pa.ID, PartnerPopulation: pb.ID}
}

// TestReportSortsByCollation: report rows sorted by a name column follow
// the root collation, not byte order: accented and lower-case names sort
// among the others.
func TestReportSortsByCollation(t *testing.T) {
	t.Parallel()
	names := []string{"Zeta", "Émile", "eagle", "Fox", "Ångström", "apple", "Öko", "Oak"}
	a, spec := reportPair(t, names, nil, nil)
	for _, col := range []string{"my.name", "partner.name"} {
		spec.Columns, spec.Sort = []string{col}, []acctmap.SortKey{{Column: col}}
		rep, err := a.Report(context.Background(), spec)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rep.Rows {
			got = append(got, r.Values[0])
		}
		want := []string{"Ångström", "apple", "eagle", "Émile", "Fox", "Oak", "Öko", "Zeta"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("rows sorted by %s (-want +got):\n%s", col, diff)
		}
	}
}

// TestReportTypedFilter: a report's filter on the viewer's own typed
// column compares values in the viewer's types, and its operand is
// checked as a population filter's; partner columns compare as text.
func TestReportTypedFilter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	arr := []string{"$2,000", "2000", "$999.99", "1.234,56"}
	a, spec := reportPair(t, []string{"Globex", "Initech", "Hooli", "Umbrella"}, func(i int) map[string]string { return map[string]string{"ARR": arr[i]} },
		map[string]fieldtype.Type{"ARR": {Kind: fieldtype.Money}})
	spec.Columns, spec.Sort = []string{"my.name"}, []acctmap.SortKey{{Column: "my.name"}}
	spec.Filter = cond("my.ARR", acctmap.GreaterThan, "1000")
	rep, err := a.Report(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rep.Rows {
		got = append(got, r.Values[0])
	}
	if diff := cmp.Diff([]string{"Globex", "Initech"}, got); diff != "" {
		t.Errorf("my.ARR > 1000 (-want +got):\n%s", diff)
	}
	// Sorting by the typed column sorts by amount: "1.234,56" does not
	// read in en-US and sorts as text, after the amounts.
	spec.Filter, spec.Sort = acctmap.Filter{}, []acctmap.SortKey{{Column: "my.ARR"}}
	rep, err = a.Report(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, r := range rep.Rows {
		got = append(got, r.Values[0])
	}
	if diff := cmp.Diff([]string{"Hooli", "Globex", "Initech", "Umbrella"}, got); diff != "" {
		t.Errorf("sorted by my.ARR (-want +got):\n%s", diff)
	}
	// Pages by cursor follow the same order.
	var paged []string
	page := spec
	page.Limit = 1
	for range 10 {
		rep, err := a.Report(ctx, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rep.Rows {
			paged = append(paged, r.Values[0])
		}
		if rep.NextCursor == "" {
			break
		}
		page.Cursor = rep.NextCursor
	}
	if diff := cmp.Diff(got, paged); diff != "" {
		t.Errorf("pages by cursor sorted by my.ARR (-whole +pages):\n%s", diff)
	}
	spec.Filter = cond("my.ARR", acctmap.GreaterThan, "1000")
	spec.Sort = []acctmap.SortKey{{Column: "my.name"}}
	var csv strings.Builder
	if n, err := a.ExportReport(ctx, spec, &csv); err != nil || n != 2 {
		t.Errorf("ExportReport with my.ARR > 1000 = %d rows, %v; want the report's 2", n, err)
	}
	spec.Filter = cond("my.ARR", acctmap.GreaterThan, "1.000,00")
	_, err = a.Report(ctx, spec)
	var fe *acctmap.FilterError
	if !errors.As(err, &fe) || fe.Field != "my.ARR" || fe.Value != "1.000,00" || !errors.Is(err, acctmap.ErrInvalidInput) {
		t.Errorf("operand 1.000,00 in en-US: %v, want a FilterError naming my.ARR and the value", err)
	}
	// A partner column is text: the operand is read as before.
	spec.Filter = cond("partner.name", acctmap.GreaterThan, "1.000,00")
	if _, err := a.Report(ctx, spec); err != nil {
		t.Errorf("partner column compared as text: %v", err)
	}
}

// openBoltAt opens the boltstore file at path; the caller closes it.
func openBoltAt(t *testing.T, path string) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(path)
	if err != nil {
		t.Fatalf("boltstore.Open: %v", err)
	}
	return s
}

// observeCollated adds to the non-interference observation the reports
// V's admin sees sorted by names, which the collation orders (ties of
// collation-equal names broken by the shown values), and filtered on a
// name column: the order and the selection must be functions of what V
// sees.
func observeCollated(w *niNet, pPops []acctmap.Population, add func(string, any, error)) {
	a := w.admin(niV)
	for _, mine := range w.pops[niV] {
		for _, theirs := range pPops {
			spec := acctmap.ReportSpec{Partner: niP, Population: mine.ID, PartnerPopulation: theirs.ID,
				Sort: []acctmap.SortKey{{Column: "partner.name"}, {Column: "my.name", Desc: true}}}
			rep, err := a.Report(w.ctx, spec)
			add("Report by names "+mine.Name+" "+theirs.ID, rep, err)
			spec.Filter = acctmap.Filter{All: []acctmap.Condition{{Field: "partner.name", Op: acctmap.Contains, Value: "a"}}}
			spec.Sort, spec.Limit = []acctmap.SortKey{{Column: "my.name"}}, 2
			rep, err = a.Report(w.ctx, spec)
			add("Report by my names, filtered "+mine.Name+" "+theirs.ID, rep, err)
		}
	}
}

// TestTypedPopulationsShareParses: several populations comparing the same
// typed field, twice in one filter and across filters and groups, each get
// their own answer when an import evaluates them in one pass (a record's
// value is parsed once and shared).
func TestTypedPopulationsShareParses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	a := w.adminA
	ds, err := a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Upload", FieldTypes: map[string]fieldtype.Type{"ARR": {Kind: fieldtype.Money}, "Closed": {Kind: fieldtype.Date}}, Locale: fieldtype.US})
	if err != nil {
		t.Fatal(err)
	}
	mapping := csvsource.Mapping{ID: "Id", Name: "Company", Website: "Website"}
	head := "Id,Company,Website,Stage,ARR,Closed\n"
	if _, err := a.ImportCSV(ctx, ds.ID, strings.NewReader(head+"0,Seed,seed.com,x,1,2024-01-01\n"), acctmap.CSVImport{Mapping: mapping}); err != nil {
		t.Fatal(err)
	}
	specs := map[string]acctmap.Filter{
		"between": {All: []acctmap.Condition{{Field: "ARR", Op: acctmap.GreaterThan, Value: "$1,000"}, {Field: "ARR", Op: acctmap.LessThan, Value: "5000"}}},
		"in":      cond("arr", acctmap.In, "", "2000", "$999.99"),
		"any":     {AnyOf: [][]acctmap.Condition{{{Field: "Stage", Op: acctmap.Equals, Value: "won"}, {Field: "ARR", Op: acctmap.GreaterThan, Value: "3000"}}}},
		"late":    {All: []acctmap.Condition{{Field: "Closed", Op: acctmap.GreaterThan, Value: "12/01/2024"}, {Field: "ARR", Op: acctmap.NotEquals, Value: "2000"}}},
	}
	slots := map[string]int{}
	for name, f := range specs {
		p, err := a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Custom, Name: name, Filter: f})
		if err != nil {
			t.Fatal(err)
		}
		slots[name] = p.Slot
	}
	file := head +
		"1,A,a-corp.com,won,\"$2,000\",12/31/2024\n" +
		"2,B,b-corp.com,lost,$999.99,11/30/2024\n" +
		"3,C,c-corp.com,lost,\"4,500\",01/15/2025\n" +
		"4,D,d-corp.com,won,n/a,\n" +
		"5,E,e-corp.com,lost,\"$10,000\",13/01/2024\n"
	if _, err := a.ImportCSV(ctx, ds.ID, strings.NewReader(file), acctmap.CSVImport{Mapping: mapping}); err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for r, err := range a.Records(ctx, ds.ID, acctmap.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		for name, slot := range slots {
			if r.Populations&(1<<uint(slot)) != 0 {
				got[name] = append(got[name], r.ID)
			}
		}
	}
	for name := range got {
		slices.Sort(got[name])
	}
	want := map[string][]string{
		"between": {"1", "3"},
		"in":      {"1", "2"},
		"any":     {"1", "3", "4", "5"},
		"late":    {"3"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("memberships (-want +got):\n%s", diff)
	}
}
