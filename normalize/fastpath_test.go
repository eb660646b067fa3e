package normalize

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"unicode/utf8"
)

// TestTokenizeASCII checks the ASCII tokenizer against the general one on
// random ASCII text dense in the characters that drive its state: dotted
// abbreviations, apostrophes, ampersands, digits, punctuation.
func TestTokenizeASCII(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("aBcLlC..''`&+ -,/09x\t\x01\x7f")
	for range 200000 {
		b := make([]byte, r.IntN(24))
		for i := range b {
			if r.IntN(3) == 0 {
				b[i] = byte(r.IntN(128))
			} else {
				b[i] = alphabet[r.IntN(len(alphabet))]
			}
		}
		want := string(tokenize(nil, string(b)))
		if got := string(tokenizeASCII(nil, string(b))); got != want {
			t.Fatalf("tokenizeASCII(%q) = %q, want %q", b, got, want)
		}
		if got := string(tokenizeASCII(nil, b)); got != want {
			t.Fatalf("tokenizeASCII([]byte %q) = %q, want %q", b, got, want)
		}
	}
}

// TestRegistrationIDFastPath checks that the ids the fast path returns as
// they are (isCanonicalID) are ids the general path leaves unchanged, and
// that it takes the ASCII ones among them.
func TestRegistrationIDFastPath(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	alphabet := []byte("0123456789AZaz.-_ /\t\x01\x7f:#\x80\xc3\xa9")
	for range 200000 {
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		raw := string(b)
		if !utf8.ValidString(raw) {
			continue
		}
		id, ok := cleanID(raw)
		ascii := len(raw) == len([]rune(raw))
		if fast := isCanonicalID(raw); fast && !(ok && id == raw) || !fast && ok && id == raw && ascii {
			t.Fatalf("isCanonicalID(%q) = %v; general path %q, %v", raw, fast, id, ok)
		}
	}
}

// scanHostRef is scanHost as it was, testing for punycode at every byte.
func scanHostRef(h string) (reason string, upper, nonASCII, puny bool) {
	labelStart := 0
	for i := 0; i < len(h); i++ {
		switch hostClass[h[i]] {
		case classLDH:
		case classDot:
			if r := checkLabel(h, labelStart, i); r != "" {
				return r, upper, false, puny
			}
			labelStart = i + 1
		case classUpper:
			upper = true
		case classHigh:
			return "", upper, true, puny
		default:
			return "invalid character " + strconv.QuoteRune(rune(h[i])), upper, false, puny
		}
		if i == labelStart && i+3 < len(h) && h[i+2] == '-' && h[i+3] == '-' {
			puny = true
		}
	}
	if r := checkLabel(h, labelStart, len(h)); r != "" {
		return r, upper, false, puny
	}
	if len(h) > 253 {
		return "host name longer than 253 characters", upper, false, puny
	}
	return "", upper, false, puny
}

// TestScanHost checks scanHost against scanHostRef on random hosts: the
// same verdict, and the same punycode flag where it is used (a valid ASCII
// name).
func TestScanHost(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	alphabet := []byte("ax-X.-9n-.\xc3_")
	for range 300000 {
		b := make([]byte, r.IntN(14))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		h := string(b)
		wr, wu, wn, wp := scanHostRef(h)
		gr, gu, gn, gp := scanHost(h)
		if wr != gr || wu != gu || wn != gn || (wr == "" && !wn && wp != gp) {
			t.Fatalf("scanHost(%q) = %q %v %v %v, want %q %v %v %v", h, gr, gu, gn, gp, wr, wu, wn, wp)
		}
	}
}
