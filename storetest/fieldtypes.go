package storetest

import (
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/fieldtype"
)

// seedFieldTypes are the declared types of a seed data source: every kind,
// the named locales, a locale of the data source's (the zero Locale), one
// with every attribute set, and field names a store must keep as given.
var seedFieldTypes = map[string]fieldtype.Type{
	"ARR":         {Kind: fieldtype.Money, Locale: fieldtype.DE, Currency: "EUR"},
	"Close date":  {Kind: fieldtype.Date},
	"Größe":       {Kind: fieldtype.Number, Locale: fieldtype.Locale{Name: "en-IN", Decimal: '.', Group: ",", Grouping: fieldtype.Indian, Dates: fieldtype.DMY, Currency: "INR"}},
	"is customer": {Kind: fieldtype.Boolean},
	"stage":       {Kind: fieldtype.Text},
	"Betrag\t€":   {Kind: fieldtype.Money, Locale: fieldtype.FR},
}

var fieldTypeTests = []test{
	{"RoundTrip", func(t *testing.T, s acctmap.Store) {
		// Every declared type and the locale come back exactly, through
		// the getter and the list; a data source declaring only a
		// locale, or nothing, or types and a subject, too.
		withOrgs(t, s, "acme")
		typed := dataSource("ds-typed", "acme", 1)
		typed.FieldTypes, typed.Locale = seedFieldTypes, fieldtype.Locale{Name: "de-CH", Decimal: '.', Group: "'", Dates: fieldtype.DMY, Currency: "CHF"}
		localeOnly := dataSource("ds-locale", "acme", 2)
		localeOnly.Locale = fieldtype.UK
		plain := dataSource("ds-plain", "acme", 3)
		people := dataSource("ds-people", "acme", 4)
		people.Subject, people.FieldTypes = acctmap.People, map[string]fieldtype.Type{"Score": {Kind: fieldtype.Number}}
		update(t, s, func(tx acctmap.Tx) error {
			for _, d := range []acctmap.DataSource{typed, localeOnly, plain, people} {
				if err := tx.PutDataSource(d); err != nil {
					return err
				}
			}
			return nil
		})
		view(t, s, func(tx acctmap.ReadTx) error {
			for _, want := range []acctmap.DataSource{typed, localeOnly, plain, people} {
				got, err := tx.DataSource(want.ID)
				noErr(t, "DataSource", err)
				diff(t, "DataSource "+want.ID, want, got)
			}
			dss, err := tx.DataSources("acme")
			noErr(t, "DataSources", err)
			diff(t, "DataSources", []acctmap.DataSource{localeOnly, people, plain, typed}, dss)
			return nil
		})
	}},
	{"Replace", func(t *testing.T, s acctmap.Store) {
		// Declaring other types replaces them all; declaring none
		// leaves none, and the zero locale.
		withOrgs(t, s, "acme")
		d := dataSource("ds1", "acme", 1)
		d.FieldTypes, d.Locale = seedFieldTypes, fieldtype.US
		update(t, s, func(tx acctmap.Tx) error { return tx.PutDataSource(d) })
		d.FieldTypes = map[string]fieldtype.Type{"ARR": {Kind: fieldtype.Number}}
		d.Version++
		update(t, s, func(tx acctmap.Tx) error { return tx.PutDataSource(d) })
		view(t, s, func(tx acctmap.ReadTx) error {
			got, err := tx.DataSource("ds1")
			noErr(t, "DataSource", err)
			diff(t, "DataSource after new types", d, got)
			return nil
		})
		d.FieldTypes, d.Locale = nil, fieldtype.Locale{}
		update(t, s, func(tx acctmap.Tx) error { return tx.PutDataSource(d) })
		view(t, s, func(tx acctmap.ReadTx) error {
			got, err := tx.DataSource("ds1")
			noErr(t, "DataSource", err)
			diff(t, "DataSource without types", d, got)
			if got.FieldTypes != nil {
				t.Errorf("FieldTypes = %#v, want nil", got.FieldTypes)
			}
			return nil
		})
	}},
	{"NotAliased", func(t *testing.T, s acctmap.Store) {
		// Changing the map after PutDataSource, or the one a getter
		// returned, changes nothing stored.
		withOrgs(t, s, "acme")
		d := dataSource("ds1", "acme", 1)
		d.FieldTypes = map[string]fieldtype.Type{"ARR": {Kind: fieldtype.Number}}
		update(t, s, func(tx acctmap.Tx) error { return tx.PutDataSource(d) })
		d.FieldTypes["ARR"] = fieldtype.Type{Kind: fieldtype.Date}
		view(t, s, func(tx acctmap.ReadTx) error {
			got, err := tx.DataSource("ds1")
			noErr(t, "DataSource", err)
			if got.FieldTypes["ARR"].Kind != fieldtype.Number {
				t.Errorf("stored type changed with the caller's map: %v", got.FieldTypes["ARR"])
			}
			got.FieldTypes["ARR"] = fieldtype.Type{Kind: fieldtype.Boolean}
			again, err := tx.DataSource("ds1")
			noErr(t, "DataSource", err)
			if again.FieldTypes["ARR"].Kind != fieldtype.Number {
				t.Errorf("stored type changed with a returned map: %v", again.FieldTypes["ARR"])
			}
			return nil
		})
	}},
}
