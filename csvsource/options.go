package csvsource

import (
	"fmt"
	"strings"

	"github.com/acctmap/acctmap/normalize"
)

// Encoding names accepted by WithEncoding and returned by Reader.Encoding.
const (
	UTF8        = "UTF-8"
	UTF16LE     = "UTF-16LE"
	UTF16BE     = "UTF-16BE"
	Windows1252 = "windows-1252"
)

// Default limits. They bound the memory a Reader uses whatever its input.
const (
	DefaultMaxFieldBytes = 64 << 10
	DefaultMaxRowBytes   = 1 << 20
	DefaultMaxColumns    = 10_000
	DefaultMaxRejections = 100
)

const (
	sniffBytes            = 64 << 10 // how much of the input decides its encoding and delimiter
	maxListedHeaderFields = 20       // how many header names an error lists
)

// Option configures NewReader and Preview.
type Option func(*config)

type config struct {
	name          string
	delim         rune // 0: detect
	encoding      string
	norm          *normalize.Normalizer
	maxFieldBytes int
	maxRowBytes   int
	maxColumns    int
	maxRejections int
	lenientQuotes bool
	err           error // first invalid option
}

func newConfig(opts []Option) config {
	c := config{
		maxFieldBytes: DefaultMaxFieldBytes,
		maxRowBytes:   DefaultMaxRowBytes,
		maxColumns:    DefaultMaxColumns,
		maxRejections: DefaultMaxRejections,
	}
	for _, o := range opts {
		o(&c)
	}
	return c
}

func (c *config) fail(format string, args ...any) {
	if c.err == nil {
		c.err = &Error{File: c.name, Kind: ErrOption, Msg: fmt.Sprintf(format, args...)}
	}
}

// WithName sets the file name that error messages start with, e.g.
// "accounts.csv".
func WithName(file string) Option {
	return func(c *config) {
		c.name = file
		if e, ok := c.err.(*Error); ok {
			e.File = file
		}
	}
}

// WithDelimiter forces the field delimiter instead of detecting it from the
// header line. It must be a single-byte character other than a double quote,
// CR, LF or space, e.g. ',', ';', '\t' or '|'.
func WithDelimiter(d rune) Option {
	return func(c *config) {
		if d <= 0 || d >= 0x80 || d == '"' || d == '\r' || d == '\n' || d == ' ' {
			c.fail("delimiter %q: want a single-byte character other than a quote, space or line break", d)
			return
		}
		c.delim = d
	}
}

// WithEncoding forces the text encoding: UTF8, UTF16LE, UTF16BE or
// Windows1252 (case-insensitive; "" or "auto" detects it, the default). A
// byte order mark of the forced encoding is skipped.
func WithEncoding(name string) Option {
	return func(c *config) {
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "", "auto":
			c.encoding = ""
		case "utf-8", "utf8":
			c.encoding = UTF8
		case "utf-16le", "utf16le":
			c.encoding = UTF16LE
		case "utf-16be", "utf16be":
			c.encoding = UTF16BE
		case "windows-1252", "cp1252":
			c.encoding = Windows1252
		default:
			c.fail("encoding %q: want %s, %s, %s or %s", name, UTF8, UTF16LE, UTF16BE, Windows1252)
		}
	}
}

// WithNormalizer sets the normalizer that derives keys; normalize.New() by
// default.
func WithNormalizer(n *normalize.Normalizer) Option {
	return func(c *config) {
		if n != nil {
			c.norm = n
		}
	}
}

// WithMaxFieldBytes limits the size of one field, quotes included
// (DefaultMaxFieldBytes by default). A larger field is an ErrTooLarge error.
func WithMaxFieldBytes(n int) Option {
	return func(c *config) {
		if n <= 0 {
			c.fail("max field bytes %d: want > 0", n)
			return
		}
		c.maxFieldBytes = n
	}
}

// WithMaxRowBytes limits the size of one row, from the start of its first
// line to its end (DefaultMaxRowBytes by default). A larger row is an
// ErrTooLarge error: this bounds memory on input with no line breaks.
func WithMaxRowBytes(n int) Option {
	return func(c *config) {
		if n <= 0 {
			c.fail("max row bytes %d: want > 0", n)
			return
		}
		c.maxRowBytes = n
	}
}

// WithMaxColumns limits the number of columns of any row, the header
// included (DefaultMaxColumns by default).
func WithMaxColumns(n int) Option {
	return func(c *config) {
		if n <= 0 {
			c.fail("max columns %d: want > 0", n)
			return
		}
		c.maxColumns = n
	}
}

// WithMaxRejections sets how many rejections and how many warnings
// Reader.Summary keeps in full (DefaultMaxRejections by default; the counts
// are always complete). 0 keeps none.
func WithMaxRejections(n int) Option {
	return func(c *config) {
		if n < 0 {
			c.fail("max rejections %d: want >= 0", n)
			return
		}
		c.maxRejections = n
	}
}

// WithLenientQuotes reads a double quote inside a field that does not start
// with one (`12" pipe`, `5'10"`) as a literal quote, with a warning in the
// Summary naming its line, column and header, instead of stopping at an
// ErrQuote error. Quoted fields are read as without it: a quote followed by
// anything but a delimiter or a line break after a quoted field
// (`"Acme" Inc`) is still an error, since where such a field ends is a
// guess that could swallow the rows after it.
func WithLenientQuotes() Option {
	return func(c *config) { c.lenientQuotes = true }
}
