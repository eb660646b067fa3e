package csvsource

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acctmap/acctmap/fieldtype"
)

// TestSampleTypesRealFiles: the types the import preview suggests for the
// columns of the two real YC lists (testdata/real), from their first 200
// rows: counts as numbers, years as numbers (no separators: not dates),
// names, batches and the funding column (lists of amounts and words) as
// text.
func TestSampleTypesRealFiles(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file string
		want map[string]fieldtype.Kind
	}{
		{"yc_companies.csv", map[string]fieldtype.Kind{
			"id": fieldtype.Number, "name": fieldtype.Text, "website": fieldtype.Text, "batch": fieldtype.Text,
			"status": fieldtype.Text, "team_size": fieldtype.Number, "one_liner": fieldtype.Text,
		}},
		{"yc_startups_seeddb_2014.csv", map[string]fieldtype.Kind{
			"Company": fieldtype.Text, "Year Founded": fieldtype.Number, "Y Combinator Year": fieldtype.Number,
			"Amounts raised in different funding rounds": fieldtype.Text, "Website": fieldtype.Text,
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			f, err := os.Open("testdata/real/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			s, err := Preview(f, 200)
			if err != nil {
				t.Fatal(err)
			}
			types := s.Types()
			if len(types) != len(s.Header) {
				t.Fatalf("%d suggestions for %d columns", len(types), len(s.Header))
			}
			got := map[string]fieldtype.Kind{}
			for i, h := range s.Header {
				if _, ok := tc.want[h]; ok {
					got[h] = types[i].Type.Kind
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("suggested kinds (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSampleTypes: the suggestions of a CRM export's columns as the
// preview gives them, with their locale, currency and ambiguity.
func TestSampleTypes(t *testing.T) {
	t.Parallel()
	in := "Company,ARR,Umsatz,Closed,Stichtag,Active,Ambiguous\n" +
		"Acme,\"$2,000\",\"1.234,56 €\",12/31/2024,31.12.2024,yes,01/02/2024\n" +
		"Beta,$500.50,\"12,50 €\",01/15/2025,15.01.2025,no,03/04/2024\n" +
		"Gamma,\"$1,000,000\",\"2.000 €\",,01.02.2025,yes,05/06/2024\n"
	s, err := Preview(strings.NewReader(in), 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, sg := range s.Types() {
		v := sg.Type.String()
		if sg.Ambiguous {
			v += " ambiguous"
		}
		got = append(got, v)
	}
	want := []string{"text", "money(en-US, USD)", "money(de-DE, EUR)", "date(en-US)", "date(en-GB)", "boolean", "date(en-US) ambiguous"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Types (-want +got):\n%s", diff)
	}
}
