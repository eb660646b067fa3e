package fieldtype

import (
	"errors"
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzLocales are the locales the fuzzers choose from by index.
var fuzzLocales = []Locale{US, UK, DE, FR, ISO, {}, chLocale, inLocale, caLocale}

// fuzzSeeds are nasty inputs shared by the fuzzers, on top of the table
// tests' inputs and the files in testdata/fuzz.
var fuzzSeeds = []string{
	"", " ", "\x00", "\xff", "-", "+", "(", ")", "()", "(-)", ".", ",", "e", "E+", "1e", "1e+",
	"$", "€", "US$", "kr.", "5kr.", "kr.5", "(($5))", "$-$5", "5$-", "-5-", "−−5", "1,,", ",,1",
	"1 ,234", "1\u00a0\u00a0234", "9" + strings.Repeat("0", 400), "0." + strings.Repeat("0", 400) + "1",
	"1e99999999999999999999", "1e-99999999999", strings.Repeat("1,000", 40), "1'000'000", "1’000.5",
	"2024-02-29", "1900-02-29", "2000-02-29", "0000-00-00", "9999-12-31T23:59:60Z", "31.12.2024.",
	"1/1/1", "1//2024", "Dec", "31 31 2024", "2024 2024 Dec", "Décembre 31 2024", "31st", "1er",
	"mar 3 2024", "12:00", " :", "a:b", "2024-12-31T", "2024-12-31Tx", "2024-12-31 1:1", "1 1:00",
	"Ja", "JA", "nÃo", "si\u0301", "İ", "ǅ", "\u0301", "\ufeff1\ufeff", "\u200b",
}

// checkParse runs one fuzz input through Parse and checks the contract.
func checkParse(t *testing.T, typ Type, s string) {
	v, err := typ.Parse(s)
	if err != nil {
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Value != s || pe.Reason == "" || pe.Kind != typ.Kind {
			t.Fatalf("%v.Parse(%q): error %v is not a complete *ParseError", typ, s, err)
		}
		if !errors.Is(err, ErrParse) && !errors.Is(err, ErrEmpty) {
			t.Fatalf("%v.Parse(%q): error %v wraps no sentinel", typ, s, err)
		}
		if errors.Is(err, ErrEmpty) != (trimSpace(s) == "") {
			t.Fatalf("%v.Parse(%q): ErrEmpty is wrong: %v", typ, s, err)
		}
		if msg := err.Error(); len(msg) > 400 || !utf8.ValidString(msg) {
			t.Fatalf("%v.Parse(%q): message too long or invalid: %q", typ, s, msg)
		}
		if v != (Value{}) {
			t.Fatalf("%v.Parse(%q) = %#v with an error", typ, s, v)
		}
		return
	}
	if v.Kind() != typ.Kind {
		t.Fatalf("%v.Parse(%q) has kind %v", typ, s, v.Kind())
	}
	if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) || math.Signbit(f) && f == 0 {
		t.Fatalf("%v.Parse(%q) = %v: not a finite number without sign on zero", typ, s, f)
	}
	if typ.Kind == Money && typ.Currency != "" && v.Currency() != typ.Currency {
		t.Fatalf("%v.Parse(%q) has currency %q", typ, s, v.Currency())
	}
	canon := v.String()
	back, err := Type{Kind: v.Kind(), Locale: ISO, Currency: v.Currency()}.Parse(canon)
	if err != nil || back != v {
		t.Fatalf("%v.Parse(%q) = %q, which reads back as %v, %v", typ, s, canon, back, err)
	}
	if v.Compare(back) != 0 {
		t.Fatalf("%q: Compare of equal values is not 0", s)
	}
	if typ.Kind != Text {
		// Surrounding white space does not matter.
		if w, err := typ.Parse("\u00a0 " + s + "\t\ufeff"); err != nil || w != v {
			t.Fatalf("%v.Parse(%q) changes with white space: %v, %v", typ, s, w, err)
		}
	}
}

func fuzzKind(f *testing.F, k Kind) {
	for _, tc := range parseCases {
		if tc.typ.Kind == k {
			f.Add(uint8(0), tc.in)
		}
	}
	for i, s := range fuzzSeeds {
		f.Add(uint8(i), s)
	}
	f.Fuzz(func(t *testing.T, loc uint8, s string) {
		typ := Type{Kind: k, Locale: fuzzLocales[int(loc)%len(fuzzLocales)]}
		if k == Money && loc >= 128 {
			typ.Currency = []string{"USD", "EUR", "SEK", "JPY"}[loc%4]
		}
		checkParse(t, typ, s)
	})
}

func FuzzNumber(f *testing.F)  { fuzzKind(f, Number) }
func FuzzMoney(f *testing.F)   { fuzzKind(f, Money) }
func FuzzDate(f *testing.F)    { fuzzKind(f, Date) }
func FuzzBoolean(f *testing.F) { fuzzKind(f, Boolean) }
func FuzzText(f *testing.F)    { fuzzKind(f, Text) }

func FuzzSuggest(f *testing.F) {
	f.Add("01/02/2024\n13/02/2024")
	f.Add("1,234\n2,500\n\n")
	f.Add("$2,000\n€5\n7")
	f.Add("1\n0\nyes")
	for _, s := range fuzzSeeds {
		f.Add(s + "\n" + s)
	}
	f.Fuzz(func(t *testing.T, column string) {
		samples := strings.Split(column, "\n")
		got := Suggest(samples)
		if got.Fraction < 0 || got.Fraction > 1 || got.Parsed > got.NonEmpty || got.NonEmpty > len(samples) {
			t.Fatalf("Suggest(%q) = %+v: counts out of range", samples, got)
		}
		if err := got.Type.Validate(); err != nil {
			t.Fatalf("Suggest(%q) suggests an invalid type: %v", samples, err)
		}
		parsed := 0
		for _, s := range samples {
			if trimSpace(s) == "" {
				continue
			}
			if _, err := got.Type.Parse(s); err == nil {
				parsed++
			}
		}
		if parsed != got.Parsed {
			t.Fatalf("Suggest(%q) = %+v, but the type reads %d samples", samples, got, parsed)
		}
		if got.Ambiguous != (got.Type.Kind != Text && len(got.Alternatives) > 0) {
			t.Fatalf("Suggest(%q): Ambiguous is %v with alternatives %v", samples, got.Ambiguous, got.Alternatives)
		}
	})
}

func FuzzParseLocale(f *testing.F) {
	for _, s := range []string{"en-US", "de-CH", "fr", "und", "x-private", "en-u-nu-arab", "sr-Latn-RS", "zh-Hant-TW", "root"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tag string) {
		l, err := ParseLocale(tag)
		if err != nil {
			if !errors.Is(err, ErrType) {
				t.Fatalf("ParseLocale(%q): %v does not wrap ErrType", tag, err)
			}
			return
		}
		if err := l.Validate(); err != nil {
			t.Fatalf("ParseLocale(%q) = %#v, invalid: %v", tag, l, err)
		}
		if v, err := (Type{Kind: Number, Locale: l}).Parse("1234.5"); err == nil && v.Float() != 1234.5 && v.Float() != 12345 {
			t.Fatalf("ParseLocale(%q): 1234.5 reads as %v", tag, v)
		}
	})
}
