package normalize

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// CompanyName returns the name key of a company name: compatibility-
// normalized (full-width letters and ligatures folded), case-folded, Latin
// and Greek diacritics removed ("Société Générale" → "societe generale",
// with ß, ø, ł, æ, œ, đ, ð, þ spelled out), "&" and "+" read as "and",
// apostrophes dropped ("Macy's" → "macys"), other punctuation and symbols
// splitting words ("Hewlett-Packard" → "hewlett packard"), single letters
// joined by dots read as one word ("L.L.C." → "llc"), a leading "the" and
// trailing legal forms removed ("Acme Holdings Co., Ltd." → "acme
// holdings"). It never removes the last word: "The Company" → "company".
// Other scripts are kept, case-folded. Empty or punctuation-only input
// gives "".
//
// The result is valid UTF-8, in NFC unless it holds characters outside the
// Basic Multilingual Plane. Company names are matched the same way whatever
// the Normalizer; the method exists so one value can be passed around for
// both kinds of key.
func (n *Normalizer) CompanyName(raw string) string {
	return companyName(raw)
}

// nameBufs holds the scratch buffers of the non-ASCII path, and a Caser:
// x/text transformers may keep state, so each goroutine borrows its own.
type nameBufs struct {
	fold    cases.Caser
	a, b, c []byte
}

var namePool = sync.Pool{New: func() any { return &nameBufs{fold: cases.Fold()} }}

// maxPooledBuf keeps one huge input from pinning big buffers in the pool.
const maxPooledBuf = 64 << 10

// companyName picks the cheapest path that gives the full Unicode result:
// pure ASCII, Latin with precomputed replacements, or full Unicode.
func companyName(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		// Pure ASCII needs no Unicode normalization or folding: the
		// tokenizer lower-cases as it goes.
		var arr [96]byte
		return nameResult(stripForms(tokenizeASCII(arr[:0], s)), s)
	}
	if k, ok := latinName(s); ok {
		return k
	}
	return unicodeName(s)
}

// nameResult returns b as a string, or s itself when equal: re-normalizing
// a key then costs no allocation.
func nameResult(b []byte, s string) string {
	if string(b) == s {
		return s
	}
	return string(b)
}

// latinName handles names whose non-ASCII characters all have an entry in
// latinRanges (accented Latin letters, typographic punctuation): each is
// replaced by what the full Unicode path would make of it, and the result
// goes through the ASCII tokenizer. It reports false for anything else.
func latinName(s string) (string, bool) {
	var arr [128]byte
	buf := arr[:0]
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			buf = append(buf, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		rep, ok := latinRep(r)
		if !ok {
			return "", false
		}
		buf = append(buf, rep...)
		i += size
	}
	var out [96]byte
	return nameResult(stripForms(tokenizeASCII(out[:0], buf)), s), true
}

// unicodeName is the general path: NFKD, case folding, the tokenizer (which
// drops Latin and Greek diacritics), then NFC.
func unicodeName(s string) string {
	p := namePool.Get().(*nameBufs)
	defer func() {
		if cap(p.a) <= maxPooledBuf && cap(p.b) <= maxPooledBuf && cap(p.c) <= maxPooledBuf {
			namePool.Put(p)
		}
	}()
	// Invalid bytes would separate words anyway; as spaces they cannot
	// confuse the normalizer about where a character starts.
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, " ")
	}
	if strings.ContainsAny(s, symbolLetters) {
		s = symbolReplacer.Replace(s)
	}
	// NFKD folds compatibility forms and separates diacritics; case folding
	// may produce text that is no longer NFKD (e.g. U+0345 → ι), so repeat
	// until it is, as Unicode's canonical caseless matching does.
	p.a = norm.NFKD.AppendString(p.a[:0], s)
	for range 3 {
		p.b, _, _ = transform.Append(p.fold, p.b[:0], p.a)
		if norm.NFKD.IsNormal(p.b) {
			break
		}
		p.a = norm.NFKD.Append(p.a[:0], p.b...)
	}
	p.c = stripForms(tokenize(p.c[:0], p.b))
	// Recompose what remains (Hangul syllables, marks of other scripts),
	// unless there are supplementary-plane characters: x/text's NFC
	// truncates them to 16 bits when composing (U+10041 U+0301 becomes
	// "Á"). Such rare keys stay decomposed, which is just as stable.
	if !hasSupplementary(p.c) {
		p.a = norm.NFC.Append(p.a[:0], p.c...)
		return nameResult(p.a, s)
	}
	return nameResult(p.c, s)
}

// hasSupplementary reports whether UTF-8 text b has a 4-byte sequence.
func hasSupplementary(b []byte) bool {
	for _, c := range b {
		if c >= 0xF0 {
			return true
		}
	}
	return false
}

// symbolLetters are symbols whose compatibility decomposition is letters
// ("™" → "TM"); in a name they are decoration, not part of a word.
const symbolLetters = "™℠℗"

var symbolReplacer = strings.NewReplacer("™", " ", "℠", " ", "℗", " ")

// tokenize appends the words of s to dst, lower-cased and separated by
// single spaces. Non-ASCII input must already be NFKD and case-folded.
func tokenize[T string | []byte](dst []byte, s T) []byte {
	var (
		inTok     bool // a word is being written
		tokStart  int  // its offset in dst
		tokRunes  int  // its letters and digits, marks not counted
		tokLetter bool // it has letters only
		tokJoin   bool // it directly follows "x." and may join a dotted abbreviation
		chain     bool // the last word ended was a single letter or a joined abbreviation
		dotJoin   bool // the last separator was a '.' right after such a word
		dotPos    int  // where that '.' was
		stripMark bool // marks after the current base letter are diacritics to drop
	)
	endTok := func() {
		if !inTok {
			chain = false
			return
		}
		inTok = false
		single := tokRunes == 1 && tokLetter
		if single && tokJoin {
			// "l.l.c" → "llc": drop the space before this letter.
			copy(dst[tokStart-1:], dst[tokStart:])
			dst = dst[:len(dst)-1]
		}
		chain = single
	}
	startTok := func(i int) {
		if inTok {
			return
		}
		tokJoin = dotJoin && chain && dotPos == i-1
		dotJoin = false
		if len(dst) > 0 {
			dst = append(dst, ' ')
		}
		inTok, tokStart, tokRunes, tokLetter = true, len(dst), 0, true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9', 'A' <= c && c <= 'Z':
				startTok(i)
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				dst = append(dst, c)
				tokRunes++
				tokLetter = tokLetter && c > '9'
				stripMark = true
			case c == '\'' || c == '`':
				// Apostrophes join: "Macy's" → "macys".
				if dotJoin && dotPos == i-1 {
					dotPos = i
				}
			case c == '.':
				wasTok := inTok
				endTok()
				dotJoin, dotPos = wasTok && chain, i
			case c == '&' || c == '+':
				endTok()
				if len(dst) > 0 {
					dst = append(dst, ' ')
				}
				dst = append(dst, "and"...)
				chain, dotJoin = false, false
			default:
				endTok()
				dotJoin = false
			}
			i++
			continue
		}

		end := min(i+utf8.UTFMax, len(s))
		r, size := utf8.DecodeRune([]byte(s[i:end]))
		switch {
		case isJoiner(r):
			// Apostrophe-likes and invisible format characters (soft
			// hyphen, zero-width joiners) do not split words, nor "l.l.c".
			if dotJoin && dotPos == i-1 {
				dotPos = i + size - 1
			}
		case unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc):
			// A diacritic of a Latin or Greek letter is dropped; marks of
			// other scripts are part of the letter; orphan marks are dropped.
			if inTok && !stripMark {
				dst = utf8.AppendRune(dst, r)
			}
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			r = cherokeeUpper(r)
			startTok(i)
			tokRunes++
			if !unicode.IsLetter(r) {
				tokLetter = false
			}
			if rep := spellOut(r); rep != "" {
				// Counted as the letters written, as when the ASCII
				// spelling itself is the input.
				dst = append(dst, rep...)
				tokRunes += len(rep) - 1
				stripMark = true
				break
			}
			dst = utf8.AppendRune(dst, r)
			stripMark = unicode.In(r, unicode.Latin, unicode.Greek) || !unicode.IsLetter(r)
		default:
			endTok()
			dotJoin = false
		}
		i += size
	}
	endTok()
	return dst
}

// tokenizeASCII is tokenize for ASCII input (the ASCII and Latin paths of
// CompanyName), with the same result: its state lives in local variables
// rather than in closures (whose captured variables live in memory), and
// runs of letters and digits are copied in a tight loop. tokenize cost
// about an eighth of reading a CSV export.
func tokenizeASCII[T string | []byte](dst []byte, s T) []byte {
	var (
		inTok     bool // a word is being written
		tokStart  int  // its offset in dst
		tokSingle bool // it is one letter so far
		tokJoin   bool // it directly follows "x." and may join a dotted abbreviation
		chain     bool // the last word ended was a single letter or a joined abbreviation
		dotJoin   bool // the last separator was a '.' right after such a word
		dotPos    int  // where that '.' was
	)
	for i := 0; i < len(s); {
		c := s[i]
		if asciiWord[c] != 0 {
			if !inTok {
				// startTok
				tokJoin = dotJoin && chain && dotPos == i-1
				dotJoin = false
				if len(dst) > 0 {
					dst = append(dst, ' ')
				}
				inTok, tokStart = true, len(dst)
			}
			// The word's run of letters and digits.
			start := i
			for ; i < len(s); i++ {
				l := asciiWord[s[i]]
				if l == 0 {
					break
				}
				dst = append(dst, l)
			}
			// A single letter so far: the word's first run is one letter
			// (a later run after an apostrophe makes it longer).
			if len(dst)-tokStart == 1 && i-start == 1 {
				tokSingle = dst[tokStart] > '9'
			} else {
				tokSingle = false
			}
			continue
		}
		switch {
		case c == '\'' || c == '`':
			// Apostrophes join: "Macy's" → "macys".
			if dotJoin && dotPos == i-1 {
				dotPos = i
			}
			i++
			continue
		}
		// Any other byte ends the word (endTok).
		if inTok {
			inTok = false
			if tokSingle && tokJoin {
				// "l.l.c" → "llc": drop the space before this letter.
				copy(dst[tokStart-1:], dst[tokStart:])
				dst = dst[:len(dst)-1]
			}
			chain = tokSingle
			if c == '.' {
				dotJoin, dotPos = chain, i
				i++
				continue
			}
		} else {
			chain = false
			if c == '.' {
				dotJoin, dotPos = false, i
				i++
				continue
			}
		}
		if c == '&' || c == '+' {
			if len(dst) > 0 {
				dst = append(dst, ' ')
			}
			dst = append(dst, "and"...)
			chain = false
		}
		dotJoin = false
		i++
	}
	if inTok && tokSingle && tokJoin {
		copy(dst[tokStart-1:], dst[tokStart:])
		dst = dst[:len(dst)-1]
	}
	return dst
}

// asciiWord maps ASCII letters and digits to their lower case, every other
// byte to 0: one lookup per character of a word.
var asciiWord = func() (t [256]byte) {
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c)
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = byte(c), byte(c)
	}
	return t
}()

// cherokeeUpper maps Cherokee small letters to capitals. Unicode case
// folding maps Cherokee to capitals, but x/text's Fold maps capitals back to
// small letters, so folding alone would flip on every call.
func cherokeeUpper(r rune) rune {
	switch {
	case 0xAB70 <= r && r <= 0xABBF:
		return r - 0xAB70 + 0x13A0
	case 0x13F8 <= r && r <= 0x13FD:
		return r - 8
	}
	return r
}

// isJoiner reports characters removed without splitting a word.
func isJoiner(r rune) bool {
	switch r {
	case '\u2018', '\u2019', '\u02BC', '\u02BB', '\u2032', '\uFF07':
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

// spellOut returns the ASCII spelling of Latin letters that NFKD does not
// decompose into a base letter and a diacritic, or "".
func spellOut(r rune) string {
	switch r {
	case 'ø':
		return "o"
	case 'ł':
		return "l"
	case 'æ':
		return "ae"
	case 'œ':
		return "oe"
	case 'đ', 'ð':
		return "d"
	case 'þ':
		return "th"
	case 'ß':
		return "ss"
	case 'ħ':
		return "h"
	case 'ı':
		return "i"
	case 'ŧ':
		return "t"
	}
	return ""
}

// stripForms removes leading "the" and trailing legal forms from a
// tokenized name, never its last word.
func stripForms(b []byte) []byte {
	for len(b) > 4 && string(b[:4]) == "the " {
		b = b[4:]
	}
	for {
		// Offsets of the last three word starts: w1 is the last word.
		w1 := lastWordStart(b, len(b))
		if w1 == 0 {
			return b // one word left
		}
		last := string(b[w1:]) // no allocation: only compared
		if c := last[0]; c < 'a' || 'z' < c && c < utf8.RuneSelf {
			// Every legal form, and every last word of a legal phrase,
			// starts with a letter: a number ("acme 2000") ends the
			// search without the comparisons below.
			return b
		}
		w2 := lastWordStart(b, w1-1)
		prev := string(b[w2 : w1-1])
		cut := -1
		if w2 > 0 {
			w3 := lastWordStart(b, w2-1)
			if isLegalPhrase3(string(b[w3:w2-1]), prev, last) && w3 > 0 {
				cut = w3
			}
		}
		if cut < 0 && w2 > 0 && isLegalPhrase2(prev, last) {
			cut = w2
		}
		if cut < 0 && isLegalForm(last) {
			cut = w1
		}
		if cut < 0 {
			return b
		}
		b = b[:cut-1]
	}
}

// lastWordStart returns the offset of the word ending at end in b.
func lastWordStart(b []byte, end int) int {
	for i := end - 1; i >= 0; i-- {
		if b[i] == ' ' {
			return i + 1
		}
	}
	return 0
}

// isLegalForm reports one-word legal forms, after dots are removed
// ("S.p.A." → "spa"). The list favours forms common in B2B account data;
// words that are also ordinary name parts ("group", "holdings",
// "partners", "international") are kept.
func isLegalForm(w string) bool {
	switch w {
	case
		// English-speaking countries.
		"inc", "incorporated", "corp", "corporation", "co", "company",
		"llc", "llp", "lp", "lllp", "pllc", "ltd", "limited", "plc", "pbc",
		"pty", "pte", "pvt",
		// German-speaking countries, Nordics, Benelux.
		"gmbh", "mbh", "ag", "kg", "kgaa", "ohg", "gbr", "ug", "ev", "eg",
		"se", "bv", "nv", "vof", "oy", "oyj", "ab", "asa", "as", "aps",
		"hf", "ehf",
		// Romance languages.
		"sa", "sas", "sasu", "sarl", "eurl", "snc", "sca", "scs", "srl",
		"spa", "sapa", "sl", "slu", "ltda", "lda", "eireli", "sagl",
		// Central and Eastern Europe, Baltics.
		"sro", "doo", "dd", "zrt", "nyrt", "kft", "spzoo", "uab",
		"sia", "ou", "jsc", "pjsc", "ojsc", "cjsc",
		// Asia.
		"kk", "bhd", "tbk",
		// Greek (diacritics are gone by now: "Α.Ε." → "αε").
		"αε", "επε", "ικε", "οε", "εε",
		// The German "UG (haftungsbeschränkt)".
		"haftungsbeschrankt":
		return true
	}
	return false
}

// isLegalPhrase2 reports two-word legal forms ("a" "b").
func isLegalPhrase2(a, b string) bool {
	switch b {
	case "co", "company", "cie", "cia":
		return a == "and" // "& Co."
	case "bhd":
		return a == "sdn"
	case "zoo":
		return a == "sp"
	case "cv":
		return a == "de" // "S.A. de C.V."
	case "rl":
		return a == "sa" // "S.à r.l."
	case "s":
		return a == "a" || a == "k" || a == "i" // "A/S", "K/S", "I/S"
	case "limited":
		return a == "private" || a == "public"
	case "partnership":
		return a == "limited"
	}
	return false
}

// isLegalPhrase3 reports three-word legal forms ("a" "b" "c").
func isLegalPhrase3(a, b, c string) bool {
	switch c {
	case "oo":
		return a == "sp" && b == "z" // "Sp. z o.o."
	case "rl":
		return a == "s" && b == "de" // "S. de R.L."
	case "company":
		return a == "public" && b == "limited" || a == "limited" && b == "liability"
	case "partnership":
		return a == "limited" && b == "liability"
	}
	return false
}
