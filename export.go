package acctmap

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
)

// ExportReport writes a report as CSV to w: a header of column names and
// one line per row, separated by commas and ended by "\n".
//
// The file opens safely in a spreadsheet of any locale. A cell holding a
// character that some spreadsheet splits cells on (comma, semicolon, tab,
// a quote, CR or LF) is quoted, so that a program whose list separator is
// ";" still reads one cell. A value a spreadsheet would evaluate as a
// formula (starting with =, +, -, @, tab, CR or LF, the OWASP list) gets a
// leading apostrophe, except a plain number or phone number ("-5",
// "+3.5", "+1 (555) 010-0100"): a value of digits, spaces and ( ) . , / %
// + - after its sign can call no function and reference no cell, and is
// left as it is.
//
// Exporting needs the ExportRecords permission (a read-only user cannot
// export), and the rows count against the org's export limit: an export
// that would exceed it writes nothing and fails with ErrLimitExceeded. The
// org is charged for the rows delivered: when w fails, the rows whose
// bytes w accepted. It returns that number of rows.
//
// The rows are written through a small buffer as they are encoded, but
// the report itself is computed in memory first, as Report computes it:
// an export's peak memory grows with its cell (see ReportSpec.Limit and
// Cursor to export a large cell in parts).
func (a *Actor) ExportReport(ctx context.Context, spec ReportSpec, w io.Writer) (int, error) {
	if err := a.n.store.View(ctx, func(tx ReadTx) error { _, err := a.user(tx, ExportRecords); return err }); err != nil {
		return 0, err
	}
	rep, err := a.Report(ctx, spec)
	if err != nil {
		return 0, err
	}
	// Reserve the whole report before writing, so that concurrent exports
	// cannot together pass the limit; give back what was not delivered.
	if err := a.chargeExport(ctx, len(rep.Rows)); err != nil {
		return 0, err
	}
	delivered, werr := writeCSV(w, rep)
	if undelivered := len(rep.Rows) - delivered; undelivered > 0 {
		// The caller's ctx may be what failed the writer: the refund
		// must still happen.
		if err := a.refundExport(context.WithoutCancel(ctx), undelivered); err != nil && werr == nil {
			werr = err
		}
	}
	return delivered, werr
}

// chargeExport counts n exported rows against the org's limit.
func (a *Actor) chargeExport(ctx context.Context, n int) error {
	return a.n.store.Update(ctx, func(tx Tx) error {
		u, err := a.user(tx, ExportRecords)
		if err != nil {
			return err
		}
		org, err := tx.Org(u.OrgID)
		if err != nil {
			return err
		}
		if max := org.Limits.MaxExportedRecords; max > 0 && org.ExportedRecords+int64(n) > max {
			return fmt.Errorf("acctmap: export of %d rows: the plan allows %d exported records and %d are used: %w",
				n, max, org.ExportedRecords, ErrLimitExceeded)
		}
		org.ExportedRecords += int64(n)
		return tx.PutOrg(org)
	})
}

// refundExport gives back n reserved rows that were not delivered. It
// checks no permission: the reservation it undoes did.
func (a *Actor) refundExport(ctx context.Context, n int) error {
	return a.n.store.Update(ctx, func(tx Tx) error {
		u, err := a.user(tx, 0)
		if err != nil {
			return err
		}
		org, err := tx.Org(u.OrgID)
		if err != nil {
			return err
		}
		org.ExportedRecords = max(0, org.ExportedRecords-int64(n))
		return tx.PutOrg(org)
	})
}

// countingWriter counts the bytes its writer accepted.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// writeCSV writes rep and returns how many rows w accepted in full.
func writeCSV(w io.Writer, rep Report) (int, error) {
	cw := &countingWriter{w: w}
	bw := bufio.NewWriter(cw)
	var ends []int64 // where each row not yet known delivered ends
	delivered := 0
	// settle counts the rows w has accepted in full and forgets them.
	settle := func() {
		i := 0
		for i < len(ends) && ends[i] <= cw.n {
			i++
		}
		delivered += i
		ends = ends[:copy(ends, ends[i:])]
	}
	writeLine(bw, rep.Columns)
	for _, r := range rep.Rows {
		if e := stickyErr(bw); e != nil {
			settle()
			return delivered, fmt.Errorf("acctmap: export: %w", e)
		}
		writeLine(bw, r.Values)
		ends = append(ends, cw.n+int64(bw.Buffered()))
		settle()
	}
	err := bw.Flush()
	settle()
	if err != nil {
		return delivered, fmt.Errorf("acctmap: export: %w", err)
	}
	return delivered, nil
}

// stickyErr returns bw's write error, if any: a zero-length write reads
// it without writing.
func stickyErr(bw *bufio.Writer) error {
	_, err := bw.Write(nil)
	return err
}

// writeLine writes one CSV line; errors stick in bw.
func writeLine(bw *bufio.Writer, cells []string) {
	for i, c := range cells {
		if i > 0 {
			bw.WriteByte(',')
		}
		writeCell(bw, c)
	}
	bw.WriteByte('\n')
}

// writeCell writes one CSV cell, neutralized, and quoted when it holds a
// character some spreadsheet splits or ends cells on, or an edge space
// (which some trim).
func writeCell(bw *bufio.Writer, v string) {
	v = neutralize(v)
	if !strings.ContainsAny(v, ",;\t\"\r\n") && !(v != "" && (v[0] == ' ' || v[len(v)-1] == ' ')) {
		bw.WriteString(v)
		return
	}
	bw.WriteByte('"')
	for {
		i := strings.IndexByte(v, '"')
		if i < 0 {
			break
		}
		bw.WriteString(v[:i+1])
		bw.WriteByte('"')
		v = v[i+1:]
	}
	bw.WriteString(v)
	bw.WriteByte('"')
}

// neutralize defuses a value a spreadsheet would evaluate as a formula
// (CSV injection, OWASP: a leading =, +, -, @, tab, CR or LF) with a
// leading apostrophe, and leaves plain numbers and phone numbers alone.
func neutralize(v string) string {
	if v == "" || !strings.ContainsRune("=+-@\t\r\n", rune(v[0])) {
		return v
	}
	if (v[0] == '+' || v[0] == '-') && harmlessNumber(v[1:]) {
		return v
	}
	return "'" + v
}

// harmlessNumber reports whether s, after a sign, is made of digits and
// the punctuation of numbers and phone numbers only: no letter (so no
// function, cell reference or DDE command), no quote, no other operator.
// At worst a spreadsheet computes arithmetic on its digits.
func harmlessNumber(s string) bool {
	digits := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits = true
		case strings.IndexByte(" ().,/%+-", c) >= 0:
		default:
			return false
		}
	}
	return digits
}
