package normalize_test

import (
	"errors"
	"fmt"

	"github.com/acctmap/acctmap/normalize"
)

func ExampleDomain() {
	for _, v := range []string{
		"https://www.Acme.com/about?x=1#top",
		"jane.doe@shop.acme.co.uk",
		"acme.github.io",
		"MÜNCHEN.de",
		"jane@gmail.com",
		"https://www.facebook.com/acmewidgets",
		"n/a",
	} {
		key, err := normalize.Domain(v)
		var de *normalize.DomainError
		switch {
		case err == nil:
			fmt.Printf("%-38s %s\n", v, key)
		case errors.As(err, &de):
			fmt.Printf("%-38s error: %s\n", v, de.Reason)
		}
	}
	// Output:
	// https://www.Acme.com/about?x=1#top     acme.com
	// jane.doe@shop.acme.co.uk               acme.co.uk
	// acme.github.io                         acme.github.io
	// MÜNCHEN.de                             xn--mnchen-3ya.de
	// jane@gmail.com                         error: listed generic domain gmail.com
	// https://www.facebook.com/acmewidgets   error: page on facebook.com
	// n/a                                    error: placeholder
}

func ExampleDomain_errors() {
	_, err := normalize.Domain("http://1.2.3.4/")
	fmt.Println(errors.Is(err, normalize.ErrNoDomain))
	fmt.Println(err)
	// Output:
	// true
	// normalize: "http://1.2.3.4/": IP address (no company domain)
}

func ExampleCompanyName() {
	for _, v := range []string{
		"Acme Holdings Co., Ltd.",
		"Société Générale S.A.",
		"The Macy's Company",
		"Hewlett-Packard",
		"Johnson & Johnson",
		"ＡＣＭＥ Ｌ.Ｌ.Ｃ.",
		"The Company",
	} {
		fmt.Printf("%q\n", normalize.CompanyName(v))
	}
	// Output:
	// "acme holdings"
	// "societe generale"
	// "macys"
	// "hewlett packard"
	// "johnson and johnson"
	// "acme"
	// "company"
}

func ExampleNormalizer_Domains() {
	n := normalize.New()
	keys, err := n.Domains("acme.com; www.acme.de, https://acme.fr/ jane@gmail.com ACME.COM")
	fmt.Println(keys, err)

	_, err = n.Domains("jane@gmail.com; n/a")
	fmt.Println(errors.Is(err, normalize.ErrGenericDomain))
	// Output:
	// [acme.com acme.de acme.fr] <nil>
	// true
}

func ExampleRegistrationID() {
	id, err := normalize.RegistrationID("DUNS", "01-234-5678")
	fmt.Println(id, err)

	_, err = normalize.RegistrationID("duns", "12345678") // leading zero lost
	fmt.Println(errors.Is(err, normalize.ErrInvalidID))

	id, _ = normalize.RegistrationID("vat", "de 123.456.789")
	fmt.Println(id)
	// Output:
	// 012345678 <nil>
	// true
	// DE123456789
}

// A partner whose staff use a regional provider, and whose account list
// should not treat an in-house mail domain as a company.
func ExampleWithExtraGenericDomains() {
	n := normalize.New(normalize.WithExtraGenericDomains("example-isp.net"))
	_, err := n.Domain("jane@example-isp.net")
	fmt.Println(errors.Is(err, normalize.ErrGenericDomain))

	// Or replace the whole list, here by nothing: free-mail domains are
	// then ordinary keys.
	all := normalize.New(normalize.WithGenericDomains())
	fmt.Println(all.Domain("jane@gmail.com"))
	// Output:
	// true
	// gmail.com <nil>
}
