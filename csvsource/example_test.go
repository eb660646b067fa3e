package csvsource_test

import (
	"errors"
	"fmt"
	"io"
	"log"
	"strings"

	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/normalize"
)

// Reading a Salesforce-style export with a column mapping.
func ExampleNewReader() {
	const export = "Account ID;Account Name;Website;Industry\r\n" +
		"001A;Acme, Inc.;https://www.Acme.com/about;Manufacturing\r\n" +
		"001B;Müller GmbH;mueller.de;Retail\r\n"
	r, err := csvsource.NewReader(strings.NewReader(export),
		csvsource.Mapping{Name: "Account Name", Website: "Website", ID: "Account ID"},
		csvsource.WithName("accounts.csv"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("delimiter %q, encoding %s, other columns %q\n", r.Delimiter(), r.Encoding(), r.FieldNames())
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("line %d: id %s, name key %q, domains %q, industry %s\n", rec.Line, rec.ID, rec.NameKey, rec.Domains, rec.Fields[0])
	}
	// Output:
	// delimiter ';', encoding UTF-8, other columns ["Industry"]
	// line 2: id 001A, name key "acme", domains ["acme.com"], industry Manufacturing
	// line 3: id 001B, name key "muller", domains ["mueller.de"], industry Retail
}

// Showing the columns of an upload so that its user can map them.
func ExamplePreview() {
	const export = "Record ID\tCompany name\tCompany Domain Name\tCity\n" +
		"101\tAcme\tacme.com\tBerlin\n" +
		"102\tBeta\tbeta.io\tParis\n" +
		"103\tGamma\tgamma.org\tRome\n"
	s, err := csvsource.Preview(strings.NewReader(export), 2)
	if err != nil {
		log.Fatal(err)
	}
	for i, h := range s.Header {
		fmt.Printf("%-20s %q\n", h, s.Values[i])
	}
	fmt.Printf("suggested: name %q, website %q, id %q\n", s.Suggested.Name, s.Suggested.Website, s.Suggested.ID)
	// Output:
	// Record ID            ["101" "102"]
	// Company name         ["Acme" "Beta"]
	// Company Domain Name  ["acme.com" "beta.io"]
	// City                 ["Berlin" "Paris"]
	// suggested: name "Company name", website "Company Domain Name", id "Record ID"
}

// Rows that give no key are skipped and reported in the Summary; rows with
// an unusable website are kept, matched by name.
func ExampleReader_Summary() {
	const export = "name,website\n" +
		"Acme,acme.com\n" +
		",n/a\n" +
		"Beta,https://www.facebook.com/beta\n"
	r, err := csvsource.NewReader(strings.NewReader(export), csvsource.Mapping{Name: "name", Website: "website"})
	if err != nil {
		log.Fatal(err)
	}
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("line %d: %s %q platform page: %v\n", rec.Line, rec.NameKey, rec.Domains, errors.Is(rec.WebsiteErr, normalize.ErrPlatformPage))
	}
	s := r.Summary()
	fmt.Printf("%d rows: %d accepted, %d rejected\n", s.Rows, s.Accepted, s.Rejected)
	for _, rej := range s.Rejections {
		fmt.Println("rejected:", rej)
	}
	for _, w := range s.Warnings {
		fmt.Println("warning:", w)
	}
	// Output:
	// line 2: acme ["acme.com"] platform page: false
	// line 4: beta [] platform page: true
	// 3 rows: 2 accepted, 1 rejected
	// rejected: line 3: no company name and website "n/a": no company domain
	// warning: line 4: website "https://www.facebook.com/beta": page on a platform, not a company's own site
}

// Errors name the file, line, column and header, and wrap a sentinel.
func ExampleError() {
	const export = "name,website\nAcme,acme.com\nBeta,\"beta.io\" x\n"
	r, err := csvsource.NewReader(strings.NewReader(export), csvsource.Mapping{Name: "name", Website: "website"},
		csvsource.WithName("accounts.csv"))
	if err != nil {
		log.Fatal(err)
	}
	for {
		_, err := r.Next()
		if err == io.EOF {
			break
		}
		var e *csvsource.Error
		if errors.As(err, &e) {
			fmt.Println(err)
			fmt.Println(errors.Is(err, csvsource.ErrQuote), e.Line, e.Field)
			break
		}
	}
	// Output:
	// accounts.csv:3:14 (column "website"): extraneous or missing " in quoted field
	// true 3 website
}
