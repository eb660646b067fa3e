package acctmap

import (
	"strings"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/acctmap/acctmap/fieldtype"
)

// sortCollator gives report sort values their collation keys: text sorts
// as people read it ("Émile" between "Eagle" and "Fox", "ß" with "ss"),
// not by bytes, whatever the orgs' languages (the root collation,
// language.Und, since a report mixes two orgs' data), ignoring case as
// sorting always did. Made for one sort: a Collator is not safe for
// concurrent use, and the keys live in the sort's Buffer until the sort
// is done. Rows whose values collate equal fall through to the next key,
// then to the shown values byte by byte, so that the order stays a
// function of what the viewer sees.
type sortCollator struct {
	c   *collate.Collator
	buf collate.Buffer
}

func newSortCollator() *sortCollator {
	return &sortCollator{c: collate.New(language.Und, collate.IgnoreCase)}
}

// value is newSortValue with the collation key of a text value.
func (sc *sortCollator) value(s string) sortValue {
	v := newSortValue(s)
	if s != "" && !v.isNum {
		v.key = sc.c.KeyFromString(&sc.buf, s)
	}
	return v
}

// typedSort returns the parser of a sort column that typed reads as a
// typed field (the viewer's own, see reportTyper), nil for a column
// sorted as text.
func typedSort(typed typer[*row], canon string, raw func(*row) string) *fieldtype.Parser {
	if typed == nil {
		return nil
	}
	tf, ok := typed(canon, raw)
	if !ok {
		return nil
	}
	return &tf.p
}

// typedValue is value for a column of a typed field (p not nil): a value
// the type reads sorts by what it means ("1.234,56" after "999" in de-DE,
// "12/31/2024" after "01/15/2024" in en-US, money by amount), the others
// after them, as text.
func (sc *sortCollator) typedValue(s string, p *fieldtype.Parser) sortValue {
	if p == nil || s == "" {
		return sc.value(s)
	}
	if v, ok := parseValue(*p, s); ok {
		return sortValue{s: s, lower: strings.ToLower(s), num: sortNumber(v), isNum: true}
	}
	// Not read as a number either, by text rules: its type says it is not one.
	return sortValue{s: s, lower: strings.ToLower(s), key: sc.c.KeyFromString(&sc.buf, s), unread: true}
}

// sortNumber is the number a typed value sorts by.
func sortNumber(v fieldtype.Value) float64 {
	switch v.Kind() {
	case fieldtype.Number, fieldtype.Money:
		return v.Float()
	case fieldtype.Date:
		return float64(v.Time().Unix() / 86400)
	case fieldtype.Boolean:
		if v.Bool() {
			return 1
		}
	}
	return 0
}
