package acctmap

import (
	"errors"
	"fmt"
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
		return fmt.Errorf("acctmap: org %q is not an accepted partner: %w", owner, ErrNotPartners)
	}
	return nil
}
