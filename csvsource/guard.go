package csvsource

import (
	"bytes"
	"fmt"
	"io"
	"unicode"
	"unicode/utf8"
)

// guard sits between the decoded text and the row parser (rowReader, which
// parses as encoding/csv does). It follows quotes the way the parser does,
// so it knows where rows and fields end, and it fails before the parser
// would buffer an oversized row: the parser keeps a whole line (a whole
// file, without line breaks) in memory. It also checks the text's
// encoding, so that the error names the exact line and column.
//
// It runs ahead of the parser (by the parser's buffer): rows before the one at
// fault still reach the caller, because bufio.Reader hands over buffered data
// before a read error.
type guard struct {
	src     io.Reader
	class   [256]uint8 // non-zero for the bytes scan must look at
	crOnly  bool       // old Mac line ends: lone CR turned into LF
	strict  bool       // UTF-8 input: reject invalid sequences, accept U+FFFD
	decoded bool       // strict, but for text from utf16Decoder: messages name encName
	encName string     // for messages
	// lenient follows WithLenientQuotes: a quote opens a quoted field only
	// at the start of a field (after white space if trimSpace), as the
	// parser then reads it; otherwise every quote toggles, which is the
	// same for any input the strict parser accepts.
	lenient   bool
	trimSpace bool
	maxRow    int64
	maxField  int64
	maxCols   int

	// Sizes are differences of offsets in the text, so that counting a run
	// of ordinary bytes is one addition and one comparison.
	pos        int64 // offset of the next byte
	limit      int64 // the first offset past the row's or the field's limit
	lineStart  int64 // offset where the current line starts
	rowStart   int64 // offset where the current row starts
	fieldStart int64 // offset where the current field starts

	quoted        bool
	lastClose     int64 // offset of the last closing quote (lenient only)
	fieldNonSpace bool  // the current field has more than the parser skips before this read (lenient only)
	quoteLine     int   // where the open quote is
	quoteCol      int
	line          int // line of the next byte
	rowLine       int // line where the current row starts
	field         int // index of the current field in its row
	fieldLine     int // where the current field starts
	fieldCol      int

	pend     [utf8.UTFMax]byte // incomplete rune at the end of the last read
	npend    int
	pendLine int
	pendCol  int
	pendFld  int

	eof bool // src reported io.EOF
	err *Error
}

const (
	clsQuote = 1 + iota
	clsDelim
	clsNL
	clsCR
	clsHigh
)

func newGuard(src io.Reader, delim byte, firstLine int, crOnly, strict bool, encName string, c *config) *guard {
	g := &guard{
		src: src, crOnly: crOnly, strict: strict, encName: encName,
		maxRow: int64(c.maxRowBytes), maxField: int64(c.maxFieldBytes), maxCols: c.maxColumns,
		line: firstLine, rowLine: firstLine, fieldLine: firstLine, fieldCol: 1, lastClose: -2,
	}
	g.limit = min(g.maxRow, g.maxField)
	for b := 0x80; b < 0x100; b++ {
		g.class[b] = clsHigh
	}
	g.class['"'] = clsQuote
	g.class['\n'] = clsNL
	if crOnly {
		g.class['\r'] = clsCR
	}
	g.class[delim] = clsDelim
	return g
}

func (g *guard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.src.Read(p)
	if k := g.scan(p[:n]); g.err != nil {
		return k, g.err
	}
	if err == io.EOF {
		g.eof = true
		if g.npend > 0 {
			g.encodingError(g.pendLine, g.pendCol, g.pendFld, g.pend[0])
			return n, g.err
		}
	}
	return n, err
}

// col returns the 1-based column of the byte at offset off of the current line.
func (g *guard) col(off int64) int { return int(off-g.lineStart) + 1 }

// scan checks b and returns how many of its bytes may be passed on: all of
// them unless g.err is set.
func (g *guard) scan(b []byte) int {
	i := 0
	// Finish the rune split by the previous read.
	for g.npend > 0 && i < len(b) {
		g.pend[g.npend] = b[i]
		g.npend++
		i++
		if utf8.FullRune(g.pend[:g.npend]) {
			r, size := utf8.DecodeRune(g.pend[:g.npend])
			if r == utf8.RuneError && (size == 1 || !g.strict) {
				g.encodingError(g.pendLine, g.pendCol, g.pendFld, g.pend[0])
				return 0
			}
			g.npend = 0
			// A BOM split across reads counts as it does whole: skipped
			// at the start of a row.
			if g.lenient && !(g.trimSpace && unicode.IsSpace(r)) && (r != '\uFEFF' || g.fieldStart != g.rowStart) {
				g.fieldNonSpace = true
			}
		}
		if g.pos++; g.pos > g.limit {
			g.overLimit()
			return 0
		}
	}
	// b[first] is at offset base: what the lenient quote check needs.
	first, base := i, g.pos-int64(i)
	cls := &g.class
	for i < len(b) {
		start := i
		// A range loop: no bounds check per byte (this loop sees every
		// byte of the input).
		n := len(b) - i
		for k, c := range b[i:] {
			if cls[c] != 0 {
				n = k
				break
			}
		}
		i += n
		if g.pos += int64(i - start); g.pos > g.limit {
			g.overLimit()
			return start
		}
		if i == len(b) {
			break
		}
		switch cls[b[i]] {
		case clsQuote:
			if g.pos++; g.pos > g.limit {
				g.overLimit()
				return i
			}
			if !g.lenient || g.quoted || g.pos-1 == g.lastClose+1 || g.atFieldStart(b, first, base, i) {
				g.quoted = !g.quoted
				if g.quoted {
					g.quoteLine, g.quoteCol = g.line, g.col(g.pos-1)
				} else {
					g.lastClose = g.pos - 1
				}
			}
			i++
		case clsDelim:
			if !g.quoted {
				// A new field starts after the delimiter, which counts
				// for the row only.
				if g.field++; g.field >= g.maxCols {
					g.err = &Error{Line: g.rowLine, Kind: ErrTooLarge, field: -1,
						Msg: fmt.Sprintf("row has more than %d columns", g.maxCols)}
					return i
				}
				g.fieldStart = g.pos + 1
				g.fieldLine, g.fieldCol = g.line, g.col(g.fieldStart)
				g.limit = min(g.rowStart+g.maxRow, g.fieldStart+g.maxField)
			}
			if g.pos++; g.pos > g.limit {
				g.overLimit()
				return i
			}
			i++
		case clsCR:
			b[i] = '\n'
			fallthrough
		case clsNL:
			g.pos++
			if g.quoted {
				if g.pos > g.limit {
					g.overLimit()
					return i
				}
			} else {
				// The row ends; its line break counts for no row.
				g.rowStart, g.fieldStart = g.pos, g.pos
				g.limit = min(g.rowStart+g.maxRow, g.fieldStart+g.maxField)
				g.rowLine, g.field = g.line+1, 0
				g.fieldLine, g.fieldCol = g.rowLine, 1
			}
			g.line++
			g.lineStart = g.pos
			i++
		case clsHigh:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError {
				if !utf8.FullRune(b[i:]) {
					// Split by the end of this read: check it on the next.
					g.npend = copy(g.pend[:], b[i:])
					g.pendLine, g.pendCol, g.pendFld = g.line, g.col(g.pos), g.field
					if g.lenient {
						g.noteField(b, first, base, i)
					}
					if g.pos += int64(g.npend); g.pos > g.limit {
						g.overLimit()
						return i
					}
					return len(b)
				}
				// The decoders of other encodings produce U+FFFD for
				// what they cannot decode: an error too.
				if size == 1 || !g.strict {
					g.encodingError(g.line, g.col(g.pos), g.field, b[i])
					return i
				}
			}
			if g.pos += int64(size); g.pos > g.limit {
				g.overLimit()
				return i
			}
			i += size
		}
	}
	if g.lenient {
		g.noteField(b, first, base, len(b))
	}
	return len(b)
}

// fieldText returns the part of b[first:end] that belongs to the current
// field, and whether the field started before it. b[first] is at offset
// base.
func (g *guard) fieldText(b []byte, first int, base int64, end int) (text []byte, earlier bool) {
	if g.fieldStart < base+int64(first) {
		return b[first:end], true
	}
	return b[g.fieldStart-base : end], false
}

// atFieldStart reports whether the quote at b[i] starts the field, as the
// parser sees it: nothing before it but what the parser skips (white
// space if it trims it, a byte order mark at the start of a row).
func (g *guard) atFieldStart(b []byte, first int, base int64, i int) bool {
	if g.pos-1 == g.fieldStart {
		return true
	}
	text, earlier := g.fieldText(b, first, base, i)
	if earlier && g.fieldNonSpace {
		return false
	}
	return g.skipped(text, !earlier && g.fieldStart == g.rowStart)
}

// skipped reports whether the parser skips all of text at the start of a
// field (and of a row, if rowStart).
func (g *guard) skipped(text []byte, rowStart bool) bool {
	if rowStart {
		text = bytes.TrimPrefix(text, bomText)
	}
	if g.trimSpace {
		return indexNonSpace(text) < 0
	}
	return len(text) == 0
}

// noteField records, at the end of a read, whether the current field holds
// more than the parser skips so far.
func (g *guard) noteField(b []byte, first int, base int64, end int) {
	if g.quoted {
		return
	}
	text, earlier := g.fieldText(b, first, base, end)
	if !earlier {
		g.fieldNonSpace = false
	}
	g.fieldNonSpace = g.fieldNonSpace || !g.skipped(text, !earlier && g.fieldStart == g.rowStart)
}

// overLimit reports the row or the field that passed g.limit.
func (g *guard) overLimit() {
	if g.pos-g.rowStart > g.maxRow {
		g.rowTooLarge()
		return
	}
	g.err = &Error{Line: g.fieldLine, Column: g.fieldCol, Kind: ErrTooLarge, field: g.field,
		Msg: fmt.Sprintf("field is larger than %d bytes", g.maxField)}
}
func (g *guard) rowTooLarge() {
	msg := fmt.Sprintf("row is larger than %d bytes", g.maxRow)
	if g.quoted && g.quoteLine > g.rowLine {
		msg += fmt.Sprintf(" (a quote opened on line %d is still open on line %d: unbalanced quotes?)", g.quoteLine, g.line)
	} else if g.quoted && g.line > g.rowLine {
		msg += fmt.Sprintf(" (a quote opened on this line is still open on line %d: unbalanced quotes?)", g.line)
	}
	g.err = &Error{Line: g.rowLine, Kind: ErrTooLarge, field: -1, Msg: msg}
}

func (g *guard) encodingError(line, col, field int, b byte) {
	msg := fmt.Sprintf("invalid UTF-8 (byte 0x%02x)", b)
	if !g.strict || g.decoded {
		msg = fmt.Sprintf("text that is not valid %s", g.encName)
	}
	g.err = &Error{Line: line, Column: col, Kind: ErrEncoding, field: field, Msg: msg}
}
