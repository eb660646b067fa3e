package csvsource

import (
	"encoding/csv"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/acctmap/acctmap/normalize"
)

// The real files are two public lists of YC companies (see
// testdata/real/SOURCES.md): CRLF line ends, quoted fields with commas,
// "http://" placeholders, platform pages, rows without a website.
func TestRealFiles(t *testing.T) {
	t.Parallel()
	type pick struct {
		Line                 int
		ID, Name, Website    string
		NameKey              string
		Domains              []string
		WebsiteErr           error
		FieldName, FieldWant string // one unmapped value
	}
	tests := []struct {
		file       string
		m          Mapping
		wantRows   int
		wantFields []string
		picks      []pick
	}{{
		file:     "yc_companies.csv",
		m:        Mapping{Name: "name", Website: "website", ID: "id"},
		wantRows: 5706,
		wantFields: []string{"slug", "former_names", "all_locations", "batch", "status", "industry",
			"team_size", "one_liner"},
		picks: []pick{
			{Line: 2, ID: "5", Name: "CircuitHub", Website: "https://circuithub.com", NameKey: "circuithub",
				Domains: []string{"circuithub.com"}, FieldName: "all_locations", FieldWant: "London, England, United Kingdom"},
			{Line: 162, ID: "169", Name: "OrderAhead", Website: "https://www.crunchbase.com/organization/orderahead",
				NameKey: "orderahead", WebsiteErr: normalize.ErrPlatformPage, FieldName: "batch", FieldWant: "Winter 2011"},
			{Line: 232, ID: "240", Name: "Stripe", Website: "http://stripe.com", NameKey: "stripe",
				Domains: []string{"stripe.com"}, FieldName: "status", FieldWant: "Active"},
			{Line: 5707, ID: "31273", Name: "SpotPay", Website: "https://www.spotpay.ai/", NameKey: "spotpay",
				Domains: []string{"spotpay.ai"}, FieldName: "slug", FieldWant: "spotpay"},
		},
	}, {
		file:     "yc_startups_seeddb_2014.csv",
		m:        Mapping{Name: "Company", Website: "Website"},
		wantRows: 688,
		wantFields: []string{"Satus", "Year Founded", "Mapping Location", "Description", "Categories", "Founders",
			"Y Combinator Year", "Y Combinator Session", "Investors", "Amounts raised in different funding rounds",
			"Office Address", "Headquarters (City)", "Headquarters (US State)", "Headquarters (Country)", "Logo",
			"Seed-DB / Mattermark Profile", "Crunchbase / Angel List Profile"},
		picks: []pick{
			{Line: 2, Name: "Curebit", Website: "https://www.talkable.com", NameKey: "curebit",
				Domains: []string{"talkable.com"}, FieldName: "Categories", FieldWant: "E-Commerce, Analytics, Internet, Marketing, Social Media"},
			{Line: 177, Name: "Stripe", Website: "http://stripe.com", NameKey: "stripe", Domains: []string{"stripe.com"},
				FieldName: "Y Combinator Year", FieldWant: "2010"},
			{Line: 564, Name: "YC S08 Stealth #24", NameKey: normalize.New().CompanyName("YC S08 Stealth #24"),
				FieldName: "Investors", FieldWant: "Y Combinator"},
		},
	}}
	domains := map[string]map[string]bool{}
	for _, tt := range tests {
		f, err := os.Open("testdata/real/" + tt.file)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		r, err := NewReader(f, tt.m, WithName(tt.file))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.wantFields, r.FieldNames()); diff != "" {
			t.Errorf("%s: field names (-want +got):\n%s", tt.file, diff)
		}
		fieldIndex := map[string]int{}
		for i, n := range r.FieldNames() {
			fieldIndex[n] = i
		}
		byLine := map[int]*Record{}
		domains[tt.file] = map[string]bool{}
		for {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			byLine[rec.Line] = rec
			for _, d := range rec.Domains {
				domains[tt.file][d] = true
			}
		}
		s := r.Summary()
		if s.Rows != tt.wantRows || s.Accepted != tt.wantRows || s.Rejected != 0 {
			t.Errorf("%s: %d rows, %d accepted, %d rejected; want %d rows all accepted", tt.file, s.Rows, s.Accepted, s.Rejected, tt.wantRows)
		}
		if st, _ := f.Stat(); r.BytesRead() != st.Size() {
			t.Errorf("%s: BytesRead %d, want the file's size %d", tt.file, r.BytesRead(), st.Size())
		}
		for _, p := range tt.picks {
			rec := byLine[p.Line]
			if rec == nil {
				t.Errorf("%s: no record on line %d", tt.file, p.Line)
				continue
			}
			got := pick{rec.Line, rec.ID, rec.Name, rec.Website, rec.NameKey, rec.Domains, rec.WebsiteErr, p.FieldName, rec.Fields[fieldIndex[p.FieldName]]}
			if diff := cmp.Diff(p, got, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("%s: line %d (-want +got):\n%s", tt.file, p.Line, diff)
			}
		}
		// Every record against encoding/csv's own reading of the file.
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		cr := csv.NewReader(f)
		header, _ := cr.Read()
		nameCol := indexFold(header, tt.m.Name)
		for {
			fields, err := cr.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			line, _ := cr.FieldPos(0)
			if rec := byLine[line]; rec == nil || rec.Name != strings.TrimSpace(fields[nameCol]) {
				t.Fatalf("%s: line %d: record %+v, want name %q", tt.file, line, rec, fields[nameCol])
			}
		}
	}
	// SOURCES.md: about 430 SeedDB companies share a domain with the directory.
	shared := 0
	for d := range domains["yc_startups_seeddb_2014.csv"] {
		if domains["yc_companies.csv"][d] {
			shared++
		}
	}
	if shared < 380 || shared > 480 {
		t.Errorf("%d domains shared by the two files, want about 430", shared)
	}
}

func indexFold(header []string, name string) int {
	for i, h := range header {
		if strings.EqualFold(strings.TrimSpace(h), name) {
			return i
		}
	}
	return -1
}
