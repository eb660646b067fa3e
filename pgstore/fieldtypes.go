package pgstore

import (
	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/fieldtype"
)

// A data source's declared field types and locale (DataSource.FieldTypes,
// DataSource.Locale) are stored in its extra column (migration 0004), as
// JSON: kinds by name ("money"), locales field by field. They are small,
// read with the data source, and never searched in SQL; a data source
// without them stores nothing.

// withFieldTypes sets the field types and locale of d in e.
func withFieldTypes(e dataSourceExtra, d acctmap.DataSource) dataSourceExtra {
	e.FieldTypes = d.FieldTypes
	if d.Locale != (fieldtype.Locale{}) {
		l := d.Locale
		e.Locale = &l
	}
	return e
}

// fieldTypes returns the field types and locale stored in e.
func (e dataSourceExtra) fieldTypes() (map[string]fieldtype.Type, fieldtype.Locale) {
	var l fieldtype.Locale
	if e.Locale != nil {
		l = *e.Locale
	}
	return e.FieldTypes, l
}
