package fieldtype_test

import (
	"errors"
	"fmt"

	"github.com/acctmap/acctmap/fieldtype"
)

func ExampleType_Parse() {
	arr := fieldtype.Type{Kind: fieldtype.Money, Locale: fieldtype.DE, Currency: "EUR"}
	for _, s := range []string{"1.234,56 €", "€1.200", "-5,50", "(2.000)", "$5", "1,234.56"} {
		v, err := arr.Parse(s)
		var pe *fieldtype.ParseError
		switch {
		case err == nil:
			fmt.Printf("%-12q %s\n", s, v)
		case errors.As(err, &pe):
			fmt.Printf("%-12q error: %s\n", s, pe.Reason)
		}
	}
	// Output:
	// "1.234,56 €" 1234.56 EUR
	// "€1.200"     1200 EUR
	// "-5,50"      -5.5 EUR
	// "(2.000)"    -2000 EUR
	// "$5"         error: symbol "$" does not denote EUR
	// "1,234.56"   error: grouping separator after the decimal separator
}

func ExampleType_Parse_dates() {
	us := fieldtype.Type{Kind: fieldtype.Date, Locale: fieldtype.US}
	de := fieldtype.Type{Kind: fieldtype.Date, Locale: fieldtype.DE}
	for _, s := range []string{"12/31/2024", "2024-12-31", "Dec 31, 2024", "13/01/2024", "12/31/24"} {
		v, err := us.Parse(s)
		fmt.Printf("US %-14q %v %v\n", s, v, err != nil)
	}
	v, _ := de.Parse("31.12.2024")
	fmt.Println("DE", v)
	// Output:
	// US "12/31/2024"   2024-12-31 false
	// US "2024-12-31"   2024-12-31 false
	// US "Dec 31, 2024" 2024-12-31 false
	// US "13/01/2024"    true
	// US "12/31/24"      true
	// DE 2024-12-31
}

func ExampleValue_Compare() {
	arr := fieldtype.Type{Kind: fieldtype.Number, Locale: fieldtype.DE}
	operand, err := arr.Parse("1.000")
	if err != nil {
		panic(err)
	}
	for _, s := range []string{"1.234,56", "999,99", "1.000,00"} {
		v, _ := arr.Parse(s)
		fmt.Printf("%s > 1000: %v\n", s, v.Compare(operand) > 0)
	}
	// Output:
	// 1.234,56 > 1000: true
	// 999,99 > 1000: false
	// 1.000,00 > 1000: false
}

func ExampleSuggest() {
	s := fieldtype.Suggest([]string{"01/02/2024", "", "03/04/2024"})
	fmt.Println(s.Type, s.Fraction, s.Ambiguous, s.Alternatives[0].Type)

	s = fieldtype.Suggest([]string{"01/02/2024", "", "13/02/2024"})
	fmt.Println(s.Type, s.Fraction, s.Ambiguous)

	s = fieldtype.Suggest([]string{"$2,000", "$15.50", "n/a", "$7", "$1,000,000"})
	fmt.Println(s.Type, s.Fraction)
	// Output:
	// date(en-US) 1 true date(en-GB)
	// date(en-GB) 1 false
	// money(en-US, USD) 0.8
}

func ExampleParseLocale() {
	for _, tag := range []string{"de-CH", "en-IN", "fr-CA", "en"} {
		l, err := fieldtype.ParseLocale(tag)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s decimal %q group %q dates %v currency %q\n", l, l.Decimal, l.Group, l.Dates, l.Currency)
	}
	v, _ := fieldtype.Type{Kind: fieldtype.Number, Locale: fieldtype.Locale{}}.Parse("1234.5")
	fmt.Println(v)
	// Output:
	// de-CH decimal '.' group "'" dates DMY currency "CHF"
	// en-IN decimal '.' group "," dates DMY currency "INR"
	// fr-CA decimal ',' group " " dates YMD currency "CAD"
	// en decimal '.' group "," dates YMD currency ""
	// 1234.5
}

// A Parser checks its Type once, for a loop over many values.
func ExampleType_Parser() {
	p, err := fieldtype.Type{Kind: fieldtype.Number, Locale: fieldtype.DE}.Parser()
	if err != nil {
		panic(err)
	}
	for _, s := range []string{"1.234,56", "2000", "1,234.56"} {
		v, err := p.Parse(s)
		fmt.Printf("%q %v\n", v.String(), err != nil)
	}
	_, err = fieldtype.Type{Kind: fieldtype.Number, Currency: "EUR"}.Parser()
	fmt.Println(errors.Is(err, fieldtype.ErrType))
	// Output:
	// "1234.56" false
	// "2000" false
	// "" true
	// true
}
