package normalize

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

// domainCase expects either a key or an error wrapping err.
type domainCase struct {
	in   string
	want string
	err  error
}

var domainCases = []domainCase{
	// Forms people type in a website or e-mail column.
	{"acme.com", "acme.com", nil},
	{"https://www.Acme.com/about?x=1#top", "acme.com", nil},
	{"acme.com.", "acme.com", nil},
	{"WWW.ACME.COM:8080", "acme.com", nil},
	{"//acme.com", "acme.com", nil},
	{"acme.com/", "acme.com", nil},
	{" acme.com ", "acme.com", nil},
	{"\tacme.com\r\n", "acme.com", nil},
	{"http://user@acme.com", "acme.com", nil},
	{"http://user:secret@acme.com:8080/x", "acme.com", nil},
	{"jane.doe@acme.com", "acme.com", nil},
	{"mailto:jane@acme.com", "acme.com", nil},
	{"MAILTO:Jane@Acme.COM?subject=hi", "acme.com", nil},
	{"Jane Doe <jane@acme.com>", "acme.com", nil},
	{"jane@@acme.com", "acme.com", nil},
	{"shop.eu.acme.co.uk", "acme.co.uk", nil},
	{"acme.github.io", "acme.github.io", nil},
	{"HTTP://ACME.COM", "acme.com", nil},
	{"https:/acme.com", "acme.com", nil},
	{"http//acme.com", "acme.com", nil},
	{"https//www.acme.com/", "acme.com", nil},
	{"http:acme.com", "acme.com", nil},
	{"https://http://acme.com", "acme.com", nil},
	{"www.acme.com/path", "acme.com", nil},
	{`http:\\acme.com\about`, "acme.com", nil},
	{`\\acme.com`, "acme.com", nil},
	{"acme.com,", "acme.com", nil},
	{"acme.com;", "acme.com", nil},
	{"acme.com...", "acme.com", nil},
	{"<acme.com>", "acme.com", nil},
	{`"acme.com"`, "acme.com", nil},
	{"(acme.com)", "acme.com", nil},
	{"'www.acme.com'", "acme.com", nil},
	{"https://acme.com:443/x", "acme.com", nil},
	{"acme.com:", "acme.com", nil},
	{"acme.com.:443", "acme.com", nil},
	{"ftp://files.acme.com", "acme.com", nil},
	{"\ufeffacme.com", "acme.com", nil},
	{"acme.com\u00a0", "acme.com", nil},
	{"\u200bacme.com\u3000", "acme.com", nil},
	{"acme.com.au", "acme.com.au", nil},
	{"www.acme.co.jp", "acme.co.jp", nil},
	{"acme.ai", "acme.ai", nil},
	{"acme.berlin", "acme.berlin", nil},
	{"acme-widgets.com", "acme-widgets.com", nil},
	{"123acme.com", "123acme.com", nil},
	{"a.b.ck", "a.b.ck", nil}, // PSL wildcard rule *.ck
	{"www.ck", "www.ck", nil}, // PSL exception rule !www.ck
	// Internationalized names: one key whichever way written.
	{"münchen.de", "xn--mnchen-3ya.de", nil},
	{"MÜNCHEN.de", "xn--mnchen-3ya.de", nil},
	{"www.münchen.de", "xn--mnchen-3ya.de", nil},
	{"xn--mnchen-3ya.de", "xn--mnchen-3ya.de", nil},
	{"XN--MNCHEN-3YA.DE", "xn--mnchen-3ya.de", nil},
	{"ｍüｎｃｈｅｎ．ｄｅ", "xn--mnchen-3ya.de", nil},
	{"münchen。de", "xn--mnchen-3ya.de", nil},
	{"https://münchen.de/straße", "xn--mnchen-3ya.de", nil},
	{"straße.de", "xn--strae-oqa.de", nil},
	{"ａｃｍｅ．ｃｏｍ", "acme.com", nil},
	// Tenants of hosting platforms keep their label.
	{"acme.wordpress.com", "acme.wordpress.com", nil},
	{"www.acme.wordpress.com/blog", "acme.wordpress.com", nil},
	{"www.wordpress.com", "wordpress.com", nil},
	{"acme.tumblr.com", "acme.tumblr.com", nil},
	{"acme.squarespace.com", "acme.squarespace.com", nil},
	{"acme.substack.com/p/launch", "acme.substack.com", nil},
	{"acme.medium.com/post-1", "acme.medium.com", nil},
	{"acme.blogspot.com", "acme.blogspot.com", nil},
	{"acme.myshopify.com", "acme.myshopify.com", nil},
	{"acme.herokuapp.com", "acme.herokuapp.com", nil},
	{"acme.wixsite.com/home", "acme.wixsite.com", nil},
	{"acme.netlify.app", "acme.netlify.app", nil},
	{"acme.vercel.app", "acme.vercel.app", nil},
	{"acme.webflow.io", "acme.webflow.io", nil},
	{"https://acme.notion.site/About-1234", "acme.notion.site", nil},
	// Platforms themselves, and e-mail addresses at platforms.
	{"facebook.com", "facebook.com", nil},
	{"https://www.linkedin.com/", "linkedin.com", nil},
	{"https://www.facebook.com/?ref=bookmarks", "facebook.com", nil},
	{"https://www.facebook.com/#", "facebook.com", nil},
	{"jane@facebook.com", "facebook.com", nil},
	{"mailto:jane@linkedin.com", "linkedin.com", nil},
	{"x.com", "x.com", nil},
	{"https://www.google.com/", "google.com", nil},
	{"apple.com", "apple.com", nil},
	{"https://www.apple.com/iphone/", "apple.com", nil},
	// Real forms from the YC directory and SeedDB.
	{"http://www.InstallMonetizer.com", "installmonetizer.com", nil},
	{"htp://www.socrative.com", "socrative.com", nil},
	{"http://www.delee.co    ", "delee.co", nil},
	{"https://www.thesleepreset.com/?utm_source=yc", "thesleepreset.com", nil},
	{"https://munily.com/#/", "munily.com", nil},
	{"https://Argo.LA", "argo.la", nil},
	{"https://googleblog.blogspot.com/2007/06/more-sharing.html", "googleblog.blogspot.com", nil},
	{"https://qulture.rocks/en/home/", "qulture.rocks", nil},
	{"www.netclick.me", "netclick.me", nil},
	{"https://membo.ee?lang=en", "membo.ee", nil},
	{"https://web.thebyte.app/en/", "thebyte.app", nil},
	{"https://co.dev/?ref=YC", "co.dev", nil},
	{"http://www.getHelpNow.in", "gethelpnow.in", nil},
	{"https://100x.bot?utm_source=inbound&utm_medium=bookface", "100x.bot", nil},
	{"https://www.flexport.com/careers/jobs/", "flexport.com", nil},
	{"picplum.com", "picplum.com", nil},

	// No company domain.
	{"", "", ErrNoDomain},
	{"   ", "", ErrNoDomain},
	{"n/a", "", ErrNoDomain},
	{"N/A", "", ErrNoDomain},
	{"na", "", ErrNoDomain},
	{"n.a.", "", ErrNoDomain},
	{"none", "", ErrNoDomain},
	{"-", "", ErrNoDomain},
	{"null", "", ErrNoDomain},
	{"nil", "", ErrNoDomain},
	{"Unknown", "", ErrNoDomain},
	{"TBD", "", ErrNoDomain},
	{"?", "", ErrNoDomain},
	{".", "", ErrNoDomain},
	{"0", "", ErrNoDomain},
	{"Stealth", "", ErrNoDomain},
	{"http://", "", ErrNoDomain},
	{"https://", "", ErrNoDomain},
	{"http://1.2.3.4/", "", ErrNoDomain},
	{"1.2.3.4", "", ErrNoDomain},
	{"192.168.0.1:8080", "", ErrNoDomain},
	{"[::1]:80", "", ErrNoDomain},
	{"2001:db8::1", "", ErrNoDomain},
	{"http://[2001:db8::1]/", "", ErrNoDomain},
	{"::ffff:1.2.3.4", "", ErrNoDomain},
	{"1.2.3.4.5", "", ErrNoDomain},
	{"localhost", "", ErrNoDomain},
	{"http://localhost:3000", "", ErrNoDomain},
	{"co.uk", "", ErrNoDomain},
	{"com", "", ErrNoDomain},
	{"github.io", "", ErrNoDomain},
	{"acme .com", "", ErrNoDomain},
	{"acme..com", "", ErrNoDomain},
	{".acme.com", "", ErrNoDomain},
	{"acme", "", ErrNoDomain},
	{"@acme", "", ErrNoDomain},
	{strings.Repeat("a", 64) + ".com", "", ErrNoDomain},
	{strings.Repeat(strings.Repeat("a", 60)+".", 5) + "com", "", ErrNoDomain},
	{"acme_corp.com", "", ErrNoDomain},
	{"-acme.com", "", ErrNoDomain},
	{"acme-.com", "", ErrNoDomain},
	{"acme!.com", "", ErrNoDomain},
	{"example.com", "", ErrNoDomain},
	{"www.example.org", "", ErrNoDomain},
	{"test", "", ErrNoDomain},
	{"acme.test", "", ErrNoDomain},
	{"acme.invalid", "", ErrNoDomain},
	{"acme.localhost", "", ErrNoDomain},
	{"acme.example", "", ErrNoDomain},
	{"printer.local", "", ErrNoDomain},
	{"acme.con", "", ErrNoDomain}, // no such top-level domain
	{"javascript:void(0)", "", ErrNoDomain},
	{"tel:+15551234567", "", ErrNoDomain},
	{"acme.com:abc", "", ErrNoDomain},
	{"acme.com:80:90", "", ErrNoDomain},
	{"xn--a.com", "", ErrNoDomain},
	{"xn--.com", "", ErrNoDomain},
	{"münchen .de", "", ErrNoDomain},
	{"https://pragmaticleaders.io, https://ostronaut.com", "", ErrNoDomain}, // a list: see Domains

	// Free-mail and similar: generic in an address, the provider's key as a website.
	{"gmail.com", "gmail.com", nil}, // the provider's own website
	{"GMAIL.COM", "gmail.com", nil}, // the provider's own website
	{"jane@gmail.com", "", ErrGenericDomain},
	{"mailto:jane@googlemail.com", "", ErrGenericDomain},
	{"mail.yahoo.co.uk", "yahoo.co.uk", nil}, // the provider's own website
	{"jane@hotmail.co.uk", "", ErrGenericDomain},
	{"x@outlook.com", "", ErrGenericDomain},
	{"https://www.yahoo.com/", "yahoo.com", nil}, // the provider's own website
	{"icloud.com", "icloud.com", nil},            // the provider's own website
	{"proton.me", "proton.me", nil},              // the provider's own website
	{"gmx.de", "gmx.de", nil},                    // the provider's own website
	{"web.de", "web.de", nil},                    // the provider's own website
	{"qq.com", "qq.com", nil},                    // the provider's own website
	{"163.com", "163.com", nil},                  // the provider's own website
	{"orange.fr", "orange.fr", nil},              // the provider's own website
	{"t-online.de", "t-online.de", nil},          // the provider's own website

	// Pages on platforms.
	{"https://www.facebook.com/acmewidgets", "", ErrPlatformPage},
	{"https://m.facebook.com/acme", "", ErrPlatformPage},
	{"http://www.facebook.com/#!/acme", "", ErrPlatformPage},
	{"linkedin.com/company/acme", "", ErrPlatformPage},
	{"uk.linkedin.com/in/jane", "", ErrPlatformPage},
	{"itunes.apple.com/app/id123", "", ErrPlatformPage},
	{"apps.apple.com", "", ErrPlatformPage},
	{"play.google.com/store/apps/details?id=com.acme", "", ErrPlatformPage},
	{"crunchbase.com/organization/acme", "", ErrPlatformPage},
	{"x.com/acme", "", ErrPlatformPage},
	{"instagram.com/acme", "", ErrPlatformPage},
	{"https://www.youtube.com/@acme", "", ErrPlatformPage},
	{"tiktok.com/@acme", "", ErrPlatformPage},
	{"github.com/acme", "", ErrPlatformPage},
	{"medium.com/@acme", "", ErrPlatformPage},
	{"pinterest.com/acme", "", ErrPlatformPage},
	{"tumblr.com/acme", "", ErrPlatformPage},
	{"sites.google.com/view/acme", "", ErrPlatformPage},
	{"docs.google.com/document/d/1", "", ErrPlatformPage},
	{"drive.google.com", "", ErrPlatformPage},
	{"bit.ly", "", ErrPlatformPage},
	{"https://bit.ly/xyz", "", ErrPlatformPage},
	{"goo.gl/abc", "", ErrPlatformPage},
	{"maps.app.goo.gl/xyz", "", ErrPlatformPage},
	{"t.co/abc", "", ErrPlatformPage},
	{"jane@bit.ly", "", ErrPlatformPage}, // a platform host is never a mailbox domain
	{"web.archive.org/web/2019/acme.com", "", ErrPlatformPage},
	{"https://angel.co/slidepay", "", ErrPlatformPage},                                                // real
	{"https://www.crunchbase.com/organization/orderahead", "", ErrPlatformPage},                       // real
	{"https://twitter.com/nowbox", "", ErrPlatformPage},                                               // real
	{"http://www.facebook.com/PitbullTurkishPage4", "", ErrPlatformPage},                              // real
	{"http://facebook.com/live/producer", "", ErrPlatformPage},                                        // real
	{"https://www.producthunt.com/posts/storyline-7", "", ErrPlatformPage},                            // real
	{"https://www.ycombinator.com/companies/uiflow", "", ErrPlatformPage},                             // real
	{"https://lnkd.in/dgH2xxBJ", "", ErrPlatformPage},                                                 // real
	{"http://m.me/higoosebump", "", ErrPlatformPage},                                                  // real
	{"https://itunes.apple.com/us/app/famegame-become-a-star/id1343049421?mt=8", "", ErrPlatformPage}, // real
	{"https://apps.apple.com/us/app/typeless-ai-messenger/id6478489620", "", ErrPlatformPage},         // real
	{"https://play.google.com/store/apps/details?id=com.foodmonk.rekordapp", "", ErrPlatformPage},     // real
}

func TestDomain(t *testing.T) {
	t.Parallel()
	for _, tc := range domainCases {
		got, err := Domain(tc.in)
		if tc.err != nil {
			if !errors.Is(err, tc.err) || got != "" {
				t.Errorf("Domain(%q) = %q, %v; want error %v", tc.in, got, err, tc.err)
			}
			var de *DomainError
			if !errors.As(err, &de) || de.Value != tc.in || de.Reason == "" {
				t.Errorf("Domain(%q): error %#v is not a *DomainError naming the value", tc.in, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Domain(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestDomainIdempotent(t *testing.T) {
	t.Parallel()
	for _, tc := range domainCases {
		k, err := Domain(tc.in)
		if err != nil {
			continue
		}
		if k2, err := Domain(k); err != nil || k2 != k {
			t.Errorf("Domain(Domain(%q)) = %q, %v; want %q", tc.in, k2, err, k)
		}
	}
}

func TestDomainReasons(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"n/a":                       "placeholder",
		"":                          "empty",
		"http://":                   "empty host",
		"1.2.3.4":                   "IP address",
		"[::1]":                     "IP address",
		"co.uk":                     "public suffix",
		"com":                       "public suffix",
		"acme":                      "no dot: not a domain name",
		"acme.con":                  "unknown top-level domain",
		"example.com":               "reserved name",
		"acme .com":                 "invalid character ' '",
		"jane@gmail.com":            "listed generic domain gmail.com",
		"https://facebook.com/acme": "page on facebook.com",
		"apps.apple.com/x":          "page on apps.apple.com",
		"xn--a.com":                 "invalid punycode label",
		"münchen\u0000.de":          "invalid internationalized host name",
	} {
		_, err := Domain(in)
		var de *DomainError
		if !errors.As(err, &de) || de.Reason != want {
			t.Errorf("Domain(%q) error = %v; want reason %q", in, err, want)
		}
	}
}

func TestDomainErrorMessage(t *testing.T) {
	t.Parallel()
	_, err := Domain("jane@gmail.com")
	if got, want := err.Error(), `normalize: "jane@gmail.com": listed generic domain gmail.com (generic domain shared by unrelated companies)`; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	huge := "http://" + strings.Repeat("é", 1000) + " .com"
	_, err = Domain(huge)
	msg := err.Error()
	if len(msg) > 200 || !strings.Contains(msg, "…") || !utf8.ValidString(msg) {
		t.Errorf("error for a huge value not truncated at a rune boundary: %q", msg)
	}
	var de *DomainError
	if !errors.As(err, &de) || de.Value != huge || de.Unwrap() != ErrNoDomain {
		t.Errorf("DomainError does not keep the full value and sentinel: %#v", err)
	}
}

func TestDefaultLists(t *testing.T) {
	t.Parallel()
	for _, d := range DefaultGenericDomains() {
		if k, err := Domain(d); err != nil || k != d {
			t.Errorf("Domain(%q) = %q, %v; want the provider's own key", d, k, err)
		}
		if !New().Generic(d) {
			t.Errorf("Generic(%q) = false", d)
		}
		if _, err := Domain("jane@" + d); !errors.Is(err, ErrGenericDomain) {
			t.Errorf("Domain(jane@%s) = %v; want ErrGenericDomain", d, err)
		}
	}
	for _, d := range defaultPlatforms {
		if k, err := Domain("https://www." + d + "/"); err != nil || k != d {
			t.Errorf("bare platform %q = %q, %v; want itself", d, k, err)
		}
		if _, err := Domain("https://" + d + "/acme"); !errors.Is(err, ErrPlatformPage) {
			t.Errorf("page on %q = %v; want ErrPlatformPage", d, err)
		}
	}
	for _, h := range defaultPlatformHosts {
		if _, err := Domain(h); !errors.Is(err, ErrPlatformPage) {
			t.Errorf("platform host %q = %v; want ErrPlatformPage", h, err)
		}
		if _, err := Domain("https://www." + h + "/x/y"); !errors.Is(err, ErrPlatformPage) {
			t.Errorf("platform host %q with path = %v; want ErrPlatformPage", h, err)
		}
	}
	// Whether or not the PSL lists a hosting platform, its tenants keep
	// their label; this also catches a list entry the PSL gains later.
	for _, d := range defaultHosting {
		if k, err := Domain("https://www.acme." + d + "/about"); err != nil || k != "acme."+d {
			t.Errorf("tenant of %q = %q, %v; want %q", d, k, err, "acme."+d)
		}
	}
	// DefaultGenericDomains returns a copy.
	l := DefaultGenericDomains()
	l[0] = "acme.com"
	if _, err := Domain("acme.com"); err != nil {
		t.Errorf("changing DefaultGenericDomains' result changed the default rules: %v", err)
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	none := New(WithGenericDomains())
	if k, err := none.Domain("jane@gmail.com"); err != nil || k != "gmail.com" {
		t.Errorf("WithGenericDomains(): gmail.com = %q, %v; want accepted", k, err)
	}
	only := New(WithGenericDomains("Acme-Mail.com. ", "not a domain", ""))
	if _, err := only.Domain("jane@acme-mail.com"); !errors.Is(err, ErrGenericDomain) {
		t.Errorf("replaced list: acme-mail.com = %v; want ErrGenericDomain", err)
	}
	if _, err := only.Domain("jane@gmail.com"); err != nil {
		t.Errorf("replaced list: gmail.com = %v; want accepted", err)
	}
	extra := New(WithExtraGenericDomains("acme-mail.com", "bücher.de"))
	for _, in := range []string{"jane@gmail.com", "jane@acme-mail.com", "jane@xn--bcher-kva.de"} {
		if _, err := extra.Domain(in); !errors.Is(err, ErrGenericDomain) {
			t.Errorf("extended list: %q = %v; want ErrGenericDomain", in, err)
		}
	}
	pl := New(WithExtraPlatforms("social-example.com"), WithExtraPlatformHosts("store.vendor-example.com"),
		WithExtraHostingSuffixes("pages-example.com", "deep.pages-example.net", "co.uk"))
	for in, want := range map[string]error{
		"social-example.com":                  nil,
		"social-example.com/acme":             ErrPlatformPage,
		"vendor-example.com/acme":             nil,
		"store.vendor-example.com":            ErrPlatformPage,
		"eu.store.vendor-example.com/x":       ErrPlatformPage,
		"jane@social-example.com":             nil,
		"acme.pages-example.com":              nil,
		"facebook.com/acme":                   ErrPlatformPage,
		"https://acme.deep.pages-example.net": nil,
	} {
		if _, err := pl.Domain(in); !errors.Is(err, want) {
			t.Errorf("extra platforms: %q = %v; want %v", in, err, want)
		}
	}
	if k, _ := pl.Domain("www.acme.pages-example.com"); k != "acme.pages-example.com" {
		t.Errorf("extra hosting suffix: got %q; want acme.pages-example.com", k)
	}
	if k, _ := pl.Domain("acme.deep.pages-example.net"); k != "pages-example.net" {
		t.Errorf("a hosting entry that is not registrable must be ignored: got %q", k)
	}
	// Options do not change a built Normalizer.
	n := New()
	WithGenericDomains()(n)
	WithExtraGenericDomains("acme.com")(n)
	WithExtraPlatforms("acme.com")(n)
	WithExtraPlatformHosts("acme.com")(n)
	WithExtraHostingSuffixes("acme.com")(n)
	if k, err := n.Domain("www.acme.com/x"); err != nil || k != "acme.com" {
		t.Errorf("option applied after New changed the rules: %q, %v", k, err)
	}
	if _, err := n.Domain("jane@gmail.com"); !errors.Is(err, ErrGenericDomain) {
		t.Errorf("option applied after New changed the rules: gmail.com = %v", err)
	}
	if k, err := New(nil).Domain("acme.com"); err != nil || k != "acme.com" {
		t.Errorf("New(nil option) = %q, %v", k, err)
	}
	// A nil *Normalizer uses the defaults; the zero Normalizer has no lists.
	var nilN *Normalizer
	if _, err := nilN.Domain("jane@gmail.com"); !errors.Is(err, ErrGenericDomain) {
		t.Errorf("nil Normalizer: gmail.com = %v; want ErrGenericDomain", err)
	}
	if got, err := nilN.Domains("acme.com jane@gmail.com"); err != nil || len(got) != 1 {
		t.Errorf("nil Normalizer Domains = %v, %v", got, err)
	}
	var zero Normalizer
	if k, err := zero.Domain("https://facebook.com/acme"); err != nil || k != "facebook.com" {
		t.Errorf("zero Normalizer = %q, %v; want facebook.com", k, err)
	}
	if got := nilN.CompanyName("Acme Inc."); got != "acme" {
		t.Errorf("nil Normalizer CompanyName = %q", got)
	}
}

// TestDomainOwnsKey checks that a key does not share memory with a longer
// input, so keys kept in an index do not pin whole CSV records.
func TestDomainOwnsKey(t *testing.T) {
	t.Parallel()
	raw := "https://www.acme.com/about?x=1"
	k, _ := Domain(raw)
	if sameMemory(k, raw) {
		t.Errorf("Domain(%q) returned a substring of its input", raw)
	}
	list := "acme.com; acme.de"
	ks, _ := New().Domains(list)
	for _, k := range ks {
		if sameMemory(k, list) {
			t.Errorf("Domains(%q) returned a substring %q of its input", list, k)
		}
	}
	if k, _ := Domain("acme.com"); k != "acme.com" {
		t.Errorf("Domain(acme.com) = %q", k)
	}
}

// sameMemory reports whether sub's bytes lie inside s's.
func sameMemory(sub, s string) bool {
	if sub == "" || s == "" {
		return false
	}
	p := uintptr(unsafe.Pointer(unsafe.StringData(sub)))
	b := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	return p >= b && p < b+uintptr(len(s))
}

func TestDomains(t *testing.T) {
	t.Parallel()
	many := make([]string, 0, 21)
	manyWant := make([]string, 0, 20)
	for i := range 20 {
		many = append(many, fmt.Sprintf("d%d.com", i))
		manyWant = append(manyWant, fmt.Sprintf("d%d.com", i))
	}
	many = append(many, "D3.COM", "d19.com")
	n := New()
	tests := []struct {
		in   string
		want []string
		err  error
	}{
		{"acme.com; acme.de, acme.fr", []string{"acme.com", "acme.de", "acme.fr"}, nil},
		{"acme.com", []string{"acme.com"}, nil},
		{"acme.com acme.com", []string{"acme.com"}, nil},
		{"https://www.acme.com, acme.com", []string{"acme.com"}, nil},
		{"ACME.COM; acme.com.", []string{"acme.com"}, nil},
		{"jane@gmail.com; acme.com", []string{"acme.com"}, nil},
		{"gmail.com; acme.com", []string{"gmail.com", "acme.com"}, nil},
		{"facebook.com/acme; acme.com", []string{"acme.com"}, nil},
		{"https://pragmaticleaders.io, https://ostronaut.com", []string{"pragmaticleaders.io", "ostronaut.com"}, nil},
		{"acme.com|acme.de", []string{"acme.com", "acme.de"}, nil},
		{"acme.com\tacme.de\nacme.fr", []string{"acme.com", "acme.de", "acme.fr"}, nil},
		{"acme.com;;;, ,acme.de", []string{"acme.com", "acme.de"}, nil},
		{"acme.com，acme.de、acme.fr；acme.it\u3000acme.es", []string{"acme.com", "acme.de", "acme.fr", "acme.it", "acme.es"}, nil},
		{"Jane Doe <jane@acme.com>", []string{"acme.com"}, nil},
		{"jane@acme.com; john@acme.com", []string{"acme.com"}, nil},
		{"münchen.de, xn--mnchen-3ya.de", []string{"xn--mnchen-3ya.de"}, nil},
		{"b.com a.com b.com", []string{"b.com", "a.com"}, nil},
		{"n/a; acme.com", []string{"acme.com"}, nil},
		{strings.Join(many, " "), manyWant, nil},
		{"", nil, ErrNoDomain},
		{" ;, |", nil, ErrNoDomain},
		{"n/a", nil, ErrNoDomain},
		{"1.2.3.4 localhost", nil, ErrNoDomain},
		{"jane@gmail.com", nil, ErrGenericDomain},
		{"jane@gmail.com; n/a", nil, ErrGenericDomain}, // the first entry's error
		{"facebook.com/acme", nil, ErrPlatformPage},
	}
	for _, tc := range tests {
		got, err := n.Domains(tc.in)
		if tc.err != nil {
			if !errors.Is(err, tc.err) || got != nil {
				t.Errorf("Domains(%q) = %v, %v; want error %v", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Domains(%q) error %v", tc.in, err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Domains(%q) mismatch (-want +got):\n%s", tc.in, diff)
		}
		// Idempotent on the joined result.
		again, err := n.Domains(strings.Join(got, "; "))
		if diff := cmp.Diff(got, again); err != nil || diff != "" {
			t.Errorf("Domains not idempotent on %q: %v\n%s", tc.in, err, diff)
		}
	}
	_, err := n.Domains("jane@gmail.com; n/a")
	var de *DomainError
	if !errors.As(err, &de) || de.Value != "jane@gmail.com" {
		t.Errorf("Domains error does not wrap the first entry's *DomainError: %v", err)
	}
	if !strings.Contains(err.Error(), `"jane@gmail.com; n/a"`) {
		t.Errorf("Domains error does not name the list: %v", err)
	}
}

var nameCases = []struct{ in, want string }{
	// Case, diacritics, compatibility forms.
	{"Acme", "acme"},
	{"ACME", "acme"},
	{"  Acme \t Widgets\n", "acme widgets"},
	{"Société Générale", "societe generale"},
	{"SOCIÉTÉ GÉNÉRALE", "societe generale"},
	{"Nestlé S.A.", "nestle"},
	{"Müller GmbH", "muller"},
	{"Straße AG", "strasse"},
	{"STRASSE AG", "strasse"},
	{"Ørsted A/S", "orsted"},
	{"Łódź Sp. z o.o.", "lodz"},
	{"Æon", "aeon"},
	{"Œuvre", "oeuvre"},
	{"Đorđe", "dorde"},
	{"Þórr ehf.", "thorr"},
	{"Ðe", "de"},
	{"İstanbul", "istanbul"},
	{"Phở Hòa", "pho hoa"},
	{"ＡＣＭＥ\u3000Ｃｏｒｐ", "acme"},
	{"ﬁnance ﬂow", "finance flow"},
	{"Wheelys Café", "wheelys cafe"},
	{"PNOĒ", "pnoe"},
	{"Portão 3", "portao 3"},
	{"Ac\u00adme", "acme"},
	{"Ac\u200bme", "acme"},
	{"Acme™", "acme"},
	{"FidoCure®", "fidocure"},
	{"Cafe\u0301 Society", "cafe society"},
	// Other scripts are kept.
	{"株式会社トヨタ", "株式会社トヨタ"},
	{"Яндекс", "яндекс"},
	{"ЯНДЕКС Ёлка", "яндекс ёлка"},
	{"Ελληνική Εταιρεία Α.Ε.", "ελληνικη εταιρεια"},
	{"ΕΛΛΗΝΙΚΗ", "ελληνικη"},
	{"شركة أرامكو", "شركة أرامكو"},
	{"삼성전자 주식회사", "삼성전자 주식회사"},
	{"हिन्दी कंपनी", "हिन्दी कंपनी"},
	// Punctuation, symbols, '&' and '+'.
	{"Macy's", "macys"},
	{"Macy’s", "macys"},
	{"McDonald's Corporation", "mcdonalds"},
	{"Let's Do This", "lets do this"},
	{"Players' Lounge", "players lounge"},
	{"Hewlett-Packard", "hewlett packard"},
	{"Hewlett–Packard", "hewlett packard"},
	{"Optilly/Installmonetizer", "optilly installmonetizer"},
	{"Talkray (TiKL)", "talkray tikl"},
	{"Wit.ai", "wit ai"},
	{"80,000 Hours", "80 000 hours"},
	{"Mission 100%", "mission 100"},
	{"Johnson & Johnson", "johnson and johnson"},
	{"Johnson and Johnson", "johnson and johnson"},
	{"AT&T Inc.", "at and t"},
	{"Click + Grow", "click and grow"},
	{"Parrot Software 🦜", "parrot software"},
	{"YC S12 Stealth - #72", "yc s12 stealth 72"},
	// Dotted abbreviations.
	{"J.P. Morgan Chase & Co.", "jp morgan chase"},
	{"A.I. Labs", "ai labs"},
	{"U.S. Steel Corp", "us steel"},
	{"L.", "l"},
	{"A. B. Dick", "a b dick"},
	// Leading "the", trailing legal forms.
	{"The Flex Company", "flex"},
	{"The Muse", "muse"},
	{"Acme Inc", "acme"},
	{"ACME, INC.", "acme"},
	{"Acme, Incorporated", "acme"},
	{"Acme Corp.", "acme"},
	{"Acme Corporation", "acme"},
	{"Acme LLC", "acme"},
	{"Acme L.L.C.", "acme"},
	{"Acme, LLP", "acme"},
	{"Acme Ltd", "acme"},
	{"Acme Limited", "acme"},
	{"Acme PLC", "acme"},
	{"Acme Public Limited Company", "acme"},
	{"Acme Limited Liability Company", "acme"},
	{"Acme Holdings Co., Ltd.", "acme holdings"},
	{"Acme GmbH & Co. KG", "acme"},
	{"Acme UG (haftungsbeschränkt)", "acme"},
	{"Acme e.V.", "acme"},
	{"Acme SAS", "acme"},
	{"Acme S.à r.l.", "acme"},
	{"Acme S.r.l.", "acme"},
	{"Fiat S.p.A.", "fiat"},
	{"Acme B.V.", "acme"},
	{"Acme N.V.", "acme"},
	{"Acme Oyj", "acme"},
	{"Acme AB", "acme"},
	{"Acme ASA", "acme"},
	{"Acme ApS", "acme"},
	{"Acme Pty. Ltd.", "acme"},
	{"Acme K.K.", "acme"},
	{"Acme SE", "acme"},
	{"Acme S.L.", "acme"},
	{"Acme s.r.o.", "acme"},
	{"Acme d.o.o.", "acme"},
	{"Acme Zrt.", "acme"},
	{"Acme Kft.", "acme"},
	{"Petronas Sdn. Bhd.", "petronas"},
	{"Acme Pte Ltd", "acme"},
	{"Acme Pvt. Ltd.", "acme"},
	{"Acme Private Limited", "acme"},
	{"Acme, S.A. de C.V.", "acme"},
	{"Acme, S. de R.L.", "acme"},
	{"Acme & Cie", "acme"},
	{"Smith & Co.", "smith"},
	{"Sails Co.", "sails"},
	{"VIDA & Co.", "vida"},
	{"FLOWER CO.", "flower"},
	{"Estimote, Inc.", "estimote"},
	{"Mark Cuban Cost Plus Drug Company, PBC", "mark cuban cost plus drug"},
	{"Acme Limited Partnership", "acme"},
	{"Acme Limited Liability Partnership", "acme"},
	{"Acme K/S", "acme"},
	{"Acme Sp. zoo", "acme"},
	{"Ħamrun Ŧech", "hamrun tech"},
	{"Acme Group", "acme group"},
	{"Acme Holdings", "acme holdings"},
	// Never stripped to nothing.
	{"The Company", "company"},
	{"Inc.", "inc"},
	{"Co", "co"},
	{"LLC", "llc"},
	{"The", "the"},
	{"The The", "the"},
	{"the the acme", "acme"},
	{"The Inc", "inc"},
	{"Sdn Bhd", "sdn"},
	{"& Co", "and"},
	// Nothing left.
	{"", ""},
	{"   ", ""},
	{"...", ""},
	{"!!! ---", ""},
	{"🦜", ""},
	{"Acme\xff Corp", "acme"},
	{"\xff\xfe", ""},
}

func TestCompanyName(t *testing.T) {
	t.Parallel()
	for _, tc := range nameCases {
		if got := CompanyName(tc.in); got != tc.want {
			t.Errorf("CompanyName(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestCompanyNameIdempotent(t *testing.T) {
	t.Parallel()
	for _, tc := range nameCases {
		k := CompanyName(tc.in)
		if k2 := CompanyName(k); k2 != k {
			t.Errorf("CompanyName(CompanyName(%q)) = %q; want %q", tc.in, k2, k)
		}
		if !utf8.ValidString(k) {
			t.Errorf("CompanyName(%q) = %q: invalid UTF-8", tc.in, k)
		}
	}
}

// TestLatinTableMatchesUnicode checks that the Latin fast path gives what
// the full Unicode path gives, for every character it handles, alone and
// in contexts that exercise the tokenizer's state.
func TestLatinTableMatchesUnicode(t *testing.T) {
	t.Parallel()
	n := 0
	for _, lr := range latinRanges {
		for r := lr.lo; r < lr.hi; r++ {
			if _, ok := latinRep(r); !ok {
				continue
			}
			n++
			c := string(r)
			for _, in := range []string{
				c, "A" + c, c + "b", "Acme " + c + " Corp", "x." + c + ".y.", c + "." + c,
				"L." + c + "L.C.", "Mac" + c + "s Inc", "the " + c, "a" + c + "\u00ad.b",
				"é" + c + "’s", "S." + c + ".A.",
			} {
				fast, ok := latinName(in)
				if slow := unicodeName(in); !ok || fast != slow {
					t.Errorf("U+%04X in %q: fast path %q (ok=%v), Unicode path %q", r, in, fast, ok, slow)
				}
			}
			// Outside the table, the fast path must decline.
			if _, ok := latinName(c + "\u0301"); ok {
				t.Errorf("U+%04X followed by a combining mark took the fast path", r)
			}
		}
	}
	if n < 400 {
		t.Errorf("only %d characters take the Latin fast path; want most of Latin-1 and Latin Extended", n)
	}
	if _, ok := latinRep('中'); ok {
		t.Error("latinRep('中') ok; want no replacement")
	}
}

// TestCompanyNameConcurrent runs the pooled Unicode path from many
// goroutines; under -race it catches shared transformer state.
func TestCompanyNameConcurrent(t *testing.T) {
	t.Parallel()
	inputs := []string{
		"株式会社トヨタ", "Ελληνική Εταιρεία Α.Ε.", "ЯНДЕКС Ёлка", "삼성전자 주식회사",
		"Société Générale ΑΕ", "ﬁnance ﬂow µ", "شركة أرامكو", "Łódź Sp. z o.o. 中",
	}
	want := make([]string, len(inputs))
	for i, in := range inputs {
		want[i] = CompanyName(in)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := range 32 {
		wg.Go(func() {
			for i := range 200 {
				j := (g + i) % len(inputs)
				if got := CompanyName(inputs[j]); got != want[j] {
					select {
					case errs <- fmt.Sprintf("CompanyName(%q) = %q; want %q", inputs[j], got, want[j]):
					default:
					}
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestDomainConcurrent(t *testing.T) {
	t.Parallel()
	n := New(WithExtraGenericDomains("acme-mail.com"))
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 200 {
				if k, err := n.Domain("https://www.München.de/x"); err != nil || k != "xn--mnchen-3ya.de" {
					t.Errorf("concurrent Domain = %q, %v", k, err)
					return
				}
				if _, err := n.Domain("jane@acme-mail.com"); !errors.Is(err, ErrGenericDomain) {
					t.Errorf("concurrent Domain generic = %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestRegistrationID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scheme, in, want string
		ok               bool
	}{
		{"duns", "123456789", "123456789", true},
		{"duns", "12-345-6789", "123456789", true},
		{"duns", "123 456 789", "123456789", true},
		{"duns", "12.345.6789", "123456789", true},
		{"duns", "012345678", "012345678", true},
		{"DUNS", " 012-345-678 ", "012345678", true},
		{"Duns", "12\u00a0345\u20136789", "123456789", true},
		{"duns", "12345678", "", false},   // leading zero lost: not padded
		{"duns", "1234567890", "", false}, // too long
		{"duns", "12345678A", "", false},
		{"duns", "", "", false},
		{"duns", "---", "", false},
		{"duns", "１２３４５６７８９", "", false}, // full-width digits are not digits here
		{"siret", "732 829 320 00074", "73282932000074", true},
		{"vat", "de 123 456 789", "DE123456789", true},
		{"vat", "FR-12.345", "FR12345", true},
		{"VAT", "gb123", "GB123", true},
		{"lei", "5493001kjtiigc8y1r12", "5493001KJTIIGC8Y1R12", true},
		{"company_no", "sc-123456", "SC123456", true},
		{"x-1", "AbC/9", "ABC/9", true},
		{"vat", "  ", "", false},
		{"vat", "", "", false},
		{"vat", "AB\x00C", "", false},
		{"vat", "AB\xffC", "", false},
		{"vat", "AB\u200bC", "", false},
		{"", "123", "", false},
		{"bad scheme", "123", "", false},
		{"vat!", "123", "", false},
		{strings.Repeat("x", 40), "123", "", false},
		{"ünï", "123", "", false},
	}
	for _, tc := range tests {
		got, err := RegistrationID(tc.scheme, tc.in)
		if !tc.ok {
			if !errors.Is(err, ErrInvalidID) || got != "" {
				t.Errorf("RegistrationID(%q, %q) = %q, %v; want ErrInvalidID", tc.scheme, tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("RegistrationID(%q, %q) = %q, %v; want %q", tc.scheme, tc.in, got, err, tc.want)
			continue
		}
		if again, err := RegistrationID(tc.scheme, got); err != nil || again != got {
			t.Errorf("RegistrationID not idempotent on %q: %q, %v", got, again, err)
		}
	}
	_, err := RegistrationID("duns", "12345678")
	if err == nil || !strings.Contains(err.Error(), "8 digits") || !strings.Contains(err.Error(), `"12345678"`) {
		t.Errorf("DUNS error does not explain: %v", err)
	}
}

// TestCompanyNameAllRunes checks idempotence for every code point outside
// the big Han and Hangul-syllable blocks (which behave alike), alone and
// next to a combining mark and a Latin letter: this found x/text's Cherokee
// folding flip and its NFC truncation of supplementary characters.
func TestCompanyNameAllRunes(t *testing.T) {
	t.Parallel()
	for r := rune(0); r <= unicode.MaxRune; r++ {
		switch {
		case r == 0x3400:
			r = 0x4DC0
		case r == 0x4E00:
			r = 0xA000
		case r == 0xAC00:
			r = 0xD7A4
		case r == 0x20000:
			r = 0x40000
		case r == 0x40000:
			r = 0xE0000
		}
		if !utf8.ValidRune(r) || !(unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsNumber(r) || unicode.IsPunct(r)) {
			continue
		}
		c := string(r)
		for _, in := range []string{c, "a" + c + "\u0301", "x." + c + "."} {
			k := CompanyName(in)
			if k2 := CompanyName(k); k2 != k || !utf8.ValidString(k) {
				t.Errorf("U+%04X: CompanyName(%+q) = %+q, then %+q", r, in, k, k2)
			}
		}
	}
}
