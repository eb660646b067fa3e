package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
)

// The pages. Each handler makes the library calls its page shows, as the
// request's user, and nothing else: what a partner's data the page holds
// comes from Matrix, Report, PartnerPopulations and ShareRequests on this
// request, and is gone with it.

func (a *App) home(w http.ResponseWriter, r *http.Request) {
	to := "/signin"
	if sessionFrom(r.Context()).UserID != "" {
		to = "/partners"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (a *App) signinPage(w http.ResponseWriter, r *http.Request) {
	rq, err := a.userRequest(r)
	if err != nil {
		rq = nil // signed out, or a user the network removed: sign in again
	}
	type group struct {
		Org   appOrg
		Users []appUser
	}
	var groups []group
	for _, o := range a.orgs {
		g := group{Org: o}
		for _, u := range a.users {
			if u.OrgID == o.ID {
				g.Users = append(g.Users, u)
			}
		}
		groups = append(groups, g)
	}
	if err := a.render(w, r, rq, http.StatusOK, "signin.html", "Sign in", groups); err != nil {
		a.internalError(w, r, err)
	}
}

// signin starts a session for a user of the directory. The demo has no
// passwords: the directory is its whole "authentication". A product puts
// its own login here and keeps the rest.
func (a *App) signin(w http.ResponseWriter, r *http.Request) error {
	u, ok := a.directoryUser(r.PostFormValue("user"))
	if !ok {
		return fmt.Errorf("%w: no such user", errBadRequest)
	}
	s, err := newSession(u.ID, a.now())
	if err != nil {
		return err
	}
	if err := a.setSessionCookie(w, r, s); err != nil {
		return err
	}
	http.Redirect(w, r, "/partners", http.StatusSeeOther)
	return nil
}

func (a *App) signout(w http.ResponseWriter, r *http.Request) error {
	s, err := newSession("", a.now())
	if err != nil {
		return err
	}
	if err := a.setSessionCookie(w, r, s); err != nil {
		return err
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
	return nil
}

// partnerRow is one line of the partner list.
type partnerRow struct {
	ID, Name  string
	Offline   bool
	Status    acctmap.PartnershipStatus
	InvitedUs bool // a pending invite the other org sent: ours to accept
}

// partnerList lists the user's org's partnerships in every state, then its
// offline partners.
func (a *App) partnerList(ctx context.Context, rq *request) ([]partnerRow, error) {
	ps, err := rq.actor.Partnerships(ctx)
	if err != nil {
		return nil, err
	}
	var rows []partnerRow
	for _, p := range ps {
		other := p.Other(rq.me.OrgID)
		rows = append(rows, partnerRow{ID: other, Name: a.orgName(other), Status: p.Status,
			InvitedUs: p.Status == acctmap.Pending && p.Invitee == rq.me.OrgID})
	}
	offs, err := rq.actor.OfflinePartners(ctx)
	if err != nil {
		return nil, err
	}
	for _, o := range offs {
		rows = append(rows, partnerRow{ID: o.ID, Name: o.Name, Offline: true, Status: acctmap.Accepted})
	}
	return rows, nil
}

func (a *App) partnersPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	rows, err := a.partnerList(r.Context(), rq)
	if err != nil {
		return err
	}
	return a.render(w, r, rq, http.StatusOK, "partners.html", "Partners", rows)
}

func (a *App) acceptInvite(r *http.Request, rq *request) (string, error) {
	_, err := rq.actor.Accept(r.Context(), r.PathValue("partner"))
	return "/partners?done=accepted", err
}

func (a *App) declineInvite(r *http.Request, rq *request) (string, error) {
	_, err := rq.actor.Decline(r.Context(), r.PathValue("partner"))
	return "/partners?done=declined", err
}

// offlinePartner returns the user's org's offline partner id, or an error
// wrapping ErrNotFound: another org's offline partner is as unknown as one
// that does not exist. (The library refuses those calls itself; this check
// keeps the app from parking an upload for them.)
func (a *App) offlinePartner(ctx context.Context, rq *request, id string) (acctmap.Org, error) {
	offs, err := rq.actor.OfflinePartners(ctx)
	if err != nil {
		return acctmap.Org{}, err
	}
	i := slices.IndexFunc(offs, func(o acctmap.Org) bool { return o.ID == id })
	if i < 0 {
		return acctmap.Org{}, fmt.Errorf("offline partner %.40q: %w", id, acctmap.ErrNotFound)
	}
	return offs[i], nil
}

// partnerName names a partner for a page title: an offline partner by its
// name, a network org by the directory's.
func (a *App) partnerName(ctx context.Context, rq *request, id string) (name string, offline bool, err error) {
	if o, err := a.offlinePartner(ctx, rq, id); err == nil {
		return o.Name, true, nil
	} else if !errors.Is(err, acctmap.ErrNotFound) {
		return "", false, err
	}
	return a.orgName(id), false, nil
}

// recordLevel tells whether a partner shares a population's records.
func recordLevel(l acctmap.ShareLevel) bool {
	return l == acctmap.OverlappingRecords || l == acctmap.FullPopulation
}

// pendingRequests returns the populations of partner for which the user's
// org has a pending request (none for an offline partner).
func pendingRequests(ctx context.Context, rq *request, partner string, offline bool) (map[string]bool, error) {
	pending := map[string]bool{}
	if offline {
		return pending, nil
	}
	reqs, err := rq.actor.ShareRequests(ctx, partner)
	if err != nil {
		return nil, err
	}
	for _, q := range reqs {
		if q.From == rq.me.OrgID && q.Status == acctmap.RequestPending {
			pending[q.PopulationID] = true
		}
	}
	return pending, nil
}

// reportURL is the page of one matrix cell.
func reportURL(partner, pop, ppop string) string {
	return "/partners/" + url.PathEscape(partner) + "/report?" + url.Values{"pop": {pop}, "ppop": {ppop}}.Encode()
}

// matrixCell is one cell of the heat map.
type matrixCell struct {
	Row, Col    acctmap.PopulationInfo
	Count       int64
	Hidden      int64 // OverlapMatrix.HiddenFromPartner
	Heat        int   // 0 (none) to 5 (the largest count), the cell's colour
	RecordLevel bool  // the partner shares the column's records: the cell opens its report
	Requested   bool  // a request of ours for the column's population is pending
	ReportURL   string
}

// heat buckets count into 0–5 relative to max, for the cell's colour.
func heat(count, max int64) int {
	if count <= 0 || max <= 0 {
		return 0
	}
	return int(min((count*5+max-1)/max, 5))
}

func (a *App) matrixPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx, partner := r.Context(), r.PathValue("partner")
	mx, err := rq.actor.Matrix(ctx, partner)
	if err != nil {
		return err
	}
	name, offline, err := a.partnerName(ctx, rq, partner)
	if err != nil {
		return err
	}
	pending, err := pendingRequests(ctx, rq, partner, offline)
	if err != nil {
		return err
	}
	var most int64
	for _, row := range mx.Counts {
		for _, c := range row {
			most = max(most, c)
		}
	}
	type matrixRow struct {
		Pop   acctmap.PopulationInfo
		Cells []matrixCell
	}
	d := struct {
		Partner, PartnerName string
		Offline              bool
		Cols                 []acctmap.PopulationInfo
		Rows                 []matrixRow
		AnyHidden            bool
	}{Partner: partner, PartnerName: name, Offline: offline, Cols: mx.Cols}
	for i, rp := range mx.Rows {
		row := matrixRow{Pop: rp}
		for j, cp := range mx.Cols {
			c := matrixCell{Row: rp, Col: cp, Count: mx.Counts[i][j], Hidden: mx.HiddenFromPartner[i][j],
				Heat: heat(mx.Counts[i][j], most), RecordLevel: recordLevel(cp.Level),
				Requested: pending[cp.ID], ReportURL: reportURL(partner, rp.ID, cp.ID)}
			d.AnyHidden = d.AnyHidden || c.Hidden > 0
			row.Cells = append(row.Cells, c)
		}
		d.Rows = append(d.Rows, row)
	}
	return a.render(w, r, rq, http.StatusOK, "matrix.html", "Account mapping with "+name, d)
}

// reportPageSize is the rows a report page shows.
const reportPageSize = 100

// reportCell is one value of a report table.
type reportCell struct {
	Value string
	Class string
}

// columnLabel turns a report column name into a table header.
func columnLabel(col, partnerName string) string {
	switch col {
	case acctmap.ColumnMatchedOn:
		return "Matched on"
	case acctmap.ColumnMatchKey:
		return "Match key"
	case acctmap.ColumnConfidence:
		return "Confidence"
	case acctmap.ColumnExplanation:
		return "Explanation"
	case acctmap.ColumnPrivate:
		return "Private"
	}
	if f, ok := strings.CutPrefix(col, "my."); ok {
		return "Your " + f
	}
	if f, ok := strings.CutPrefix(col, "partner."); ok {
		return partnerName + " " + f
	}
	return col
}

// confidenceLegend is the table of ConfidenceRegistrationID, for the report page.
func confidenceLegend() []struct {
	Confidence int
	Evidence   string
} {
	return []struct {
		Confidence int
		Evidence   string
	}{
		{acctmap.ConfidenceRegistrationID, "the same registration id (DUNS)"},
		{acctmap.ConfidenceDomainAndName, "a shared domain, names agree"},
		{acctmap.ConfidenceDomainAcronym, "a shared domain, one name the acronym of the other"},
		{acctmap.ConfidenceDomain, "a shared domain, a name missing or agreeing in part"},
		{acctmap.ConfidenceDistinctiveName, "names only: distinctive names agree"},
		{acctmap.ConfidenceDomainNameMismatch, "a shared domain, names that disagree (a renamed company)"},
		{acctmap.ConfidenceDomainOtherEntity, "a shared domain, another entity on it (a fund on its sponsor's domain)"},
		{acctmap.ConfidenceNameOnly, "names only: equal names, not distinctive"},
		{acctmap.ConfidenceUmbrellaMismatch, "an umbrella domain, names that disagree"},
	}
}

func (a *App) reportPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx, partner := r.Context(), r.PathValue("partner")
	q := r.URL.Query()
	pop, ppop := q.Get("pop"), q.Get("ppop")
	offset := 0
	if s := q.Get("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return fmt.Errorf("%w: offset %.20q is not a number of rows", errBadRequest, s)
		}
		offset = n
	}
	name, offline, err := a.partnerName(ctx, rq, partner)
	if err != nil {
		return err
	}
	spec := acctmap.ReportSpec{Partner: partner, Population: pop, PartnerPopulation: ppop, Offset: offset, Limit: reportPageSize}
	rep, err := rq.actor.Report(ctx, spec)
	if errors.Is(err, acctmap.ErrNotShared) {
		return a.refused(w, r, rq, partner, name, pop, ppop, err)
	}
	if err != nil {
		return err
	}
	mine, err := rq.actor.Population(ctx, pop)
	if err != nil {
		return err
	}
	theirName, err := partnerPopulationName(ctx, rq, partner, ppop)
	if err != nil {
		return err
	}
	d := struct {
		Partner, PartnerName, Pop, PPop string
		PopName, PartnerPopName         string
		Offline                         bool
		Headers                         []string
		Rows                            [][]reportCell
		Total, From, To                 int
		PrevURL, NextURL                string
		Legend                          any
	}{Partner: partner, PartnerName: name, Pop: pop, PPop: ppop, PopName: mine.Name, PartnerPopName: theirName,
		Offline: offline, Total: rep.Total, From: offset + 1, To: offset + len(rep.Rows), Legend: confidenceLegend()}
	private := slices.Index(rep.Columns, acctmap.ColumnPrivate)
	for _, c := range rep.Columns {
		d.Headers = append(d.Headers, columnLabel(c, name))
	}
	for _, row := range rep.Rows {
		cells := make([]reportCell, len(row.Values))
		for i, v := range row.Values {
			cells[i].Value = v
			switch rep.Columns[i] {
			case acctmap.ColumnConfidence:
				cells[i].Class = "conf"
			case acctmap.ColumnExplanation:
				cells[i].Class = "expl"
			}
			if private >= 0 && row.Values[private] == "true" {
				cells[i].Class += " private"
			}
		}
		d.Rows = append(d.Rows, cells)
	}
	base := reportURL(partner, pop, ppop)
	if offset > 0 {
		d.PrevURL = base + "&offset=" + strconv.Itoa(max(offset-reportPageSize, 0))
	}
	if offset+len(rep.Rows) < rep.Total {
		d.NextURL = base + "&offset=" + strconv.Itoa(offset+len(rep.Rows))
	}
	return a.render(w, r, rq, http.StatusOK, "report.html", mine.Name+" × "+name+" "+theirName, d)
}

// partnerPopulationName names a population of the partner that the user's
// org may see.
func partnerPopulationName(ctx context.Context, rq *request, partner, id string) (string, error) {
	infos, err := rq.actor.PartnerPopulations(ctx, partner)
	if err != nil {
		return "", err
	}
	for _, p := range infos {
		if p.ID == id {
			return p.Name, nil
		}
	}
	return "", fmt.Errorf("partner population %.40q: %w", id, acctmap.ErrNotFound)
}

// refused is the report page of a cell the partner shares as counts only:
// the library's refusal (ErrNotShared), and the button that asks for more.
func (a *App) refused(w http.ResponseWriter, r *http.Request, rq *request, partner, name, pop, ppop string, cause error) error {
	ctx := r.Context()
	theirName, err := partnerPopulationName(ctx, rq, partner, ppop)
	if err != nil {
		return err
	}
	pending, err := pendingRequests(ctx, rq, partner, false)
	if err != nil {
		return err
	}
	d := struct {
		Partner, PartnerName, Pop, PPop, PartnerPopName, Message string
		Requested                                                bool
	}{partner, name, pop, ppop, theirName, cause.Error(), pending[ppop]}
	return a.render(w, r, rq, http.StatusForbidden, "refused.html", "Not shared", d)
}

// requestShare asks the partner for one of its populations at a record
// level (RequestShare), from a matrix cell or a refused report.
func (a *App) requestShare(r *http.Request, rq *request) (string, error) {
	partner := r.PathValue("partner")
	ppop := r.PostFormValue("ppop")
	level := acctmap.ShareLevel(r.PostFormValue("level"))
	if level == "" {
		level = acctmap.OverlappingRecords
	}
	fields := splitFields(r.PostFormValue("fields"))
	if len(fields) == 0 {
		fields = []string{acctmap.FieldName, acctmap.FieldWebsite}
	}
	msg := r.PostFormValue("message")
	if msg == "" {
		msg = "Requested from the account mapping matrix."
	}
	if _, err := rq.actor.RequestShare(r.Context(), partner, ppop, level, fields, msg); err != nil {
		return "", err
	}
	if pop := r.PostFormValue("pop"); pop != "" && r.PostFormValue("back") == "report" {
		return reportURL(partner, pop, ppop), nil
	}
	return "/partners/" + url.PathEscape(partner) + "/matrix?done=requested", nil
}

// splitFields splits a comma-separated list of field names.
func splitFields(s string) []string {
	var out []string
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// safeFileName keeps the characters of s that are safe in a download's name.
func safeFileName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') {
			return r
		}
		return -1
	}, s)
	if len(s) > 40 {
		s = s[:40]
	}
	if s == "" {
		s = "partner"
	}
	return s
}

// exportReport sends a cell's report as CSV (ExportReport: formula-safe,
// counted against the org's export limit). It is a POST because it spends
// the quota.
func (a *App) exportReport(w http.ResponseWriter, r *http.Request) error {
	rq, err := a.userRequest(r)
	if err != nil {
		return err
	}
	partner := r.PathValue("partner")
	spec := acctmap.ReportSpec{Partner: partner, Population: r.PostFormValue("pop"), PartnerPopulation: r.PostFormValue("ppop")}
	return a.writeExport(w, r, rq, spec)
}

// writeExport runs ExportReport into a buffer, so that a refusal is a
// clean error and not a truncated file (a product streaming large exports
// would write to w and accept a cut-off download on failure).
func (a *App) writeExport(w http.ResponseWriter, r *http.Request, rq *request, spec acctmap.ReportSpec) error {
	var buf bytes.Buffer
	n, err := rq.actor.ExportReport(r.Context(), spec, &buf)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+safeFileName(spec.Partner)+`-report.csv"`)
	w.Header().Set("X-Exported-Rows", strconv.Itoa(n))
	_, err = buf.WriteTo(w)
	if err != nil {
		a.logf("export: %v", err) // the client went away: nothing to answer
	}
	return nil
}

// levels are the share levels, in order, with their labels.
func levels() []struct {
	Level acctmap.ShareLevel
	Label string
} {
	return []struct {
		Level acctmap.ShareLevel
		Label string
	}{
		{acctmap.Hidden, "Hidden"},
		{acctmap.CountsOnly, "Counts only"},
		{acctmap.OverlappingRecords, "Overlapping records"},
		{acctmap.FullPopulation, "Full population"},
	}
}

// fieldChoice is one checkbox of a rule's or a preset's fields.
type fieldChoice struct {
	Name    string
	Checked bool
}

// ruleRow is one audience of a population's sharing: the default, or one
// partner.
type ruleRow struct {
	Partner   string // "" for the default
	Label     string
	Rule      acctmap.SharingRule
	Set       bool // a rule of its own (else: the default, or counts only)
	Fields    []fieldChoice
	Overrides bool // a partner's rule, which Remove turns back to the default
}

// choices returns checkboxes for fields, checked where in is.
func choices(fields, in []string) []fieldChoice {
	out := make([]fieldChoice, len(fields))
	for i, f := range fields {
		out[i] = fieldChoice{Name: f, Checked: slices.Contains(in, f)}
	}
	return out
}

// builtinFields are the fields every data source has.
func builtinFields() []string {
	return []string{acctmap.FieldName, acctmap.FieldWebsite, acctmap.FieldID}
}

func (a *App) sharingPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	pops, err := rq.actor.Populations(ctx, "")
	if err != nil {
		return err
	}
	presets, err := rq.actor.FieldPresets(ctx)
	if err != nil {
		return err
	}
	partners, err := a.partnerList(ctx, rq)
	if err != nil {
		return err
	}
	partners = slices.DeleteFunc(partners, func(p partnerRow) bool { return p.Offline || p.Status != acctmap.Accepted })
	type popSharing struct {
		Pop    acctmap.Population
		DSName string
		Rows   []ruleRow
	}
	d := struct {
		Pops      []popSharing
		Presets   []acctmap.FieldPreset
		AllFields []string
		Levels    any
	}{Presets: presets, AllFields: builtinFields(), Levels: levels()}
	sources := map[string]acctmap.DataSource{}
	for _, p := range pops {
		ds, ok := sources[p.DataSourceID]
		if !ok {
			if ds, err = rq.actor.DataSource(ctx, p.DataSourceID); err != nil {
				return err
			}
			sources[p.DataSourceID] = ds
			for _, f := range ds.Fields {
				if !slices.Contains(d.AllFields, f) {
					d.AllFields = append(d.AllFields, f)
				}
			}
		}
		fields := append(builtinFields(), ds.Fields...)
		ps := popSharing{Pop: p, DSName: ds.Name}
		def := ruleRow{Label: "Default: every partner without a rule", Rule: acctmap.SharingRule{Level: acctmap.CountsOnly}}
		if p.Sharing.Default != nil {
			def.Rule, def.Set = *p.Sharing.Default, true
		}
		def.Fields = choices(fields, def.Rule.Fields)
		ps.Rows = append(ps.Rows, def)
		for _, partner := range partners {
			row := ruleRow{Partner: partner.ID, Label: partner.Name, Rule: def.Rule}
			if rule, ok := p.Sharing.Partners[partner.ID]; ok {
				row.Rule, row.Set, row.Overrides = rule, true, true
			}
			row.Fields = choices(fields, row.Rule.Fields)
			ps.Rows = append(ps.Rows, row)
		}
		d.Pops = append(d.Pops, ps)
	}
	return a.render(w, r, rq, http.StatusOK, "sharing.html", "Sharing settings", d)
}

func (a *App) setRule(r *http.Request, rq *request) (string, error) {
	rule := acctmap.SharingRule{Level: acctmap.ShareLevel(r.PostFormValue("level"))}
	if recordLevel(rule.Level) {
		if rule.Preset = r.PostFormValue("preset"); rule.Preset == "" {
			rule.Fields = r.PostForm["fields"]
		}
	}
	err := rq.actor.SetShareRule(r.Context(), r.PostFormValue("pop"), r.PostFormValue("partner"), rule)
	return "/sharing?done=rule_saved", err
}

func (a *App) removeRule(r *http.Request, rq *request) (string, error) {
	err := rq.actor.RemoveShareRule(r.Context(), r.PostFormValue("pop"), r.PostFormValue("partner"))
	return "/sharing?done=rule_removed", err
}

func (a *App) savePreset(r *http.Request, rq *request) (string, error) {
	err := rq.actor.SaveFieldPreset(r.Context(), r.PostFormValue("name"), r.PostForm["fields"])
	return "/sharing?done=preset_saved", err
}

func (a *App) deletePreset(r *http.Request, rq *request) (string, error) {
	err := rq.actor.DeleteFieldPreset(r.Context(), r.PostFormValue("name"))
	return "/sharing?done=preset_deleted", err
}

// requestRow is one share request on the requests page.
type requestRow struct {
	Partner, PartnerName string
	PopName              string
	Req                  acctmap.ShareRequest
}

func (a *App) requestsPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	partners, err := a.partnerList(ctx, rq)
	if err != nil {
		return err
	}
	mine, err := rq.actor.Populations(ctx, "")
	if err != nil {
		return err
	}
	myNames := map[string]string{}
	for _, p := range mine {
		myNames[p.ID] = p.Name
	}
	var d struct{ Incoming, Outgoing []requestRow }
	for _, p := range partners {
		if p.Offline || p.Status != acctmap.Accepted {
			continue
		}
		reqs, err := rq.actor.ShareRequests(ctx, p.ID)
		if err != nil {
			return err
		}
		theirs, err := rq.actor.PartnerPopulations(ctx, p.ID)
		if err != nil {
			return err
		}
		theirNames := map[string]string{}
		for _, t := range theirs {
			theirNames[t.ID] = t.Name
		}
		for _, q := range reqs {
			row := requestRow{Partner: p.ID, PartnerName: p.Name, Req: q}
			if q.To == rq.me.OrgID {
				row.PopName = myNames[q.PopulationID]
				d.Incoming = append(d.Incoming, row)
			} else {
				row.PopName = theirNames[q.PopulationID] // "" once the partner hides it
				d.Outgoing = append(d.Outgoing, row)
			}
		}
	}
	return a.render(w, r, rq, http.StatusOK, "requests.html", "Share requests", d)
}

func (a *App) approveRequest(r *http.Request, rq *request) (string, error) {
	_, err := rq.actor.ApproveShareRequest(r.Context(), r.PathValue("partner"), r.PathValue("id"))
	return "/requests?done=approved", err
}

func (a *App) declineRequest(r *http.Request, rq *request) (string, error) {
	_, err := rq.actor.DeclineShareRequest(r.Context(), r.PathValue("partner"), r.PathValue("id"))
	return "/requests?done=request_declined", err
}

func (a *App) createOffline(r *http.Request, rq *request) (string, error) {
	o, err := rq.actor.CreateOfflinePartner(r.Context(), r.PostFormValue("name"))
	return "/offline/" + url.PathEscape(o.ID) + "?done=offline_created", err
}

// standardKinds are the kinds an offline partner's populations may have.
func standardKinds() []acctmap.PopulationKind {
	return []acctmap.PopulationKind{acctmap.Customers, acctmap.Prospects, acctmap.OpenOpportunities}
}

func (a *App) offlinePage(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx, id := r.Context(), r.PathValue("partner")
	org, err := a.offlinePartner(ctx, rq, id)
	if err != nil {
		return err
	}
	dss, err := rq.actor.DataSources(ctx, id)
	if err != nil {
		return err
	}
	pops, err := rq.actor.Populations(ctx, id)
	if err != nil {
		return err
	}
	type source struct {
		DS      acctmap.DataSource
		Records int
	}
	d := struct {
		Org     acctmap.Org
		Sources []source
		Pops    []acctmap.Population
		Kinds   []acctmap.PopulationKind
		Fields  []string
	}{Org: org, Pops: pops}
	for _, ds := range dss {
		pv, err := rq.actor.PreviewPopulation(ctx, ds.ID, acctmap.Filter{}, 0)
		if err != nil {
			return err
		}
		d.Sources = append(d.Sources, source{ds, pv.Count})
	}
	for _, k := range standardKinds() {
		if !slices.ContainsFunc(pops, func(p acctmap.Population) bool { return p.Kind == k }) {
			d.Kinds = append(d.Kinds, k)
		}
	}
	if len(dss) > 0 {
		d.Fields = append(builtinFields(), dss[0].Fields...)
	}
	return a.render(w, r, rq, http.StatusOK, "offline.html", org.Name, d)
}

// errTooManyUploads is refused with 429 like a limit of the library.
var errTooManyUploads = fmt.Errorf("too many uploads are waiting for their column mapping; try again in a few minutes: %w", acctmap.ErrLimitExceeded)

// mappingSamples is how many rows the mapping step shows.
const mappingSamples = 5

// upload takes a CSV file for an offline partner and answers with its
// column-mapping step.
func (a *App) upload(w http.ResponseWriter, r *http.Request) error {
	rq, err := a.userRequest(r)
	if err != nil {
		return err
	}
	ctx, partner := r.Context(), r.PathValue("partner")
	if _, err := a.offlinePartner(ctx, rq, partner); err != nil {
		return err
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return fmt.Errorf("%w: choose a CSV file to upload", errBadRequest)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxUploadBytes+1))
	if err != nil {
		return err
	}
	if len(data) > maxUploadBytes {
		return fmt.Errorf("%w: the file is larger than %d MiB", errTooLarge, maxUploadBytes>>20)
	}
	name := filepath.Base(filepath.Clean("/" + hdr.Filename))
	if len(name) > 100 {
		name = name[:100]
	}
	// Refuse what is not CSV (a workbook, a PDF…) now, with csvsource's
	// message, rather than after the mapping step.
	if _, err := csvsource.PreviewContext(ctx, bytes.NewReader(data), mappingSamples, csvsource.WithName(name)); err != nil {
		return fmt.Errorf("%w: %v", errBadRequest, err)
	}
	tok, ok, err := a.uploads.put(pendingUpload{owner: rq.me.ID, partner: partner, name: name, data: data}, a.now())
	if err != nil {
		return err
	}
	if !ok {
		return errTooManyUploads
	}
	http.Redirect(w, r, "/offline/"+url.PathEscape(partner)+"/mapping?"+url.Values{"upload": {tok}}.Encode(), http.StatusSeeOther)
	return nil
}

// mappingSlot is one choice of the column-mapping form.
type mappingSlot struct {
	Key, Label, Help string
	Selected         string
	Required         bool
}

// mappingData is the column-mapping page.
type mappingData struct {
	Partner, PartnerName, Upload, File string
	Encoding, Delimiter                string
	Header                             []string
	Samples                            [][]string // Samples[i] are column i's values
	Slots                              []mappingSlot
	Error                              string
}

// mappingPageData previews the pending upload: headers, samples, and the
// form preset with csvsource's Suggested mapping, or chosen (a form sent
// back with an error).
func (a *App) mappingPageData(ctx context.Context, partner, partnerName, tok string, u pendingUpload, chosen *csvsource.Mapping) (mappingData, error) {
	s, err := csvsource.PreviewContext(ctx, bytes.NewReader(u.data), mappingSamples, csvsource.WithName(u.name))
	if err != nil {
		return mappingData{}, fmt.Errorf("%w: %v", errBadRequest, err)
	}
	m := s.Suggested
	if chosen != nil {
		m = *chosen
	}
	delim := string(s.Delimiter)
	if s.Delimiter == '\t' {
		delim = "tab"
	}
	return mappingData{
		Partner: partner, PartnerName: partnerName, Upload: tok, File: u.name,
		Encoding: s.Encoding, Delimiter: delim, Header: s.Header, Samples: s.Values,
		Slots: []mappingSlot{
			{"name", "Company name", "required", m.Name, true},
			{"website", "Website", "required unless a DUNS column is mapped", m.Website, false},
			{"id", "Record id", "optional: without it, a row's id is derived from its content", m.ID, false},
			{"aliases", "Other domains", `optional: "acme.com; acme.de"`, m.Aliases, false},
			{"duns", "DUNS number", "optional: decides a match when both sides have one", m.RegistrationID, false},
		},
	}, nil
}

func (a *App) mappingPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx, partner, tok := r.Context(), r.PathValue("partner"), r.URL.Query().Get("upload")
	org, err := a.offlinePartner(ctx, rq, partner)
	if err != nil {
		return err
	}
	u, ok := a.uploads.get(tok, rq.me.ID, partner, a.now())
	if !ok {
		return fmt.Errorf("upload: %w (expired, or not yours): upload the file again", acctmap.ErrNotFound)
	}
	d, err := a.mappingPageData(ctx, partner, org.Name, tok, u, nil)
	if err != nil {
		return err
	}
	return a.render(w, r, rq, http.StatusOK, "mapping.html", "Map the columns of "+u.name, d)
}

// importUpload imports the pending upload with the chosen mapping into the
// offline partner's data source (created at its first upload), and shows
// the import summary; a refused mapping shows the mapping step again.
func (a *App) importUpload(w http.ResponseWriter, r *http.Request) error {
	rq, err := a.userRequest(r)
	if err != nil {
		return err
	}
	ctx, partner, tok := r.Context(), r.PathValue("partner"), r.PostFormValue("upload")
	org, err := a.offlinePartner(ctx, rq, partner)
	if err != nil {
		return err
	}
	u, ok := a.uploads.get(tok, rq.me.ID, partner, a.now())
	if !ok {
		return fmt.Errorf("upload: %w (expired, or not yours): upload the file again", acctmap.ErrNotFound)
	}
	m := csvsource.Mapping{
		Name: r.PostFormValue("name"), Website: r.PostFormValue("website"), ID: r.PostFormValue("id"),
		Aliases: r.PostFormValue("aliases"), RegistrationID: r.PostFormValue("duns"),
	}
	if m.RegistrationID != "" {
		m.RegistrationScheme = "duns"
	}
	dss, err := rq.actor.DataSources(ctx, partner)
	if err != nil {
		return err
	}
	var ds acctmap.DataSource
	created := false
	if i := slices.IndexFunc(dss, func(d acctmap.DataSource) bool { return d.Kind == acctmap.CSVSource }); i >= 0 {
		ds = dss[i] // a new upload replaces the data, atomically
	} else if ds, err = rq.actor.CreateDataSource(ctx, acctmap.NewDataSource{OrgID: partner, Name: u.name}); err != nil {
		return err
	} else {
		created = true
	}
	sum, err := rq.actor.ImportCSV(ctx, ds.ID, bytes.NewReader(u.data), acctmap.CSVImport{Mapping: m, FileName: u.name})
	if err != nil {
		if created {
			// Leave no empty data source behind a refused first upload.
			if derr := rq.actor.DeleteDataSource(ctx, ds.ID); derr != nil {
				a.logf("deleting data source %s after a failed import: %v", ds.ID, derr)
			}
		}
		c := classify(err)
		if c.status != http.StatusBadRequest {
			return err
		}
		d, derr := a.mappingPageData(ctx, partner, org.Name, tok, u, &m)
		if derr != nil {
			return derr
		}
		d.Error = err.Error()
		return a.render(w, r, rq, c.status, "mapping.html", "Map the columns of "+u.name, d)
	}
	a.uploads.drop(tok)
	d := struct {
		Partner, PartnerName, File string
		Sum                        acctmap.ImportSummary
	}{partner, org.Name, u.name, sum}
	return a.render(w, r, rq, http.StatusOK, "imported.html", "Imported "+u.name, d)
}

func (a *App) addPopulation(r *http.Request, rq *request) (string, error) {
	partner := r.PathValue("partner")
	spec := acctmap.PopulationSpec{DataSourceID: r.PostFormValue("ds"), Kind: acctmap.PopulationKind(r.PostFormValue("kind"))}
	if f := r.PostFormValue("field"); f != "" {
		spec.Filter.All = []acctmap.Condition{{Field: f, Op: acctmap.Equals, Value: r.PostFormValue("value")}}
	}
	if _, err := rq.actor.CreatePopulation(r.Context(), spec); err != nil {
		return "", err
	}
	return "/offline/" + url.PathEscape(partner) + "?done=population_added", nil
}
