package pgstore

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// plainTextReference is what plainText decides, said plainly; its
// word-at-a-time loop must agree.
func plainTextReference(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0) && !strings.ContainsRune(s, esc)
}

// FuzzText checks toText and fromText on any bytes: what toText makes is
// storable as text, fromText gives the string back, and plainText agrees
// with a rune-by-rune reference.
func FuzzText(f *testing.F) {
	for _, s := range oddStrings {
		f.Add(s)
	}
	f.Add("12345678\x00abcdefgh")
	f.Add("abcdefg\xc3\xa9abcdefgh")
	f.Fuzz(func(t *testing.T, s string) {
		if want := plainTextReference(s); plainText(s) != want {
			t.Fatalf("plainText(%q) = %v, want %v", s, plainText(s), want)
		}
		enc := toText(s)
		if !utf8.ValidString(enc) || !plainTextOrEsc(enc) {
			t.Fatalf("toText(%q) = %q: not storable as text", s, enc)
		}
		if got := fromText(enc); got != s {
			t.Fatalf("fromText(toText(%q)) = %q", s, got)
		}
	})
}

// FuzzFieldsJSON checks appendFieldsJSON against encoding/json: the
// object it writes decodes to the map it was given (after textMap, as
// records are written).
func FuzzFieldsJSON(f *testing.F) {
	f.Add("stage", "Closed Won", "note", "a \"quoted\"\\ line\nnext\ttab\x01\x1f")
	f.Add("", "", "é日本", "\u2028\u2029<>&")
	f.Add("a\x00b", "\xff", escStr, "x")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		m := textMap(map[string]string{k1: v1, k2: v2})
		b := appendFieldsJSON([]byte("junk"), m)[4:]
		var got map[string]string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("appendFieldsJSON(%q) = %s: %v", m, b, err)
		}
		if d := cmp.Diff(m, got); d != "" {
			t.Fatalf("appendFieldsJSON(%q) = %s decodes to another map (-want +got):\n%s", m, b, d)
		}
	})
}
