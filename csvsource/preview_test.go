package csvsource

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPreview(t *testing.T) {
	t.Parallel()
	salesforce := "Account ID,Account Name,Website,Billing Country,D-U-N-S Number\n" +
		"001A,Acme,acme.com,DE,150483782\n" +
		"\n" +
		"001B,\"Beta\nCorp\",beta.io,FR,\n" +
		"001C,Gamma,,US,\n"
	tests := []struct {
		name    string
		input   []byte
		samples int
		opts    []Option
		want    *Sample
	}{{
		name:    "Salesforce export, fewer samples than rows",
		input:   []byte(salesforce),
		samples: 2,
		want: &Sample{
			Header: []string{"Account ID", "Account Name", "Website", "Billing Country", "D-U-N-S Number"},
			Values: [][]string{{"001A", "001B"}, {"Acme", "Beta\nCorp"}, {"acme.com", "beta.io"}, {"DE", "FR"}, {"150483782", ""}},
			Lines:  []int{2, 4}, Delimiter: ',', Encoding: UTF8,
			Suggested: Mapping{Name: "Account Name", Website: "Website", ID: "Account ID",
				RegistrationID: "D-U-N-S Number", RegistrationScheme: "duns"},
		},
	}, {
		name:    "more samples than rows",
		input:   []byte(salesforce),
		samples: 10,
		want: &Sample{
			Header: []string{"Account ID", "Account Name", "Website", "Billing Country", "D-U-N-S Number"},
			Values: [][]string{{"001A", "001B", "001C"}, {"Acme", "Beta\nCorp", "Gamma"}, {"acme.com", "beta.io", ""}, {"DE", "FR", "US"}, {"150483782", "", ""}},
			Lines:  []int{2, 4, 6}, Delimiter: ',', Encoding: UTF8,
			Suggested: Mapping{Name: "Account Name", Website: "Website", ID: "Account ID",
				RegistrationID: "D-U-N-S Number", RegistrationScheme: "duns"},
		},
	}, {
		name:    "HubSpot export in UTF-16, header only",
		input:   utf16Bytes("Record ID\tCompany name\tCompany Domain Name\tWebsite URL\tAdditional Domains\r\n", false, true),
		samples: 3,
		want: &Sample{
			Header:    []string{"Record ID", "Company name", "Company Domain Name", "Website URL", "Additional Domains"},
			Values:    make([][]string, 5),
			Delimiter: '\t', Encoding: UTF16LE,
			Suggested: Mapping{Name: "Company name", Website: "Company Domain Name", ID: "Record ID", Aliases: "Additional Domains"},
		},
	}, {
		name:    "no sample rows asked, nothing recognized",
		input:   []byte("a;b\n1;2\n"),
		samples: 0,
		want:    &Sample{Header: []string{"a", "b"}, Values: make([][]string, 2), Delimiter: ';', Encoding: UTF8},
	}, {
		name:    "one column both name and website candidates",
		input:   []byte("Company;Name;Domain\n"),
		samples: -1,
		want: &Sample{Header: []string{"Company", "Name", "Domain"}, Values: make([][]string, 3), Delimiter: ';', Encoding: UTF8,
			Suggested: Mapping{Name: "Company", Website: "Domain"}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Preview(bytes.NewReader(tt.input), tt.samples, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Preview (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPreviewErrors(t *testing.T) {
	t.Parallel()
	_, err := Preview(strings.NewReader(""), 5, WithName("x.csv"))
	checkError(t, err, []error{ErrNoHeader}, errFields{Msg: "x.csv: no header line: the input is empty"})

	_, err = Preview(strings.NewReader("a,b\n1,2\n3\n"), 5, WithName("x.csv"))
	checkError(t, err, []error{ErrRaggedRow}, errFields{Msg: "x.csv:3: row has 1 field, the header has 2", Line: 3})

	_, err = Preview(strings.NewReader("a,b\n1,2\n"), 5, WithEncoding("ebcdic"))
	checkError(t, err, []error{ErrOption}, errFields{Msg: `encoding "ebcdic": want UTF-8, UTF-16LE, UTF-16BE or windows-1252`})

	// An error after the sampled rows is not seen.
	s, err := Preview(strings.NewReader("a,b\n1,2\n3\n"), 1)
	if err != nil || len(s.Lines) != 1 {
		t.Errorf("Preview = %+v, %v", s, err)
	}
}
