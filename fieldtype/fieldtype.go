package fieldtype

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/currency"
)

// Kind is what a field holds.
type Kind uint8

// The kinds. Text, the zero Kind, takes any value as it is.
const (
	Text Kind = iota
	Number
	Money
	Date
	Boolean
)

var kindNames = [...]string{Text: "text", Number: "number", Money: "money", Date: "date", Boolean: "boolean"}

// String returns the kind's lower-case name: "text", "number", ...
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// MarshalText returns the kind's name, so a field mapping stores kinds as
// words rather than numbers.
func (k Kind) MarshalText() ([]byte, error) {
	if int(k) >= len(kindNames) {
		return nil, fmt.Errorf("%w: unknown kind %d", ErrType, k)
	}
	return []byte(kindNames[k]), nil
}

// UnmarshalText parses a kind's name, in any case.
func (k *Kind) UnmarshalText(b []byte) error {
	v, err := ParseKind(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// ParseKind parses a kind's name ("text", "number", "money", "date",
// "boolean"), in any case.
func ParseKind(s string) (Kind, error) {
	for k, name := range kindNames {
		if strings.EqualFold(s, name) {
			return Kind(k), nil
		}
	}
	return Text, fmt.Errorf("%w: unknown kind %.40q", ErrType, s)
}

// Sentinel errors. Parse errors are *ParseError values wrapping ErrParse or
// ErrEmpty; an invalid Type or Locale wraps ErrType.
var (
	// ErrParse reports a value that is not a valid value of its type.
	ErrParse = errors.New("fieldtype: value does not parse")
	// ErrEmpty reports an empty (or all white space) value in a field
	// that is not Text: a missing value rather than a malformed one.
	ErrEmpty = errors.New("fieldtype: empty value")
	// ErrType reports an invalid Type, Locale, Kind or currency code.
	ErrType = errors.New("fieldtype: invalid type")
)

// ParseError describes a value that does not parse. Use errors.As to show
// Reason to users, errors.Is with ErrParse or ErrEmpty to branch.
type ParseError struct {
	Kind   Kind   // the kind asked for
	Locale string // the locale's name ("ISO" for an unnamed locale)
	Value  string // the value as given
	Reason string // short human-readable reason, e.g. "month 13 out of range"
	Err    error  // ErrParse or ErrEmpty
}

// maxQuoted bounds how many characters of a value an error repeats, so a
// huge garbage cell does not end up in a log line.
const maxQuoted = 40

// Error names the value (a bounded prefix), the kind, the locale and the
// reason.
func (e *ParseError) Error() string {
	v := fmt.Sprintf("%.*q", maxQuoted, e.Value)
	if utf8.RuneCountInString(e.Value) > maxQuoted {
		v += "…"
	}
	return "fieldtype: " + v + " is not a " + e.Kind.String() + " value in locale " + e.Locale + ": " + e.Reason
}

// Unwrap returns ErrParse or ErrEmpty.
func (e *ParseError) Unwrap() error { return e.Err }

// Type is the declared type of a field: what it holds, how its values are
// written and, for money, the currency of amounts written without one.
type Type struct {
	Kind   Kind
	Locale Locale
	// Currency is an ISO 4217 code, for Money only. When set, an amount
	// written without a currency is in it, a shared symbol ("$") must be
	// one it uses, and any other currency is an error.
	Currency string
}

// String describes the type, e.g. "money(de-DE, EUR)" or "date(en-US)".
func (t Type) String() string {
	switch t.Kind {
	case Text, Boolean:
		return t.Kind.String()
	}
	s := t.Kind.String() + "(" + t.Locale.name()
	if t.Currency != "" {
		s += ", " + t.Currency
	}
	return s + ")"
}

// Validate reports whether the type is usable: a known kind, a valid
// locale, and a recognized ISO 4217 currency only on Money. Parse checks
// it too; Validate lets a mapping be checked once when it is saved.
func (t Type) Validate() error {
	if int(t.Kind) >= len(kindNames) {
		return fmt.Errorf("%w: unknown kind %d", ErrType, t.Kind)
	}
	if err := t.Locale.Validate(); err != nil {
		return err
	}
	if t.Currency != "" {
		if t.Kind != Money {
			return fmt.Errorf("%w: currency %.8q on a %s field", ErrType, t.Currency, t.Kind)
		}
		if u, err := currency.ParseISO(t.Currency); err != nil || u.String() != t.Currency {
			return fmt.Errorf("%w: %.8q is not an upper-case ISO 4217 currency code", ErrType, t.Currency)
		}
	}
	return nil
}

// Parse reads one value of the type. Surrounding white space (including
// no-break spaces and a BOM) is ignored except for Text, which takes the
// value exactly as given and never fails. An empty value of another kind
// is an error wrapping ErrEmpty; a malformed one wraps ErrParse. Nothing
// ambiguous is guessed: see the package documentation for the accepted
// forms.
func (t Type) Parse(s string) (Value, error) {
	if t.Kind == Text {
		return Value{kind: Text, text: s}, nil
	}
	if err := t.Validate(); err != nil {
		return Value{}, err
	}
	return t.parse(s)
}

// parse is Parse of a valid Type.
func (t Type) parse(s string) (Value, error) {
	if t.Kind == Text {
		return Value{kind: Text, text: s}, nil
	}
	body := trimSpace(s)
	if body == "" {
		return Value{}, t.fail(s, "empty", ErrEmpty)
	}
	switch t.Kind {
	case Number:
		f, cur, reason := parseAmount(body, t.Locale, true)
		if reason == "" && cur != "" {
			reason = "currency " + strconv.Quote(cur) + " in a number field (use money)"
		}
		if reason != "" {
			return Value{}, t.fail(s, reason, ErrParse)
		}
		return Value{kind: Number, num: f}, nil
	case Money:
		f, cur, reason := parseAmount(body, t.Locale, false)
		if reason == "" {
			cur, reason = resolveCurrency(cur, t.Currency, t.Locale.Currency)
		}
		if reason != "" {
			return Value{}, t.fail(s, reason, ErrParse)
		}
		return Value{kind: Money, num: f, text: cur}, nil
	case Date:
		days, reason := parseDate(body, t.Locale.Dates)
		if reason != "" {
			return Value{}, t.fail(s, reason, ErrParse)
		}
		return Value{kind: Date, num: float64(days)}, nil
	default: // Boolean; Validate rejected unknown kinds
		b, ok := boolWords[foldWord(body)]
		if !ok {
			return Value{}, t.fail(s, "not a yes/no word", ErrParse)
		}
		v := Value{kind: Boolean}
		if b {
			v.num = 1
		}
		return v, nil
	}
}

func (t Type) fail(s, reason string, err error) error {
	return &ParseError{Kind: t.Kind, Locale: t.Locale.name(), Value: s, Reason: reason, Err: err}
}

// Value is one parsed field value. Values are comparable with == (two
// values are == exactly when they are the same value of the same kind, in
// the same currency for money) and ordered by Compare. The zero Value is
// the empty Text.
//
// Numbers and money amounts are float64: every decimal of up to 15
// significant digits, which covers any amount a CRM holds, survives the
// round trip exactly, comparisons are single instructions, and the module
// needs no decimal dependency. Two spellings of one decimal ("1,50" and
// "1.5") always give the same float, since strconv rounds correctly.
type Value struct {
	kind Kind
	num  float64 // Number, Money amount; Date: days since 1970-01-01; Boolean: 0 or 1
	text string  // Text; Money: the ISO 4217 code or ""
}

// Kind returns the kind of the value.
func (v Value) Kind() Kind { return v.kind }

// Float returns a number or money amount, 0 for other kinds.
func (v Value) Float() float64 {
	if v.kind == Number || v.kind == Money {
		return v.num
	}
	return 0
}

// Currency returns the ISO 4217 code of a money value, "" when neither the
// value nor its type named one (and for other kinds).
func (v Value) Currency() string {
	if v.kind == Money {
		return v.text
	}
	return ""
}

// Time returns a date as midnight UTC of that day, the zero time for other
// kinds.
func (v Value) Time() time.Time {
	if v.kind != Date {
		return time.Time{}
	}
	return time.Unix(int64(v.num)*secondsPerDay, 0).UTC()
}

// Bool returns a boolean value, false for other kinds.
func (v Value) Bool() bool { return v.kind == Boolean && v.num != 0 }

// Text returns a Text value as given, "" for other kinds (use String for
// their canonical form).
func (v Value) Text() string {
	if v.kind == Text {
		return v.text
	}
	return ""
}

// String returns the canonical form of the value, which Type{Kind:
// v.Kind(), Locale: ISO, Currency: v.Currency()}.Parse reads back to the
// same value: Text as given, numbers as "-1234.5" (with an exponent,
// "1e+21", outside 1e-6 to 1e21), money as "1234.5 EUR" or "1234.5",
// dates as "2024-12-31", booleans as "true" or "false".
func (v Value) String() string {
	switch v.kind {
	case Number:
		if a := abs(v.num); a != 0 && (a < 1e-6 || a >= 1e21) {
			return strconv.FormatFloat(v.num, 'e', -1, 64)
		}
		return strconv.FormatFloat(v.num, 'f', -1, 64)
	case Money:
		s := strconv.FormatFloat(v.num, 'f', -1, 64)
		if v.text != "" {
			s += " " + v.text
		}
		return s
	case Date:
		return v.Time().Format(time.DateOnly)
	case Boolean:
		if v.num != 0 {
			return "true"
		}
		return "false"
	}
	return v.text
}

// Compare returns -1, 0 or +1 as v sorts before, with or after w. Values
// of different kinds sort by kind (Text, Number, Money, Date, Boolean),
// money of different currencies by currency code (no currency first),
// text by bytes; only values for which Comparable is true compare
// meaningfully.
func (v Value) Compare(w Value) int {
	if v.kind != w.kind {
		return cmpOrdered(v.kind, w.kind)
	}
	switch v.kind {
	case Text:
		return strings.Compare(v.text, w.text)
	case Money:
		if c := strings.Compare(v.text, w.text); c != 0 {
			return c
		}
	}
	return cmpOrdered(v.num, w.num)
}

// Comparable reports whether comparing v with w means something: the same
// kind and, for money, the same currency (an amount without a currency
// compares only with another such amount).
func (v Value) Comparable(w Value) bool {
	return v.kind == w.kind && (v.kind != Money || v.text == w.text)
}

const secondsPerDay = 86400

func cmpOrdered[T ~uint8 | ~float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// Parser reads values of one Type that was validated once: a loop over
// the values of many records (a filter, an import) then spends nothing on
// checking the Type again. The zero Parser reads Text.
type Parser struct{ t Type }

// Parser validates t and returns a Parser of it.
func (t Type) Parser() (Parser, error) {
	if err := t.Validate(); err != nil {
		return Parser{}, err
	}
	return Parser{t}, nil
}

// Type returns the type the parser reads.
func (p Parser) Type() Type { return p.t }

// Parse is Type.Parse of the parser's type, without validating it.
func (p Parser) Parse(s string) (Value, error) { return p.t.parse(s) }
