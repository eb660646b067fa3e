package csvsource

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/text/encoding/charmap"

	"github.com/acctmap/acctmap/normalize"
)

var nameSite = Mapping{Name: "name", Website: "website"}

// row is the part of a Record that format tests compare.
type row struct {
	Line                   int
	ID, Name, Website      string
	Domains, Fields        []string
	WebsiteErr, RegIDError bool
}

func rowOf(r *Record) row {
	return row{Line: r.Line, ID: r.ID, Name: r.Name, Website: r.Website, Domains: r.Domains, Fields: r.Fields,
		WebsiteErr: r.WebsiteErr != nil, RegIDError: r.RegistrationErr != nil}
}

// readAll reads every record of input.
func readAll(t *testing.T, input []byte, m Mapping, opts ...Option) (*Reader, []*Record, error) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(input), m, opts...)
	if err != nil {
		return nil, nil, err
	}
	var recs []*Record
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return r, recs, nil
		}
		if err != nil {
			return r, recs, err
		}
		recs = append(recs, rec)
	}
}

func utf16Bytes(s string, bigEndian, bom bool) []byte {
	var out []byte
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	for _, u := range units {
		if bigEndian {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	return out
}

func win1252(t *testing.T, s string) []byte {
	t.Helper()
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReaderFormats(t *testing.T) {
	t.Parallel()
	excel := "name\twebsite\tcity\r\nMüller GmbH\thttps://www.mueller.de/\tKöln\r\n\"Tab\tInc\"\tacme.com\tParis\r\n"
	tests := []struct {
		name       string
		input      []byte
		m          Mapping
		opts       []Option
		wantEnc    string
		wantDelim  rune
		wantHeader []string
		wantFields []string
		want       []row
	}{{
		name:       "utf-8 comma LF",
		input:      []byte("name,website,city\nAcme,https://www.Acme.com/x,Berlin\nBeta,beta.io,Paris\n"),
		m:          nameSite,
		wantEnc:    UTF8,
		wantDelim:  ',',
		wantHeader: []string{"name", "website", "city"},
		wantFields: []string{"city"},
		want: []row{
			{Line: 2, Name: "Acme", Website: "https://www.Acme.com/x", Domains: []string{"acme.com"}, Fields: []string{"Berlin"}},
			{Line: 3, Name: "Beta", Website: "beta.io", Domains: []string{"beta.io"}, Fields: []string{"Paris"}},
		},
	}, {
		name:       "utf-8 BOM, CRLF, no final line break",
		input:      []byte("\xEF\xBB\xBFname,website\r\nAcme,acme.com\r\nÉcole,ecole.fr"),
		m:          nameSite,
		wantEnc:    UTF8,
		wantDelim:  ',',
		wantHeader: []string{"name", "website"},
		wantFields: nil,
		want: []row{
			{Line: 2, Name: "Acme", Website: "acme.com", Domains: []string{"acme.com"}},
			{Line: 3, Name: "École", Website: "ecole.fr", Domains: []string{"ecole.fr"}},
		},
	}, {
		name:       "semicolon with decimal commas",
		input:      []byte("Name;Website;Revenue\nAcme;acme.com;1,5\n"),
		m:          nameSite,
		wantEnc:    UTF8,
		wantDelim:  ';',
		wantHeader: []string{"Name", "Website", "Revenue"},
		wantFields: []string{"Revenue"},
		want:       []row{{Line: 2, Name: "Acme", Website: "acme.com", Domains: []string{"acme.com"}, Fields: []string{"1,5"}}},
	}, {
		name:       "tab, empty fields kept",
		input:      []byte("name\twebsite\tcity\tzip\nAcme\t\t\t12345\n"),
		m:          nameSite,
		wantEnc:    UTF8,
		wantDelim:  '\t',
		wantHeader: []string{"name", "website", "city", "zip"},
		wantFields: []string{"city", "zip"},
		want:       []row{{Line: 2, Name: "Acme", Fields: []string{"", "12345"}}},
	}, {
		name:       "UTF-16LE with BOM (Excel Unicode text)",
		input:      utf16Bytes(excel, false, true),
		m:          nameSite,
		wantEnc:    UTF16LE,
		wantDelim:  '\t',
		wantHeader: []string{"name", "website", "city"},
		wantFields: []string{"city"},
		want: []row{
			{Line: 2, Name: "Müller GmbH", Website: "https://www.mueller.de/", Domains: []string{"mueller.de"}, Fields: []string{"Köln"}},
			{Line: 3, Name: "Tab\tInc", Website: "acme.com", Domains: []string{"acme.com"}, Fields: []string{"Paris"}},
		},
	}, {
		name:       "UTF-16BE with BOM",
		input:      utf16Bytes(excel, true, true),
		m:          nameSite,
		wantEnc:    UTF16BE,
		wantDelim:  '\t',
		wantHeader: []string{"name", "website", "city"},
		wantFields: []string{"city"},
		want: []row{
			{Line: 2, Name: "Müller GmbH", Website: "https://www.mueller.de/", Domains: []string{"mueller.de"}, Fields: []string{"Köln"}},
			{Line: 3, Name: "Tab\tInc", Website: "acme.com", Domains: []string{"acme.com"}, Fields: []string{"Paris"}},
		},
	}, {
		name:       "UTF-16LE without BOM",
		input:      utf16Bytes("name,website\nZoë,zoe.com\n", false, false),
		m:          nameSite,
		wantEnc:    UTF16LE,
		wantDelim:  ',',
		wantHeader: []string{"name", "website"},
		want:       []row{{Line: 2, Name: "Zoë", Website: "zoe.com", Domains: []string{"zoe.com"}}},
	}, {
		name:       "UTF-16BE without BOM",
		input:      utf16Bytes("name,website\nZoë,zoe.com\n", true, false),
		m:          nameSite,
		wantEnc:    UTF16BE,
		wantDelim:  ',',
		wantHeader: []string{"name", "website"},
		want:       []row{{Line: 2, Name: "Zoë", Website: "zoe.com", Domains: []string{"zoe.com"}}},
	}, {
		name:       "Windows-1252 (legacy Excel)",
		input:      win1252(t, "Name;Website;Notes\r\nSociété Générale;societegenerale.fr;€ 5\r\n"),
		m:          nameSite,
		wantEnc:    Windows1252,
		wantDelim:  ';',
		wantHeader: []string{"Name", "Website", "Notes"},
		wantFields: []string{"Notes"},
		want:       []row{{Line: 2, Name: "Société Générale", Website: "societegenerale.fr", Domains: []string{"societegenerale.fr"}, Fields: []string{"€ 5"}}},
	}, {
		name: "quoted newlines, delimiters, doubled quotes",
		input: []byte("name,website,notes\n" +
			"\"Acme, \"\"The\"\" Inc\",acme.com,\"line one\r\nline two\nline three\"\n" +
			"Beta,beta.io,\"\"\n"),
		m:          nameSite,
		wantEnc:    UTF8,
		wantDelim:  ',',
		wantHeader: []string{"name", "website", "notes"},
		wantFields: []string{"notes"},
		want: []row{
			{Line: 2, Name: `Acme, "The" Inc`, Website: "acme.com", Domains: []string{"acme.com"}, Fields: []string{"line one\r\nline two\nline three"}},
			{Line: 5, Name: "Beta", Website: "beta.io", Domains: []string{"beta.io"}, Fields: []string{""}},
		},
	}, {
		name:       "blank lines, space-only lines and empty rows skipped",
		input:      []byte("\n\nname,website\n\nAcme,acme.com\n   \n,\n , \r\n\nBeta,beta.io\n\n"),
		m:          nameSite,
		wantEnc:    UTF8,
		wantDelim:  ',',
		wantHeader: []string{"name", "website"},
		want: []row{
			{Line: 5, Name: "Acme", Website: "acme.com", Domains: []string{"acme.com"}},
			{Line: 10, Name: "Beta", Website: "beta.io", Domains: []string{"beta.io"}},
		},
	}, {
		name:       "header case and spaces, values trimmed",
		input:      []byte(" NAME , WebSite ,\tAccount ID \nAcme  ,  acme.com ,\t 42 \n"),
		m:          Mapping{Name: "name", Website: " website", ID: "ACCOUNT id"},
		wantEnc:    UTF8,
		wantDelim:  ',',
		wantHeader: []string{"NAME", "WebSite", "Account ID"},
		want:       []row{{Line: 2, ID: "42", Name: "Acme", Website: "acme.com", Domains: []string{"acme.com"}}},
	}, {
		name:       "leading space before a quoted field",
		input:      []byte("name, website\nAcme, \"acme.com\"\n"),
		m:          nameSite,
		wantEnc:    UTF8,
		wantDelim:  ',',
		wantHeader: []string{"name", "website"},
		want:       []row{{Line: 2, Name: "Acme", Website: "acme.com", Domains: []string{"acme.com"}}},
	}, {
		name:       "Excel sep= line",
		input:      []byte("sep=;\r\nname;website;x,y\r\nAcme;acme.com;1,2\r\n"),
		m:          nameSite,
		wantEnc:    UTF8,
		wantDelim:  ';',
		wantHeader: []string{"name", "website", "x,y"},
		wantFields: []string{"x,y"},
		want:       []row{{Line: 3, Name: "Acme", Website: "acme.com", Domains: []string{"acme.com"}, Fields: []string{"1,2"}}},
	}, {
		name:       "old Mac CR line ends",
		input:      []byte("name,website\rAcme,acme.com\r\"Beta\rCorp\",beta.io\rGamma,gamma.org"),
		m:          nameSite,
		wantEnc:    UTF8,
		wantDelim:  ',',
		wantHeader: []string{"name", "website"},
		want: []row{
			{Line: 2, Name: "Acme", Website: "acme.com", Domains: []string{"acme.com"}},
			{Line: 3, Name: "Beta\rCorp", Website: "beta.io", Domains: []string{"beta.io"}},
			{Line: 5, Name: "Gamma", Website: "gamma.org", Domains: []string{"gamma.org"}},
		},
	}, {
		name:       "forced delimiter",
		input:      []byte("name|website|a,b;c\nAcme|acme.com|x,y;z\n"),
		m:          nameSite,
		opts:       []Option{WithDelimiter('|')},
		wantEnc:    UTF8,
		wantDelim:  '|',
		wantHeader: []string{"name", "website", "a,b;c"},
		wantFields: []string{"a,b;c"},
		want:       []row{{Line: 2, Name: "Acme", Website: "acme.com", Domains: []string{"acme.com"}, Fields: []string{"x,y;z"}}},
	}, {
		name:       "forced delimiter wins over sep= line",
		input:      []byte("sep=;\nname,website\nAcme,acme.com\n"),
		m:          nameSite,
		opts:       []Option{WithDelimiter(',')},
		wantEnc:    UTF8,
		wantDelim:  ',',
		wantHeader: []string{"name", "website"},
		want:       []row{{Line: 3, Name: "Acme", Website: "acme.com", Domains: []string{"acme.com"}}},
	}, {
		name:       "forced Windows-1252 on text that is valid UTF-8",
		input:      []byte("name,website\nCafÃ©,cafe.fr\n"),
		m:          nameSite,
		opts:       []Option{WithEncoding("cp1252")},
		wantEnc:    Windows1252,
		wantDelim:  ',',
		wantHeader: []string{"name", "website"},
		want:       []row{{Line: 2, Name: "CafÃƒÂ©", Website: "cafe.fr", Domains: []string{"cafe.fr"}}},
	}, {
		name:       "forced UTF-8 skips its BOM",
		input:      []byte("\xEF\xBB\xBFname,website\nAcme,acme.com\n"),
		m:          nameSite,
		opts:       []Option{WithEncoding("utf-8")},
		wantEnc:    UTF8,
		wantDelim:  ',',
		wantHeader: []string{"name", "website"},
		want:       []row{{Line: 2, Name: "Acme", Website: "acme.com", Domains: []string{"acme.com"}}},
	}, {
		name:       "forced UTF-16LE, BOM skipped",
		input:      utf16Bytes("name,website\nAcme,acme.com\n", false, true),
		m:          nameSite,
		opts:       []Option{WithEncoding("UTF-16BE"), WithEncoding("auto"), WithEncoding("utf16le")},
		wantEnc:    UTF16LE,
		wantDelim:  ',',
		wantHeader: []string{"name", "website"},
		want:       []row{{Line: 2, Name: "Acme", Website: "acme.com", Domains: []string{"acme.com"}}},
	}, {
		name:       "unnamed trailing columns from Excel",
		input:      []byte("name,website,,\nAcme,acme.com,,\nBeta,beta.io,x,\n"),
		m:          nameSite,
		wantEnc:    UTF8,
		wantDelim:  ',',
		wantHeader: []string{"name", "website", "", ""},
		wantFields: []string{"", ""},
		want: []row{
			{Line: 2, Name: "Acme", Website: "acme.com", Domains: []string{"acme.com"}, Fields: []string{"", ""}},
			{Line: 3, Name: "Beta", Website: "beta.io", Domains: []string{"beta.io"}, Fields: []string{"x", ""}},
		},
	}, {
		name:       "mapped columns in any order, id column",
		input:      []byte("Website,Id,Name\nhttp://acme.com,001A,Acme\n"),
		m:          Mapping{Name: "Name", Website: "Website", ID: "Id"},
		wantEnc:    UTF8,
		wantDelim:  ',',
		wantHeader: []string{"Website", "Id", "Name"},
		want:       []row{{Line: 2, ID: "001A", Name: "Acme", Website: "http://acme.com", Domains: []string{"acme.com"}}},
	}, {
		name:       "header only",
		input:      []byte("name,website\n"),
		m:          nameSite,
		wantEnc:    UTF8,
		wantDelim:  ',',
		wantHeader: []string{"name", "website"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, recs, err := readAll(t, tt.input, tt.m, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			var got []row
			for _, rec := range recs {
				got = append(got, rowOf(rec))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
			if r.Encoding() != tt.wantEnc || r.Delimiter() != tt.wantDelim {
				t.Errorf("encoding %q delimiter %q, want %q %q", r.Encoding(), r.Delimiter(), tt.wantEnc, tt.wantDelim)
			}
			if diff := cmp.Diff(tt.wantHeader, r.Header()); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantFields, r.FieldNames()); diff != "" {
				t.Errorf("field names (-want +got):\n%s", diff)
			}
			if s := r.Summary(); s.Rows != len(tt.want) || s.Accepted != len(tt.want) || s.Rejected != 0 {
				t.Errorf("summary %+v, want %d rows all accepted", s, len(tt.want))
			}
			if r.BytesRead() != int64(len(tt.input)) {
				t.Errorf("BytesRead %d, want %d", r.BytesRead(), len(tt.input))
			}
		})
	}
}

// TestDelimiterDetection checks the choice on header lines alone.
func TestDelimiterDetection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header string
		want   rune
	}{
		{"name,website", ','},
		{"name;website", ';'},
		{"name\twebsite", '\t'},
		{"name", ','},
		{`"a;b;c",website`, ','},
		{`"a,b,c";website`, ';'},
		{"name;website;x,y", ';'},
		{"a,b;c;d\te", ';'},
		{"a,b,c\td\te\tf\tg", '\t'},
		{"\r\n\nname;website", ';'},
		{"name,web\nsite;a;b;c;d", ','},
	}
	for _, tt := range tests {
		if got := detectDelimiter([]byte(tt.header)); got != tt.want {
			t.Errorf("detectDelimiter(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

func TestEncodingDetection(t *testing.T) {
	t.Parallel()
	long := bytes.Repeat([]byte("é"), sniffBytes/2) // a multi-byte character cut by the sample's end
	tests := []struct {
		name    string
		head    []byte
		atEOF   bool
		want    string
		wantBOM int
	}{
		{"ascii", []byte("a,b"), true, UTF8, 0},
		{"utf-8 bom", []byte("\xEF\xBB\xBFa"), true, UTF8, 3},
		{"utf-16le bom", []byte("\xFF\xFEa\x00"), true, UTF16LE, 2},
		{"utf-16be bom", []byte("\xFE\xFF\x00a"), true, UTF16BE, 2},
		{"latin", []byte("caf\xe9"), true, Windows1252, 0},
		{"utf-8 cut at the sample's end", long[:len(long)-1], false, UTF8, 0},
		{"invalid utf-8 at the end of input", []byte("caf\xc3"), true, Windows1252, 0},
	}
	for _, tt := range tests {
		got, bom := detectEncoding(tt.head, tt.atEOF, "")
		if got != tt.want || bom != tt.wantBOM {
			t.Errorf("%s: detectEncoding = %q, %d; want %q, %d", tt.name, got, bom, tt.want, tt.wantBOM)
		}
	}
}

// TestUTF8SplitAcrossReads feeds one byte at a time, so that every
// multi-byte character is split between reads.
func TestUTF8SplitAcrossReads(t *testing.T) {
	t.Parallel()
	input := "name,website\nMüller 東京 😀,mueller.de\n"
	r, err := NewReader(iotest.OneByteReader(strings.NewReader(input)), nameSite)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if rec.Name != "Müller 東京 😀" {
		t.Errorf("name %q", rec.Name)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("got %v, want io.EOF", err)
	}
}

func TestRecordKeys(t *testing.T) {
	t.Parallel()
	input := "Account Name,Website,Domains,DUNS,Id,Owner\n" +
		"\"Acme, Inc.\",https://www.Acme.com/x,\"acme.com; acme.de\",15-048-3782,1,ann\n" + // line 2
		"Beta GmbH,facebook.com/beta,,,2,bob\n" + // 3: platform page, kept by name
		",,beta.de,,3,\n" + // 4: aliases only
		"Gamma,gamma.io,,12345678,4,\n" + // 5: short DUNS: kept, not padded
		",n/a,,,5,carl\n" + // 6: rejected
		"---,,,,6,\n" + // 7: rejected
		",jane@gmail.com,n/a,,7,\n" + // 8: rejected
		",,,150483782,8,\n" + // 9: registration id only
		",,n/a,,9,\n" + // 10: rejected for its aliases
		",,,1234,10,\n" // 11: rejected for its registration id
	m := Mapping{Name: "account name", Website: "website", Aliases: "domains", RegistrationID: "duns", RegistrationScheme: "duns", ID: "id"}
	r, recs, err := readAll(t, []byte(input), m, WithName("accounts.csv"), WithNormalizer(normalize.New()))
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		Line               int
		NameKey            string
		Domains            []string
		WebsiteErr, RegErr error
		RegistrationID, ID string
		Fields             []string
	}
	var got []key
	for _, rec := range recs {
		got = append(got, key{rec.Line, rec.NameKey, rec.Domains, rec.WebsiteErr, rec.RegistrationErr, rec.RegistrationID, rec.ID, rec.Fields})
	}
	n := normalize.New()
	want := []key{
		{2, "acme", []string{"acme.com", "acme.de"}, nil, nil, "150483782", "1", []string{"ann"}},
		{3, n.CompanyName("Beta GmbH"), nil, normalize.ErrPlatformPage, nil, "", "2", []string{"bob"}},
		{4, "", []string{"beta.de"}, nil, nil, "", "3", []string{""}},
		{5, n.CompanyName("Gamma"), []string{"gamma.io"}, nil, normalize.ErrInvalidID, "", "4", []string{""}},
		{9, "", nil, nil, nil, "150483782", "8", []string{""}},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateErrors()); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if got[1].NameKey == "" {
		t.Error("Beta GmbH has no name key")
	}

	wantSum := Summary{
		Rows: 10, Accepted: 5, Rejected: 5, NoDomain: 2, Warned: 2,
		Rejections: []Rejection{
			{Line: 6, Column: 2, Field: "Website", Value: "n/a", Err: normalize.ErrNoDomain, Reason: `no company name and website "n/a": no company domain`},
			{Line: 7, Column: 1, Field: "Account Name", Value: "---", Err: nil, Reason: `company name "---" gives no name key and no website`},
			{Line: 8, Column: 2, Field: "Website", Value: "jane@gmail.com", Err: normalize.ErrGenericDomain,
				Reason: `no company name and website "jane@gmail.com": generic domain shared by unrelated companies and aliases "n/a": no company domain`},
			{Line: 10, Column: 3, Field: "Domains", Value: "n/a", Err: normalize.ErrNoDomain, Reason: `no company name and no website and aliases "n/a": no company domain`},
			{Line: 11, Column: 4, Field: "DUNS", Value: "1234", Err: normalize.ErrInvalidID, Reason: `no company name and no website and duns "1234": invalid registration id`},
		},
		Warnings: []Rejection{
			{Line: 3, Column: 2, Field: "Website", Value: "facebook.com/beta", Err: normalize.ErrPlatformPage, Reason: `website "facebook.com/beta": page on a platform, not a company's own site`},
			{Line: 5, Column: 4, Field: "DUNS", Value: "12345678", Err: normalize.ErrInvalidID, Reason: `duns "12345678": invalid registration id`},
		},
	}
	if diff := cmp.Diff(wantSum, r.Summary(), cmpopts.EquateErrors()); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if s := r.Summary().Rejections[0].String(); s != `line 6: no company name and website "n/a": no company domain` {
		t.Errorf("String() = %q", s)
	}

	// Limits on what the summary keeps, not on what it counts.
	r, _, err = readAll(t, []byte(input), m, WithMaxRejections(1))
	if err != nil {
		t.Fatal(err)
	}
	if s := r.Summary(); s.Rejected != 5 || len(s.Rejections) != 1 || s.Warned != 2 || len(s.Warnings) != 1 {
		t.Errorf("with WithMaxRejections(1): %+v", s)
	}
	r, _, err = readAll(t, []byte(input), m, WithMaxRejections(0))
	if err != nil {
		t.Fatal(err)
	}
	if s := r.Summary(); s.Rejected != 5 || s.Rejections != nil || s.Warnings != nil {
		t.Errorf("with WithMaxRejections(0): %+v", s)
	}
}

// TestRecordsIndependent checks that records stay valid after later Next
// calls (the reader reuses its parse buffers, not what it returned).
func TestRecordsIndependent(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("name,website,a,b\n")
	for i := range 3000 {
		b.WriteString("Company ")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString(",c")
		b.WriteString(strings.Repeat("y", i%5+1))
		b.WriteString(".com,a")
		b.WriteString(strings.Repeat("z", i%3))
		b.WriteString(",b\n")
	}
	_, recs, err := readAll(t, []byte(b.String()), nameSite, WithMaxRejections(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3000 {
		t.Fatalf("%d records", len(recs))
	}
	for i, rec := range recs {
		wantSite := "c" + strings.Repeat("y", i%5+1) + ".com"
		if rec.Line != i+2 || rec.Website != wantSite || len(rec.Domains) != 1 || rec.Domains[0] != wantSite ||
			len(rec.Fields) != 2 || rec.Fields[0] != "a"+strings.Repeat("z", i%3) || rec.Fields[1] != "b" {
			t.Fatalf("record %d: %+v", i, rec)
		}
		// Appending to a record's slices must not clobber another record.
		rec.Domains = append(rec.Domains, "x")
		rec.Fields = append(rec.Fields, "x")
	}
	for i, rec := range recs {
		if rec.Fields[1] != "b" || rec.Domains[0] != "c"+strings.Repeat("y", i%5+1)+".com" {
			t.Fatalf("record %d clobbered: %+v", i, rec)
		}
	}
}

func TestStickyEnd(t *testing.T) {
	t.Parallel()
	r, err := NewReader(strings.NewReader("name,website\nAcme,acme.com\n"), nameSite)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if rec, err := r.Next(); rec != nil || err != io.EOF {
			t.Errorf("Next = %v, %v; want nil, io.EOF", rec, err)
		}
	}

	r, err = NewReader(strings.NewReader("name,website\nAcme,acme.com,x\nBeta,beta.io\n"), nameSite)
	if err != nil {
		t.Fatal(err)
	}
	_, err1 := r.Next()
	_, err2 := r.Next()
	if !errors.Is(err1, ErrRaggedRow) || err1 != err2 {
		t.Errorf("errors %v, %v: want the same ErrRaggedRow twice", err1, err2)
	}
}

// TestBytesReadConcurrent polls BytesRead from another goroutine, as a
// progress bar would (run with -race).
func TestBytesReadConcurrent(t *testing.T) {
	t.Parallel()
	header, body := genAccounts(5000, 3)
	input := append([]byte(header), body...)
	r, err := NewReader(bytes.NewReader(input), benchMapping)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	polled := make(chan int64)
	go func() {
		var last int64
		for {
			select {
			case <-done:
				polled <- last
				return
			default:
				n := r.BytesRead()
				if n < last {
					t.Errorf("BytesRead went back from %d to %d", last, n)
				}
				last = n
			}
		}
	}()
	for {
		if _, err := r.Next(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	if last := <-polled; last > int64(len(input)) {
		t.Errorf("BytesRead %d over the input's %d", last, len(input))
	}
	if r.BytesRead() != int64(len(input)) || r.Summary().Rows != 5000 {
		t.Errorf("BytesRead %d of %d, %d rows", r.BytesRead(), len(input), r.Summary().Rows)
	}
}
