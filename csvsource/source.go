package csvsource

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// source is what NewReader and Preview share: the input decoded, checked and
// parsed into rows, with the header read.
type source struct {
	cfg        config
	count      countingReader
	enc        string
	delim      rune
	lineOffset int // lines consumed before the parser saw any (a "sep=" line)
	guard      *guard
	rows       *rowReader
	header     []string // trimmed names
	headerLine int
	// headerQuotes holds the literal quotes of the header (WithLenientQuotes).
	headerQuotes []bareQuote
	untilCheck   int // rows to read before readRow checks its context again
}

// checkEvery is how many rows, blank and rejected ones included, readRow
// reads between two checks of its context: often enough to stop within a
// millisecond or two, rarely enough to cost nothing.
const checkEvery = 1024

// countingReader counts the bytes read from the caller's reader; the count may
// be read concurrently, for progress reporting.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// open detects the encoding and the delimiter, sets up the pipeline
// (counting → buffer → decoder → guard → encoding/csv) and reads the header.
func open(ctx context.Context, r io.Reader, cfg config) (*source, error) {
	if cfg.err != nil {
		return nil, cfg.err
	}
	s := &source{cfg: cfg}
	if ctx == nil {
		return nil, &Error{File: cfg.name, Kind: ErrOption, field: -1, Msg: "nil context"}
	}
	if err := ctx.Err(); err != nil {
		return nil, s.cancelled(err)
	}
	s.count.r = r
	raw := bufio.NewReaderSize(&s.count, sniffBytes)
	head, err := raw.Peek(sniffBytes)
	if err != nil && err != io.EOF {
		return nil, s.ioError(err)
	}
	if len(head) == 0 {
		return nil, &Error{File: cfg.name, Kind: ErrNoHeader, field: -1, Msg: "no header line: the input is empty"}
	}
	if what := notCSV(head); what != "" {
		return nil, s.notCSV(what)
	}
	bom := 0
	s.enc, bom = detectEncoding(head, err == io.EOF, cfg.encoding)
	if s.enc != UTF16LE && s.enc != UTF16BE {
		if what := binaryText(head, s.enc); what != "" {
			return nil, s.notCSV(what)
		}
	}
	raw.Discard(bom) // cannot fail: the bytes are buffered

	// text is the input as UTF-8, buffered so that its start can be sniffed.
	text := raw
	switch s.enc {
	case UTF16LE:
		text = bufio.NewReaderSize(transform.NewReader(raw, utf16Decoder{}), sniffBytes)
	case UTF16BE:
		text = bufio.NewReaderSize(transform.NewReader(raw, utf16Decoder{bigEndian: true}), sniffBytes)
	case Windows1252:
		text = bufio.NewReaderSize(transform.NewReader(raw, charmap.Windows1252.NewDecoder()), sniffBytes)
	}
	sample, err := text.Peek(sniffBytes)
	if err != nil && err != io.EOF {
		return nil, s.ioError(err)
	}

	// Excel reads and writes a first line "sep=;" naming the delimiter.
	if d, n := sepLine(sample); n > 0 {
		s.delim = d
		s.lineOffset = 1
		text.Discard(n)
		sample = sample[n:]
	}
	if cfg.delim != 0 {
		s.delim = cfg.delim
	}
	crOnly := bytes.IndexByte(sample, '\n') < 0 && bytes.IndexByte(sample, '\r') >= 0
	if s.delim == 0 {
		s.delim = detectDelimiter(sample)
	}

	// Only windows-1252's decoder writes U+FFFD for what it cannot decode;
	// utf16Decoder writes a byte invalid in UTF-8, which strict rejects.
	s.guard = newGuard(text, byte(s.delim), 1+s.lineOffset, crOnly, s.enc != Windows1252, s.enc, &cfg)
	s.guard.decoded = s.enc == UTF16LE || s.enc == UTF16BE
	// Values are trimmed anyway; trimming leading space also accepts
	// `a, "b"`. Not with tabs: the parser would then skip empty
	// tab-separated fields. The parser takes the header's length and then
	// reports every row of another length.
	trim := s.delim != '\t'
	s.rows = newRowReader(s.guard, byte(s.delim), trim)
	s.rows.crOnly = crOnly
	s.rows.lenient = cfg.lenientQuotes
	s.guard.lenient, s.guard.trimSpace = cfg.lenientQuotes, trim

	rec, err := s.rows.read()
	for err == errBlankRun {
		if cerr := ctx.Err(); cerr != nil {
			return nil, s.cancelled(cerr)
		}
		rec, err = s.rows.read()
	}
	if err == io.EOF {
		return nil, &Error{File: cfg.name, Kind: ErrNoHeader, field: -1, Msg: "no header line: the input has only blank lines"}
	}
	if err != nil {
		return nil, s.wrap(err, rec)
	}
	s.headerLine, _ = s.rows.fieldPos(0)
	s.headerLine += s.lineOffset
	s.headerQuotes = append([]bareQuote(nil), s.rows.bareQuotes...)
	s.header = make([]string, len(rec))
	named := false
	for i, h := range rec {
		s.header[i] = trimHeader(h)
		named = named || s.header[i] != ""
	}
	if !named {
		return nil, &Error{File: cfg.name, Line: s.headerLine, Kind: ErrNoHeader, field: -1, Msg: "no header line: the first line has no column names"}
	}
	seen := make(map[string]int, len(rec))
	for i, h := range s.header {
		if h == "" {
			continue // unnamed columns (Excel's trailing ones) are allowed, and cannot be mapped
		}
		k := foldKey(h)
		if j, dup := seen[k]; dup {
			_, col := s.rows.fieldPos(i)
			return nil, &Error{File: cfg.name, Line: s.headerLine, Column: col, Field: h, Kind: ErrDuplicateHeader, field: -1,
				Msg: fmt.Sprintf("duplicate column name: column %d %s and column %d %s", j+1, quote(s.header[j]), i+1, quote(h))}
		}
		seen[k] = i
	}
	return s, nil
}

// detectEncoding returns the encoding of the input starting with head, and
// the length of its byte order mark.
func detectEncoding(head []byte, atEOF bool, forced string) (string, int) {
	var enc string
	var bom int
	switch {
	case bytes.HasPrefix(head, bomUTF8):
		enc, bom = UTF8, len(bomUTF8)
	case bytes.HasPrefix(head, bomUTF16LE):
		enc, bom = UTF16LE, len(bomUTF16LE)
	case bytes.HasPrefix(head, bomUTF16BE):
		enc, bom = UTF16BE, len(bomUTF16BE)
	}
	if forced != "" {
		if forced != enc {
			bom = 0 // not a BOM of the forced encoding: it is text
		}
		return forced, bom
	}
	if enc != "" {
		return enc, bom
	}
	text := head
	if !atEOF {
		// The sample may end inside a character.
		for i := len(text) - 1; i >= 0 && i >= len(text)-utf8.UTFMax; i-- {
			if utf8.RuneStart(text[i]) {
				if !utf8.FullRune(text[i:]) {
					text = text[:i]
				}
				break
			}
		}
	}
	valid := utf8.Valid(text)
	if u := utf16Pattern(head, valid); u != "" {
		return u, 0
	}
	if valid {
		return UTF8, 0
	}
	return Windows1252, 0
}

// sepLine recognizes Excel's "sep=X" first line and returns X and the line's
// length with its line break.
func sepLine(b []byte) (rune, int) {
	const prefix = "sep="
	if len(b) < len(prefix)+1 || !strings.EqualFold(string(b[:len(prefix)]), prefix) {
		return 0, 0
	}
	d := b[len(prefix)]
	if d >= 0x80 || d == '"' || d == '\r' || d == '\n' || d == ' ' || d == 0 {
		return 0, 0
	}
	rest := b[len(prefix)+1:]
	switch {
	case len(rest) == 0:
		return rune(d), len(b)
	case rest[0] == '\n':
		return rune(d), len(prefix) + 2
	case rest[0] == '\r' && len(rest) > 1 && rest[1] == '\n':
		return rune(d), len(prefix) + 3
	case rest[0] == '\r':
		return rune(d), len(prefix) + 2
	}
	return 0, 0
}

// detectDelimiter picks the most frequent of comma, semicolon and tab outside
// quotes on the first non-blank line; comma if none occurs.
func detectDelimiter(b []byte) rune {
	var commas, semis, tabs int
	quoted := false
	started := false
loop:
	for _, c := range b {
		switch c {
		case '"':
			quoted = !quoted
		case '\r', '\n':
			if !quoted && started {
				break loop
			}
		case ',':
			if !quoted {
				commas++
			}
		case ';':
			if !quoted {
				semis++
			}
		case '\t':
			if !quoted {
				tabs++
			}
		}
		started = started || (c != '\r' && c != '\n')
	}
	switch {
	case semis > commas && semis >= tabs:
		return ';'
	case tabs > commas && tabs > semis:
		return '\t'
	}
	return ','
}

// trimHeader trims spaces and byte order marks (left as text by a forced
// encoding, or doubled by a careless export) around a column name.
func trimHeader(h string) string {
	return strings.TrimFunc(h, func(r rune) bool { return unicode.IsSpace(r) || r == '\uFEFF' })
}

// foldKey maps s so that strings.EqualFold(a, b) ⇔ foldKey(a) == foldKey(b):
// each rune becomes the smallest rune of its case-folding orbit.
func foldKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		b.WriteRune(m)
	}
	return b.String()
}

// wrap turns an error of the parser or of the guard into an *Error. rec is
// the partial record the parser returned with it.
func (s *source) wrap(err error, rec []string) error {
	var e *Error
	if errors.As(err, &e) { // the guard's: complete a copy
		c := *e
		c.File = s.cfg.name
		c.Field = s.fieldName(c.field)
		return &c
	}
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return s.ioError(err)
	}
	out := &Error{File: s.cfg.name, Line: pe.Line + s.lineOffset, Column: pe.Column, Kind: ErrQuote, Err: pe.Err, field: -1}
	if s.header != nil {
		out.Field = s.fieldName(len(rec))
	}
	switch {
	case pe.Err == csv.ErrBareQuote:
		out.Msg = `bare " in non-quoted field`
	case pe.Err == csv.ErrQuote && s.guard.eof && s.guard.quoted:
		out.Line, out.Column = s.guard.quoteLine, s.guard.quoteCol
		out.Msg = `quoted field not closed: missing " before the end of the input`
	default:
		out.Msg = `extraneous or missing " in quoted field`
	}
	if pe.StartLine != pe.Line && out.Line != pe.StartLine+s.lineOffset {
		out.Msg += fmt.Sprintf(" (in the row starting on line %d)", pe.StartLine+s.lineOffset)
	}
	return out
}

func (s *source) fieldName(i int) string {
	if i >= 0 && i < len(s.header) {
		return s.header[i]
	}
	return ""
}

// maxCauseBytes bounds how much of the message of an error of the caller's
// reader an *Error repeats (Err keeps it whole).
const maxCauseBytes = 200

func (s *source) ioError(err error) error {
	msg := err.Error()
	if len(msg) > maxCauseBytes {
		msg = strings.ToValidUTF8(msg[:maxCauseBytes], "") + "…"
	}
	return &Error{File: s.cfg.name, Err: err, field: -1, Msg: "read: " + msg}
}

// cancelled reports that the context ended the reading. It wraps no
// sentinel of this package: the input is not at fault.
func (s *source) cancelled(err error) error {
	return &Error{File: s.cfg.name, Err: err, field: -1, cancel: true, Msg: "reading stopped: " + err.Error()}
}

func (s *source) notCSV(what string) error {
	return &Error{File: s.cfg.name, Kind: ErrNotCSV, field: -1, Msg: "not a CSV file: this is " + what}
}

// readRow returns the next row that is not blank, and the line where it
// starts. Rows whose fields are all empty (Excel exports trailing rows of
// empty cells) count as blank, and so do lines of spaces. It checks ctx
// every checkEvery rows, blank ones and runs of empty lines included.
func (s *source) readRow(ctx context.Context) ([]string, int, error) {
	for {
		if s.untilCheck--; s.untilCheck <= 0 {
			s.untilCheck = checkEvery
			if err := ctx.Err(); err != nil {
				return nil, 0, s.cancelled(err)
			}
		}
		rec, err := s.rows.read()
		if err == errBlankRun {
			s.untilCheck = 0 // blankRun empty lines: as many rows as checkEvery
			continue
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && pe.Err == csv.ErrFieldCount {
				if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
					continue
				}
				return nil, 0, &Error{File: s.cfg.name, Line: pe.StartLine + s.lineOffset, Kind: ErrRaggedRow, Err: pe.Err, field: -1,
					Msg: fmt.Sprintf("row has %s, the header has %d", plural(len(rec), "field"), len(s.header))}
			}
			if err == io.EOF {
				return nil, 0, err
			}
			return nil, 0, s.wrap(err, rec)
		}
		blank := true
		for i, v := range rec {
			if n := len(v); n == 0 || !plainEnds(v[0], v[n-1]) {
				rec[i] = strings.TrimSpace(v)
			}
			blank = blank && rec[i] == ""
		}
		if !blank {
			line, _ := s.rows.fieldPos(0)
			return rec, line + s.lineOffset, nil
		}
	}
}

// plainEnds reports whether a value starting with byte a and ending with
// byte b has nothing for strings.TrimSpace to remove: both are ASCII and
// above the space character (white space is at or below it in ASCII, and
// multi-byte elsewhere).
func plainEnds(a, b byte) bool { return ' ' < a && a < 0x80 && ' ' < b && b < 0x80 }

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
