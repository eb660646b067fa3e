package boltstore

import (
	"slices"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/fieldtype"
)

// A data source's declared field types and locale (DataSource.FieldTypes,
// DataSource.Locale) follow its other attributes in its value, after its
// Subject, as an optional section: absent when the data source declares
// neither, so that values written before the section existed read the
// same. The section is a byte 1, the locale, a byte 0 (nil map) or 1, and
// the types in field name order.

// hasFieldTypes reports whether ds has a field types section.
func hasFieldTypes(ds *acctmap.DataSource) bool {
	return ds.FieldTypes != nil || ds.Locale != (fieldtype.Locale{})
}

// appendFieldTypes appends the section of ds, if any.
func appendFieldTypes(b []byte, ds *acctmap.DataSource) []byte {
	if !hasFieldTypes(ds) {
		return b
	}
	b = append(b, 1)
	b = appendLocale(b, ds.Locale)
	if ds.FieldTypes == nil {
		return append(b, 0)
	}
	b = append(b, 1)
	b = appendUvarint(b, uint64(len(ds.FieldTypes)))
	names := make([]string, 0, len(ds.FieldTypes))
	for f := range ds.FieldTypes {
		names = append(names, f)
	}
	slices.Sort(names)
	for _, f := range names {
		t := ds.FieldTypes[f]
		b = appendStr(b, f)
		b = append(b, byte(t.Kind))
		b = appendLocale(b, t.Locale)
		b = appendStr(b, t.Currency)
	}
	return b
}

func appendLocale(b []byte, l fieldtype.Locale) []byte {
	b = appendStr(b, l.Name)
	b = appendVarint(b, int64(l.Decimal))
	b = appendStr(b, l.Group)
	b = append(b, byte(l.Grouping), byte(l.Dates))
	return appendStr(b, l.Currency)
}

// fieldTypes decodes the section into ds when the value has one.
func (d *decoder) fieldTypes(ds *acctmap.DataSource) {
	if d.err != nil || d.off == len(d.s) {
		return
	}
	if d.byte() != 1 {
		d.fail("bad field types section")
		return
	}
	ds.Locale = d.locale()
	switch d.byte() {
	case 0:
		return
	case 1:
	default:
		d.fail("bad field types")
		return
	}
	n := d.count(9) // a name, a kind, a locale (6 bytes at least), a currency
	ds.FieldTypes = make(map[string]fieldtype.Type, n)
	for range n {
		f := d.str()
		t := fieldtype.Type{Kind: fieldtype.Kind(d.byte())}
		t.Locale = d.locale()
		t.Currency = d.str()
		ds.FieldTypes[f] = t
	}
}

func (d *decoder) locale() fieldtype.Locale {
	var l fieldtype.Locale
	l.Name = d.str()
	dec := d.varint()
	if dec < -1<<31 || dec >= 1<<31 {
		d.fail("decimal separator %d out of range", dec)
	}
	l.Decimal = rune(dec)
	l.Group = d.str()
	l.Grouping = fieldtype.Grouping(d.byte())
	l.Dates = fieldtype.DateOrder(d.byte())
	l.Currency = d.str()
	return l
}
