package normalize_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/acctmap/acctmap/normalize"
)

// emailCases: want is the expected Email, or reason the start of the
// expected error's reason.
var emailCases = []struct {
	in     string
	want   normalize.Email
	reason string
}{
	// Company addresses: case and packaging only.
	{"ann.lee@acme.com", em("ann.lee@acme.com", "acme.com", false), ""},
	{"  Ann.Lee@Acme.COM \t", em("ann.lee@acme.com", "acme.com", false), ""},
	{"\ufeffann@acme.com\u200b", em("ann@acme.com", "acme.com", false), ""},
	{`"Ann Lee" <Ann@Acme.com>`, em("ann@acme.com", "acme.com", false), ""},
	{"Ann Lee <ann@acme.com>", em("ann@acme.com", "acme.com", false), ""},
	{"Lee, Ann <ann@acme.com>", em("ann@acme.com", "acme.com", false), ""},
	{"<ann@acme.com>", em("ann@acme.com", "acme.com", false), ""},
	{"< ann@acme.com >", em("ann@acme.com", "acme.com", false), ""},
	{"mailto:ann@acme.com", em("ann@acme.com", "acme.com", false), ""},
	{"MAILTO:Ann@Acme.com?subject=Hello%20there&cc=bob@acme.com", em("ann@acme.com", "acme.com", false), ""},
	{"mailto:ann%2Bcrm@acme.com", em("ann+crm@acme.com", "acme.com", false), ""},
	{"Ann <mailto:ann@acme.com>", em("ann@acme.com", "acme.com", false), ""},
	{"ann@acme.com;", em("ann@acme.com", "acme.com", false), ""},
	{"ann@acme.com, ", em("ann@acme.com", "acme.com", false), ""},
	{"ann@acme.com.", em("ann@acme.com", "acme.com", false), ""},
	{"ann@mail.eu.acme.co.uk", em("ann@mail.eu.acme.co.uk", "acme.co.uk", false), ""},
	{"ann@acme.wordpress.com", em("ann@acme.wordpress.com", "acme.wordpress.com", false), ""},
	{"jane@facebook.com", em("jane@facebook.com", "facebook.com", false), ""},
	// Plus-tags and dots stay where no rule is documented.
	{"Ann.Lee+CRM@acme.com", em("ann.lee+crm@acme.com", "acme.com", false), ""},
	{"ann+x@outlook.com", em("ann+x@outlook.com", "outlook.com", true), ""},
	{"a.n.n@hotmail.com", em("a.n.n@hotmail.com", "hotmail.com", true), ""},
	{"ann-x@yahoo.com", em("ann-x@yahoo.com", "yahoo.com", true), ""},
	{"ann+x@icloud.com", em("ann+x@icloud.com", "icloud.com", true), ""},
	{"ann+x@mail.gmail.com", em("ann+x@mail.gmail.com", "gmail.com", true), ""},
	{"ann.lee+x@acme.gmail.com.example.org", normalize.Email{}, "domain: reserved name"},
	// IDNs.
	{"Jörg@Bücher.de", em("jörg@xn--bcher-kva.de", "xn--bcher-kva.de", false), ""},
	{"ann@XN--BCHER-KVA.de", em("ann@xn--bcher-kva.de", "xn--bcher-kva.de", false), ""},
	{"ann@ｂüｃｈｅｒ．ｄｅ", em("ann@xn--bcher-kva.de", "xn--bcher-kva.de", false), ""},
	{"ÅSA@acme.se", em("åsa@acme.se", "acme.se", false), ""},
	{"A\u030aSA@acme.se", em("åsa@acme.se", "acme.se", false), ""}, // NFC
	{"用户@例子.中国", em("用户@xn--fsqu00a.xn--fiqs8s", "xn--fsqu00a.xn--fiqs8s", false), ""},
	// Quoted local parts.
	{`"ann"@acme.com`, em("ann@acme.com", "acme.com", false), ""},
	{`"Ann Lee"@acme.com`, em(`"ann lee"@acme.com`, "acme.com", false), ""},
	{`"a\"b"@acme.com`, em(`"a\"b"@acme.com`, "acme.com", false), ""},
	{`"a\\b"@acme.com`, em(`"a\\b"@acme.com`, "acme.com", false), ""},
	{`"a@b"@acme.com`, em(`"a@b"@acme.com`, "acme.com", false), ""},
	{`"a..b"@acme.com`, em(`"a..b"@acme.com`, "acme.com", false), ""},
	{`"\a"@acme.com`, em("a@acme.com", "acme.com", false), ""},
	{`"a.b+c"@gmail.com`, em("ab@gmail.com", "gmail.com", true), ""},

	// Gmail: dots and +tags ignored, googlemail.com is gmail.com.
	{"Ann.Lee@gmail.com", em("annlee@gmail.com", "gmail.com", true), ""},
	{"a.n.n.l.e.e+news@GMAIL.com", em("annlee@gmail.com", "gmail.com", true), ""},
	{"annlee+a+b@gmail.com", em("annlee@gmail.com", "gmail.com", true), ""},
	{"ann.lee@googlemail.com", em("annlee@gmail.com", "gmail.com", true), ""},
	{"+tag@gmail.com", em("+tag@gmail.com", "gmail.com", true), ""},
	{"ann.+x@gmail.com", em("ann@gmail.com", "gmail.com", true), ""},
	// Proton: +tags; '.', '_' and '-' transparent; domains kept apart.
	{"Ann.Lee+bills@proton.me", em("annlee@proton.me", "proton.me", true), ""},
	{"ann_lee@protonmail.com", em("annlee@protonmail.com", "protonmail.com", true), ""},
	{"ann-lee@pm.me", em("annlee@pm.me", "pm.me", true), ""},
	{"ann.lee@protonmail.ch", em("annlee@protonmail.ch", "protonmail.ch", true), ""},
	{"-_-@proton.me", em("-_-@proton.me", "proton.me", true), ""},
	// Fastmail: +tags only.
	{"ann.lee+hiking@fastmail.com", em("ann.lee@fastmail.com", "fastmail.com", true), ""},
	{"ann+x@fastmail.fm", em("ann@fastmail.fm", "fastmail.fm", true), ""},
	{"ann.+x@fastmail.com", em("ann.+x@fastmail.com", "fastmail.com", true), ""},
	// iCloud: me.com and mac.com are icloud.com; +tags kept.
	{"Ann@me.com", em("ann@icloud.com", "icloud.com", true), ""},
	{"ann.lee@mac.com", em("ann.lee@icloud.com", "icloud.com", true), ""},

	// Errors.
	{"", normalize.Email{}, "empty"},
	{"   ", normalize.Email{}, "empty"},
	{"mailto:", normalize.Email{}, "empty"},
	{"acme.com", normalize.Email{}, "no @"},
	{"Ann Lee", normalize.Email{}, "no @"},
	{"@acme.com", normalize.Email{}, "empty local part"},
	{`""@acme.com`, normalize.Email{}, "empty local part"},
	{"ann@", normalize.Email{}, "empty domain"},
	{"ann@.", normalize.Email{}, "domain: "},
	{"ann lee@acme.com", normalize.Email{}, "invalid character ' ' in local part"},
	{"ann@acme.com, bob@acme.com", normalize.Email{}, "more than one address"},
	{"ann@acme.com;bob@acme.com", normalize.Email{}, "more than one address"},
	{"mailto:ann@acme.com,bob@acme.com", normalize.Email{}, "more than one address"},
	{"ann@b@acme.com", normalize.Email{}, "invalid character '@' in local part"},
	{".ann@acme.com", normalize.Email{}, "local part starts or ends with a dot"},
	{"ann.@acme.com", normalize.Email{}, "local part starts or ends with a dot"},
	{"ann..lee@acme.com", normalize.Email{}, "two dots in a row"},
	{"ann(work)@acme.com", normalize.Email{}, "invalid character '('"},
	{"ann\u00a0lee@acme.com", normalize.Email{}, "invalid character"},
	{"ann\u200blee@acme.com", normalize.Email{}, "invalid character"},
	{"\"ann\x00\"@acme.com", normalize.Email{}, "invalid character"},
	{`"ann@acme.com`, normalize.Email{}, "unbalanced quotes"},
	{`"ann\"@acme.com`, normalize.Email{}, "unbalanced quotes"},
	{`"a"b"@acme.com`, normalize.Email{}, "unescaped quote"},
	{"Ann <ann@acme.com", normalize.Email{}, "invalid character"},
	{"ann@acme.com>", normalize.Email{}, "unbalanced angle brackets"},
	{"<ann@acme.com", normalize.Email{}, "unbalanced angle brackets"},
	{"ann@[192.0.2.1]", normalize.Email{}, "address literal"},
	{"ann@192.0.2.1", normalize.Email{}, "domain: IP address"},
	{"ann@acme", normalize.Email{}, "domain: no dot"},
	{"ann@acme.con", normalize.Email{}, "domain: unknown top-level domain"},
	{"ann@example.com", normalize.Email{}, "domain: reserved name"},
	{"ann@host.local", normalize.Email{}, "domain: reserved name"},
	{"ann@co.uk", normalize.Email{}, "domain: public suffix"},
	{"ann@bit.ly", normalize.Email{}, "domain: page on bit.ly"},
	{"ann@acme.com/x", normalize.Email{}, "invalid character '/' in domain"},
	{"ann@acme.com:25", normalize.Email{}, "invalid character ':' in domain"},
	{"ann@acme.com?x", normalize.Email{}, "invalid character '?' in domain"},
	{"ann@acme_corp.com", normalize.Email{}, "invalid character '_' in domain"},
	{"ann@-acme.com", normalize.Email{}, "domain: label starts or ends with a hyphen"},
	{"ann@xn--zz.com", normalize.Email{}, "invalid punycode"},
	{"ann@acme..com", normalize.Email{}, "domain: empty label"},
	{"ann@a\u202e.com", normalize.Email{}, "invalid internationalized domain"},
	{"mailto:ann%zz@acme.com", normalize.Email{}, "invalid percent-encoding"},
	{"mailto:ann%ff@acme.com", normalize.Email{}, "invalid percent-encoding"},
	{"ann\xff@acme.com", normalize.Email{}, "invalid UTF-8"},
	{strings.Repeat("a", 65) + "@acme.com", normalize.Email{}, "local part longer than 64 bytes"},
	{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 60) + "." + strings.Repeat("c", 60) + "." + strings.Repeat("d", 60) + "." + strings.Repeat("e", 10) + ".com", normalize.Email{}, "address longer than 254 bytes"},
	{strings.Repeat("Ⱥ", 30) + "@acme.com", normalize.Email{}, "local part longer than 64 bytes"}, // 60 bytes, lower case 90
	{strings.Repeat("x", 2000) + " <ann@acme.com>", normalize.Email{}, "longer than 1024 bytes"},
}

func em(key, domain string, generic bool) normalize.Email {
	return normalize.Email{Key: key, Domain: domain, Generic: generic}
}

func TestEmail(t *testing.T) {
	t.Parallel()
	n := normalize.New()
	for _, tc := range emailCases {
		got, err := n.Email(tc.in)
		if tc.reason != "" {
			var ee *normalize.EmailError
			if !errors.As(err, &ee) || !errors.Is(err, normalize.ErrInvalidEmail) {
				t.Errorf("Email(%q) = %+v, %v; want error %q", tc.in, got, err, tc.reason)
				continue
			}
			if !strings.HasPrefix(ee.Reason, tc.reason) || ee.Value != tc.in || got != (normalize.Email{}) {
				t.Errorf("Email(%q): %+v, reason %q; want %q", tc.in, got, ee.Reason, tc.reason)
			}
			if strings.HasPrefix(tc.reason, "domain: ") != (ee.Cause != nil) {
				t.Errorf("Email(%q): cause %v", tc.in, ee.Cause)
			}
			continue
		}
		if err != nil {
			t.Errorf("Email(%q): %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Email(%q) (-want +got):\n%s", tc.in, diff)
		}
		if again, err := n.Email(got.Key); err != nil || again != got {
			t.Errorf("Email(%q) = %+v, but its key gives %+v, %v", tc.in, got, again, err)
		}
	}
}

func TestEmailCompanyDomain(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"ann@mail.acme.co.uk": "acme.co.uk",
		"ann@gmail.com":       "",
		"ann@yahoo.co.uk":     "",
		"ann@mail.yahoo.fr":   "",
	} {
		e, err := normalize.ParseEmail(in)
		if err != nil || e.CompanyDomain() != want {
			t.Errorf("ParseEmail(%q).CompanyDomain() = %q, %v; want %q", in, e.CompanyDomain(), err, want)
		}
	}
}

func TestEmailOptions(t *testing.T) {
	t.Parallel()
	// The generic list is the Normalizer's: options change it.
	n := normalize.New(normalize.WithGenericDomains(), normalize.WithExtraGenericDomains("acme.com"))
	got, err := n.Email("Ann@Mail.Acme.com")
	if err != nil || got != em("ann@mail.acme.com", "acme.com", true) {
		t.Errorf("acme.com generic: %+v, %v", got, err)
	}
	// Provider rules are about providers, not lists: Gmail's stay.
	got, err = n.Email("a.n.n+x@gmail.com")
	if err != nil || got != em("ann@gmail.com", "gmail.com", false) {
		t.Errorf("gmail.com not generic: %+v, %v", got, err)
	}
	var nilN *normalize.Normalizer
	if got, err := nilN.Email("Ann@gmail.com"); err != nil || !got.Generic {
		t.Errorf("nil Normalizer: %+v, %v", got, err)
	}
}

func TestEmailErrorMessage(t *testing.T) {
	t.Parallel()
	_, err := normalize.ParseEmail(strings.Repeat("é", 500) + "@@")
	msg := err.Error()
	if len(msg) > 200 || !utf8.ValidString(msg) || !strings.Contains(msg, "…") || !strings.Contains(msg, "invalid e-mail address") {
		t.Errorf("message not bounded: %q", msg)
	}
	_, err = normalize.ParseEmail("ann@bit.ly")
	if !errors.Is(err, normalize.ErrPlatformPage) || !errors.Is(err, normalize.ErrInvalidEmail) {
		t.Errorf("domain error not wrapped: %v", err)
	}
	_, err = normalize.ParseEmail("ann@example.com")
	if !errors.Is(err, normalize.ErrNoDomain) {
		t.Errorf("domain error not wrapped: %v", err)
	}
}

func TestEmailConcurrent(t *testing.T) {
	t.Parallel()
	n := normalize.New()
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 200; i++ {
				tc := emailCases[i%len(emailCases)]
				if got, err := n.Email(tc.in); (err == nil) != (tc.reason == "") || err == nil && got != tc.want {
					t.Errorf("concurrent Email(%q) = %+v, %v", tc.in, got, err)
					return
				}
			}
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}

func FuzzEmail(f *testing.F) {
	for _, tc := range emailCases {
		f.Add(tc.in)
	}
	for _, s := range []string{
		"a@b.c", "@", "@@", "\"@\"@acme.com", `"\"@acme.com`, `"\\"@acme.com`, "mailto:?@", "<>", "<<a@acme.com>>",
		"a+@gmail.com", "+@gmail.com", "a++b@gmail.com", ".@gmail.com", "İ@acme.com", "ǅ@acme.com", "ß@acme.com",
		"ﬀ@acme.com", "\u0345@acme.com", "ΐ@acme.com", "a\u0301\u0301@acme.com", "ᾳ@acme.com", "ẞ@acme.com",
		"a@xn--mnchen-3ya.de", "a@MÜNCHEN.de", "a@straße.de", "a@ß.de", "mailto:%22a%20b%22@acme.com",
	} {
		f.Add(s)
	}
	n := normalize.New()
	f.Fuzz(func(t *testing.T, s string) {
		e, err := n.Email(s)
		if err != nil {
			var ee *normalize.EmailError
			if !errors.As(err, &ee) || ee.Value != s || ee.Reason == "" || !errors.Is(err, normalize.ErrInvalidEmail) {
				t.Fatalf("Email(%q): %v is not a complete *EmailError", s, err)
			}
			if msg := err.Error(); len(msg) > 400 || !utf8.ValidString(msg) {
				t.Fatalf("Email(%q): message too long or invalid: %q", s, msg)
			}
			if e != (normalize.Email{}) {
				t.Fatalf("Email(%q) = %+v with an error", s, e)
			}
			return
		}
		at := strings.LastIndexByte(e.Key, '@')
		if at <= 0 || len(e.Key) > 254 || at > 64 || !utf8.ValidString(e.Key) || e.Domain == "" ||
			!strings.HasSuffix(e.Key, e.Domain) || e.Key != strings.TrimSpace(e.Key) {
			t.Fatalf("Email(%q) = %+v: malformed", s, e)
		}
		if host := e.Key[at+1:]; host != strings.ToLower(host) || !isASCII(host) {
			t.Fatalf("Email(%q) = %+v: host not lower-case ASCII", s, e)
		}
		if d, err := normalize.Domain("x@" + e.Key[at+1:]); e.Generic != (err != nil) || !e.Generic && d != e.Domain {
			t.Fatalf("Email(%q) = %+v disagrees with Domain: %q, %v", s, e, d, err)
		}
		// Idempotent: the key is its own key.
		again, err := n.Email(e.Key)
		if err != nil || again != e {
			t.Fatalf("Email(%q) = %+v, but Email(%q) = %+v, %v", s, e, e.Key, again, err)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// emailMix is a typical CRM contact column: mostly company addresses,
// some free-mail, some with display names or upper case.
var emailMix = []string{
	"ann.lee@acme.com",
	"Bob.Smith@Globex.com",
	"carol@initech.co.uk",
	"dave.jones+crm@gmail.com",
	`"Erin Wu" <erin.wu@umbrella.com>`,
	"frank@mail.stark-industries.com",
	"grace.h@yahoo.com",
	"HEIDI@WAYNE-ENTERPRISES.COM",
}

func BenchmarkEmail(b *testing.B) {
	n := normalize.New()
	for _, bc := range []struct {
		name string
		in   []string
	}{
		{"typical", []string{"ann.lee@acme.com"}},
		{"gmail", []string{"Ann.Lee+news@gmail.com"}},
		{"mix", emailMix},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := n.Email(bc.in[i%len(bc.in)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

func ExampleNormalizer_Email() {
	n := normalize.New()
	for _, v := range []string{
		`"Ann Lee" <Ann.Lee@Acme.com>`,
		"mailto:ann.lee+crm@acme.com?subject=Hi",
		"A.N.N.Lee+news@googlemail.com",
		"ann.lee+bills@proton.me",
		"Jörg@Bücher.de",
		"ann@example.com",
		"ann lee@acme.com",
	} {
		e, err := n.Email(v)
		var ee *normalize.EmailError
		switch {
		case err == nil:
			fmt.Printf("%-40s %-24s company %q\n", v, e.Key, e.CompanyDomain())
		case errors.As(err, &ee):
			fmt.Printf("%-40s error: %s\n", v, ee.Reason)
		}
	}
	// Output:
	// "Ann Lee" <Ann.Lee@Acme.com>             ann.lee@acme.com         company "acme.com"
	// mailto:ann.lee+crm@acme.com?subject=Hi   ann.lee+crm@acme.com     company "acme.com"
	// A.N.N.Lee+news@googlemail.com            annlee@gmail.com         company ""
	// ann.lee+bills@proton.me                  annlee@proton.me         company ""
	// Jörg@Bücher.de                           jörg@xn--bcher-kva.de    company "xn--bcher-kva.de"
	// ann@example.com                          error: domain: reserved name
	// ann lee@acme.com                         error: invalid character ' ' in local part
}
