package normalize

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Hand-picked nasty inputs shared by the fuzzers, on top of the table
// tests' inputs and the files in testdata/fuzz.
var nastySeeds = []string{
	"", " ", "\x00", "\xff", "\xc3", "@", ":", "::", "[", "]", "[]", "[::", "//", `\\`, "#", "?",
	"http://", "http:", "http:/", "mailto:", "mailto:@", "a@", "@a.com", "a@b@c.com",
	"http://[::1", "[::1]x", "1.2.3.4:", ":80", "a.com:99999999999999999999",
	"xn--", "xn--.xn--", "XN--MNCHEN-3YA.de", "xn--zca.xn--zca", "-.-", "a.-b.com",
	"ＡＣＭＥ．ＣＯＭ", "ａ。ｂ", "münchen.de.", "straße.de", "ß.de", "İ.com", "\u0130.com",
	"a\u200d.com", "\u202eacme.com", "acme.com\u2028", "😀.com", "a.b.c.d.e.f.g.h.co.uk",
	strings.Repeat("a.", 200) + "com", strings.Repeat("é", 300), strings.Repeat("&", 50),
	"L.L.C.L.L.C.", "a.b.c.d", ".....", "'''", "the the the", "The & Co", "& Co",
	"ǅ", "ǈ", "ﬀ", "\u0345", "ᾳ", "ΐ", "ŉ", "ǰ", "ẞ", "K", "Å", "Ω", "ﷺ", "ㄱㅏ", "가",
	"\u0301a", "a\u0301\u0301", "и\u0306'\u0316", "x\u00b4y", "¼", "™", "Acme™ Inc™",
	"A.\u00adB.", "e\u0301.b.", "\u1100\u1161\u11a8", "ก\u0e31", "اَ", "\ufdfa",
}

func FuzzDomain(f *testing.F) {
	for _, tc := range domainCases {
		f.Add(tc.in)
	}
	for _, s := range nastySeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := Domain(s)
		if err != nil {
			if k != "" {
				t.Fatalf("Domain(%q) = %q with error %v", s, k, err)
			}
			var de *DomainError
			if !errors.As(err, &de) || de.Value != s || de.Reason == "" {
				t.Fatalf("Domain(%q): error %v is not a complete *DomainError", s, err)
			}
			if !errors.Is(err, ErrNoDomain) && !errors.Is(err, ErrGenericDomain) && !errors.Is(err, ErrPlatformPage) {
				t.Fatalf("Domain(%q): error %v wraps no sentinel", s, err)
			}
			if msg := err.Error(); len(msg) > 600 || !utf8.ValidString(msg) {
				t.Fatalf("Domain(%q): error message too long or invalid: %q", s, msg)
			}
			return
		}
		if k == "" || validHost(k) != "" || strings.IndexByte(k, '.') < 0 {
			t.Fatalf("Domain(%q) = %q: not a lower-case ASCII domain name", s, k)
		}
		if k2, err := Domain(k); err != nil || k2 != k {
			t.Fatalf("Domain not idempotent: %q → %q → %q, %v", s, k, k2, err)
		}
	})
}

func FuzzDomains(f *testing.F) {
	for _, s := range []string{
		"acme.com; acme.de, acme.fr", "gmail.com; n/a", "a.com a.com", ";;;", "acme.com，acme.de",
		"https://pragmaticleaders.io, https://ostronaut.com", "x@a.com|y@b.com|c.com\td.com",
	} {
		f.Add(s)
	}
	for _, s := range nastySeeds {
		f.Add(s)
	}
	n := New()
	f.Fuzz(func(t *testing.T, s string) {
		keys, err := n.Domains(s)
		if err != nil {
			if keys != nil {
				t.Fatalf("Domains(%q) = %v with error %v", s, keys, err)
			}
			if !errors.Is(err, ErrNoDomain) && !errors.Is(err, ErrGenericDomain) && !errors.Is(err, ErrPlatformPage) {
				t.Fatalf("Domains(%q): error %v wraps no sentinel", s, err)
			}
			return
		}
		if len(keys) == 0 {
			t.Fatalf("Domains(%q) = no keys and no error", s)
		}
		seen := map[string]bool{}
		for _, k := range keys {
			if seen[k] {
				t.Fatalf("Domains(%q) = %v: duplicate %q", s, keys, k)
			}
			seen[k] = true
			if k2, err := n.Domain(k); err != nil || k2 != k {
				t.Fatalf("Domains(%q) key %q does not re-normalize to itself: %q, %v", s, k, k2, err)
			}
		}
		again, err := n.Domains(strings.Join(keys, ", "))
		if err != nil || strings.Join(again, " ") != strings.Join(keys, " ") {
			t.Fatalf("Domains not idempotent: %q → %v → %v, %v", s, keys, again, err)
		}
	})
}

func FuzzCompanyName(f *testing.F) {
	for _, tc := range nameCases {
		f.Add(tc.in)
	}
	for _, s := range nastySeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := CompanyName(s)
		if !utf8.ValidString(k) {
			t.Fatalf("CompanyName(%q) = %q: invalid UTF-8", s, k)
		}
		if k2 := CompanyName(k); k2 != k {
			t.Fatalf("CompanyName not idempotent: %q → %q → %q", s, k, k2)
		}
		if strings.HasPrefix(k, " ") || strings.HasSuffix(k, " ") || strings.Contains(k, "  ") {
			t.Fatalf("CompanyName(%q) = %q: stray spaces", s, k)
		}
		if k == "" {
			// Only input without letters or digits may give an empty key
			// (after compatibility decomposition: "ﹺ" is a space and a mark;
			// "™" is taken as a symbol, not as "TM").
			for _, r := range norm.NFKD.String(symbolReplacer.Replace(strings.ToValidUTF8(s, " "))) {
				if (unicode.IsLetter(r) || unicode.IsNumber(r)) && !isJoiner(r) {
					t.Fatalf("CompanyName(%q) = \"\" although the input has %q", s, r)
				}
			}
		}
		// The Latin fast path must agree with the full Unicode path.
		if fast, ok := latinName(s); ok {
			if slow := unicodeName(s); fast != slow {
				t.Fatalf("CompanyName(%q): Latin path %q, Unicode path %q", s, fast, slow)
			}
		}
	})
}

func FuzzRegistrationID(f *testing.F) {
	for _, s := range []string{"123456789", "12-345-6789", "012345678", "12345678", "de 123", "", "\x00", "１２３"} {
		f.Add("duns", s)
		f.Add("vat", s)
	}
	f.Add("", "1")
	f.Add("BAD SCHEME", "1")
	f.Fuzz(func(t *testing.T, scheme, s string) {
		id, err := RegistrationID(scheme, s)
		if err != nil {
			if id != "" || !errors.Is(err, ErrInvalidID) {
				t.Fatalf("RegistrationID(%q, %q) = %q, %v", scheme, s, id, err)
			}
			return
		}
		if id == "" || !utf8.ValidString(id) {
			t.Fatalf("RegistrationID(%q, %q) = %q: empty or invalid", scheme, s, id)
		}
		if again, err := RegistrationID(scheme, id); err != nil || again != id {
			t.Fatalf("RegistrationID not idempotent: %q → %q → %q, %v", s, id, again, err)
		}
		if strings.EqualFold(strings.TrimSpace(scheme), "duns") && (len(id) != 9 || strings.Trim(id, "0123456789") != "") {
			t.Fatalf("RegistrationID(duns, %q) = %q: not 9 digits", s, id)
		}
	})
}
