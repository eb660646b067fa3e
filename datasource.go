package acctmap

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/cespare/xxhash/v2"

	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/fieldtype"
	"github.com/acctmap/acctmap/normalize"
)

// NewDataSource describes a data source to create.
type NewDataSource struct {
	// OrgID is the org whose data this is: the acting user's org (the
	// default when empty) or one of its offline partners.
	OrgID string
	Name  string
	// Kind is CSVSource (the default) or PushedSource. Offline partners
	// have CSV data sources only.
	Kind DataSourceKind
	// FieldTypes and Locale declare the types of fields, as
	// SetFieldTypes does; they may name fields that the first import
	// brings.
	FieldTypes map[string]fieldtype.Type
	Locale     fieldtype.Locale
	// Subject is Accounts (the default) or People: a people data source
	// holds leads and contacts keyed by e-mail (see people.go).
	Subject Subject
}

// CreateDataSource creates an empty data source. Fill it with ImportCSV, or
// for a PushedSource with UpsertRecords and ReplaceRecords.
func (a *Actor) CreateDataSource(ctx context.Context, spec NewDataSource) (DataSource, error) {
	name, err := checkName("data source", spec.Name)
	if err != nil {
		return DataSource{}, err
	}
	switch spec.Kind {
	case "":
		spec.Kind = CSVSource
	case CSVSource, PushedSource:
	default:
		return DataSource{}, fmt.Errorf("acctmap: create data source: unknown kind %.60q: %w", spec.Kind, ErrInvalidInput)
	}
	if spec.Subject, err = checkSubject(spec.Subject); err != nil {
		return DataSource{}, err
	}
	types, err := checkFieldTypes("create data source", spec.Locale, spec.FieldTypes, nil)
	if err != nil {
		return DataSource{}, err
	}
	var ds DataSource
	err = a.n.store.Update(ctx, func(tx Tx) error {
		u, err := a.user(tx, ManageDataSources)
		if err != nil {
			return err
		}
		if spec.OrgID == "" {
			spec.OrgID = u.OrgID
		}
		_, org, err := a.actOn(tx, ManageDataSources, spec.OrgID)
		if err != nil {
			return err
		}
		if org.Offline() && spec.Kind != CSVSource {
			return fmt.Errorf("acctmap: create data source: offline partners have CSV data sources only: %w", ErrInvalidInput)
		}
		existing, err := tx.DataSources(org.ID)
		if err != nil {
			return err
		}
		for _, e := range existing {
			if strings.EqualFold(e.Name, name) {
				return fmt.Errorf("acctmap: create data source: %.60q exists: %w", name, ErrConflict)
			}
		}
		now := a.n.now()
		ds = DataSource{ID: newID("ds"), OrgID: org.ID, Name: name, Kind: spec.Kind, Subject: spec.Subject, FieldTypes: types, Locale: spec.Locale, CreatedAt: now, UpdatedAt: now}
		return tx.PutDataSource(ds)
	})
	if err != nil {
		return DataSource{}, err
	}
	return ds, nil
}

// dataSourceFor loads a data source and checks the acting user may act on
// it with perm (0: read).
func (a *Actor) dataSourceFor(tx ReadTx, perm Permission, id string) (User, DataSource, error) {
	u, err := a.user(tx, perm)
	if err != nil {
		return User{}, DataSource{}, err
	}
	notFound := fmt.Errorf("acctmap: data source %.80q: %w", id, ErrNotFound)
	ds, err := tx.DataSource(id)
	if errors.Is(err, ErrNotFound) {
		return User{}, DataSource{}, notFound
	}
	if err != nil {
		return User{}, DataSource{}, err
	}
	// Another org's data source is answered as one that does not exist.
	if _, ok, err := ownedOrg(tx, u, ds.OrgID); err != nil || !ok {
		return User{}, DataSource{}, cmp.Or(err, notFound)
	}
	return u, ds, nil
}

// DataSource returns a data source of the acting user's org or of one of
// its offline partners.
func (a *Actor) DataSource(ctx context.Context, id string) (DataSource, error) {
	var ds DataSource
	err := a.n.store.View(ctx, func(tx ReadTx) (err error) {
		_, ds, err = a.dataSourceFor(tx, 0, id)
		return err
	})
	return ds, err
}

// DataSources lists the data sources of an org: the acting user's own
// (orgID "") or one of its offline partners.
func (a *Actor) DataSources(ctx context.Context, orgID string) ([]DataSource, error) {
	var list []DataSource
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		org, err := a.readableOrg(tx, orgID)
		if err != nil {
			return err
		}
		list, err = tx.DataSources(org)
		return err
	})
	return list, err
}

// DeleteDataSource deletes a data source with its records and populations.
func (a *Actor) DeleteDataSource(ctx context.Context, id string) error {
	err := a.n.store.Update(ctx, func(tx Tx) error {
		_, ds, err := a.dataSourceFor(tx, ManageDataSources, id)
		if err != nil {
			return err
		}
		if err := dropOpportunityFields(tx, ds); err != nil { // attribution.go
			return err
		}
		return tx.DeleteDataSource(id)
	})
	if err == nil {
		a.n.forget(id)
	}
	return err
}

// Record returns one record of a data source of the acting user's org or
// of one of its offline partners.
func (a *Actor) Record(ctx context.Context, dataSourceID, recordID string) (Record, error) {
	var r Record
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		if _, _, err := a.dataSourceFor(tx, 0, dataSourceID); err != nil {
			return err
		}
		var err error
		r, err = tx.Record(dataSourceID, recordID)
		return err
	})
	return r, err
}

// RecordInput is an account record pushed by code, e.g. by a CRM sync.
type RecordInput struct {
	// ID is the record's id in its source; required and unique.
	ID      string
	Name    string
	Website string
	// OtherNames are the company's other names: a legal name, a short name,
	// a DBA. Each is evidence for matching, like Name.
	OtherNames []string
	// Aliases are further domains or URLs of the same company: an
	// investor-relations site, a regional site.
	Aliases        []string
	RegistrationID RegistrationID
	// Email is a person's e-mail address: the key of a record of a People
	// data source (see people.go), which requires it; accounts have none.
	Email string
	// Fields are any other named values (owner, stage, industry, …).
	Fields map[string]string
}

// ImportSummary tells what an import or sync did.
type ImportSummary struct {
	Rows     int // rows or records read
	Accepted int // records written
	Rejected int // rows or records refused; the first ones are in Rejections
	// DuplicatesMerged counts rows that repeated an earlier row's record id
	// (the later row wins) or, without an id column, all its values.
	DuplicatesMerged int
	// Duplicates names the first of those rows: the record id, the row (Line
	// or Index), and in Reason the row it repeated.
	Duplicates []Rejection
	Rejections []Rejection
	// Warned counts accepted rows with a problem worth fixing at the
	// source: a website that gives no domain, an invalid registration id
	// (kept out of matching, never padded), a value that its field's
	// declared type cannot read (DataSource.FieldTypes). The first ones
	// are in Warnings.
	Warned   int
	Warnings []Rejection
}

// Rejection says why one row or record was refused, or what is wrong
// with one that was kept (a warning).
type Rejection struct {
	Line     int    // CSV line where the row starts; 0 for pushed records
	Index    int    // position in the pushed slice; 0 for CSV rows
	RecordID string // the record's id, when it has one
	Reason   string
	// Column is the 1-based header index of the CSV column at fault and
	// Field its header name; 0 and "" for the whole row or a pushed record.
	Column int
	Field  string
	// Value is the value at fault, cut to its first 48 bytes and "…".
	Value string
	// Err is the typed cause, for errors.As and errors.Is. For a CSV row it
	// is a *csvsource.Error (file, line, column header) wrapping the reader's
	// cause: a normalize error such as normalize.ErrNoDomain,
	// csvsource.ErrRepeatedHeader, or a quote read by WithLenientQuotes. It
	// is nil for pushed records, and for CSV rows whose only values are
	// names that give no key.
	Err error
}

// maxRejections bounds the rejections kept in a summary; all are counted.
const maxRejections = 1000

func (s *ImportSummary) reject(r Rejection) {
	s.Rejected++
	if len(s.Rejections) < maxRejections {
		s.Rejections = append(s.Rejections, r)
	}
}

func (s *ImportSummary) duplicate(r Rejection) {
	s.DuplicatesMerged++
	if len(s.Duplicates) < maxRejections {
		s.Duplicates = append(s.Duplicates, r)
	}
}

func (s *ImportSummary) warn(r Rejection) {
	s.Warned++
	if len(s.Warnings) < maxRejections {
		s.Warnings = append(s.Warnings, r)
	}
}

// Bounds on a pushed record, as the CSV reader bounds a row: memory stays
// bounded whatever a sync sends.
const (
	maxFieldsPerRecord = 1000
	maxOtherNames      = 100
	maxFieldNameBytes  = 1000
	maxValueBytes      = csvsource.DefaultMaxFieldBytes
)

// oversized names the first value of in that is over the bounds, or "".
func oversized(in RecordInput) string {
	if len(in.Name) > maxValueBytes {
		return "name"
	}
	if len(in.Website) > maxValueBytes {
		return "website"
	}
	for _, a := range in.Aliases {
		if len(a) > maxValueBytes {
			return "alias"
		}
	}
	if len(in.OtherNames) > maxOtherNames || len(in.Aliases) > maxOtherNames {
		return fmt.Sprintf("other names or aliases (more than %d)", maxOtherNames)
	}
	for _, n := range in.OtherNames {
		if len(n) > maxValueBytes {
			return "other name"
		}
	}
	for k, v := range in.Fields {
		if len(k) > maxFieldNameBytes {
			return "a field name"
		}
		if len(v) > maxValueBytes {
			return fmt.Sprintf("field %.40q", k)
		}
	}
	return ""
}

// recordFromInput normalizes a pushed record once, at ingest. A record
// needs an id and at least one key: a domain, a name key or a registration
// id. It returns why the record is refused, or a warning about a kept one.
func (n *Network) recordFromInput(in RecordInput) (r Record, reject, warning string) {
	id := strings.TrimSpace(in.ID)
	if id == "" {
		return Record{}, "record has no id", ""
	}
	if checkID("record", id) != nil {
		return Record{}, "record id is longer than 200 bytes or has control characters", ""
	}
	if len(in.Fields) > maxFieldsPerRecord {
		return Record{}, fmt.Sprintf("record has %d fields, more than %d", len(in.Fields), maxFieldsPerRecord), ""
	}
	if what := oversized(in); what != "" {
		return Record{}, fmt.Sprintf("%s is longer than %d bytes (field names: %d)", what, maxValueBytes, maxFieldNameBytes), ""
	}
	r = Record{ID: id, Name: strings.TrimSpace(in.Name), Website: strings.TrimSpace(in.Website), Fields: in.Fields}
	norm := n.cfg.normalizer
	r.NameKey = norm.CompanyName(r.Name)
	for _, other := range in.OtherNames {
		other = strings.TrimSpace(other)
		if other == "" || other == r.Name || slices.Contains(r.OtherNames, other) {
			continue
		}
		r.OtherNames = append(r.OtherNames, other)
		if k := norm.CompanyName(other); k != "" && k != r.NameKey && !slices.Contains(r.OtherNameKeys, k) {
			r.OtherNameKeys = append(r.OtherNameKeys, k)
		}
	}
	var websiteErr error
	if r.Website != "" {
		d, err := norm.Domain(r.Website)
		if err == nil {
			r.Domains = append(r.Domains, d)
		} else {
			websiteErr = err
		}
	}
	for _, alias := range in.Aliases {
		ds, err := norm.Domains(alias)
		if err != nil {
			continue // an unusable alias adds no key; the record stands on its others
		}
		for _, d := range ds {
			if !contains(r.Domains, d) {
				r.Domains = append(r.Domains, d)
			}
		}
	}
	if !in.RegistrationID.IsZero() {
		// An invalid id (a DUNS that lost its leading zeros) is never padded:
		// it stays out of matching, and the record stands on its other keys.
		v, err := normalize.RegistrationID(in.RegistrationID.Scheme, in.RegistrationID.Value)
		if err != nil {
			warning = fmt.Sprintf("registration id: %v", err)
		} else {
			r.RegistrationID = RegistrationID{Scheme: strings.ToLower(strings.TrimSpace(in.RegistrationID.Scheme)), Value: v}
		}
	}
	if len(r.Domains) == 0 && r.NameKey == "" && len(r.OtherNameKeys) == 0 && r.RegistrationID.IsZero() {
		switch {
		case warning != "":
			return Record{}, "no company name or website, and " + warning, ""
		case websiteErr != nil:
			return Record{}, fmt.Sprintf("no company name, and website: %v", websiteErr), ""
		}
		return Record{}, "no company name and no website", ""
	}
	if warning == "" && websiteErr != nil && len(r.Domains) == 0 {
		warning = fmt.Sprintf("website: %v", websiteErr)
	}
	return r, "", warning
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// UpsertRecords inserts or replaces records of a PushedSource by id,
// keeping population membership current. Records without a usable key are
// refused and listed in the summary; the others are written atomically.
func (a *Actor) UpsertRecords(ctx context.Context, dataSourceID string, in []RecordInput) (ImportSummary, error) {
	return a.PushRecords(ctx, dataSourceID, in, PushOptions{})
}

// ReplaceRecords makes the given records the whole content of a
// PushedSource, atomically: a failure leaves the previous content intact.
func (a *Actor) ReplaceRecords(ctx context.Context, dataSourceID string, in []RecordInput) (ImportSummary, error) {
	return a.PushRecords(ctx, dataSourceID, in, PushOptions{Replace: true})
}

// PushOptions configures PushRecords.
type PushOptions struct {
	// Replace makes the records the whole content of the data source, as
	// ReplaceRecords does; otherwise they are upserted, as UpsertRecords.
	Replace bool
	// Progress, when set, is called as CSVImport.Progress is: every
	// ProgressEvery records while they are checked and once when all are
	// (PhaseRead), when the write begins (PhaseWrite) and when it is
	// committed (PhaseDone); never inside the store's transaction.
	Progress func(Progress)
	// ProgressEvery defaults to 100,000 records; it must not be negative.
	ProgressEvery int
}

// PushRecords is UpsertRecords, or ReplaceRecords with opts.Replace, with
// progress reports.
func (a *Actor) PushRecords(ctx context.Context, dataSourceID string, in []RecordInput, opts PushOptions) (ImportSummary, error) {
	if ctx == nil {
		return ImportSummary{}, fmt.Errorf("acctmap: push records: nil context: %w", ErrInvalidInput)
	}
	every, err := progressEvery(opts.ProgressEvery)
	if err != nil {
		return ImportSummary{}, fmt.Errorf("acctmap: push records: %w", err)
	}
	opts.ProgressEvery = every
	return a.push(ctx, dataSourceID, in, opts)
}

func (a *Actor) push(ctx context.Context, dataSourceID string, in []RecordInput, opts PushOptions) (ImportSummary, error) {
	replace := opts.Replace
	report := func(p Progress) {
		if opts.Progress != nil {
			opts.Progress(p)
		}
	}
	sum := ImportSummary{Rows: len(in)}
	recs := make([]Record, 0, len(in))
	pos := make(map[string]int, len(in))
	index := make([]int, 0, len(in)) // the input index of each of recs
	var fields []string
	seenField := map[string]bool{}
	var typedWarnings ImportSummary // the warnings of values under the data source's types
	subject, subjectErr := a.subjectOf(ctx, dataSourceID)
	if subjectErr != nil {
		return ImportSummary{}, subjectErr
	}

	for i, ri := range in {
		if i%4096 == 0 && ctx.Err() != nil {
			return ImportSummary{}, ctx.Err()
		}
		if i > 0 && i%opts.ProgressEvery == 0 {
			report(Progress{Phase: PhaseRead, Rows: i})
		}
		r, reason, warning := a.n.inputRecord(ri, subject)
		if reason != "" {
			sum.reject(Rejection{Index: i, RecordID: clipValue(ri.ID, 200), Reason: reason})
			continue
		}
		if warning != "" {
			sum.warn(Rejection{Index: i, RecordID: r.ID, Reason: warning})
		}
		for f := range r.Fields {
			if !seenField[f] {
				seenField[f] = true
				fields = append(fields, f)
				if w := shadowedWarning(f); w != "" {
					sum.warn(Rejection{Index: i, RecordID: r.ID, Reason: w})
				}
			}
		}
		if j, dup := pos[r.ID]; dup {
			sum.duplicate(Rejection{Index: i, RecordID: r.ID, Reason: fmt.Sprintf("repeats the record id of index %d: this record replaces it", index[j])})
			recs[j], index[j] = r, i
			continue
		}
		pos[r.ID] = len(recs)
		recs = append(recs, r)
		index = append(index, i)
	}
	report(Progress{Phase: PhaseRead, Rows: len(in)})
	sum.Accepted = len(recs)
	switch {
	case replace && len(in) > 0 && len(recs) == 0:
		// Replacing everything with nothing because every record was
		// refused would wipe the data source: refuse the call instead.
		return sum, fmt.Errorf("acctmap: replace records: none of the %d records is usable (%s); the data source keeps its records: %w",
			len(in), sum.Rejections[0].Reason, ErrInvalidInput)
	}
	report(Progress{Phase: PhaseWrite, Rows: len(in), TotalRecords: len(recs)})
	var from int64 // the version the change applies to
	var iw indexWrite
	err := a.n.store.Update(ctx, func(tx Tx) error {
		ds, err := a.pushedDataSource(tx, dataSourceID)
		if err != nil {
			return err
		}
		from, iw = ds.Version, a.n.indexWrite(tx, ds)
		if !replace && len(recs) == 0 {
			return nil // nothing to write: the data source's version stays
		}
		typedWarnings = ImportSummary{}
		if typed := typedParsers(&ds, mergeFields(ds.Fields, fields)); typed != nil {
			for j := range recs {
				warnTyped(&typedWarnings, typed, recs[j].ID, func(c typedColumn) string { return recs[j].Fields[c.field] }, "", 0, nil, index[j])
			}
		}
		if replace {
			ds.Fields = nil
		}
		ds.Fields = mergeFields(ds.Fields, sortedCopy(fields))
		if err := carryPrivate(tx, &ds, recs, replace); err != nil {
			return err
		}
		if err := a.n.assignMembership(tx, ds, recs); err != nil {
			return err
		}
		if replace {
			err = tx.ReplaceRecords(ds.ID, recs)
		} else {
			err = tx.PutRecords(ds.ID, recs)
		}
		if err != nil {
			return err
		}
		return a.n.touch(tx, ds)
	})
	if err != nil {
		return ImportSummary{}, err
	}
	for _, w := range typedWarnings.Warnings {
		sum.warn(w)
	}
	sum.Warned += typedWarnings.Warned - len(typedWarnings.Warnings)
	switch {
	case subject == People:
		a.n.pushedPeople(dataSourceID, iw, recs, replace)
	case replace:
		a.n.installIndex(dataSourceID, iw, recs)
	case len(recs) > 0:
		a.n.advance(dataSourceID, from, recs, nil)
	}
	_ = a.logged(ctx, "sync", nil, slog.String("data_source", dataSourceID), slog.Bool("replace", opts.Replace),
		slog.Int("records", len(in)), slog.Int("accepted", sum.Accepted), slog.Int("rejected", sum.Rejected))
	report(Progress{Phase: PhaseDone, Rows: len(in), Records: len(recs), TotalRecords: len(recs)})
	return sum, nil
}

// DeleteRecords deletes records of a PushedSource by id; unknown ids are
// ignored. It returns how many records were deleted.
func (a *Actor) DeleteRecords(ctx context.Context, dataSourceID string, ids []string) (int, error) {
	deleted := 0
	var from int64
	err := a.n.store.Update(ctx, func(tx Tx) error {
		ds, err := a.pushedDataSource(tx, dataSourceID)
		if err != nil {
			return err
		}
		from = ds.Version
		before, err := tx.CountRecords(ds.ID)
		if err != nil {
			return err
		}
		if err := buryPrivate(tx, &ds, ids); err != nil {
			return err
		}
		if err := tx.DeleteRecords(ds.ID, ids); err != nil {
			return err
		}
		after, err := tx.CountRecords(ds.ID)
		if err != nil {
			return err
		}
		deleted = before - after
		return a.n.touch(tx, ds)
	})
	if err != nil {
		return 0, err
	}
	a.n.advance(dataSourceID, from, nil, ids)
	return deleted, nil
}

// pushedDataSource returns the data source of a change of pushed records:
// one the user may manage, of kind PushedSource.
func (a *Actor) pushedDataSource(tx ReadTx, dataSourceID string) (DataSource, error) {
	_, ds, err := a.dataSourceFor(tx, ManageDataSources, dataSourceID)
	if err != nil {
		return DataSource{}, err
	}
	return ds, requirePushed(ds)
}

// requirePushed refuses record-level syncs on sources filled by uploads.
func requirePushed(ds DataSource) error {
	if ds.Kind != PushedSource {
		return fmt.Errorf("acctmap: data source %.60q is a %s source: records are pushed into and deleted from pushed sources only: %w",
			ds.Name, ds.Kind, ErrInvalidInput)
	}
	return nil
}

// requireUploaded refuses an upload into a source filled by a sync: the
// upload would replace the synced records and the field list, and the next
// sync would fight it. It mirrors requirePushed.
func requireUploaded(ds DataSource) error {
	if ds.Kind == PushedSource {
		return fmt.Errorf("acctmap: data source %.60q is a %s source: CSV files are imported into CSV sources only (push its records with UpsertRecords or ReplaceRecords): %w",
			ds.Name, ds.Kind, ErrInvalidInput)
	}
	return nil
}

// touch records a change to a data source's records.
func (n *Network) touch(tx Tx, ds DataSource) error {
	ds.Version++
	ds.UpdatedAt = n.now()
	return tx.PutDataSource(ds)
}

func mergeFields(have, add []string) []string {
	out := append([]string(nil), have...)
	for _, f := range add {
		if !contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// ProgressPhase says which part of an import or a sync a Progress report
// is about.
type ProgressPhase string

// The phases, in order. Reports of a phase come every ProgressEvery rows
// or records and once at its end; PhaseDone comes once, last, after the
// write is committed, and never after an error.
const (
	// PhaseRead: rows read and normalized (for a sync: records checked).
	PhaseRead ProgressPhase = "read"
	// PhaseWrite: the records are being written with their membership, in
	// one transaction of the store; TotalRecords says how many.
	PhaseWrite ProgressPhase = "write"
	// PhaseDone: the records are written.
	PhaseDone ProgressPhase = "done"
)

// Progress reports how far an import or a sync has come.
type Progress struct {
	Phase      ProgressPhase
	Rows       int   // rows read (records checked) so far
	Bytes      int64 // bytes read so far; 0 for a sync
	TotalBytes int64 // the input's size, or 0 when unknown or a sync
	// TotalRecords is the number of records to write (after rejections and
	// merged duplicates), in the write and done phases; Records of them
	// are written: 0 while writing, all of them when done.
	Records, TotalRecords int
}

// defaultProgressEvery paces progress reports.
const defaultProgressEvery = 100000

// progressEvery validates a ProgressEvery option: 0 means the default, a
// negative value is an error rather than silently read as the default.
func progressEvery(every int) (int, error) {
	switch {
	case every < 0:
		return 0, fmt.Errorf("acctmap: ProgressEvery %d: want 0 (the default, %d) or more: %w", every, defaultProgressEvery, ErrInvalidInput)
	case every == 0:
		return defaultProgressEvery, nil
	}
	return every, nil
}

// CSVImport configures ImportCSV.
type CSVImport struct {
	// Mapping says which columns hold the company name and website
	// (required), and optionally the record id, aliases and registration id.
	Mapping csvsource.Mapping
	// People maps the columns of a file imported into a People data
	// source, which reads it instead of Mapping (see PeopleMapping).
	People PeopleMapping
	// FileName names the input in errors and rejections.
	FileName string
	// Progress, when set, is called on the importing goroutine every
	// ProgressEvery rows while reading and once when the file is read
	// (PhaseRead), when the write begins (PhaseWrite), and when it is
	// committed (PhaseDone). It is never called inside the store's
	// transaction, so it may call the Network.
	Progress func(Progress)
	// ProgressEvery defaults to 100,000 rows; it must not be negative.
	ProgressEvery int
	// Options are passed to the CSV reader (delimiter, encoding, limits).
	Options []csvsource.Option
	// FieldTypes, when not nil, declare the types of the file's columns
	// with Locale (as SetFieldTypes does; an empty map declares none),
	// replacing the data source's with the import (accounts data sources;
	// a people data source is refused them); csvsource.Sample.Types
	// suggests them. Nil keeps the data source's types and locale. Values
	// that do not parse under their column's type are warnings of the
	// summary (line, column, value, and a *csvsource.Error wrapping the
	// *fieldtype.ParseError); the rows are imported.
	FieldTypes map[string]fieldtype.Type
	Locale     fieldtype.Locale
}

// ImportCSV replaces the content of a CSVSource with a CSV file's rows,
// atomically (a PushedSource refuses it with ErrInvalidInput, as a
// CSVSource refuses pushed records): if reading fails or ctx is cancelled,
// the previous content is left intact. On a store whose transactions are
// a StreamTx (pgstore) the file is written as it is read, in the one
// transaction, holding about 60 to 150 bytes per record (the ids, for
// duplicates) instead of every record; a write conflict the store would
// retry is then returned as ErrConflict, as the file cannot be read again.
// Rows without any usable key are
// refused and listed in the summary. A file with no data rows, or none that
// gives a key, is an error (returned with the summary) and changes nothing.
//
// Without an id column, a row's record id is derived from its content:
// "c-" and 16 hex digits of a keyed hash of the name, website, other
// names, domains, registration id and the non-empty fields (by field
// name), under a secret key of the data's owner (Org.CountKey, made on
// first use). The id stays when rows move, columns are reordered or an
// empty column is added, so that private and not-same marks stay with the
// account; it changes when a value of the row changes. Rows with identical
// content are one record. As the hash is keyed, a partner that the "id"
// field is shared with cannot test guesses of the row's other values
// against it; it does see the id change when a value of the row changes,
// so map an id column when a shared id must not tell that.
//
// A People data source reads imp.People instead of imp.Mapping: rows
// without a usable e-mail address are refused (see PeopleMapping).
func (a *Actor) ImportCSV(ctx context.Context, dataSourceID string, r io.Reader, imp CSVImport) (ImportSummary, error) {
	every, err := progressEvery(imp.ProgressEvery)
	if err != nil {
		return ImportSummary{}, fmt.Errorf("acctmap: import: %w", err)
	}
	imp.ProgressEvery = every
	// Fail fast, before reading a large file, when the user may not import.
	var owner string
	setTypes := imp.FieldTypes != nil
	if setTypes {
		if _, err := checkFieldTypes("import", imp.Locale, imp.FieldTypes, nil); err != nil {
			return ImportSummary{}, err
		}
	}
	var people bool
	if err := a.n.store.View(ctx, func(tx ReadTx) error {
		_, ds, err := a.dataSourceFor(tx, ManageDataSources, dataSourceID)
		if err != nil {
			return err
		}
		owner, people = ds.OrgID, ds.Subject == People
		if !setTypes { // the types readCSV warns by
			imp.FieldTypes, imp.Locale = ds.FieldTypes, ds.Locale
		}
		return requireUploaded(ds)
	}); err != nil {
		return ImportSummary{}, err
	}
	if people {
		if setTypes {
			return ImportSummary{}, fmt.Errorf("acctmap: import: a people data source declares its field types with NewDataSource or SetFieldTypes, not CSVImport.FieldTypes: %w", ErrInvalidInput)
		}
		return a.importPeopleCSV(ctx, dataSourceID, owner, r, imp)
	}
	var (
		idKey  []byte
		newKey bool // idKey is made for this import, stored with it
	)
	if imp.Mapping.ID == "" {
		if idKey, newKey, err = a.n.orgKey(ctx, owner); err != nil {
			return ImportSummary{}, fmt.Errorf("acctmap: import: %w", err)
		}
	}
	opts := append([]csvsource.Option{csvsource.WithNormalizer(a.n.cfg.normalizer)}, imp.Options...)
	if imp.FileName != "" {
		opts = append(opts, csvsource.WithName(imp.FileName))
	}
	// An import that declares field types takes the path below, which
	// stores them with the records; the streamed write keeps the data
	// source's.
	if !setTypes {
		if sum, streamed, err := a.importStreamed(ctx, dataSourceID, r, imp, opts, idKey, newKey); streamed {
			return sum, err
		}
	}
	recs, cols, sum, last, err := readCSV(ctx, r, imp, opts, idKey, nil)
	if err != nil {
		return sum, err
	}
	report := func(phase ProgressPhase, written int) {
		if imp.Progress != nil {
			p := last
			p.Phase, p.Records, p.TotalRecords = phase, written, len(recs)
			imp.Progress(p)
		}
	}
	report(PhaseWrite, 0)
	var iw indexWrite // what the import commits, for its index
	err = a.n.store.Update(ctx, func(tx Tx) error {
		_, ds, err := a.dataSourceFor(tx, ManageDataSources, dataSourceID)
		if err != nil {
			return err
		}
		if err := requireUploaded(ds); err != nil {
			return err // its kind cannot change, but the check costs nothing
		}
		if newKey {
			if err := storeOrgKey(tx, ds.OrgID, idKey); err != nil {
				return err
			}
		}
		iw = a.n.indexWrite(tx, ds)
		ds.Fields = cols.names
		if setTypes {
			if ds.FieldTypes, err = checkFieldTypes("import", imp.Locale, imp.FieldTypes, cols.names); err != nil {
				return err
			}
			ds.Locale = imp.Locale
		}
		if err := carryPrivate(tx, &ds, recs, true); err != nil {
			return err
		}
		if err := a.n.assignMembershipColumns(tx, ds, recs, &cols); err != nil {
			return err
		}
		if err := replaceColumns(tx, ds.ID, recs, &cols); err != nil {
			return err
		}
		return a.n.touch(tx, ds)
	})
	if err != nil {
		return ImportSummary{}, err
	}
	a.n.installIndex(dataSourceID, iw, recs)
	_ = a.logged(ctx, "import", nil, slog.String("data_source", dataSourceID), slog.Int("rows", sum.Rows),
		slog.Int("accepted", sum.Accepted), slog.Int("rejected", sum.Rejected))
	report(PhaseDone, len(recs))
	return sum, nil
}

// readCSV reads and normalizes the rows of r into records, their field
// values in a table rather than a map per record (see ColumnsTx). It
// returns the last read-phase progress report, for the reports that
// follow.
//
// With a sink (a streamed import), the records go to the sink as they are
// read, and recs is nil.
func readCSV(ctx context.Context, r io.Reader, imp CSVImport, opts []csvsource.Option, idKey []byte, sink *streamSink) ([]Record, fieldTable, ImportSummary, Progress, error) {
	total := inputSize(r)
	cr, err := csvsource.NewReaderContext(ctx, r, imp.Mapping, opts...)
	if err != nil {
		return nil, fieldTable{}, ImportSummary{}, Progress{}, csvError(err)
	}
	fields := cr.FieldNames()
	cols := fieldTable{names: fields}
	var sum ImportSummary
	for _, f := range fields {
		if w := shadowedWarning(f); w != "" {
			sum.warn(Rejection{Line: 1, Reason: w})
		}
	}
	file := imp.FileName
	idCol := 0 // 1-based header index of the id column
	for i, h := range cr.Header() {
		if imp.Mapping.ID != "" && strings.EqualFold(h, strings.TrimSpace(imp.Mapping.ID)) {
			idCol = i + 1
		}
	}
	// The typed columns, whose values that do not parse are warned about.
	typed := typedParsers(&DataSource{FieldTypes: imp.FieldTypes, Locale: imp.Locale}, fields)
	typedCols := headerColumns(cr.Header(), typed)
	// The fields in name order: what a content id hashes, so that it does
	// not depend on the order of the columns.
	byName := byNameOrder(fields)
	var (
		recs     []Record
		lines    []int32              // the line of each record, to name what a duplicate repeats
		pos      *idSet               // the ids of recs
		byValues = map[uint64][]int{} // content hash → indexes in recs
		rows     int                  // rows accepted by the reader, to pace progress reports
		sized    bool
	)
	pos = newIDSet(0, func(i int) string { return recs[i].ID })
	progress := func() Progress {
		return Progress{Phase: PhaseRead, Rows: cr.Summary().Rows, Bytes: cr.BytesRead(), TotalBytes: total}
	}
	reported := -1 // rows of the last report, so that the end is not told twice
	report := func() {
		if imp.Progress != nil {
			p := progress()
			if p.Rows != reported {
				reported = p.Rows
				imp.Progress(p)
			}
		}
	}
	for {
		if rows%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fieldTable{}, ImportSummary{}, Progress{}, err
			}
		}
		// NextContext checks ctx between the rows it skips as well: a file of
		// keyless rows returns no record for a long time.
		row, err := cr.NextContext(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fieldTable{}, ImportSummary{}, Progress{}, csvError(err)
		}
		if rows++; rows%imp.ProgressEvery == 0 {
			report()
		}
		if !sized && sink == nil && rows == 1<<15 && total > 0 {
			// Size the slices from the bytes per row so far: growing them
			// by doubling copies every record about twice and leaves the
			// garbage of every smaller copy (issue 13). BytesRead runs
			// ahead of the rows by up to 130 KiB of buffers, a few percent
			// of what 32k rows take.
			sized = true
			if read := cr.BytesRead(); read > 0 {
				est := int(float64(total) / float64(read) * float64(rows) * 1.1)
				recs = slices.Grow(recs, est-len(recs))
				lines = slices.Grow(lines, est-len(lines))
				cols.vals = slices.Grow(cols.vals, est*len(fields)-len(cols.vals))
				// The id set too: grown by doubling, it would rehash every
				// id some twenty times.
				sizedPos := newIDSet(est, pos.idAt)
				for i := range recs {
					sizedPos.add(recs[i].ID, i)
				}
				pos = sizedPos
			}
		}
		rec := Record{ID: row.ID, Name: row.Name, Website: row.Website, Domains: row.Domains, NameKey: row.NameKey, OtherNames: row.OtherNames}
		if len(row.NameKeys) > 1 {
			rec.OtherNameKeys = row.NameKeys[1:]
		}
		if row.RegistrationID != "" {
			rec.RegistrationID = RegistrationID{Scheme: strings.ToLower(imp.Mapping.RegistrationScheme), Value: row.RegistrationID}
		}
		if imp.Mapping.ID == "" {
			// No id column: identical rows are one record, and the id is
			// derived from the content.
			h := rowContentHash(&rec, row.Fields, fields, byName)
			if sink != nil {
				id, first, merged := sink.contentID(idKey, &rec, row.Fields, fields, byName, h, row.Line)
				if merged {
					sum.duplicate(Rejection{Line: row.Line, RecordID: id, Reason: fmt.Sprintf("repeats every value of line %d: one record", first)})
					continue
				}
				rec.ID = id
			} else if j, same := sameRowAsOneOf(&rec, row.Fields, recs, &cols, byValues[h]); same {
				sum.duplicate(Rejection{Line: row.Line, RecordID: recs[j].ID,
					Reason: fmt.Sprintf("repeats every value of line %d: one record", lines[j])})
				continue
			} else {
				rec.ID = contentIDFunc(idKey, h, func(id string) bool { _, ok := pos.find(id); return ok })
				byValues[h] = append(byValues[h], len(recs))
			}
		} else if rec.ID == "" {
			sum.reject(Rejection{Line: row.Line, Column: idCol, Field: imp.Mapping.ID, Reason: fmt.Sprintf("empty record id in column %.40q", imp.Mapping.ID),
				Err: &csvsource.Error{File: file, Line: row.Line, Field: imp.Mapping.ID, Msg: "empty record id"}})
			continue
		} else if checkID("record", rec.ID) != nil {
			msg := fmt.Sprintf("record id in column %.40q is longer than 200 bytes or has control characters", imp.Mapping.ID)
			sum.reject(Rejection{Line: row.Line, Column: idCol, Field: imp.Mapping.ID, Reason: msg, Value: clipValue(rec.ID, 48),
				Err: &csvsource.Error{File: file, Line: row.Line, Field: imp.Mapping.ID, Msg: msg}})
			continue
		}
		if typed != nil {
			warnTyped(&sum, typed, rec.ID, func(c typedColumn) string { return row.Fields[c.i] }, file, row.Line, typedCols, 0)
		}
		if sink != nil {
			rec.Fields = rowFields(fields, row.Fields)
			sink.fields = fields
			if err := sink.add(&sum, rec, row.Line, imp.Mapping.ID != ""); err != nil {
				return nil, fieldTable{}, ImportSummary{}, Progress{}, err
			}
			continue
		}
		if j, dup := pos.find(rec.ID); dup {
			sum.duplicate(Rejection{Line: row.Line, RecordID: rec.ID,
				Reason: fmt.Sprintf("repeats the record id of line %d: this row replaces it", lines[j])})
			recs[j], lines[j] = rec, int32(row.Line)
			copy(cols.row(j), row.Fields)
			continue
		}
		pos.add(rec.ID, len(recs))
		recs = append(recs, rec)
		lines = append(lines, int32(row.Line))
		cols.vals = append(cols.vals, row.Fields...)
	}
	last := progress()
	report()
	cs := cr.Summary()
	sum.Rows = cs.Rows
	for _, rj := range cs.Rejections {
		sum.reject(fromCSV(file, rj))
	}
	sum.Rejected += cs.Rejected - len(cs.Rejections) // rejections the reader counted but did not keep
	// A warning names the record it is about, for when the file has an id
	// column (or to find the content-derived id).
	var warnedID map[int32]string
	if len(cs.Warnings) > 0 {
		warnedID = make(map[int32]string, len(cs.Warnings))
		for _, w := range cs.Warnings {
			warnedID[int32(w.Line)] = ""
		}
		for j, l := range lines {
			if _, ok := warnedID[l]; ok {
				warnedID[l] = recs[j].ID
			}
		}
		if sink != nil {
			sink.warnedIDs(idKey, warnedID)
		}
	}
	for _, w := range cs.Warnings {
		rj := fromCSV(file, w)
		rj.RecordID = warnedID[int32(w.Line)]
		sum.warn(rj)
	}
	sum.Warned += cs.Warned - len(cs.Warnings)
	sum.Accepted = len(recs)
	if sink != nil {
		sum.Accepted = sink.n
	}
	// Replacing a data source with nothing is never what an upload means:
	// an empty export or a wrong column mapping would wipe the data.
	name := imp.FileName
	if name == "" {
		name = "the CSV input"
	}
	switch {
	case sum.Rows == 0:
		return nil, fieldTable{}, sum, last, fmt.Errorf("acctmap: import: %.80s has a header and no data rows; the data source keeps its records: %w", name, ErrInvalidInput)
	case sum.Accepted == 0:
		reason := ""
		if len(sum.Rejections) > 0 {
			reason = fmt.Sprintf(" (line %d: %s)", sum.Rejections[0].Line, sum.Rejections[0].Reason)
		}
		return nil, fieldTable{}, sum, last, fmt.Errorf("acctmap: import: none of the %d rows of %.80s gave a usable key%s; check the column mapping; the data source keeps its records: %w",
			sum.Rows, name, reason, ErrInvalidInput)
	}
	return recs, cols, sum, last, nil
}

// fromCSV turns a rejection or a warning of the CSV reader into the
// summary's, keeping its cause as a *csvsource.Error.
func fromCSV(file string, rj csvsource.Rejection) Rejection {
	out := Rejection{Line: rj.Line, Reason: rj.Reason, Column: rj.Column, Field: rj.Field, Value: rj.Value, Err: rj.Err}
	var ce *csvsource.Error
	if rj.Err != nil && !errors.As(rj.Err, &ce) {
		out.Err = &csvsource.Error{File: file, Line: rj.Line, Field: rj.Field, Err: rj.Err, Msg: rj.Reason}
	}
	return out
}

// nonEmpty counts the non-empty values.
func nonEmpty(vals []string) int {
	n := 0
	for _, v := range vals {
		if v != "" {
			n++
		}
	}
	return n
}

// contentID is the record id of a row without an id column: "c-" and, in
// hex, 8 bytes of an HMAC-SHA256 of the content hash under the owner's
// secret key, so that nobody without the key can test a guess of the
// row's values against the id; with "-2", "-3", … after it in the
// (astronomically rare) case that rows of different content collide.
func contentID(key []byte, h uint64, taken map[string]int) string {
	return contentIDFunc(key, h, func(id string) bool { _, ok := taken[id]; return ok })
}

// contentIDFunc is contentID with the ids taken told by a function.
func contentIDFunc(key []byte, h uint64, taken func(id string) bool) string {
	mac := hmac.New(sha256.New, key)
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], h)
	mac.Write([]byte("acctmap record id\x00"))
	mac.Write(b[:])
	id := "c-" + hex.EncodeToString(mac.Sum(nil)[:8])
	if !taken(id) {
		return id
	}
	for i := 2; ; i++ {
		alt := id + "-" + strconv.Itoa(i)
		if !taken(alt) {
			return alt
		}
	}
}

// csvError wraps an error of the CSV reader: problems of the input wrap
// ErrInvalidInput as well, while I/O errors of the underlying reader are
// passed on as they are.
func csvError(err error) error {
	var ce *csvsource.Error
	if errors.As(err, &ce) && ce.Kind != nil {
		return fmt.Errorf("acctmap: import: %w", invalidInput{err})
	}
	return fmt.Errorf("acctmap: import: %w", err)
}

// invalidInput marks an error as bad input without changing its message.
type invalidInput struct{ err error }

func (e invalidInput) Error() string   { return e.err.Error() }
func (e invalidInput) Unwrap() []error { return []error{ErrInvalidInput, e.err} }

// contentHash hashes what a record holds, for merging identical rows and
// for content ids: fields (given in name order) by name and value, empty
// ones left out, so that the column order and empty columns do not count.
// rowContentHash is the same hash of a record whose fields are a row.
func contentHash(r *Record, byName []string) uint64 {
	return hashContent(r, func(put func(string)) {
		for _, f := range byName {
			if v, ok := r.Fields[f]; ok {
				put(f)
				put(v)
			}
		}
	})
}

// rowContentHash is contentHash of a record whose field values are vals,
// of the fields names (byName lists their indexes in name order).
func rowContentHash(r *Record, vals, names []string, byName []int) uint64 {
	return hashContent(r, func(put func(string)) {
		for _, j := range byName {
			if v := vals[j]; v != "" {
				put(names[j])
				put(v)
			}
		}
	})
}

// hashContent hashes r's name, website, other names, domains and
// registration id, then what fields puts.
func hashContent(r *Record, fields func(put func(string))) uint64 {
	d := xxhash.New()
	put := func(v string) {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(v)))
		d.Write(n[:])
		d.WriteString(v)
	}
	put(r.Name)
	put(r.Website)
	for _, n := range r.OtherNames {
		put(n)
	}
	for _, dom := range r.Domains {
		put(dom)
	}
	put(r.RegistrationID.Scheme)
	put(r.RegistrationID.Value)
	fields(put)
	return d.Sum64()
}

// byNameOrder returns the indexes of names in name order.
func byNameOrder(names []string) []int {
	order := make([]int, len(names))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(names[a], names[b]) })
	return order
}

// sameAsOneOf returns the i in candidates for which recs[i] holds the same
// values as r (a hash hit is confirmed on the values).
func sameAsOneOf(r *Record, recs []Record, candidates []int) (int, bool) {
	for _, i := range candidates {
		o := &recs[i]
		if o.Name == r.Name && o.Website == r.Website && slices.Equal(o.OtherNames, r.OtherNames) && slices.Equal(o.Domains, r.Domains) &&
			o.RegistrationID == r.RegistrationID && maps.Equal(o.Fields, r.Fields) {
			return i, true
		}
	}
	return 0, false
}

// sameRowAsOneOf is sameAsOneOf for records whose field values are rows:
// r's are vals, recs[i]'s the row i of t.
func sameRowAsOneOf(r *Record, vals []string, recs []Record, t *fieldTable, candidates []int) (int, bool) {
	for _, i := range candidates {
		o := &recs[i]
		if o.Name == r.Name && o.Website == r.Website && slices.Equal(o.OtherNames, r.OtherNames) && slices.Equal(o.Domains, r.Domains) &&
			o.RegistrationID == r.RegistrationID && slices.Equal(t.row(i), vals) {
			return i, true
		}
	}
	return 0, false
}

// inputSize returns the size of r when it can tell, for progress reports.
func inputSize(r io.Reader) int64 {
	switch v := r.(type) {
	case interface{ Size() int64 }:
		return v.Size()
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := v.Stat(); err == nil && fi.Mode().IsRegular() {
			return fi.Size()
		}
	}
	return 0
}
