// Package csvsource reads account lists exported as CSV (from Excel,
// Salesforce, HubSpot, Google Sheets) into records with canonical keys.
//
// A Reader streams: memory stays flat whatever the file's size, and limits on
// the size of fields, rows and the number of columns bound it whatever the
// input. It detects the text encoding (a byte order mark decides; otherwise
// UTF-16 if the first character is ASCII followed or preceded by a zero byte,
// UTF-8 if the first 64 KiB are valid UTF-8, else Windows-1252) and the
// delimiter (the most frequent of comma, semicolon and tab in the header line,
// or the one named by Excel's "sep=" first line), maps columns by header name,
// and derives keys with package normalize. Blank lines, and rows whose fields
// are all empty, are skipped.
//
// Errors that stop reading (bad encoding, misplaced quotes, ragged rows,
// oversized input) are *Error values naming the file, line, column and
// header, and wrap a sentinel such as ErrQuote for errors.Is. Rows that give
// no key are not errors: Next skips them and Summary lists them.
//
// Preview reads the header and the first rows for an application's "map
// columns" step.
package csvsource

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/acctmap/acctmap/normalize"
)

// Mapping names the header of each column a Reader uses. Names match the
// header case-insensitively, ignoring surrounding spaces.
type Mapping struct {
	Name    string // company name column (required)
	Website string // website column (required)
	ID      string // optional: the source system's record id
	Aliases string // optional: extra domains, e.g. "acme.com; acme.de"
	// RegistrationID is an optional column holding a company registration id
	// of scheme RegistrationScheme (e.g. "duns"), which it then requires.
	RegistrationID     string
	RegistrationScheme string
}

// Record is one accepted row.
type Record struct {
	Line    int    // physical line where the row starts, counting every line of the file (the header's is 1 unless blank lines precede it)
	ID      string // raw values, trimmed of surrounding spaces
	Name    string
	Website string
	NameKey string   // normalize's CompanyName of Name; "" if it gives none
	Domains []string // canonical domains: the website's, then the aliases', without repeats; may be empty
	// WebsiteErr says why a non-empty Website gave no domain (it wraps a
	// normalize sentinel such as normalize.ErrPlatformPage); nil otherwise.
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

// Rejection describes a rejected row, or a problem with an accepted row.
type Rejection struct {
	Line   int    // physical line where the row starts
	Reason string // e.g. `no company name and website "n/a": no company domain`
	Value  string // the raw value at fault: the website (of a rejected row), or the registration id
	Err    error  // the normalize error behind Reason, if any
}

// String returns "line N: " and the reason.
func (r Rejection) String() string { return fmt.Sprintf("line %d: %s", r.Line, r.Reason) }

// Summary counts the rows read so far. Every data row is either accepted
// (returned by Next) or rejected (listed here): none is dropped silently.
type Summary struct {
	Rows     int // data rows read; blank lines and rows of empty fields do not count
	Accepted int // rows returned by Next
	Rejected int // rows that gave no key: no name key, no domain, no registration id
	NoDomain int // accepted rows without any domain: they match by name or id only
	Warned   int // problems in accepted rows: an unusable website, an invalid registration id
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

	name, website, id, aliases, regID int // column indexes; -1 if not mapped
	fieldIdx                          []int
	fieldNames                        []string

	sum Summary
	err error // sticky: io.EOF or the error that stopped reading

	// Records and their slices are carved from shared blocks, to allocate
	// once per many rows; a block stays alive while any of its records does.
	recs []Record
	strs []string
}

// defaultNormalizer is built once (New compiles its lists) and shared: a
// Normalizer is safe for concurrent use.
var defaultNormalizer = sync.OnceValue(func() *normalize.Normalizer { return normalize.New() })

// NewReader detects the encoding and the delimiter of r, reads its header and
// resolves m against it. Its errors are *Error values wrapping ErrMapping,
// ErrOption, ErrNoHeader, ErrMissingColumn, ErrDuplicateHeader, or an error of
// reading the header (ErrEncoding, ErrQuote, ErrTooLarge, I/O).
func NewReader(r io.Reader, m Mapping, opts ...Option) (*Reader, error) {
	cfg := newConfig(opts)
	if err := checkMapping(m, cfg.name); err != nil {
		return nil, err
	}
	src, err := open(r, cfg)
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
	for _, c := range []struct {
		role, header string
		dst          *int
	}{
		{"Name", m.Name, &rd.name},
		{"Website", m.Website, &rd.website},
		{"ID", m.ID, &rd.id},
		{"Aliases", m.Aliases, &rd.aliases},
		{"RegistrationID", m.RegistrationID, &rd.regID},
	} {
		*c.dst = -1
		h := trimHeader(c.header)
		if h == "" {
			continue
		}
		i, ok := index[foldKey(h)]
		if !ok {
			return nil, &Error{File: cfg.name, Line: src.headerLine, Field: h, Kind: ErrMissingColumn, field: -1,
				Msg: fmt.Sprintf("%s column not found; the header has %s", c.role, listHeader(src.header))}
		}
		*c.dst = i
		mapped[i] = true
	}
	for i, h := range src.header {
		if !mapped[i] {
			rd.fieldIdx = append(rd.fieldIdx, i)
			rd.fieldNames = append(rd.fieldNames, h)
		}
	}
	return rd, nil
}

func checkMapping(m Mapping, file string) error {
	fail := func(format string, args ...any) error {
		return &Error{File: file, Kind: ErrMapping, field: -1, Msg: "mapping: " + fmt.Sprintf(format, args...)}
	}
	if trimHeader(m.Name) == "" {
		return fail("the Name column is not set")
	}
	if trimHeader(m.Website) == "" {
		return fail("the Website column is not set")
	}
	if trimHeader(m.RegistrationID) != "" && strings.TrimSpace(m.RegistrationScheme) == "" {
		return fail("RegistrationID column %q has no RegistrationScheme", m.RegistrationID)
	}
	roles := []struct{ role, header string }{
		{"Name", m.Name}, {"Website", m.Website}, {"ID", m.ID}, {"Aliases", m.Aliases}, {"RegistrationID", m.RegistrationID},
	}
	for i, a := range roles {
		for _, b := range roles[:i] {
			if ka := foldKey(trimHeader(a.header)); ka != "" && ka == foldKey(trimHeader(b.header)) {
				return fail("%s and %s are both column %q", b.role, a.role, a.header)
			}
		}
	}
	return nil
}

// listHeader quotes the header's names for a message, eliding a long tail.
func listHeader(h []string) string {
	var b strings.Builder
	for i, name := range h {
		if i == maxListedHeaderFields {
			fmt.Fprintf(&b, " and %d more", len(h)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", name)
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

// Next returns the next accepted record, or io.EOF after the last. Rows that
// give no key are skipped and recorded in the Summary. An error of the input
// (an *Error wrapping ErrEncoding, ErrQuote, ErrRaggedRow, ErrTooLarge, or an
// I/O error) stops the reader: Next then keeps returning it.
func (r *Reader) Next() (*Record, error) {
	for r.err == nil {
		row, line, err := r.src.readRow()
		if err != nil {
			r.err = err
			break
		}
		r.sum.Rows++
		if rec := r.record(row, line); rec != nil {
			r.sum.Accepted++
			return rec, nil
		}
		r.sum.Rejected++
	}
	return nil, r.err
}

// record derives a Record from a row, or records its rejection and returns nil.
func (r *Reader) record(row []string, line int) *Record {
	if len(r.recs) == 0 {
		r.recs = make([]Record, 64)
	}
	rec := &r.recs[0]
	rec.Line = line
	rec.Name = row[r.name]
	rec.Website = row[r.website]
	if r.id >= 0 {
		rec.ID = row[r.id]
	}
	if rec.Name != "" {
		rec.NameKey = r.norm.CompanyName(rec.Name)
	}

	var site string
	if rec.Website != "" {
		site, rec.WebsiteErr = r.norm.Domain(rec.Website)
	}
	var aliases []string
	var aliasErr error
	aliasRaw := ""
	if r.aliases >= 0 {
		aliasRaw = row[r.aliases]
		if aliasRaw != "" {
			aliases, aliasErr = r.norm.Domains(aliasRaw)
		}
	}
	if n := len(aliases); site != "" || n > 0 {
		if site != "" {
			n++
		}
		rec.Domains = r.take(n)[:0]
		if site != "" {
			rec.Domains = append(rec.Domains, site)
		}
	add:
		for _, d := range aliases {
			for _, have := range rec.Domains {
				if d == have {
					continue add
				}
			}
			rec.Domains = append(rec.Domains, d)
		}
	}

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

	if rec.NameKey == "" && len(rec.Domains) == 0 && rec.RegistrationID == "" {
		r.reject(rec, aliasRaw, aliasErr, regRaw)
		*rec = Record{} // reuse the slot
		return nil
	}
	r.recs = r.recs[1:]

	if len(rec.Domains) == 0 {
		r.sum.NoDomain++
	}
	if rec.WebsiteErr != nil {
		r.warn(line, "website", rec.Website, rec.WebsiteErr)
	}
	if rec.RegistrationErr != nil {
		r.warn(line, r.m.RegistrationScheme, regRaw, rec.RegistrationErr)
	}
	if len(r.fieldIdx) > 0 {
		rec.Fields = r.take(len(r.fieldIdx))
		for i, j := range r.fieldIdx {
			rec.Fields[i] = row[j]
		}
	}
	return rec
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

func (r *Reader) reject(rec *Record, aliasRaw string, aliasErr error, regRaw string) {
	if len(r.sum.Rejections) >= r.src.cfg.maxRejections {
		return
	}
	var parts []string
	switch {
	case rec.Name == "":
		parts = append(parts, "no company name")
	default:
		parts = append(parts, fmt.Sprintf("company name %q gives no name key", rec.Name))
	}
	cause := rec.WebsiteErr
	switch {
	case rec.Website == "":
		parts = append(parts, "no website")
	default:
		parts = append(parts, fmt.Sprintf("website %q: %s", rec.Website, causeText(rec.WebsiteErr)))
	}
	if aliasRaw != "" {
		if aliasErr == nil {
			aliasErr = normalize.ErrNoDomain
		}
		parts = append(parts, fmt.Sprintf("aliases %q: %s", aliasRaw, causeText(aliasErr)))
		if cause == nil {
			cause = aliasErr
		}
	}
	if regRaw != "" {
		parts = append(parts, fmt.Sprintf("%s %q: %s", r.m.RegistrationScheme, regRaw, causeText(rec.RegistrationErr)))
		if cause == nil {
			cause = rec.RegistrationErr
		}
	}
	r.sum.Rejections = append(r.sum.Rejections, Rejection{Line: rec.Line, Reason: strings.Join(parts, " and "), Value: rec.Website, Err: cause})
}

// warn counts a problem of an accepted row, and describes it if kept: the
// formatting costs more than the rest of the row.
func (r *Reader) warn(line int, what, value string, err error) {
	r.sum.Warned++
	if len(r.sum.Warnings) < r.src.cfg.maxRejections {
		r.sum.Warnings = append(r.sum.Warnings, Rejection{Line: line, Value: value, Err: err,
			Reason: fmt.Sprintf("%s %q: %s", what, value, causeText(err))})
	}
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
	return err.Error()
}
