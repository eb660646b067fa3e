package csvsource

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"unicode"
	"unsafe"
)

// rowReader parses rows as encoding/csv's Reader does when configured the
// way csvsource configures it (a one-byte delimiter other than a quote, CR
// or LF; no comment character; strict quotes; FieldsPerRecord 0, so the
// first row sets the number of fields; records reused), with the same
// fields, positions and errors (*csv.ParseError wrapping csv's sentinels),
// following the same steps. What differs is the cost: the fields' text is
// carved from shared blocks instead of one allocation per row, and the
// common cases (an ASCII delimiter, a field that starts without a space)
// take no per-character function calls. Parsing was about a third of
// reading an export, normalization included.
//
// It departs from encoding/csv on purpose in four ways:
//   - a line break inside a quoted field is kept as written: CRLF stays
//     CRLF (encoding/csv turns it into LF), and in a file with CR line ends
//     (crOnly, whose CRs the guard turns into LFs) it is CR again;
//   - a byte order mark at the start of a row is skipped, so that the
//     header of a second export appended to the first reads as a header;
//   - with lenient set, a quote in a field that does not start with one is
//     kept as a literal quote and noted in bareQuotes, instead of being
//     csv.ErrBareQuote;
//   - a run of blankRun empty lines returns errBlankRun, so that the caller
//     can check its context between any two reads.
type rowReader struct {
	r     *bufio.Reader
	comma byte
	// trimLeadingSpace skips leading white space in fields (unicode.IsSpace),
	// even if the delimiter is white space, as csv.Reader does.
	trimLeadingSpace bool
	crOnly           bool
	lenient          bool

	// bareQuotes holds the literal quotes of the last row (lenient only):
	// the first of each field.
	bareQuotes []bareQuote
	crlf       bool // the last line read ended with CRLF
	blank      int  // empty lines skipped since the last row or errBlankRun

	fieldsPerRecord int
	numLine         int

	rawBuffer      []byte // a line longer than the bufio.Reader's buffer
	recordBuffer   []byte // the unescaped fields of a row, one after another
	fieldIndexes   []int  // where each field ends in recordBuffer
	fieldPositions []position
	lastRecord     []string

	// block holds the text of recent rows, then room for more: row
	// strings point into it, and bytes once written never change.
	block []byte
}

type position struct{ line, col int }

// bareQuote locates a quote that WithLenientQuotes read as a literal one.
type bareQuote struct {
	field int // index of the field in its row
	position
}

// blankRun is how many empty lines rowReader.read skips before returning
// errBlankRun.
const blankRun = 1024

// errBlankRun reports blankRun empty lines skipped: no row, no error.
var errBlankRun = errors.New("csvsource: a run of empty lines")

var bomText = []byte("\uFEFF")

// textBlockBytes is the size of the blocks row text is carved from: about
// 70 rows of a typical export per allocation. A block stays alive while
// any string in it does, like the Record blocks (which are larger).
const textBlockBytes = 4 << 10

func newRowReader(r io.Reader, comma byte, trimLeadingSpace bool) *rowReader {
	return &rowReader{r: bufio.NewReader(r), comma: comma, trimLeadingSpace: trimLeadingSpace}
}

// fieldPos returns the line and column where field i of the last row
// started.
func (p *rowReader) fieldPos(i int) (line, col int) {
	pos := &p.fieldPositions[i]
	return pos.line, pos.col
}

// readLine is csv.Reader's readLine: the next line, with \r\n normalized to
// \n and a trailing \r dropped before the end of the input.
func (p *rowReader) readLine() ([]byte, error) {
	line, err := p.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		p.rawBuffer = append(p.rawBuffer[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = p.r.ReadSlice('\n')
			p.rawBuffer = append(p.rawBuffer, line...)
		}
		line = p.rawBuffer
	}
	readSize := len(line)
	if readSize > 0 && err == io.EOF {
		err = nil
		// For backwards compatibility, drop trailing \r before EOF.
		if line[readSize-1] == '\r' {
			line = line[:readSize-1]
		}
	}
	p.numLine++
	// Normalize \r\n to \n on all input lines.
	p.crlf = false
	if n := len(line); n >= 2 && line[n-2] == '\r' && line[n-1] == '\n' {
		line[n-2] = '\n'
		line = line[:n-1]
		p.crlf = true
	}
	return line, err
}

func lengthNL(b []byte) int {
	if len(b) > 0 && b[len(b)-1] == '\n' {
		return 1
	}
	return 0
}

// asciiSpace marks the ASCII bytes unicode.IsSpace accepts.
var asciiSpace = [128]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// leadingSpace returns the length of the white space that starts line, or
// -1 if it is all white space.
func leadingSpace(line []byte) int {
	if len(line) > 0 && line[0] < 0x80 && !asciiSpace[line[0]] {
		return 0 // the common case, without a call per character
	}
	return indexNonSpace(line)
}

func indexNonSpace(line []byte) int {
	return bytes.IndexFunc(line, func(r rune) bool { return !unicode.IsSpace(r) })
}

// read returns the next row, reusing the previous row's slice. Its results
// and errors are csv.Reader.Read's (see readRecord in encoding/csv).
func (p *rowReader) read() ([]string, error) {
	// Read line (automatically skipping past empty lines).
	var line []byte
	var errRead error
	for errRead == nil {
		line, errRead = p.readLine()
		if errRead == nil && len(line) == lengthNL(line) {
			line = nil
			if p.blank++; p.blank >= blankRun {
				p.blank = 0
				return nil, errBlankRun
			}
			continue // Skip empty lines
		}
		break
	}
	p.blank = 0
	if errRead == io.EOF {
		return nil, errRead
	}

	// Parse each field in the record.
	var err error
	const quoteLen = len(`"`)
	const commaLen = 1
	recLine := p.numLine // Starting line for record
	p.recordBuffer = p.recordBuffer[:0]
	p.fieldIndexes = p.fieldIndexes[:0]
	p.fieldPositions = p.fieldPositions[:0]
	p.bareQuotes = p.bareQuotes[:0]
	pos := position{line: p.numLine, col: 1}
	if len(line) >= len(bomText) && line[0] == bomText[0] && bytes.HasPrefix(line, bomText) {
		line = line[len(bomText):]
		pos.col += len(bomText)
	}
parseField:
	for {
		if p.trimLeadingSpace {
			i := leadingSpace(line)
			if i < 0 {
				i = len(line)
				pos.col -= lengthNL(line)
			}
			line = line[i:]
			pos.col += i
		}
		if len(line) == 0 || line[0] != '"' {
			// Non-quoted string field
			i := bytes.IndexByte(line, p.comma)
			field := line
			if i >= 0 {
				field = field[:i]
			} else {
				field = field[:len(field)-lengthNL(field)]
			}
			// Check to make sure a quote does not appear in field.
			if j := bytes.IndexByte(field, '"'); j >= 0 {
				col := pos.col + j
				if p.lenient {
					p.bareQuotes = append(p.bareQuotes, bareQuote{len(p.fieldIndexes), position{p.numLine, col}})
				} else {
					err = &csv.ParseError{StartLine: recLine, Line: p.numLine, Column: col, Err: csv.ErrBareQuote}
					break parseField
				}
			}
			p.recordBuffer = append(p.recordBuffer, field...)
			p.fieldIndexes = append(p.fieldIndexes, len(p.recordBuffer))
			p.fieldPositions = append(p.fieldPositions, pos)
			if i >= 0 {
				line = line[i+commaLen:]
				pos.col += i + commaLen
				continue parseField
			}
			break parseField
		} else {
			// Quoted string field
			fieldPos := pos
			line = line[quoteLen:]
			pos.col += quoteLen
			for {
				i := bytes.IndexByte(line, '"')
				if i >= 0 {
					// Hit next quote.
					p.recordBuffer = append(p.recordBuffer, line[:i]...)
					line = line[i+quoteLen:]
					pos.col += i + quoteLen
					// The next character, compared with ASCII only: a
					// multi-byte or invalid sequence equals neither.
					switch {
					case len(line) > 0 && line[0] == '"':
						// `""` sequence (append quote).
						p.recordBuffer = append(p.recordBuffer, '"')
						line = line[quoteLen:]
						pos.col += quoteLen
					case len(line) > 0 && line[0] == p.comma:
						// `",` sequence (end of field).
						line = line[commaLen:]
						pos.col += commaLen
						p.fieldIndexes = append(p.fieldIndexes, len(p.recordBuffer))
						p.fieldPositions = append(p.fieldPositions, fieldPos)
						continue parseField
					case lengthNL(line) == len(line):
						// `"\n` sequence (end of line).
						p.fieldIndexes = append(p.fieldIndexes, len(p.recordBuffer))
						p.fieldPositions = append(p.fieldPositions, fieldPos)
						break parseField
					default:
						// `"*` sequence (invalid non-escaped quote).
						err = &csv.ParseError{StartLine: recLine, Line: p.numLine, Column: pos.col - quoteLen, Err: csv.ErrQuote}
						break parseField
					}
				} else if len(line) > 0 {
					// Hit end of line (copy all data so far), with its
					// line break as written.
					switch n := len(line); {
					case line[n-1] != '\n':
						p.recordBuffer = append(p.recordBuffer, line...)
					case p.crlf:
						p.recordBuffer = append(append(p.recordBuffer, line[:n-1]...), '\r', '\n')
					case p.crOnly:
						p.recordBuffer = append(append(p.recordBuffer, line[:n-1]...), '\r')
					default:
						p.recordBuffer = append(p.recordBuffer, line...)
					}
					if errRead != nil {
						break parseField
					}
					pos.col += len(line)
					line, errRead = p.readLine()
					if len(line) > 0 {
						pos.line++
						pos.col = 1
					}
					if errRead == io.EOF {
						errRead = nil
					}
				} else {
					// Abrupt end of file (EOF or error).
					if errRead == nil {
						err = &csv.ParseError{StartLine: recLine, Line: pos.line, Column: pos.col, Err: csv.ErrQuote}
						break parseField
					}
					p.fieldIndexes = append(p.fieldIndexes, len(p.recordBuffer))
					p.fieldPositions = append(p.fieldPositions, fieldPos)
					break parseField
				}
			}
		}
	}
	if err == nil {
		err = errRead
	}

	// One string for the row, carved from the current block, and the
	// fields sliced from it.
	str := p.carve(p.recordBuffer)
	dst := p.lastRecord[:0]
	if cap(dst) < len(p.fieldIndexes) {
		dst = make([]string, len(p.fieldIndexes))
	}
	dst = dst[:len(p.fieldIndexes)]
	var preIdx int
	for i, idx := range p.fieldIndexes {
		dst[i] = str[preIdx:idx]
		preIdx = idx
	}
	p.lastRecord = dst

	// Check or update the expected fields per record.
	if p.fieldsPerRecord > 0 {
		if len(dst) != p.fieldsPerRecord && err == nil {
			err = &csv.ParseError{
				StartLine: recLine,
				Line:      recLine,
				Column:    1,
				Err:       csv.ErrFieldCount,
			}
		}
	} else if p.fieldsPerRecord == 0 {
		p.fieldsPerRecord = len(dst)
	}
	return dst, err
}

// carve returns b's bytes as a string in the current block (a new block
// if it is full; a row over a quarter of a block gets its own).
func (p *rowReader) carve(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > cap(p.block)-len(p.block) {
		if len(b) > textBlockBytes/4 {
			return string(b)
		}
		p.block = make([]byte, 0, textBlockBytes)
	}
	start := len(p.block)
	p.block = append(p.block, b...)
	// The bytes are never written again: the string may point at them.
	return unsafe.String(&p.block[start], len(b))
}
