package acctmap

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// ExportReport writes a report as CSV to w: a header of column names and
// one line per row, comma-separated, quoted as RFC 4180 says. It needs
// the ExportRecords permission (read-only users cannot export), and the
// rows count against the org's export limit: an export that would exceed
// it writes nothing and fails with ErrLimitExceeded. It returns the number
// of rows delivered to w.
//
// The file opens safely in any spreadsheet and locale:
//
//   - every cell holding a character some locale splits on (comma,
//     semicolon, tab, a quote, CR or LF) is quoted, so that a spreadsheet
//     whose list separator is ";" (Excel in most European locales) reads
//     one cell, not several;
//   - a cell that a spreadsheet would evaluate as a formula — one starting
//     with "=", "+", "-", "@", tab, CR or LF (OWASP's CSV injection list) —
//     gets a leading apostrophe, and so does every part of a cell after a
//     separator or a line break, for tools that split without honouring
//     quotes: "Kovalent;=1+2" is written as "Kovalent;'=1+2";
//   - plain numbers and phone numbers ("-5", "+3.5", "+1 (555) 010-0100")
//     stay as they are: a sign followed only by digits, spaces, dots,
//     commas, slashes, parentheses and dashes can call no function and
//     reference no cell.
//
// The quota is charged for what was delivered: the rows are reserved
// before anything is written, and those that w did not take (a failing
// writer, a cancelled ctx) are given back. The audit trails (AuditLog) of
// the exporter's org and of the records' owner follow the quota, in the
// same transactions: an AuditExport entry with every row's records when
// they are reserved, and an AuditExportIncomplete entry with the records
// of the rows delivered when some are given back.
//
// Rows are written as they are made: each row's cells are computed when
// it is written, through a buffer of 64 KiB, so that the export holds no
// projected copy of the report (a whole cell of 100,000 rows took 669 MB
// when it did).
func (a *Actor) ExportReport(ctx context.Context, spec ReportSpec, w io.Writer) (int, error) {
	if err := a.n.store.View(ctx, func(tx ReadTx) error { _, err := a.user(tx, ExportRecords); return err }); err != nil {
		return 0, err
	}
	pg, err := a.cellPage(ctx, spec, a.n.cellRows)
	if err != nil {
		return 0, err
	}
	// The records of every row, the partner's shown or not, for the audit
	// trails (audit.go): ids only, not a copy of the report.
	ex := exportAudit{spec: spec, recordIDs: make([]string, len(pg.rows)), partnerIDs: make([]string, len(pg.rows))}
	for i, r := range pg.rows {
		ex.recordIDs[i], ex.partnerIDs[i] = r.r.out.RecordID, r.r.partner
	}
	if err := a.chargeExport(ctx, int64(len(pg.rows)), &ex); err != nil {
		return 0, err
	}
	delivered, werr := writeCSV(ctx, w, pg)
	a.n.log(ctx, "export", slog.String("user", a.userID), slog.String("partner", spec.Partner), slog.String("population", spec.Population),
		slog.String("partner_population", spec.PartnerPopulation), slog.Int("rows", delivered))
	if undelivered := len(pg.rows) - delivered; undelivered > 0 {
		// The refund must happen even when ctx ended the export.
		ex.refund, ex.delivered = true, delivered
		if err := a.chargeExport(context.WithoutCancel(ctx), -int64(undelivered), &ex); err != nil {
			return delivered, fmt.Errorf("acctmap: export: %w (and giving back the %d rows not delivered failed: %w)", werr, undelivered, err)
		}
	}
	if werr != nil {
		return delivered, fmt.Errorf("acctmap: export: %w", werr)
	}
	return delivered, nil
}

// chargeExport counts n exported rows against the org's limit; a negative
// n gives rows back. In the same transaction it writes the export (or
// what was not delivered of it) to the audit trails (audit.go).
func (a *Actor) chargeExport(ctx context.Context, n int64, ex *exportAudit) error {
	return a.n.store.Update(ctx, func(tx Tx) error {
		u, err := a.user(tx, ExportRecords)
		if err != nil {
			return err
		}
		org, err := tx.Org(u.OrgID)
		if err != nil {
			return err
		}
		if max := org.Limits.MaxExportedRecords; n > 0 && max > 0 && org.ExportedRecords+n > max {
			return fmt.Errorf("acctmap: export of %d rows: the plan allows %d exported records and %d are used: %w",
				n, max, org.ExportedRecords, ErrLimitExceeded)
		}
		org.ExportedRecords = max(org.ExportedRecords+n, 0)
		if err := tx.PutOrg(org); err != nil {
			return err
		}
		return a.auditExport(tx, u, ex)
	})
}

// exportFlushBytes is how much of the CSV is buffered before it is handed
// to the writer: rows are counted as delivered when their bytes are.
const exportFlushBytes = 64 << 10

// writeCSV writes the page pg to w, each row's cells made as it is
// written, and returns how many rows w took whole.
func writeCSV(ctx context.Context, w io.Writer, pg page) (delivered int, err error) {
	bw := bufio.NewWriterSize(w, exportFlushBytes)
	pending := 0 // rows in bw, not yet handed to w
	writeRow := func(cell func(i int) string) {
		for i := range pg.columns {
			if i > 0 {
				bw.WriteByte(',')
			}
			bw.WriteString(csvCell(cell(i)))
		}
		bw.WriteByte('\n')
	}
	writeRow(func(i int) string { return pg.columns[i] })
	for i := range pg.rows {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return delivered, err
			}
		}
		if bw.Available() < exportFlushBytes/4 {
			if err := bw.Flush(); err != nil {
				return delivered, err
			}
			delivered, pending = delivered+pending, 0
		}
		r := pg.rows[i].r
		writeRow(func(k int) string { return r.value(pg.columns[k]) })
		pending++
	}
	if err := bw.Flush(); err != nil {
		return delivered, err
	}
	return delivered + pending, nil
}

// csvCell returns v as one CSV cell: neutralized, and quoted when it holds
// a character any locale's spreadsheet would split on.
func csvCell(v string) string {
	v = neutralize(v)
	if !strings.ContainsAny(v, ",;\t\"\r\n") && !strings.HasPrefix(v, " ") && !strings.HasSuffix(v, " ") {
		return v
	}
	return `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
}

// neutralize defuses what a spreadsheet would evaluate as a formula (CSV
// injection): the value, and each part of it after a separator or a line
// break, get a leading apostrophe when they start like a formula and are
// not a plain number or phone number.
func neutralize(v string) string {
	if !strings.ContainsAny(v, "=+-@\t\r\n") {
		return v // the common case: nothing could start a formula
	}
	var b strings.Builder
	start := true // at the start of the value or of a part
	for i := 0; i < len(v); i++ {
		c := v[i]
		if start {
			j := i
			for j < len(v) && v[j] == ' ' {
				j++ // a spreadsheet skips leading spaces of a split part
			}
			if j < len(v) && formulaStart(v[j]) && (i == 0 || v[j] != '\t' && v[j] != '\r' && v[j] != '\n') && !plainNumber(v[j:]) {
				b.WriteString(v[i:j])
				b.WriteByte('\'')
				i = j
				c = v[i]
			}
		}
		b.WriteByte(c)
		start = strings.IndexByte(",;\t\r\n", c) >= 0
	}
	return b.String()
}

// formulaStart reports whether a cell starting with c is a formula to a
// spreadsheet (OWASP's list).
func formulaStart(c byte) bool { return strings.IndexByte("=+-@\t\r\n", c) >= 0 }

// plainNumber reports whether s, up to the next separator, is a sign and
// then only digits, spaces, dots, commas, slashes, parentheses and dashes,
// with a digit: a number or a phone number, which calls no function and
// references no cell.
func plainNumber(s string) bool {
	if s == "" || (s[0] != '+' && s[0] != '-') {
		return false
	}
	digit := false
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digit = true
		case c == ',' || c == ';' || c == '\t' || c == '\r' || c == '\n':
			if c != ',' || i+1 >= len(s) || s[i+1] < '0' || s[i+1] > '9' {
				return digit // a separator ends the part
			}
		case c == ' ' || c == '.' || c == '/' || c == '(' || c == ')' || c == '-':
		default:
			return false
		}
	}
	return digit
}
