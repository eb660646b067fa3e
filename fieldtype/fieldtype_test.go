package fieldtype

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/language"
)

// parseCase is one value read with one type: want is the canonical form
// (Value.String) or, when reason is set, the error reason's start.
type parseCase struct {
	typ    Type
	in     string
	want   string
	reason string
}

func num(l Locale) Type   { return Type{Kind: Number, Locale: l} }
func money(l Locale) Type { return Type{Kind: Money, Locale: l} }
func date(l Locale) Type  { return Type{Kind: Date, Locale: l} }

var boolean = Type{Kind: Boolean}

var parseCases = []parseCase{
	// Numbers, US and UK.
	{num(US), "1234.56", "1234.56", ""},
	{num(US), "1,234.56", "1234.56", ""},
	{num(US), "1,234,567", "1234567", ""},
	{num(US), "  1,234  ", "1234", ""},
	{num(US), "\u00a01234\ufeff", "1234", ""},
	{num(US), "1,234", "1234", ""},
	{num(US), ".5", "0.5", ""},
	{num(US), "-.5", "-0.5", ""},
	{num(US), "0", "0", ""},
	{num(US), "-0", "0", ""},
	{num(US), "007", "7", ""},
	{num(US), "+5", "5", ""},
	{num(US), "−5", "-5", ""},
	{num(US), "(5)", "-5", ""},
	{num(US), "( 1,234.5 )", "-1234.5", ""},
	{num(US), "5-", "-5", ""},
	{num(US), "1.5e3", "1500", ""},
	{num(US), "1E-7", "1e-07", ""},
	{num(US), "2e21", "2e+21", ""},
	{num(UK), "1,234.56", "1234.56", ""},
	{num(US), "1.234,56", "", "grouping separator after the decimal separator"},
	{num(US), "1,23", "", "digits not grouped by three"},
	{num(US), "1,2345", "", "digits not grouped by three"},
	{num(US), "12,34,567", "", "digits not grouped by three"},
	{num(US), "1,234,56", "", "digits not grouped by three"},
	{num(US), "0,123", "", "grouped number starts with 0"},
	{num(US), ",123", "", "grouping separator"},
	{num(US), "1,,234", "", "grouping separator"},
	{num(US), "1,234,", "", "grouping separator"},
	{num(US), "1 234", "", "unexpected character ' '"},
	{num(US), "1,234 567", "", "unexpected character ' '"},
	{num(US), "5.", "", "no digits after the decimal separator"},
	{num(US), ".", "", "no digits after the decimal separator"},
	{num(US), "-", "", "no digits"},
	{num(US), "()", "", "no digits"},
	{num(US), "--5", "", "more than one sign"},
	{num(US), "-5-", "", "unexpected character '-'"},
	{num(US), "(-5)", "", "more than one sign"},
	{num(US), "1e", "", "no digits in the exponent"},
	{num(US), "1,234e5", "", "exponent in a grouped number"},
	{num(US), "e5", "", "no digits"},
	{num(US), "1e400", "", "out of range"},
	{num(US), "NaN", "", "unexpected character 'N'"},
	{num(US), "Inf", "", "unexpected character 'I'"},
	{num(US), "0x10", "", "unexpected character 'x'"},
	{num(US), "1_000", "", "unexpected character '_'"},
	{num(US), "12%", "", "unexpected character '%'"},
	{num(US), "$5", "", `currency "$" in a number field`},
	{num(US), "5 EUR", "", `currency "EUR" in a number field`},
	{num(US), "٣", "", "unexpected character"},
	{num(US), "", "", "empty"},
	{num(US), " \t ", "", "empty"},
	// Numbers, DE and FR: the decimal separator is ','.
	{num(DE), "1.234,56", "1234.56", ""},
	{num(DE), "1.234.567", "1234567", ""},
	{num(DE), "1,234", "1.234", ""},
	{num(DE), "1234,5", "1234.5", ""},
	{num(DE), "1.234", "1234", ""},
	{num(DE), ",5", "0.5", ""},
	{num(DE), "1,5e3", "1500", ""},
	{num(DE), "1.5", "", "digits not grouped by three"},
	{num(DE), "1234.5", "", "digits not grouped by three"},
	{num(DE), "1,234.56", "", "grouping separator after the decimal separator"},
	{num(DE), "1 234,56", "", "unexpected character ' '"},
	{num(FR), "1 234,56", "1234.56", ""},
	{num(FR), "1\u00a0234,56", "1234.56", ""},
	{num(FR), "1\u202f234\u202f567,8", "1234567.8", ""},
	{num(FR), "1\u2009234", "1234", ""},
	{num(FR), "1,234", "1.234", ""},
	{num(FR), "1.234", "", "unexpected character '.'"},
	{num(FR), "1 234\u00a0567", "1234567", ""}, // one class of separator: spaces
	{num(ISO), "1234.56", "1234.56", ""},
	{num(ISO), "1 234.56", "1234.56", ""},
	{num(ISO), "1,234", "", "unexpected character ','"},
	{num(Locale{}), "1234.5", "1234.5", ""},
	{num(Locale{}), "1 234", "", "unexpected character ' '"},
	// Swiss and Indian grouping.
	{num(chLocale), "1'234.50", "1234.5", ""},
	{num(chLocale), "1’234’567.5", "1234567.5", ""},
	{num(chLocale), "1'234’567", "1234567", ""},
	{num(inLocale), "12,34,567.5", "1234567.5", ""},
	{num(inLocale), "1,23,45,678", "12345678", ""},
	{num(inLocale), "1,234,567", "1234567", ""},
	{num(inLocale), "123,45,678", "", "digits not grouped by three"},
	{num(inLocale), "1,23,4567", "", "digits not grouped by three"},
	{num(US), "12,34,567.5", "", "digits not grouped by three"},
	{num(US), strings.Repeat("1,", 32) + "1", "", "too many digit groups"},
	{num(US), strings.Repeat("1,", 31) + "1", "", "digits not grouped by three"},
	{num(US), "1" + strings.Repeat(",000", 31), "1e+93", ""},

	// Money.
	{money(US), "$2,000", "2000 USD", ""},
	{money(US), "$ 2,000.50", "2000.5 USD", ""},
	{money(US), "-$5", "-5 USD", ""},
	{money(US), "$-5", "-5 USD", ""},
	{money(US), "($1,234.56)", "-1234.56 USD", ""},
	{money(US), "$(5)", "", "more than one sign"},
	{money(US), "2,000 USD", "2000 USD", ""},
	{money(US), "USD 2,000", "2000 USD", ""},
	{money(US), "usd2000", "2000 USD", ""},
	{money(US), "2000", "2000", ""},
	{money(US), "€1,200", "1200 EUR", ""},
	{money(US), "£5", "5 GBP", ""},
	{money(US), "US$5", "5 USD", ""},
	{money(US), "C$5", "5 CAD", ""},
	{money(US), "5 C$", "5 CAD", ""},
	{money(US), "¥500", "", `symbol "¥" is ambiguous`},
	{money(US), "JP¥500", "500 JPY", ""},
	{money(US), "1e3 USD", "", "exponent in a money amount"},
	{money(US), "$5 USD", "", "two currencies"},
	{money(US), "5 XYZ", "", `unknown currency code "XYZ"`},
	{money(US), "5 EURO", "", "unexpected character ' '"},
	{money(US), "$", "", "no digits"},
	{money(US), "USD", "", "unexpected character 'U'"},
	{money(UK), "£1,234.50", "1234.5 GBP", ""},
	{money(UK), "$5", "", `symbol "$" is ambiguous`},
	{money(DE), "€1.200", "1200 EUR", ""},
	{money(DE), "1.200 €", "1200 EUR", ""},
	{money(DE), "1.234,56€", "1234.56 EUR", ""},
	{money(DE), "-1.234,56 EUR", "-1234.56 EUR", ""},
	{money(DE), "1.234,56- €", "-1234.56 EUR", ""},
	{money(DE), "1.234,56 €-", "-1234.56 EUR", ""},
	{money(DE), "CHF 1.234,50", "1234.5 CHF", ""},
	{money(DE), "$5", "", `symbol "$" is ambiguous`},
	{money(FR), "1 234,56 €", "1234.56 EUR", ""},
	{money(FR), "1\u202f234,56\u00a0€", "1234.56 EUR", ""},
	{money(ISO), "5 kr", "", `symbol "kr" is ambiguous`},
	{Type{Kind: Money, Locale: ISO, Currency: "SEK"}, "5 kr", "5 SEK", ""},
	{Type{Kind: Money, Locale: ISO, Currency: "SEK"}, "5", "5 SEK", ""},
	{Type{Kind: Money, Locale: ISO, Currency: "SEK"}, "5 EUR", "", "currency EUR in a SEK field"},
	{Type{Kind: Money, Locale: ISO, Currency: "SEK"}, "€5", "", `symbol "€" does not denote SEK`},
	{Type{Kind: Money, Locale: UK, Currency: "CAD"}, "$5", "5 CAD", ""},
	{Type{Kind: Money, Locale: US, Currency: "CAD"}, "$5", "5 CAD", ""},
	{money(caLocale), "$5", "5 CAD", ""},
	{money(inLocale), "₹12,34,567", "1234567 INR", ""},

	// Dates in the three orders.
	{date(US), "12/31/2024", "2024-12-31", ""},
	{date(US), "1/5/2024", "2024-01-05", ""},
	{date(US), "12-31-2024", "2024-12-31", ""},
	{date(US), "13/01/2024", "", "month 13 out of range"},
	{date(US), "02/30/2024", "", "day 30 out of range for February 2024"},
	{date(US), "02/29/2024", "2024-02-29", ""},
	{date(US), "02/29/2023", "", "day 29 out of range for February 2023"},
	{date(US), "2024-12-31", "2024-12-31", ""},
	{date(US), "2024/12/31", "2024-12-31", ""},
	{date(US), "2024.12.31", "2024-12-31", ""},
	{date(US), "2024-1-5", "2024-01-05", ""},
	{date(US), "2024-13-01", "", "month 13 out of range"},
	{date(US), "12/31/24", "", "a two-digit year is ambiguous"},
	{date(US), "12/31", "", "not a date of three numbers"},
	{date(US), "12/31/2024/1", "", "not a date of three numbers"},
	{date(US), "12/31-2024", "", "not a date of three numbers"},
	{date(US), "20241231", "", "a date needs separators"},
	{date(US), "45657", "", "a date needs separators"},
	{date(US), "123/1/2024", "", "not a date"},
	{date(US), "0000-01-01", "", "year 0 out of range"},
	{date(US), "0001-01-01", "0001-01-01", ""},
	{date(US), "9999-12-31", "9999-12-31", ""},
	{date(UK), "31/12/2024", "2024-12-31", ""},
	{date(UK), "12/31/2024", "", "month 31 out of range"},
	{date(UK), "01/02/2024", "2024-02-01", ""},
	{date(US), "01/02/2024", "2024-01-02", ""},
	{date(DE), "31.12.2024", "2024-12-31", ""},
	{date(DE), "1.2.2024", "2024-02-01", ""},
	{date(FR), "31/12/2024", "2024-12-31", ""},
	{date(ISO), "2024-12-31", "2024-12-31", ""},
	{date(ISO), "31/12/2024", "", "day and month before the year"},
	{date(Locale{}), "12/31/2024", "", "day and month before the year"},
	// Month names, in every locale.
	{date(US), "Dec 31, 2024", "2024-12-31", ""},
	{date(US), "December 31 2024", "2024-12-31", ""},
	{date(US), "dec. 31, 2024", "2024-12-31", ""},
	{date(US), "December 31st, 2024", "2024-12-31", ""},
	{date(US), "31st of December 2024", "2024-12-31", ""},
	{date(US), "31 Dec 2024", "2024-12-31", ""},
	{date(US), "31-Dec-2024", "2024-12-31", ""},
	{date(US), "31-DEC-2024", "2024-12-31", ""},
	{date(US), "2024 Dec 31", "2024-12-31", ""},
	{date(US), "2024-Dec-31", "2024-12-31", ""},
	{date(ISO), "Dec 31, 2024", "2024-12-31", ""},
	{date(DE), "31. Dezember 2024", "2024-12-31", ""},
	{date(DE), "1. März 2024", "2024-03-01", ""},
	{date(DE), "1. Maerz 2024", "2024-03-01", ""},
	{date(DE), "3. Jänner 2024", "2024-01-03", ""},
	{date(FR), "1er janvier 2024", "2024-01-01", ""},
	{date(FR), "15 août 2024", "2024-08-15", ""},
	{date(FR), "15 aout 2024", "2024-08-15", ""},
	{date(FR), "15 AOÛT 2024", "2024-08-15", ""},
	{date(FR), "15 aou\u0302t 2024", "2024-08-15", ""}, // combining circumflex
	{date(FR), "3 févr. 2024", "2024-02-03", ""},
	{date(US), "31 de diciembre de 2024", "2024-12-31", ""},
	{date(US), "31 dicembre 2024", "2024-12-31", ""},
	{date(US), "31 december 2024", "2024-12-31", ""},
	{date(US), "31 dezembro 2024", "2024-12-31", ""},
	{date(US), "Feb 30, 2024", "", "day 30 out of range"},
	{date(US), "Dec 31, 24", "", "not a date: expected"},
	{date(US), "Dec 2024", "", "not a date"},
	{date(US), "Tue, Dec 31, 2024", "", "not a date: too many parts"},
	{date(US), "Foo 31, 2024", "", `unknown month name "foo"`},
	{date(US), "Dec 31st st 2024", "", `unexpected word "st"`},
	{date(US), "st Dec 31 2024", "", `unexpected word "st"`},
	{date(US), "Dec 31, 2024!", "", "unexpected character '!'"},
	{date(US), "Dec Dec 2024", "", "not a date: expected"},
	// Times of day: checked, then ignored.
	{date(US), "2024-12-31T23:59:59.999Z", "2024-12-31", ""},
	{date(US), "2024-12-31t10:00:00+01:00", "2024-12-31", ""},
	{date(US), "2024-12-31 10:00", "2024-12-31", ""},
	{date(US), "12/31/2024 2:30 PM", "2024-12-31", ""},
	{date(US), "12/31/2024 12:00 a.m.", "2024-12-31", ""},
	{date(DE), "31.12.2024 14:30:00 +0100", "2024-12-31", ""},
	{date(US), "Dec 31, 2024, 10:00 AM", "2024-12-31", ""},
	{date(US), "Dec 31, 2024 10:00 UTC", "2024-12-31", ""},
	{date(US), "2024-12-31T25:00", "", "invalid time of day"},
	{date(US), "12/31/2024 13:00 PM", "", "invalid time of day"},
	{date(US), "12/31/2024 0:00 AM", "", "invalid time of day"},
	{date(US), "12/31/2024 10:60", "", "invalid time of day"},
	{date(US), "12/31/2024 10:00 CEST", "", "invalid time of day"},
	{date(US), "12/31/2024 10:00 +15", "", "invalid time of day"},
	{date(US), "12/31/2024 10:00 +01:0", "", "invalid time of day"},
	{date(US), "10:00", "", "a time of day without a date"},
	{date(US), "2024-12-31T", "", "invalid time of day"},

	// Booleans.
	{boolean, "TRUE", "true", ""},
	{boolean, "false", "false", ""},
	{boolean, "Yes", "true", ""},
	{boolean, "n", "false", ""},
	{boolean, "1", "true", ""},
	{boolean, " 0 ", "false", ""},
	{boolean, "ja", "true", ""},
	{boolean, "Nein", "false", ""},
	{boolean, "oui", "true", ""},
	{boolean, "Sí", "true", ""},
	{boolean, "NÃO", "false", ""},
	{boolean, "nee", "false", ""},
	{boolean, "on", "true", ""},
	{boolean, "2", "", "not a yes/no word"},
	{boolean, "yes!", "", "not a yes/no word"},
	{boolean, "", "", "empty"},

	// Text takes anything as given.
	{Type{}, "  Acme \x00\xff ", "  Acme \x00\xff ", ""},
	{Type{}, "", "", ""},
}

var (
	chLocale = Locale{Name: "de-CH", Decimal: '.', Group: "'", Dates: DMY, Currency: "CHF"}
	inLocale = Locale{Name: "en-IN", Decimal: '.', Group: ",", Grouping: Indian, Dates: DMY, Currency: "INR"}
	caLocale = Locale{Name: "en-CA", Decimal: '.', Group: ",", Dates: YMD, Currency: "CAD"}
)

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range parseCases {
		v, err := tc.typ.Parse(tc.in)
		if tc.reason != "" {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Errorf("%v.Parse(%q) = %v, %v; want error %q", tc.typ, tc.in, v, err, tc.reason)
				continue
			}
			if !strings.HasPrefix(pe.Reason, tc.reason) {
				t.Errorf("%v.Parse(%q): reason %q, want %q…", tc.typ, tc.in, pe.Reason, tc.reason)
			}
			wantErr := ErrParse
			if tc.reason == "empty" {
				wantErr = ErrEmpty
			}
			if !errors.Is(err, wantErr) || pe.Kind != tc.typ.Kind || pe.Value != tc.in || pe.Locale != tc.typ.Locale.String() {
				t.Errorf("%v.Parse(%q): error %#v does not describe the value", tc.typ, tc.in, pe)
			}
			if v != (Value{}) {
				t.Errorf("%v.Parse(%q) returned %#v with its error", tc.typ, tc.in, v)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v.Parse(%q): %v; want %q", tc.typ, tc.in, err, tc.want)
			continue
		}
		if got := v.String(); got != tc.want || v.Kind() != tc.typ.Kind {
			t.Errorf("%v.Parse(%q) = %v %q, want %v %q", tc.typ, tc.in, v.Kind(), got, tc.typ.Kind, tc.want)
		}
		// The canonical form reads back to the same value in ISO.
		back, err := Type{Kind: v.Kind(), Locale: ISO, Currency: v.Currency()}.Parse(v.String())
		if err != nil || back != v {
			t.Errorf("canonical %q of %q reads back as %v, %v", v.String(), tc.in, back, err)
		}
	}
}

func TestValueAccessors(t *testing.T) {
	t.Parallel()
	p := func(typ Type, s string) Value {
		t.Helper()
		v, err := typ.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	n := p(num(DE), "1.234,5")
	m := p(money(US), "$1,234.50")
	d := p(date(US), "12/31/2024")
	b := p(boolean, "yes")
	x := p(Type{}, "Acme")
	type got struct {
		Kind     Kind
		Float    float64
		Currency string
		Time     time.Time
		Bool     bool
		Text     string
	}
	view := func(v Value) got { return got{v.Kind(), v.Float(), v.Currency(), v.Time(), v.Bool(), v.Text()} }
	want := []got{
		{Kind: Number, Float: 1234.5},
		{Kind: Money, Float: 1234.5, Currency: "USD"},
		{Kind: Date, Time: time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)},
		{Kind: Boolean, Bool: true},
		{Kind: Text, Text: "Acme"},
	}
	var gots []got
	for _, v := range []Value{n, m, d, b, x} {
		gots = append(gots, view(v))
	}
	if diff := cmp.Diff(want, gots); diff != "" {
		t.Errorf("accessors (-want +got):\n%s", diff)
	}
	if old := p(date(US), "0001-01-01").Time(); !old.Equal(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("year 1: %v", old)
	}
	if (Value{}).Kind() != Text || (Value{}).String() != "" {
		t.Error("the zero Value is not the empty Text")
	}
}

func TestCompare(t *testing.T) {
	t.Parallel()
	p := func(typ Type, s string) Value {
		v, err := typ.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// In ascending order.
	ordered := []Value{
		p(Type{}, ""), p(Type{}, "Acme"), p(Type{}, "acme"),
		p(num(US), "-1e300"), p(num(US), "-5"), p(num(US), "0"), p(num(US), "1.5"), p(num(US), "1,000"),
		p(money(US), "-5"), p(money(US), "7"), p(money(US), "€-100"), p(money(US), "€2"), p(money(US), "$1"),
		p(date(US), "0001-01-01"), p(date(US), "12/31/1969"), p(date(US), "1/1/1970"), p(date(US), "9999-12-31"),
		p(boolean, "no"), p(boolean, "yes"),
	}
	for i, v := range ordered {
		for j, w := range ordered {
			want := cmpOrdered(float64(i), float64(j))
			if got := v.Compare(w); got != want {
				t.Errorf("%v.Compare(%v) = %d, want %d", v, w, got, want)
			}
			if (i == j) != (v == w) {
				t.Errorf("%v == %v is %v", v, w, v == w)
			}
		}
	}
	// Spellings of one value are ==.
	if p(num(DE), "1.234,50") != p(num(US), "1234.5") || p(money(US), "$5") != p(money(DE), "5 USD") ||
		p(date(US), "Dec 31, 2024") != p(date(DE), "31.12.2024") || p(boolean, "Ja") != p(boolean, "TRUE") {
		t.Error("two spellings of one value differ")
	}
	if !p(money(US), "$5").Comparable(p(money(US), "USD 7")) || p(money(US), "$5").Comparable(p(money(US), "€5")) ||
		p(money(US), "5").Comparable(p(money(US), "$5")) || p(num(US), "5").Comparable(p(money(US), "5")) ||
		!p(date(US), "1/1/2024").Comparable(p(date(DE), "1.1.2024")) {
		t.Error("Comparable is wrong")
	}
}

func TestParseErrorMessage(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("9,", 10000) + "x"
	_, err := num(US).Parse(long)
	msg := err.Error()
	if len(msg) > 300 || !strings.Contains(msg, "…") || !strings.Contains(msg, "en-US") || !strings.Contains(msg, "number") {
		t.Errorf("message not bounded or not descriptive: %q", msg)
	}
	_, err = date(Locale{}).Parse("\xff\x00")
	if msg := err.Error(); !utf8.ValidString(msg) || !strings.Contains(msg, `"\xff\x00"`) || !strings.Contains(msg, "ISO") {
		t.Errorf("message of invalid UTF-8: %q", msg)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	bad := []Type{
		{Kind: 9},
		{Kind: Number, Locale: Locale{Decimal: ';'}},
		{Kind: Number, Locale: Locale{Decimal: ',', Group: ","}},
		{Kind: Number, Locale: Locale{Group: "_"}},
		{Kind: Number, Locale: Locale{Group: "\xff"}},
		{Kind: Number, Locale: Locale{Grouping: 7}},
		{Kind: Date, Locale: Locale{Dates: 3}},
		{Kind: Money, Locale: Locale{Currency: "usd"}},
		{Kind: Money, Locale: Locale{Currency: "ABC"}},
		{Kind: Money, Currency: "EURO"},
		{Kind: Money, Currency: "eur"},
		{Kind: Number, Currency: "EUR"},
	}
	for _, typ := range bad {
		if err := typ.Validate(); !errors.Is(err, ErrType) {
			t.Errorf("%+v.Validate() = %v, want ErrType", typ, err)
		}
		if _, err := typ.Parse("1"); !errors.Is(err, ErrType) {
			t.Errorf("%+v.Parse: %v, want ErrType", typ, err)
		}
	}
	for _, l := range []Locale{US, UK, DE, FR, ISO, {}, chLocale, inLocale, caLocale} {
		for k := Text; k <= Boolean; k++ {
			if err := (Type{Kind: k, Locale: l}).Validate(); err != nil {
				t.Errorf("%v %v: %v", k, l, err)
			}
		}
	}
	if err := (Type{Kind: Money, Currency: "CHF"}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestKindText(t *testing.T) {
	t.Parallel()
	for k := Text; k <= Boolean; k++ {
		b, err := k.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Kind
		if err := back.UnmarshalText([]byte(strings.ToUpper(string(b)))); err != nil || back != k {
			t.Errorf("%v round trip: %v, %v", k, back, err)
		}
	}
	if _, err := Kind(9).MarshalText(); !errors.Is(err, ErrType) {
		t.Error(err)
	}
	var k Kind
	if err := k.UnmarshalText([]byte("currency")); !errors.Is(err, ErrType) {
		t.Error(err)
	}
	if Kind(9).String() != "Kind(9)" || DateOrder(5).String() != "DateOrder(5)" || DMY.String() != "DMY" {
		t.Error("String of out-of-range values")
	}
	if got := (Type{Kind: Money, Locale: DE, Currency: "EUR"}).String(); got != "money(de-DE, EUR)" {
		t.Error(got)
	}
}

func TestParseLocale(t *testing.T) {
	t.Parallel()
	cases := []struct {
		tag  string
		want Locale
	}{
		{"en-US", US},
		{"en-GB", UK},
		{"de-DE", DE},
		{"fr-FR", FR},
		{"de-CH", chLocale},
		{"en-IN", inLocale},
		{"en-CA", caLocale},
		{"pt-BR", Locale{Name: "pt-BR", Decimal: ',', Group: ".", Dates: DMY, Currency: "BRL"}},
		{"sv-SE", Locale{Name: "sv-SE", Decimal: ',', Group: " ", Dates: YMD, Currency: "SEK"}},
		{"ja-JP", Locale{Name: "ja-JP", Decimal: '.', Group: ",", Dates: YMD, Currency: "JPY"}},
		{"es-US", Locale{Name: "es-US", Decimal: '.', Group: ",", Dates: MDY, Currency: "USD"}},
		// No region: the date order and the currency stay unset.
		{"en", Locale{Name: "en", Decimal: '.', Group: ",", Dates: YMD}},
		{"de", Locale{Name: "de", Decimal: ',', Group: ".", Dates: YMD}},
	}
	for _, tc := range cases {
		got, err := ParseLocale(tc.tag)
		if err != nil {
			t.Errorf("ParseLocale(%q): %v", tc.tag, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParseLocale(%q) = %#v, want %#v", tc.tag, got, tc.want)
		}
		if err := got.Validate(); err != nil {
			t.Errorf("ParseLocale(%q) is invalid: %v", tc.tag, err)
		}
	}
	for _, tag := range []string{"fa", "ar", "bn", "not a tag", "", "zz-ZZ"} {
		if _, err := ParseLocale(tag); !errors.Is(err, ErrType) {
			t.Errorf("ParseLocale(%q) = %v, want ErrType", tag, err)
		}
	}
	if _, err := LocaleFor(language.MustParse("hi-IN")); err != nil {
		t.Errorf("hi-IN: %v", err)
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	typ := func(k Kind, l Locale, cur string) Type { return Type{Kind: k, Locale: l, Currency: cur} }
	cand := func(ty Type, parsed, n int) Candidate {
		return Candidate{Type: ty, Parsed: parsed, Fraction: float64(parsed) / float64(n)}
	}
	cases := []struct {
		name    string
		samples []string
		want    Suggestion
	}{
		{"none", nil, Suggestion{}},
		{"only empty", []string{"", "  ", "\u00a0"}, Suggestion{}},
		{"ambiguous date", []string{"01/02/2024", ""}, Suggestion{
			Type: typ(Date, US, ""), NonEmpty: 1, Parsed: 1, Fraction: 1, Ambiguous: true,
			Alternatives: []Candidate{cand(typ(Date, UK, ""), 1, 1)},
		}},
		{"settled date", []string{"01/02/2024", "13/02/2024"}, Suggestion{
			Type: typ(Date, UK, ""), NonEmpty: 2, Parsed: 2, Fraction: 1,
		}},
		{"US dates", []string{"12/31/2024", "1/5/2024"}, Suggestion{
			Type: typ(Date, US, ""), NonEmpty: 2, Parsed: 2, Fraction: 1,
		}},
		{"German dates", []string{"31.12.2024", "1.2.2024"}, Suggestion{
			Type: typ(Date, UK, ""), NonEmpty: 2, Parsed: 2, Fraction: 1,
		}},
		{"ISO dates", []string{"2024-12-31", "Dec 31, 2024"}, Suggestion{
			Type: typ(Date, ISO, ""), NonEmpty: 2, Parsed: 2, Fraction: 1,
		}},
		{"plain numbers", []string{"1234.5", "-7", "0"}, Suggestion{
			Type: typ(Number, ISO, ""), NonEmpty: 3, Parsed: 3, Fraction: 1,
		}},
		{"US numbers", []string{"1,234.5", "7"}, Suggestion{
			Type: typ(Number, US, ""), NonEmpty: 2, Parsed: 2, Fraction: 1,
		}},
		{"German numbers", []string{"1.234,56", "7,5"}, Suggestion{
			Type: typ(Number, DE, ""), NonEmpty: 2, Parsed: 2, Fraction: 1,
		}},
		{"French numbers", []string{"1 234,56", "7,5"}, Suggestion{
			Type: typ(Number, FR, ""), NonEmpty: 2, Parsed: 2, Fraction: 1,
		}},
		{"thousands or decimals", []string{"1,234", "2,500"}, Suggestion{
			Type: typ(Number, US, ""), NonEmpty: 2, Parsed: 2, Fraction: 1, Ambiguous: true,
			Alternatives: []Candidate{cand(typ(Number, DE, ""), 2, 2)},
		}},
		{"dollars", []string{"$2,000", "$5", "7"}, Suggestion{
			Type: typ(Money, US, "USD"), NonEmpty: 3, Parsed: 3, Fraction: 1,
		}},
		{"euros", []string{"1.200 €", "€5", "3,50 €"}, Suggestion{
			Type: typ(Money, DE, "EUR"), NonEmpty: 3, Parsed: 3, Fraction: 1,
		}},
		{"mixed currencies", []string{"5 EUR", "7 USD"}, Suggestion{
			Type: typ(Money, ISO, ""), NonEmpty: 2, Parsed: 2, Fraction: 1,
		}},
		{"booleans", []string{"yes", "no", "Yes"}, Suggestion{
			Type: typ(Boolean, ISO, ""), NonEmpty: 3, Parsed: 3, Fraction: 1,
		}},
		{"zero and one", []string{"1", "0"}, Suggestion{
			Type: typ(Boolean, ISO, ""), NonEmpty: 2, Parsed: 2, Fraction: 1, Ambiguous: true,
			Alternatives: []Candidate{cand(typ(Number, ISO, ""), 2, 2)},
		}},
		{"numbers with junk", []string{"1", "2", "3", "4", "n/a"}, Suggestion{
			Type: typ(Number, ISO, ""), NonEmpty: 5, Parsed: 4, Fraction: 0.8,
		}},
		{"too much junk", []string{"1", "2", "3", "n/a", "tbd"}, Suggestion{
			Type: Type{}, NonEmpty: 5, Parsed: 5, Fraction: 1,
			Alternatives: []Candidate{cand(typ(Number, ISO, ""), 3, 5)},
		}},
		{"names", []string{"Acme", "Globex"}, Suggestion{
			Type: Type{}, NonEmpty: 2, Parsed: 2, Fraction: 1,
		}},
	}
	for _, tc := range cases {
		got := Suggest(tc.samples)
		if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b Candidate) bool { return a == b })); diff != "" {
			t.Errorf("%s: Suggest(%q) (-want +got):\n%s", tc.name, tc.samples, diff)
		}
	}
}

func TestSuggestBounded(t *testing.T) {
	t.Parallel()
	samples := make([]string, 5000)
	for i := range samples {
		samples[i] = "1"
	}
	samples[4999] = "x"
	got := Suggest(samples)
	if got.NonEmpty != maxSuggestSamples || got.Parsed != maxSuggestSamples {
		t.Errorf("Suggest read %d samples, want %d", got.NonEmpty, maxSuggestSamples)
	}
}

func TestFloatsExact(t *testing.T) {
	t.Parallel()
	// Every amount of up to 15 significant digits survives the round trip
	// through float64 and its canonical form.
	for _, s := range []string{"0.1", "0.01", "999999999999999", "123456789012.345", "0.000001", "1.10"} {
		v, err := num(US).Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		back, _ := num(ISO).Parse(v.String())
		if back != v || math.IsNaN(v.Float()) {
			t.Errorf("%s → %s → %v", s, v, back)
		}
	}
}
