package csvsource

import (
	"bytes"
	"errors"
	"io"
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

func FuzzReader(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, small bool) {
		r, err := NewReader(bytes.NewReader(data), nameSite, fuzzOptions(small)...)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("NewReader error %v (%T) is not an *Error", err, err)
			}
			return
		}
		nFields := len(r.FieldNames())
		if nFields+2 != len(r.Header()) {
			t.Fatalf("%d field names for a header of %d", nFields, len(r.Header()))
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
			for _, s := range append([]string{rec.Name, rec.Website}, rec.Fields...) {
				if !utf8.ValidString(s) {
					t.Fatalf("invalid UTF-8 in a record: %q", s)
				}
			}
		}
		s := r.Summary()
		if s.Rows != s.Accepted+s.Rejected || len(s.Rejections) > s.Rejected || len(s.Warnings) > s.Warned {
			t.Fatalf("inconsistent summary %+v", s)
		}
		if r.BytesRead() > int64(len(data)) {
			t.Fatalf("read %d bytes of %d", r.BytesRead(), len(data))
		}
	})
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
		for _, name := range []string{s.Suggested.Name, s.Suggested.Website, s.Suggested.ID} {
			if name != "" && indexFold(s.Header, name) < 0 {
				t.Fatalf("suggested column %q not in the header", name)
			}
		}
	})
}
