package csvsource

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Sentinel errors. Every error returned by NewReader, Reader.Next and Preview
// (and their Context forms) is an *Error; all but the read errors of the
// caller's io.Reader and the end of a context (which it wraps instead) wrap
// one of these, so callers branch with errors.Is.
var (
	// ErrNoHeader reports an input with no header line: empty, blank lines
	// only, or a header whose names are all empty.
	ErrNoHeader = errors.New("no header line")
	// ErrMissingColumn reports a mapped column that the header lacks.
	ErrMissingColumn = errors.New("missing column")
	// ErrDuplicateHeader reports two columns whose names are equal after
	// trimming spaces and folding case.
	ErrDuplicateHeader = errors.New("duplicate column name")
	// ErrMapping reports an invalid Mapping (a required column not set, a
	// registration id column without a scheme, one column mapped twice).
	ErrMapping = errors.New("invalid column mapping")
	// ErrOption reports an invalid Option value, or a nil context.
	ErrOption = errors.New("invalid option")
	// ErrRaggedRow reports a row whose number of fields differs from the
	// header's.
	ErrRaggedRow = errors.New("wrong number of fields")
	// ErrEncoding reports text that is not valid in the file's encoding.
	ErrEncoding = errors.New("invalid text encoding")
	// ErrQuote reports a misplaced or unbalanced double quote.
	ErrQuote = errors.New("misplaced quote")
	// ErrTooLarge reports a field, a row or a number of columns over the
	// configured limits.
	ErrTooLarge = errors.New("input too large")
	// ErrNotCSV reports an input that is not CSV text: a compressed file, a
	// zip archive, an Excel workbook (.xlsx or .xls), a PDF, an HTML page,
	// binary data full of NUL bytes. The message says what the file is
	// and what to do ("save it as CSV").
	ErrNotCSV = errors.New("not a CSV file")
	// ErrRepeatedHeader is the Err of a Rejection for a row equal to the
	// header: two exports concatenated into one file.
	ErrRepeatedHeader = errors.New("repeated header row")
)

// Error locates a problem in the input. Its message reads like
//
//	accounts.csv:12:3 (column "Website"): bare " in non-quoted field
//
// Messages quote at most a bounded prefix of any value or column name
// (48 bytes, then "…"), whatever the input.
type Error struct {
	File   string // the name given by WithName; "" if none
	Line   int    // 1-based physical line; 0 if the error is not about a line
	Column int    // 1-based byte offset in the line (of its UTF-8 text); 0 if unknown
	Field  string // header name of the column involved; "" if unknown or none
	Kind   error  // the sentinel (ErrQuote, ErrTooLarge, ...); nil for I/O errors
	Err    error  // the underlying cause, if any (e.g. csv.ErrBareQuote, an I/O error)
	Msg    string // the description shown after the location

	field  int  // index of the column, resolved to Field by the reader; -1 if none
	cancel bool // the context ended the reading: the reader may go on
}

// Error formats the location, the column name and the description.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		if e.File != "" {
			b.WriteByte(':')
		} else {
			b.WriteString("line ")
		}
		b.WriteString(strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(e.Column))
		}
	}
	if e.Field != "" {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("(column ")
		b.WriteString(quote(e.Field))
		b.WriteByte(')')
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the sentinel and the cause, so that errors.Is matches both.
func (e *Error) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// maxQuoted bounds how much of a value or a column name a message, a
// Rejection's Reason or its Value repeats: a 1 MB cell must not become a
// 1 MB log line.
const maxQuoted = 48

// quote returns s quoted as %q does, cut to at most maxQuoted bytes of s
// (at a rune boundary) and followed by "…" if it was cut.
func quote(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	return strconv.Quote(s[:cutAt(s)]) + "…"
}

// clip returns s cut as quote cuts it, unquoted.
func clip(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	return strings.ToValidUTF8(s[:cutAt(s)], "\uFFFD") + "…"
}

// cutAt returns where to cut a string longer than maxQuoted: at a rune
// boundary at or before maxQuoted.
func cutAt(s string) int {
	cut := maxQuoted
	for cut > maxQuoted-utf8.UTFMax && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return cut
}
