package acctmap_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
)

// fixedClock returns a clock that starts at a fixed instant and advances a
// second per call, so that timestamps are deterministic and ordered.
func fixedClock() func() time.Time {
	t := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return func() time.Time { t = t.Add(time.Second); return t }
}

// world is a network with three orgs and users of every role.
type world struct {
	store *memstore.Store
	net   *acctmap.Network
	// orgs
	a, b, c acctmap.Org
	// users of org a
	adminA, pmAll, pmData, pmPartners, pmSharing, readerA *acctmap.Actor
	// admins of orgs b and c
	adminB, adminC *acctmap.Actor
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{store: memstore.New()}
	w.net = acctmap.New(w.store, acctmap.WithClock(fixedClock()))
	w.a = mustOrg(t, w.net, "org-a", "Acme Analytics")
	w.b = mustOrg(t, w.net, "org-b", "Bolt Warehouse")
	w.c = mustOrg(t, w.net, "org-c", "Cirrus CRM")
	user := func(id, org string, role acctmap.Role, perms acctmap.Permission) *acctmap.Actor {
		t.Helper()
		if _, err := w.net.AddUser(ctx, acctmap.User{ID: id, OrgID: org, Name: id, Email: id + "@example.test", Role: role, Permissions: perms}); err != nil {
			t.Fatalf("AddUser(%s): %v", id, err)
		}
		return w.net.As(id)
	}
	w.adminA = user("admin-a", "org-a", acctmap.RoleAdmin, 0)
	w.pmAll = user("pm-all", "org-a", acctmap.RolePartnerManager, acctmap.AllPermissions)
	w.pmData = user("pm-data", "org-a", acctmap.RolePartnerManager, acctmap.ManageDataSources)
	w.pmPartners = user("pm-partners", "org-a", acctmap.RolePartnerManager, acctmap.ManagePartnerships)
	w.pmSharing = user("pm-sharing", "org-a", acctmap.RolePartnerManager, acctmap.ManageSharing)
	w.readerA = user("reader-a", "org-a", acctmap.RoleReadOnly, 0)
	w.adminB = user("admin-b", "org-b", acctmap.RoleAdmin, 0)
	w.adminC = user("admin-c", "org-c", acctmap.RoleAdmin, 0)
	return w
}

func mustOrg(t *testing.T, n *acctmap.Network, id, name string) acctmap.Org {
	t.Helper()
	org, err := n.CreateOrg(context.Background(), acctmap.Org{ID: id, Name: name})
	if err != nil {
		t.Fatalf("CreateOrg(%s): %v", id, err)
	}
	return org
}

// partner makes orgs of x and y accepted partners.
func partner(t *testing.T, x, y *acctmap.Actor, yOrg string, xOrg string) {
	t.Helper()
	ctx := context.Background()
	if _, err := x.Invite(ctx, yOrg); err != nil {
		t.Fatalf("Invite: %v", err)
	}
	if _, err := y.Accept(ctx, xOrg); err != nil {
		t.Fatalf("Accept: %v", err)
	}
}

// wantErr fails unless err wraps want (nil: no error).
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("%s: unexpected error %v", what, err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("%s: error %v, want one wrapping %v", what, err, want)
	}
}

// dump reads everything in the store, for before/after comparisons.
type dump struct {
	Orgs         []acctmap.Org
	Users        map[string][]acctmap.User
	Partnerships map[string][]acctmap.Partnership
	DataSources  map[string][]acctmap.DataSource
	Populations  map[string][]acctmap.Population
	Records      map[string]map[string]acctmap.Record
}

func dumpStore(t *testing.T, s acctmap.Store) dump {
	t.Helper()
	d := dump{Users: map[string][]acctmap.User{}, Partnerships: map[string][]acctmap.Partnership{},
		DataSources: map[string][]acctmap.DataSource{}, Populations: map[string][]acctmap.Population{},
		Records: map[string]map[string]acctmap.Record{}}
	err := s.View(context.Background(), func(tx acctmap.ReadTx) error {
		orgs, err := tx.Orgs()
		if err != nil {
			return err
		}
		d.Orgs = orgs
		for _, o := range orgs {
			if d.Users[o.ID], err = tx.Users(o.ID); err != nil {
				return err
			}
			if d.Partnerships[o.ID], err = tx.Partnerships(o.ID); err != nil {
				return err
			}
			if d.Populations[o.ID], err = tx.Populations(o.ID); err != nil {
				return err
			}
			dss, err := tx.DataSources(o.ID)
			if err != nil {
				return err
			}
			d.DataSources[o.ID] = dss
			for _, ds := range dss {
				recs := map[string]acctmap.Record{}
				if err := tx.Records(ds.ID, func(r *acctmap.Record) error { recs[r.ID] = *r; return nil }); err != nil {
					return err
				}
				d.Records[ds.ID] = recs
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("dump: %v", err)
	}
	return d
}
