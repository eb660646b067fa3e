package acctmap

import (
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/acctmap/acctmap/internal/match"
)

// ErrNotShared reports a record-level read of a partner population that the
// partner shares at counts only (or hides).
var ErrNotShared = errors.New("not shared at record level")

// Report column names. The viewer's record fields are "my.<field>", the
// partner's shared fields "partner.<field>" (built-in fields are "name",
// "website" and "id"), and the match columns are these.
const (
	ColumnMatchedOn  = "match.on"         // registration_id, domain or name
	ColumnMatchKey   = "match.key"        // the id, domain or name key matched on
	ColumnConfidence = "match.confidence" // 30 to 100
	ColumnPrivate    = "my.private"       // "true" when the viewer's record is private: the partner does not see the row
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
	// filters, on column names.
	Filter Filter
	// Sort orders the rows by these columns, in order; numbers compare as
	// numbers. Rows are otherwise ordered by the viewer's record id.
	Sort []SortKey
	// Offset and Limit page the rows; Limit 0 means all.
	Offset, Limit int
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
}

// ReportRow is one overlapping account.
type ReportRow struct {
	// Values are aligned with Report.Columns.
	Values []string
	// MatchedOn says what the match was made on: "registration_id",
	// "domain" or "name"; Key is the id, domain or name key.
	MatchedOn  string
	Key        string
	Confidence int
	// RecordID and PartnerRecordID identify the two records shown (the
	// partner's id only when the partner shares its "id" field).
	RecordID        string
	PartnerRecordID string
}

// row is a report row before columns are chosen.
type row struct {
	values map[string]string
	out    ReportRow
}

// maxReportRows bounds the rows a report materializes before paging.
const maxReportRows = 1_000_000

// Report returns the report of one matrix cell.
func (a *Actor) Report(ctx context.Context, spec ReportSpec) (Report, error) {
	var rep Report
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		u, err := a.user(tx, 0)
		if err != nil {
			return err
		}
		rows, columns, err := a.n.cellRows(tx, u.OrgID, spec)
		if err != nil {
			return err
		}
		rep, err = shape(rows, columns, spec)
		return err
	})
	return rep, err
}

// cellRows computes the rows of one matrix cell and the columns they have.
func (n *Network) cellRows(tx ReadTx, viewer string, spec ReportSpec) ([]row, []string, error) {
	if spec.Partner == viewer {
		return nil, nil, fmt.Errorf("acctmap: report: an org is not its own partner: %w", ErrInvalidInput)
	}
	myPop, err := tx.Population(spec.Population)
	if errors.Is(err, ErrNotFound) || (err == nil && myPop.OrgID != viewer) {
		return nil, nil, fmt.Errorf("acctmap: report: population %q of your org: %w", spec.Population, ErrNotFound)
	}
	if err != nil {
		return nil, nil, err
	}
	theirs, err := visiblePopulations(tx, viewer, spec.Partner)
	if err != nil {
		return nil, nil, err
	}
	i := slices.IndexFunc(theirs, func(v visiblePop) bool { return v.pop.ID == spec.PartnerPopulation })
	if i < 0 {
		return nil, nil, fmt.Errorf("acctmap: report: partner population %q: %w", spec.PartnerPopulation, ErrNotFound)
	}
	tp := theirs[i]
	if !tp.view.recordLevel() {
		return nil, nil, fmt.Errorf("acctmap: report: the partner shares population %q as counts only: %w", tp.pop.Name, ErrNotShared)
	}
	x, err := tx.DataSource(myPop.DataSourceID)
	if err != nil {
		return nil, nil, err
	}
	y, err := tx.DataSource(tp.pop.DataSourceID)
	if err != nil {
		return nil, nil, err
	}
	xi, err := n.index(tx, x)
	if err != nil {
		return nil, nil, err
	}
	yi, err := n.index(tx, y)
	if err != nil {
		return nil, nil, err
	}
	ys := yi.public
	if tp.view.owner {
		ys = yi.full
	}
	matches := match.Matches(xi.full, ys, n.matchOptions(x, y, xi.full, yi.full), 1<<uint(myPop.Slot), 1<<uint(tp.pop.Slot))
	if len(matches) > maxReportRows {
		return nil, nil, fmt.Errorf("acctmap: report: %d rows, more than %d: %w", len(matches), maxReportRows, ErrLimitExceeded)
	}
	partnerFields := tp.view.fields
	if tp.view.owner {
		partnerFields = allFields(y.Fields)
	}
	columns := reportColumns(x.Fields, partnerFields)
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
	rows := make([]row, 0, len(matches))
	for _, m := range matches {
		mine := firstMember(xRecs, m.X, myPop.Slot, false)
		their := firstMember(yRecs, m.Y, tp.pop.Slot, !tp.view.owner)
		if mine == nil || their == nil {
			continue // the component touches the cell through other records only
		}
		view := tp.view
		if view.owner {
			view.fields = partnerFields
		}
		r := row{values: myValues(mine), out: ReportRow{MatchedOn: m.Kind.String(), Key: m.Key, Confidence: m.Confidence, RecordID: mine.ID}}
		for f, v := range sharedFields(their, view) {
			r.values["partner."+f] = v
		}
		if _, ok := r.values["partner.id"]; ok {
			r.out.PartnerRecordID = their.ID
		}
		r.values[ColumnMatchedOn] = r.out.MatchedOn
		r.values[ColumnMatchKey] = r.out.Key
		r.values[ColumnConfidence] = strconv.Itoa(r.out.Confidence)
		rows = append(rows, r)
	}
	return rows, columns, nil
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

// firstMember returns the first record of ids that is in population slot;
// with public, private records are skipped (they were not in the index the
// ids came from, but a record may have turned private since — never show it).
func firstMember(recs map[string]*Record, ids []string, slot int, public bool) *Record {
	for _, id := range ids {
		r := recs[id]
		if r != nil && r.Populations&(1<<uint(slot)) != 0 && !(public && r.Private) {
			return r
		}
	}
	return nil
}

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
	return append(cols, ColumnMatchedOn, ColumnMatchKey, ColumnConfidence)
}

// shape filters, sorts, pages and projects rows onto the chosen columns.
func shape(rows []row, columns []string, spec ReportSpec) (Report, error) {
	if spec.Offset < 0 || spec.Limit < 0 {
		return Report{}, fmt.Errorf("acctmap: report: negative offset or limit: %w", ErrInvalidInput)
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
		return c, func(r *row) string { return r.values[c] }, true
	}
	unknown := func(name string) string {
		return fmt.Sprintf("column %.80q is not a column of the report (columns: %s)", name, quoteList(columns, 30))
	}
	f, _, err := compileWith(spec.Filter, resolve, unknown)
	if err != nil {
		return Report{}, fmt.Errorf("acctmap: report: %w", err)
	}
	chosen := columns
	if len(spec.Columns) > 0 {
		chosen = make([]string, len(spec.Columns))
		for i, c := range spec.Columns {
			canon, _, ok := resolve(c)
			if !ok {
				return Report{}, fmt.Errorf("acctmap: report: %s: %w", unknown(c), ErrInvalidInput)
			}
			chosen[i] = canon
		}
	}
	type sortBy struct {
		get  func(*row) string
		desc bool
	}
	var keys []sortBy
	for _, k := range spec.Sort {
		_, get, ok := resolve(k.Column)
		if !ok {
			return Report{}, fmt.Errorf("acctmap: report: sort: %s: %w", unknown(k.Column), ErrInvalidInput)
		}
		keys = append(keys, sortBy{get, k.Desc})
	}
	kept := rows[:0:0]
	for i := range rows {
		if f.match(&rows[i]) {
			kept = append(kept, rows[i])
		}
	}
	slices.SortStableFunc(kept, func(a, b row) int {
		for _, k := range keys {
			if c := compareValues(k.get(&a), k.get(&b)); c != 0 {
				if k.desc {
					return -c
				}
				return c
			}
		}
		return compareIDs(a.out.RecordID, b.out.RecordID)
	})
	rep := Report{Columns: chosen, Total: len(kept)}
	lo := min(spec.Offset, len(kept))
	hi := len(kept)
	if spec.Limit > 0 {
		hi = min(lo+spec.Limit, hi)
	}
	for _, r := range kept[lo:hi] {
		out := r.out
		out.Values = make([]string, len(chosen))
		for i, c := range chosen {
			out.Values[i] = r.values[c]
		}
		rep.Rows = append(rep.Rows, out)
	}
	return rep, nil
}

// compareValues orders numbers by value, dates and other text as strings
// ignoring case (ISO dates sort as text), empty values last.
func compareValues(a, b string) int {
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return 1
	case b == "":
		return -1
	}
	x, okx := parseNumber(a)
	y, oky := parseNumber(b)
	if okx && oky {
		return cmp.Compare(x, y)
	}
	return cmp.Compare(strings.ToLower(a), strings.ToLower(b))
}

// ExportReport writes a report as CSV to w: a header of column names and
// one line per row. Values a spreadsheet would run as a formula (starting
// with =, +, -, @, tab or carriage return) are neutralized with a leading
// apostrophe. The rows count against the org's export limit: an export
// that would exceed it writes nothing and fails with ErrLimitExceeded. It
// returns the number of rows written.
func (a *Actor) ExportReport(ctx context.Context, spec ReportSpec, w io.Writer) (int, error) {
	if err := a.n.store.View(ctx, func(tx ReadTx) error { _, err := a.user(tx, ExportRecords); return err }); err != nil {
		return 0, err
	}
	rep, err := a.Report(ctx, spec)
	if err != nil {
		return 0, err
	}
	if err := a.chargeExport(ctx, len(rep.Rows)); err != nil {
		return 0, err
	}
	return len(rep.Rows), writeCSV(w, rep)
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

func writeCSV(w io.Writer, rep Report) error {
	cw := csv.NewWriter(w)
	header := make([]string, len(rep.Columns))
	for i, c := range rep.Columns {
		header[i] = neutralize(c)
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	rec := make([]string, len(rep.Columns))
	for _, r := range rep.Rows {
		for i, v := range r.Values {
			rec[i] = neutralize(v)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// neutralize defuses a value a spreadsheet would evaluate as a formula
// (CSV injection): such values get a leading apostrophe.
func neutralize(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
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
			return fmt.Errorf("acctmap: partner records: partner population %q: %w", spec.PartnerPopulation, ErrNotFound)
		}
		tp := theirs[i]
		if tp.view.level != FullPopulation {
			return fmt.Errorf("acctmap: partner records: the partner does not share all of population %q: %w", tp.pop.Name, ErrNotShared)
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
			rw := row{values: map[string]string{}, out: ReportRow{RecordID: r.ID}}
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
		rep, err = shape(rows, columns, spec)
		if err != nil {
			return err
		}
		for i := range rep.Rows {
			rep.Rows[i].RecordID = "" // the viewer has no record here; the partner's id shows only if shared
		}
		return nil
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
			return fmt.Errorf("acctmap: account mapping: population %q of your org: %w", populationID, ErrNotFound)
		}
		if err != nil {
			return err
		}
		x, err := tx.DataSource(myPop.DataSourceID)
		if err != nil {
			return err
		}
		xi, err := a.n.index(tx, x)
		if err != nil {
			return err
		}
		partners, err := partnerIDs(tx, u.OrgID)
		if err != nil {
			return err
		}
		byRecord := map[string]*AccountPartners{}
		for _, p := range partners {
			vs, err := visiblePopulations(tx, u.OrgID, p)
			if err != nil {
				return err
			}
			byDS := map[string][]visiblePop{}
			for _, v := range vs {
				if v.view.recordLevel() {
					byDS[v.pop.DataSourceID] = append(byDS[v.pop.DataSourceID], v)
				}
			}
			for _, dsID := range sortedKeys(byDS) {
				pops := byDS[dsID]
				y, err := tx.DataSource(dsID)
				if err != nil {
					return err
				}
				yi, err := a.n.index(tx, y)
				if err != nil {
					return err
				}
				ys, public := yi.public, !pops[0].view.owner
				if !public {
					ys = yi.full
				}
				var mask uint64
				for _, v := range pops {
					mask |= 1 << uint(v.pop.Slot)
				}
				matches := match.Matches(xi.full, ys, a.n.matchOptions(x, y, xi.full, yi.full), 1<<uint(myPop.Slot), mask)
				var xIDs, yIDs []string
				for _, m := range matches {
					yIDs = append(yIDs, m.Y...)
					if byRecord[m.X[0]] == nil {
						xIDs = append(xIDs, m.X...)
					}
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
					key := m.X[0]
					acc := byRecord[key]
					if acc == nil {
						acc = viewerAccount(xRecs, m.X, myPop.Slot)
						if len(acc.RecordIDs) == 0 {
							continue
						}
						byRecord[key] = acc
					}
					acc.Partners = mergeHit(acc.Partners, hit)
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
