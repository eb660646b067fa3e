package where

import (
	"slices"
	"strings"

	"github.com/acctmap/acctmap"
)

// Format writes a condition as an expression that Parse, and ParseAny,
// read back to the same condition, quoting only where needed. A condition
// with an unknown operator is written with the operator's name.
func Format(c acctmap.Condition) string {
	if s := format(c, false); roundTrips(s, c) {
		return s
	}
	return format(c, true)
}

// FormatAny writes an OR group as ParseAny reads it.
func FormatAny(group []acctmap.Condition) string {
	parts := make([]string, len(group))
	for i, c := range group {
		parts[i] = Format(c)
	}
	return strings.Join(parts, " or ")
}

// FormatFilter writes a filter as the expressions of its --where flags and
// of its --any groups.
func FormatFilter(f acctmap.Filter) (all, anyOf []string) {
	for _, c := range f.All {
		all = append(all, Format(c))
	}
	for _, g := range f.AnyOf {
		anyOf = append(anyOf, FormatAny(g))
	}
	return all, anyOf
}

var opText = map[acctmap.Op]string{
	acctmap.Equals:      "=",
	acctmap.NotEquals:   "!=",
	acctmap.GreaterThan: ">",
	acctmap.LessThan:    "<",
	acctmap.Contains:    "contains",
	acctmap.StartsWith:  "starts with",
	acctmap.In:          "in",
	acctmap.NotIn:       "not in",
	acctmap.IsEmpty:     "is empty",
	acctmap.IsNotEmpty:  "is not empty",
}

func format(c acctmap.Condition, quoteAll bool) string {
	var b strings.Builder
	if quoteAll || !plainField(c.Field) {
		b.WriteString(quote(c.Field))
	} else {
		b.WriteString(c.Field)
	}
	op, ok := opText[c.Op]
	if !ok {
		op = string(c.Op)
	}
	b.WriteString(" " + op)
	switch c.Op {
	case acctmap.IsEmpty, acctmap.IsNotEmpty:
	case acctmap.In, acctmap.NotIn:
		b.WriteString(" (")
		for i, v := range c.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			if quoteAll || !plainItem(v) {
				b.WriteString(quote(v))
			} else {
				b.WriteString(v)
			}
		}
		b.WriteString(")")
	default:
		b.WriteString(" ")
		if quoteAll || !plainValue(c.Value) {
			b.WriteString(quote(c.Value))
		} else {
			b.WriteString(c.Value)
		}
	}
	return b.String()
}

// plainField reports whether a field reads back unquoted.
func plainField(f string) bool {
	if f == "" || trim(f) != f || isQuote(f[0]) {
		return false
	}
	c, err := Parse(f + " is empty")
	return err == nil && c.Field == f && c.Op == acctmap.IsEmpty
}

func plainValue(v string) bool {
	return v != "" && trim(v) == v && !isQuote(v[0]) && !hasOrWord(v)
}

func plainItem(v string) bool {
	return plainValue(v) && !strings.ContainsAny(v, ",)")
}

// hasOrWord reports whether v holds the word "or" between spaces, which
// would split an OR group.
func hasOrWord(v string) bool {
	for i := range len(v) {
		if spaceBefore(v, i) && hasWordAt(v, i, "or") && spaceAt(v, i+2) {
			return true
		}
	}
	return false
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func roundTrips(s string, c acctmap.Condition) bool {
	got, err := Parse(s)
	if err != nil || !equal(got, c) {
		return false
	}
	group, err := ParseAny(s)
	return err == nil && len(group) == 1 && equal(group[0], c)
}

func equal(a, b acctmap.Condition) bool {
	return a.Field == b.Field && a.Op == b.Op && a.Value == b.Value && slices.Equal(a.Values, b.Values)
}
