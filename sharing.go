package acctmap

import (
	"errors"
	"fmt"
	"slices"
)

// This file is the one place that decides what one org may see of another
// org's data. Every read that can return data of an org other than the
// caller's goes through a function here; no other code path returns
// partner data.

// relation is how a viewer org stands to the owner of some data.
type relation int

const (
	relNone         relation = iota // strangers, pending, declined, cancelled or revoked
	relSelf                         // the viewer's own data
	relOfflineOwner                 // the viewer owns the offline partner that owns the data
	relPartner                      // an accepted partnership
)

// relationOf returns how viewer stands to owner. It reads the partnership
// afresh on every call, so a revocation applies to the very next read.
func relationOf(tx ReadTx, viewer, owner string) (relation, error) {
	if viewer == owner {
		return relSelf, nil
	}
	org, err := tx.Org(owner)
	if errors.Is(err, ErrNotFound) {
		return relNone, nil
	}
	if err != nil {
		return relNone, err
	}
	if org.Offline() {
		if org.OfflineOf == viewer {
			return relOfflineOwner, nil
		}
		return relNone, nil // an offline partner's data is never anyone else's to see
	}
	p, err := tx.Partnership(viewer, owner)
	if errors.Is(err, ErrNotFound) {
		return relNone, nil
	}
	if err != nil {
		return relNone, err
	}
	if p.Status == Accepted {
		return relPartner, nil
	}
	return relNone, nil
}

// canSeePartnerUsers allows a viewer org to list the users of an accepted
// partner (and not of an offline partner, which has none).
func canSeePartnerUsers(tx ReadTx, viewer, owner string) error {
	rel, err := relationOf(tx, viewer, owner)
	if err != nil {
		return err
	}
	if rel != relPartner {
		return fmt.Errorf("acctmap: org %.60q is not an accepted partner: %w", owner, ErrNotPartners)
	}
	return nil
}

// popView is what a viewer org may see of one population.
type popView struct {
	// owner: the viewer owns the data (its own, or its offline partner's)
	// and sees all of it.
	owner bool
	// visible: the population's name and overlap counts may be shown.
	visible bool
	// level is the partner's share level (Hidden … FullPopulation).
	level ShareLevel
	// fields are the record fields shared at a record level, canonical names.
	fields []string
}

// recordLevel reports whether records of the population may be shown.
func (v popView) recordLevel() bool {
	return v.owner || v.level == OverlappingRecords || v.level == FullPopulation
}

// populationView decides what org viewer may see of population pop, owned
// by org owner (pop.OrgID). It is the one visibility decision for
// population data: every matrix cell, report row, export and listing of
// another org's population goes through it.
func populationView(tx ReadTx, viewer string, owner Org, pop Population) (popView, error) {
	rel, err := relationOf(tx, viewer, owner.ID)
	if err != nil {
		return popView{}, err
	}
	switch rel {
	case relSelf, relOfflineOwner:
		return popView{owner: true, visible: true, level: FullPopulation}, nil
	case relPartner:
		rule := effectiveRule(pop.Sharing, viewer)
		v := popView{level: rule.Level, visible: rule.Level != Hidden}
		if v.recordLevel() {
			ds, err := tx.DataSource(pop.DataSourceID)
			if err != nil {
				return popView{}, err
			}
			v.fields = knownFields(ruleFields(rule, owner.FieldPresets), ds)
		}
		return v, nil
	}
	return popView{level: Hidden}, nil
}

// effectiveRule is the partner's own rule, else the population's default,
// else counts only.
func effectiveRule(s Sharing, partner string) ShareRule {
	if r, ok := s.Partners[partner]; ok {
		return r
	}
	if s.Default != nil {
		return *s.Default
	}
	return ShareRule{Level: CountsOnly}
}

// ruleFields resolves the fields a rule shares. A preset that no longer
// exists shares nothing: visibility fails closed.
func ruleFields(r ShareRule, presets []FieldPreset) []string {
	if r.Preset == "" {
		return r.Fields
	}
	for _, p := range presets {
		if p.Name == r.Preset {
			return p.Fields
		}
	}
	return nil
}

// knownFields canonicalizes field names against a data source (a preset
// may spell them in another case) and drops those it does not have:
// visibility fails closed.
func knownFields(fields []string, ds DataSource) []string {
	var out []string
	for _, f := range fields {
		if canon, ok := resolveField(f, ds.Fields); ok && !slices.Contains(out, canon) {
			out = append(out, canon)
		}
	}
	return out
}

// sharedFields returns the fields of a partner's record that view allows:
// a fresh map holding nothing else. Built-in fields are "name", "website"
// and "id".
func sharedFields(r *Record, view popView) map[string]string {
	out := make(map[string]string, len(view.fields))
	for _, f := range view.fields {
		if isBuiltin(f) {
			out[f] = fieldValue(r, f)
		} else if v, ok := r.Fields[f]; ok {
			out[f] = v
		}
	}
	return out
}

// canListPartnerPopulations allows a viewer to list an org's populations:
// its own, its offline partners', and an accepted partner's (each then
// filtered by populationView).
func canListPartnerPopulations(tx ReadTx, viewer, owner string) error {
	rel, err := relationOf(tx, viewer, owner)
	if err != nil {
		return err
	}
	if rel == relNone {
		return fmt.Errorf("acctmap: org %.60q is not an accepted partner: %w", owner, ErrNotPartners)
	}
	return nil
}

// partnerProfile decides what viewer may know of org other as a partner:
// ok is false for anything but an accepted partner, a pending invite
// between them (its name and dates, so that it can be answered) or the
// viewer's own offline partner; callers answer those as unknown ids.
// populations reports whether its populations may be listed (through
// visiblePopulations, which decides each one).
func partnerProfile(tx ReadTx, viewer, other string) (org Org, p Partnership, ok, populations bool, err error) {
	rel, err := relationOf(tx, viewer, other)
	if err != nil || rel == relSelf {
		return Org{}, Partnership{}, false, false, err
	}
	org, err = tx.Org(other)
	if errors.Is(err, ErrNotFound) {
		return Org{}, Partnership{}, false, false, nil
	}
	if err != nil {
		return Org{}, Partnership{}, false, false, err
	}
	switch rel {
	case relOfflineOwner:
		return org, Partnership{}, true, true, nil
	case relPartner:
		p, err = tx.Partnership(viewer, other)
		return org, p, err == nil, err == nil, err
	}
	if org.Offline() {
		return Org{}, Partnership{}, false, false, nil
	}
	p, err = tx.Partnership(viewer, other)
	if errors.Is(err, ErrNotFound) || (err == nil && p.Status != Pending) {
		return Org{}, Partnership{}, false, false, nil
	}
	if err != nil {
		return Org{}, Partnership{}, false, false, err
	}
	return org, p, true, false, nil
}
