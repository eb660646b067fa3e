package csvsource

import (
	"context"
	"io"
	"strconv"
	"strings"
)

// TableReader reads the rows of a CSV input as they are, for callers that
// map columns of their own (a file of people keyed by e-mail, which has no
// company name column): the same detection of encoding and delimiter, the
// same limits, errors, blank-row skipping and repeated-header check as
// Reader, without a Mapping and without normalizing any value.
type TableReader struct {
	src  *source
	rows int
	err  error
}

// TableRow is one data row of a TableReader.
type TableRow struct {
	// Line is the physical line where the row starts, as Record.Line.
	Line int
	// Values are the row's fields, trimmed of surrounding spaces, aligned
	// with Header. They are the caller's.
	Values []string
	// RepeatedHeader reports a row equal to the header (two exports
	// concatenated): callers skip it, as Reader rejects it.
	RepeatedHeader bool
}

// NewTableReader detects what r holds and reads its header; its errors are
// those of NewReaderContext that do not come from a Mapping.
func NewTableReader(ctx context.Context, r io.Reader, opts ...Option) (*TableReader, error) {
	src, err := open(ctx, r, newConfig(opts))
	if err != nil {
		return nil, err
	}
	return &TableReader{src: src}, nil
}

// Header returns the column names, trimmed.
func (t *TableReader) Header() []string { return append([]string(nil), t.src.header...) }

// HeaderLine is the line of the header.
func (t *TableReader) HeaderLine() int { return t.src.headerLine }

// BytesRead returns how many bytes of the input have been read; it may be
// called concurrently.
func (t *TableReader) BytesRead() int64 { return t.src.count.n.Load() }

// Rows counts the data rows read so far, repeated headers included.
func (t *TableReader) Rows() int { return t.rows }

// Next returns the next row that is not blank, io.EOF at the end, or the
// *Error that stopped reading (sticky; a cancelled ctx is not: a later
// call with a live context goes on).
func (t *TableReader) Next(ctx context.Context) (TableRow, error) {
	if ctx == nil {
		return TableRow{}, &Error{File: t.src.cfg.name, Kind: ErrOption, field: -1, Msg: "nil context"}
	}
	if t.err != nil {
		return TableRow{}, t.err
	}
	row, line, err := t.src.readRow(ctx)
	if err != nil {
		if e, ok := err.(*Error); ok && e.cancel {
			return TableRow{}, err
		}
		t.err = err
		return TableRow{}, err
	}
	t.rows++
	out := TableRow{Line: line, Values: append([]string(nil), row...)}
	out.RepeatedHeader = t.isHeader(out.Values)
	return out, nil
}

// isHeader reports whether row equals the header, as Reader.isHeader.
func (t *TableReader) isHeader(row []string) bool {
	h := t.src.header
	if len(row) != len(h) {
		return false
	}
	for i, v := range row {
		if !strings.EqualFold(trimHeader(v), h[i]) {
			return false
		}
	}
	return true
}

// RepeatedHeaderReason is the reason Reader gives a repeated header row,
// for TableReader callers that report it the same way.
func (t *TableReader) RepeatedHeaderReason() string {
	return "repeated header row: two files concatenated? (the row equals the header of line " + strconv.Itoa(t.src.headerLine) + ")"
}
