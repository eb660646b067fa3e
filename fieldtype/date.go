package fieldtype

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// parseDate reads a trimmed, non-empty date and returns its day number
// since 1970-01-01. reason is "" on success.
func parseDate(s string, order DateOrder) (int64, string) {
	date, tod, timed, reason := splitTime(s)
	if reason != "" {
		return 0, reason
	}
	if timed {
		if reason := checkTime(tod); reason != "" {
			return 0, reason
		}
	}
	var y, m, d int
	if strings.TrimFunc(date, func(r rune) bool { return r >= '0' && r <= '9' || r == '-' || r == '/' || r == '.' }) == "" {
		y, m, d, reason = numericDate(date, order)
	} else {
		y, m, d, reason = wordDate(date)
	}
	if reason != "" {
		return 0, reason
	}
	switch {
	case y < 1 || y > 9999:
		return 0, "year " + strconv.Itoa(y) + " out of range"
	case m < 1 || m > 12:
		return 0, "month " + strconv.Itoa(m) + " out of range"
	case d < 1 || d > daysIn(time.Month(m), y):
		return 0, "day " + strconv.Itoa(d) + " out of range for " + time.Month(m).String() + " " + strconv.Itoa(y)
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay, ""
}

func daysIn(m time.Month, y int) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// splitTime splits a time of day off a date: "2024-12-31T10:00Z",
// "12/31/2024 2:30 PM", "31.12.2024 14:30:00".
func splitTime(s string) (date, tod string, timed bool, reason string) {
	if len(s) > 10 && (s[10] == 'T' || s[10] == 't') && isISODate(s[:10]) {
		return s[:10], s[11:], true, ""
	}
	colon := strings.IndexByte(s, ':')
	if colon < 0 {
		return s, "", false, ""
	}
	sp := strings.LastIndexFunc(s[:colon], isSpace)
	if sp < 0 {
		return "", "", false, "a time of day without a date"
	}
	_, size := utf8.DecodeRuneInString(s[sp:])
	date = strings.TrimRight(trimSpace(s[:sp]), ",")
	return trimSpace(date), s[sp+size:], true, ""
}

// isISODate reports whether s is dddd-dd-dd.
func isISODate(s string) bool {
	for i := 0; i < len(s); i++ {
		if i == 4 || i == 7 {
			if s[i] != '-' {
				return false
			}
		} else if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) == 10
}

// checkTime validates a time of day, which is then ignored: H:MM, optional
// seconds and fraction, optional AM/PM, optional zone (Z, UTC, GMT, ±HH,
// ±HHMM, ±HH:MM).
func checkTime(t string) string {
	const bad = "invalid time of day"
	h, rest, ok := digits(t, 1, 2)
	if !ok || !strings.HasPrefix(rest, ":") {
		return bad
	}
	mm, rest, ok := digits(rest[1:], 2, 2)
	if !ok || mm > 59 {
		return bad
	}
	if strings.HasPrefix(rest, ":") {
		var ss int
		if ss, rest, ok = digits(rest[1:], 2, 2); !ok || ss > 60 {
			return bad
		}
		if strings.HasPrefix(rest, ".") || strings.HasPrefix(rest, ",") {
			if _, rest, ok = digits(rest[1:], 1, 9); !ok {
				return bad
			}
		}
	}
	rest = trimSpace(rest)
	twelve := false
	for _, p := range []string{"am", "pm", "a.m.", "p.m."} {
		if len(rest) >= len(p) && strings.EqualFold(rest[:len(p)], p) {
			rest, twelve = trimSpace(rest[len(p):]), true
			break
		}
	}
	if twelve && (h < 1 || h > 12) || !twelve && h > 23 {
		return bad
	}
	switch rest {
	case "", "Z", "z", "UTC", "GMT":
		return ""
	}
	if rest[0] != '+' && rest[0] != '-' {
		return bad
	}
	zh, zrest, ok := digits(rest[1:], 2, 2)
	if !ok || zh > 14 {
		return bad
	}
	zrest = strings.TrimPrefix(zrest, ":")
	if zrest == "" {
		return ""
	}
	if zm, zrest, ok := digits(zrest, 2, 2); !ok || zm > 59 || zrest != "" {
		return bad
	}
	return ""
}

// digits reads between lo and hi ASCII digits off the front of s.
func digits(s string, lo, hi int) (int, string, bool) {
	n, i := 0, 0
	for i < len(s) && i < hi && s[i] >= '0' && s[i] <= '9' {
		n = n*10 + int(s[i]-'0')
		i++
	}
	return n, s[i:], i >= lo
}

// numericDate reads a date of three numbers with one kind of separator.
func numericDate(s string, order DateOrder) (y, m, d int, reason string) {
	i := strings.IndexAny(s, "-/.")
	if i < 0 {
		return 0, 0, 0, "a date needs separators: digits alone could be a number"
	}
	f := strings.Split(s, s[i:i+1])
	if len(f) != 3 || strings.ContainsAny(s, strings.ReplaceAll("-/.", s[i:i+1], "")) {
		return 0, 0, 0, "not a date of three numbers with one kind of separator"
	}
	l0, l1, l2 := len(f[0]), len(f[1]), len(f[2])
	short := func(n int) bool { return n == 1 || n == 2 }
	switch {
	case l0 == 4 && short(l1) && short(l2):
		y, m, d = atoi(f[0]), atoi(f[1]), atoi(f[2])
		return y, m, d, ""
	case l2 == 4 && short(l0) && short(l1):
		a, b := atoi(f[0]), atoi(f[1])
		switch order {
		case MDY:
			return atoi(f[2]), a, b, ""
		case DMY:
			return atoi(f[2]), b, a, ""
		}
		return 0, 0, 0, "day and month before the year, in a locale that writes the year first"
	case short(l0) && short(l1) && short(l2):
		return 0, 0, 0, "a two-digit year is ambiguous"
	}
	return 0, 0, 0, "not a date"
}

// quoteShort quotes a word of a value for a reason, at most 20 characters
// of it: the error quotes the value itself, bounded too.
func quoteShort(s string) string {
	q := fmt.Sprintf("%.20q", s)
	if utf8.RuneCountInString(s) > 20 {
		q += "…"
	}
	return q
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// wordDate reads a date with a month name: "Dec 31, 2024", "31 Dec 2024",
// "31-Dec-2024", "31. Dezember 2024", "1er janvier 2024", "31 de
// diciembre de 2024", "2024 Dec 31".
func wordDate(s string) (y, m, d int, reason string) {
	type token struct {
		s   string
		num bool
	}
	var toks []token
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == ',' || r == '.' || r == '-' || r == '/' || isSpace(r):
			i += size
		case r >= '0' && r <= '9':
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			toks = append(toks, token{s[i:j], true})
			i = j
		case unicode.IsLetter(r):
			j := i
			for j < len(s) {
				r, size := utf8.DecodeRuneInString(s[j:])
				if !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) {
					break
				}
				j += size
			}
			w := foldWord(s[i:j])
			switch w {
			case "st", "nd", "rd", "th", "er":
				// An ordinal suffix, only right after the day: "31st", "1er".
				if len(toks) == 0 || !toks[len(toks)-1].num || i == 0 || s[i-1] < '0' || s[i-1] > '9' {
					return 0, 0, 0, "unexpected word " + quoteShort(s[i:j])
				}
			case "de", "del", "of":
			default:
				toks = append(toks, token{w, false})
			}
			i = j
		default:
			return 0, 0, 0, "unexpected character " + strconv.QuoteRune(r)
		}
		if len(toks) > 3 {
			return 0, 0, 0, "not a date: too many parts"
		}
	}
	if len(toks) != 3 {
		return 0, 0, 0, "not a date"
	}
	month := func(t token) int {
		if t.num {
			return 0
		}
		return int(monthNames[t.s])
	}
	day := func(t token) bool { return t.num && (len(t.s) == 1 || len(t.s) == 2) }
	year := func(t token) bool { return t.num && len(t.s) == 4 }
	a, b, c := toks[0], toks[1], toks[2]
	for _, t := range toks {
		if !t.num && monthNames[t.s] == 0 {
			return 0, 0, 0, "unknown month name " + quoteShort(t.s)
		}
	}
	switch {
	case month(a) != 0 && day(b) && year(c): // Dec 31, 2024
		return atoi(c.s), month(a), atoi(b.s), ""
	case day(a) && month(b) != 0 && year(c): // 31 Dec 2024
		return atoi(c.s), month(b), atoi(a.s), ""
	case year(a) && month(b) != 0 && day(c): // 2024 Dec 31
		return atoi(a.s), month(b), atoi(c.s), ""
	}
	return 0, 0, 0, "not a date: expected a day, a month name and a four-digit year"
}

// monthNames maps folded month names and abbreviations (see foldWord) in
// English, German, French, Spanish, Italian, Dutch and Portuguese to
// months. They are accepted in every locale: no name means two different
// months in these languages (a duplicate key would not compile).
var monthNames = map[string]time.Month{
	// January
	"january": 1, "jan": 1, "januar": 1, "janner": 1, "janvier": 1, "janv": 1,
	"enero": 1, "ene": 1, "gennaio": 1, "gen": 1, "januari": 1, "janeiro": 1,
	// February
	"february": 2, "feb": 2, "febr": 2, "februar": 2, "fevrier": 2, "fevr": 2, "fev": 2,
	"febrero": 2, "febbraio": 2, "februari": 2, "fevereiro": 2,
	// March
	"march": 3, "mar": 3, "marz": 3, "maerz": 3, "mrz": 3, "mars": 3, "marzo": 3,
	"maart": 3, "mrt": 3, "marco": 3,
	// April
	"april": 4, "apr": 4, "avril": 4, "avr": 4, "abril": 4, "abr": 4, "aprile": 4,
	// May
	"may": 5, "mai": 5, "mayo": 5, "maggio": 5, "mag": 5, "mei": 5, "maio": 5,
	// June
	"june": 6, "jun": 6, "juni": 6, "juin": 6, "junio": 6, "giugno": 6, "giu": 6, "junho": 6,
	// July
	"july": 7, "jul": 7, "juli": 7, "juillet": 7, "juil": 7, "julio": 7, "luglio": 7,
	"lug": 7, "julho": 7,
	// August
	"august": 8, "aug": 8, "aout": 8, "agosto": 8, "ago": 8, "augustus": 8,
	// September
	"september": 9, "sep": 9, "sept": 9, "septembre": 9, "septiembre": 9, "setiembre": 9,
	"set": 9, "settembre": 9, "setembro": 9,
	// October
	"october": 10, "oct": 10, "oktober": 10, "okt": 10, "octobre": 10, "octubre": 10,
	"ottobre": 10, "ott": 10, "outubro": 10, "out": 10,
	// November
	"november": 11, "nov": 11, "novembre": 11, "noviembre": 11, "novembro": 11,
	// December
	"december": 12, "dec": 12, "dezember": 12, "dez": 12, "decembre": 12, "diciembre": 12,
	"dic": 12, "dicembre": 12, "dezembro": 12,
}

// boolWords maps folded yes/no words of the same languages to booleans.
var boolWords = map[string]bool{
	"true": true, "t": true, "yes": true, "y": true, "1": true, "on": true,
	"ja": true, "j": true, "wahr": true, "oui": true, "vrai": true, "si": true,
	"verdadero": true, "vero": true, "sim": true, "verdadeiro": true, "waar": true,
	"false": false, "f": false, "no": false, "n": false, "0": false, "off": false,
	"nein": false, "falsch": false, "non": false, "faux": false, "falso": false,
	"nao": false, "nee": false, "onwaar": false,
}

// foldWord lower-cases a word and removes the accents of Latin letters
// used by the languages above, so "Décembre", "DECEMBRE" and "decembre"
// meet. Accents written as combining marks are dropped too.
func foldWord(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		r = unicode.ToLower(r)
		switch r {
		case 'á', 'à', 'â', 'ä', 'ã', 'å':
			r = 'a'
		case 'é', 'è', 'ê', 'ë':
			r = 'e'
		case 'í', 'ì', 'î', 'ï':
			r = 'i'
		case 'ó', 'ò', 'ô', 'ö', 'õ':
			r = 'o'
		case 'ú', 'ù', 'û', 'ü':
			r = 'u'
		case 'ç':
			r = 'c'
		case 'ñ':
			r = 'n'
		}
		b.WriteRune(r)
	}
	return b.String()
}
