package acctmap

import (
	"math"
	"strings"
)

// FilterMembersTx is implemented by the write transactions (Tx) of stores that
// can evaluate a population filter where the records are: pgstore's do it
// in SQL. CreatePopulation and UpdatePopulation then compute membership
// without reading the data source's records into the process, when the
// filter has a StoreFilter (see pushFilter); other filters take the
// in-memory path, as on every other store.
type FilterMembersTx interface {
	// SetMembersByFilter sets population slot bit `slot` in
	// Record.Populations for exactly the records of the data source that f
	// selects, and clears it in all others, as SetMembers would with their
	// ids. A record on which f is unknown (see StoreFilter) is handed to
	// decide, with what Records hands, and decide's answer is its
	// membership; decide must not call methods of the transaction. Errors
	// are those of SetMembers.
	SetMembersByFilter(dataSourceID string, slot int, f StoreFilter, decide func(*Record) bool) error
}

// StoreFilter is a population filter in a form whose every operation a
// store can evaluate exactly as the Network does: byte comparisons of ASCII
// text, and numbers in one strict syntax. Anything else about a record is
// unknown, and the store hands the record back to be decided in Go.
//
// A record matches when every condition of All holds and each group of
// AnyOf has one that holds, in three-valued (Kleene) logic: false and
// unknown is false, true or unknown is true; a record on which the whole
// is unknown is decided by the Network. The zero StoreFilter selects every
// record.
type StoreFilter struct {
	All   []StoreCondition
	AnyOf [][]StoreCondition
}

// StoreCondition tests one value v of a record: Record.Name when Field is
// FieldName, Record.Website when it is FieldWebsite, otherwise
// Record.Fields[Field] ("" when the record has none).
//
// The condition is unknown when v holds a byte outside 0x01–0x7F. For
// other values, let t be v without its leading and trailing ASCII spaces
// (' ', '\t', '\n', '\v', '\f', '\r') and lower(s) s with A–Z in lower
// case (nothing else changes); the operands are given in that form:
//
//   - Equals: lower(t) == Value; NotEquals: lower(t) != Value.
//   - Contains: lower(v) contains Value (v itself, not trimmed).
//   - StartsWith: lower(t) starts with Value.
//   - In: lower(t) is one of Values; NotIn: it is none (Values may be
//     empty: In is then false, NotIn true).
//   - GreaterThan, LessThan: let u be t with every ',' removed. When u is
//     at most 100 bytes and matches NumberPattern, its value as a float64
//     (correctly rounded, as strconv.ParseFloat and PostgreSQL's float8
//     read it; the pattern keeps it in the normal range) is compared with
//     Number: greater, or less. When u holds no digit 0–9 and is not "inf",
//     "infinity" or "nan" (any case, after one optional sign), false.
//     Otherwise unknown.
//   - IsEmpty: t == ""; IsNotEmpty: t != "".
type StoreCondition struct {
	Field  string
	Op     Op
	Value  string
	Values []string
	Number float64
}

// NumberPattern is the syntax of a number a store compares itself (see
// StoreCondition), as a POSIX regular expression: an optional sign,
// digits with at most one '.', and an exponent of at most two digits.
const NumberPattern = `^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]{1,2})?$`

// pushFilter returns f, a population filter of ds that compileMembers
// accepted, as a StoreFilter, when every condition has a translation with
// exactly the semantics of compileCondition; ok is false otherwise, and
// membership is then computed in Go. It is the one place that decides what
// is pushed down: a condition is pushed when
//
//   - its field is a built-in other than "id" (ids may hold any bytes) or
//     a field of the data source, resolved as compileMembers resolves it;
//   - its operands, as compileCondition normalizes them, are ASCII without
//     NUL (strings.EqualFold and strings.ToLower map some non-ASCII
//     letters to ASCII ones: the Kelvin sign to 'k'); for In and NotIn
//     operands that are not ASCII once lowered are left out instead, as no
//     ASCII value can equal them;
//   - a comparison's operand is a finite number (dates are compared in Go);
//   - it does not compare a field of a declared type (DataSource.FieldTypes)
//     as typed values: equals, not_equals, in, not_in, greater_than and
//     less_than on such a field are computed in Go.
func pushFilter(f Filter, ds DataSource) (StoreFilter, bool) {
	fields := mergeFields(ds.Fields, filterFields(f))
	conv := func(cs []Condition) ([]StoreCondition, bool) {
		out := make([]StoreCondition, 0, len(cs))
		for _, c := range cs {
			if typedComparison(c, &ds, fields) {
				return nil, false // compared as typed values, in Go
			}
			sc, ok := pushCondition(c, fields)
			if !ok {
				return nil, false
			}
			out = append(out, sc)
		}
		return out, true
	}
	var sf StoreFilter
	var ok bool
	if len(f.All) > 0 {
		if sf.All, ok = conv(f.All); !ok {
			return StoreFilter{}, false
		}
	}
	for _, g := range f.AnyOf {
		sg, ok := conv(g)
		if !ok || len(sg) == 0 {
			return StoreFilter{}, false
		}
		sf.AnyOf = append(sf.AnyOf, sg)
	}
	return sf, true
}

// pushCondition is pushFilter for one condition.
func pushCondition(c Condition, fields []string) (StoreCondition, bool) {
	canon, ok := resolveField(strings.TrimSpace(c.Field), fields)
	if !ok || canon == FieldID {
		return StoreCondition{}, false
	}
	sc := StoreCondition{Field: canon, Op: c.Op}
	switch c.Op {
	case Equals, NotEquals:
		want := strings.TrimSpace(c.Value)
		if !plainASCII(want) || want == "" || len(c.Values) > 0 {
			return StoreCondition{}, false
		}
		sc.Value = strings.ToLower(want)
	case Contains, StartsWith:
		if !plainASCII(c.Value) || strings.TrimSpace(c.Value) == "" || len(c.Values) > 0 {
			return StoreCondition{}, false
		}
		sc.Value = strings.ToLower(c.Value)
	case In, NotIn:
		if c.Value != "" || len(c.Values) == 0 {
			return StoreCondition{}, false
		}
		sc.Values = make([]string, 0, len(c.Values))
		for _, v := range c.Values {
			if l := strings.ToLower(strings.TrimSpace(v)); plainASCII(l) {
				sc.Values = append(sc.Values, l)
			}
		}
	case GreaterThan, LessThan:
		x, ok := parseNumber(c.Value)
		if !ok || math.IsInf(x, 0) || len(c.Values) > 0 {
			return StoreCondition{}, false
		}
		sc.Number = x
	case IsEmpty, IsNotEmpty:
		if c.Value != "" || len(c.Values) > 0 {
			return StoreCondition{}, false
		}
	default:
		return StoreCondition{}, false
	}
	return sc, true
}

// plainASCII reports whether s holds only bytes 0x01–0x7F.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 || s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// pushMembers computes pop's membership with the store's FilterMembersTx when tx
// has one and pushFilter translates the filter; ok reports whether it did.
// prog is pop's compiled filter, which decides the records the store
// cannot.
func pushMembers(tx Tx, ds DataSource, pop Population, prog *memberProgram) (ok bool, err error) {
	mtx, can := tx.(FilterMembersTx)
	if !can {
		return false, nil
	}
	sf, can := pushFilter(pop.Filter, ds)
	if !can {
		return false, nil
	}
	err = mtx.SetMembersByFilter(ds.ID, pop.Slot, sf, func(r *Record) bool { return prog.eval(r) != 0 })
	return true, err
}
