package acctmap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/internal/match"
	"github.com/acctmap/acctmap/normalize"
)

// People.
//
// A data source created with Subject People holds leads and contacts
// instead of accounts. A person's key is the normalized e-mail address
// (normalize.Normalizer.Email: case, spaces, display names and "mailto:"
// removed; plus-tags and dots dropped only at providers that document them
// as the same mailbox). The person's company domain is the address's
// domain unless that is a free-mail or other generic domain, and then the
// domain of the company website given with the person, if any. The
// person's name is Record.Name, the company website Record.Website, and
// the address is also the field "email" (FieldEmail), so that filters,
// sharing rules and report columns name it as any other field; title and
// company name are the fields "title" and "company" when a CSV mapping
// names their columns.
//
// People populations are populations of a people data source: the
// standard kinds Leads, Contacts and CustomerContacts, or Custom ones, with
// the same filters and sharing rules as account populations. They take no
// part in account matrices and reports (Matrix, Ecosystem, Report,
// AccountMapping); they have their own:
//
//   - PeopleMatrix: my people populations × a partner's, counting distinct
//     people (e-mail keys) in both;
//   - PeopleAtPartnerAccounts: my people populations × a partner's account
//     populations, counting my people whose company domain is a domain of
//     an account of the partner's population ("my leads at the partner's
//     customers");
//   - PeopleReport and PeopleAtPartnerAccountsReport: the record-level view
//     of one cell of each, where the partner shares its population at a
//     record level.
//
// What a partner learns. An e-mail address is personal data. It is shown
// to a partner only in the field "email", and only when a rule of the
// owner names that field (or a preset naming it); no rule shares it by
// default, as no rule shares any field by default. A partner that sees a
// people population at counts only learns, from the people matrix, how
// many of the e-mail keys in any population of its own the owner's
// population holds: by putting one address in a population of its own, it
// learns whether the owner has that person. That is the membership test a
// count of accounts allows for a company, made more personal; a count
// policy (CountPolicy: a minimum cell size, noise with a budget) stops it,
// as it does for accounts, and owners of people data should set one. From
// PeopleAtPartnerAccounts, a partner that shows its account populations
// learns nothing about the viewer's people (the counts are the viewer's);
// the viewer learns how many of its people work at companies whose domains
// the partner's population holds, which is what the account matrix
// already tells by domain. Private records and records outside the
// populations a partner may see take no part in what it is shown.

// Subject says what the records of a data source describe.
type Subject string

// Subjects.
const (
	// Accounts are companies: the default.
	Accounts Subject = "accounts"
	// People are leads and contacts, keyed by e-mail address.
	People Subject = "people"
)

// FieldEmail is the field of a people data source's records that holds
// the e-mail address as given: a partner sees it only where a sharing rule
// names it.
const FieldEmail = "email"

// The fields a PeopleMapping's Title and Company columns are stored as.
const (
	FieldTitle   = "title"
	FieldCompany = "company"
)

// checkSubject validates a data source's subject; "" is Accounts.
func checkSubject(s Subject) (Subject, error) {
	switch s {
	case "":
		return Accounts, nil
	case Accounts, People:
		return s, nil
	}
	return "", fmt.Errorf("acctmap: create data source: unknown subject %.60q (want %q or %q): %w", s, Accounts, People, ErrInvalidInput)
}

// subjectOf is a data source's subject: "" (a data source from before
// subjects) is Accounts.
func subjectOf(ds DataSource) Subject {
	if ds.Subject == "" {
		return Accounts
	}
	return ds.Subject
}

// requireSubject refuses an operation of one subject on a data source of
// the other.
func requireSubject(ds DataSource, want Subject, op string) error {
	if got := subjectOf(ds); got != want {
		hint := "use PeopleReport, PeopleMatrix or PeopleAtPartnerAccounts"
		if want == People {
			hint = "use Report or Matrix"
		}
		return fmt.Errorf("acctmap: %s: data source %.60q holds %s, not %s (%s): %w", op, ds.Name, got, want, hint, ErrInvalidInput)
	}
	return nil
}

// only returns the side with the populations of data sources of one
// subject.
func (s side) only(subject Subject) side {
	keep := s.pops[:0:0]
	for _, v := range s.pops {
		if ds, ok := s.ds[v.pop.DataSourceID]; ok && subjectOf(ds) == subject {
			keep = append(keep, v)
		}
	}
	if len(keep) == len(s.pops) {
		return s
	}
	out := s
	out.pops, out.ds, out.visible = keep, map[string]DataSource{}, map[string]uint64{}
	for _, v := range keep {
		out.ds[v.pop.DataSourceID] = s.ds[v.pop.DataSourceID]
		out.visible[v.pop.DataSourceID] = s.visible[v.pop.DataSourceID]
	}
	return out
}

// peopleKindName is the display name of a standard people kind.
func peopleKindName(k PopulationKind) string {
	switch k {
	case Leads:
		return "Leads"
	case Contacts:
		return "Contacts"
	case CustomerContacts:
		return "Customers' Contacts"
	}
	return ""
}

// kindFits refuses a standard kind of one subject on a data source of the
// other: Leads on an accounts data source, Customers on a people one.
func kindFits(k PopulationKind, ds DataSource) error {
	people := k == Leads || k == Contacts || k == CustomerContacts
	switch {
	case people && subjectOf(ds) != People:
		return fmt.Errorf("acctmap: population: a %s population is of a people data source, and %.60q holds accounts: %w", k, ds.Name, ErrInvalidInput)
	case !people && k != Custom && subjectOf(ds) == People:
		return fmt.Errorf("acctmap: population: a %s population is of an accounts data source, and %.60q holds people (use Leads, Contacts, Customers' Contacts or Custom): %w", k, ds.Name, ErrInvalidInput)
	}
	return nil
}

// subjectOf reads the subject of a data source the acting user may manage:
// a push normalizes its records by it.
func (a *Actor) subjectOf(ctx context.Context, dataSourceID string) (Subject, error) {
	var s Subject
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		ds, err := a.pushedDataSource(tx, dataSourceID)
		s = subjectOf(ds)
		return err
	})
	return s, err
}

// inputRecord normalizes a pushed record as its data source's subject
// says.
func (n *Network) inputRecord(in RecordInput, subject Subject) (Record, string, string) {
	if subject == People {
		return n.personFromInput(in)
	}
	r, reject, warning := n.recordFromInput(in)
	if reject == "" && strings.TrimSpace(in.Email) != "" {
		const w = "e-mail address ignored: an accounts data source has no people (create one with Subject People)"
		if warning == "" {
			warning = w
		} else {
			warning += "; " + w
		}
	}
	return r, reject, warning
}

// personFromInput normalizes a pushed person once, at ingest. A person
// needs an id and a valid e-mail address. It returns why the record is
// refused, or a warning about a kept one.
func (n *Network) personFromInput(in RecordInput) (r Record, reject, warning string) {
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
	if len(in.Email) > maxValueBytes {
		return Record{}, fmt.Sprintf("e-mail is longer than %d bytes", maxValueBytes), ""
	}
	raw := strings.TrimSpace(in.Email)
	if raw == "" {
		return Record{}, "no e-mail address: a person's key", ""
	}
	norm := n.cfg.normalizer
	e, err := norm.Email(raw)
	if err != nil {
		return Record{}, "e-mail " + emailReason(err, raw), ""
	}
	if v, ok := in.Fields[FieldEmail]; ok && v != raw {
		return Record{}, fmt.Sprintf("field %q is the e-mail address: it differs from Email", FieldEmail), ""
	}
	r = Record{ID: id, Name: strings.TrimSpace(in.Name), Website: strings.TrimSpace(in.Website), Email: raw, EmailKey: e.Key}
	r.Fields = make(map[string]string, len(in.Fields)+1)
	for k, v := range in.Fields {
		r.Fields[k] = v
	}
	r.Fields[FieldEmail] = raw
	if d := e.CompanyDomain(); d != "" {
		r.Domains = []string{d}
	} else if r.Website != "" {
		// A free-mail address says nothing of the company: the website
		// given with the person does.
		d, err := norm.Domain(r.Website)
		if err != nil {
			warning = fmt.Sprintf("website: %v", err)
		} else {
			r.Domains = []string{d}
		}
	}
	return r, "", warning
}

// emailReason says why an address is refused, quoting at most a bounded
// prefix of it.
func emailReason(err error, raw string) string {
	reason := "is not a usable address"
	var ee *normalize.EmailError
	if errors.As(err, &ee) {
		reason = ee.Reason
	}
	return fmt.Sprintf("%.60q: %s", raw, clipValue(reason, 120))
}

// PeopleMapping says which columns of a CSV file imported into a People
// data source hold what. Email is required; the others are optional.
// Columns it does not name are fields, by their header names.
type PeopleMapping struct {
	Email   string // the e-mail address: the person's key
	ID      string // the source system's record id
	Name    string // the person's name
	Title   string // stored as the field "title"
	Company string // the company name, stored as the field "company"
	// Website is the company's website: the person's company domain when
	// the address is at a free-mail or generic domain.
	Website string
}

// importPeopleCSV is ImportCSV for a People data source.
func (a *Actor) importPeopleCSV(ctx context.Context, dataSourceID, owner string, r io.Reader, imp CSVImport) (ImportSummary, error) {
	m := imp.People
	if strings.TrimSpace(m.Email) == "" {
		return ImportSummary{}, fmt.Errorf("acctmap: import: a people data source needs CSVImport.People.Email, the e-mail column: %w", ErrInvalidInput)
	}
	var (
		idKey  []byte
		newKey bool
		err    error
	)
	if strings.TrimSpace(m.ID) == "" {
		if idKey, newKey, err = a.n.orgKey(ctx, owner); err != nil {
			return ImportSummary{}, fmt.Errorf("acctmap: import: %w", err)
		}
	}
	recs, fields, sum, err := a.n.readPeopleCSV(ctx, r, imp, idKey)
	if err != nil {
		return sum, err
	}
	if imp.Progress != nil {
		imp.Progress(Progress{Phase: PhaseWrite, Rows: sum.Rows, TotalRecords: len(recs)})
	}
	var version int64
	err = a.n.store.Update(ctx, func(tx Tx) error {
		_, ds, err := a.dataSourceFor(tx, ManageDataSources, dataSourceID)
		if err != nil {
			return err
		}
		if err := requireUploaded(ds); err != nil {
			return err
		}
		if err := requireSubject(ds, People, "import"); err != nil {
			return err
		}
		if newKey {
			if err := storeOrgKey(tx, ds.OrgID, idKey); err != nil {
				return err
			}
		}
		ds.Fields = fields
		if err := carryPrivate(tx, &ds, recs, true); err != nil {
			return err
		}
		if err := a.n.assignMembership(tx, ds, recs); err != nil {
			return err
		}
		if err := tx.ReplaceRecords(ds.ID, recs); err != nil {
			return err
		}
		version = ds.Version + 1
		return a.n.touch(tx, ds)
	})
	if err != nil {
		return ImportSummary{}, err
	}
	a.n.people.installPeople(a.n.cfg.cacheBytes, dataSourceID, version, recs)
	_ = a.logged(ctx, "import", nil, slog.String("data_source", dataSourceID), slog.Int("rows", sum.Rows),
		slog.Int("accepted", sum.Accepted), slog.Int("rejected", sum.Rejected))
	if imp.Progress != nil {
		imp.Progress(Progress{Phase: PhaseDone, Rows: sum.Rows, Records: len(recs), TotalRecords: len(recs)})
	}
	return sum, nil
}

// readPeopleCSV reads and normalizes the rows of a people file.
func (n *Network) readPeopleCSV(ctx context.Context, r io.Reader, imp CSVImport, idKey []byte) ([]Record, []string, ImportSummary, error) {
	opts := slices.Clone(imp.Options)
	if imp.FileName != "" {
		opts = append(opts, csvsource.WithName(imp.FileName))
	}
	tr, err := csvsource.NewTableReader(ctx, r, opts...)
	if err != nil {
		return nil, nil, ImportSummary{}, csvError(err)
	}
	header := tr.Header()
	m := imp.People
	col := func(role, name string) (int, error) {
		name = strings.TrimSpace(name)
		if name == "" {
			return -1, nil
		}
		for i, h := range header {
			if strings.EqualFold(h, name) {
				return i, nil
			}
		}
		return -1, fmt.Errorf("acctmap: import: %s column %.60q not found; the header has %s: %w", role, name, headerList(header), ErrInvalidInput)
	}
	roles := []struct {
		role, name string
		dst        *int
	}{{"Email", m.Email, new(int)}, {"ID", m.ID, new(int)}, {"Name", m.Name, new(int)}, {"Title", m.Title, new(int)},
		{"Company", m.Company, new(int)}, {"Website", m.Website, new(int)}}
	mapped := make([]bool, len(header))
	for _, ro := range roles {
		if *ro.dst, err = col(ro.role, ro.name); err != nil {
			return nil, nil, ImportSummary{}, err
		}
		if i := *ro.dst; i >= 0 {
			if mapped[i] {
				return nil, nil, ImportSummary{}, fmt.Errorf("acctmap: import: column %.60q is mapped twice: %w", header[i], ErrInvalidInput)
			}
			mapped[i] = true
		}
	}
	emailCol, idCol, nameCol, titleCol, companyCol, siteCol := *roles[0].dst, *roles[1].dst, *roles[2].dst, *roles[3].dst, *roles[4].dst, *roles[5].dst
	var fieldCols []int
	var fields []string
	if titleCol >= 0 {
		fields = append(fields, FieldTitle)
	}
	if companyCol >= 0 {
		fields = append(fields, FieldCompany)
	}
	fields = append(fields, FieldEmail)
	var sum ImportSummary
	for i, h := range header {
		if mapped[i] || h == "" {
			continue
		}
		if strings.EqualFold(h, FieldEmail) || strings.EqualFold(h, FieldTitle) && titleCol >= 0 || strings.EqualFold(h, FieldCompany) && companyCol >= 0 {
			return nil, nil, ImportSummary{}, fmt.Errorf("acctmap: import: column %.60q would shadow the field %q: map it or rename it: %w", h, strings.ToLower(h), ErrInvalidInput)
		}
		if w := shadowedWarning(h); w != "" {
			sum.warn(Rejection{Line: tr.HeaderLine(), Reason: w})
		}
		fieldCols = append(fieldCols, i)
		fields = append(fields, h)
	}
	byName := sortedCopy(fields)
	file := imp.FileName
	var (
		recs     []Record
		lines    []int32
		pos      = map[string]int{}
		byValues = map[uint64][]int{}
	)
	every := imp.ProgressEvery
	if every <= 0 {
		every = defaultProgressEvery
	}
	for {
		row, err := tr.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			var ce *csvsource.Error
			if errors.As(err, &ce) && ce.Kind == nil && ctx.Err() != nil {
				return nil, nil, ImportSummary{}, ctx.Err()
			}
			return nil, nil, ImportSummary{}, csvError(err)
		}
		sum.Rows++
		if imp.Progress != nil && sum.Rows%every == 0 {
			imp.Progress(Progress{Phase: PhaseRead, Rows: sum.Rows, Bytes: tr.BytesRead(), TotalBytes: inputSize(r)})
		}
		if row.RepeatedHeader {
			sum.reject(Rejection{Line: row.Line, Reason: tr.RepeatedHeaderReason(), Err: csvsource.ErrRepeatedHeader})
			continue
		}
		v := func(i int) string {
			if i < 0 {
				return ""
			}
			return row.Values[i]
		}
		in := RecordInput{ID: v(idCol), Name: v(nameCol), Website: v(siteCol), Email: v(emailCol)}
		in.Fields = map[string]string{}
		if t := v(titleCol); t != "" {
			in.Fields[FieldTitle] = t
		}
		if c := v(companyCol); c != "" {
			in.Fields[FieldCompany] = c
		}
		for _, c := range fieldCols {
			if x := row.Values[c]; x != "" {
				in.Fields[header[c]] = x
			}
		}
		if idCol < 0 {
			in.ID = "pending" // the content id replaces it below
		} else if strings.TrimSpace(in.ID) == "" {
			sum.reject(Rejection{Line: row.Line, Column: idCol + 1, Field: header[idCol], Reason: fmt.Sprintf("empty record id in column %.40q", header[idCol]),
				Err: &csvsource.Error{File: file, Line: row.Line, Field: header[idCol], Msg: "empty record id"}})
			continue
		}
		rec, reason, warning := n.personFromInput(in)
		if reason != "" {
			rj := Rejection{Line: row.Line, Reason: reason}
			switch {
			case strings.HasPrefix(reason, "e-mail") || strings.HasPrefix(reason, "no e-mail"):
				rj.Column, rj.Field, rj.Value = emailCol+1, header[emailCol], rejectedValue(in.Email)
			case idCol >= 0 && strings.HasPrefix(reason, "record id"):
				rj.Column, rj.Field, rj.Value = idCol+1, header[idCol], rejectedValue(in.ID)
			}
			rj.Err = &csvsource.Error{File: file, Line: row.Line, Field: rj.Field, Msg: reason}
			sum.reject(rj)
			continue
		}
		if warning != "" {
			rj := Rejection{Line: row.Line, Reason: warning}
			if siteCol >= 0 {
				rj.Column, rj.Field, rj.Value = siteCol+1, header[siteCol], rejectedValue(in.Website)
			}
			sum.warn(rj)
		}
		if idCol < 0 {
			h := contentHash(&rec, byName)
			if j, same := sameAsOneOf(&rec, recs, byValues[h]); same {
				sum.duplicate(Rejection{Line: row.Line, RecordID: recs[j].ID, Reason: fmt.Sprintf("repeats every value of line %d: one record", lines[j])})
				continue
			}
			rec.ID = contentID(idKey, h, pos)
			byValues[h] = append(byValues[h], len(recs))
		}
		if j, dup := pos[rec.ID]; dup {
			sum.duplicate(Rejection{Line: row.Line, RecordID: rec.ID, Reason: fmt.Sprintf("repeats the record id of line %d: this row replaces it", lines[j])})
			recs[j], lines[j] = rec, int32(row.Line)
			continue
		}
		pos[rec.ID] = len(recs)
		recs = append(recs, rec)
		lines = append(lines, int32(row.Line))
	}
	if imp.Progress != nil {
		imp.Progress(Progress{Phase: PhaseRead, Rows: sum.Rows, Bytes: tr.BytesRead(), TotalBytes: inputSize(r)})
	}
	sum.Accepted = len(recs)
	name := cmpOr(imp.FileName, "the CSV input")
	switch {
	case sum.Rows == 0:
		return nil, nil, sum, fmt.Errorf("acctmap: import: %.80s has a header and no data rows; the data source keeps its records: %w", name, ErrInvalidInput)
	case len(recs) == 0:
		reason := ""
		if len(sum.Rejections) > 0 {
			reason = fmt.Sprintf(" (line %d: %s)", sum.Rejections[0].Line, sum.Rejections[0].Reason)
		}
		return nil, nil, sum, fmt.Errorf("acctmap: import: none of the %d rows of %.80s has a usable e-mail address%s; check the column mapping; the data source keeps its records: %w",
			sum.Rows, name, reason, ErrInvalidInput)
	}
	return recs, fields, sum, nil
}

// headerList names a header's columns in an error: each cut to 40 bytes,
// the first 10 of them.
func headerList(header []string) string {
	var b strings.Builder
	for i, h := range header {
		if i == 10 {
			fmt.Fprintf(&b, " and %d more", len(header)-10)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", clipValue(h, 40))
	}
	if len(header) == 0 {
		return "no columns"
	}
	return b.String()
}

// rejectedValue is a value at fault as a Rejection holds it: its first 48
// bytes and "…".
func rejectedValue(v string) string {
	if c := clipValue(v, 48); c != v {
		return c + "…"
	}
	return v
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// peopleCache holds the people indexes of people data sources and the
// domain indexes of account data sources that people are matched
// against, each valid for one version of its data source, as indexCache
// does for company indexes; they are apart so that company matching never
// reads or evicts them. The zero value is ready.
type peopleCache struct {
	mu    sync.Mutex
	m     map[string]*peopleEntry
	bytes int64
	clock uint64
}

// peopleEntry is one version of one data source's indexes: for a people
// data source, its people (all, public) and the partners' views; for an
// accounts data source, its domains as each viewer may see them.
type peopleEntry struct {
	version int64
	used    uint64

	mu           sync.Mutex
	size         int64
	full, public *match.People
	views        map[uint64]*match.People  // public people in the slots of the key
	domains      map[uint64]*match.Domains // by the slots a viewer sees; ^0 with private records: the owner's
	domainIDs    map[uint64][]string       // record ids of the domain indexes' positions
}

// entry returns the cache entry of a data source at a version, made empty
// when missing or of another version.
func (c *peopleCache) entry(budget int64, id string, version int64) *peopleEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*peopleEntry{}
	}
	c.clock++
	e := c.m[id]
	if e == nil || e.version != version {
		if e != nil && e.version > version {
			// A reader of an older version: serve it without caching.
			return &peopleEntry{version: version}
		}
		if e != nil {
			c.bytes -= e.size
		}
		e = &peopleEntry{version: version}
		c.m[id] = e
	}
	e.used = c.clock
	// Sizes are those of finished entries; evict the least recently used
	// while over budget, never the entry asked for.
	for c.bytes > budget && len(c.m) > 1 {
		var victim string
		oldest := ^uint64(0)
		for k, v := range c.m {
			if v.used < oldest && k != id {
				victim, oldest = k, v.used
			}
		}
		c.bytes -= c.m[victim].size
		delete(c.m, victim)
	}
	return e
}

// grew records that an entry's indexes grew by b bytes.
func (c *peopleCache) grew(id string, e *peopleEntry, b int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.size += b
	if c.m[id] == e {
		c.bytes += b
	}
}

// installPeople caches the people index of the version of a data source
// that a committed write has just made recs.
func (c *peopleCache) installPeople(budget int64, id string, version int64, recs []Record) {
	e := c.entry(budget, id, version)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.full == nil {
		all := make([]match.Person, len(recs))
		var private []int
		for i := range recs {
			all[i] = personOf(&recs[i])
			if recs[i].Private {
				private = append(private, i)
			}
		}
		c.setPeople(id, e, all, private)
	}
}

// pushedPeople keeps the people index of a people data source after a
// committed push: a replace installs the new version's; after an upsert
// the next read builds it from the store. No company index is built for
// people.
func (n *Network) pushedPeople(dataSourceID string, w indexWrite, recs []Record, replace bool) {
	if replace {
		n.people.installPeople(n.cfg.cacheBytes, dataSourceID, w.version, recs)
	}
}

// setPeople builds an entry's full and public people indexes from all the
// people of a data source, of which those at the positions private
// (ascending) are private; e.mu is held.
func (c *peopleCache) setPeople(id string, e *peopleEntry, all []match.Person, private []int) {
	e.full = match.BuildPeople(all)
	e.public = e.full
	if len(private) > 0 {
		public := make([]match.Person, 0, len(all)-len(private))
		next := 0
		for i := range all {
			if next < len(private) && private[next] == i {
				next++
				continue
			}
			public = append(public, all[i])
		}
		e.public = match.BuildPeople(public)
	}
	b := e.full.Bytes()
	if e.public != e.full {
		b += e.public.Bytes()
	}
	c.grew(id, e, b)
}

// personOf is what the people matcher needs of a record.
func personOf(r *Record) match.Person {
	p := match.Person{ID: r.ID, Key: r.EmailKey, Mask: r.Populations}
	if len(r.Domains) > 0 {
		p.Domain = r.Domains[0]
	}
	return p
}

// peopleOf returns the people index a viewer matches of a people data
// source: all its records for its owner, else its public records in the
// slots of visible.
func (n *Network) peopleOf(tx ReadTx, ds DataSource, owner bool, visible uint64) (*match.People, error) {
	e := n.people.entry(n.cfg.cacheBytes, ds.ID, ds.Version)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.full == nil {
		// The strings of the records a scan returns may be kept (ReadTx).
		var all []match.Person
		var private []int
		err := tx.RecordKeys(ds.ID, func(r *Record) error {
			if r.Private {
				private = append(private, len(all))
			}
			all = append(all, personOf(r))
			return nil
		})
		if err != nil {
			return nil, err
		}
		n.people.setPeople(ds.ID, e, all, private)
	}
	if owner {
		return e.full, nil
	}
	if v := e.views[visible]; v != nil {
		return v, nil
	}
	v := e.public.Restrict(visible)
	if e.views == nil {
		e.views = map[uint64]*match.People{}
	}
	e.views[visible] = v
	if v != e.public {
		n.people.grew(ds.ID, e, v.Bytes())
	}
	return v, nil
}

// domainsOf returns the domain index of an accounts data source as a
// viewer sees it: all its records for its owner, else its public records
// in the slots of visible, and the record id of each position.
func (n *Network) domainsOf(tx ReadTx, ds DataSource, owner bool, visible uint64) (*match.Domains, []string, error) {
	key := visible
	if owner {
		key = ^uint64(0)
	}
	e := n.people.entry(n.cfg.cacheBytes, ds.ID, ds.Version)
	e.mu.Lock()
	defer e.mu.Unlock()
	if d := e.domains[key]; d != nil {
		return d, e.domainIDs[key], nil
	}
	var recs []match.Record
	var ids []string
	err := tx.RecordKeys(ds.ID, func(r *Record) error {
		mask := r.Populations
		if !owner {
			if r.Private {
				return nil
			}
			mask &= visible
		}
		if mask == 0 || len(r.Domains) == 0 {
			return nil
		}
		recs = append(recs, match.Record{ID: r.ID, Domains: r.Domains, Mask: mask})
		ids = append(ids, r.ID)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	d := match.BuildDomains(recs)
	if e.domains == nil {
		e.domains, e.domainIDs = map[uint64]*match.Domains{}, map[uint64][]string{}
	}
	e.domains[key], e.domainIDs[key] = d, ids
	var b int64
	for _, id := range ids {
		b += int64(len(id)) + 16
	}
	n.people.grew(ds.ID, e, d.Bytes()+b)
	return d, ids, nil
}

// peopleMode is which people question a matrix or report answers.
type peopleMode int

const (
	peopleByEmail    peopleMode = iota // people × the partner's people
	peopleAtAccounts                   // people × the partner's accounts, by domain
)

func (m peopleMode) partnerSubject() Subject {
	if m == peopleAtAccounts {
		return Accounts
	}
	return People
}

// PeopleMatrix returns the people overlap matrix between the acting user's
// org and a partner: for every pair of the org's people populations and
// the partner's people populations visible to it, the number of distinct
// people (e-mail keys) in both. It reads as Matrix does, with the same
// sharing rules, private records, count policy and HiddenFromPartner.
func (a *Actor) PeopleMatrix(ctx context.Context, partnerID string) (OverlapMatrix, error) {
	return a.peopleMatrix(ctx, partnerID, peopleByEmail)
}

// PeopleAtPartnerAccounts returns the matrix of the acting user's people
// populations (rows) against a partner's account populations visible to
// it (columns): each cell counts the distinct people of the row's
// population whose company domain is a domain of an account in the
// column's population — "my leads at the partner's customers". The
// partner's private accounts and accounts outside the populations it
// shows take no part; the partner's count policy applies to its
// populations shared at counts only, as in Matrix. HiddenFromPartner
// counts the people of a cell that are private or in no population the
// viewer shows the partner.
func (a *Actor) PeopleAtPartnerAccounts(ctx context.Context, partnerID string) (OverlapMatrix, error) {
	return a.peopleMatrix(ctx, partnerID, peopleAtAccounts)
}

func (a *Actor) peopleMatrix(ctx context.Context, partnerID string, mode peopleMode) (OverlapMatrix, error) {
	var m OverlapMatrix
	var viewer string
	var draws []cellDraw
	var policy CountPolicy
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		u, err := a.user(tx, 0)
		if err != nil {
			return err
		}
		viewer = u.OrgID
		m, draws, policy, err = a.n.peopleMatrixOf(tx, u.OrgID, partnerID, mode)
		return err
	})
	if err != nil {
		return OverlapMatrix{}, err
	}
	if err := a.n.release(ctx, partnerID, viewer, &m, draws, policy); err != nil {
		return OverlapMatrix{}, err
	}
	return m, nil
}

// peopleSides loads the viewer's people populations and the partner's
// populations of the mode's subject.
func peopleSides(tx ReadTx, viewer, partner string, mode peopleMode) (side, side, error) {
	mine, err := loadSideOf(tx, viewer, viewer, People)
	if err != nil {
		return side{}, side{}, err
	}
	theirs, err := loadSideOf(tx, viewer, partner, mode.partnerSubject())
	if err != nil {
		return side{}, side{}, err
	}
	if theirs.shown, err = shownTo(tx, viewer, partner); err != nil {
		return side{}, side{}, err
	}
	return mine, theirs, nil
}

// peopleSlots is the index of one partner data source a people count reads.
type peopleSlots interface{ SlotDigests() [64]uint64 }

func (n *Network) peopleMatrixOf(tx ReadTx, viewer, partner string, mode peopleMode) (OverlapMatrix, []cellDraw, CountPolicy, error) {
	fail := func(err error) (OverlapMatrix, []cellDraw, CountPolicy, error) {
		return OverlapMatrix{}, nil, CountPolicy{}, err
	}
	if viewer == partner {
		return fail(fmt.Errorf("acctmap: people matrix: an org is not its own partner: %w", ErrInvalidInput))
	}
	mine, theirs, err := peopleSides(tx, viewer, partner, mode)
	if err != nil {
		return fail(err)
	}
	var policy CountPolicy
	if !theirs.owned {
		owner, err := tx.Org(partner)
		if err != nil {
			return fail(err)
		}
		policy = policyFor(owner, viewer)
	}
	m := OverlapMatrix{Partner: partner}
	for _, v := range mine.pops {
		m.Rows = append(m.Rows, v.info())
	}
	for _, v := range theirs.pops {
		m.Cols = append(m.Cols, v.info())
	}
	m.Counts = grid(len(m.Rows), len(m.Cols))
	m.HiddenFromPartner = grid(len(m.Rows), len(m.Cols))
	type result struct {
		counts, public match.Matrix
		xd, yd         [64]uint64
	}
	results := map[[2]string]result{}
	var draws []cellDraw
	for i, mv := range mine.pops {
		for j, tv := range theirs.pops {
			k := [2]string{mv.pop.DataSourceID, tv.pop.DataSourceID}
			r, ok := results[k]
			if !ok {
				x, y := mine.ds[k[0]], theirs.ds[k[1]]
				xf, err := n.peopleOf(tx, x, true, 0)
				if err != nil {
					return fail(err)
				}
				xs := xf
				if !theirs.owned {
					if xs, err = n.peopleOf(tx, x, false, theirs.shown[x.ID]); err != nil {
						return fail(err)
					}
				}
				var yi peopleSlots
				switch mode {
				case peopleAtAccounts:
					d, _, err := n.domainsOf(tx, y, theirs.owned, theirs.visible[y.ID])
					if err != nil {
						return fail(err)
					}
					r.counts, yi = match.PeopleAtDomains(xf, d), d
					r.public = r.counts
					if xs != xf {
						r.public = match.PeopleAtDomains(xs, d)
					}
				default:
					p, err := n.peopleOf(tx, y, theirs.owned, theirs.visible[y.ID])
					if err != nil {
						return fail(err)
					}
					r.counts, yi = match.PeopleOverlap(xf, p), p
					r.public = r.counts
					if xs != xf {
						r.public = match.PeopleOverlap(xs, p)
					}
				}
				r.xd, r.yd = xf.SlotDigests(), yi.SlotDigests()
				results[k] = r
			}
			si, sj := mv.pop.Slot, tv.pop.Slot
			m.Counts[i][j] = r.counts.At(si, sj)
			m.HiddenFromPartner[i][j] = max(0, r.counts.At(si, sj)-r.public.At(si, sj))
			if policy.active() && tv.view.level == CountsOnly {
				d := cellDraw{i: i, j: j, count: m.Counts[i][j]}
				if policy.Epsilon > 0 {
					d.digest = cellDigest(mv.pop.ID, tv.pop.ID, r.xd[si], r.yd[sj])
				}
				draws = append(draws, d)
			}
		}
	}
	return m, draws, policy, nil
}

// PeopleReport returns the record-level view of one cell of PeopleMatrix:
// spec.Population is one of the acting user's people populations and
// spec.PartnerPopulation one of the partner's, shared with the viewer at a
// record level. One row per person in both, with the viewer's record
// ("my." columns) and the partner's shared fields ("partner." columns:
// the partner's e-mail address only where its rule shares "email");
// match.on is "email" and match.key the viewer's own e-mail key. Filters,
// columns, sort, paging and cursors are those of Report.
func (a *Actor) PeopleReport(ctx context.Context, spec ReportSpec) (Report, error) {
	return a.peopleReport(ctx, spec, peopleByEmail)
}

// PeopleAtPartnerAccountsReport returns the record-level view of one cell
// of PeopleAtPartnerAccounts: the acting user's people in
// spec.Population whose company domain is a domain of an account of the
// partner's spec.PartnerPopulation (shared with the viewer at a record
// level), one row per person with the partner account's shared fields;
// match.on is "domain" and match.key the domain. Filters, columns, sort,
// paging and cursors are those of Report.
func (a *Actor) PeopleAtPartnerAccountsReport(ctx context.Context, spec ReportSpec) (Report, error) {
	return a.peopleReport(ctx, spec, peopleAtAccounts)
}

func (a *Actor) peopleReport(ctx context.Context, spec ReportSpec, mode peopleMode) (Report, error) {
	pg, err := a.cellPage(ctx, spec, func(tx ReadTx, viewer string, spec ReportSpec) ([]row, []string, error) {
		return a.n.peopleRows(tx, viewer, spec, mode)
	})
	if err != nil {
		return Report{}, err
	}
	return pg.report(), nil
}

// peopleRows computes the rows of one cell of a people matrix.
func (n *Network) peopleRows(tx ReadTx, viewer string, spec ReportSpec, mode peopleMode) ([]row, []string, error) {
	op := "people report"
	if mode == peopleAtAccounts {
		op = "people at partner accounts report"
	}
	if spec.Partner == viewer {
		return nil, nil, fmt.Errorf("acctmap: %s: an org is not its own partner: %w", op, ErrInvalidInput)
	}
	myPop, err := tx.Population(spec.Population)
	if errors.Is(err, ErrNotFound) || (err == nil && myPop.OrgID != viewer) {
		return nil, nil, fmt.Errorf("acctmap: %s: population %.80q of your org: %w", op, spec.Population, ErrNotFound)
	}
	if err != nil {
		return nil, nil, err
	}
	theirs, err := loadSideOf(tx, viewer, spec.Partner, mode.partnerSubject())
	if err != nil {
		return nil, nil, err
	}
	i := slices.IndexFunc(theirs.pops, func(v visiblePop) bool { return v.pop.ID == spec.PartnerPopulation })
	if i < 0 {
		return nil, nil, fmt.Errorf("acctmap: %s: partner population %.80q: %w", op, spec.PartnerPopulation, ErrNotFound)
	}
	tp := theirs.pops[i]
	if !tp.view.recordLevel() {
		return nil, nil, fmt.Errorf("acctmap: %s: the partner shares population %.60q as counts only: %w", op, tp.pop.Name, ErrNotShared)
	}
	x, err := tx.DataSource(myPop.DataSourceID)
	if err != nil {
		return nil, nil, err
	}
	if err := requireSubject(x, People, op); err != nil {
		return nil, nil, err
	}
	y := theirs.ds[tp.pop.DataSourceID]
	view := tp.view
	if view.owner {
		view.fields = allFields(y.Fields)
	}
	columns := reportColumns(x.Fields, view.fields)
	xf, err := n.peopleOf(tx, x, true, 0)
	if err != nil {
		return nil, nil, err
	}
	mx, my := uint64(1)<<uint(myPop.Slot), uint64(1)<<uint(tp.pop.Slot)
	type hit struct {
		key, on string
		x       []string
		y       []string
	}
	var hits []hit
	switch mode {
	case peopleAtAccounts:
		d, ids, err := n.domainsOf(tx, y, view.owner, theirs.visible[y.ID])
		if err != nil {
			return nil, nil, err
		}
		for _, h := range match.PeopleAtDomainsMatches(xf, d, mx, my) {
			var ys []string
			for _, p := range h.Accounts {
				ys = append(ys, ids[p])
			}
			hits = append(hits, hit{key: h.Domain, on: "domain", x: personIDs(h.X), y: ys})
		}
	default:
		yi, err := n.peopleOf(tx, y, view.owner, theirs.visible[y.ID])
		if err != nil {
			return nil, nil, err
		}
		for _, h := range match.PeopleMatches(xf, yi, mx, my) {
			hits = append(hits, hit{key: h.Key, on: "email", x: personIDs(h.X), y: personIDs(h.Y)})
		}
	}
	if len(hits) > maxReportRows {
		return nil, nil, fmt.Errorf("acctmap: %s: %d rows, more than %d: %w", op, len(hits), maxReportRows, ErrLimitExceeded)
	}
	var xIDs, yIDs []string
	for _, h := range hits {
		xIDs, yIDs = append(xIDs, h.x...), append(yIDs, h.y...)
	}
	xRecs, err := recordsByID(tx, x.ID, xIDs)
	if err != nil {
		return nil, nil, err
	}
	yRecs, err := recordsByID(tx, y.ID, yIDs)
	if err != nil {
		return nil, nil, err
	}
	var rows []row
	for _, h := range hits {
		mine := members(xRecs, h.x, myPop.Slot, false)
		their := members(yRecs, h.y, tp.pop.Slot, !view.owner)
		if len(mine) == 0 || len(their) == 0 {
			continue
		}
		// One row per person: the viewer's first record, and the partner's
		// record whose shown values come first (never its record order,
		// which the viewer may not see).
		xr, yr := mine[0], firstShown(their, view)
		r := row{values: myValues(xr), tie: shownValues(yr, view)}
		r.out = ReportRow{RecordID: xr.ID, MatchedOn: h.on, Key: h.key, Confidence: 100}
		if h.on == "email" {
			r.out.Explanation = "same e-mail address " + h.key
		} else {
			r.out.Explanation = "the person's company domain " + h.key + " is the partner account's"
		}
		for f, v := range sharedFields(yr, view) {
			r.values["partner."+f] = v
		}
		if _, ok := r.values["partner."+FieldID]; ok {
			r.out.PartnerRecordID = yr.ID
		}
		r.values[ColumnMatchedOn] = r.out.MatchedOn
		r.values[ColumnMatchKey] = r.out.Key
		r.values[ColumnConfidence] = "100"
		r.values[ColumnExplanation] = r.out.Explanation
		rows = append(rows, r)
	}
	return rows, columns, nil
}

func personIDs(ps []match.Person) []string {
	out := make([]string, len(ps))
	for i := range ps {
		out[i] = ps[i].ID
	}
	return out
}
