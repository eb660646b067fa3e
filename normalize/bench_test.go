package normalize

import (
	"testing"

	"golang.org/x/net/publicsuffix"
)

// Website values in the proportions of the YC directory (about 40 %
// "https://x", 32 % "https://www.x", 18 % "http://x", 9 % "http://www.x",
// some with mixed case, paths or tracking queries) plus e-mail addresses
// as CRM exports hold them.
var domainMix = []string{
	"https://circuithub.com",
	"https://www.flexport.com",
	"http://icracked.com",
	"https://www.thesleepreset.com/?utm_source=yc",
	"https://stripe.com",
	"http://www.Avametric.com",
	"https://www.clipboardhealth.com/careers",
	"https://usepylon.com/?utm_source=bookface",
	"jane.doe@acme.co.uk",
	"https://airbnb.com",
	"http://www.InstallMonetizer.com",
	"https://www.gusto.com",
	"https://coinbase.com",
	"http://teaBOT.com",
	"https://www.doordash.com/",
	"sales@dropbox.com",
}

var domainGroups = map[string][]string{
	"ascii":    {"acme.com", "stripe.com", "acme.co.uk", "acme.io"},
	"url":      {"https://www.acme.com", "https://acme.com/about?x=1#top", "http://www.acme.co.uk/", "https://acme.io/en/"},
	"email":    {"jane.doe@acme.com", "mailto:jane@acme.co.uk", "Jane <jane@acme.io>", "sales@stripe.com"},
	"upper":    {"http://www.Avametric.com", "WWW.ACME.COM", "https://Argo.LA", "http://teaBOT.com"},
	"nonascii": {"münchen.de", "https://www.bücher.de/", "ｍüｎｃｈｅｎ．ｄｅ", "jane@straße.de"},
	"rejected": {"jane@gmail.com", "https://www.facebook.com/acme", "n/a", "https://apps.apple.com/us/app/x/id1"},
}

func BenchmarkDomain(b *testing.B) {
	run := func(b *testing.B, in []string) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			Domain(in[i%len(in)])
			i++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	}
	b.Run("mix", func(b *testing.B) { run(b, domainMix) })
	for _, g := range []string{"ascii", "url", "email", "upper", "nonascii", "rejected"} {
		b.Run(g, func(b *testing.B) { run(b, domainGroups[g]) })
	}
	// The floor: the Public Suffix List lookup alone, on the hosts of the
	// "ascii" group, costs most of Domain's time (it also allocates: it
	// tries netip.ParseAddr first).
	b.Run("psl-only", func(b *testing.B) {
		b.ReportAllocs()
		in := domainGroups["ascii"]
		i := 0
		for b.Loop() {
			publicsuffix.PublicSuffix(in[i%len(in)])
			i++
		}
	})
}

// Company names as the YC directory and CRM exports hold them: mostly
// ASCII with legal forms and punctuation, a few accented Latin names, and
// rare other scripts.
var nameMix = []string{
	"CircuitHub",
	"Acme Holdings Co., Ltd.",
	"Estimote, Inc.",
	"Wit.ai",
	"Macy's Inc.",
	"The Flex Company",
	"Click & Grow",
	"Talkray (TiKL)",
	"Mark Cuban Cost Plus Drug Company, PBC",
	"Hewlett-Packard Company",
	"Stripe",
	"Wheelys Café",
	"Zitara Technologies, Inc.",
	"Kenota (formerly ExVivo Labs)",
	"VIDA & Co.",
	"Portão 3",
}

var nameGroups = map[string][]string{
	"ascii":   {"Acme Holdings Co., Ltd.", "Stripe", "Hewlett-Packard Company", "J.P. Morgan Chase & Co."},
	"latin":   {"Société Générale S.A.", "Müller GmbH & Co. KG", "Ørsted A/S", "Macy’s – Paris"},
	"unicode": {"株式会社トヨタ", "Ελληνική Εταιρεία Α.Ε.", "ЯНДЕКС", "ＡＣＭＥ Ｃｏｒｐ"},
}

func BenchmarkCompanyName(b *testing.B) {
	run := func(b *testing.B, in []string) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			CompanyName(in[i%len(in)])
			i++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	}
	b.Run("mix", func(b *testing.B) { run(b, nameMix) })
	for _, g := range []string{"ascii", "latin", "unicode"} {
		b.Run(g, func(b *testing.B) { run(b, nameGroups[g]) })
	}
}
