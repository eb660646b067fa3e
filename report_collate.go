package acctmap

import (
	"golang.org/x/text/collate"
	"golang.org/x/text/language"
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
