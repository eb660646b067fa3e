package acctmap

import (
	"encoding/csv"
	"strings"
	"testing"
)

// The OWASP CSV-injection payloads, the cases, and the values that
// must stay as they are.
func TestCSVCell(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		// Plain values.
		{"Acme", "Acme"},
		{"", ""},
		{"acme.com", "acme.com"},
		// Numbers and phone numbers stay.
		{"-5", "-5"},
		{"+3.5", "+3.5"},
		{"-1,234.50", `"-1,234.50"`},
		{"+3 555 0100", "+3 555 0100"},
		{"+1 (555) 010-0100", "+1 (555) 010-0100"},
		{"+44 20 7946 0958", "+44 20 7946 0958"},
		{"12/31/2024", "12/31/2024"},
		// OWASP payloads.
		{"=1+2", "'=1+2"},
		{`=HYPERLINK("http://evil")`, `"'=HYPERLINK(""http://evil"")"`},
		{"@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"},
		{"+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"},
		{"=cmd|' /C notepad'!'A1'", "'=cmd|' /C notepad'!'A1'"},
		{"\t=1+1", "\"'\t'=1+1\""},
		{"\r=1+1", "\"'\r'=1+1\""},
		{"\n=1+1", "\"'\n'=1+1\""},
		{"-", "'-"},
		{"+", "'+"},
		{"-x", "'-x"},
		// A separator some locale splits on is quoted, and what a split
		// would expose is neutralized.
		{"Kovalent;=1+2;", `"Kovalent;'=1+2;"`},
		{"a;b", `"a;b"`},
		{"a\tb", "\"a\tb\""},
		{"Acme, Inc.", `"Acme, Inc."`},
		{"x, =1+2", `"x, '=1+2"`},
		{"line one\n=2+2", "\"line one\n'=2+2\""},
		{"note: -3 off; -4", `"note: -3 off; -4"`},
		{" padded ", `" padded "`},
		{`say "hi"`, `"say ""hi"""`},
	} {
		if got := csvCell(tc.in); got != tc.want {
			t.Errorf("csvCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
		// A quote-honouring reader, with either separator, reads one cell.
		for _, sep := range []rune{',', ';'} {
			r := csv.NewReader(strings.NewReader(csvCell(tc.in) + "\n"))
			r.Comma, r.LazyQuotes = sep, true
			rec, err := r.Read()
			if tc.in == "" {
				continue
			}
			if err != nil || len(rec) != 1 {
				t.Errorf("csvCell(%q) read with %q: %q, %v; want one cell", tc.in, sep, rec, err)
			}
		}
	}
}

func FuzzCSVCell(f *testing.F) {
	for _, s := range []string{"=1+2", "Kovalent;=1+2;", "+1 (555) 010-0100", "-1,234.50", "\n=1", "a\"b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		c := csvCell(v)
		r := csv.NewReader(strings.NewReader("x," + c + "\n"))
		r.FieldsPerRecord = 2
		rec, err := r.Read()
		if err != nil {
			t.Fatalf("csvCell(%q) = %q does not read back: %v", v, c, err)
		}
		got := rec[1]
		// Every part a splitter could expose starts harmlessly.
		for _, part := range strings.FieldsFunc(got, func(r rune) bool { return strings.ContainsRune(",;\t\r\n", r) }) {
			p := strings.TrimLeft(part, " ")
			if p != "" && strings.ContainsRune("=+-@", rune(p[0])) && !plainNumber(p) {
				t.Fatalf("csvCell(%q) exposes %q", v, p)
			}
		}
	})
}
