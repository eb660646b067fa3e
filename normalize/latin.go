package normalize

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// The Latin fast path of CompanyName. Names in Western languages are ASCII
// but for a few accented letters and typographic marks ("Société
// Générale", "Macy’s", "Acme – Paris"); running them through NFKD, case
// folding and NFC costs microseconds. Instead, each such character is
// replaced by a precomputed ASCII string: what the full Unicode path makes
// of that character on its own. The table is derived from x/text at init,
// so it cannot drift from the full path, and TestLatinTableMatchesUnicode
// checks the two paths agree.

// latinRange is a block of runes with precomputed replacements.
type latinRange struct {
	lo, hi rune // [lo, hi)
	rep    []string
	ok     []bool
}

// latinRanges: Latin-1 Supplement and Latin Extended-A/B, Latin Extended
// Additional (Vietnamese), General Punctuation and Letterlike Symbols.
// Built once at init and never modified.
var latinRanges = []*latinRange{
	buildLatinRange(0x80, 0x250),
	buildLatinRange(0x1E00, 0x1F00),
	buildLatinRange(0x2000, 0x2150),
}

// latinRep returns the ASCII replacement of r, if it has one.
func latinRep(r rune) (string, bool) {
	for _, lr := range latinRanges {
		if lr.lo <= r && r < lr.hi {
			return lr.rep[r-lr.lo], lr.ok[r-lr.lo]
		}
	}
	return "", false
}

func buildLatinRange(lo, hi rune) *latinRange {
	lr := &latinRange{lo: lo, hi: hi, rep: make([]string, hi-lo), ok: make([]bool, hi-lo)}
	fold := cases.Fold()
	for r := lo; r < hi; r++ {
		lr.rep[r-lo], lr.ok[r-lo] = latinReplacement(fold, r)
	}
	return lr
}

// latinReplacement computes the replacement of one rune the way the full
// path treats it: NFKD and case folding, then, as the tokenizer would,
// diacritics after an ASCII letter dropped, spelled-out letters spelled
// out, joiners dropped and other non-ASCII non-letters made a space. A
// rune leaving any other non-ASCII character has no replacement.
func latinReplacement(fold cases.Caser, r rune) (string, bool) {
	s := string(r)
	if !utf8.ValidString(s) {
		return "", false
	}
	for _, q := range symbolLetters {
		if q == r {
			return " ", true
		}
	}
	seq := norm.NFKD.String(s)
	for range 3 {
		seq = fold.String(seq)
		if norm.NFKD.IsNormalString(seq) {
			break
		}
		seq = norm.NFKD.String(seq)
	}
	var out []byte
	prevLetter := false // the previous rune kept was a letter or digit
	for _, q := range seq {
		switch {
		case q < utf8.RuneSelf:
			out = append(out, byte(q))
			prevLetter = 'a' <= q && q <= 'z' || '0' <= q && q <= '9' || 'A' <= q && q <= 'Z'
		case isJoiner(q):
		case unicode.In(q, unicode.Mn, unicode.Me, unicode.Mc):
			if !prevLetter {
				return "", false
			}
		case unicode.IsLetter(q) || unicode.IsNumber(q):
			rep := spellOut(q)
			if rep == "" {
				return "", false
			}
			out = append(out, rep...)
			prevLetter = true
		default:
			out = append(out, ' ')
			prevLetter = false
		}
	}
	return string(out), true
}
