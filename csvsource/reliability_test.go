package csvsource

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/acctmap/acctmap/normalize"
)

// rowGenerator yields header once, then row times times, without holding
// the input in memory; n counts the bytes it gave.
type rowGenerator struct {
	header string
	row    string
	times  int
	off    int
	n      atomic.Int64
}

func (g *rowGenerator) Read(p []byte) (int, error) {
	n := 0
	if g.header != "" {
		n = copy(p, g.header)
		g.header = g.header[n:]
	}
	for n < len(p) && g.times > 0 {
		c := copy(p[n:], g.row[g.off:])
		n += c
		if g.off += c; g.off == len(g.row) {
			g.off = 0
			g.times--
		}
	}
	g.n.Add(int64(n))
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// TestCancelKeylessRows is item 5 of issue 19: a file of 5M keyless rows
// cancelled at 50 ms must stop within about 200 ms with context.Canceled,
// not read to its end; so must runs of blank rows and empty lines, in
// NextContext, PreviewContext and NewReaderContext.
//
// What the reader consumes after the context ends is bounded exactly (the
// rows to the next check and its buffers); the time it takes is checked
// too, with two retries, since on a loaded machine a wall-clock bound
// alone is a test of the scheduler.
func TestCancelKeylessRows(t *testing.T) {
	t.Parallel()
	const rows = 5_000_000
	tests := []struct {
		name    string
		gen     func() *rowGenerator
		call    func(context.Context, io.Reader) error
		timeout bool // a deadline instead of a cancel
	}{
		{"NextContext, rows of ,n/a", func() *rowGenerator { return &rowGenerator{header: "name,website\n", row: ",n/a\n", times: rows} },
			nextAll, false},
		{"NextContext, deadline", func() *rowGenerator { return &rowGenerator{header: "name,website\n", row: ",n/a\n", times: rows} },
			nextAll, true},
		{"NextContext, blank rows", func() *rowGenerator { return &rowGenerator{header: "name,website\n", row: " , \n", times: rows} },
			nextAll, false},
		{"NextContext, empty lines", func() *rowGenerator { return &rowGenerator{header: "name,website\n", row: "\n", times: 20 * rows} },
			nextAll, false},
		{"PreviewContext, blank rows", func() *rowGenerator { return &rowGenerator{header: "name,website\n", row: ",\n", times: rows} },
			func(ctx context.Context, r io.Reader) error {
				_, err := PreviewContext(ctx, r, 5)
				return err
			}, false},
		{"NewReaderContext, empty lines before the header", func() *rowGenerator { return &rowGenerator{row: "\n", times: 20 * rows} },
			func(ctx context.Context, r io.Reader) error {
				_, err := NewReaderContext(ctx, r, nameSite)
				return err
			}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lates []time.Duration
			for range 3 {
				late := cancelOnce(t, tt.gen(), tt.call, tt.timeout)
				if late <= 200*time.Millisecond {
					return
				}
				lates = append(lates, late)
			}
			t.Errorf("returned %v after the context ended, want at most 200ms", lates)
		})
	}
}

// cancelOnce reads gen with call under a context that ends after 50 ms,
// checks the error and what was read after the end, and returns how long
// call took to return after it.
func cancelOnce(t *testing.T, gen *rowGenerator, call func(context.Context, io.Reader) error, timeout bool) time.Duration {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if timeout {
		ctx, cancel = context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
	} else {
		time.AfterFunc(50*time.Millisecond, cancel)
	}
	var readAtEnd atomic.Int64
	var endedAt atomic.Int64
	context.AfterFunc(ctx, func() {
		readAtEnd.Store(gen.n.Load())
		endedAt.Store(time.Now().UnixNano())
	})
	err := call(ctx, gen)
	returned := time.Now()
	want := context.Canceled
	if timeout {
		want = context.DeadlineExceeded
	}
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
	var e *Error
	if !errors.As(err, &e) || e.Kind != nil || errors.Is(err, ErrNotCSV) {
		t.Errorf("error %#v: want an *Error with no sentinel (the input is not at fault)", err)
	}
	for endedAt.Load() == 0 { // AfterFunc runs in its own goroutine
		time.Sleep(time.Millisecond)
	}
	// Up to the next check, plus what the buffers read ahead.
	if after, max := gen.n.Load()-readAtEnd.Load(), int64(1024*len(gen.row)+3*sniffBytes); after > max {
		t.Errorf("read %d bytes after the context ended, want at most %d", after, max)
	}
	return returned.Sub(time.Unix(0, endedAt.Load()))
}

// nextAll calls NextContext until it fails.
func nextAll(ctx context.Context, in io.Reader) error {
	r, err := NewReaderContext(ctx, in, nameSite, WithMaxRejections(1))
	if err != nil {
		return err
	}
	for {
		if _, err := r.NextContext(ctx); err != nil {
			return err
		}
	}
}

// TestCancelThenResume: a reader stopped by its context goes on with
// another, without losing or repeating a row; input errors stay sticky.
func TestCancelThenResume(t *testing.T) {
	t.Parallel()
	in := &rowGenerator{header: "name,website\n", row: "Acme,acme.com\n,n/a\n", times: 5000}
	r, err := NewReader(in, nameSite)
	if err != nil {
		t.Fatal(err)
	}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.NextContext(done); !errors.Is(err, context.Canceled) {
		t.Fatalf("NextContext(cancelled) = %v", err)
	}
	n := 0
	for {
		_, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if s := r.Summary(); n != 5000 || s.Rows != 10000 || s.Rejected != 5000 {
		t.Errorf("%d records, summary %+v", n, s)
	}
	//lint:ignore SA1012 a nil context is what this checks
	if _, err := r.NextContext(nil); !errors.Is(err, ErrOption) { //nolint:staticcheck
		t.Errorf("NextContext(nil) = %v, want ErrOption", err)
	}
	//lint:ignore SA1012 a nil context is what this checks
	if _, err := NewReaderContext(nil, strings.NewReader("name,website\n"), nameSite); !errors.Is(err, ErrOption) { //nolint:staticcheck
		t.Errorf("NewReaderContext(nil) = %v, want ErrOption", err)
	}
}

// TestBoundedErrorText is item 6 of issue 19: no error message, Reason or
// Value repeats more than a bounded prefix of a value, however large.
func TestBoundedErrorText(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 1<<20)
	bigName := strings.Repeat("Ü", 30000) // 60 KB, under the field limit
	nuls := strings.Repeat("\x00", 8<<10)
	// Enough good rows first that the NULs are not in the sniffed start
	// (which would make the file binary data: see TestNotCSV).
	var good strings.Builder
	for good.Len() < sniffBytes+1000 {
		good.WriteString("Acme,acme.com\n")
	}
	large := []Option{WithMaxFieldBytes(2 << 20), WithMaxRowBytes(4 << 20)}
	type result struct {
		err  error
		sum  Summary
		recs int
	}
	read := func(input string, m Mapping, opts ...Option) result {
		r, recs, err := readAll(t, []byte(input), m, opts...)
		var s Summary
		if r != nil {
			s = r.Summary()
		}
		return result{err, s, len(recs)}
	}
	tests := []struct {
		name string
		res  result
	}{
		{"1 MB website, rejected", read("name,website\n,"+big+"\n", nameSite, large...)},
		{"1 MB website, warned", read("name,website\nAcme,"+big+"\n", nameSite, large...)},
		{"1 MB name", read("name,website\n"+big+",n/a\n", nameSite, large...)},
		{"1 MB aliases", read("name,website,aliases\n,,"+big+"\n", Mapping{Name: "name", Website: "website", Aliases: "aliases"}, large...)},
		{"1 MB DUNS", read("name,duns\nAcme,"+big+"\n", Mapping{Name: "name", RegistrationID: "duns", RegistrationScheme: "duns"}, large...)},
		{"1 MB other name and website", read("name,website,legal,ir\n,,"+big+","+big+"\n",
			Mapping{Name: "name", Website: "website", OtherNames: []string{"legal"}, OtherWebsites: []string{"ir"}}, large...)},
		{"1 MB literal quote", read("name,website\nAcme,acme.com\""+big+"\n", nameSite, append(large, WithLenientQuotes())...)},
		{"8 KB of NULs in a website", read("name,website\n"+good.String()+","+nuls+"\nBeta,"+nuls+"\n", nameSite)},
		{"8 KB of NULs, the whole file", read(nuls, nameSite)},
		{"60 KB header name, missing column", read(bigName+","+bigName+"x\n", nameSite)},
		{"60 KB header names, duplicate", read(bigName+",website,"+bigName+"\n", nameSite)},
		{"many long header names", read(strings.Repeat(strings.Repeat("h", 3000)+",", 300)+"z\n", nameSite)},
		{"1 MB column name in the mapping", read("name,website\n", Mapping{Name: big, Website: "website"})},
		{"1 MB registration id column", read("name,website\n", Mapping{Name: "name", Website: "website", RegistrationID: big})},
		{"1 MB field over the limit", read("name,website\nAcme,"+big+"\n", nameSite)},
		{"1 MB bare quote", read("name,website\nAcme,"+big+"\"x\n", nameSite, large...)},
		{"1 MB column name of a field error", read(bigName+",name,website\n\"x\"y,a,b\n", nameSite)},
		{"huge I/O error", result{err: func() error {
			_, err := NewReader(&failingReader{err: errors.New(big)}, nameSite)
			return err
		}()}},
	}
	for _, tt := range tests {
		all := append(append([]Rejection(nil), tt.res.sum.Rejections...), tt.res.sum.Warnings...)
		if tt.res.err == nil && len(all) == 0 {
			t.Errorf("%s: no error, no rejection, no warning: the test tests nothing", tt.name)
		}
		if tt.res.err != nil && len(tt.res.err.Error()) >= 1024 {
			t.Errorf("%s: error of %d bytes: %.200s…", tt.name, len(tt.res.err.Error()), tt.res.err)
		}
		for _, rj := range all {
			if len(rj.Reason) >= 1024 || len(rj.Value) > maxQuoted+len("…") || len(rj.String()) >= 1024 {
				t.Errorf("%s: rejection with a %d-byte reason and a %d-byte value: %.200s…", tt.name, len(rj.Reason), len(rj.Value), rj.Reason)
			}
			if !utf8.ValidString(rj.Reason) || !utf8.ValidString(rj.Value) {
				t.Errorf("%s: invalid UTF-8 in %q / %q", tt.name, rj.Reason, rj.Value)
			}
			if rj.Err != nil && len(rj.Err.Error()) >= 1024 {
				t.Errorf("%s: rejection cause of %d bytes", tt.name, len(rj.Err.Error()))
			}
		}
	}
	if got := quote(strings.Repeat("é", 100)); got != `"`+strings.Repeat("é", 24)+`"…` {
		t.Errorf("quote cuts at %q", got)
	}
	if got := clip("ab" + strings.Repeat("😀", 20)); got != "ab"+strings.Repeat("😀", 11)+"…" {
		t.Errorf("clip cuts at %q", got)
	}
}

// zipFile builds a real zip archive with archive/zip.
func zipFile(t *testing.T, names ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, n := range names {
		f, err := w.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(strings.Repeat("<x>data of "+n+"</x>\n", 50)))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestNotCSV is item 7 of issue 19: files that are not CSV text are named,
// with what to do, before any parsing; UTF-16 without a byte order mark is
// recognized by its zero bytes and read.
func TestNotCSV(t *testing.T) {
	t.Parallel()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("name,website\nAcme,acme.com\n"))
	zw.Close()
	xlsx := zipFile(t, "[Content_Types].xml", "_rels/.rels", "docProps/app.xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/styles.xml")
	// A workbook whose first entries fill more than the sniffed 64 KiB:
	// the central directory is out of reach, the content types are not.
	var bigXLSX bytes.Buffer
	{
		w := zip.NewWriter(&bigXLSX)
		f, _ := w.CreateHeader(&zip.FileHeader{Name: "[Content_Types].xml", Method: zip.Store})
		f.Write(bytes.Repeat([]byte("<Types/>"), 20000))
		f, _ = w.Create("xl/workbook.xml")
		f.Write([]byte("<workbook/>"))
		w.Close()
	}
	// An OpenDocument file starts with its media type, stored uncompressed.
	var ods bytes.Buffer
	{
		w := zip.NewWriter(&ods)
		f, _ := w.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
		f.Write([]byte("application/vnd.oasis.opendocument.spreadsheet"))
		f, _ = w.Create("content.xml")
		f.Write([]byte("<office:document-content/>"))
		w.Close()
	}
	ole2 := append([]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), bytes.Repeat([]byte{0, 1, 2, 0xff}, 2000)...)
	tests := []struct {
		name  string
		input []byte
		want  string // in the message
	}{
		{"gzip", gz.Bytes(), "this is a gzip-compressed file (.gz): decompress it"},
		{"xlsx", xlsx, "this is an Excel workbook (.xlsx): save it as CSV"},
		{"xlsx larger than the sniffed start", bigXLSX.Bytes(), "this is an Office document (such as an Excel workbook, .xlsx): save it as CSV"},
		{"docx", zipFile(t, "[Content_Types].xml", "word/document.xml"), "this is a Word document (.docx)"},
		{"ods", ods.Bytes(), "this is an OpenDocument spreadsheet (.ods)"},
		{"zip of a CSV", zipFile(t, "accounts.csv"), "this is a zip archive: extract the CSV file from it"},
		{"empty zip", zipFile(t), "this is a zip archive"},
		{"xls", ole2, "this is a legacy Microsoft Office file (an Excel 97-2003 workbook, .xls)"},
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"), "this is a PDF document"},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "this is a PNG image"},
		{"HTML saved as .xls", []byte("\xef\xbb\xbf <!DOCTYPE html><html><table><tr><td>name</td></tr></table></html>"), "this is an HTML page"},
		{"NULs", bytes.Repeat([]byte{0}, 8<<10), "this is binary data, not text: 8192 of its first 8192 bytes are NUL"},
		{"random binary", bytes.Repeat([]byte{0x13, 0, 0x80, 0, 0, 0xfe, 7, 0}, 500), "this is binary data"},
		{"UTF-16 forced as UTF-8", utf16Bytes("name,website\nAcme,acme.com\n", false, false), "looks like UTF-16LE, read as UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var opts []Option
			if strings.Contains(tt.name, "forced") {
				opts = append(opts, WithEncoding("utf-8"))
			}
			_, err := NewReader(bytes.NewReader(tt.input), nameSite, append(opts, WithName("upload.csv"))...)
			var e *Error
			if !errors.Is(err, ErrNotCSV) || !errors.As(err, &e) || !strings.Contains(err.Error(), tt.want) ||
				!strings.HasPrefix(err.Error(), "upload.csv: not a CSV file: ") || len(err.Error()) > 400 {
				t.Errorf("NewReader: %v; want ErrNotCSV saying %q", err, tt.want)
			}
			if _, err := Preview(bytes.NewReader(tt.input), 3, opts...); !errors.Is(err, ErrNotCSV) {
				t.Errorf("Preview: %v; want ErrNotCSV", err)
			}
		})
	}

	// UTF-16 without a byte order mark, whose first character is not
	// ASCII: recognized by where its zero bytes are.
	const text = "名前,website\r\n株式会社トヨタ,toyota.co.jp\r\nÜberall GmbH,ueberall.de\r\n"
	for _, bigEndian := range []bool{false, true} {
		_, recs, err := readAll(t, utf16Bytes(text, bigEndian, false), Mapping{Name: "名前", Website: "website"})
		if err != nil || len(recs) != 2 || recs[0].Name != "株式会社トヨタ" || recs[1].Domains[0] != "ueberall.de" {
			t.Errorf("UTF-16 (big endian %v) without BOM: %v, %d records", bigEndian, err, len(recs))
		}
	}
	// Text that merely holds a NUL or two is still text, even in a small
	// file.
	for _, tt := range []struct {
		in   string
		recs int
	}{
		{"name,website\n" + strings.Repeat("Acme,acme.com\n", 10) + "Be\x00ta,beta.io\n", 11},
		{"name,website\nAc\x00me\x1b[31m\x07,acme.com\n", 1},
		{"name,website\n\x00,\x00\nAcme,acme.com\n", 1}, // the NUL row gives no key
		{"n\x00,website\nAcme,acme.com\n", 1},
	} {
		_, recs, err := readAll(t, []byte(tt.in), Mapping{Name: strings.SplitN(tt.in, ",", 2)[0], Website: "website"})
		if err != nil || len(recs) != tt.recs {
			t.Errorf("%q: %v, %d records, want %d", tt.in, err, len(recs), tt.recs)
		}
	}
}

// TestUTF16Decoder checks the decoder's edge cases against the guard:
// surrogate pairs split across reads, unpaired surrogates, an odd byte.
func TestUTF16Decoder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      []byte
		want    string // the text; "" if an error
		wantErr string
	}{
		{"pair", utf16Bytes("a,b\n😀,x.com\n", false, true), "😀", ""},
		{"U+FFFD is text", utf16Bytes("a,b\n\uFFFD,x.com\n", false, true), "\uFFFD", ""},
		{"lone low surrogate", append(utf16Bytes("a,b\n", false, true), 0x00, 0xDC, ',', 0, 'x', 0), "", "line 2:1 (column \"a\"): text that is not valid UTF-16LE"},
		{"high surrogate at the end", append(utf16Bytes("a,b\nx,", false, true), 0x3D, 0xD8), "", "line 2:3 (column \"b\"): text that is not valid UTF-16LE"},
		{"odd byte at the end", append(utf16Bytes("a,b\nx,y", true, true), 'z'), "", "line 2:4 (column \"b\"): text that is not valid UTF-16BE"},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			var src io.Reader = bytes.NewReader(tt.in)
			if oneByte {
				src = &oneByteReader{src}
			}
			r, err := NewReader(src, Mapping{Name: "a", Website: "b"})
			var rec *Record
			if err == nil {
				rec, err = r.Next()
			}
			switch {
			case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr || !errors.Is(err, ErrEncoding)):
				t.Errorf("%s (one byte: %v): error %v, want %q", tt.name, oneByte, err, tt.wantErr)
			case tt.wantErr == "" && (err != nil || rec.Name != tt.want):
				t.Errorf("%s (one byte: %v): %v, %v", tt.name, oneByte, rec, err)
			}
		}
	}
}

type oneByteReader struct{ r io.Reader }

func (o *oneByteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

// TestRepeatedHeader is item 8 of issue 19: two exports concatenated (the
// second with its BOM, its header in another case, quoted) never make the
// second header an account: it is a rejection naming it and its line.
func TestRepeatedHeader(t *testing.T) {
	t.Parallel()
	const bom = "\xEF\xBB\xBF"
	tests := []struct {
		name  string
		input []byte
		line  int
	}{
		{"BOM and header again", []byte(bom + "Name,Website\r\nAcme,acme.com\r\n" + bom + "Name,Website\r\nBeta,beta.io\r\n"), 3},
		{"no BOM, other case and spaces", []byte("Name,Website\nAcme,acme.com\n NAME , website\nBeta,beta.io\n"), 3},
		{"quoted header after a BOM", []byte("Name;Website\nAcme;acme.com\n\n" + bom + "\"Name\";\"Website\"\nBeta;beta.io\n"), 4},
		{"UTF-16 files concatenated", append(utf16Bytes("Name\tWebsite\r\nAcme\tacme.com\r\n", false, true),
			utf16Bytes("Name\tWebsite\r\nBeta\tbeta.io\r\n", false, true)...), 3},
	}
	for _, tt := range tests {
		r, recs, err := readAll(t, tt.input, Mapping{Name: "name", Website: "website"})
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		var names []string
		for _, rec := range recs {
			names = append(names, rec.Name)
		}
		if diff := cmp.Diff([]string{"Acme", "Beta"}, names); diff != "" {
			t.Errorf("%s: records (-want +got):\n%s", tt.name, diff)
		}
		s := r.Summary()
		want := []Rejection{{Line: tt.line, Err: ErrRepeatedHeader,
			Reason: "repeated header row: two files concatenated? (the row equals the header of line 1)"}}
		if diff := cmp.Diff(want, s.Rejections, cmpopts.EquateErrors()); diff != "" || s.Rejected != 1 || s.Rows != 3 || s.Warned != 0 {
			t.Errorf("%s: summary %+v, rejections (-want +got):\n%s", tt.name, s, diff)
		}
	}
}

// TestOtherNamesAndWebsites is the "several name and website columns" item
// of issue 12: further name and website columns feed one record's name
// keys and domains.
func TestOtherNamesAndWebsites(t *testing.T) {
	t.Parallel()
	input := "Id,Account Name,Legal Name,DBA,Website,IR Website,Regional Site,Domains\n" +
		"1,Acme,\"Acme Holdings, Inc.\",Acme,acme.com,https://investors.acme-ir.com/,www.acme.de,acme.fr; acme.com\n" +
		"2,,Beta Corporation,,,,,\n" + // a legal name only: its key is the NameKey
		"3,Gamma,GAMMA INC,Gamma,,facebook.com/gamma,gamma.io,\n" + // a platform page in an other website: a warning
		"4,---,???,,,n/a,jane@gmail.com,\n" + // nothing gives a key
		"5,Delta,Delta Group,Delta Group,delta.com,delta.com,delta.com,\n" // repeats removed
	m := Mapping{ID: "Id", Name: "Account Name", Website: "Website", Aliases: "Domains",
		OtherNames: []string{"Legal Name", "dba"}, OtherWebsites: []string{"IR Website", " regional site "}}
	r, recs, err := readAll(t, []byte(input), m)
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		ID                  string
		OtherNames          []string
		NameKey             string
		NameKeys, Domains   []string
		Fields              []string
		WebsiteErr          bool
		OtherNamesAliasName bool
	}
	var gots []got
	for _, rec := range recs {
		gots = append(gots, got{ID: rec.ID, OtherNames: rec.OtherNames, NameKey: rec.NameKey, NameKeys: rec.NameKeys,
			Domains: rec.Domains, Fields: rec.Fields, WebsiteErr: rec.WebsiteErr != nil})
	}
	n := normalize.New()
	want := []got{
		{ID: "1", OtherNames: []string{"Acme Holdings, Inc."}, NameKey: "acme", NameKeys: []string{"acme", n.CompanyName("Acme Holdings, Inc.")},
			Domains: []string{"acme.com", "acme-ir.com", "acme.de", "acme.fr"}},
		{ID: "2", OtherNames: []string{"Beta Corporation"}, NameKey: n.CompanyName("Beta Corporation"), NameKeys: []string{n.CompanyName("Beta Corporation")}},
		{ID: "3", OtherNames: []string{"GAMMA INC"}, NameKey: "gamma", NameKeys: []string{"gamma"}, Domains: []string{"gamma.io"}},
		{ID: "5", OtherNames: []string{"Delta Group"}, NameKey: "delta", NameKeys: []string{"delta", n.CompanyName("Delta Group")}, Domains: []string{"delta.com"}},
	}
	if diff := cmp.Diff(want, gots, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Id", "Account Name", "Legal Name", "DBA", "Website", "IR Website", "Regional Site", "Domains"}, r.Header()); diff != "" {
		t.Errorf("header: %s", diff)
	}
	if len(r.FieldNames()) != 0 {
		t.Errorf("field names %q: every column is mapped", r.FieldNames())
	}
	s := r.Summary()
	wantSum := Summary{Rows: 5, Accepted: 4, Rejected: 1, NoDomain: 1, Warned: 1,
		Rejections: []Rejection{{Line: 5, Column: 6, Field: "IR Website", Value: "n/a", Err: normalize.ErrNoDomain,
			Reason: `company name "---" gives no name key and Legal Name "???" gives no name key and no website and ` +
				`IR Website "n/a": no company domain and Regional Site "jane@gmail.com": generic domain shared by unrelated companies`}},
		Warnings: []Rejection{{Line: 4, Column: 6, Field: "IR Website", Value: "facebook.com/gamma", Err: normalize.ErrPlatformPage,
			Reason: `IR Website "facebook.com/gamma": page on a platform, not a company's own site`}},
	}
	if diff := cmp.Diff(wantSum, s, cmpopts.EquateErrors()); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}

	// Mapping errors.
	header := []byte("Name,Website,Legal,IR\n")
	for _, tt := range []struct {
		m      Mapping
		wantIs error
		msg    string
	}{
		{Mapping{Name: "Name", Website: "Website", OtherNames: []string{"Short Name"}}, ErrMissingColumn,
			`line 1 (column "Short Name"): OtherNames column not found; the header has "Name", "Website", "Legal", "IR"`},
		{Mapping{Name: "Name", Website: "Website", OtherWebsites: []string{"IR", "Regional"}}, ErrMissingColumn,
			`line 1 (column "Regional"): OtherWebsites column not found; the header has "Name", "Website", "Legal", "IR"`},
		{Mapping{Name: "Name", Website: "Website", OtherNames: []string{"legal", "LEGAL"}}, ErrMapping, `mapping: OtherNames lists column "LEGAL" twice`},
		{Mapping{Name: "Name", Website: "Website", OtherNames: []string{"name"}}, ErrMapping, `mapping: Name and OtherNames are both column "name"`},
		{Mapping{Name: "Name", Website: "Website", OtherNames: []string{"Legal"}, OtherWebsites: []string{"legal"}}, ErrMapping,
			`mapping: OtherNames and OtherWebsites are both column "legal"`},
		{Mapping{Name: "Name", Website: "Website", OtherWebsites: []string{"Website"}}, ErrMapping, `mapping: Website and OtherWebsites are both column "Website"`},
		{Mapping{Name: "Name", Website: "Website", OtherNames: []string{"Legal", " "}}, ErrMapping, `mapping: OtherNames entry 2 is empty`},
		{Mapping{Name: "Name", OtherWebsites: []string{"IR"}}, nil, ""}, // other websites alone are enough
	} {
		_, err := NewReader(bytes.NewReader(header), tt.m)
		if tt.wantIs == nil {
			if err != nil {
				t.Errorf("%+v: %v", tt.m, err)
			}
			continue
		}
		if !errors.Is(err, tt.wantIs) || err.Error() != tt.msg {
			t.Errorf("%+v: error %v, want %v %q", tt.m, err, tt.wantIs, tt.msg)
		}
	}

	// Preview suggests them where the header is plain.
	sample, err := Preview(strings.NewReader("Account Name,Legal Name,DBA,Website,Investor Relations Website,Notes\n"), 0)
	if err != nil {
		t.Fatal(err)
	}
	wantMap := Mapping{Name: "Account Name", Website: "Website", OtherNames: []string{"Legal Name", "DBA"}, OtherWebsites: []string{"Investor Relations Website"}}
	if diff := cmp.Diff(wantMap, sample.Suggested); diff != "" {
		t.Errorf("suggested (-want +got):\n%s", diff)
	}
}

// TestDUNSExportWithoutWebsite is the DUNS item of issue 18: a list with a
// registration id column and no website column imports.
func TestDUNSExportWithoutWebsite(t *testing.T) {
	t.Parallel()
	input := "Company,D-U-N-S Number,Country\n" +
		"Acme Corp,15-048-3782,US\n" +
		"Beta GmbH,12345678,DE\n" + // short DUNS: kept by name, warned
		",,FR\n" + // nothing: blank? no: a country; rejected
		",081466849,US\n" // an id alone is enough
	m := Mapping{Name: "Company", RegistrationID: "D-U-N-S Number", RegistrationScheme: "duns"}
	r, recs, err := readAll(t, []byte(input), m)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, rec := range recs {
		ids = append(ids, rec.NameKey+"/"+rec.RegistrationID+"/"+rec.Website)
	}
	if diff := cmp.Diff([]string{"acme/150483782/", "beta//", "/081466849/"}, ids); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	s := r.Summary()
	if s.Rejected != 1 || s.Rejections[0].Reason != "no company name" || s.Rejections[0].Field != "Company" ||
		s.Warned != 1 || s.Warnings[0].Field != "D-U-N-S Number" || !errors.Is(s.Warnings[0].Err, normalize.ErrInvalidID) {
		t.Errorf("summary %+v", s)
	}
	// Preview's suggestion for such a list is valid as it is.
	if sample, err := Preview(strings.NewReader(input), 1); err != nil {
		t.Errorf("Preview: %v", err)
	} else if _, err := NewReader(strings.NewReader(input), sample.Suggested); err != nil ||
		sample.Suggested.Name != "Company" || sample.Suggested.RegistrationID != "D-U-N-S Number" {
		t.Errorf("the suggested mapping %+v: %v", sample.Suggested, err)
	}
	_, err = NewReader(strings.NewReader(input), Mapping{Name: "Company"})
	if !errors.Is(err, ErrMapping) || !strings.Contains(err.Error(), "a Website, OtherWebsites or RegistrationID column is required") {
		t.Errorf("no website and no id: %v", err)
	}
}

// TestTypedRejections is the "typed rejections" item of issue 18: the line,
// column, header name, value and cause of every rejection and warning.
func TestTypedRejections(t *testing.T) {
	t.Parallel()
	input := "id,name,website,duns\n" +
		"1,,not a site,\n" +
		"2,Acme,facebook.com/acme,1234\n" +
		"3,12\" pipe,pipes.com,\n"
	r, _, err := readAll(t, []byte(input), Mapping{ID: "id", Name: "name", Website: "website", RegistrationID: "duns", RegistrationScheme: "duns"},
		WithLenientQuotes(), WithName("pipes.csv"))
	if err != nil {
		t.Fatal(err)
	}
	s := r.Summary()
	if len(s.Rejections) != 1 || len(s.Warnings) != 3 {
		t.Fatalf("summary %+v", s)
	}
	rej := s.Rejections[0]
	var de *normalize.DomainError
	if rej.Line != 2 || rej.Column != 3 || rej.Field != "website" || rej.Value != "not a site" || !errors.As(rej.Err, &de) ||
		de.Value != "not a site" || !errors.Is(rej.Err, normalize.ErrNoDomain) {
		t.Errorf("rejection %+v", rej)
	}
	w := s.Warnings
	if !errors.As(w[0].Err, &de) || w[0].Line != 3 || w[0].Column != 3 || w[0].Field != "website" || !errors.Is(w[0].Err, normalize.ErrPlatformPage) {
		t.Errorf("website warning %+v", w[0])
	}
	if w[1].Line != 3 || w[1].Column != 4 || w[1].Field != "duns" || w[1].Value != "1234" || !errors.Is(w[1].Err, normalize.ErrInvalidID) {
		t.Errorf("DUNS warning %+v", w[1])
	}
	var e *Error
	if w[2].Line != 4 || w[2].Column != 2 || w[2].Field != "name" || w[2].Value != `12" pipe` || !errors.As(w[2].Err, &e) ||
		e.Line != 4 || e.Column != 5 || e.Field != "name" || !errors.Is(w[2].Err, ErrQuote) ||
		e.Error() != `pipes.csv:4:5 (column "name"): bare " in non-quoted field, read as a literal quote` ||
		w[2].Reason != `name "12\" pipe": bare " at line 4, byte 5 read as a literal quote` {
		t.Errorf("quote warning %+v (%v)", w[2], w[2].Err)
	}
}
