package storetest

import (
	"fmt"
	"testing"

	"github.com/acctmap/acctmap"
)

// probeDeletedOrg checks, through every getter and list that takes its
// id, that nothing of a deleted org is left.
func probeDeletedOrg(t *testing.T, tx acctmap.ReadTx, id string) {
	t.Helper()
	_, err := tx.Org(id)
	wantNotFound(t, fmt.Sprintf("Org(%q) after DeleteOrg", id), err)
	off, err := tx.OfflinePartners(id)
	wantEmpty(t, fmt.Sprintf("OfflinePartners(%q) after DeleteOrg", id), off, err)
	users, err := tx.Users(id)
	wantEmpty(t, fmt.Sprintf("Users(%q) after DeleteOrg", id), users, err)
	ps, err := tx.Partnerships(id)
	wantEmpty(t, fmt.Sprintf("Partnerships(%q) after DeleteOrg", id), ps, err)
	dss, err := tx.DataSources(id)
	wantEmpty(t, fmt.Sprintf("DataSources(%q) after DeleteOrg", id), dss, err)
	pops, err := tx.Populations(id)
	wantEmpty(t, fmt.Sprintf("Populations(%q) after DeleteOrg", id), pops, err)
}

// cascade deletes orgs from the standard network and checks that exactly
// what belongs to them, through offline partners at any depth, is gone:
// probed by id, and by a whole-store Dump against the seeded one minus
// what DeleteOrg deletes.
func cascade(t *testing.T, s acctmap.Store, del string, gone []string) {
	before := seeded(t, s)
	update(t, s, func(tx acctmap.Tx) error { return tx.DeleteOrg(del) })
	goneOrg := map[string]bool{}
	for _, id := range gone {
		goneOrg[id] = true
	}
	view(t, s, func(tx acctmap.ReadTx) error {
		for _, id := range gone {
			probeDeletedOrg(t, tx, id)
		}
		for _, u := range seedUsers {
			if goneOrg[u.OrgID] {
				_, err := tx.User(u.ID)
				wantNotFound(t, fmt.Sprintf("User(%q) of a deleted org", u.ID), err)
			}
		}
		for _, p := range seedPartnerships {
			if goneOrg[p.Inviter] || goneOrg[p.Invitee] {
				_, err := tx.Partnership(p.Inviter, p.Invitee)
				wantNotFound(t, fmt.Sprintf("Partnership(%q, %q) of a deleted org", p.Inviter, p.Invitee), err)
			}
		}
		for _, d := range seedDataSources {
			if goneOrg[d.OrgID] {
				_, err := tx.DataSource(d.ID)
				wantNotFound(t, fmt.Sprintf("DataSource(%q) of a deleted org", d.ID), err)
				var pops []string
				for _, p := range seedPopulations {
					if p.DataSourceID == d.ID {
						pops = append(pops, p.ID)
					}
				}
				probeDeletedDataSource(t, tx, d.ID, pops...)
			}
		}
		return nil
	})
	after, err := Dump(t.Context(), s)
	noErr(t, "Dump", err)
	diff(t, fmt.Sprintf("store after DeleteOrg(%q)", del), before.without(del), after)

	// Ids of deleted things can be used again, and nothing comes back.
	update(t, s, func(tx acctmap.Tx) error {
		for _, o := range seedOrgs {
			if goneOrg[o.ID] {
				if err := tx.PutOrg(o); err != nil {
					return err
				}
			}
		}
		for _, d := range seedDataSources {
			if goneOrg[d.OrgID] {
				if err := tx.PutDataSource(d); err != nil {
					return err
				}
			}
		}
		return nil
	})
	view(t, s, func(tx acctmap.ReadTx) error {
		for _, id := range gone {
			for _, check := range []func(string) (int, error){
				func(id string) (int, error) { l, err := tx.Users(id); return len(l), err },
				func(id string) (int, error) { l, err := tx.Partnerships(id); return len(l), err },
				func(id string) (int, error) { l, err := tx.Populations(id); return len(l), err },
			} {
				n, err := check(id)
				noErr(t, "list", err)
				if n != 0 {
					t.Errorf("org %q deleted and created again has %d users, partnerships or populations back", id, n)
				}
			}
		}
		for _, d := range seedDataSources {
			if goneOrg[d.OrgID] {
				n, err := tx.CountRecords(d.ID)
				noErr(t, "CountRecords", err)
				if n != 0 {
					t.Errorf("data source %q deleted with its org and created again has %d records back", d.ID, n)
				}
			}
		}
		return nil
	})
}

var cascadeTests = []test{
	{"DeleteOrg", func(t *testing.T, s acctmap.Store) {
		// acme: users, partnerships as inviter and invitee, two data
		// sources, an offline partner that owns one in turn.
		cascade(t, s, "acme", []string{"acme", "acme-off1", "acme-off1-sub"})
	}},
	{"DeleteOrgLeaf", func(t *testing.T, s acctmap.Store) {
		// initech: a user and partnerships on both sides, nothing else.
		cascade(t, s, "initech", []string{"initech"})
	}},
	{"DeleteOfflinePartner", func(t *testing.T, s acctmap.Store) {
		// Deleting an offline partner takes the one it owns, and leaves
		// its owner with everything else.
		cascade(t, s, "acme-off1", []string{"acme-off1", "acme-off1-sub"})
	}},
	{"OwnershipCycle", func(t *testing.T, s acctmap.Store) {
		// Nothing forbids a cycle of owners, made of orgs that all exist:
		// it must not hang DeleteOrg.
		withOrgs(t, s, "a", "b", "self", "keep")
		update(t, s, func(tx acctmap.Tx) error {
			for _, o := range []acctmap.Org{{ID: "a", OfflineOf: "b"}, {ID: "b", OfflineOf: "a"}, {ID: "self", OfflineOf: "self"}} {
				if err := tx.PutOrg(o); err != nil {
					return err
				}
			}
			return nil
		})
		update(t, s, func(tx acctmap.Tx) error {
			if err := tx.DeleteOrg("a"); err != nil {
				return err
			}
			return tx.DeleteOrg("self")
		})
		view(t, s, func(tx acctmap.ReadTx) error {
			orgs, err := tx.Orgs()
			noErr(t, "Orgs", err)
			diff(t, "Orgs after deleting a cycle", []acctmap.Org{{ID: "keep", Name: "keep", CreatedAt: t0}}, orgs)
			return nil
		})
	}},
}
