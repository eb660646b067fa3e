package acctmap

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/fieldtype"
)

// maxFieldTypes bounds the types a data source declares, as a record's
// fields are bounded.
const maxFieldTypes = maxFieldsPerRecord

// checkFieldTypes validates declared field types and a locale, and returns
// them as a data source stores them: nil for no type, names in the
// spelling of the data source's fields when one matches in any case. The
// error wraps ErrInvalidInput and names the field.
func checkFieldTypes(what string, locale fieldtype.Locale, types map[string]fieldtype.Type, fields []string) (map[string]fieldtype.Type, error) {
	if err := checkLocaleName(what, locale); err != nil {
		return nil, err
	}
	if err := locale.Validate(); err != nil {
		return nil, fmt.Errorf("acctmap: %s: locale: %w: %w", what, err, ErrInvalidInput)
	}
	if len(types) > maxFieldTypes {
		return nil, fmt.Errorf("acctmap: %s: %d field types, more than %d: %w", what, len(types), maxFieldTypes, ErrInvalidInput)
	}
	if len(types) == 0 {
		return nil, nil
	}
	out := make(map[string]fieldtype.Type, len(types))
	names := make([]string, 0, len(types))
	for name := range types {
		names = append(names, name)
	}
	slices.Sort(names) // the same input, the same error
	for _, name := range names {
		t := types[name]
		f := strings.TrimSpace(name)
		if f == "" || len(f) > maxFieldNameBytes || !utf8.ValidString(f) || strings.ContainsFunc(f, unicode.IsControl) {
			return nil, fmt.Errorf("acctmap: %s: field name %.40q is empty, longer than %d bytes, or not printable text: %w", what, name, maxFieldNameBytes, ErrInvalidInput)
		}
		if canon, ok := resolveField(f, fields); ok {
			f = canon
		}
		if isBuiltin(f) || isBuiltin(strings.ToLower(f)) {
			return nil, fmt.Errorf("acctmap: %s: field %.40q: the built-in id, name and website are text: %w", what, name, ErrInvalidInput)
		}
		if _, dup := out[f]; dup {
			return nil, fmt.Errorf("acctmap: %s: field %.40q has two types: %w", what, f, ErrInvalidInput)
		}
		if err := checkLocaleName(what, t.Locale); err != nil {
			return nil, err
		}
		if _, err := effective(t, locale).Parser(); err != nil {
			return nil, fmt.Errorf("acctmap: %s: field %.40q: %w: %w", what, f, err, ErrInvalidInput)
		}
		out[f] = t
	}
	return out, nil
}

// Bounds on a locale's strings: its name, which messages repeat, is a
// BCP 47 tag or a short label; its grouping separators are a few runes.
const (
	maxLocaleName  = 64
	maxLocaleGroup = 16
)

// checkLocaleName refuses a locale whose name is long or not printable, or
// whose grouping separators are many.
func checkLocaleName(what string, l fieldtype.Locale) error {
	if len(l.Name) > maxLocaleName || !utf8.ValidString(l.Name) || strings.ContainsFunc(l.Name, unicode.IsControl) {
		return fmt.Errorf("acctmap: %s: locale name %.40q is longer than %d bytes or not printable text: %w", what, l.Name, maxLocaleName, ErrInvalidInput)
	}
	if len(l.Group) > maxLocaleGroup {
		return fmt.Errorf("acctmap: %s: locale %.40q: %d bytes of grouping separators, more than %d: %w", what, l.Name, len(l.Group), maxLocaleGroup, ErrInvalidInput)
	}
	return nil
}

// effective is the type a field of a data source is read with: its
// declared type in the data source's locale when the type names none
// (the zero Locale), and for money in the locale's currency when the type
// names none, so that an operand "1000" compares with "$2,000" in en-US.
func effective(t fieldtype.Type, locale fieldtype.Locale) fieldtype.Type {
	if t.Locale == (fieldtype.Locale{}) {
		t.Locale = locale
	}
	if t.Kind == fieldtype.Money && t.Currency == "" {
		t.Currency = t.Locale.Currency
	}
	return t
}

// fieldParser returns the parser of a data source's field (a canonical
// name, from resolveField), ok false for a field compared as text: no
// declared type, kind Text, or a built-in.
func fieldParser(ds *DataSource, canon string) (fieldtype.Parser, bool) {
	if len(ds.FieldTypes) == 0 || isBuiltin(canon) {
		return fieldtype.Parser{}, false
	}
	t, ok := ds.FieldTypes[canon]
	if !ok {
		for name, u := range ds.FieldTypes {
			if strings.EqualFold(name, canon) {
				t, ok = u, true
				break
			}
		}
	}
	if !ok || t.Kind == fieldtype.Text {
		return fieldtype.Parser{}, false
	}
	p, err := effective(t, ds.Locale).Parser()
	if err != nil {
		// checkFieldTypes validated it; a store handing back another type
		// compares the field as text rather than failing every filter.
		return fieldtype.Parser{}, false
	}
	return p, true
}

// typedColumn is a field of a declared type, with its parser.
type typedColumn struct {
	field string
	i     int // its index in the fields typedParsers was given
	p     fieldtype.Parser
}

// typedParsers returns the typed fields among fields, in their order, or
// nil when none is typed.
func typedParsers(ds *DataSource, fields []string) []typedColumn {
	var out []typedColumn
	for i, f := range fields {
		if p, ok := fieldParser(ds, f); ok {
			out = append(out, typedColumn{f, i, p})
		}
	}
	return out
}

// typedWarning is the warning of a record value that does not parse
// under its field's declared type, or "" when it parses (or is empty: a
// missing value is not malformed). err is the *fieldtype.ParseError.
func typedWarning(p fieldtype.Parser, field, value string) (string, error) {
	if strings.TrimSpace(value) == "" {
		return "", nil
	}
	_, err := p.Parse(value)
	if err == nil {
		return "", nil
	}
	reason := err.Error()
	var pe *fieldtype.ParseError
	if errors.As(err, &pe) {
		reason = pe.Reason
	}
	return fmt.Sprintf("field %.80q: value %s is not a %s value: %s; filters comparing the field leave the record out",
		field, quoteValue(value), p.Type(), reason), err
}

// quoteValue quotes at most 40 bytes of a value, for messages.
func quoteValue(s string) string {
	q := fmt.Sprintf("%q", clipValue(s, 40))
	if len(s) > 40 {
		q += "…"
	}
	return q
}

// warnTyped adds to sum a warning for each value of a record (id) that
// does not parse under its field's type; value reads the record's value
// of a typed column. line and cols locate CSV rows (cols: the 1-based
// header index by field); index locates a pushed record.
func warnTyped(sum *ImportSummary, typed []typedColumn, id string, value func(typedColumn) string, file string, line int, cols map[string]int, index int) {
	for _, c := range typed {
		f, p, v := c.field, c.p, value(c)
		if v == "" {
			continue
		}
		msg, err := typedWarning(p, f, v)
		if msg == "" {
			continue
		}
		w := Rejection{Line: line, Index: index, RecordID: id, Reason: msg, Field: f, Value: clipValue(v, 48), Err: err}
		if len(v) > 48 {
			w.Value += "…"
		}
		if line > 0 {
			w.Column = cols[f]
			w.Err = &csvsource.Error{File: file, Line: line, Field: f, Err: err, Msg: msg}
		}
		sum.warn(w)
	}
}

// SetFieldTypes declares the types of a data source's fields and its
// locale, replacing those declared before (nil types: none), and
// re-evaluates the membership of every population of the data source
// under them, in one pass over its records; the data source's version
// increases.
//
// A type whose Locale is the zero Locale is read in locale; a money type
// without a Currency takes its locale's Currency, so that the amounts
// written without a currency, and filter operands, are in it. Types may
// name fields the data source does not have yet (declared before the first
// import); the built-in id, name and website are always text.
//
// A saved population filter whose operand does not parse under the new
// types makes the call fail with a *FilterError naming the population,
// field and value, and nothing changes. Stored values that do not parse
// are not an error: comparisons leave their records out, as imports warn.
func (a *Actor) SetFieldTypes(ctx context.Context, dataSourceID string, locale fieldtype.Locale, types map[string]fieldtype.Type) (DataSource, error) {
	var out DataSource
	err := a.n.store.Update(ctx, func(tx Tx) error {
		_, ds, err := a.dataSourceFor(tx, ManageDataSources, dataSourceID)
		if err != nil {
			return err
		}
		checked, err := checkFieldTypes("set field types", locale, types, ds.Fields)
		if err != nil {
			return err
		}
		ds.FieldTypes, ds.Locale = checked, locale
		pops, err := tx.Populations(ds.OrgID)
		if err != nil {
			return err
		}
		prog, err := compileMembers(ds, pops)
		if err != nil {
			return fmt.Errorf("acctmap: set field types: %w", err)
		}
		members := make(map[int][]string)
		for _, p := range pops {
			if p.DataSourceID == ds.ID {
				members[p.Slot] = nil
			}
		}
		if len(members) > 0 {
			err = scanRecords(tx, ds.ID, func(r *Record) error {
				m := prog.eval(r)
				for slot := range members {
					if m&(1<<uint(slot)) != 0 {
						members[slot] = append(members[slot], r.ID)
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			for slot, ids := range members {
				if err := tx.SetMembers(ds.ID, slot, ids); err != nil {
					return err
				}
			}
		}
		if err := a.n.touch(tx, ds); err != nil {
			return err
		}
		out, err = tx.DataSource(ds.ID)
		return err
	})
	if err != nil {
		return DataSource{}, err
	}
	_ = a.logged(ctx, "set field types", nil, slog.String("data_source", dataSourceID), slog.Int("types", len(out.FieldTypes)))
	return out, nil
}

// headerColumns returns the 1-based header index of each typed field.
func headerColumns(header []string, typed []typedColumn) map[string]int {
	if typed == nil {
		return nil
	}
	cols := make(map[string]int, len(typed))
	for _, c := range typed {
		if i := slices.Index(header, c.field); i >= 0 {
			cols[c.field] = i + 1
		}
	}
	return cols
}

// reportTyper is how a report's filter reads the viewer's own columns
// ("my." and a field of the viewer's data source) that the data source
// types: the viewer's own metadata applied to its own values. Partner
// columns compare as text: the partner's types are its own metadata, and
// the rows it shares are read as it shows them.
func reportTyper(tx ReadTx, myPopulation string) (typer[*row], error) {
	pop, err := tx.Population(myPopulation)
	if err != nil {
		return nil, err
	}
	ds, err := tx.DataSource(pop.DataSourceID)
	if err != nil || len(ds.FieldTypes) == 0 {
		return nil, err
	}
	return func(canon string, raw func(*row) string) (typedField[*row], bool) {
		f, mine := strings.CutPrefix(canon, "my.")
		if !mine || canon == ColumnPrivate {
			return typedField[*row]{}, false
		}
		p, ok := fieldParser(&ds, f)
		if !ok {
			return typedField[*row]{}, false
		}
		return typedField[*row]{p: p, get: func(r *row) (fieldtype.Value, bool) { return parseValue(p, raw(r)) }}, true
	}, nil
}

// typedComparison reports whether c compares a field of ds as typed
// values (see compileTypedCondition), which no StoreFilter translates:
// pushFilter then leaves the filter to the Network.
func typedComparison(c Condition, ds *DataSource, fields []string) bool {
	switch c.Op {
	case Equals, NotEquals, In, NotIn, GreaterThan, LessThan:
	default:
		return false // text operators read the text, typed or not
	}
	canon, ok := resolveField(strings.TrimSpace(c.Field), fields)
	if !ok {
		return false
	}
	_, typed := fieldParser(ds, canon)
	return typed
}
