package acctmap

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// Partner is what one org sees of another org it works with: an accepted
// partner, an org with a pending invite between the two, or one of its
// offline partners. It holds the other org's id and name and never more of
// it (not its users' permissions, plan or count policy).
type Partner struct {
	// ID and Name are the other org's.
	ID   string
	Name string
	// Offline reports whether the partner is the viewer's offline
	// partner, whose data the viewer uploads.
	Offline bool
	// Status is Accepted or Pending; an offline partner is Accepted.
	Status PartnershipStatus
	// InvitedByMe reports whether the viewer's org sent the invite (for a
	// pending one: it is the other org's to accept).
	InvitedByMe bool
	// InvitedAt is when the latest invite was sent and UpdatedAt when the
	// partnership last changed status (for an accepted one, when it was
	// accepted); both are an offline partner's creation time.
	InvitedAt time.Time
	UpdatedAt time.Time
	// Populations are the partner's populations the viewer may see, with
	// what each shares (see PartnerPopulations): none while an invite is
	// pending, all of an offline partner's.
	Populations []PopulationInfo
}

// Partners lists the orgs the acting user's org works with: accepted
// partners and pending invites in either direction, by org id, then its
// offline partners, by id. Ended partnerships (declined, cancelled,
// revoked) are not listed: Partnerships lists every state.
func (a *Actor) Partners(ctx context.Context) ([]Partner, error) {
	var out []Partner
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		u, err := a.user(tx, 0)
		if err != nil {
			return err
		}
		ps, err := tx.Partnerships(u.OrgID)
		if err != nil {
			return err
		}
		offline, err := tx.OfflinePartners(u.OrgID)
		if err != nil {
			return err
		}
		var ids, offIDs []string
		for _, p := range ps {
			ids = append(ids, p.Other(u.OrgID))
		}
		for _, o := range offline {
			offIDs = append(offIDs, o.ID)
		}
		slices.Sort(ids)
		slices.Sort(offIDs)
		out = out[:0]
		for _, id := range append(ids, offIDs...) {
			p, ok, err := partnerOf(tx, u.OrgID, id)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, p)
			}
		}
		return nil
	})
	return out, err
}

// Partner returns what the acting user's org sees of org partnerID (see
// Partners). Any org that Partners does not list — a stranger, an ended
// partnership, another org's offline partner, an id that does not exist —
// is the same ErrNotFound.
func (a *Actor) Partner(ctx context.Context, partnerID string) (Partner, error) {
	var out Partner
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		u, err := a.user(tx, 0)
		if err != nil {
			return err
		}
		p, ok, err := partnerOf(tx, u.OrgID, partnerID)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("acctmap: partner %.80q: %w", partnerID, ErrNotFound)
		}
		out = p
		return nil
	})
	return out, err
}

// partnerOf builds viewer's Partner for org other from what sharing.go
// allows; ok is false when it allows nothing.
func partnerOf(tx ReadTx, viewer, other string) (Partner, bool, error) {
	org, ps, ok, withPops, err := partnerProfile(tx, viewer, other)
	if err != nil || !ok {
		return Partner{}, false, err
	}
	p := Partner{ID: org.ID, Name: org.Name, Offline: org.Offline(), Status: cmp.Or(ps.Status, Accepted),
		InvitedByMe: ps.Inviter == viewer, InvitedAt: ps.InvitedAt, UpdatedAt: ps.UpdatedAt}
	if p.Offline {
		p.InvitedByMe, p.InvitedAt, p.UpdatedAt = false, org.CreatedAt, org.CreatedAt
	}
	if withPops {
		vs, err := visiblePopulations(tx, viewer, other)
		if err != nil {
			return Partner{}, false, err
		}
		for _, v := range vs {
			p.Populations = append(p.Populations, v.info())
		}
	}
	return p, true, nil
}

// Invite invites another network org to partner with the acting user's org.
// An ended partnership (declined, cancelled, revoked) can be invited again.
func (a *Actor) Invite(ctx context.Context, orgID string) (Partnership, error) {
	var p Partnership
	err := a.n.store.Update(ctx, func(tx Tx) error {
		u, err := a.user(tx, ManagePartnerships)
		if err != nil {
			return err
		}
		if orgID == u.OrgID {
			return fmt.Errorf("acctmap: invite: an org cannot invite itself: %w", ErrInvalidInput)
		}
		other, err := tx.Org(orgID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		switch {
		case err == nil && other.OfflineOf == u.OrgID:
			return fmt.Errorf("acctmap: invite: org %.60q is your offline partner; offline partners are never invited: %w", orgID, ErrInvalidInput)
		case err != nil || other.Offline():
			// Another org's offline partner is answered as an org that does
			// not exist: its existence is not the caller's to learn.
			return fmt.Errorf("acctmap: invite: org %.80q: %w", orgID, ErrNotFound)
		}
		old, err := tx.Partnership(u.OrgID, orgID)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return err
		case old.Status == Accepted:
			return fmt.Errorf("acctmap: invite: already partners with %.60q: %w", orgID, ErrConflict)
		case old.Status == Pending && old.Inviter == u.OrgID:
			return fmt.Errorf("acctmap: invite: an invite to %.60q is already pending: %w", orgID, ErrConflict)
		case old.Status == Pending:
			return fmt.Errorf("acctmap: invite: %.60q has already invited your org; accept its invite instead: %w", orgID, ErrConflict)
		}
		now := a.n.now()
		p = Partnership{Inviter: u.OrgID, Invitee: orgID, Status: Pending, InvitedAt: now, UpdatedAt: now}
		if err := tx.PutPartnership(p); err != nil {
			return err
		}
		return a.partnershipChanged(tx, u.OrgID, orgID, Pending) // events.go
	})
	if err == nil {
		a.logPartnership(ctx, "invite", p)
	}
	return p, err
}

// logPartnership logs a change of the partnership p by the acting user.
func (a *Actor) logPartnership(ctx context.Context, action string, p Partnership) {
	a.n.log(ctx, "partnership", slog.String("action", action), slog.String("user", a.userID),
		slog.String("inviter", p.Inviter), slog.String("invitee", p.Invitee), slog.String("status", string(p.Status)))
}

// Accept accepts the pending invite sent by org inviterID.
func (a *Actor) Accept(ctx context.Context, inviterID string) (Partnership, error) {
	return a.answer(ctx, inviterID, Accepted)
}

// Decline declines the pending invite sent by org inviterID.
func (a *Actor) Decline(ctx context.Context, inviterID string) (Partnership, error) {
	return a.answer(ctx, inviterID, Declined)
}

func (a *Actor) answer(ctx context.Context, inviterID string, to PartnershipStatus) (Partnership, error) {
	verb := map[PartnershipStatus]string{Accepted: "accept", Declined: "decline"}[to]
	return a.transition(ctx, inviterID, verb, func(u User, p Partnership) error {
		if p.Status != Pending {
			return fmt.Errorf("acctmap: %s: the partnership with %.60q is %s, not pending: %w", verb, inviterID, p.Status, ErrConflict)
		}
		if p.Invitee != u.OrgID {
			return fmt.Errorf("acctmap: %s: only the invited org can %s an invite: %w", verb, verb, ErrPermissionDenied)
		}
		return nil
	}, to)
}

// CancelInvite withdraws the pending invite the acting user's org sent to
// org inviteeID.
func (a *Actor) CancelInvite(ctx context.Context, inviteeID string) (Partnership, error) {
	return a.transition(ctx, inviteeID, "cancel invite", func(u User, p Partnership) error {
		if p.Status != Pending {
			return fmt.Errorf("acctmap: cancel invite: the partnership with %.60q is %s, not pending: %w", inviteeID, p.Status, ErrConflict)
		}
		if p.Inviter != u.OrgID {
			return fmt.Errorf("acctmap: cancel invite: only the inviting org can cancel an invite: %w", ErrPermissionDenied)
		}
		return nil
	}, Cancelled)
}

// Revoke ends an accepted partnership. Either side may revoke; from the
// next call on, neither side sees anything of the other, nor the share
// requests between them (they are dropped). Both sides' rules for each
// other are demoted to at most counts only — a population hidden from the
// other stays hidden, one shared at a record level (by a rule for that
// partner or by the default) gets a counts-only rule for it — so that a
// later partnership starts again from counts only, until the owner shares
// again.
func (a *Actor) Revoke(ctx context.Context, partnerID string) (Partnership, error) {
	return a.transition(ctx, partnerID, "revoke", func(u User, p Partnership) error {
		if p.Status != Accepted {
			return fmt.Errorf("acctmap: revoke: the partnership with %.60q is %s: %w", partnerID, p.Status, ErrNotPartners)
		}
		return nil
	}, Revoked)
}

// demoteRulesFor gives partner at most counts only of org's populations:
// a rule at a record level (the partner's own or the default) becomes a
// counts-only rule for the partner; hidden and counts-only stay.
func demoteRulesFor(tx Tx, org, partner string) error {
	pops, err := tx.Populations(org)
	if err != nil {
		return err
	}
	for _, p := range pops {
		r := effectiveRule(p.Sharing, partner)
		if r.Level != OverlappingRecords && r.Level != FullPopulation {
			continue
		}
		p.Sharing = setRule(p.Sharing, partner, &SharingRule{Level: CountsOnly, UpdatedAt: r.UpdatedAt})
		if err := tx.PutPopulation(p); err != nil {
			return err
		}
	}
	return nil
}

// transition moves the partnership with otherID to status `to` after check.
func (a *Actor) transition(ctx context.Context, otherID, verb string, check func(User, Partnership) error, to PartnershipStatus) (Partnership, error) {
	var p Partnership
	err := a.n.store.Update(ctx, func(tx Tx) error {
		u, err := a.user(tx, ManagePartnerships)
		if err != nil {
			return err
		}
		p, err = tx.Partnership(u.OrgID, otherID)
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("acctmap: %s: no partnership with %.60q: %w", verb, otherID, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if err := check(u, p); err != nil {
			return err
		}
		p.Status, p.UpdatedAt = to, a.n.now()
		if to == Revoked {
			if err := demoteRulesFor(tx, p.Inviter, p.Invitee); err != nil {
				return err
			}
			if err := demoteRulesFor(tx, p.Invitee, p.Inviter); err != nil {
				return err
			}
			p.Requests = nil
		}
		if err := tx.PutPartnership(p); err != nil {
			return err
		}
		return a.partnershipChanged(tx, u.OrgID, otherID, to) // events.go
	})
	if err != nil {
		return Partnership{}, err
	}
	a.logPartnership(ctx, verb, p)
	return p, nil
}

// Partnerships lists the partnerships of the acting user's org, in every
// state: invites sent and received, accepted, and ended ones.
func (a *Actor) Partnerships(ctx context.Context) ([]Partnership, error) {
	var ps []Partnership
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		u, err := a.user(tx, 0)
		if err != nil {
			return err
		}
		ps, err = tx.Partnerships(u.OrgID)
		return err
	})
	return ps, err
}

// PartnerUsers lists the users (names, emails, roles) of an accepted
// partner, so that owners can be assigned on shared accounts. It fails with
// ErrNotPartners before acceptance and after revocation.
func (a *Actor) PartnerUsers(ctx context.Context, partnerID string) ([]User, error) {
	var users []User
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		u, err := a.user(tx, 0)
		if err != nil {
			return err
		}
		if err := canSeePartnerUsers(tx, u.OrgID, partnerID); err != nil {
			return err
		}
		all, err := tx.Users(partnerID)
		if err != nil {
			return err
		}
		// A partner sees who the users are, not their permission bits.
		users = make([]User, len(all))
		for i, pu := range all {
			users[i] = User{ID: pu.ID, OrgID: pu.OrgID, Name: pu.Name, Email: pu.Email, Role: pu.Role}
		}
		return nil
	})
	return users, err
}

// CreateOfflinePartner creates an offline partner: an org with no users
// whose data the acting user's org uploads itself, and that no other org
// ever sees. It needs both ManagePartnerships and ManageDataSources, and
// counts against Limits.MaxOfflinePartners.
func (a *Actor) CreateOfflinePartner(ctx context.Context, name string) (Org, error) {
	name, err := checkName("offline partner", name)
	if err != nil {
		return Org{}, err
	}
	var org Org
	err = a.n.store.Update(ctx, func(tx Tx) error {
		u, err := a.user(tx, ManagePartnerships|ManageDataSources)
		if err != nil {
			return err
		}
		owner, err := tx.Org(u.OrgID)
		if err != nil {
			return err
		}
		if max := owner.Limits.MaxOfflinePartners; max > 0 {
			existing, err := tx.OfflinePartners(owner.ID)
			if err != nil {
				return err
			}
			if len(existing) >= max {
				return fmt.Errorf("acctmap: create offline partner: the plan allows %d offline partners: %w", max, ErrLimitExceeded)
			}
		}
		org = Org{ID: newID("org"), Name: name, OfflineOf: owner.ID, CreatedAt: a.n.now()}
		return tx.PutOrg(org)
	})
	if err != nil {
		return Org{}, err
	}
	a.n.log(ctx, "offline partner", slog.String("action", "create"), slog.String("user", a.userID),
		slog.String("org", org.OfflineOf), slog.String("partner", org.ID))
	return org, nil
}

// OfflinePartners lists the acting user's org's offline partners.
func (a *Actor) OfflinePartners(ctx context.Context) ([]Org, error) {
	var orgs []Org
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		u, err := a.user(tx, 0)
		if err != nil {
			return err
		}
		orgs, err = tx.OfflinePartners(u.OrgID)
		return err
	})
	return orgs, err
}

// DeleteOfflinePartner deletes an offline partner of the acting user's org
// with its data sources, populations and everything derived from them.
func (a *Actor) DeleteOfflinePartner(ctx context.Context, orgID string) error {
	var owner string
	err := a.n.store.Update(ctx, func(tx Tx) error {
		_, org, err := a.actOn(tx, ManagePartnerships|ManageDataSources, orgID)
		if err != nil {
			return err
		}
		if !org.Offline() {
			return fmt.Errorf("acctmap: delete offline partner: %.60q is not an offline partner: %w", orgID, ErrInvalidInput)
		}
		owner = org.OfflineOf
		return tx.DeleteOrg(orgID)
	})
	if err == nil {
		a.n.log(ctx, "offline partner", slog.String("action", "delete"), slog.String("user", a.userID),
			slog.String("org", owner), slog.String("partner", orgID))
	}
	return err
}
