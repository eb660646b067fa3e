package private

import (
	"context"
	"fmt"
	"slices"

	"github.com/acctmap/acctmap"
)

// SideSpec says which data of a Network a Side holds.
type SideSpec struct {
	// DataSource is the id of a data source of the acting user's org (or
	// of one of its offline partners).
	DataSource string
	// Populations are the ids of the data source's populations the other
	// party may learn counts of: the matrix's rows on the initiator's side,
	// its columns on the responder's. A population its sharing rule hides
	// from Partner is refused: the other party learns the name and counts
	// of every listed population.
	Populations []string
	// Partner is the org id the session is with, as the owner's sharing
	// rules name it: a population whose rule for Partner (its own rule,
	// else the default) is OverlappingRecords or FullPopulation may reveal
	// matches in the second phase. "" uses the default rules.
	Partner string
	// Responder leaves out the records in none of Populations, as the
	// in-process matrix does for the partner's side: a record the partner
	// may not see cannot link two of the partner's accounts into one. The
	// initiator's side keeps every record, as its owner's view does.
	Responder bool
}

// SideFrom builds a Side from a Network, as the acting user a reads it
// through the public API (Actor.Population and Actor.Records): only its
// own org's data, never a partner's. Records keep their private marks,
// which the protocol honours by leaving them out.
func SideFrom(ctx context.Context, a *acctmap.Actor, spec SideSpec) (Side, error) {
	var s Side
	var mask uint64
	for _, id := range spec.Populations {
		p, err := a.Population(ctx, id)
		if err != nil {
			return Side{}, fmt.Errorf("private: side: %w", err)
		}
		if p.DataSourceID != spec.DataSource {
			return Side{}, fmt.Errorf("private: side: population %.40q is not of data source %.40q: %w", id, spec.DataSource, acctmap.ErrInvalidInput)
		}
		rule, ok := p.Sharing.Partners[spec.Partner]
		if !ok && p.Sharing.Default != nil {
			rule = *p.Sharing.Default
		}
		if rule.Level == acctmap.Hidden {
			// The other party learns a listed population's name and counts.
			return Side{}, fmt.Errorf("private: side: population %.40q is hidden from %.40q by its sharing rule: %w", id, spec.Partner, acctmap.ErrInvalidInput)
		}
		reveal := rule.Level == acctmap.OverlappingRecords || rule.Level == acctmap.FullPopulation
		s.Populations = append(s.Populations, Population{Slot: p.Slot, Name: p.Name, RevealMatches: reveal})
		mask |= 1 << uint(p.Slot)
	}
	for r, err := range a.Records(ctx, spec.DataSource, acctmap.Filter{}) {
		if err != nil {
			return Side{}, fmt.Errorf("private: side: %w", err)
		}
		if spec.Responder && r.Populations&mask == 0 {
			continue
		}
		pr := Record{ID: r.ID, Domains: slices.Clone(r.Domains), Mask: r.Populations & mask, Private: r.Private}
		if !r.RegistrationID.IsZero() {
			pr.RegID = r.RegistrationID.Scheme + ":" + r.RegistrationID.Value
		}
		s.Records = append(s.Records, pr)
	}
	return s, nil
}
