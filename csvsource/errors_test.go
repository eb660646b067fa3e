package csvsource

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// errFields is the part of an *Error that the tests compare.
type errFields struct {
	Msg          string
	Line, Column int
	Field        string
}

func TestErrors(t *testing.T) {
	t.Parallel()
	// Over the sniffed 64 KiB, so that the file is taken as UTF-8 first.
	var valid strings.Builder
	valid.WriteString("name,website\n")
	rows := 0
	for valid.Len() < sniffBytes+100 {
		valid.WriteString("Acme,acme.com\n")
		rows++
	}
	lateLatin := valid.String() + "Caf\xe9,cafe.fr\n"
	lateLatinLine := rows + 2

	tests := []struct {
		name     string
		input    []byte
		m        Mapping
		opts     []Option
		wantIs   []error
		want     errFields
		wantRecs int // records returned before the error
	}{{
		name:   "empty input",
		input:  nil,
		m:      nameSite,
		wantIs: []error{ErrNoHeader},
		want:   errFields{Msg: "accounts.csv: no header line: the input is empty"},
	}, {
		name:   "blank lines only",
		input:  []byte("\r\n\n\n"),
		m:      nameSite,
		wantIs: []error{ErrNoHeader},
		want:   errFields{Msg: "accounts.csv: no header line: the input has only blank lines"},
	}, {
		name:   "header without names",
		input:  []byte("\n , ,\nAcme,acme.com,x\n"),
		m:      nameSite,
		wantIs: []error{ErrNoHeader},
		want:   errFields{Msg: "accounts.csv:2: no header line: the first line has no column names", Line: 2},
	}, {
		name:   "missing column",
		input:  []byte("name,url,id\nAcme,acme.com,1\n"),
		m:      Mapping{Name: "Name", Website: "Web"},
		wantIs: []error{ErrMissingColumn},
		want: errFields{Msg: `accounts.csv:1 (column "Web"): Website column not found; the header has "name", "url", "id"`,
			Line: 1, Field: "Web"},
	}, {
		name:   "missing column, long header elided",
		input:  []byte("c1,c2,c3,c4,c5,c6,c7,c8,c9,c10,c11,c12,c13,c14,c15,c16,c17,c18,c19,c20,c21,c22\n"),
		m:      Mapping{Name: "c1", Website: "website"},
		wantIs: []error{ErrMissingColumn},
		want: errFields{Msg: `accounts.csv:1 (column "website"): Website column not found; the header has ` +
			`"c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11", "c12", "c13", "c14", "c15", "c16", "c17", "c18", "c19", "c20" and 2 more`,
			Line: 1, Field: "website"},
	}, {
		name:   "missing optional column",
		input:  []byte("name,website\n"),
		m:      Mapping{Name: "name", Website: "website", ID: "Account ID"},
		wantIs: []error{ErrMissingColumn},
		want:   errFields{Msg: `accounts.csv:1 (column "Account ID"): ID column not found; the header has "name", "website"`, Line: 1, Field: "Account ID"},
	}, {
		name:   "duplicate header",
		input:  []byte("name,Website, NAME \nAcme,acme.com,x\n"),
		m:      nameSite,
		wantIs: []error{ErrDuplicateHeader},
		want: errFields{Msg: `accounts.csv:1:15 (column "NAME"): duplicate column name: column 1 "name" and column 3 "NAME"`,
			Line: 1, Column: 15, Field: "NAME"},
	}, {
		name:   "mapping without a name column",
		input:  []byte("name,website\n"),
		m:      Mapping{Website: "website"},
		wantIs: []error{ErrMapping},
		want:   errFields{Msg: "accounts.csv: mapping: the Name column is not set"},
	}, {
		name:   "mapping without a website column",
		input:  []byte("name,website\n"),
		m:      Mapping{Name: "name", Website: "  "},
		wantIs: []error{ErrMapping},
		want:   errFields{Msg: "accounts.csv: mapping: the Website column is not set: a Website, OtherWebsites or RegistrationID column is required"},
	}, {
		name:   "registration id without scheme",
		input:  []byte("name,website,duns\n"),
		m:      Mapping{Name: "name", Website: "website", RegistrationID: "duns"},
		wantIs: []error{ErrMapping},
		want:   errFields{Msg: `accounts.csv: mapping: RegistrationID column "duns" has no RegistrationScheme`},
	}, {
		name:   "one column mapped twice",
		input:  []byte("name,website\n"),
		m:      Mapping{Name: "name", Website: "website", Aliases: "Website "},
		wantIs: []error{ErrMapping},
		want:   errFields{Msg: `accounts.csv: mapping: Website and Aliases are both column "Website "`},
	}, {
		name:   "unknown encoding",
		input:  []byte("name,website\n"),
		m:      nameSite,
		opts:   []Option{WithEncoding("latin9")},
		wantIs: []error{ErrOption},
		want:   errFields{Msg: `accounts.csv: encoding "latin9": want UTF-8, UTF-16LE, UTF-16BE or windows-1252`},
	}, {
		name:   "bad delimiter",
		input:  []byte("name,website\n"),
		m:      nameSite,
		opts:   []Option{WithDelimiter('"')},
		wantIs: []error{ErrOption},
		want:   errFields{Msg: `accounts.csv: delimiter '"': want a single-byte character other than a quote, space or line break`},
	}, {
		name:   "non-ASCII delimiter",
		input:  []byte("name,website\n"),
		m:      nameSite,
		opts:   []Option{WithDelimiter('§')},
		wantIs: []error{ErrOption},
		want:   errFields{Msg: `accounts.csv: delimiter '§': want a single-byte character other than a quote, space or line break`},
	}, {
		name:   "bad limits: the first is reported",
		input:  []byte("name,website\n"),
		m:      nameSite,
		opts:   []Option{WithMaxRowBytes(0), WithMaxFieldBytes(-1), WithMaxColumns(0), WithMaxRejections(-1)},
		wantIs: []error{ErrOption},
		want:   errFields{Msg: `accounts.csv: max row bytes 0: want > 0`},
	}, {
		name:   "bare quote",
		input:  []byte("name,website\nAcme,ac\"me.com\n"),
		m:      nameSite,
		wantIs: []error{ErrQuote, csv.ErrBareQuote},
		want:   errFields{Msg: `accounts.csv:2:8 (column "website"): bare " in non-quoted field`, Line: 2, Column: 8, Field: "website"},
	}, {
		name:     "text after a closing quote",
		input:    []byte("name,website\nAcme,acme.com\n\"Beta\" Inc,beta.io\n"),
		m:        nameSite,
		wantIs:   []error{ErrQuote, csv.ErrQuote},
		want:     errFields{Msg: `accounts.csv:3:6 (column "name"): extraneous or missing " in quoted field`, Line: 3, Column: 6, Field: "name"},
		wantRecs: 1,
	}, {
		name:   "text after a closing quote on a later line of the row",
		input:  []byte("name,website\n\"Acme\nCorp\"x,acme.com\n"),
		m:      nameSite,
		wantIs: []error{ErrQuote},
		want: errFields{Msg: `accounts.csv:3:5 (column "name"): extraneous or missing " in quoted field (in the row starting on line 2)`,
			Line: 3, Column: 5, Field: "name"},
	}, {
		name:   "unclosed quote",
		input:  []byte("name,website\nAcme,\"acme.com\nBeta,beta.io\n"),
		m:      nameSite,
		wantIs: []error{ErrQuote, csv.ErrQuote},
		want: errFields{Msg: `accounts.csv:2:6 (column "website"): quoted field not closed: missing " before the end of the input`,
			Line: 2, Column: 6, Field: "website"},
	}, {
		name:   "bare quote in the header",
		input:  []byte("name,web\"site\n"),
		m:      nameSite,
		wantIs: []error{ErrQuote},
		want:   errFields{Msg: `accounts.csv:1:9: bare " in non-quoted field`, Line: 1, Column: 9},
	}, {
		name:     "ragged row",
		input:    []byte("name,website\nAcme,acme.com\nBeta,beta.io,extra\n"),
		m:        nameSite,
		wantIs:   []error{ErrRaggedRow, csv.ErrFieldCount},
		want:     errFields{Msg: `accounts.csv:3: row has 3 fields, the header has 2`, Line: 3},
		wantRecs: 1,
	}, {
		name:   "short row",
		input:  []byte("name,website,city\nAcme,acme.com\n"),
		m:      nameSite,
		wantIs: []error{ErrRaggedRow},
		want:   errFields{Msg: `accounts.csv:2: row has 2 fields, the header has 3`, Line: 2},
	}, {
		name:     "invalid UTF-8 after the sniffed start",
		input:    []byte(lateLatin),
		m:        nameSite,
		wantIs:   []error{ErrEncoding},
		want:     errFields{Msg: "accounts.csv:" + strconv.Itoa(lateLatinLine) + `:4 (column "name"): invalid UTF-8 (byte 0xe9)`, Line: lateLatinLine, Column: 4, Field: "name"},
		wantRecs: rows,
	}, {
		name:   "invalid UTF-8 in the header of a forced UTF-8 file",
		input:  []byte("name,web\xffsite\n"),
		m:      nameSite,
		opts:   []Option{WithEncoding("UTF-8")},
		wantIs: []error{ErrEncoding},
		want:   errFields{Msg: `accounts.csv:1:9: invalid UTF-8 (byte 0xff)`, Line: 1, Column: 9},
	}, {
		name:   "UTF-8 truncated at the end of input",
		input:  []byte("name,website\nMüller,mueller.de\xc3"),
		m:      nameSite,
		opts:   []Option{WithEncoding("UTF-8")},
		wantIs: []error{ErrEncoding},
		want:   errFields{Msg: `accounts.csv:2:19 (column "website"): invalid UTF-8 (byte 0xc3)`, Line: 2, Column: 19, Field: "website"},
	}, {
		name:   "UTF-16 unpaired surrogate",
		input:  append(utf16Bytes("name\twebsite\r\nAcme\t", false, true), 0x00, 0xD8, 'a', 0, '\n', 0),
		m:      nameSite,
		wantIs: []error{ErrEncoding},
		want:   errFields{Msg: `accounts.csv:2:6 (column "website"): text that is not valid UTF-16LE`, Line: 2, Column: 6, Field: "website"},
	}, {
		name:   "byte undefined in Windows-1252",
		input:  []byte("name;website\nCaf\xe9;caf\x81.fr\n"),
		m:      nameSite,
		wantIs: []error{ErrEncoding},
		want:   errFields{Msg: `accounts.csv:2:10 (column "website"): text that is not valid windows-1252`, Line: 2, Column: 10, Field: "website"},
	}, {
		name:     "row too large",
		input:    []byte("name,website,notes\nAcme,acme.com,short\nBeta,beta.io," + strings.Repeat("x", 100) + "\n"),
		m:        nameSite,
		opts:     []Option{WithMaxRowBytes(100)},
		wantIs:   []error{ErrTooLarge},
		want:     errFields{Msg: `accounts.csv:3: row is larger than 100 bytes`, Line: 3},
		wantRecs: 1,
	}, {
		name:   "row too large: unbalanced quote",
		input:  []byte("name,website,notes\nAcme,acme.com,\"open\n" + strings.Repeat("Beta,beta.io,x\n", 10)),
		m:      nameSite,
		opts:   []Option{WithMaxRowBytes(100)},
		wantIs: []error{ErrTooLarge},
		want: errFields{Msg: `accounts.csv:2: row is larger than 100 bytes (a quote opened on this line is still open on line 8: unbalanced quotes?)`,
			Line: 2},
	}, {
		name:   "row too large: quote opened on a later line",
		input:  []byte("name,website,notes\nAcme,\"two\nlines\",\"open\n" + strings.Repeat("Beta,beta.io,x\n", 10)),
		m:      nameSite,
		opts:   []Option{WithMaxRowBytes(100), WithName("other.csv"), WithName("accounts.csv")},
		wantIs: []error{ErrTooLarge},
		want: errFields{Msg: `accounts.csv:2: row is larger than 100 bytes (a quote opened on line 3 is still open on line 9: unbalanced quotes?)`,
			Line: 2},
	}, {
		name:   "row too large: delimiters",
		input:  []byte("name,website\n" + strings.Repeat(",", 200)),
		m:      nameSite,
		opts:   []Option{WithMaxRowBytes(100)},
		wantIs: []error{ErrTooLarge},
		want:   errFields{Msg: `accounts.csv:2: row is larger than 100 bytes`, Line: 2},
	}, {
		name:     "field too large",
		input:    []byte("name,website,notes\nAcme,acme.com,short\nBeta,\"beta.io is the site\",x\n"),
		m:        nameSite,
		opts:     []Option{WithMaxFieldBytes(10)},
		wantIs:   []error{ErrTooLarge},
		want:     errFields{Msg: `accounts.csv:3:6 (column "website"): field is larger than 10 bytes`, Line: 3, Column: 6, Field: "website"},
		wantRecs: 1,
	}, {
		name:   "field too large in the header",
		input:  []byte("name,website,a very long column name\n"),
		m:      nameSite,
		opts:   []Option{WithMaxFieldBytes(10)},
		wantIs: []error{ErrTooLarge},
		want:   errFields{Msg: `accounts.csv:1:14: field is larger than 10 bytes`, Line: 1, Column: 14},
	}, {
		name:   "too many columns",
		input:  []byte("name,website,a,b\n"),
		m:      nameSite,
		opts:   []Option{WithMaxColumns(3)},
		wantIs: []error{ErrTooLarge},
		want:   errFields{Msg: `accounts.csv:1: row has more than 3 columns`, Line: 1},
	}, {
		name:   "sep= line shifts line numbers",
		input:  []byte("sep=,\nname,website\nAcme,\"acme\"x\n"),
		m:      nameSite,
		wantIs: []error{ErrQuote},
		want:   errFields{Msg: `accounts.csv:3:11 (column "website"): extraneous or missing " in quoted field`, Line: 3, Column: 11, Field: "website"},
	}, {
		name:   "option error named by a later WithName",
		input:  []byte("name,website\n"),
		m:      nameSite,
		opts:   []Option{WithEncoding("utf-7"), WithName("late.csv")},
		wantIs: []error{ErrOption},
		want:   errFields{Msg: `late.csv: encoding "utf-7": want UTF-8, UTF-16LE, UTF-16BE or windows-1252`},
	}, {
		name:   "BOM of another encoding than the forced one",
		input:  []byte("\xEF\xBB\xBFname,website\n"),
		m:      nameSite,
		opts:   []Option{WithEncoding("windows-1252")},
		wantIs: []error{ErrMissingColumn},
		want:   errFields{Msg: `accounts.csv:1 (column "name"): Name column not found; the header has "ï»¿name", "website"`, Line: 1, Field: "name"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, recs, err := readAll(t, tt.input, tt.m, append([]Option{WithName("accounts.csv")}, tt.opts...)...)
			checkError(t, err, tt.wantIs, tt.want)
			if len(recs) != tt.wantRecs {
				t.Errorf("%d records before the error, want %d", len(recs), tt.wantRecs)
			}
		})
	}
}

func checkError(t *testing.T, err error, wantIs []error, want errFields) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want an *Error", err, err)
	}
	got := errFields{Msg: e.Error(), Line: e.Line, Column: e.Column, Field: e.Field}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
	for _, target := range wantIs {
		if !errors.Is(err, target) {
			t.Errorf("errors.Is(%v, %v) = false", err, target)
		}
	}
}

func TestErrorFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		e    Error
		want string
	}{
		{Error{Msg: "m"}, "m"},
		{Error{File: "f.csv", Msg: "m"}, "f.csv: m"},
		{Error{Line: 3, Msg: "m"}, "line 3: m"},
		{Error{Line: 3, Column: 4, Field: "Web", Msg: "m"}, `line 3:4 (column "Web"): m`},
		{Error{Field: "Web", Msg: "m"}, `(column "Web"): m`},
		{Error{File: "f.csv", Line: 3, Column: 4, Field: "Web", Msg: "m"}, `f.csv:3:4 (column "Web"): m`},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.e, got, tt.want)
		}
	}
	if errs := (&Error{}).Unwrap(); len(errs) != 0 {
		t.Errorf("Unwrap of an empty Error: %v", errs)
	}
}

// failingReader returns data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestIOErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")

	// During sniffing.
	_, err := NewReader(&failingReader{data: []byte("name,web"), err: boom}, nameSite, WithName("a.csv"))
	checkError(t, err, []error{boom}, errFields{Msg: "a.csv: read: boom"})
	_, err = Preview(&failingReader{data: []byte("name,web"), err: boom}, 1)
	checkError(t, err, []error{boom}, errFields{Msg: "read: boom"})
	// Sniffing the decoded text of UTF-16, after the raw bytes were sniffed.
	_, err = NewReader(&failingReader{data: utf16Bytes("name,website\n"+strings.Repeat("Acme,acme.com\n", 3000), false, true), err: boom}, nameSite)
	checkError(t, err, []error{boom}, errFields{Msg: "read: boom"})

	// After the sniffed start: rows before the failure are returned first.
	var b bytes.Buffer
	b.WriteString("name,website\n")
	n := 0
	for b.Len() < 3*sniffBytes {
		b.WriteString("Acme,acme.com\n")
		n++
	}
	r, err := NewReader(&failingReader{data: b.Bytes(), err: boom}, nameSite)
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for {
		_, err = r.Next()
		if err != nil {
			break
		}
		got++
	}
	checkError(t, err, []error{boom}, errFields{Msg: "read: boom"})
	if got != n {
		t.Errorf("%d records before the error, want %d", got, n)
	}

	// A reader that returns data and io.EOF together.
	r, err = NewReader(iotest.DataErrReader(strings.NewReader("name,website\nAcme,acme.com")), nameSite)
	if err != nil {
		t.Fatal(err)
	}
	if rec, err := r.Next(); err != nil || rec.Name != "Acme" {
		t.Errorf("Next = %v, %v", rec, err)
	}
}

// endless repeats a pattern forever: input larger than any buffer.
type endless struct {
	prefix  string
	pattern string
	off     int
}

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	if e.prefix != "" {
		n = copy(p, e.prefix)
		e.prefix = e.prefix[n:]
	}
	for n < len(p) {
		c := copy(p[n:], e.pattern[e.off:])
		n += c
		e.off = (e.off + c) % len(e.pattern)
	}
	return n, nil
}

// TestBoundedMemory feeds endless input with no row boundary: reading must
// stop with ErrTooLarge after about the limit, not buffer the input.
func TestBoundedMemory(t *testing.T) {
	t.Parallel()
	const slack = 3 * sniffBytes // the sniffing buffers and the parser's
	tests := []struct {
		name    string
		in      *endless
		opts    []Option
		limit   int
		wantIs  error
		wantMsg string
	}{
		{"no line break at all", &endless{pattern: "abcdefgh"}, nil, DefaultMaxFieldBytes, ErrTooLarge,
			"line 1:1: field is larger than 65536 bytes"},
		{"no line break, large fields allowed", &endless{pattern: "abcdefgh"}, []Option{WithMaxFieldBytes(1 << 30)}, DefaultMaxRowBytes, ErrTooLarge,
			"line 1: row is larger than 1048576 bytes"},
		{"endless header fields", &endless{pattern: "a,"}, nil, DefaultMaxColumns * 2, ErrTooLarge,
			"line 1: row has more than 10000 columns"},
		{"endless quoted field", &endless{prefix: "name,website\nAcme,\"", pattern: "x\n"}, []Option{WithMaxFieldBytes(1 << 30)}, DefaultMaxRowBytes, ErrTooLarge,
			"line 2: row is larger than 1048576 bytes (a quote opened on this line is still open on line 524287: unbalanced quotes?)"},
		{"endless field", &endless{prefix: "name,website\nAcme,", pattern: "x"}, nil, DefaultMaxFieldBytes, ErrTooLarge,
			`line 2:6 (column "website"): field is larger than 65536 bytes`},
		{"endless UTF-16 field", &endless{prefix: utf16LE("name,website\n"), pattern: "x\x00"}, nil, 2 * DefaultMaxFieldBytes, ErrTooLarge,
			`line 2:1 (column "name"): field is larger than 65536 bytes`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := &countReader{r: tt.in}
			r, err := NewReader(in, Mapping{Name: "name", Website: "website"}, tt.opts...)
			if err == nil {
				_, err = r.Next()
			}
			n := in.n
			if !errors.Is(err, tt.wantIs) || err.Error() != tt.wantMsg {
				t.Errorf("error %q, want %q", err, tt.wantMsg)
			}
			if n > int64(tt.limit+slack) {
				t.Errorf("read %d bytes, want at most %d", n, tt.limit+slack)
			}
		})
	}
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func utf16LE(s string) string { return string(utf16Bytes(s, false, true)) }

// TestGuard drives the guard directly, one byte per read as well as whole,
// to reach every limit from every kind of byte and runes split across reads.
func TestGuard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		strict   bool
		maxField int
		maxRow   int
		want     string // error message; "" for none
	}{
		{"split runes", "a,ü😀\n\"東\n京\"\n", true, 100, 100, ""},
		{"invalid continuation", "ab\xc3(\n", true, 100, 100, "line 1:3: invalid UTF-8 (byte 0xc3)"},
		{"literal U+FFFD in UTF-8", "a\uFFFDb\n", true, 100, 100, ""},
		{"U+FFFD from a decoder", "a\uFFFDb\n", false, 100, 100, "line 1:2: text that is not valid test-encoding"},
		{"quote over the field limit", "abc\"", true, 3, 100, "line 1:1: field is larger than 3 bytes"},
		{"delimiter in quotes over the field limit", "\"ab,", true, 3, 100, "line 1:1: field is larger than 3 bytes"},
		{"line break in quotes over the field limit", "\"ab\n", true, 3, 100, "line 1:1: field is larger than 3 bytes"},
		{"rune over the field limit", "abü", true, 3, 100, "line 1:1: field is larger than 3 bytes"},
		{"delimiter over the row limit", "ab,cd,", true, 100, 5, "line 1: row is larger than 5 bytes"},
		{"second field over the field limit", "a,bcde", true, 3, 100, "line 1:3: field is larger than 3 bytes"},
		{"row limit on a later row", "abc\nabcdef", true, 100, 5, "line 2: row is larger than 5 bytes"},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			var src io.Reader = strings.NewReader(tt.in)
			if oneByte {
				src = iotest.OneByteReader(src)
			}
			cfg := newConfig([]Option{WithMaxFieldBytes(tt.maxField), WithMaxRowBytes(tt.maxRow)})
			g := newGuard(src, ',', 1, false, tt.strict, "test-encoding", &cfg)
			out, err := io.ReadAll(g)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("%s (one byte per read: %v): error %q, want %q", tt.name, oneByte, got, tt.want)
			}
			if err == nil && string(out) != tt.in {
				t.Errorf("%s: passed %q, want %q", tt.name, out, tt.in)
			}
			if err != nil {
				if n, err2 := g.Read(make([]byte, 10)); n != 0 || err2 != err {
					t.Errorf("%s: read after the error: %d, %v", tt.name, n, err2)
				}
			}
		}
	}
}

func TestCauseText(t *testing.T) {
	t.Parallel()
	if got := causeText(nil); got != "no usable value" {
		t.Errorf("causeText(nil) = %q", got)
	}
	if got := causeText(errors.New("odd")); got != "odd" {
		t.Errorf("causeText(odd) = %q", got)
	}
}

func TestSepLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		want  rune
		wantN int
	}{
		{"sep=;\nname", ';', 6},
		{"SEP=|\r\nname", '|', 7},
		{"sep=\t\rname", '\t', 6},
		{"sep=,", ',', 5},
		{"sep=;x\n", 0, 0},
		{"sep=\"\n", 0, 0},
		{"sep=", 0, 0},
		{"name,website", 0, 0},
	}
	for _, tt := range tests {
		if d, n := sepLine([]byte(tt.in)); d != tt.want || n != tt.wantN {
			t.Errorf("sepLine(%q) = %q, %d; want %q, %d", tt.in, d, n, tt.want, tt.wantN)
		}
	}
}
