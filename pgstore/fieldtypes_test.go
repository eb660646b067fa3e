package pgstore

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/fieldtype"
)

// TestFieldTypesReopen: a data source's declared types and locale are
// read back exactly by another Store on the same schema, as after a
// restart.
func TestFieldTypesReopen(t *testing.T) {
	schema := testSchema(t)
	want := acctmap.DataSource{ID: "ds", OrgID: "o", Name: "CRM", Kind: acctmap.PushedSource, Version: 2, CreatedAt: t0, UpdatedAt: t0,
		FieldTypes: map[string]fieldtype.Type{
			"ARR":      {Kind: fieldtype.Money, Currency: "EUR"},
			"Closed":   {Kind: fieldtype.Date, Locale: fieldtype.US},
			"Größe\"x": {Kind: fieldtype.Number, Locale: fieldtype.Locale{Name: "de-CH", Decimal: '.', Group: "'", Dates: fieldtype.DMY, Currency: "CHF"}},
			"Active":   {Kind: fieldtype.Boolean},
		},
		Locale: fieldtype.DE}
	s1, err := Open(t.Context(), testDSN(t), WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	err = s1.Update(t.Context(), func(tx acctmap.Tx) error {
		if err := tx.PutOrg(acctmap.Org{ID: "o", CreatedAt: t0}); err != nil {
			return err
		}
		return tx.PutDataSource(want)
	})
	s1.Close()
	if err != nil {
		t.Fatal(err)
	}
	s2, err := Open(t.Context(), testDSN(t), WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	var got acctmap.DataSource
	if err := s2.View(t.Context(), func(tx acctmap.ReadTx) (err error) { got, err = tx.DataSource("ds"); return err }); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after reopening (-want +got):\n%s", diff)
	}
}

// TestTypedPopulationsOnPostgres: a population comparing a typed field is
// computed as the Network compares typed values (never pushed down as a
// text or number filter), on CreatePopulation and on both import paths:
// the one that declares types and the streamed one that keeps them.
func TestTypedPopulationsOnPostgres(t *testing.T) {
	ctx := t.Context()
	net := acctmap.New(openTest(t))
	if _, err := net.CreateOrg(ctx, acctmap.Org{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	if _, err := net.AddUser(ctx, acctmap.User{ID: "ann", OrgID: "acme", Name: "Ann", Role: acctmap.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	a := net.As("ann")
	ds, err := a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Upload"})
	if err != nil {
		t.Fatal(err)
	}
	// In de-DE, "1.500" is 1500 (a text filter would read 1.5) and
	// "2.000,50" is 2000.5 (2.0005 without its commas).
	file := "Id,Company,Website,ARR\n1,Globex,globex.com,1.500\n2,Initech,initech.com,999\n3,Hooli,hooli.com,\"2.000,50\"\n4,Umbrella,umbrella.com,$5\n"
	mapping := csvsource.Mapping{ID: "Id", Name: "Company", Website: "Website"}
	sum, err := a.ImportCSV(ctx, ds.ID, strings.NewReader(file), acctmap.CSVImport{Mapping: mapping,
		FieldTypes: map[string]fieldtype.Type{"ARR": {Kind: fieldtype.Money}}, Locale: fieldtype.DE})
	if err != nil || sum.Warned != 1 {
		t.Fatalf("typed import: %d warnings, %v; want 1", sum.Warned, err)
	}
	pop, err := a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Custom, Name: "big",
		Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "ARR", Op: acctmap.GreaterThan, Value: "1000"}}}})
	if err != nil {
		t.Fatal(err)
	}
	members := func(what string) {
		t.Helper()
		var got []string
		for r, err := range a.Records(ctx, ds.ID, acctmap.Filter{}) {
			if err != nil {
				t.Fatal(err)
			}
			if r.Populations&(1<<uint(pop.Slot)) != 0 {
				got = append(got, r.ID)
			}
		}
		slices.Sort(got)
		if diff := cmp.Diff([]string{"1", "3"}, got); diff != "" {
			t.Errorf("%s: members (-want +got):\n%s", what, diff)
		}
	}
	members("CreatePopulation")
	// Again, without declaring the types: they stay, and the import
	// evaluates the population under them.
	sum, err = a.ImportCSV(ctx, ds.ID, strings.NewReader(file), acctmap.CSVImport{Mapping: mapping})
	if err != nil || sum.Warned != 1 {
		t.Fatalf("re-import: %d warnings, %v; want 1", sum.Warned, err)
	}
	members("re-import")
	got, err := a.DataSource(ctx, ds.ID)
	if err != nil || got.FieldTypes["ARR"].Kind != fieldtype.Money || got.Locale != fieldtype.DE {
		t.Errorf("types after the re-import: %v %v, %v", got.FieldTypes, got.Locale, err)
	}
}
