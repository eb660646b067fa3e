package fieldtype

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/currency"
)

// parseAmount reads a number or money amount from a trimmed, non-empty
// value: an optional sign or accounting parentheses, an optional currency
// (returned, unresolved, as written), digits grouped as the locale says, a
// decimal part, and for numbers an exponent. reason is "" on success.
func parseAmount(s string, l Locale, number bool) (f float64, cur, reason string) {
	neg, signed := false, false
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		s = trimSpace(s[1 : len(s)-1])
		neg, signed = true, true
	}
	// A leading sign may stand before or after a leading currency:
	// "-$5", "$-5". A trailing minus (SAP and some ledgers: "5-") may
	// stand before or after a trailing currency: "5- €", "5 €-".
	takeLeadingSign := func() {
		if signed {
			return
		}
		if r, size := utf8.DecodeRuneInString(s); r == '-' || r == '+' || r == '\u2212' {
			s = s[size:]
			signed, neg = true, r != '+'
		}
	}
	takeTrailingMinus := func() {
		if signed {
			return
		}
		if r, size := utf8.DecodeLastRuneInString(s); r == '-' || r == '\u2212' {
			s = trimSpace(s[:len(s)-size])
			signed, neg = true, true
		}
	}
	takeLeadingSign()
	if tok, rest, bad := currencyPrefix(s); bad != "" {
		return 0, "", bad
	} else if tok != "" {
		cur, s = tok, trimSpace(rest)
		takeLeadingSign()
	}
	takeTrailingMinus()
	if tok, rest, bad := currencySuffix(s); bad != "" {
		return 0, "", bad
	} else if tok != "" {
		if cur != "" {
			return 0, "", "two currencies"
		}
		cur, s = tok, trimSpace(rest)
		takeTrailingMinus()
	}
	if s == "" {
		return 0, cur, "no digits"
	}
	if r, _ := utf8.DecodeRuneInString(s); r == '-' || r == '+' || r == '\u2212' || r == '(' {
		return 0, cur, "more than one sign"
	}
	lit, reason := s, ""
	if !plainLiteral(s, l.decimal()) {
		lit, reason = numberLiteral(s, l, number)
	}
	if reason != "" {
		return 0, cur, reason
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return 0, cur, "out of range"
	}
	if neg {
		f = -f
	}
	if f == 0 {
		f = 0 // no negative zero: "-0" == "0"
	}
	return f, cur, ""
}

// numberLiteral turns the digits of a value into a Go float literal,
// checking the grouping: groups of three (or Indian groups) left of the
// decimal separator, one kind of separator, no leading zero in a grouped
// number (so "0,123" is never read as 123), nothing grouped after the
// decimal separator.
func numberLiteral(s string, l Locale, exponent bool) (string, string) {
	dec := l.decimal()
	b := make([]byte, 0, len(s))
	var lens [32]int // digits per group, left to right
	n, run := 0, 0
	var class uint8
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r >= '0' && r <= '9' {
			b = append(b, byte(r))
			run++
			i += size
			continue
		}
		if r == dec || r == 'e' || r == 'E' {
			break
		}
		c, ok := l.groups(r)
		if !ok {
			return "", "unexpected character " + strconv.QuoteRune(r)
		}
		if class != 0 && c != class {
			return "", "mixed grouping separators"
		}
		if run == 0 {
			return "", "grouping separator " + strconv.QuoteRune(r) + " not between digits"
		}
		if n == len(lens) {
			return "", "too many digit groups"
		}
		class, lens[n], n, run = c, run, n+1, 0
		i += size
	}
	if n > 0 {
		if run == 0 {
			return "", "grouping separator not between digits"
		}
		if n == len(lens) {
			return "", "too many digit groups"
		}
		lens[n], n = run, n+1
		if b[0] == '0' {
			return "", "grouped number starts with 0"
		}
		if !groupedOK(lens[:n], l.Grouping) {
			return "", "digits not grouped by three"
		}
	}
	intDigits := len(b)
	if i < len(s) {
		if r, size := utf8.DecodeRuneInString(s[i:]); r == dec {
			b = append(b, '.')
			i += size
			start := len(b)
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				b = append(b, s[i])
				i++
			}
			if len(b) == start {
				return "", "no digits after the decimal separator"
			}
		}
	}
	if intDigits == 0 && len(b) == 0 {
		return "", "no digits"
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		if !exponent {
			return "", "exponent in a money amount"
		}
		if n > 0 {
			return "", "exponent in a grouped number"
		}
		if len(b) == 0 || b[len(b)-1] == '.' {
			return "", "no digits before the exponent"
		}
		b = append(b, 'e')
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			b = append(b, s[i])
			i++
		}
		start := len(b)
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			b = append(b, s[i])
			i++
		}
		if len(b) == start {
			return "", "no digits in the exponent"
		}
	}
	if i < len(s) {
		r, _ := utf8.DecodeRuneInString(s[i:])
		if c, ok := l.groups(r); ok && c != 0 && strings.ContainsRune(s[:i], dec) {
			return "", "grouping separator after the decimal separator"
		}
		return "", "unexpected character " + strconv.QuoteRune(r)
	}
	if intDigits == 0 {
		b = append([]byte{'0'}, b...) // ".5"
	}
	return string(b), ""
}

// groupedOK checks the digit counts of the groups of an integer part.
func groupedOK(lens []int, g Grouping) bool {
	thousands := lens[0] <= 3
	for _, k := range lens[1:] {
		thousands = thousands && k == 3
	}
	if thousands || g != Indian {
		return thousands
	}
	// Indian: 1,23,45,678 — the last group three digits, the ones before
	// it two, the first one or two.
	last := len(lens) - 1
	if lens[last] != 3 || lens[0] > 2 {
		return false
	}
	for _, k := range lens[1:last] {
		if k != 2 {
			return false
		}
	}
	return true
}

// Currency symbols and the ISO 4217 codes they may stand for. A symbol
// with several codes needs the field's currency or the locale's to say
// which. "£" is taken as GBP and "€" is EUR: the few other pounds write
// their own symbols (E£, LL). Longer symbols come first so that "US$" is
// not read as "US" and "$".
var currencySymbols = []struct {
	sym   string
	codes []string
}{
	{"US$", []string{"USD"}}, {"CA$", []string{"CAD"}}, {"AU$", []string{"AUD"}},
	{"NZ$", []string{"NZD"}}, {"HK$", []string{"HKD"}}, {"MX$", []string{"MXN"}},
	{"JP¥", []string{"JPY"}}, {"CN¥", []string{"CNY"}},
	{"C$", []string{"CAD"}}, {"A$", []string{"AUD"}}, {"S$", []string{"SGD"}},
	{"R$", []string{"BRL"}}, {"kr.", []string{"DKK", "NOK", "SEK", "ISK"}},
	{"kr", []string{"DKK", "NOK", "SEK", "ISK"}}, {"zł", []string{"PLN"}}, {"Kč", []string{"CZK"}},
	{"$", []string{"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "TWD", "MXN", "ARS", "CLP", "COP",
		"UYU", "DOP", "JMD", "TTD", "BSD", "BBD", "BZD", "BMD", "BND", "KYD", "FJD", "GYD", "LRD",
		"NAD", "SBD", "SRD", "XCD", "CUP", "ZWL"}},
	{"€", []string{"EUR"}}, {"£", []string{"GBP"}}, {"¥", []string{"JPY", "CNY"}},
	{"₹", []string{"INR"}}, {"₩", []string{"KRW"}}, {"₽", []string{"RUB"}}, {"₺", []string{"TRY"}},
	{"₪", []string{"ILS"}}, {"₫", []string{"VND"}}, {"₱", []string{"PHP"}}, {"₴", []string{"UAH"}},
	{"₦", []string{"NGN"}}, {"฿", []string{"THB"}},
}

// currencyPrefix splits a currency symbol or code off the start of s. A
// code is three letters not followed by another letter. bad is a reason
// when s starts with three letters that are no ISO 4217 code.
func currencyPrefix(s string) (tok, rest, bad string) {
	if s == "" || s[0] >= '0' && s[0] <= '9' || s[0] == '.' || s[0] == ',' {
		return "", s, "" // most values: no currency in front
	}
	for _, c := range currencySymbols {
		if strings.HasPrefix(s, c.sym) && !(isLetter(c.sym[0]) && letterAt(s, len(c.sym))) {
			return c.sym, s[len(c.sym):], ""
		}
	}
	if len(s) >= 3 && isLetter(s[0]) && isLetter(s[1]) && isLetter(s[2]) && !letterAt(s, 3) && hasDigit(s) {
		if _, err := currency.ParseISO(s[:3]); err != nil {
			return "", "", "unknown currency code " + strconv.Quote(s[:3])
		}
		return s[:3], s[3:], ""
	}
	return "", s, ""
}

// currencySuffix splits a currency symbol or code off the end of s.
func currencySuffix(s string) (tok, rest, bad string) {
	if s == "" || s[len(s)-1] >= '0' && s[len(s)-1] <= '9' {
		return "", s, ""
	}
	for _, c := range currencySymbols {
		if strings.HasSuffix(s, c.sym) && !(isLetter(c.sym[0]) && letterBefore(s, len(s)-len(c.sym))) {
			return c.sym, s[:len(s)-len(c.sym)], ""
		}
	}
	n := len(s)
	if n >= 3 && isLetter(s[n-1]) && isLetter(s[n-2]) && isLetter(s[n-3]) && !letterBefore(s, n-3) && hasDigit(s) {
		if _, err := currency.ParseISO(s[n-3:]); err != nil {
			return "", "", "unknown currency code " + strconv.Quote(s[n-3:])
		}
		return s[n-3:], s[:n-3], ""
	}
	return "", s, ""
}

// hasDigit reports whether s holds an ASCII digit: three letters in a
// value without one ("NaN") are a word, not a currency code.
func hasDigit(s string) bool { return strings.ContainsAny(s, "0123456789") }

func isLetter(c byte) bool { return 'A' <= c&^0x20 && c&^0x20 <= 'Z' }

// letterAt reports whether s has an ASCII letter at byte i.
func letterAt(s string, i int) bool { return i < len(s) && isLetter(s[i]) }

// letterBefore reports whether s has an ASCII letter just before byte i.
func letterBefore(s string, i int) bool { return i > 0 && isLetter(s[i-1]) }

// resolveCurrency turns the currency written with an amount into an ISO
// 4217 code, given the field's currency and the locale's.
func resolveCurrency(tok, field, local string) (string, string) {
	if tok == "" {
		return field, ""
	}
	for _, c := range currencySymbols {
		if c.sym != tok {
			continue
		}
		switch {
		case field != "":
			for _, code := range c.codes {
				if code == field {
					return field, ""
				}
			}
			return "", "symbol " + strconv.Quote(tok) + " does not denote " + field
		case len(c.codes) == 1:
			return c.codes[0], ""
		}
		for _, code := range c.codes {
			if code == local {
				return local, ""
			}
		}
		list := strings.Join(c.codes[:min(3, len(c.codes))], ", ")
		if len(c.codes) > 3 {
			list += ", ..."
		}
		return "", "symbol " + strconv.Quote(tok) + " is ambiguous (" + list + "): set the field's currency"
	}
	u, err := currency.ParseISO(tok)
	if err != nil {
		return "", "unknown currency code " + strconv.Quote(tok) // not reached: the scan checked it
	}
	code := u.String()
	if field != "" && code != field {
		return "", "currency " + code + " in a " + field + " field"
	}
	return code, ""
}

// plainLiteral reports whether s is already the Go float literal that
// numberLiteral would make of it: digits, or digits, '.' and digits when
// '.' is the decimal separator. Most stored values are, and parsing them
// then copies nothing.
func plainLiteral(s string, dec rune) bool {
	dot := -1
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
		case c == '.' && dec == '.' && dot < 0:
			dot = i
		default:
			return false
		}
	}
	return s != "" && dot != 0 && dot != len(s)-1
}
