// Package csvsource reads account lists exported as CSV (from Excel,
// Salesforce, HubSpot, Google Sheets) into records with canonical keys.
//
// A Reader streams: memory stays flat whatever the file's size, and limits on
// the size of fields, rows and the number of columns bound it whatever the
// input. It maps columns by header name and derives keys with package
// normalize. Blank lines, and rows whose fields are all empty, are skipped.
//
// # What it detects
//
// Before parsing, the first 64 KiB decide what the input is:
//   - Files that are not CSV text fail with an error wrapping ErrNotCSV
//     that says what the file is and what to do: gzip and other compressed
//     files, zip archives (an Excel workbook, .xlsx, is one: "save it as
//     CSV"), legacy Excel .xls, PDF, HTML pages and Excel 2003 XML saved
//     as .xls, images, and binary data with many NUL bytes.
//   - The text encoding: a byte order mark decides; otherwise UTF-16 if
//     zero bytes fall on one side of the byte pairs (the high bytes of
//     ASCII delimiters, line breaks and Latin letters), UTF-8 if the text
//     is valid UTF-8, else Windows-1252. WithEncoding forces one.
//   - The delimiter: the most frequent of comma, semicolon and tab in the
//     header line, or the one named by Excel's "sep=" first line.
//
// # How it reads
//
// Fields follow RFC 4180 as encoding/csv reads them, except that a line
// break inside a quoted field is kept as written (CRLF stays CRLF, a CR in
// a file of CR line ends stays CR), and a byte order mark at the start of a
// row is skipped. A double quote inside an unquoted field (`12" pipe`) is an
// ErrQuote error, or with WithLenientQuotes a literal quote and a warning. A
// literal U+FFFD is text like any other; bytes that are invalid in the
// file's encoding (an unpaired UTF-16 surrogate, an undefined Windows-1252
// byte, invalid UTF-8) are ErrEncoding errors.
//
// A Mapping names the columns: Name and Website, or RegistrationID (or
// OtherWebsites) instead of Website for a DUNS list; further name columns
// (legal name, DBA) and website columns (investor relations, regional
// sites) feed the same record's name keys and domains.
//
// # Errors, rejections and warnings
//
// Errors that stop reading (bad encoding, misplaced quotes, ragged rows,
// oversized input, a file that is not CSV) are *Error values naming the
// file, line, column and header, and wrap a sentinel such as ErrQuote for
// errors.Is. Rows that give no key are not errors: Next skips them and the
// Summary lists them as Rejections; problems of accepted rows (a platform
// page as website, an invalid DUNS, a literal quote) are Warnings. Both are
// Rejection values with the line, column, header name, value and cause
// (Err: the normalize error, or an *Error) of the field at fault. A row
// equal to the header (two exports concatenated into one file) is a
// rejection whose Err is ErrRepeatedHeader, never an account.
//
// Every message, Reason and Value quotes at most a bounded prefix of any
// value (48 bytes, then "…"), so that hostile input never makes a huge error.
//
// # Cancellation
//
// NextContext, NewReaderContext and PreviewContext check their context at
// least every 1,024 rows read, skipped and rejected rows included, and then
// return an *Error wrapping ctx.Err(): errors.Is(err, context.Canceled)
// holds. A Reader stopped that way can go on with another context. Next,
// NewReader and Preview use context.Background.
//
// Preview reads the header and the first rows for an application's "map
// columns" step.
package csvsource

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/acctmap/acctmap/normalize"
)

// Mapping names the header of each column a Reader uses. Names match the
// header case-insensitively, ignoring surrounding spaces. A column may be
// mapped once only. (Its lists make it a type that == cannot compare.)
type Mapping struct {
	Name string // company name column (required)
	// Website is the website column: required unless RegistrationID or
	// OtherWebsites is set (a DUNS export may have no website column).
	Website string
	ID      string // optional: the source system's record id
	Aliases string // optional: extra domains, e.g. "acme.com; acme.de"
	// RegistrationID is an optional column holding a company registration id
	// of scheme RegistrationScheme (e.g. "duns"), which it then requires.
	RegistrationID     string
	RegistrationScheme string
	// OtherNames lists further company name columns, such as "Legal Name",
	// "DBA" or "Short Name": their values are in Record.OtherNames and
	// their name keys in Record.NameKeys.
	OtherNames []string
	// OtherWebsites lists further website columns, such as "Investor
	// Relations Website" or a regional site: their domains follow the
	// Website's in Record.Domains.
	OtherWebsites []string
}

// Record is one accepted row.
type Record struct {
	Line    int    // physical line where the row starts, counting every line of the file (the header's is 1 unless blank lines precede it)
	ID      string // raw values, trimmed of surrounding spaces
	Name    string
	Website string // "" if the Mapping has no Website column
	// OtherNames holds the values of the Mapping's OtherNames columns,
	// trimmed, in mapping order, without empty ones, repeats, or the
	// value of Name.
	OtherNames []string
	// NameKey is the first of NameKeys: normalize's CompanyName of Name,
	// or of the first other name if Name gives none; "" if none gives one.
	NameKey string
	// NameKeys holds the name keys of Name then OtherNames, without empty
	// keys and repeats; empty if none gives a key.
	NameKeys []string
	// Domains holds canonical domains: the website's, then the other
	// websites', then the aliases', without repeats; it may be empty.
	Domains []string
	// WebsiteErr says why a non-empty Website gave no domain (it wraps a
	// normalize sentinel such as normalize.ErrPlatformPage); nil otherwise.
	// The other websites' errors are warnings in the Summary.
	WebsiteErr error
	// RegistrationID is the normalized registration id; "" if the column is
	// not mapped, empty, or invalid.
	RegistrationID string
	// RegistrationErr says why a non-empty registration id was invalid. The
	// row is kept (its name and domains still match), with a warning in the
	// Summary; the id is never repaired (a short DUNS is not padded).
	RegistrationErr error
	// Fields holds the values of the unmapped columns, in the order of
	// Reader.FieldNames. It shares its backing array with no other record.
	Fields []string
}

// Rejection describes a rejected row, or a problem with an accepted row (a
// warning), down to the field at fault: an application can show, export or
// branch on it without parsing Reason.
type Rejection struct {
	Line int // physical line where the row starts
	// Column is the 1-based index in the header of the column at fault
	// (not a byte offset: Err, if an *Error, has that); 0 if the whole
	// row is at fault, as a repeated header is.
	Column int
	Field  string // the header name of that column; "" if Column is 0
	// Reason says what is wrong, e.g. `no company name and website "n/a":
	// no company domain`. It quotes at most 48 bytes of each value.
	Reason string
	// Value is the raw value at fault (the website, other website, aliases
	// or registration id that gave no key, else the name; the field of a
	// warning), cut to its first 48 bytes and "…" if longer.
	Value string
	// Err is the cause: the normalize error (wrapping normalize.ErrNoDomain,
	// ErrGenericDomain, ErrPlatformPage or ErrInvalidID; a
	// *normalize.DomainError for a website), an *Error wrapping ErrQuote
	// for a quote read by WithLenientQuotes, or ErrRepeatedHeader. It is
	// nil for a row whose only values are names that give no key.
	Err error
}

// String returns "line N: " and the reason.
func (r Rejection) String() string { return fmt.Sprintf("line %d: %s", r.Line, r.Reason) }

// Summary counts the rows read so far. Every data row is either accepted
// (returned by Next) or rejected (listed here): none is dropped silently.
type Summary struct {
	Rows     int // data rows read; blank lines and rows of empty fields do not count
	Accepted int // rows returned by Next
	Rejected int // rows that gave no key (no name key, no domain, no registration id) and repeated headers
	NoDomain int // accepted rows without any domain: they match by name or id only
	Warned   int // problems in accepted rows: an unusable website, an invalid registration id, a literal quote
	// Rejections holds the first rejected rows, Warnings the first warnings
	// (see WithMaxRejections).
	Rejections []Rejection
	Warnings   []Rejection
}

// Reader reads records from CSV input. It is not safe for concurrent use,
// except for BytesRead.
type Reader struct {
	src  *source
	m    Mapping
	norm *normalize.Normalizer

	name, website, id, aliases, regID int   // column indexes; -1 if not mapped
	otherNames, otherSites            []int // column indexes
	fieldIdx                          []int
	fieldNames                        []string

	sum Summary
	err error // sticky: io.EOF or the error that stopped reading

	// Per-row scratch: the problems of the fields of the row being read,
	// and the other websites' domains.
	errs     []fieldErr
	otherDom []string

	// Records and their slices are carved from shared blocks, to allocate
	// once per many rows; a block stays alive while any of its records does.
	recs []Record
	strs []string
}

// fieldErr is a value of one field of a row that gave no key.
type fieldErr struct {
	col   int // index in the header
	value string
	err   error
}

// defaultNormalizer is built once (New compiles its lists) and shared: a
// Normalizer is safe for concurrent use.
var defaultNormalizer = sync.OnceValue(func() *normalize.Normalizer { return normalize.New() })

// NewReader is NewReaderContext with context.Background().
func NewReader(r io.Reader, m Mapping, opts ...Option) (*Reader, error) {
	return NewReaderContext(context.Background(), r, m, opts...)
}

// NewReaderContext detects what r holds (its encoding and delimiter, or
// that it is not CSV), reads its header and resolves m against it. Its
// errors are *Error values wrapping ErrMapping, ErrOption, ErrNotCSV,
// ErrNoHeader, ErrMissingColumn, ErrDuplicateHeader, or an error of reading
// the header (ErrEncoding, ErrQuote, ErrTooLarge, I/O), or wrapping
// ctx.Err() if ctx ends while it skips blank lines before the header.
func NewReaderContext(ctx context.Context, r io.Reader, m Mapping, opts ...Option) (*Reader, error) {
	cfg := newConfig(opts)
	if err := checkMapping(m, cfg.name); err != nil {
		return nil, err
	}
	src, err := open(ctx, r, cfg)
	if err != nil {
		return nil, err
	}
	rd := &Reader{src: src, m: m, norm: cfg.norm}
	if rd.norm == nil {
		rd.norm = defaultNormalizer()
	}
	index := make(map[string]int, len(src.header))
	for i, h := range src.header {
		index[foldKey(h)] = i
	}
	mapped := make([]bool, len(src.header))
	for _, c := range mappingRoles(m) {
		h := trimHeader(c.header)
		if c.dst(rd) != nil {
			*c.dst(rd) = -1
		}
		if h == "" {
			continue
		}
		i, ok := index[foldKey(h)]
		if !ok {
			return nil, &Error{File: cfg.name, Line: src.headerLine, Field: h, Kind: ErrMissingColumn, field: -1,
				Msg: fmt.Sprintf("%s column not found; the header has %s", c.role, listHeader(src.header))}
		}
		switch c.role {
		case "OtherNames":
			rd.otherNames = append(rd.otherNames, i)
		case "OtherWebsites":
			rd.otherSites = append(rd.otherSites, i)
		default:
			*c.dst(rd) = i
		}
		mapped[i] = true
	}
	for i, h := range src.header {
		if !mapped[i] {
			rd.fieldIdx = append(rd.fieldIdx, i)
			rd.fieldNames = append(rd.fieldNames, h)
		}
	}
	for _, q := range src.headerQuotes {
		rd.bareQuote(src.headerLine, q, src.header[q.field])
	}
	return rd, nil
}

// role is one column a Mapping names: dst points at the Reader's index for
// single columns, and is nil for the entries of the lists.
type role struct {
	role, header string
	dst          func(*Reader) *int
}

func mappingRoles(m Mapping) []role {
	roles := []role{
		{"Name", m.Name, func(r *Reader) *int { return &r.name }},
		{"Website", m.Website, func(r *Reader) *int { return &r.website }},
		{"ID", m.ID, func(r *Reader) *int { return &r.id }},
		{"Aliases", m.Aliases, func(r *Reader) *int { return &r.aliases }},
		{"RegistrationID", m.RegistrationID, func(r *Reader) *int { return &r.regID }},
	}
	none := func(*Reader) *int { return nil }
	for _, h := range m.OtherNames {
		roles = append(roles, role{"OtherNames", h, none})
	}
	for _, h := range m.OtherWebsites {
		roles = append(roles, role{"OtherWebsites", h, none})
	}
	return roles
}

func checkMapping(m Mapping, file string) error {
	fail := func(format string, args ...any) error {
		return &Error{File: file, Kind: ErrMapping, field: -1, Msg: "mapping: " + fmt.Sprintf(format, args...)}
	}
	if trimHeader(m.Name) == "" {
		return fail("the Name column is not set")
	}
	if trimHeader(m.Website) == "" && trimHeader(m.RegistrationID) == "" && len(m.OtherWebsites) == 0 {
		return fail("the Website column is not set: a Website, OtherWebsites or RegistrationID column is required")
	}
	if trimHeader(m.RegistrationID) != "" && strings.TrimSpace(m.RegistrationScheme) == "" {
		return fail("RegistrationID column %s has no RegistrationScheme", quote(m.RegistrationID))
	}
	for _, list := range []struct {
		role  string
		names []string
	}{{"OtherNames", m.OtherNames}, {"OtherWebsites", m.OtherWebsites}} {
		for i, h := range list.names {
			if trimHeader(h) == "" {
				return fail("%s entry %d is empty", list.role, i+1)
			}
		}
	}
	roles := mappingRoles(m)
	for i, a := range roles {
		for _, b := range roles[:i] {
			if ka := foldKey(trimHeader(a.header)); ka != "" && ka == foldKey(trimHeader(b.header)) {
				if a.role == b.role {
					return fail("%s lists column %s twice", a.role, quote(a.header))
				}
				return fail("%s and %s are both column %s", b.role, a.role, quote(a.header))
			}
		}
	}
	return nil
}

// maxListedBytes bounds the part of a message that lists header names.
const maxListedBytes = 400

// listHeader quotes the header's names for a message, eliding a long tail.
func listHeader(h []string) string {
	var b strings.Builder
	for i, name := range h {
		if i == maxListedHeaderFields || b.Len() > maxListedBytes {
			fmt.Fprintf(&b, " and %d more", len(h)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quote(name))
	}
	return b.String()
}

// Header returns the column names of the header, trimmed, in file order.
func (r *Reader) Header() []string { return append([]string(nil), r.src.header...) }

// FieldNames returns the names of the unmapped columns: those whose values
// are in Record.Fields.
func (r *Reader) FieldNames() []string { return append([]string(nil), r.fieldNames...) }

// Delimiter returns the field delimiter, detected or forced.
func (r *Reader) Delimiter() rune { return r.src.delim }

// Encoding returns the text encoding, detected or forced: UTF8, UTF16LE,
// UTF16BE or Windows1252.
func (r *Reader) Encoding() string { return r.src.enc }

// BytesRead returns how many bytes were read from the input so far, for
// progress reporting (it runs ahead of Next by up to about 130 KiB of
// buffers). It may be called concurrently with Next.
func (r *Reader) BytesRead() int64 { return r.src.count.n.Load() }

// Summary returns the counts and the kept rejections and warnings so far.
func (r *Reader) Summary() Summary {
	s := r.sum
	s.Rejections = append([]Rejection(nil), s.Rejections...)
	s.Warnings = append([]Rejection(nil), s.Warnings...)
	return s
}

// Next is NextContext with context.Background().
func (r *Reader) Next() (*Record, error) { return r.NextContext(context.Background()) }

// NextContext returns the next accepted record, or io.EOF after the last.
// Rows that give no key, and rows equal to the header, are skipped and
// recorded in the Summary. An error of the input (an *Error wrapping
// ErrEncoding, ErrQuote, ErrRaggedRow, ErrTooLarge, or an I/O error) stops
// the reader: NextContext then keeps returning it.
//
// It checks ctx at least every 1,024 rows read, skipped ones included, and
// returns an *Error wrapping ctx.Err() once ctx is done; the reader has then
// stopped between two rows, and a later call with a live context goes on
// from there.
func (r *Reader) NextContext(ctx context.Context) (*Record, error) {
	if ctx == nil {
		return nil, &Error{File: r.src.cfg.name, Kind: ErrOption, field: -1, Msg: "nil context"}
	}
	for r.err == nil {
		row, line, err := r.src.readRow(ctx)
		if err != nil {
			if e, ok := err.(*Error); ok && e.cancel {
				return nil, err
			}
			r.err = err
			break
		}
		r.sum.Rows++
		if r.isHeader(row) {
			r.sum.Rejected++
			if len(r.sum.Rejections) < r.src.cfg.maxRejections {
				r.sum.Rejections = append(r.sum.Rejections, Rejection{Line: line, Err: ErrRepeatedHeader,
					Reason: "repeated header row: two files concatenated? (the row equals the header of line " + strconv.Itoa(r.src.headerLine) + ")"})
			}
			continue
		}
		if rec := r.record(row, line); rec != nil {
			r.sum.Accepted++
			return rec, nil
		}
		r.sum.Rejected++
	}
	return nil, r.err
}

// isHeader reports whether row equals the header, names compared as the
// Mapping's are (trimmed of spaces and byte order marks, case folded).
func (r *Reader) isHeader(row []string) bool {
	// Values are trimmed of spaces already, and a BOM at the start of a
	// row is skipped: trimming the first again is needed only for a BOM
	// left after spaces.
	h, v := r.src.header, row[0]
	if len(v) > 0 && v[0] == bomText[0] {
		v = trimHeader(v)
	}
	if !strings.EqualFold(v, h[0]) {
		return false // the common case: one comparison
	}
	for i := 1; i < len(row); i++ {
		if !strings.EqualFold(trimHeader(row[i]), h[i]) {
			return false
		}
	}
	return true
}

// record derives a Record from a row, or records its rejection and returns nil.
func (r *Reader) record(row []string, line int) *Record {
	if len(r.recs) == 0 {
		r.recs = make([]Record, 64)
	}
	rec := &r.recs[0]
	rec.Line = line
	rec.Name = row[r.name]
	if r.website >= 0 {
		rec.Website = row[r.website]
	}
	if r.id >= 0 {
		rec.ID = row[r.id]
	}

	nameKey := ""
	if rec.Name != "" {
		nameKey = r.norm.CompanyName(rec.Name)
	}
	if len(r.otherNames) > 0 {
		r.names(rec, row, nameKey)
	} else if nameKey != "" {
		rec.NameKeys = r.take(1)
		rec.NameKeys[0] = nameKey
	}
	if len(rec.NameKeys) > 0 {
		rec.NameKey = rec.NameKeys[0]
	}

	r.errs = r.errs[:0]
	var site string
	if rec.Website != "" {
		site, rec.WebsiteErr = r.norm.Domain(rec.Website)
		if rec.WebsiteErr != nil {
			r.errs = append(r.errs, fieldErr{r.website, rec.Website, rec.WebsiteErr})
		}
	}
	others := r.otherDom[:0]
	for _, c := range r.otherSites {
		v := row[c]
		if v == "" {
			continue
		}
		d, err := r.norm.Domain(v)
		if err != nil {
			r.errs = append(r.errs, fieldErr{c, v, err})
			continue
		}
		others = append(others, d)
	}
	r.otherDom = others
	var aliases []string
	var aliasErr error
	aliasRaw := ""
	if r.aliases >= 0 {
		aliasRaw = row[r.aliases]
		if aliasRaw != "" {
			aliases, aliasErr = r.norm.Domains(aliasRaw)
		}
	}
	if n := len(others) + len(aliases); site != "" || n > 0 {
		if site != "" {
			n++
		}
		rec.Domains = r.take(n)[:0]
		if site != "" {
			rec.Domains = append(rec.Domains, site)
		}
		rec.Domains = appendNew(rec.Domains, others)
		rec.Domains = appendNew(rec.Domains, aliases)
	}
	clear(others) // the scratch must not pin the row's text

	regRaw := ""
	if r.regID >= 0 {
		regRaw = row[r.regID]
		if regRaw != "" {
			id, err := normalize.RegistrationID(r.m.RegistrationScheme, regRaw)
			if err != nil {
				rec.RegistrationErr = err
			} else {
				rec.RegistrationID = id
			}
		}
	}

	if len(rec.NameKeys) == 0 && len(rec.Domains) == 0 && rec.RegistrationID == "" {
		r.reject(rec, row, aliasRaw, aliasErr, regRaw)
		*rec = Record{} // reuse the slot
		return nil
	}
	r.recs = r.recs[1:]

	if len(rec.Domains) == 0 {
		r.sum.NoDomain++
	}
	for _, e := range r.errs {
		r.warn(line, e.col, r.label(e.col), e.value, e.err)
	}
	if rec.RegistrationErr != nil {
		r.warn(line, r.regID, clip(r.m.RegistrationScheme), regRaw, rec.RegistrationErr)
	}
	for _, q := range r.src.rows.bareQuotes {
		r.bareQuote(line, q, row[q.field])
	}
	if len(r.fieldIdx) > 0 {
		rec.Fields = r.take(len(r.fieldIdx))
		for i, j := range r.fieldIdx {
			rec.Fields[i] = row[j]
		}
	}
	return rec
}

// names sets the record's OtherNames and NameKeys from the other name
// columns; nameKey is the Name's key.
func (r *Reader) names(rec *Record, row []string, nameKey string) {
	n := 0
	for _, c := range r.otherNames {
		if row[c] != "" {
			n++
		}
	}
	keys := r.take(n + 1)[:0]
	if nameKey != "" {
		keys = append(keys, nameKey)
	}
	if n > 0 {
		names := r.take(n)[:0]
	next:
		for _, c := range r.otherNames {
			v := row[c]
			if v == "" || v == rec.Name {
				continue
			}
			for _, have := range names {
				if v == have {
					continue next
				}
			}
			names = append(names, v)
			if k := r.norm.CompanyName(v); k != "" {
				keys = appendNew(keys, []string{k})
			}
		}
		if len(names) > 0 {
			rec.OtherNames = names
		}
	}
	if len(keys) > 0 {
		rec.NameKeys = keys
	}
}

// appendNew appends the strings of add that dst lacks.
func appendNew(dst, add []string) []string {
next:
	for _, s := range add {
		for _, have := range dst {
			if s == have {
				continue next
			}
		}
		dst = append(dst, s)
	}
	return dst
}

// take returns a slice of n strings that no other record shares.
func (r *Reader) take(n int) []string {
	if n > len(r.strs) {
		r.strs = make([]string, max(1024, n))
	}
	s := r.strs[:n:n]
	r.strs = r.strs[n:]
	return s
}

// label names a website column in a reason: "website" for the Website, the
// header name (cut) for the others.
func (r *Reader) label(col int) string {
	if col == r.website {
		return "website"
	}
	return clip(r.src.header[col])
}

func (r *Reader) reject(rec *Record, row []string, aliasRaw string, aliasErr error, regRaw string) {
	if len(r.sum.Rejections) >= r.src.cfg.maxRejections {
		return
	}
	var b strings.Builder
	part := func(format string, args ...any) {
		if b.Len() > 0 {
			b.WriteString(" and ")
		}
		fmt.Fprintf(&b, format, args...)
	}
	// The field at fault: the first value that could have given a domain
	// or an id, else the name.
	at, found := fieldErr{col: r.name, value: rec.Name}, false
	pick := func(col int, value string, err error) {
		if !found {
			at, found = fieldErr{col, value, err}, true
		}
	}
	if rec.Name == "" {
		part("no company name")
	} else {
		part("company name %s gives no name key", quote(rec.Name))
	}
	for _, c := range r.otherNames {
		if v := row[c]; v != "" && v != rec.Name {
			part("%s %s gives no name key", clip(r.src.header[c]), quote(v))
		}
	}
	if r.website >= 0 {
		if rec.Website == "" {
			part("no website")
		}
	}
	for _, e := range r.errs {
		part("%s %s: %s", r.label(e.col), quote(e.value), causeText(e.err))
		pick(e.col, e.value, e.err)
	}
	if aliasRaw != "" {
		if aliasErr == nil {
			aliasErr = normalize.ErrNoDomain
		}
		part("aliases %s: %s", quote(aliasRaw), causeText(aliasErr))
		pick(r.aliases, aliasRaw, aliasErr)
	}
	if regRaw != "" {
		part("%s %s: %s", clip(r.m.RegistrationScheme), quote(regRaw), causeText(rec.RegistrationErr))
		pick(r.regID, regRaw, rec.RegistrationErr)
	}
	r.sum.Rejections = append(r.sum.Rejections, Rejection{Line: rec.Line, Column: at.col + 1, Field: r.src.header[at.col],
		Reason: b.String(), Value: clip(at.value), Err: at.err})
}

// warn counts a problem of an accepted row, and describes it if kept: the
// formatting costs more than the rest of the row.
func (r *Reader) warn(line, col int, what, value string, err error) {
	r.sum.Warned++
	if len(r.sum.Warnings) < r.src.cfg.maxRejections {
		r.sum.Warnings = append(r.sum.Warnings, Rejection{Line: line, Column: col + 1, Field: r.src.header[col],
			Value: clip(value), Err: err, Reason: fmt.Sprintf("%s %s: %s", what, quote(value), causeText(err))})
	}
}

// bareQuote warns of a quote that WithLenientQuotes read as a literal one,
// in the row starting on line.
func (r *Reader) bareQuote(line int, q bareQuote, value string) {
	r.sum.Warned++
	if len(r.sum.Warnings) >= r.src.cfg.maxRejections {
		return
	}
	qline := q.line + r.src.lineOffset
	e := &Error{File: r.src.cfg.name, Line: qline, Column: q.col, Field: r.src.header[q.field], Kind: ErrQuote, Err: csv.ErrBareQuote, field: -1,
		Msg: `bare " in non-quoted field, read as a literal quote`}
	r.sum.Warnings = append(r.sum.Warnings, Rejection{Line: line, Column: q.field + 1, Field: e.Field, Value: clip(value), Err: e,
		Reason: fmt.Sprintf("%s %s: bare \" at line %d, byte %d read as a literal quote", clip(e.Field), quote(value), qline, q.col)})
}

// causeText names the normalize sentinel behind err: reasons stay short, and
// Rejection.Err keeps the details.
func causeText(err error) string {
	for _, s := range []error{normalize.ErrGenericDomain, normalize.ErrPlatformPage, normalize.ErrNoDomain, normalize.ErrInvalidID} {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	if err == nil {
		return "no usable value"
	}
	return clip(err.Error())
}
