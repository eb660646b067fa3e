package fieldtype

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// DateOrder is the order of day, month and year in dates written with
// numbers only, such as 01/02/2024.
type DateOrder uint8

// The date orders. YMD, the zero DateOrder, reads only year-first numeric
// dates; day and month in front of the year are then an error.
const (
	YMD DateOrder = iota // 2024/12/31
	MDY                  // 12/31/2024
	DMY                  // 31/12/2024, 31.12.2024
)

var dateOrderNames = [...]string{YMD: "YMD", MDY: "MDY", DMY: "DMY"}

// String returns "YMD", "MDY" or "DMY".
func (o DateOrder) String() string {
	if int(o) < len(dateOrderNames) {
		return dateOrderNames[o]
	}
	return fmt.Sprintf("DateOrder(%d)", uint8(o))
}

// Grouping is how digits are grouped left of the decimal separator.
type Grouping uint8

// The groupings.
const (
	// Thousands groups by three: 1,234,567.
	Thousands Grouping = iota
	// Indian groups the last three digits, then by two: 12,34,567. A
	// locale with Indian grouping accepts thousands grouping too: both
	// say the same number.
	Indian
)

// Locale describes how a data source writes numbers and dates.
//
// Group lists the grouping separators accepted. A space in Group accepts
// every space people and spreadsheets use there (U+0020, U+00A0 no-break
// space, U+202F narrow no-break space, U+2009 thin space), an apostrophe
// accepts both ' and ’ (U+2019). Only ',', '.', spaces and apostrophes
// may group, and Group may not hold the decimal separator.
//
// The zero Locale reads numbers with a '.' decimal separator and no
// grouping, and numeric dates year first.
type Locale struct {
	// Name identifies the locale in messages: a BCP 47 tag such as
	// "de-DE", or any label.
	Name string
	// Decimal is the decimal separator, '.' or ','; 0 means '.'.
	Decimal  rune
	Group    string
	Grouping Grouping
	// Dates is the order of day, month and year in numeric dates.
	Dates DateOrder
	// Currency is the ISO 4217 code that a symbol shared by several
	// currencies means in this locale: "$" is USD in en-US and CAD in
	// en-CA. "" leaves such symbols ambiguous unless the Type names its
	// currency.
	Currency string
}

// The named locales. They are plain values: copy and change one to
// describe another convention. The package never reads these variables.
var (
	// US writes 1,234.56 and 12/31/2024; "$" is USD.
	US = usLocale()
	// UK writes 1,234.56 and 31/12/2024; "$" needs the field's currency.
	UK = ukLocale()
	// DE writes 1.234,56 and 31.12.2024.
	DE = deLocale()
	// FR writes 1 234,56 and 31/12/2024.
	FR = frLocale()
	// ISO writes 1234.56 (or 1 234.56) and 2024-12-31: ISO 8601 dates
	// and ISO 80000 numbers with a decimal point. It is the locale of the
	// canonical forms Value.String returns.
	ISO = isoLocale()
)

func usLocale() Locale {
	return Locale{Name: "en-US", Decimal: '.', Group: ",", Dates: MDY, Currency: "USD"}
}
func ukLocale() Locale {
	return Locale{Name: "en-GB", Decimal: '.', Group: ",", Dates: DMY, Currency: "GBP"}
}
func deLocale() Locale {
	return Locale{Name: "de-DE", Decimal: ',', Group: ".", Dates: DMY, Currency: "EUR"}
}
func frLocale() Locale {
	return Locale{Name: "fr-FR", Decimal: ',', Group: " ", Dates: DMY, Currency: "EUR"}
}
func isoLocale() Locale { return Locale{Name: "ISO", Decimal: '.', Group: " ", Dates: YMD} }

// String returns the locale's name ("ISO" for an unnamed one).
func (l Locale) String() string { return l.name() }

func (l Locale) name() string {
	if l.Name != "" {
		return l.Name
	}
	return "ISO"
}

func (l Locale) decimal() rune {
	if l.Decimal == 0 {
		return '.'
	}
	return l.Decimal
}

// groupClass returns the class of a grouping separator rune, 0 when r
// never groups digits.
func groupClass(r rune) uint8 {
	switch r {
	case ',':
		return ','
	case '.':
		return '.'
	case ' ', '\u00a0', '\u202f', '\u2009':
		return ' '
	case '\'', '\u2019':
		return '\''
	}
	return 0
}

// groups reports whether the locale accepts r as a grouping separator, and
// its class.
func (l Locale) groups(r rune) (uint8, bool) {
	c := groupClass(r)
	if c == 0 || r == l.decimal() {
		return 0, false
	}
	for _, g := range l.Group {
		if groupClass(g) == c {
			return c, true
		}
	}
	return 0, false
}

// Validate reports whether the locale is usable.
func (l Locale) Validate() error {
	if d := l.decimal(); d != '.' && d != ',' {
		return fmt.Errorf("%w: locale %.40q: decimal separator %q is not '.' or ','", ErrType, l.name(), d)
	}
	if !utf8.ValidString(l.Group) {
		return fmt.Errorf("%w: locale %.40q: grouping separators are not valid UTF-8", ErrType, l.name())
	}
	for _, g := range l.Group {
		if groupClass(g) == 0 {
			return fmt.Errorf("%w: locale %.40q: %q cannot group digits", ErrType, l.name(), g)
		}
		if g == l.decimal() {
			return fmt.Errorf("%w: locale %.40q: %q is both the decimal and a grouping separator", ErrType, l.name(), g)
		}
	}
	if l.Grouping > Indian {
		return fmt.Errorf("%w: locale %.40q: unknown grouping %d", ErrType, l.name(), l.Grouping)
	}
	if l.Dates > DMY {
		return fmt.Errorf("%w: locale %.40q: unknown date order %d", ErrType, l.name(), l.Dates)
	}
	if l.Currency != "" {
		if u, err := currency.ParseISO(l.Currency); err != nil || u.String() != l.Currency {
			return fmt.Errorf("%w: locale %.40q: %.8q is not an upper-case ISO 4217 code", ErrType, l.name(), l.Currency)
		}
	}
	return nil
}

// ParseLocale returns the locale of a BCP 47 tag such as "de-CH" or
// "en-IN"; see LocaleFor.
func ParseLocale(tag string) (Locale, error) {
	t, err := language.Parse(tag)
	if err != nil {
		return Locale{}, fmt.Errorf("%w: locale %.40q: %v", ErrType, tag, err)
	}
	return LocaleFor(t)
}

// LocaleFor derives a locale from a language tag. The decimal and
// grouping separators come from CLDR (through golang.org/x/text's number
// formatting). The date order and the currency depend on the region, and
// are set only when the tag names it or implies it with high confidence:
// "en" alone could be American or British, so its numeric dates must be
// year first and "$" needs the field's currency. The date order is MDY in
// the United States and its territories, the Philippines and three
// Pacific states, YMD where CLDR's short date is year first (China, Japan,
// Korea, Taiwan, Mongolia, Hungary, Lithuania, Sweden, Canada, South
// Africa), DMY elsewhere.
//
// Locales whose numbers use other digits (Arabic, Persian, ...) or other
// separators are an error wrapping ErrType.
func LocaleFor(t language.Tag) (Locale, error) {
	name := t.String()
	dec, group, grouping, err := separators(t)
	if err != nil {
		return Locale{}, fmt.Errorf("%w: locale %.40q: %v", ErrType, name, err)
	}
	l := Locale{Name: name, Decimal: dec, Group: group, Grouping: grouping}
	region, conf := t.Region()
	if conf >= language.High {
		l.Dates = regionDateOrder(region.String())
		if u, c := currency.FromRegion(region); c {
			l.Currency = u.String()
		}
	}
	return l, nil
}

// separators formats 1234567.5 in the tag's conventions and reads the
// separators off the result: x/text exposes CLDR's symbols only through
// formatting.
func separators(t language.Tag) (dec rune, group string, g Grouping, err error) {
	s := message.NewPrinter(t).Sprint(number.Decimal(1234567.5))
	// Expect digits "1234567", a decimal separator, then "5"; anything
	// between digits of the integer part is a grouping separator.
	var digits []byte
	var lens []int
	run := 0
	var groupRune rune
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = append(digits, byte(r))
			run++
		case r == '.' || r == ',' || groupClass(r) != 0:
			if string(digits) == "1234567" && s[i+utf8.RuneLen(r):] == "5" {
				dec = r
				continue
			}
			if groupRune != 0 && groupRune != r {
				return 0, "", 0, fmt.Errorf("mixed grouping separators in %q", s)
			}
			groupRune = r
			lens = append(lens, run)
			run = 0
		default:
			return 0, "", 0, fmt.Errorf("numbers are written %q: unsupported digits or separators", s)
		}
	}
	if string(digits) != "12345675" || (dec != '.' && dec != ',') {
		return 0, "", 0, fmt.Errorf("numbers are written %q: unsupported digits or separators", s)
	}
	if groupRune != 0 {
		switch c := groupClass(groupRune); c {
		case ' ', '\'':
			group = string(rune(c))
		default:
			group = string(groupRune)
		}
		if len(lens) > 1 && lens[1] == 2 {
			g = Indian // 12,34,567.5
		}
	}
	return dec, group, g, nil
}

// regionDateOrder returns the usual order of numeric dates in a region
// (ISO 3166 code).
func regionDateOrder(region string) DateOrder {
	switch region {
	case "US", "PR", "GU", "VI", "AS", "MP", "UM", "PH", "FM", "MH", "PW":
		return MDY
	case "CN", "JP", "KR", "KP", "TW", "MN", "HU", "LT", "SE", "CA", "ZA":
		return YMD
	}
	return DMY
}

// trimSpace trims Unicode white space and the invisible characters that
// spreadsheets leave around values (BOM, zero-width space).
func trimSpace(s string) string {
	return strings.TrimFunc(s, isSpace)
}

func isSpace(r rune) bool { return unicode.IsSpace(r) || r == '\ufeff' || r == '\u200b' }
