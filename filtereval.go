package acctmap

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/acctmap/acctmap/fieldtype"
)

// Bounds on a filter, so that a hostile filter cannot take unbounded memory
// or time per record.
const (
	maxConditions  = 200
	maxInValues    = 10000
	maxFilterValue = 1000
)

// compiled is a Filter validated against the fields of what it tests (a
// record, a report row) and turned into predicates.
type compiled[T any] struct {
	all   []func(T) bool
	anyOf [][]func(T) bool
}

// compiledFilter is a population filter over records.
type compiledFilter = compiled[*Record]

// resolver finds a field by name: its canonical name and how to read it.
type resolver[T any] func(name string) (canonical string, get func(T) string, ok bool)

func (c compiled[T]) match(r T) bool {
	for _, p := range c.all {
		if !p(r) {
			return false
		}
	}
	for _, group := range c.anyOf {
		ok := false
		for _, p := range group {
			if p(r) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// compileDataSourceFilter validates f against the fields of ds and their
// declared types, and returns the predicates and f with field names in
// their canonical spelling. Errors are *FilterError values wrapping
// ErrInvalidInput that name the condition ("all[2]" or "any_of[0][1]"); an
// operand that does not parse under its field's type is one.
func compileDataSourceFilter(f Filter, ds *DataSource) (compiledFilter, Filter, error) {
	fields := ds.Fields
	return compileTyped(f, func(name string) (string, func(*Record) string, bool) {
		canon, ok := resolveField(name, fields)
		if !ok {
			return "", nil, false
		}
		if isBuiltin(canon) {
			return canon, func(r *Record) string { return fieldValue(r, canon) }, true
		}
		return canon, func(r *Record) string { return r.Fields[canon] }, true
	}, func(canon string, raw func(*Record) string) (typedField[*Record], bool) {
		p, ok := fieldParser(ds, canon)
		if !ok {
			return typedField[*Record]{}, false
		}
		return typedField[*Record]{p: p, get: func(r *Record) (fieldtype.Value, bool) {
			return parseValue(p, raw(r))
		}}, true
	}, func(name string) string { return unknownFieldError(name, fields) })
}

// typedField is how a filter reads a field of a declared type: its parser
// (for the operands) and the value of a record parsed with it, ok false
// when the value is empty or does not parse.
type typedField[T any] struct {
	p   fieldtype.Parser
	get func(T) (fieldtype.Value, bool)
}

// typer returns the typed reading of a field (a canonical name) whose
// text raw reads, ok false for a field compared as text.
type typer[T any] func(canon string, raw func(T) string) (typedField[T], bool)

// FilterError is the error of a filter that cannot be used: an unknown
// field, an operator without its operand, an operand that does not parse.
// It wraps ErrInvalidInput; get its fields with errors.As.
type FilterError struct {
	// Path is the condition at fault: "all[2]" or "any_of[0][1]"; "" when
	// the filter as a whole is (too many conditions) and "any_of[3]" for an
	// empty group.
	Path string
	// Field is the field the condition names (its canonical spelling when
	// the data source has it), cut to 80 bytes; Op its operator.
	Field string
	Op    Op
	// Value is the operand at fault, cut to its first 40 bytes; "" when the
	// fault is not in an operand.
	Value string
	// Reason says what is wrong.
	Reason string
	// Err is the cause, when there is one besides ErrInvalidInput: a
	// *fieldtype.ParseError for an operand that does not parse under its
	// field's declared type.
	Err error

	// text is the description after the path, as Error shows it.
	text string
}

// Error reads like `filter all[0]: field "ARR", operator "greater_than":
// value "1.000,00" is neither a number nor an ISO 8601 date: invalid input`.
func (e *FilterError) Error() string {
	text := e.text
	if text == "" {
		text = e.Reason
	}
	if e.Path == "" || strings.HasPrefix(text, "is ") {
		// "filter has 201 conditions", "filter any_of[3] is an empty group"
		return strings.TrimSpace("filter "+e.Path) + " " + text + ": " + ErrInvalidInput.Error()
	}
	return "filter " + e.Path + ": " + text + ": " + ErrInvalidInput.Error()
}

// Unwrap returns ErrInvalidInput, and Err when it is set.
func (e *FilterError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrInvalidInput, e.Err}
	}
	return []error{ErrInvalidInput}
}

// clipValue cuts a value to at most n bytes at a rune boundary, for errors.
func clipValue(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// compileTyped compiles f with fields found by resolve; unknown(name)
// says what is wrong with a field that resolve does not know, and typed
// (when not nil) which fields have a declared type: their equals,
// not_equals, in, not_in, greater_than and less_than compare parsed
// values. Errors are *FilterError values.
func compileTyped[T any](f Filter, resolve resolver[T], typed typer[T], unknown func(name string) string) (compiled[T], Filter, error) {
	n := len(f.All)
	for _, g := range f.AnyOf {
		n += len(g)
	}
	if n > maxConditions {
		msg := fmt.Sprintf("has %d conditions, more than %d", n, maxConditions)
		return compiled[T]{}, Filter{}, &FilterError{Reason: msg, text: msg}
	}
	var c compiled[T]
	canon := Filter{}
	for i, cond := range f.All {
		p, cc, err := compileCondition(cond, resolve, typed, unknown)
		if err != nil {
			err.Path = fmt.Sprintf("all[%d]", i)
			return compiled[T]{}, Filter{}, err
		}
		c.all = append(c.all, p)
		canon.All = append(canon.All, cc)
	}
	for i, group := range f.AnyOf {
		if len(group) == 0 {
			return compiled[T]{}, Filter{}, &FilterError{Path: fmt.Sprintf("any_of[%d]", i), Reason: "empty group",
				text: "is an empty group"}
		}
		var ps []func(T) bool
		var cg []Condition
		for j, cond := range group {
			p, cc, err := compileCondition(cond, resolve, typed, unknown)
			if err != nil {
				err.Path = fmt.Sprintf("any_of[%d][%d]", i, j)
				return compiled[T]{}, Filter{}, err
			}
			ps = append(ps, p)
			cg = append(cg, cc)
		}
		c.anyOf = append(c.anyOf, ps)
		canon.AnyOf = append(canon.AnyOf, cg)
	}
	return c, canon, nil
}

func compileCondition[T any](c Condition, resolve resolver[T], typed typer[T], unknown func(string) string) (func(T) bool, Condition, *FilterError) {
	field, get, ok := resolve(strings.TrimSpace(c.Field))
	if !ok {
		msg := unknown(c.Field)
		return nil, Condition{}, &FilterError{Field: clipValue(c.Field, 80), Op: c.Op, Reason: msg, text: msg}
	}
	c.Field = field
	badValue := func(value, format string, args ...any) (func(T) bool, Condition, *FilterError) {
		reason := fmt.Sprintf(format, args...)
		return nil, Condition{}, &FilterError{Field: field, Op: c.Op, Value: clipValue(value, 40), Reason: reason,
			text: fmt.Sprintf("field %q, operator %.40q: %s", field, c.Op, reason)}
	}
	bad := func(format string, args ...any) (func(T) bool, Condition, *FilterError) {
		return badValue("", format, args...)
	}
	if len(c.Value) > maxFilterValue || !utf8.ValidString(c.Value) {
		return badValue(c.Value, "value is longer than %d bytes or not UTF-8", maxFilterValue)
	}
	needValue := func() error {
		if len(c.Values) > 0 {
			return fmt.Errorf("takes Value, not Values")
		}
		if strings.TrimSpace(c.Value) == "" {
			return fmt.Errorf("needs a value (use is_empty to test for an empty field)")
		}
		return nil
	}
	if typed != nil {
		switch c.Op {
		case Equals, NotEquals, In, NotIn, GreaterThan, LessThan:
			if tf, ok := typed(field, get); ok {
				return compileTypedCondition(c, tf, badValue)
			}
		}
	}
	switch c.Op {
	case Equals, NotEquals:
		if err := needValue(); err != nil {
			return bad("%v", err)
		}
		want := strings.TrimSpace(c.Value)
		if c.Op == Equals {
			return func(r T) bool { return strings.EqualFold(strings.TrimSpace(get(r)), want) }, c, nil
		}
		return func(r T) bool { return !strings.EqualFold(strings.TrimSpace(get(r)), want) }, c, nil
	case Contains, StartsWith:
		if err := needValue(); err != nil {
			return bad("%v", err)
		}
		want := strings.ToLower(c.Value)
		if c.Op == Contains {
			wantBytes := []byte(want)
			return func(r T) bool { return containsFold(get(r), want, wantBytes) }, c, nil
		}
		return func(r T) bool { return hasPrefixFold(strings.TrimSpace(get(r)), want) }, c, nil
	case In, NotIn:
		if c.Value != "" {
			return bad("takes Values, not Value")
		}
		if len(c.Values) == 0 {
			return bad("needs at least one value")
		}
		if len(c.Values) > maxInValues {
			return bad("has %d values, more than %d", len(c.Values), maxInValues)
		}
		set := make(map[string]struct{}, len(c.Values))
		for i, v := range c.Values {
			if len(v) > maxFilterValue || !utf8.ValidString(v) {
				return badValue(v, "value %d is longer than %d bytes or not UTF-8", i, maxFilterValue)
			}
			set[strings.ToLower(strings.TrimSpace(v))] = struct{}{}
		}
		in := func(r T) bool { return inFold(set, strings.TrimSpace(get(r))) }
		if c.Op == In {
			return in, c, nil
		}
		return func(r T) bool { return !in(r) }, c, nil
	case GreaterThan, LessThan:
		if err := needValue(); err != nil {
			return bad("%v", err)
		}
		cmp, ok := comparator(c.Value)
		if !ok {
			return badValue(c.Value, "value %.40q is neither a number nor an ISO 8601 date", c.Value)
		}
		if c.Op == GreaterThan {
			return func(r T) bool { s, ok := cmp(get(r)); return ok && s > 0 }, c, nil
		}
		return func(r T) bool { s, ok := cmp(get(r)); return ok && s < 0 }, c, nil
	case IsEmpty, IsNotEmpty:
		if c.Value != "" || len(c.Values) > 0 {
			return bad("takes no value")
		}
		if c.Op == IsEmpty {
			return func(r T) bool { return strings.TrimSpace(get(r)) == "" }, c, nil
		}
		return func(r T) bool { return strings.TrimSpace(get(r)) != "" }, c, nil
	}
	return bad("unknown operator (want one of equals, not_equals, contains, starts_with, in, not_in, greater_than, less_than, is_empty, is_not_empty)")
}

// compileTypedCondition compiles a comparison on a field of a declared
// type. The operands are parsed once, here, with the field's type: one
// that does not parse is an error naming the field and the value. A
// record's value is parsed as the field reads it (at most once per record
// in a memberProgram); an empty value, or one that does not parse, never
// equals nor compares, so that equals, in, greater_than and less_than
// leave its record out and not_equals and not_in, their negations, keep
// it (as they keep an empty value of a text field). Money compares only
// with money of the same currency.
func compileTypedCondition[T any](c Condition, tf typedField[T],
	badValue func(value, format string, args ...any) (func(T) bool, Condition, *FilterError)) (func(T) bool, Condition, *FilterError) {
	bad := func(format string, args ...any) (func(T) bool, Condition, *FilterError) {
		return badValue("", format, args...)
	}
	parse := func(v string) (fieldtype.Value, func(T) bool, Condition, *FilterError) {
		x, err := tf.p.Parse(v)
		if err == nil {
			return x, nil, Condition{}, nil
		}
		reason := err.Error()
		var pe *fieldtype.ParseError
		if errors.As(err, &pe) {
			reason = pe.Reason
		}
		p, cc, ferr := badValue(v, "value %s is not a %s value: %s", quoteValue(v), tf.p.Type(), reason)
		ferr.Err = err
		return fieldtype.Value{}, p, cc, ferr
	}
	get := tf.get
	switch c.Op {
	case Equals, NotEquals, GreaterThan, LessThan:
		if len(c.Values) > 0 {
			return bad("takes Value, not Values")
		}
		if strings.TrimSpace(c.Value) == "" {
			return bad("needs a value (use is_empty to test for an empty field)")
		}
		x, p, cc, ferr := parse(c.Value)
		if ferr != nil {
			return p, cc, ferr
		}
		switch c.Op {
		case Equals:
			return func(r T) bool { v, ok := get(r); return ok && v == x }, c, nil
		case NotEquals:
			return func(r T) bool { v, ok := get(r); return !ok || v != x }, c, nil
		case GreaterThan:
			return func(r T) bool { v, ok := get(r); return ok && v.Comparable(x) && v.Compare(x) > 0 }, c, nil
		}
		return func(r T) bool { v, ok := get(r); return ok && v.Comparable(x) && v.Compare(x) < 0 }, c, nil
	}
	// In, NotIn
	if c.Value != "" {
		return bad("takes Values, not Value")
	}
	if len(c.Values) == 0 {
		return bad("needs at least one value")
	}
	if len(c.Values) > maxInValues {
		return bad("has %d values, more than %d", len(c.Values), maxInValues)
	}
	set := make(map[fieldtype.Value]struct{}, len(c.Values))
	for i, v := range c.Values {
		if len(v) > maxFilterValue || !utf8.ValidString(v) {
			return badValue(v, "value %d is longer than %d bytes or not UTF-8", i, maxFilterValue)
		}
		x, p, cc, ferr := parse(v)
		if ferr != nil {
			return p, cc, ferr
		}
		set[x] = struct{}{}
	}
	in := func(r T) bool {
		v, ok := get(r)
		if !ok {
			return false
		}
		_, in := set[v]
		return in
	}
	if c.Op == In {
		return in, c, nil
	}
	return func(r T) bool { return !in(r) }, c, nil
}

// foldBuf bounds the values the predicates lower-case on the stack: longer
// ones (rare in a filtered field) take strings.ToLower's allocation.
const foldBuf = 64

// lowerASCII returns s lower-cased into buf when s is ASCII and fits, so
// that the hot loop of a filter allocates nothing; ok is false otherwise.
func lowerASCII(buf *[foldBuf]byte, s string) ([]byte, bool) {
	if len(s) > foldBuf {
		return nil, false
	}
	b := buf[:len(s)]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return nil, false
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	return b, true
}

// inFold reports whether the lower case of s is in set.
func inFold(set map[string]struct{}, s string) bool {
	var buf [foldBuf]byte
	if b, ok := lowerASCII(&buf, s); ok {
		_, in := set[string(b)] // the compiler does not allocate for this conversion
		return in
	}
	_, in := set[strings.ToLower(s)]
	return in
}

// containsFold reports whether s contains lowerSub (also given as bytes),
// ignoring case.
func containsFold(s, lowerSub string, lowerSubBytes []byte) bool {
	var buf [foldBuf]byte
	if b, ok := lowerASCII(&buf, s); ok {
		return bytes.Contains(b, lowerSubBytes)
	}
	return strings.Contains(strings.ToLower(s), lowerSub)
}

// hasPrefixFold reports whether s starts with lowerPrefix, ignoring case,
// without allocating for ASCII values.
func hasPrefixFold(s, lowerPrefix string) bool {
	var buf [foldBuf]byte
	if b, ok := lowerASCII(&buf, s); ok {
		return len(b) >= len(lowerPrefix) && string(b[:len(lowerPrefix)]) == lowerPrefix
	}
	return strings.HasPrefix(strings.ToLower(s), lowerPrefix)
}

// comparator parses the filter operand as a number or a date and returns a
// function comparing a record value with it: the sign of value−operand, and
// false when the record value is not of the same type.
func comparator(operand string) (func(string) (int, bool), bool) {
	if x, ok := parseNumber(operand); ok {
		return func(v string) (int, bool) {
			y, ok := parseNumber(v)
			if !ok {
				return 0, false
			}
			switch {
			case y < x:
				return -1, true
			case y > x:
				return 1, true
			}
			return 0, true
		}, true
	}
	if t, ok := parseDate(operand); ok {
		return func(v string) (int, bool) {
			u, ok := parseDate(v)
			if !ok {
				return 0, false
			}
			return u.Compare(t), true
		}, true
	}
	return nil, false
}

// parseNumber reads a number as CRM exports write it: "1200", "1,200.50",
// "-3e2", with optional spaces.
func parseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	if strings.IndexByte(s, ',') >= 0 {
		s = strings.ReplaceAll(s, ",", "")
	}
	x, err := strconv.ParseFloat(s, 64)
	return x, err == nil && x == x // not NaN
}

// parseDate reads an ISO 8601 date or timestamp.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range [...]string{"2006-01-02", time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// quoteList renders up to max names, quoted, for error messages.
func quoteList(names []string, max int) string {
	if len(names) == 0 {
		return "none"
	}
	var b strings.Builder
	for i, n := range names {
		if i == max {
			fmt.Fprintf(&b, ", … %d more", len(names)-max)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", n)
	}
	return b.String()
}

// typedRow holds the values of a memberRow's typed fields parsed so far:
// a typed field that several conditions or populations compare is parsed
// once per record, on first use.
type typedRow struct {
	parsed  uint64            // bit i: typed[i] and typedOK[i] are set
	typed   []fieldtype.Value // by typed slot
	typedOK []bool
}

// typer returns the typed reading of the fields of ds for the program's
// filters: each typed field gets a slot of the row (slots: by field name,
// shared by every filter of the program), the first maxSlots of them
// cached per record, the others parsed at each use.
func (p *memberProgram) typer(ds *DataSource, slots map[string]int) typer[*memberRow] {
	return func(canon string, raw func(*memberRow) string) (typedField[*memberRow], bool) {
		parser, ok := fieldParser(ds, canon)
		if !ok {
			return typedField[*memberRow]{}, false
		}
		i, seen := slots[canon]
		if !seen {
			i = len(slots)
			slots[canon] = i
			if i < maxSlots {
				p.row.typed = append(p.row.typed, fieldtype.Value{})
				p.row.typedOK = append(p.row.typedOK, false)
			}
		}
		if i >= maxSlots {
			return typedField[*memberRow]{p: parser, get: func(m *memberRow) (fieldtype.Value, bool) {
				return parseValue(parser, raw(m))
			}}, true
		}
		bit := uint64(1) << uint(i)
		return typedField[*memberRow]{p: parser, get: func(m *memberRow) (fieldtype.Value, bool) {
			if m.parsed&bit == 0 {
				v, ok := parseValue(parser, raw(m))
				m.typed[i], m.typedOK[i] = v, ok
				m.parsed |= bit
			}
			return m.typed[i], m.typedOK[i]
		}}, true
	}
}

// parseValue parses a record's value of a typed field, false when it is
// empty (without making the error: most records leave some field empty)
// or does not parse.
func parseValue(p fieldtype.Parser, s string) (fieldtype.Value, bool) {
	if s == "" {
		return fieldtype.Value{}, false
	}
	v, err := p.Parse(s)
	return v, err == nil
}
