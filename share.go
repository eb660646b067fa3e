package acctmap

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// checkShareFields validates and canonicalizes the fields of a rule or
// request against the data source's fields and the built-in ones.
func checkShareFields(fields []string, ds DataSource) ([]string, error) {
	out := make([]string, 0, len(fields))
	for _, f := range fields {
		canon, ok := resolveField(f, ds.Fields)
		if !ok {
			return nil, fmt.Errorf("acctmap: field %.80q is not a field of data source %.60q (fields: %s, and the built-in name, website, id): %w",
				f, ds.Name, quoteList(ds.Fields, 20), ErrInvalidInput)
		}
		if !slices.Contains(out, canon) {
			out = append(out, canon)
		}
	}
	return out, nil
}

// checkRule validates a rule against the population's data source and the
// org's presets, returning it with canonical field names.
func checkRule(r ShareRule, ds DataSource, presets []FieldPreset) (ShareRule, error) {
	switch r.Level {
	case Hidden, CountsOnly:
		if len(r.Fields) > 0 || r.Preset != "" {
			return ShareRule{}, fmt.Errorf("acctmap: share level %.60q shares no fields: %w", r.Level, ErrInvalidInput)
		}
	case OverlappingRecords, FullPopulation:
		if r.Preset != "" {
			if len(r.Fields) > 0 {
				return ShareRule{}, fmt.Errorf("acctmap: a rule names a preset or fields, not both: %w", ErrInvalidInput)
			}
			i := slices.IndexFunc(presets, func(p FieldPreset) bool { return p.Name == r.Preset })
			if i < 0 {
				return ShareRule{}, fmt.Errorf("acctmap: field preset %.60q does not exist: %w", r.Preset, ErrNotFound)
			}
			if _, err := checkShareFields(presets[i].Fields, ds); err != nil {
				return ShareRule{}, fmt.Errorf("acctmap: field preset %.60q: %w", r.Preset, err)
			}
			return r, nil
		}
		fields, err := checkShareFields(r.Fields, ds)
		if err != nil {
			return ShareRule{}, err
		}
		r.Fields = fields
	default:
		return ShareRule{}, fmt.Errorf("acctmap: unknown share level %.60q (want hidden, counts, overlapping_records or full_population): %w", r.Level, ErrInvalidInput)
	}
	return r, nil
}

// SetShareRule sets what the acting user's org reveals of one of its
// populations to one partner, or to every partner without a rule of its
// own when partnerID is "". It takes effect on the very next read.
func (a *Actor) SetShareRule(ctx context.Context, populationID, partnerID string, rule ShareRule) error {
	return a.logged(ctx, "sharing rule", a.n.store.Update(ctx, func(tx Tx) error {
		pop, err := a.populationFor(tx, ManageSharing, populationID)
		if err != nil {
			return err
		}
		owner, err := tx.Org(pop.OrgID)
		if err != nil {
			return err
		}
		if owner.Offline() {
			return fmt.Errorf("acctmap: an offline partner's data is never shared: %w", ErrInvalidInput)
		}
		if partnerID == owner.ID {
			return fmt.Errorf("acctmap: share rule: an org is not its own partner: %w", ErrInvalidInput)
		}
		// A rule may be set for any org id, partner yet or not, existing or
		// not: checking would tell the caller which ids exist.
		if err := checkID("partner", partnerID); err != nil {
			return err
		}
		ds, err := tx.DataSource(pop.DataSourceID)
		if err != nil {
			return err
		}
		rule, err = checkRule(rule, ds, owner.FieldPresets)
		if err != nil {
			return fmt.Errorf("acctmap: share rule for population %.60q: %w", pop.Name, err)
		}
		rule.UpdatedAt = a.n.now()
		pop.Sharing = setRule(pop.Sharing, partnerID, &rule)
		return a.ruleChanged(tx, pop, partnerID, &rule) // stores pop (events.go)
	}), slog.String("action", "set"), slog.String("population", populationID), slog.String("partner", partnerID),
		slog.String("level", string(rule.Level)), slog.Int("fields", len(rule.Fields)), slog.Bool("preset", rule.Preset != ""))
}

// RemoveShareRule removes a population's rule for one partner (who then
// falls back to the default), or the default when partnerID is "" (counts
// only from then on).
func (a *Actor) RemoveShareRule(ctx context.Context, populationID, partnerID string) error {
	return a.logged(ctx, "sharing rule", a.n.store.Update(ctx, func(tx Tx) error {
		pop, err := a.populationFor(tx, ManageSharing, populationID)
		if err != nil {
			return err
		}
		pop.Sharing = setRule(pop.Sharing, partnerID, nil)
		return a.ruleChanged(tx, pop, partnerID, nil) // stores pop (events.go)
	}), slog.String("action", "remove"), slog.String("population", populationID), slog.String("partner", partnerID))
}

// setRule returns s with partner's rule (the default for "") set to r, or
// removed for nil. It never modifies s, which the store may share.
func setRule(s Sharing, partner string, r *ShareRule) Sharing {
	out := Sharing{Default: s.Default, Partners: maps.Clone(s.Partners)}
	switch {
	case partner == "":
		out.Default = r
	case r == nil:
		delete(out.Partners, partner)
	default:
		if out.Partners == nil {
			out.Partners = map[string]ShareRule{}
		}
		out.Partners[partner] = *r
	}
	if len(out.Partners) == 0 {
		out.Partners = nil
	}
	return out
}

// SaveFieldPreset saves (or replaces) a named choice of fields that sharing
// rules can use; rules naming it share its new fields from the next read.
// Fields are checked against the data source of every population whose
// rules use the preset, and again when a rule starts using it.
func (a *Actor) SaveFieldPreset(ctx context.Context, name string, fields []string) error {
	name, err := checkName("field preset", name)
	if err != nil {
		return err
	}
	if len(fields) == 0 {
		return fmt.Errorf("acctmap: field preset %.60q has no fields: %w", name, ErrInvalidInput)
	}
	return a.logged(ctx, "field preset", a.n.store.Update(ctx, func(tx Tx) error {
		org, err := a.ownOrg(tx, ManageSharing)
		if err != nil {
			return err
		}
		// The populations whose rules use the preset must have its fields.
		pops, err := tx.Populations(org.ID)
		if err != nil {
			return err
		}
		var users []string // the populations whose rules use the preset
		for _, p := range pops {
			if !usesPreset(p.Sharing, name) {
				continue
			}
			users = append(users, p.ID)
			ds, err := tx.DataSource(p.DataSourceID)
			if err != nil {
				return err
			}
			if _, err := checkShareFields(fields, ds); err != nil {
				return fmt.Errorf("acctmap: field preset %.60q is used by population %.60q: %w", name, p.Name, err)
			}
		}
		presets := slices.DeleteFunc(slices.Clone(org.FieldPresets), func(p FieldPreset) bool { return p.Name == name })
		org.FieldPresets = append(presets, FieldPreset{Name: name, Fields: slices.Clone(fields)})
		slices.SortFunc(org.FieldPresets, func(x, y FieldPreset) int { return strings.Compare(x.Name, y.Name) })
		return a.presetChanged(tx, org, name, fields, users) // stores org (events.go)
	}), slog.String("action", "save"), slog.Int("fields", len(fields)))
}

// DeleteFieldPreset deletes a preset; a preset that a rule uses cannot be
// deleted (ErrConflict names the population).
func (a *Actor) DeleteFieldPreset(ctx context.Context, name string) error {
	return a.logged(ctx, "field preset", a.n.store.Update(ctx, func(tx Tx) error {
		org, err := a.ownOrg(tx, ManageSharing)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(org.FieldPresets, func(p FieldPreset) bool { return p.Name == name }) {
			return fmt.Errorf("acctmap: field preset %.60q: %w", name, ErrNotFound)
		}
		pops, err := tx.Populations(org.ID)
		if err != nil {
			return err
		}
		for _, p := range pops {
			if usesPreset(p.Sharing, name) {
				return fmt.Errorf("acctmap: field preset %.60q is used by population %.60q's sharing rules: %w", name, p.Name, ErrConflict)
			}
		}
		org.FieldPresets = slices.DeleteFunc(slices.Clone(org.FieldPresets), func(p FieldPreset) bool { return p.Name == name })
		return a.presetChanged(tx, org, name, nil, nil) // stores org (events.go)
	}), slog.String("action", "delete"))
}

// usesPreset reports whether any rule of s names the preset.
func usesPreset(s Sharing, name string) bool {
	uses := s.Default != nil && s.Default.Preset == name
	for _, r := range s.Partners {
		uses = uses || r.Preset == name
	}
	return uses
}

// FieldPresets lists the acting user's org's field presets.
func (a *Actor) FieldPresets(ctx context.Context) ([]FieldPreset, error) {
	var presets []FieldPreset
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		org, err := a.ownOrg(tx, 0)
		presets = org.FieldPresets
		return err
	})
	return presets, err
}

// PopulationInfo is what a viewer may know of a population: for the
// viewer's own, everything; for a partner's, its name and kind, and the
// level and fields the partner shares with the viewer.
type PopulationInfo struct {
	ID     string
	OrgID  string
	Name   string
	Kind   PopulationKind
	Level  ShareLevel // FullPopulation for the viewer's own data
	Fields []string   // fields shared at a record level (nil for own data: all)
}

// PartnerPopulations lists the populations of a partner that the acting
// user's org may see (not those hidden from it), with what each shares.
// For an offline partner of the org, it lists them all.
func (a *Actor) PartnerPopulations(ctx context.Context, partnerID string) ([]PopulationInfo, error) {
	var out []PopulationInfo
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		u, err := a.user(tx, 0)
		if err != nil {
			return err
		}
		vs, err := visiblePopulations(tx, u.OrgID, partnerID)
		if err != nil {
			return err
		}
		out = out[:0]
		for _, v := range vs {
			out = append(out, v.info())
		}
		return nil
	})
	return out, err
}

// visiblePop is a population with the viewer's view of it.
type visiblePop struct {
	pop  Population
	view popView
}

func (v visiblePop) info() PopulationInfo {
	info := PopulationInfo{ID: v.pop.ID, OrgID: v.pop.OrgID, Name: v.pop.Name, Kind: v.pop.Kind, Level: v.view.level}
	if !v.view.owner {
		info.Fields = slices.Clone(v.view.fields)
	}
	return info
}

// visiblePopulations returns the populations of org owner that viewer may
// see, with their views, in creation order.
func visiblePopulations(tx ReadTx, viewer, owner string) ([]visiblePop, error) {
	if err := canListPartnerPopulations(tx, viewer, owner); err != nil {
		return nil, err
	}
	org, err := tx.Org(owner)
	if err != nil {
		return nil, err
	}
	pops, err := tx.Populations(owner)
	if err != nil {
		return nil, err
	}
	sortByCreation(pops)
	var out []visiblePop
	for _, p := range pops {
		v, err := populationView(tx, viewer, org, p)
		if err != nil {
			return nil, err
		}
		if v.visible {
			out = append(out, visiblePop{pop: p, view: v})
		}
	}
	return out, nil
}

// RequestShare asks a partner to share one of its populations (one the
// acting user's org can see) at a record level with the given fields.
func (a *Actor) RequestShare(ctx context.Context, partnerID, populationID string, level ShareLevel, fields []string, message string) (ShareRequest, error) {
	if level != OverlappingRecords && level != FullPopulation {
		return ShareRequest{}, fmt.Errorf("acctmap: request share: level %.60q is not a record level: %w", level, ErrInvalidInput)
	}
	if len(message) > 2000 {
		return ShareRequest{}, fmt.Errorf("acctmap: request share: message longer than 2000 bytes: %w", ErrInvalidInput)
	}
	// The fields are checked for form only: checking them against the
	// partner's data source would describe its schema to a partner that
	// may not see it. The owner checks them when approving.
	fields, err := checkRequestedFields(fields)
	if err != nil {
		return ShareRequest{}, err
	}
	var req ShareRequest
	err = a.n.store.Update(ctx, func(tx Tx) error {
		u, err := a.user(tx, ManageSharing)
		if err != nil {
			return err
		}
		rel, err := relationOf(tx, u.OrgID, partnerID)
		if err != nil {
			return err
		}
		if rel != relPartner {
			return fmt.Errorf("acctmap: request share: org %.60q is not an accepted partner: %w", partnerID, ErrNotPartners)
		}
		p, err := tx.Partnership(u.OrgID, partnerID)
		if err != nil {
			return err
		}
		vs, err := visiblePopulations(tx, u.OrgID, partnerID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(vs, func(v visiblePop) bool { return v.pop.ID == populationID })
		if i < 0 {
			return fmt.Errorf("acctmap: request share: population %.60q: %w", populationID, ErrNotFound)
		}
		req = ShareRequest{ID: newID("req"), From: u.OrgID, To: partnerID, PopulationID: populationID, Level: level,
			Fields: fields, Message: strings.TrimSpace(message), Status: RequestPending, CreatedAt: a.n.now()}
		p.Requests = append(slices.Clone(p.Requests), req)
		if err := tx.PutPartnership(p); err != nil {
			return err
		}
		return a.requestMade(tx, req) // events.go
	})
	a.logged(ctx, "share request", err, slog.String("action", "request"), slog.String("request", req.ID), slog.String("from", req.From), slog.String("to", req.To),
		slog.String("population", populationID), slog.String("level", string(level)), slog.Int("fields", len(fields)))
	return req, err
}

// maxRequestedFields bounds the fields a share request names.
const maxRequestedFields = 100

// checkRequestedFields validates the form of the field names of a share
// request (they are the requester's words for fields it may not see) and
// returns them trimmed, without repeats.
func checkRequestedFields(fields []string) ([]string, error) {
	if len(fields) > maxRequestedFields {
		return nil, fmt.Errorf("acctmap: request share: %d fields, more than %d: %w", len(fields), maxRequestedFields, ErrInvalidInput)
	}
	var out []string
	for i, f := range fields {
		f = strings.TrimSpace(f)
		if f == "" || len(f) > maxFieldNameBytes || !utf8.ValidString(f) || strings.ContainsFunc(f, unicode.IsControl) {
			return nil, fmt.Errorf("acctmap: request share: field %d (%.40q) is empty, longer than %d bytes, or not printable text: %w", i, f, maxFieldNameBytes, ErrInvalidInput)
		}
		if !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, f) }) {
			out = append(out, f)
		}
	}
	return out, nil
}

// ShareRequests lists the share requests between the acting user's org and
// an accepted partner, in both directions, oldest first. Revoking the
// partnership drops them.
func (a *Actor) ShareRequests(ctx context.Context, partnerID string) ([]ShareRequest, error) {
	var reqs []ShareRequest
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		u, err := a.user(tx, 0)
		if err != nil {
			return err
		}
		rel, err := relationOf(tx, u.OrgID, partnerID)
		if err != nil {
			return err
		}
		if rel != relPartner {
			return fmt.Errorf("acctmap: share requests: org %.60q is not an accepted partner: %w", partnerID, ErrNotPartners)
		}
		p, err := tx.Partnership(u.OrgID, partnerID)
		reqs = p.Requests
		return err
	})
	return reqs, err
}

// ApproveShareRequest approves a pending request made of the acting user's
// org: it creates (or replaces) the sharing rule for the requesting partner.
func (a *Actor) ApproveShareRequest(ctx context.Context, partnerID, requestID string) (ShareRequest, error) {
	return a.decide(ctx, partnerID, requestID, RequestApproved)
}

// DeclineShareRequest declines a pending request made of the acting user's
// org; nothing is shared.
func (a *Actor) DeclineShareRequest(ctx context.Context, partnerID, requestID string) (ShareRequest, error) {
	return a.decide(ctx, partnerID, requestID, RequestDeclined)
}

func (a *Actor) decide(ctx context.Context, partnerID, requestID string, to ShareRequestStatus) (ShareRequest, error) {
	var req ShareRequest
	err := a.n.store.Update(ctx, func(tx Tx) error {
		u, err := a.user(tx, ManageSharing)
		if err != nil {
			return err
		}
		p, err := tx.Partnership(u.OrgID, partnerID)
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("acctmap: share request: org %.60q is not a partner: %w", partnerID, ErrNotPartners)
		}
		if err != nil {
			return err
		}
		i := slices.IndexFunc(p.Requests, func(r ShareRequest) bool { return r.ID == requestID })
		if i < 0 {
			return fmt.Errorf("acctmap: share request %.60q: %w", requestID, ErrNotFound)
		}
		req = p.Requests[i]
		switch {
		case req.To != u.OrgID:
			return fmt.Errorf("acctmap: share request %.60q: only the owner of the population can decide it: %w", requestID, ErrPermissionDenied)
		case req.Status != RequestPending:
			return fmt.Errorf("acctmap: share request %.60q is %s, not pending: %w", requestID, req.Status, ErrConflict)
		case to == RequestApproved && p.Status != Accepted:
			return fmt.Errorf("acctmap: share request %.60q: the partnership is %s: %w", requestID, p.Status, ErrNotPartners)
		}
		req.Status, req.DecidedAt = to, a.n.now()
		p.Requests = slices.Clone(p.Requests)
		p.Requests[i] = req
		if err := tx.PutPartnership(p); err != nil {
			return err
		}
		if to != RequestApproved {
			return a.requestDecided(tx, req, nil, nil) // events.go
		}
		pop, err := tx.Population(req.PopulationID)
		if err != nil {
			return fmt.Errorf("acctmap: share request %.60q: population: %w", requestID, err)
		}
		ds, err := tx.DataSource(pop.DataSourceID)
		if err != nil {
			return err
		}
		// The requester named the fields in its own words: the owner's
		// approval is where they meet the data source.
		rule, err := checkRule(ShareRule{Level: req.Level, Fields: req.Fields}, ds, nil)
		if err != nil {
			return fmt.Errorf("acctmap: share request %.60q: approve it once the population's data source has the fields it names, or decline it: %w", requestID, err)
		}
		rule.UpdatedAt = req.DecidedAt
		pop.Sharing = setRule(pop.Sharing, req.From, &rule)
		return a.requestDecided(tx, req, &rule, func() error { return tx.PutPopulation(pop) }) // events.go
	})
	a.logged(ctx, "share request", err, slog.String("action", string(to)), slog.String("request", requestID), slog.String("from", req.From), slog.String("to", req.To),
		slog.String("population", req.PopulationID), slog.String("level", string(req.Level)), slog.Int("fields", len(req.Fields)))
	return req, err
}

// SetPrivate marks records of a data source private (or public again).
// Private records never appear in anything a partner sees, nor in its
// counts; the mark survives syncs and re-imports. It returns how many
// records changed.
func (a *Actor) SetPrivate(ctx context.Context, dataSourceID string, recordIDs []string, private bool) (int, error) {
	changed := 0
	var from int64
	var recs []Record
	err := a.n.store.Update(ctx, func(tx Tx) error {
		_, ds, err := a.dataSourceFor(tx, ManageSharing, dataSourceID)
		if err != nil {
			return err
		}
		from, changed, recs = ds.Version, 0, nil
		byID, err := recordsByID(tx, ds.ID, recordIDs)
		if err != nil {
			return err
		}
		tombs := ds.PrivateTombstones
		for _, id := range recordIDs {
			r := byID[id]
			if r == nil && !private && slices.Contains(tombs, id) {
				// A deleted private record: it will come back public.
				tombs = slices.DeleteFunc(slices.Clone(tombs), func(t string) bool { return t == id })
				changed++
				continue
			}
			if r == nil {
				return fmt.Errorf("acctmap: set private: record %.80q of data source %.60q: %w", id, ds.Name, ErrNotFound)
			}
			if r.Private != private {
				r.Private = private
				recs = append(recs, *r)
				changed++
			}
		}
		if changed == 0 {
			return nil
		}
		ds.PrivateTombstones = tombs
		if err := tx.PutRecords(ds.ID, recs); err != nil {
			return err
		}
		return a.n.touch(tx, ds)
	})
	if err == nil && changed > 0 {
		a.n.advance(dataSourceID, from, recs, nil)
	}
	a.logged(ctx, "private marks", err, slog.String("data_source", dataSourceID), slog.Bool("private", private), slog.Int("records", changed))
	return changed, err
}

// carryPrivate keeps the private marks of existing records on the records
// about to replace them (same ids), and of deleted private records on
// records that come back (ds.PrivateTombstones). A full replace (replace)
// turns the private records it leaves out into tombstones. For a full
// replace it scans the data source's keys once; for an upsert it reads the
// records of those ids, in one call. It updates ds, which the caller
// writes.
func carryPrivate(tx ReadTx, ds *DataSource, recs []Record, replace bool) error {
	private := map[string]bool{}
	for _, id := range ds.PrivateTombstones {
		private[id] = true
	}
	var err error
	if replace {
		err = tx.RecordKeys(ds.ID, func(r *Record) error {
			if r.Private {
				private[r.ID] = true
			}
			return nil
		})
	} else {
		ids := make([]string, len(recs))
		for i := range recs {
			ids[i] = recs[i].ID
		}
		err = tx.RecordsByID(ds.ID, ids, func(r *Record) error {
			if r.Private {
				private[r.ID] = true
			}
			return nil
		})
	}
	if err != nil || len(private) == 0 {
		return err
	}
	back := map[string]bool{}
	for i := range recs {
		if private[recs[i].ID] {
			recs[i].Private = true
			back[recs[i].ID] = true
		}
	}
	var tombs []string
	for id := range private {
		wasTomb := slices.Contains(ds.PrivateTombstones, id)
		if !back[id] && (replace || wasTomb) {
			tombs = append(tombs, id)
		}
	}
	slices.Sort(tombs)
	ds.PrivateTombstones = tombs
	return nil
}

// buryPrivate adds the private records among ids, about to be deleted, to
// ds.PrivateTombstones.
func buryPrivate(tx ReadTx, ds *DataSource, ids []string) error {
	tombs := slices.Clone(ds.PrivateTombstones)
	err := tx.RecordsByID(ds.ID, ids, func(r *Record) error {
		if r.Private && !slices.Contains(tombs, r.ID) {
			tombs = append(tombs, r.ID)
		}
		return nil
	})
	slices.Sort(tombs)
	ds.PrivateTombstones = tombs
	return err
}
