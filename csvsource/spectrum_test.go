package csvsource

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// spectrumCase is one csv-spectrum case: the CSV and the rows its JSON
// expects, keyed by header name.
type spectrumCase struct {
	name string
	csv  []byte
	want []map[string]string
}

func loadSpectrum(t *testing.T) []spectrumCase {
	t.Helper()
	files, err := filepath.Glob("testdata/csv-spectrum/csvs/*.csv")
	if err != nil || len(files) < 13 {
		t.Fatalf("csv-spectrum fixtures: %v, %d files", err, len(files))
	}
	var cases []spectrumCase
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".csv")
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		js, err := os.ReadFile(filepath.Join("testdata/csv-spectrum/json", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		// Upstream's location_coordinates.json is one object, not an array.
		if js = bytes.TrimSpace(js); js[0] == '{' {
			js = append(append([]byte("["), js...), ']')
		}
		dec := json.NewDecoder(bytes.NewReader(js))
		dec.UseNumber() // simple.json has "b": 2
		var rows []map[string]any
		if err := dec.Decode(&rows); err != nil {
			t.Fatalf("%s.json: %v", name, err)
		}
		c := spectrumCase{name: name, csv: data}
		for _, r := range rows {
			m := map[string]string{}
			for k, v := range r {
				switch v := v.(type) {
				case string:
					m[k] = v
				case json.Number:
					m[k] = v.String()
				}
			}
			c.want = append(c.want, m)
		}
		if name == "location_coordinates" {
			c.want[0]["Contact Phone Number"] = "2095257564" // upstream's JSON says 1234567890
		}
		cases = append(cases, c)
	}
	return cases
}

// previewRows reads every row of input by Preview, keyed by header name.
func previewRows(input []byte, opts ...Option) ([]map[string]string, error) {
	s, err := Preview(bytes.NewReader(input), 1000, opts...)
	if err != nil {
		return nil, err
	}
	var rows []map[string]string
	for j := range s.Lines {
		m := map[string]string{}
		for i, h := range s.Header {
			m[h] = s.Values[i][j]
		}
		rows = append(rows, m)
	}
	return rows, nil
}

// TestCSVSpectrum is item 11 of issue 19: every csv-spectrum case reads as
// its JSON says, in UTF-8, in UTF-16LE with a byte order mark and in
// UTF-16BE without one (U+FFFD is text in all three), with CRLF and CR
// kept inside quoted fields; the one case with a bare quote in an unquoted
// field is an ErrQuote error naming its line and column, and reads with
// WithLenientQuotes.
func TestCSVSpectrum(t *testing.T) {
	t.Parallel()
	for _, c := range loadSpectrum(t) {
		for _, enc := range []struct {
			name  string
			bytes func(string) []byte
		}{
			{"UTF-8", func(s string) []byte { return []byte(s) }},
			{"UTF-16LE with BOM", func(s string) []byte { return utf16Bytes(s, false, true) }},
			{"UTF-16BE without BOM", func(s string) []byte { return utf16Bytes(s, true, false) }},
		} {
			input := enc.bytes(string(c.csv))
			got, err := previewRows(input)
			if c.name == "location_coordinates" {
				line2 := strings.Split(string(c.csv), "\n")[1]
				var e *Error
				if !errors.As(err, &e) || !errors.Is(err, ErrQuote) || e.Line != 2 || e.Column != strings.IndexByte(line2, '"')+1 ||
					e.Field != "Location Coordinates" {
					t.Errorf("%s in %s: error %v, want ErrQuote at 2:%d", c.name, enc.name, err, strings.IndexByte(line2, '"')+1)
				}
			} else if err != nil {
				t.Errorf("%s in %s: %v", c.name, enc.name, err)
			} else if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("%s in %s (-json +got):\n%s", c.name, enc.name, diff)
			}

			got, err = previewRows(input, WithLenientQuotes())
			if err != nil {
				t.Errorf("%s in %s, lenient: %v", c.name, enc.name, err)
			} else if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("%s in %s, lenient (-json +got):\n%s", c.name, enc.name, diff)
			}
		}
	}
}
