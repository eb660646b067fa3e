package pgstore

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acctmap/acctmap"
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
