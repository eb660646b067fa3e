package csvsource

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

func fuzzSeeds(f *testing.F) {
	seeds := [][]byte{
		[]byte("name,website,notes\nAcme,acme.com,x\n\"Beta\nCorp\",\"beta.io\",\"a \"\"b\"\"\"\n"),
		[]byte("\xEF\xBB\xBFName;Website\r\nAcme;https://www.acme.com/x\r\n;n/a\r\n,;\r\n"),
		[]byte("sep=|\nname|website\nAcme|acme.com\n"),
		[]byte("name\twebsite\tid\r\nMüller\tmueller.de\t1\r\n"),
		utf16Bytes("name\twebsite\r\nZoë\tzoe.com\r\n", false, true),
		utf16Bytes("name,website\nZoë,zoe.com\n", true, true),
		[]byte("name,website\rAcme,acme.com\rBeta,beta.io"),
		[]byte("name,website\nCaf\xe9,cafe.fr\n"),
		[]byte("name,website\nAcme,\"open\n"),
		[]byte("name,website\nA\"cme,acme.com\n"),
		[]byte("name,website,,\n,,,\n  \nAcme,acme.com,x,\n"),
		[]byte(""),
		[]byte("\xEF\xBB\xBFname,website\r\nAcme,acme.com\r\n\xEF\xBB\xBFname,website\r\n"),
		[]byte("name,website,legal,ir\nAcme 12\",acme.com\",Acme Inc,investors.acme.com\n, \"x\"\"\",,n/a\n"),
		[]byte("a,b,c\r\n\"Once upon \r\na time\",5,6\r\n"),
		[]byte("\x1f\x8b\x08\x00"),
		[]byte("PK\x03\x04\x14\x00\x08\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x0f\x00\x00\x00xl/workbook.xml"),
		utf16Bytes("名前,website\r\n株式会社,toyota.co.jp\r\n", true, false),
	}
	for _, s := range seeds {
		f.Add(s, false)
		f.Add(s, true)
	}
}

// fuzzOptions returns small limits when small is set, so that the fuzzer
// reaches them.
func fuzzOptions(small bool) []Option {
	if small {
		return []Option{WithMaxFieldBytes(16), WithMaxRowBytes(48), WithMaxColumns(5), WithMaxRejections(2)}
	}
	return nil
}

// maxMessage bounds every message and Reason the fuzzers see: values are
// quoted to a bounded prefix, whatever the input.
const maxMessage = 1024

// FuzzReader reads each input three ways: with the name and website
// columns, the same leniently (WithLenientQuotes), and with every column of
// its header mapped by position (Name, Website, then OtherNames,
// OtherWebsites, Aliases, RegistrationID), so that random headers reach the
// code of every role.
func FuzzReader(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, small bool) {
		fuzzRead(t, data, nameSite, fuzzOptions(small))
		fuzzRead(t, data, nameSite, append(fuzzOptions(small), WithLenientQuotes()))
		if s, err := Preview(bytes.NewReader(data), 0, WithLenientQuotes()); err == nil {
			fuzzRead(t, data, byPosition(s.Header), append(fuzzOptions(small), WithLenientQuotes()))
		}
	})
}

// byPosition maps the columns of header by their position, skipping
// names that are empty or repeat an earlier one.
func byPosition(header []string) Mapping {
	var names []string
	seen := map[string]bool{}
	for _, h := range header {
		if k := foldKey(h); h != "" && !seen[k] {
			seen[k] = true
			names = append(names, h)
		}
	}
	m := Mapping{Name: "name", Website: "website"} // missing columns: an error, also fine
	at := func(i int) string {
		if i < len(names) {
			return names[i]
		}
		return ""
	}
	if len(names) > 0 {
		m.Name, m.Website = at(0), at(1)
		for i := 2; i < len(names); i++ {
			switch i % 4 {
			case 0:
				m.OtherWebsites = append(m.OtherWebsites, names[i])
			case 1:
				if m.Aliases == "" {
					m.Aliases = names[i]
					continue
				}
				m.OtherNames = append(m.OtherNames, names[i])
			case 2:
				m.OtherNames = append(m.OtherNames, names[i])
			case 3:
				if m.RegistrationID == "" {
					m.RegistrationID, m.RegistrationScheme = names[i], "duns"
					continue
				}
				m.OtherWebsites = append(m.OtherWebsites, names[i])
			}
		}
	}
	return m
}

func fuzzRead(t *testing.T, data []byte, m Mapping, opts []Option) {
	{
		r, err := NewReader(bytes.NewReader(data), m, opts...)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("NewReader error %v (%T) is not an *Error", err, err)
			}
			if len(err.Error()) > maxMessage {
				t.Fatalf("NewReader error of %d bytes", len(err.Error()))
			}
			return
		}
		nMapped := 2 + len(m.OtherNames) + len(m.OtherWebsites)
		for _, c := range []string{m.Aliases, m.RegistrationID, m.ID} {
			if c != "" {
				nMapped++
			}
		}
		if m.Website == "" {
			nMapped--
		}
		nFields := len(r.FieldNames())
		if nFields+nMapped != len(r.Header()) {
			t.Fatalf("%d field names for a header of %d and %d mapped columns", nFields, len(r.Header()), nMapped)
		}
		last := 0
		for n := 0; ; n++ {
			if n > len(data) {
				t.Fatalf("more records than input bytes")
			}
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || e.Kind == nil {
					t.Fatalf("Next error %v (%T) has no sentinel", err, err)
				}
				if _, err2 := r.Next(); err2 != err {
					t.Fatalf("error not sticky: %v then %v", err, err2)
				}
				if len(err.Error()) > maxMessage {
					t.Fatalf("Next error of %d bytes", len(err.Error()))
				}
				break
			}
			if rec.Line <= last {
				t.Fatalf("line %d after line %d", rec.Line, last)
			}
			last = rec.Line
			if len(rec.Fields) != nFields {
				t.Fatalf("record has %d fields, want %d", len(rec.Fields), nFields)
			}
			if rec.NameKey == "" && len(rec.Domains) == 0 && rec.RegistrationID == "" {
				t.Fatalf("record without a key accepted: %+v", rec)
			}
			if (rec.NameKey == "") != (len(rec.NameKeys) == 0) || len(rec.NameKeys) > 0 && rec.NameKeys[0] != rec.NameKey {
				t.Fatalf("NameKey %q and NameKeys %q", rec.NameKey, rec.NameKeys)
			}
			for _, list := range [][]string{rec.NameKeys, rec.Domains, rec.OtherNames} {
				seen := map[string]bool{}
				for _, s := range list {
					if s == "" || seen[s] {
						t.Fatalf("empty or repeated value in %q", list)
					}
					seen[s] = true
				}
			}
			for _, n := range rec.OtherNames {
				if n == rec.Name {
					t.Fatalf("other names %q repeat the name", rec.OtherNames)
				}
			}
			for _, s := range append(append([]string{rec.Name, rec.Website}, rec.Fields...), rec.OtherNames...) {
				if !utf8.ValidString(s) {
					t.Fatalf("invalid UTF-8 in a record: %q", s)
				}
			}
			if h := r.Header(); len(h) == 2 && r.name >= 0 && r.website >= 0 {
				row := make([]string, 2)
				row[r.name], row[r.website] = rec.Name, rec.Website
				if strings.EqualFold(trimHeader(row[0]), h[0]) && strings.EqualFold(trimHeader(row[1]), h[1]) {
					t.Fatalf("the header repeated as a record: %+v", rec)
				}
			}
		}
		s := r.Summary()
		if s.Rows != s.Accepted+s.Rejected || len(s.Rejections) > s.Rejected || len(s.Warnings) > s.Warned {
			t.Fatalf("inconsistent summary %+v", s)
		}
		for _, rj := range append(s.Rejections, s.Warnings...) {
			if len(rj.Reason) > maxMessage || len(rj.Value) > maxQuoted+len("…") || !utf8.ValidString(rj.Reason) || !utf8.ValidString(rj.Value) {
				t.Fatalf("rejection with a %d-byte reason, a %d-byte value: %q", len(rj.Reason), len(rj.Value), rj.Reason)
			}
			if rj.Column < 0 || rj.Column > len(r.Header()) || rj.Column == 0 && (rj.Field != "" || !errors.Is(rj.Err, ErrRepeatedHeader)) {
				t.Fatalf("rejection at column %d (%q) of %d: %+v", rj.Column, rj.Field, len(r.Header()), rj)
			}
			if rj.Column > 0 && rj.Field != r.Header()[rj.Column-1] {
				t.Fatalf("rejection at column %d named %q, the header says %q", rj.Column, rj.Field, r.Header()[rj.Column-1])
			}
		}
		if r.BytesRead() > int64(len(data)) {
			t.Fatalf("read %d bytes of %d", r.BytesRead(), len(data))
		}
	}
}

func FuzzPreview(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, small bool) {
		s, err := Preview(bytes.NewReader(data), 3, fuzzOptions(small)...)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Preview error %v (%T) is not an *Error", err, err)
			}
			return
		}
		if len(s.Values) != len(s.Header) || len(s.Lines) > 3 {
			t.Fatalf("%d value columns for %d names, %d rows", len(s.Values), len(s.Header), len(s.Lines))
		}
		for _, v := range s.Values {
			if len(v) != len(s.Lines) {
				t.Fatalf("column of %d values for %d rows", len(v), len(s.Lines))
			}
		}
		for i := 1; i < len(s.Lines); i++ {
			if s.Lines[i] <= s.Lines[i-1] {
				t.Fatalf("lines %v", s.Lines)
			}
		}
		sug := s.Suggested
		seen := map[string]bool{}
		for _, name := range append(append([]string{sug.Name, sug.Website, sug.ID, sug.Aliases, sug.RegistrationID}, sug.OtherNames...), sug.OtherWebsites...) {
			if name != "" && indexFold(s.Header, name) < 0 {
				t.Fatalf("suggested column %q not in the header", name)
			}
			if name != "" && seen[foldKey(name)] {
				t.Fatalf("column %q suggested twice: %+v", name, sug)
			}
			seen[foldKey(name)] = true
		}
	})
}
