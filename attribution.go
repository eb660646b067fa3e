package acctmap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/acctmap/acctmap/fieldtype"
	"github.com/acctmap/acctmap/internal/match"
)

// Attribution: which partners get credit for which deals.
//
// A data source of an org's own is marked as holding opportunities with
// SetOpportunityFields, which maps its fields to an opportunity's amount,
// stage, dates and outcome; each of its records is then a deal on the
// account its name and domain keys match, as every record is. A user
// attributes a deal to a partner as sourced or influenced with
// Attribute, which keeps the evidence as it stands then: the partner's
// populations the account overlapped with, as the user's org saw them,
// and a thread about it. Attributions are the org's own: they are kept as
// its private items, never read for another org, and no partner-facing
// output depends on them. AttributionReport sums them per partner.

// OpportunityFields maps the fields of a data source to what an
// opportunity has. Field names are the data source's (or the built-in
// "name", "website", "id"); Amount is required, the others optional.
type OpportunityFields struct {
	// Amount holds the deal's value, of AmountType: Money, or the zero
	// Type for the field's declared type (DataSource.FieldTypes) when it
	// is money, else money in the data source's Locale (ISO when it has
	// none). A type without a locale takes the data source's; an amount
	// without a currency is in the type's, else the locale's.
	Amount     string
	AmountType fieldtype.Type
	// Stage holds the deal's stage, as text.
	Stage string
	// Created and CloseDate hold when the deal was opened and closed (or
	// is expected to close), of DateType: Date, or the zero Type for each
	// field's declared type when it is a date, else dates in the data
	// source's Locale. Time to close is measured between them.
	Created   string
	CloseDate string
	DateType  fieldtype.Type
	// Won, a boolean field, says a deal is won when true. Without it, a
	// deal is won when its stage is one of WonStages; either way it is
	// lost when its stage is one of LostStages, and open otherwise.
	// Stages compare case-insensitively.
	Won        string
	WonStages  []string
	LostStages []string
}

// AttributionKind is how a partner contributed to a deal.
type AttributionKind string

// Attribution kinds.
const (
	// Sourced: the partner brought the deal.
	Sourced AttributionKind = "sourced"
	// Influenced: the partner helped a deal the org had.
	Influenced AttributionKind = "influenced"
)

// Attribution credits one deal to a partner.
type Attribution struct {
	ID string
	// Opportunity is a record of one of the org's opportunity data
	// sources.
	Opportunity RecordRef
	// Partner is an accepted partner when the attribution is made.
	Partner string
	Kind    AttributionKind
	// ThreadID, optional, is a thread with Partner the org sees.
	ThreadID string
	// Note is free text, at most 2,000 bytes.
	Note string
	// By and At say who attributed it and when.
	By string
	At time.Time
	// Evidence are the partner's populations the deal's account
	// overlapped with when it was attributed, as the org saw them then
	// (ids and names, in the partner's order).
	Evidence []PopulationRef
}

// PopulationRef names a population as it was seen at one time.
type PopulationRef struct {
	ID   string
	Name string
}

// The kinds of the org items attribution keeps (OrgItem.Kind).
const (
	itemOpportunityFields = "opportunity_fields" // ID: the data source id
	itemAttribution       = "attribution"        // ID: the attribution id
)

// checkOpportunityFields validates f against ds and returns it with its
// fields canonicalized and its types defaulted.
func checkOpportunityFields(f OpportunityFields, ds DataSource) (OpportunityFields, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("acctmap: opportunity fields: "+format+": %w", append(args, ErrInvalidInput)...)
	}
	canon := func(role, name string, required bool) (string, error) {
		if name == "" {
			if required {
				return "", bad("no %s field", role)
			}
			return "", nil
		}
		c, ok := resolveField(name, ds.Fields)
		if !ok || !utf8.ValidString(name) {
			return "", bad("%s field %.60q is not a field of data source %.60q", role, name, ds.ID)
		}
		return c, nil
	}
	var err error
	if f.Amount, err = canon("amount", f.Amount, true); err != nil {
		return f, err
	}
	for _, p := range []struct {
		role string
		name *string
	}{{"stage", &f.Stage}, {"created", &f.Created}, {"close date", &f.CloseDate}, {"won", &f.Won}} {
		if *p.name, err = canon(p.role, *p.name, false); err != nil {
			return f, err
		}
	}
	for _, c := range []struct {
		role   string
		t      fieldtype.Type
		kind   fieldtype.Kind
		fields []string
	}{{"amount", f.AmountType, fieldtype.Money, []string{f.Amount}}, {"date", f.DateType, fieldtype.Date, []string{f.Created, f.CloseDate}}} {
		if c.t != (fieldtype.Type{}) {
			if c.t.Kind != c.kind {
				return f, bad("%s type %s is not %s", c.role, c.t, c.kind)
			}
			if err := inLocale(c.t, dealLocale(&ds)).Validate(); err != nil {
				return f, bad("%v", err)
			}
			continue
		}
		for _, field := range c.fields {
			if d, ok := ds.FieldTypes[field]; ok && field != "" && d.Kind != fieldtype.Text && d.Kind != c.kind {
				return f, bad("%s field %.60q is declared %s", c.role, field, d)
			}
		}
	}
	if (len(f.WonStages) > 0 || len(f.LostStages) > 0) && f.Stage == "" {
		return f, bad("won or lost stages without a stage field")
	}
	if len(f.WonStages)+len(f.LostStages) > 100 {
		return f, bad("more than 100 won and lost stages")
	}
	for _, s := range append(slices.Clone(f.WonStages), f.LostStages...) {
		if len(s) > maxNameLen || !utf8.ValidString(s) {
			return f, bad("stage %.40q: more than %d bytes or not UTF-8", s, maxNameLen)
		}
	}
	return f, nil
}

// SetOpportunityFields marks one of the acting user's org's data sources
// as holding opportunities, with the mapping of its fields; it replaces
// the data source's mapping if it has one. It needs ManageDataSources.
func (a *Actor) SetOpportunityFields(ctx context.Context, dataSourceID string, f OpportunityFields) error {
	return a.n.store.Update(ctx, func(tx Tx) error {
		u, ds, err := a.dataSourceFor(tx, ManageDataSources, dataSourceID)
		if err != nil {
			return err
		}
		if ds.OrgID != u.OrgID {
			return fmt.Errorf("acctmap: opportunity fields: data source %.60q is an offline partner's: %w", ds.ID, ErrInvalidInput)
		}
		f, err := checkOpportunityFields(f, ds)
		if err != nil {
			return err
		}
		data, err := json.Marshal(f)
		if err != nil {
			return err
		}
		return tx.PutOrgItem(OrgItem{OrgID: u.OrgID, Kind: itemOpportunityFields, ID: ds.ID, Data: data})
	})
}

// OpportunityFieldsOf returns the opportunity mapping of one of the
// org's data sources; ErrNotFound when it has none.
func (a *Actor) OpportunityFieldsOf(ctx context.Context, dataSourceID string) (OpportunityFields, error) {
	var f OpportunityFields
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		u, ds, err := a.dataSourceFor(tx, 0, dataSourceID)
		if err != nil {
			return err
		}
		m, err := opportunitySources(tx, u.OrgID)
		if err != nil {
			return err
		}
		var ok bool
		if f, ok = m[ds.ID]; !ok {
			return fmt.Errorf("acctmap: data source %.60q holds no opportunities: %w", ds.ID, ErrNotFound)
		}
		return nil
	})
	return f, err
}

// opportunitySources returns the opportunity mappings of org's data
// sources that exist, by data source id.
func opportunitySources(tx ReadTx, org string) (map[string]OpportunityFields, error) {
	items, err := tx.OrgItems(org, itemOpportunityFields)
	if err != nil {
		return nil, err
	}
	out := map[string]OpportunityFields{}
	for _, it := range items {
		if _, err := tx.DataSource(it.ID); errors.Is(err, ErrNotFound) {
			continue // deleted with its data source
		} else if err != nil {
			return nil, err
		}
		var f OpportunityFields
		if err := json.Unmarshal(it.Data, &f); err != nil {
			return nil, fmt.Errorf("acctmap: opportunity fields of data source %.60q do not decode: %w", it.ID, err)
		}
		out[it.ID] = f
	}
	return out, nil
}

// dropOpportunityFields deletes a data source's opportunity mapping, if
// it has one (DeleteDataSource).
func dropOpportunityFields(tx Tx, ds DataSource) error {
	if err := tx.DeleteOrgItem(ds.OrgID, itemOpportunityFields, ds.ID); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}

// dealStatus is where a deal stands.
type dealStatus int

const (
	dealOpen dealStatus = iota
	dealWon
	dealLost
)

// deal is one opportunity record read through its mapping.
type deal struct {
	amount   float64
	currency string
	hasAmt   bool
	status   dealStatus
	days     float64 // created to close, when both dates parse
	hasDays  bool
}

// dealLocale is the locale a data source's deal fields are read in by
// default: its own, else ISO.
func dealLocale(ds *DataSource) fieldtype.Locale {
	if ds.Locale == (fieldtype.Locale{}) {
		return fieldtype.ISO
	}
	return ds.Locale
}

// dealType is the type a deal field is read with: the mapping's, else
// the field's declared type when it is of the kind, else the kind; in
// the data source's locale when the type names none.
func dealType(explicit fieldtype.Type, kind fieldtype.Kind, ds *DataSource, field string) fieldtype.Type {
	t := explicit
	if t == (fieldtype.Type{}) {
		t = fieldtype.Type{Kind: kind}
		if d, ok := ds.FieldTypes[field]; ok && d.Kind == kind {
			t = d
		}
	}
	return inLocale(t, dealLocale(ds))
}

// inLocale gives t the locale l when it names none. Unlike a filter's
// reading of a money field (effective), amounts keep their own
// currencies: deals come in several, which reports sum apart.
func inLocale(t fieldtype.Type, l fieldtype.Locale) fieldtype.Type {
	if t.Locale == (fieldtype.Locale{}) {
		t.Locale = l
	}
	return t
}

// dealReader reads the deals of one data source.
type dealReader struct {
	f                      OpportunityFields
	amount, created, close fieldtype.Type
}

func newDealReader(f OpportunityFields, ds *DataSource) dealReader {
	return dealReader{f: f, amount: dealType(f.AmountType, fieldtype.Money, ds, f.Amount),
		created: dealType(f.DateType, fieldtype.Date, ds, f.Created), close: dealType(f.DateType, fieldtype.Date, ds, f.CloseDate)}
}

func (dr *dealReader) read(r *Record) deal {
	f := dr.f
	var d deal
	if v, err := dr.amount.Parse(fieldValue(r, f.Amount)); err == nil {
		d.amount, d.currency, d.hasAmt = v.Float(), v.Currency(), true
		if d.currency == "" {
			d.currency = dr.amount.Locale.Currency // an amount without a currency is in the locale's
		}
	}
	stage := ""
	if f.Stage != "" {
		stage = strings.TrimSpace(fieldValue(r, f.Stage))
	}
	in := func(stages []string) bool {
		return stage != "" && slices.ContainsFunc(stages, func(s string) bool { return strings.EqualFold(strings.TrimSpace(s), stage) })
	}
	d.status = dealOpen
	if f.Won != "" {
		if v, err := (fieldtype.Type{Kind: fieldtype.Boolean}).Parse(fieldValue(r, f.Won)); err == nil && v.Bool() {
			d.status = dealWon
		}
	} else if in(f.WonStages) {
		d.status = dealWon
	}
	if d.status == dealOpen && in(f.LostStages) {
		d.status = dealLost
	}
	if f.Created != "" && f.CloseDate != "" {
		c, err1 := dr.created.Parse(fieldValue(r, f.Created))
		e, err2 := dr.close.Parse(fieldValue(r, f.CloseDate))
		if err1 == nil && err2 == nil {
			d.days, d.hasDays = e.Time().Sub(c.Time()).Hours()/24, true
		}
	}
	return d
}

// Attribute credits a deal of one of the acting user's org's opportunity
// data sources to a partner, keeping the evidence as it stands now. A
// deal has at most one attribution per partner: attributing it again to
// the same partner replaces it. It needs ManagePartnerships.
func (a *Actor) Attribute(ctx context.Context, at Attribution) (Attribution, error) {
	if at.Kind != Sourced && at.Kind != Influenced {
		return Attribution{}, fmt.Errorf("acctmap: attribute: kind %.40q is not sourced or influenced: %w", at.Kind, ErrInvalidInput)
	}
	if len(at.Note) > 2000 || !utf8.ValidString(at.Note) {
		return Attribution{}, fmt.Errorf("acctmap: attribute: note longer than 2000 bytes or not UTF-8: %w", ErrInvalidInput)
	}
	var out Attribution
	err := a.n.store.Update(ctx, func(tx Tx) error {
		u, err := a.user(tx, ManagePartnerships)
		if err != nil {
			return err
		}
		if at.Partner == u.OrgID {
			return fmt.Errorf("acctmap: attribute: an org is not its own partner: %w", ErrInvalidInput)
		}
		opps, err := opportunitySources(tx, u.OrgID)
		if err != nil {
			return err
		}
		if _, ok := opps[at.Opportunity.DataSourceID]; !ok {
			return fmt.Errorf("acctmap: attribute: data source %.80q is no opportunity data source of your org: %w", at.Opportunity.DataSourceID, ErrNotFound)
		}
		ds, err := tx.DataSource(at.Opportunity.DataSourceID)
		if err != nil {
			return err
		}
		if _, err := tx.Record(ds.ID, at.Opportunity.RecordID); errors.Is(err, ErrNotFound) {
			return fmt.Errorf("acctmap: attribute: opportunity %.80q: %w", at.Opportunity.RecordID, ErrNotFound)
		} else if err != nil {
			return err
		}
		if err := canSeePartnerUsers(tx, u.OrgID, at.Partner); err != nil {
			return err
		}
		if at.ThreadID != "" {
			_, th, _, err := a.n.visibleThread(tx, u.OrgID, at.ThreadID)
			if err != nil {
				return err
			}
			if th.Partner != at.Partner {
				return fmt.Errorf("acctmap: attribute: thread %.80q is not with partner %.80q: %w", at.ThreadID, at.Partner, ErrInvalidInput)
			}
		}
		evidence, err := a.n.overlapEvidence(tx, u.OrgID, ds, at.Opportunity.RecordID, at.Partner)
		if err != nil {
			return err
		}
		all, err := attributions(tx, u.OrgID)
		if err != nil {
			return err
		}
		out = Attribution{ID: newID("att"), Opportunity: at.Opportunity, Partner: at.Partner, Kind: at.Kind, ThreadID: at.ThreadID,
			Note: at.Note, By: u.ID, At: a.n.now(), Evidence: evidence}
		if i := slices.IndexFunc(all, func(x Attribution) bool { return x.Opportunity == at.Opportunity && x.Partner == at.Partner }); i >= 0 {
			out.ID = all[i].ID
		}
		data, err := json.Marshal(out)
		if err != nil {
			return err
		}
		return tx.PutOrgItem(OrgItem{OrgID: u.OrgID, Kind: itemAttribution, ID: out.ID, Data: data})
	})
	if err != nil {
		return Attribution{}, err
	}
	return out, nil
}

// overlapEvidence lists the populations of partner, visible to viewer,
// that hold a public record matching record id of viewer's data source x
// (the deal alone: its own keys), as the matrix and the reports would
// show the viewer the account now.
func (n *Network) overlapEvidence(tx ReadTx, viewer string, x DataSource, id, partner string) ([]PopulationRef, error) {
	theirs, err := loadSide(tx, viewer, partner)
	if err != nil {
		return nil, err
	}
	r, err := tx.Record(x.ID, id)
	if err != nil {
		return nil, err
	}
	r.Populations = 1 // the deal is in no population: it is its own
	xi := match.Build(match.NewDict(), []match.Record{matchRecord(&r)})
	var out []PopulationRef
	for _, yID := range sortedKeys(theirs.ds) {
		y := theirs.ds[yID]
		yi, err := n.side(tx, y, theirs.owned, theirs.visible[y.ID])
		if err != nil {
			return nil, err
		}
		var yIDs []string
		for _, m := range match.Matches(xi, yi, n.matchOptions(x, y, xi, yi), 1, theirs.visible[y.ID]) {
			yIDs = append(yIDs, m.Y...)
		}
		if len(yIDs) == 0 {
			continue
		}
		recs, err := recordsByID(tx, y.ID, yIDs)
		if err != nil {
			return nil, err
		}
		for _, v := range theirs.pops {
			if v.pop.DataSourceID == y.ID && len(members(recs, yIDs, v.pop.Slot, !v.view.owner)) > 0 {
				out = append(out, PopulationRef{ID: v.pop.ID, Name: v.pop.Name})
			}
		}
	}
	return out, nil
}

// attributions reads org's attributions, by id.
func attributions(tx ReadTx, org string) ([]Attribution, error) {
	items, err := tx.OrgItems(org, itemAttribution)
	if err != nil {
		return nil, err
	}
	out := make([]Attribution, 0, len(items))
	for _, it := range items {
		var at Attribution
		if err := json.Unmarshal(it.Data, &at); err != nil {
			return nil, fmt.Errorf("acctmap: attribution %.60q does not decode: %w", it.ID, err)
		}
		out = append(out, at)
	}
	return out, nil
}

// Attributions yields the acting user's org's attributions, by id. Any
// user of the org may read them; no other org can.
func (a *Actor) Attributions(ctx context.Context) ([]Attribution, error) {
	var out []Attribution
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		u, err := a.user(tx, 0)
		if err != nil {
			return err
		}
		out, err = attributions(tx, u.OrgID)
		return err
	})
	return out, err
}

// RemoveAttribution deletes one of the org's attributions. It needs
// ManagePartnerships.
func (a *Actor) RemoveAttribution(ctx context.Context, id string) error {
	return a.n.store.Update(ctx, func(tx Tx) error {
		u, err := a.user(tx, ManagePartnerships)
		if err != nil {
			return err
		}
		if err := tx.DeleteOrgItem(u.OrgID, itemAttribution, id); errors.Is(err, ErrNotFound) {
			return fmt.Errorf("acctmap: remove attribution: %.80q: %w", id, ErrNotFound)
		} else if err != nil {
			return err
		}
		return nil
	})
}

// AttributionSpec selects the deals of an attribution report.
type AttributionSpec struct {
	// DataSources are the opportunity data sources to count; empty means
	// all of the org's.
	DataSources []string
}

// DealStats sums a set of deals.
type DealStats struct {
	// Deals counts them, Open, Won and Lost by status.
	Deals, Open, Won, Lost int
	// Pipeline sums the amounts of the open deals and WonRevenue those of
	// the won ones, by ISO 4217 currency ("" for amounts without one).
	// Deals whose amount does not parse count without an amount.
	Pipeline   map[string]float64
	WonRevenue map[string]float64
	// MedianDaysToClose is the median of the days from created to close
	// of the won deals with both dates; ClosedWithDates how many there
	// were (the median is 0 when none).
	MedianDaysToClose float64
	ClosedWithDates   int
}

// PartnerAttribution is one partner's line of an attribution report.
type PartnerAttribution struct {
	Partner    string
	Sourced    DealStats
	Influenced DealStats
}

// AttributionReport sums an org's deals by partner attribution.
type AttributionReport struct {
	// Partners have one line per partner with an attribution, by id.
	Partners []PartnerAttribution
	// Unattributed are the deals attributed to no partner, and All every
	// deal: what attributed deals compare against.
	Unattributed DealStats
	All          DealStats
}

// statsAcc accumulates DealStats.
type statsAcc struct {
	s    DealStats
	days []float64
}

func (a *statsAcc) add(d deal) {
	a.s.Deals++
	if a.s.Pipeline == nil {
		a.s.Pipeline, a.s.WonRevenue = map[string]float64{}, map[string]float64{}
	}
	switch d.status {
	case dealOpen:
		a.s.Open++
		if d.hasAmt {
			a.s.Pipeline[d.currency] += d.amount
		}
	case dealWon:
		a.s.Won++
		if d.hasAmt {
			a.s.WonRevenue[d.currency] += d.amount
		}
		if d.hasDays {
			a.days = append(a.days, d.days)
		}
	case dealLost:
		a.s.Lost++
	}
}

func (a *statsAcc) stats() DealStats {
	s := a.s
	s.ClosedWithDates = len(a.days)
	if n := len(a.days); n > 0 {
		sort.Float64s(a.days)
		s.MedianDaysToClose = a.days[n/2]
		if n%2 == 0 {
			s.MedianDaysToClose = (a.days[n/2-1] + a.days[n/2]) / 2
		}
	}
	return s
}

// AttributionReport sums the acting user's org's deals per partner:
// sourced and influenced pipeline and won revenue by currency, deal
// counts, and the median time to close, against the unattributed deals.
// It reads only the org's own data and attributions. Any user of the org
// may read it.
func (a *Actor) AttributionReport(ctx context.Context, spec AttributionSpec) (AttributionReport, error) {
	var rep AttributionReport
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		u, err := a.user(tx, 0)
		if err != nil {
			return err
		}
		opps, err := opportunitySources(tx, u.OrgID)
		if err != nil {
			return err
		}
		for _, id := range spec.DataSources {
			if _, ok := opps[id]; !ok {
				return fmt.Errorf("acctmap: attribution report: data source %.80q is no opportunity data source of your org: %w", id, ErrNotFound)
			}
		}
		ats, err := attributions(tx, u.OrgID)
		if err != nil {
			return err
		}
		byRec := map[RecordRef][]Attribution{}
		for _, at := range ats {
			byRec[at.Opportunity] = append(byRec[at.Opportunity], at)
		}
		type pk struct {
			partner string
			kind    AttributionKind
		}
		accs := map[pk]*statsAcc{}
		var all, none statsAcc
		for _, dsID := range sortedKeys(opps) {
			if len(spec.DataSources) > 0 && !slices.Contains(spec.DataSources, dsID) {
				continue
			}
			ds, err := tx.DataSource(dsID)
			if err != nil {
				return err
			}
			dr := newDealReader(opps[dsID], &ds)
			err = tx.Records(dsID, func(r *Record) error {
				d := dr.read(r)
				all.add(d)
				list := byRec[RecordRef{dsID, r.ID}]
				if len(list) == 0 {
					none.add(d)
				}
				for _, at := range list {
					k := pk{at.Partner, at.Kind}
					if accs[k] == nil {
						accs[k] = &statsAcc{}
					}
					accs[k].add(d)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		partners := map[string]bool{}
		for k := range accs {
			partners[k.partner] = true
		}
		rep = AttributionReport{Unattributed: none.stats(), All: all.stats()}
		for _, p := range sortedKeys(partners) {
			line := PartnerAttribution{Partner: p}
			if acc := accs[pk{p, Sourced}]; acc != nil {
				line.Sourced = acc.stats()
			}
			if acc := accs[pk{p, Influenced}]; acc != nil {
				line.Influenced = acc.stats()
			}
			rep.Partners = append(rep.Partners, line)
		}
		return nil
	})
	return rep, err
}

// attributionColumns are the columns of ExportAttributionReport.
var attributionColumns = []string{"partner", "attribution", "currency", "deals", "open", "won", "lost", "pipeline", "won_revenue", "median_days_to_close"}

// ExportAttributionReport writes the attribution report of spec as CSV:
// one row per partner, kind and currency (with a currency-less row for a
// line without amounts), then the unattributed deals and all of them
// (partner "", attribution "none" and "all"). Cells are neutralized
// against spreadsheet formulas as ExportReport's are. It reads only the
// org's own data, so any user of the org may export it.
func (a *Actor) ExportAttributionReport(ctx context.Context, spec AttributionSpec, w io.Writer) error {
	rep, err := a.AttributionReport(ctx, spec)
	if err != nil {
		return err
	}
	var rows [][]string
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	line := func(partner, kind string, s DealStats) {
		currencies := map[string]bool{}
		for c := range s.Pipeline {
			currencies[c] = true
		}
		for c := range s.WonRevenue {
			currencies[c] = true
		}
		cs := sortedKeys(currencies)
		if len(cs) == 0 {
			cs = []string{""}
		}
		for _, c := range cs {
			rows = append(rows, []string{partner, kind, c, strconv.Itoa(s.Deals), strconv.Itoa(s.Open),
				strconv.Itoa(s.Won), strconv.Itoa(s.Lost), num(s.Pipeline[c]), num(s.WonRevenue[c]), num(s.MedianDaysToClose)})
		}
	}
	for _, p := range rep.Partners {
		if p.Sourced.Deals > 0 {
			line(p.Partner, string(Sourced), p.Sourced)
		}
		if p.Influenced.Deals > 0 {
			line(p.Partner, string(Influenced), p.Influenced)
		}
	}
	line("", "none", rep.Unattributed)
	line("", "all", rep.All)
	var b strings.Builder
	for _, cells := range append([][]string{attributionColumns}, rows...) {
		for i, v := range cells {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(csvCell(v)) // export.go: neutralized and quoted
		}
		b.WriteByte('\n')
	}
	_, err = io.WriteString(w, b.String())
	return err
}
