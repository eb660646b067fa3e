package csvsource_test

import (
	"archive/zip"
	"bytes"
	"context"
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

// A list with several name and website columns: the legal name and the DBA
// give further name keys, the investor-relations site a further domain.
func ExampleMapping() {
	const export = "Account Name,Legal Name,DBA,Website,IR Website\n" +
		"Acme,\"Acme Holdings, Inc.\",Acme,acme.com,https://investors.acme-ir.com/\n" +
		",Beta Corporation,,,\n"
	r, err := csvsource.NewReader(strings.NewReader(export), csvsource.Mapping{
		Name: "Account Name", Website: "Website",
		OtherNames: []string{"Legal Name", "DBA"}, OtherWebsites: []string{"IR Website"},
	})
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
		fmt.Printf("line %d: other names %q, name keys %q, domains %q\n", rec.Line, rec.OtherNames, rec.NameKeys, rec.Domains)
	}
	// Output:
	// line 2: other names ["Acme Holdings, Inc."], name keys ["acme" "acme holdings"], domains ["acme.com" "acme-ir.com"]
	// line 3: other names ["Beta Corporation"], name keys ["beta"], domains []
}

// A DUNS export has no website column: the registration id stands in for
// it. Every rejection and warning names the line, column, field, value and
// cause.
func ExampleRejection() {
	const export = "Company,DUNS\n" +
		"Acme Corp,15-048-3782\n" +
		"Beta GmbH,12345678\n" +
		",n/a\n"
	r, err := csvsource.NewReader(strings.NewReader(export),
		csvsource.Mapping{Name: "Company", RegistrationID: "DUNS", RegistrationScheme: "duns"})
	if err != nil {
		log.Fatal(err)
	}
	for {
		if _, err := r.Next(); err == io.EOF {
			break
		} else if err != nil {
			log.Fatal(err)
		}
	}
	s := r.Summary()
	for _, w := range append(s.Warnings, s.Rejections...) {
		fmt.Printf("line %d, column %d (%s), value %q: invalid id: %v\n", w.Line, w.Column, w.Field, w.Value,
			errors.Is(w.Err, normalize.ErrInvalidID))
	}
	// Output:
	// line 3, column 2 (DUNS), value "12345678": invalid id: true
	// line 4, column 2 (DUNS), value "n/a": invalid id: true
}

// A quote inside an unquoted field stops reading unless WithLenientQuotes,
// which keeps it and warns.
func ExampleWithLenientQuotes() {
	const export = "name,website,product\nAcme,acme.com,12\" pipe\n"
	r, err := csvsource.NewReader(strings.NewReader(export), csvsource.Mapping{Name: "name", Website: "website"},
		csvsource.WithLenientQuotes())
	if err != nil {
		log.Fatal(err)
	}
	rec, err := r.Next()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rec.Fields[0])
	for _, w := range r.Summary().Warnings {
		var e *csvsource.Error
		if errors.As(w.Err, &e) {
			fmt.Println(e)
		}
	}
	// Output:
	// 12" pipe
	// line 2:17 (column "product"): bare " in non-quoted field, read as a literal quote
}

// An Excel workbook uploaded instead of its CSV export is named as such.
func ExampleErrNotCSV() {
	var xlsx bytes.Buffer
	w := zip.NewWriter(&xlsx)
	for _, name := range []string{"[Content_Types].xml", "xl/workbook.xml"} {
		f, _ := w.Create(name)
		f.Write([]byte("<x/>"))
	}
	w.Close()

	_, err := csvsource.NewReader(&xlsx, csvsource.Mapping{Name: "name", Website: "website"}, csvsource.WithName("accounts.xlsx"))
	fmt.Println(errors.Is(err, csvsource.ErrNotCSV))
	fmt.Println(err)
	// Output:
	// true
	// accounts.xlsx: not a CSV file: this is an Excel workbook (.xlsx): save it as CSV (in Excel: File > Save As > CSV UTF-8) and import that file
}

// NextContext stops when its context does, even in a long run of rows that
// give no key, and the reader can go on afterwards.
func ExampleReader_NextContext() {
	r, err := csvsource.NewReader(strings.NewReader("name,website\n,n/a\nAcme,acme.com\n"),
		csvsource.Mapping{Name: "name", Website: "website"})
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // e.g. the user closed the upload page
	_, err = r.NextContext(ctx)
	fmt.Println(errors.Is(err, context.Canceled), err)

	rec, err := r.NextContext(context.Background())
	fmt.Println(rec.Name, err)
	// Output:
	// true reading stopped: context canceled
	// Acme <nil>
}
