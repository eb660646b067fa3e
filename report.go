package acctmap

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"iter"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/acctmap/acctmap/fieldtype"
	"github.com/acctmap/acctmap/internal/match"
)

// ErrNotShared reports a record-level read of a partner population that the
// partner shares at counts only (or hides).
var ErrNotShared = errors.New("not shared at record level")

// Report column names. The viewer's record fields are "my.<field>", the
// partner's shared fields "partner.<field>" (built-in fields are "name",
// "website" and "id"), and the match columns are these.
const (
	ColumnMatchedOn   = "match.on"          // registration_id, domain, name, or account (see ReportRow.MatchedOn)
	ColumnMatchKey    = "match.key"         // the id, domain or name matched on
	ColumnConfidence  = "match.confidence"  // 20 to 100: the pair's, by the table of ConfidenceRegistrationID
	ColumnExplanation = "match.explanation" // the pair's evidence, in words
	ColumnPrivate     = "my.private"        // "true" when the viewer's record is private: the partner does not see the row
)

// ReportSpec selects and shapes a report.
type ReportSpec struct {
	// Partner is an accepted partner or one of the viewer's offline partners.
	Partner string
	// Population is one of the viewer's populations; PartnerPopulation one
	// of the partner's, shared with the viewer at a record level. Together
	// they are one cell of the overlap matrix.
	Population        string
	PartnerPopulation string
	// Columns chooses and orders the columns; empty means all of them.
	Columns []string
	// Filter keeps the rows it selects, with the operators of population
	// filters, on column names; the viewer's own columns of a typed field
	// ("my.ARR") compare as the field's type reads them.
	Filter Filter
	// Sort orders the rows by these columns, in order; numbers compare as
	// numbers, the viewer's own columns of a typed field by value, text by
	// collation. Rows are otherwise ordered by the viewer's record id.
	Sort []SortKey
	// Offset and Limit page the rows; Limit 0 means all. A page of a
	// large cell costs much less than the whole cell.
	Offset, Limit int
	// Cursor, from a previous page's Report.NextCursor of the same spec
	// (its cursor, offset and limit aside), starts the page after that
	// page's last row; Offset then skips rows after it. Unlike an offset,
	// a cursor keeps its place when rows before it come or go. It holds
	// only values the viewer sees (see Report.NextCursor).
	Cursor string
	// Pairs lists every pair of records of the cell's matched accounts
	// that has evidence of its own (a shared domain, registration id or,
	// with name matching, name), one row each, instead of one row per
	// account: the audit of a match.
	Pairs bool
}

// SortKey orders report rows by one column.
type SortKey struct {
	Column string
	Desc   bool
}

// Report is the record-level view of one matrix cell: one row per
// overlapping account, with the viewer's record and the partner's shared
// fields — only the fields the partner's sharing rules allow.
type Report struct {
	Columns []string
	Rows    []ReportRow
	// Total is the number of rows that passed the filter, before paging.
	Total int
	// NextCursor, when more rows follow the page, is the ReportSpec.Cursor
	// of the next page. It is opaque to callers but no secret: it encodes
	// the spec's fingerprint and the page's last row as the viewer sees it
	// (its sort values, the viewer's record id and the row's shown values),
	// so it tells nothing the report does not. A cursor forged or edited
	// only moves where a page starts among the rows the viewer may see.
	NextCursor string
}

// ReportRow is one overlapping account, or one pair of records (with
// ReportSpec.Pairs): the viewer's record and the partner's shown.
//
// What a row says of the match is computed from what the viewer may see:
// its own record, and of the partner's record the fields it shares and the
// keys the two records share (which are the viewer's own). When the
// partner does not share its "name", names take no part in the row's
// confidence and explanation, whatever they did in matching: a row never
// tells how an unshared name compares.
type ReportRow struct {
	// Values are aligned with Report.Columns.
	Values []string
	// MatchedOn says what the pair shares: "registration_id", "domain" or
	// "name", or "account" when the two records share nothing themselves
	// and match through other records of their accounts. Key is the id,
	// domain or name (an entity key) they share.
	MatchedOn  string
	Key        string
	Confidence int
	// Explanation says the pair's evidence in words, e.g. "same domain
	// acme.com; names agree: Acme Inc / ACME".
	Explanation string
	// RecordID and PartnerRecordID identify the two records shown (the
	// partner's id only when the partner shares its "id" field).
	RecordID        string
	PartnerRecordID string
}

// row is a report row before columns are chosen. tie orders rows that the
// sort keys and the viewer's record id leave equal: the partner's values
// shown, so that the order depends on nothing the viewer does not see.
type row struct {
	values  map[string]string
	out     ReportRow
	tie     string
	partner string // the partner's record's id, shown or not: for its owner's audit of an export (audit.go)
	// pair, when set, holds the records a cell's row shows, and values is
	// nil: a column's value is computed when a filter, a sort or the page
	// reads it (value), so that a page of 10 rows of a large cell makes
	// the values of its 10 rows only.
	pair *rowPair
}

// rowPair is what a cell report's row shows: the viewer's record x and
// the partner's record y as view shares it; and the evidence its
// Explanation is made from, once (why).
type rowPair struct {
	x, y  *Record
	view  *popView
	ev    match.Evidence
	kind  match.Kind // 0: out.Explanation is the row's explanation
	names bool
	once  bool // why is made
	why   string
}

// explanation returns the row's Explanation, made on first use: only the
// rows on a page, those a filter or a sort on it reads, and the rare ties
// betterRow breaks on it need one. Copies of a row share it.
func (r *row) explanation() string {
	p := r.pair
	if p == nil || p.kind == 0 {
		return r.out.Explanation
	}
	if !p.once {
		_, p.why = explain(p.ev, p.kind, p.x, p.y, p.names)
		p.once = true
	}
	return p.why
}

// value returns the row's value of column c ("" when it has none): from
// values, or computed from the pair as pairRows.row used to store it.
func (r *row) value(c string) string {
	if r.pair == nil {
		return r.values[c]
	}
	x, y := r.pair.x, r.pair.y
	switch c {
	case ColumnPrivate: // before the fields: it shadows a field "private"
		return strconv.FormatBool(x.Private)
	case ColumnMatchedOn:
		return r.out.MatchedOn
	case ColumnMatchKey:
		return r.out.Key
	case ColumnConfidence:
		return strconv.Itoa(r.out.Confidence)
	case ColumnExplanation:
		return r.explanation()
	}
	if f, ok := strings.CutPrefix(c, "my."); ok {
		if isBuiltin(f) { // a field spelled like a built-in is shadowed
			return fieldValue(x, f)
		}
		return x.Fields[f]
	}
	if f, ok := strings.CutPrefix(c, "partner."); ok && slices.Contains(r.pair.view.fields, f) {
		return fieldValue(y, f)
	}
	return ""
}

// maxReportRows bounds the rows a report materializes before paging.
const maxReportRows = 1_000_000

// Report returns the report of one matrix cell.
func (a *Actor) Report(ctx context.Context, spec ReportSpec) (Report, error) {
	pg, err := a.cellPage(ctx, spec, a.n.cellRows)
	if err != nil {
		return Report{}, err
	}
	return pg.report(), nil
}

// cellRowsFunc computes the rows of one cell of a report and its columns,
// for the viewer org, in tx: cellRows for accounts, peopleRows for people.
type cellRowsFunc func(tx ReadTx, viewer string, spec ReportSpec) ([]row, []string, error)

// cellPage computes the page of spec of the cell rowsOf makes, in one
// read, its rows' values made when read: what Report projects at once,
// and ExportReport and ReportRows one row at a time.
func (a *Actor) cellPage(ctx context.Context, spec ReportSpec, rowsOf cellRowsFunc) (page, error) {
	var pg page
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		u, err := a.user(tx, 0)
		if err != nil {
			return err
		}
		rows, columns, err := rowsOf(tx, u.OrgID, spec)
		if err != nil {
			return err
		}
		typed, err := reportTyper(tx, spec.Population)
		if err != nil {
			return err
		}
		pg, err = pageOf(rows, columns, spec, typed)
		return err
	})
	return pg, err
}

// cellRows computes the rows of one matrix cell and the columns they have.
func (n *Network) cellRows(tx ReadTx, viewer string, spec ReportSpec) ([]row, []string, error) {
	if spec.Partner == viewer {
		return nil, nil, fmt.Errorf("acctmap: report: an org is not its own partner: %w", ErrInvalidInput)
	}
	myPop, err := tx.Population(spec.Population)
	if errors.Is(err, ErrNotFound) || (err == nil && myPop.OrgID != viewer) {
		return nil, nil, fmt.Errorf("acctmap: report: population %.80q of your org: %w", spec.Population, ErrNotFound)
	}
	if err != nil {
		return nil, nil, err
	}
	theirs, err := loadSide(tx, viewer, spec.Partner)
	if err != nil {
		return nil, nil, err
	}
	i := slices.IndexFunc(theirs.pops, func(v visiblePop) bool { return v.pop.ID == spec.PartnerPopulation })
	if i < 0 {
		return nil, nil, fmt.Errorf("acctmap: report: partner population %.80q: %w", spec.PartnerPopulation, ErrNotFound)
	}
	tp := theirs.pops[i]
	if !tp.view.recordLevel() {
		return nil, nil, fmt.Errorf("acctmap: report: the partner shares population %.60q as counts only: %w", tp.pop.Name, ErrNotShared)
	}
	x, err := tx.DataSource(myPop.DataSourceID)
	if err != nil {
		return nil, nil, err
	}
	if err := requireSubject(x, Accounts, "report"); err != nil {
		return nil, nil, err
	}
	y := theirs.ds[tp.pop.DataSourceID]
	xe, err := n.index(tx, x)
	if err != nil {
		return nil, nil, err
	}
	yi, err := n.side(tx, y, tp.view.owner, theirs.visible[y.ID])
	if err != nil {
		return nil, nil, err
	}
	xi := xe.full
	matches := match.Matches(xi, yi, n.matchOptions(x, y, xi, yi), 1<<uint(myPop.Slot), 1<<uint(tp.pop.Slot))
	if len(matches) > maxReportRows {
		return nil, nil, fmt.Errorf("acctmap: report: %d rows, more than %d: %w", len(matches), maxReportRows, ErrLimitExceeded)
	}
	view := tp.view
	if view.owner {
		view.fields = allFields(y.Fields)
	}
	columns := reportColumns(x.Fields, view.fields)
	var xIDs, yIDs []string
	for _, m := range matches {
		xIDs, yIDs = append(xIDs, m.X...), append(yIDs, m.Y...)
	}
	xRecs, err := recordsByID(tx, x.ID, xIDs)
	if err != nil {
		return nil, nil, err
	}
	yRecs, err := recordsByID(tx, y.ID, yIDs)
	if err != nil {
		return nil, nil, err
	}
	pr := pairRows{xi: xi, yi: yi, view: view, minConf: n.cfg.minConfidence,
		namesShared: view.owner || slices.Contains(view.fields, FieldName)}
	rows := make([]row, 0, len(matches)) // one a matched account, more with Pairs
	for _, m := range matches {
		mine := members(xRecs, m.X, myPop.Slot, false)
		their := members(yRecs, m.Y, tp.pop.Slot, !view.owner)
		if len(mine) == 0 || len(their) == 0 {
			continue // the component touches the cell through other records only
		}
		rows = pr.appendRows(rows, mine, their, spec.Pairs)
		if len(rows) > maxReportRows {
			return nil, nil, fmt.Errorf("acctmap: report: more than %d rows: %w", maxReportRows, ErrLimitExceeded)
		}
	}
	return rows, columns, nil
}

// pairRows makes the rows of one cell's matched accounts.
type pairRows struct {
	xi, yi      *match.Index
	view        popView // of the partner's population, with the fields shown
	namesShared bool    // the partner's names may take part in what a row says
	minConf     int
}

// appendRows appends the rows of one matched account: its records in the
// viewer's population (mine, in id order) and in the partner's (their).
// With pairs, every pair with evidence of its own; else one row, the pair
// that says the most to the viewer (highest confidence shown, then key,
// then the partner's values shown).
func (p *pairRows) appendRows(rows []row, mine, their []*Record, pairs bool) []row {
	var best *row
	for _, x := range mine {
		for _, y := range their {
			ev, ok := match.PairEvidence(p.xi, x.ID, p.yi, y.ID)
			if !ok {
				continue
			}
			conf, kind := ev.Confidence(p.namesShared)
			if kind == 0 {
				continue
			}
			r := p.row(x, y, ev, conf, kind)
			if pairs {
				rows = append(rows, r)
			} else if best == nil || betterRow(&r, best) {
				best = &r
			}
		}
		if !pairs && best != nil {
			break // the viewer's first record with a pair of its own
		}
	}
	if pairs {
		return rows
	}
	if best == nil {
		// The two sides' records in the cell share nothing themselves:
		// other records of their accounts link them.
		r := p.row(mine[0], firstShown(their, p.view), match.Evidence{}, p.minConf, 0)
		best = &r
	}
	return append(rows, *best)
}

// betterRow orders candidate rows of one account for the viewer.
func betterRow(a, b *row) bool {
	if a.out.Confidence != b.out.Confidence {
		return a.out.Confidence > b.out.Confidence
	}
	if a.out.Key != b.out.Key {
		return a.out.Key < b.out.Key
	}
	if a.tie != b.tie {
		return a.tie < b.tie
	}
	// Rows the partner's shown values do not tell apart are ordered by
	// what else they show, so that the choice never depends on the order
	// the records came in, which the partner's unseen records can change.
	if a.out.MatchedOn != b.out.MatchedOn {
		return a.out.MatchedOn < b.out.MatchedOn
	}
	return a.explanation() < b.explanation()
}

// firstShown returns the record of recs whose shown values come first.
func firstShown(recs []*Record, view popView) *Record {
	best, bestTie := recs[0], shownValues(recs[0], view)
	for _, r := range recs[1:] {
		if t := shownValues(r, view); t < bestTie {
			best, bestTie = r, t
		}
	}
	return best
}

// shownValues joins the values of r that view shares, in order: what
// orders rows that nothing else the viewer sees tells apart.
func shownValues(r *Record, view popView) string {
	var b strings.Builder
	for _, f := range view.fields {
		v := fieldValue(r, f)
		b.WriteString(strconv.Itoa(len(v)))
		b.WriteByte(':')
		b.WriteString(v)
	}
	return b.String()
}

// row makes the row of the pair (x, y) with evidence ev, shown at conf and
// kind (0: matched through the accounts' other records). Its column
// values are computed when read (row.value).
func (p *pairRows) row(x, y *Record, ev match.Evidence, conf int, kind match.Kind) row {
	r := row{tie: shownValues(y, p.view), partner: y.ID, pair: &rowPair{x: x, y: y, view: &p.view}}
	r.out = ReportRow{Confidence: conf, RecordID: x.ID, MatchedOn: "account", Explanation: "matched through other records of the two accounts"}
	if kind != 0 {
		r.out.MatchedOn = kind.String()
		r.out.Key = explainKey(ev, kind)
		r.out.Explanation = ""
		r.pair.ev, r.pair.kind, r.pair.names = ev, kind, p.namesShared
	}
	if slices.Contains(p.view.fields, FieldID) {
		r.out.PartnerRecordID = y.ID
	}
	return r
}

// explainKey returns the key a pair matched on, as explain does.
func explainKey(ev match.Evidence, kind match.Kind) string {
	switch kind {
	case match.RegistrationID:
		return ev.RegID
	case match.Domain:
		return ev.Domains[0]
	case match.Name:
		return ev.Entity
	}
	return ""
}

// explain returns the key a pair matched on and its evidence in words,
// from what the viewer may see: its record x, the keys x shares with y,
// and y's name only when names are shared.
func explain(ev match.Evidence, kind match.Kind, x, y *Record, names bool) (key, why string) {
	var b strings.Builder
	switch kind {
	case match.RegistrationID:
		key = ev.RegID
		fmt.Fprintf(&b, "same registration id %s", key)
	case match.Domain:
		key = ev.Domains[0]
		fmt.Fprintf(&b, "same domain %s", strings.Join(ev.Domains, ", "))
	case match.Name:
		key = ev.Entity
		fmt.Fprintf(&b, "same name %q, no shared domain", key)
	}
	switch {
	case !names:
		b.WriteString("; the partner does not share its names")
	case kind == match.Name:
		if ev.Distinctive {
			b.WriteString("; distinctive in both lists")
		} else {
			b.WriteString("; not distinctive: a common name")
		}
	case ev.Names == match.NamesMissing:
		b.WriteString("; a name is missing")
	default:
		fmt.Fprintf(&b, "; names %s: %.60q / %.60q", ev.Names, x.Name, y.Name)
	}
	return key, b.String()
}

// recordsByID reads the records of ids, of one data source, in one call
// (one round trip for a SQL store, where a report would otherwise make one
// per matched record); ids with no record are not in the map.
func recordsByID(tx ReadTx, dsID string, ids []string) (map[string]*Record, error) {
	out := make(map[string]*Record, len(ids))
	err := tx.RecordsByID(dsID, ids, func(r *Record) error {
		c := *r
		out[c.ID] = &c
		return nil
	})
	return out, err
}

// members returns the records of ids that are in population slot, in id
// order; with public, private records are left out (they were not in the
// index the ids came from, but a record may have turned private since:
// never show it).
func members(recs map[string]*Record, ids []string, slot int, public bool) []*Record {
	var out []*Record
	for _, id := range ids {
		r := recs[id]
		if r != nil && r.Populations&(1<<uint(slot)) != 0 && !(public && r.Private) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *Record) int { return compareIDs(a.ID, b.ID) })
	return out
}

// myValues returns the viewer's record's columns as a map, for the rows
// that hold their values (people's reports); a cell's rows compute them
// (row.value).
func myValues(r *Record) map[string]string {
	v := make(map[string]string, len(r.Fields)+8)
	for f, x := range r.Fields {
		v["my."+f] = x
	}
	// After the fields: a field spelled like a built-in is shadowed.
	v["my.name"], v["my.website"], v["my.id"] = r.Name, r.Website, r.ID
	v[ColumnPrivate] = strconv.FormatBool(r.Private)
	return v
}

// reportColumns lists every column of a cell report, in default order.
func reportColumns(myFields, partnerFields []string) []string {
	var cols []string
	for _, f := range allFields(myFields) {
		cols = append(cols, "my."+f)
	}
	cols = append(cols, ColumnPrivate)
	for _, f := range partnerFields {
		if c := "partner." + f; !slices.Contains(cols, c) {
			cols = append(cols, c)
		}
	}
	return append(cols, ColumnMatchedOn, ColumnMatchKey, ColumnConfidence, ColumnExplanation)
}

// shape filters, sorts, pages and projects rows onto the chosen columns;
// typed, when not nil, reads the viewer's typed columns (reportTyper).
func shape(rows []row, columns []string, spec ReportSpec, typed typer[*row]) (Report, error) {
	pg, err := pageOf(rows, columns, spec, typed)
	if err != nil {
		return Report{}, err
	}
	return pg.report(), nil
}

// report projects every row of the page.
func (pg *page) report() Report {
	rep := Report{Columns: pg.columns, Total: pg.total, NextCursor: pg.next}
	for i := range pg.rows {
		rep.Rows = append(rep.Rows, pg.project(i))
	}
	return rep
}

// project returns row i of the page as a ReportRow of its columns.
func (pg *page) project(i int) ReportRow {
	r := pg.rows[i].r
	out := r.out
	out.Explanation = r.explanation()
	out.Values = make([]string, len(pg.columns))
	for k, c := range pg.columns {
		out.Values[k] = r.value(c)
	}
	return out
}

// page is a report's page before its rows are projected: the rows in
// order, whose values are made when read (row.value), so that an export
// writes them one at a time.
type page struct {
	columns []string // the chosen columns
	rows    []sortedRow
	total   int
	next    string // Report.NextCursor
}

// pageOf filters, sorts and pages rows, and chooses the columns; typed,
// when not nil, reads the viewer's typed columns (reportTyper).
func pageOf(rows []row, columns []string, spec ReportSpec, typed typer[*row]) (page, error) {
	if spec.Offset < 0 || spec.Limit < 0 {
		return page{}, fmt.Errorf("acctmap: report: negative offset or limit: %w", ErrInvalidInput)
	}
	resolve := func(name string) (string, func(*row) string, bool) {
		name = strings.TrimSpace(name)
		i := slices.Index(columns, name) // the exact spelling first, as resolveField does
		if i < 0 {
			i = slices.IndexFunc(columns, func(c string) bool { return strings.EqualFold(c, name) })
		}
		if i < 0 {
			return "", nil, false
		}
		c := columns[i]
		return c, func(r *row) string { return r.value(c) }, true
	}
	unknown := func(name string) string {
		return fmt.Sprintf("column %.80q is not a column of the report (columns: %s)", name, quoteList(columns, 30))
	}
	f, _, err := compileTyped(spec.Filter, resolve, typed, unknown)
	if err != nil {
		return page{}, fmt.Errorf("acctmap: report: %w", err)
	}
	chosen := columns
	if len(spec.Columns) > 0 {
		chosen = make([]string, len(spec.Columns))
		for i, c := range spec.Columns {
			canon, _, ok := resolve(c)
			if !ok {
				return page{}, fmt.Errorf("acctmap: report: %s: %w", unknown(c), ErrInvalidInput)
			}
			chosen[i] = canon
		}
	}
	type sortBy struct {
		get  func(*row) string
		desc bool
		typ  *fieldtype.Parser // the viewer's typed column: sorts by value
	}
	var keys []sortBy
	for _, k := range spec.Sort {
		canon, get, ok := resolve(k.Column)
		if !ok {
			return page{}, fmt.Errorf("acctmap: report: sort: %s: %w", unknown(k.Column), ErrInvalidInput)
		}
		keys = append(keys, sortBy{get, k.Desc, typedSort(typed, canon, get)})
	}
	cur, err := decodeCursor(spec.Cursor, specFingerprint(spec))
	if err != nil {
		return page{}, fmt.Errorf("acctmap: report: %w", err)
	}
	// Each kept row with its sort values parsed once: a comparison then
	// reads no map and parses no number.
	sc := newSortCollator()
	kept := make([]sortedRow, 0, len(rows)/4)
	for i := range rows {
		r := &rows[i]
		if !f.match(r) {
			continue
		}
		sr := sortedRow{r: r, keys: make([]sortValue, len(keys))}
		for j, k := range keys {
			sr.keys[j] = sc.typedValue(k.get(r), k.typ)
		}
		kept = append(kept, sr)
	}
	total := len(kept)
	compare := func(a, b *sortedRow) int {
		for j, k := range keys {
			if c := a.keys[j].compare(&b.keys[j]); c != 0 {
				if k.desc {
					return -c
				}
				return c
			}
		}
		if c := compareIDs(a.r.out.RecordID, b.r.out.RecordID); c != 0 {
			return c
		}
		if c := strings.Compare(a.r.tie, b.r.tie); c != 0 {
			return c
		}
		// Then by everything the row shows: rows that show the same are
		// the same to the viewer, whatever their order.
		for _, col := range columns {
			if c := strings.Compare(a.r.value(col), b.r.value(col)); c != 0 {
				return c
			}
		}
		return 0
	}
	if cur != nil {
		// Keep the rows after the cursor's: the cursor is a row position
		// in the same order, made of values the viewer sees.
		if len(cur.keys) != len(keys) || len(cur.values) != len(columns) {
			return page{}, fmt.Errorf("acctmap: report: the cursor is of another report (the data source's fields changed?): %w", ErrInvalidInput)
		}
		after := &sortedRow{r: &row{values: make(map[string]string, len(columns)), tie: cur.tie}, keys: make([]sortValue, len(keys))}
		after.r.out.RecordID = cur.recordID
		for i, c := range columns {
			after.r.values[c] = cur.values[i]
		}
		for i, k := range cur.keys {
			after.keys[i] = sc.typedValue(k, keys[i].typ)
		}
		kept = slices.DeleteFunc(kept, func(r sortedRow) bool { return compare(&r, after) <= 0 })
	}
	// The page: the first Offset+Limit rows in order. A bounded heap
	// finds them without sorting the cell.
	want := len(kept)
	if spec.Limit > 0 && spec.Offset < len(kept)-spec.Limit {
		want = spec.Offset + spec.Limit
	}
	top := smallest(kept, want, compare)
	pg := page{columns: chosen, total: total, rows: top[min(spec.Offset, len(top)):]}
	if want < len(kept) && len(top) > 0 {
		pg.next = encodeCursor(specFingerprint(spec), &top[len(top)-1], columns)
	}
	return pg, nil
}

// sortedRow is a report row with its sort values.
type sortedRow struct {
	r    *row
	keys []sortValue
}

// sortValue is one sort value, parsed as compareValues reads it.
type sortValue struct {
	s, lower string
	num      float64
	isNum    bool
	key      []byte // the collation key of s (see sortCollator), nil for a number
	unread   bool   // a value its column's type does not read: after those it does
}

func newSortValue(s string) sortValue {
	v := sortValue{s: s}
	if s != "" {
		v.num, v.isNum = parseNumber(s)
		v.lower = strings.ToLower(s)
	}
	return v
}

// compare orders numbers by value, dates and other text by the root
// collation ignoring case (see sortCollator; ISO dates sort as text),
// empty values last, and values of a typed column that its type does not
// read before them.
func (a *sortValue) compare(b *sortValue) int {
	switch {
	case a.s == "" && b.s == "":
		return 0
	case a.s == "":
		return 1
	case b.s == "":
		return -1
	case a.unread != b.unread:
		if a.unread {
			return 1
		}
		return -1
	case a.isNum && b.isNum:
		return cmp.Compare(a.num, b.num)
	case a.key != nil && b.key != nil:
		return bytes.Compare(a.key, b.key)
	}
	return cmp.Compare(a.lower, b.lower)
}

// smallest returns the k first rows of rows by compare, in order: a
// bounded max-heap of k, so a page of a large cell costs O(n log k).
func smallest(rows []sortedRow, k int, compare func(a, b *sortedRow) int) []sortedRow {
	if k >= len(rows) {
		slices.SortFunc(rows, func(a, b sortedRow) int { return compare(&a, &b) })
		return rows
	}
	if k <= 0 {
		return nil
	}
	h := slices.Clone(rows[:k])
	less := func(i, j int) bool { return compare(&h[i], &h[j]) > 0 } // the worst on top
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			if r := l + 1; r < len(h) && less(r, l) {
				l = r
			}
			if !less(l, i) {
				return
			}
			h[i], h[l] = h[l], h[i]
			i = l
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(i)
	}
	for i := k; i < len(rows); i++ {
		if compare(&rows[i], &h[0]) < 0 {
			h[0] = rows[i]
			down(0)
		}
	}
	slices.SortFunc(h, func(a, b sortedRow) int { return compare(&a, &b) })
	return h
}

// PartnerRecords lists a partner population that the partner shares as
// FullPopulation (or any population of the viewer's offline partner): every
// record it shares, with the shared fields, as "partner.<field>" columns.
// Filter, sort and paging work as in Report; Population is ignored.
func (a *Actor) PartnerRecords(ctx context.Context, spec ReportSpec) (Report, error) {
	var rep Report
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		u, err := a.user(tx, 0)
		if err != nil {
			return err
		}
		if spec.Partner == u.OrgID {
			return fmt.Errorf("acctmap: partner records: an org is not its own partner: %w", ErrInvalidInput)
		}
		theirs, err := visiblePopulations(tx, u.OrgID, spec.Partner)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(theirs, func(v visiblePop) bool { return v.pop.ID == spec.PartnerPopulation })
		if i < 0 {
			return fmt.Errorf("acctmap: partner records: partner population %.60q: %w", spec.PartnerPopulation, ErrNotFound)
		}
		tp := theirs[i]
		if tp.view.level != FullPopulation {
			return fmt.Errorf("acctmap: partner records: the partner does not share all of population %.60q: %w", tp.pop.Name, ErrNotShared)
		}
		y, err := tx.DataSource(tp.pop.DataSourceID)
		if err != nil {
			return err
		}
		view := tp.view
		if view.owner {
			view.fields = allFields(y.Fields)
		}
		var columns []string
		for _, f := range view.fields {
			columns = append(columns, "partner."+f)
		}
		var rows []row
		err = tx.Records(y.ID, func(r *Record) error {
			if r.Populations&(1<<uint(tp.pop.Slot)) == 0 || (r.Private && !view.owner) {
				return nil
			}
			if len(rows) == maxReportRows {
				return fmt.Errorf("acctmap: partner records: more than %d rows: %w", maxReportRows, ErrLimitExceeded)
			}
			// Rows are ordered by the values shown, never by the partner's
			// record ids, which the viewer may not see.
			rw := row{values: map[string]string{}, tie: shownValues(r, view)}
			for f, v := range sharedFields(r, view) {
				rw.values["partner."+f] = v
			}
			if _, ok := rw.values["partner.id"]; ok {
				rw.out.PartnerRecordID = r.ID
			}
			rows = append(rows, rw)
			return nil
		})
		if err != nil {
			return err
		}
		rep, err = shape(rows, columns, spec, nil)
		return err
	})
	return rep, err
}

// AccountPartners is one of the viewer's accounts in the multi-partner
// report, with the partners that have it.
type AccountPartners struct {
	RecordIDs []string // the viewer's records of the account in the population
	Name      string   // of the first of them
	Website   string
	Partners  []PartnerHit
}

// PartnerHit is one partner that has an account, in these populations.
type PartnerHit struct {
	Partner     string
	Populations []string // names of the partner populations holding the account
}

// AccountMapping is the multi-partner report: for one of the viewer's
// populations, each account that partners have, and which partners (and
// which of their populations) have it — only where the partner shares
// those populations at a record level (counts only reveal no account).
// Accounts are ordered by the viewer's first record id.
func (a *Actor) AccountMapping(ctx context.Context, populationID string) ([]AccountPartners, error) {
	var out []AccountPartners
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		u, err := a.user(tx, 0)
		if err != nil {
			return err
		}
		myPop, err := tx.Population(populationID)
		if errors.Is(err, ErrNotFound) || (err == nil && myPop.OrgID != u.OrgID) {
			return fmt.Errorf("acctmap: account mapping: population %.60q of your org: %w", populationID, ErrNotFound)
		}
		if err != nil {
			return err
		}
		x, err := tx.DataSource(myPop.DataSourceID)
		if err != nil {
			return err
		}
		if err := requireSubject(x, Accounts, "account mapping"); err != nil {
			return err
		}
		xe, err := a.n.index(tx, x)
		if err != nil {
			return err
		}
		xi := xe.full
		partners, err := partnerIDs(tx, u.OrgID)
		if err != nil {
			return err
		}
		byRecord := map[string]*AccountPartners{}
		for _, p := range partners {
			ps, err := loadSide(tx, u.OrgID, p)
			if err != nil {
				return err
			}
			byDS := map[string][]visiblePop{}
			for _, v := range ps.pops {
				if v.view.recordLevel() {
					byDS[v.pop.DataSourceID] = append(byDS[v.pop.DataSourceID], v)
				}
			}
			for _, dsID := range sortedKeys(byDS) {
				pops := byDS[dsID]
				y := ps.ds[dsID]
				public := !ps.owned
				ys, err := a.n.side(tx, y, ps.owned, ps.visible[dsID])
				if err != nil {
					return err
				}
				var mask uint64
				for _, v := range pops {
					mask |= 1 << uint(v.pop.Slot)
				}
				matches := match.Matches(xi, ys, a.n.matchOptions(x, y, xi, ys), 1<<uint(myPop.Slot), mask)
				var xIDs, yIDs []string
				for _, m := range matches {
					yIDs = append(yIDs, m.Y...)
					xIDs = append(xIDs, m.X...)
				}
				yRecs, err := recordsByID(tx, y.ID, yIDs)
				if err != nil {
					return err
				}
				xRecs, err := recordsByID(tx, x.ID, xIDs)
				if err != nil {
					return err
				}
				for _, m := range matches {
					hit := partnerHit(yRecs, m.Y, pops, public)
					if len(hit.Populations) == 0 {
						continue
					}
					hit.Partner = p
					// One entry per account of the viewer's (a matched
					// account may hold several, linked through the
					// partner's), whichever partner matched it.
					for _, ids := range viewerAccounts(xi, m.X) {
						key := strings.Join(ids, "\x00")
						acc := byRecord[key]
						if acc == nil {
							acc = viewerAccount(xRecs, ids, myPop.Slot)
							if len(acc.RecordIDs) == 0 {
								continue
							}
							byRecord[key] = acc
						}
						acc.Partners = mergeHit(acc.Partners, hit)
					}
				}
			}
		}
		out = out[:0]
		for _, acc := range byRecord {
			out = append(out, *acc)
		}
		slices.SortFunc(out, func(a, b AccountPartners) int { return compareIDs(a.RecordIDs[0], b.RecordIDs[0]) })
		return nil
	})
	return out, err
}

// viewerAccounts splits the viewer's records of a matched account into
// the viewer's accounts, each sorted.
func viewerAccounts(xi *match.Index, ids []string) [][]string {
	var out [][]string
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		acct := xi.AccountOf(id)
		if acct == nil {
			acct = []string{id}
		}
		acct = slices.Clone(acct)
		slices.Sort(acct)
		for _, r := range acct {
			seen[r] = true
		}
		out = append(out, acct)
	}
	return out
}

// viewerAccount is the viewer's side of a matched account: its records in
// population slot, named after the first.
func viewerAccount(recs map[string]*Record, ids []string, slot int) *AccountPartners {
	acc := &AccountPartners{}
	for _, id := range ids {
		r := recs[id]
		if r == nil || r.Populations&(1<<uint(slot)) == 0 {
			continue
		}
		if len(acc.RecordIDs) == 0 {
			acc.Name, acc.Website = r.Name, r.Website
		}
		acc.RecordIDs = append(acc.RecordIDs, id)
	}
	return acc
}

// partnerHit names the visible populations that hold any of the records.
func partnerHit(recs map[string]*Record, ids []string, pops []visiblePop, public bool) PartnerHit {
	var hit PartnerHit
	for _, id := range ids {
		r := recs[id]
		if r == nil || (public && r.Private) {
			continue
		}
		for _, v := range pops {
			if r.Populations&(1<<uint(v.pop.Slot)) != 0 && !slices.Contains(hit.Populations, v.pop.Name) {
				hit.Populations = append(hit.Populations, v.pop.Name)
			}
		}
	}
	slices.Sort(hit.Populations)
	return hit
}

func mergeHit(hits []PartnerHit, h PartnerHit) []PartnerHit {
	for i := range hits {
		if hits[i].Partner == h.Partner {
			for _, p := range h.Populations {
				if !slices.Contains(hits[i].Populations, p) {
					hits[i].Populations = append(hits[i].Populations, p)
				}
			}
			slices.Sort(hits[i].Populations)
			return hits
		}
	}
	return append(hits, h)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// cursor is a row's place in a report's order: what ReportSpec.Cursor
// decodes to.
type cursor struct {
	keys          []string // the row's sort values
	recordID, tie string
	values        []string // aligned with the report's columns
}

// cursorVersion starts every cursor, so that the format can change.
const cursorVersion = 1

// maxCursor bounds a cursor's length, before decoding.
const maxCursor = 1 << 20

// specFingerprint identifies what a cursor's order depends on: the cell,
// filter, sort and pairing, not the paging.
func specFingerprint(spec ReportSpec) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%q|%q|%q|%v|%v|%v", spec.Partner, spec.Population, spec.PartnerPopulation, spec.Sort, spec.Filter, spec.Pairs)
	return h.Sum64()
}

// encodeCursor encodes the place of r, in a report with these columns.
func encodeCursor(fp uint64, r *sortedRow, columns []string) string {
	b := []byte{cursorVersion}
	b = binary.BigEndian.AppendUint64(b, fp)
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.AppendUvarint(b, uint64(len(r.keys)))
	for _, k := range r.keys {
		str(k.s)
	}
	str(r.r.out.RecordID)
	str(r.r.tie)
	b = binary.AppendUvarint(b, uint64(len(columns)))
	for _, c := range columns {
		str(r.r.value(c))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor decodes s, a cursor of a report whose spec has
// fingerprint fp; "" is no cursor.
func decodeCursor(s string, fp uint64) (*cursor, error) {
	if s == "" {
		return nil, nil
	}
	bad := fmt.Errorf("cursor %.40q is not a cursor of this report: %w", s, ErrInvalidInput)
	if len(s) > maxCursor {
		return nil, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 9 || b[0] != cursorVersion || binary.BigEndian.Uint64(b[1:9]) != fp {
		return nil, bad
	}
	b = b[9:]
	ok := true
	num := func() uint64 {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)) { // a count or length is never more than the bytes left
			ok = false
			return 0
		}
		b = b[k:]
		return n
	}
	str := func() string {
		n := num()
		if !ok || n > uint64(len(b)) {
			ok = false
			return ""
		}
		s := string(b[:n])
		b = b[n:]
		return s
	}
	list := func() []string {
		n := num()
		out := make([]string, 0, n)
		for i := uint64(0); i < n && ok; i++ {
			out = append(out, str())
		}
		return out
	}
	c := &cursor{keys: list()}
	c.recordID, c.tie = str(), str()
	c.values = list()
	if !ok || len(b) != 0 {
		return nil, bad
	}
	return c, nil
}

// ReportRows yields the rows of the report of spec, in order, then stops;
// an error is yielded once, as the last pair. The report is computed
// once, in one read, and its rows are yielded outside it: the loop body
// may call the Network. Paging options apply as in Report.
func (a *Actor) ReportRows(ctx context.Context, spec ReportSpec) iter.Seq2[ReportRow, error] {
	return func(yield func(ReportRow, error) bool) {
		pg, err := a.cellPage(ctx, spec, a.n.cellRows)
		if err != nil {
			yield(ReportRow{}, err)
			return
		}
		// Each row is projected as it is yielded: no copy of the whole
		// report is made.
		for i := range pg.rows {
			if err := ctx.Err(); err != nil {
				yield(ReportRow{}, err)
				return
			}
			if !yield(pg.project(i), nil) {
				return
			}
		}
	}
}

// AccountMappingSeq yields the accounts of AccountMapping, in its order;
// an error is yielded once, as the last pair.
func (a *Actor) AccountMappingSeq(ctx context.Context, populationID string) iter.Seq2[AccountPartners, error] {
	return func(yield func(AccountPartners, error) bool) {
		accts, err := a.AccountMapping(ctx, populationID)
		if err != nil {
			yield(AccountPartners{}, err)
			return
		}
		for _, acc := range accts {
			if err := ctx.Err(); err != nil {
				yield(AccountPartners{}, err)
				return
			}
			if !yield(acc, nil) {
				return
			}
		}
	}
}

// recordsBatch is how many records Records reads per read transaction.
const recordsBatch = 500

// Records yields the records of one of the org's data sources (or of one
// of its offline partners': data the org uploaded itself) that f selects,
// in record id order, with the permission of Record: any role may. An
// empty filter selects every record. An error (an unknown or another
// org's data source, a bad filter) is yielded once, as the last pair.
//
// Records holds no read transaction while the loop body runs: it lists
// the matching ids in one read (memory: the ids), then reads the records
// in batches, each in a read of its own. A record deleted meanwhile is
// left out, one changed meanwhile is yielded as it is now if f still
// selects it. Each Record yielded is the caller's own copy.
func (a *Actor) Records(ctx context.Context, dataSourceID string, f Filter) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		var ids []string
		var cf *memberProgram
		err := a.n.store.View(ctx, func(tx ReadTx) error {
			_, ds, err := a.dataSourceFor(tx, 0, dataSourceID)
			if err != nil {
				return err
			}
			_, canon, err := compileDataSourceFilter(f, &ds)
			if err != nil {
				return fmt.Errorf("acctmap: records: %w", err)
			}
			if cf, err = memberFilter(canon, ds); err != nil {
				return fmt.Errorf("acctmap: records: %w", err)
			}
			return tx.Records(ds.ID, func(r *Record) error {
				if cf.eval(r) != 0 {
					ids = append(ids, r.ID)
				}
				return ctx.Err()
			})
		})
		if err != nil {
			yield(Record{}, err)
			return
		}
		slices.SortFunc(ids, compareIDs)
		for len(ids) > 0 {
			batch := ids[:min(recordsBatch, len(ids))]
			ids = ids[len(batch):]
			var recs map[string]*Record
			err := a.n.store.View(ctx, func(tx ReadTx) error {
				// The data source may have been deleted, or the user
				// removed, since the last batch.
				if _, _, err := a.dataSourceFor(tx, 0, dataSourceID); err != nil {
					return err
				}
				var err error
				recs, err = recordsByID(tx, dataSourceID, batch)
				return err
			})
			if err != nil {
				yield(Record{}, err)
				return
			}
			for _, id := range batch {
				r := recs[id]
				if r == nil || cf.eval(r) == 0 {
					continue
				}
				if !yield(copyRecord(r), nil) {
					return
				}
			}
		}
	}
}

// copyRecord returns r with maps and slices of its own.
func copyRecord(r *Record) Record {
	c := *r
	c.Domains = slices.Clone(r.Domains)
	c.OtherNames = slices.Clone(r.OtherNames)
	c.OtherNameKeys = slices.Clone(r.OtherNameKeys)
	c.Fields = maps.Clone(r.Fields)
	return c
}
