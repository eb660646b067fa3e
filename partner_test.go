package acctmap_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acctmap/acctmap"
)

func TestPartnershipLifecycle(t *testing.T) {
	t.Parallel()
	type step struct {
		name string
		do   func(w *world) (acctmap.Partnership, error)
		want error
		// status is the state of the a–b partnership after the step, as
		// both sides list it ("" for none).
		status acctmap.PartnershipStatus
	}
	ctx := context.Background()
	invite := func(w *world) (acctmap.Partnership, error) { return w.adminA.Invite(ctx, "org-b") }
	accept := func(w *world) (acctmap.Partnership, error) { return w.adminB.Accept(ctx, "org-a") }
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"invite accept revoke reinvite", []step{
			{"invite", invite, nil, acctmap.Pending},
			{"accept", accept, nil, acctmap.Accepted},
			{"revoke by invitee", func(w *world) (acctmap.Partnership, error) { return w.adminB.Revoke(ctx, "org-a") }, nil, acctmap.Revoked},
			{"accept revoked", accept, acctmap.ErrConflict, acctmap.Revoked},
			{"revoke again", func(w *world) (acctmap.Partnership, error) { return w.adminA.Revoke(ctx, "org-b") }, acctmap.ErrNotPartners, acctmap.Revoked},
			{"reinvite from the other side", func(w *world) (acctmap.Partnership, error) { return w.adminB.Invite(ctx, "org-a") }, nil, acctmap.Pending},
			{"accept by new invitee", func(w *world) (acctmap.Partnership, error) { return w.adminA.Accept(ctx, "org-b") }, nil, acctmap.Accepted},
		}},
		{"duplicate and crossing invites", []step{
			{"invite", invite, nil, acctmap.Pending},
			{"invite again", invite, acctmap.ErrConflict, acctmap.Pending},
			{"crossing invite", func(w *world) (acctmap.Partnership, error) { return w.adminB.Invite(ctx, "org-a") }, acctmap.ErrConflict, acctmap.Pending},
			{"inviter accepts own invite", func(w *world) (acctmap.Partnership, error) { return w.adminA.Accept(ctx, "org-b") }, acctmap.ErrPermissionDenied, acctmap.Pending},
			{"stranger accepts", func(w *world) (acctmap.Partnership, error) { return w.adminC.Accept(ctx, "org-a") }, acctmap.ErrNotFound, acctmap.Pending},
			{"invitee cancels", func(w *world) (acctmap.Partnership, error) { return w.adminB.CancelInvite(ctx, "org-a") }, acctmap.ErrPermissionDenied, acctmap.Pending},
			{"revoke pending", func(w *world) (acctmap.Partnership, error) { return w.adminA.Revoke(ctx, "org-b") }, acctmap.ErrNotPartners, acctmap.Pending},
			{"inviter cancels", func(w *world) (acctmap.Partnership, error) { return w.adminA.CancelInvite(ctx, "org-b") }, nil, acctmap.Cancelled},
			{"cancel again", func(w *world) (acctmap.Partnership, error) { return w.adminA.CancelInvite(ctx, "org-b") }, acctmap.ErrConflict, acctmap.Cancelled},
			{"accept cancelled", accept, acctmap.ErrConflict, acctmap.Cancelled},
		}},
		{"decline", []step{
			{"invite", invite, nil, acctmap.Pending},
			{"decline", func(w *world) (acctmap.Partnership, error) { return w.adminB.Decline(ctx, "org-a") }, nil, acctmap.Declined},
			{"accept declined", accept, acctmap.ErrConflict, acctmap.Declined},
			{"invite again", invite, nil, acctmap.Pending},
			{"already partners", func(w *world) (acctmap.Partnership, error) { accept(w); return invite(w) }, acctmap.ErrConflict, acctmap.Accepted},
		}},
		{"bad invites", []step{
			{"self", func(w *world) (acctmap.Partnership, error) { return w.adminA.Invite(ctx, "org-a") }, acctmap.ErrInvalidInput, ""},
			{"unknown org", func(w *world) (acctmap.Partnership, error) { return w.adminA.Invite(ctx, "org-z") }, acctmap.ErrNotFound, ""},
			{"offline partner", func(w *world) (acctmap.Partnership, error) {
				off, err := w.adminC.CreateOfflinePartner(ctx, "Off")
				if err != nil {
					return acctmap.Partnership{}, err
				}
				return w.adminA.Invite(ctx, off.ID)
			}, acctmap.ErrNotFound, ""},
			{"reader", func(w *world) (acctmap.Partnership, error) { return w.readerA.Invite(ctx, "org-b") }, acctmap.ErrPermissionDenied, ""},
			{"data-only manager", func(w *world) (acctmap.Partnership, error) { return w.pmData.Invite(ctx, "org-b") }, acctmap.ErrPermissionDenied, ""},
			{"accept nothing", accept, acctmap.ErrNotFound, ""},
			{"partnership manager", func(w *world) (acctmap.Partnership, error) { return w.pmPartners.Invite(ctx, "org-b") }, nil, acctmap.Pending},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			for _, s := range tc.steps {
				_, err := s.do(w)
				wantErr(t, s.name, err, s.want)
				for _, side := range []*acctmap.Actor{w.adminA, w.adminB} {
					ps, err := side.Partnerships(ctx)
					wantErr(t, s.name+": Partnerships", err, nil)
					var got acctmap.PartnershipStatus
					for _, p := range ps {
						if p.Other("org-a") == "org-b" || p.Other("org-b") == "org-a" {
							got = p.Status
						}
					}
					if got != s.status {
						t.Fatalf("after %s: status %q, want %q", s.name, got, s.status)
					}
				}
			}
		})
	}
}

func TestPartnerUsersVisibleOnlyWhileAccepted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	seesB := func(step string, want error) {
		t.Helper()
		users, err := w.readerA.PartnerUsers(ctx, "org-b")
		wantErr(t, step, err, want)
		if want != nil {
			if users != nil {
				t.Fatalf("%s: users returned with an error: %v", step, users)
			}
			return
		}
		wantUsers := []acctmap.User{{ID: "admin-b", OrgID: "org-b", Name: "admin-b", Email: "admin-b@example.test", Role: acctmap.RoleAdmin}}
		if diff := cmp.Diff(wantUsers, users); diff != "" {
			t.Fatalf("%s: PartnerUsers (-want +got):\n%s", step, diff)
		}
	}
	seesB("strangers", acctmap.ErrNotPartners)
	_, err := w.adminA.Invite(ctx, "org-b")
	wantErr(t, "invite", err, nil)
	seesB("pending", acctmap.ErrNotPartners)
	_, err = w.adminB.Accept(ctx, "org-a")
	wantErr(t, "accept", err, nil)
	seesB("accepted", nil)
	_, err = w.adminC.PartnerUsers(ctx, "org-b")
	wantErr(t, "third org", err, acctmap.ErrNotPartners)
	_, err = w.adminB.Revoke(ctx, "org-a")
	wantErr(t, "revoke", err, nil)
	seesB("revoked", acctmap.ErrNotPartners)

	off, err := w.adminA.CreateOfflinePartner(ctx, "Off")
	wantErr(t, "offline", err, nil)
	_, err = w.adminA.PartnerUsers(ctx, off.ID)
	wantErr(t, "offline partner users", err, acctmap.ErrNotPartners)
	_, err = w.net.As("ghost").PartnerUsers(ctx, "org-b")
	wantErr(t, "ghost", err, acctmap.ErrPermissionDenied)
}

func TestOfflinePartners(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	_, err := w.pmPartners.CreateOfflinePartner(ctx, "Needs both permissions")
	wantErr(t, "partnerships-only manager", err, acctmap.ErrPermissionDenied)
	_, err = w.pmData.CreateOfflinePartner(ctx, "Needs both permissions")
	wantErr(t, "data-only manager", err, acctmap.ErrPermissionDenied)
	_, err = w.adminA.CreateOfflinePartner(ctx, " ")
	wantErr(t, "empty name", err, acctmap.ErrInvalidInput)
	off, err := w.pmAll.CreateOfflinePartner(ctx, "Globex Reseller")
	wantErr(t, "create", err, nil)
	if off.OfflineOf != "org-a" || !off.Offline() {
		t.Fatalf("offline partner = %+v, want OfflineOf org-a", off)
	}
	list, err := w.readerA.OfflinePartners(ctx)
	wantErr(t, "list", err, nil)
	if diff := cmp.Diff([]acctmap.Org{off}, list); diff != "" {
		t.Errorf("OfflinePartners (-want +got):\n%s", diff)
	}

	// Data: CSV sources only, standard populations only.
	_, err = w.adminA.CreateDataSource(ctx, acctmap.NewDataSource{OrgID: off.ID, Name: "Pushed", Kind: acctmap.PushedSource})
	wantErr(t, "pushed source for offline partner", err, acctmap.ErrInvalidInput)
	ds, err := w.adminA.CreateDataSource(ctx, acctmap.NewDataSource{OrgID: off.ID, Name: "Their customers"})
	wantErr(t, "csv source", err, nil)
	_, err = w.adminA.ImportCSV(ctx, ds.ID, stringsReader("Company,Website\nInitech,initech.com\n"), acctmap.CSVImport{Mapping: nameWebsite})
	wantErr(t, "import", err, nil)
	_, err = w.adminA.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Custom, Name: "Big ones"})
	wantErr(t, "custom population", err, acctmap.ErrInvalidInput)
	pop, err := w.adminA.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Customers})
	wantErr(t, "standard population", err, nil)

	// Nobody else sees any of it.
	partner(t, w.adminA, w.adminB, "org-b", "org-a")
	_, err = w.adminB.DataSources(ctx, off.ID)
	wantErr(t, "partner lists offline data sources", err, acctmap.ErrNotFound)
	_, err = w.adminB.DataSource(ctx, ds.ID)
	wantErr(t, "partner reads offline data source", err, acctmap.ErrNotFound)
	_, err = w.adminB.Population(ctx, pop.ID)
	wantErr(t, "partner reads offline population", err, acctmap.ErrNotFound)
	_, err = w.adminB.Record(ctx, ds.ID, "2")
	wantErr(t, "partner reads offline record", err, acctmap.ErrNotFound)
	wantErr(t, "partner deletes offline partner", w.adminB.DeleteOfflinePartner(ctx, off.ID), acctmap.ErrNotFound)

	// Deleting it deletes everything derived.
	wantErr(t, "delete non-offline", w.adminA.DeleteOfflinePartner(ctx, "org-a"), acctmap.ErrInvalidInput)
	wantErr(t, "reader deletes", w.readerA.DeleteOfflinePartner(ctx, off.ID), acctmap.ErrPermissionDenied)
	wantErr(t, "delete", w.adminA.DeleteOfflinePartner(ctx, off.ID), nil)
	d := dumpStore(t, w.store)
	for _, o := range d.Orgs {
		if o.ID == off.ID {
			t.Errorf("offline org left after delete")
		}
	}
	if _, ok := d.Records[ds.ID]; ok {
		t.Errorf("records of the offline partner's data source left after delete")
	}
	err = w.store.View(ctx, func(tx acctmap.ReadTx) error {
		if _, err := tx.DataSource(ds.ID); err == nil {
			t.Errorf("data source left after delete")
		}
		if _, err := tx.Population(pop.ID); err == nil {
			t.Errorf("population left after delete")
		}
		return nil
	})
	wantErr(t, "view", err, nil)
}

// Code written against the former name keeps compiling: ShareRule is
// SharingRule, not a copy of it.
func TestShareRuleIsSharingRule(t *testing.T) {
	t.Parallel()
	var old acctmap.ShareRule = acctmap.SharingRule{Level: acctmap.CountsOnly}
	s := acctmap.Sharing{Default: &old, Partners: map[string]acctmap.ShareRule{"b": old}}
	if diff := cmp.Diff(acctmap.SharingRule{Level: acctmap.CountsOnly}, s.Partners["b"]); diff != "" {
		t.Fatalf("rule (-want +got):\n%s", diff)
	}
}

func TestPartners(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newMapped(t) // a and b are partners, each with Customers and Prospects
	wantErr(t, "hide", m.adminB.SetShareRule(ctx, m.prosB.ID, "org-a", acctmap.SharingRule{Level: acctmap.Hidden}), nil)
	wantErr(t, "share", m.adminB.SetShareRule(ctx, m.custB.ID, "org-a",
		acctmap.SharingRule{Level: acctmap.OverlappingRecords, Fields: []string{"name", "Region"}}), nil)
	invite, err := m.adminA.Invite(ctx, "org-c")
	wantErr(t, "invite c", err, nil)
	off, err := m.adminA.CreateOfflinePartner(ctx, "Northwind")
	wantErr(t, "offline", err, nil)
	offDS, err := m.adminA.CreateDataSource(ctx, acctmap.NewDataSource{OrgID: off.ID, Name: "Northwind list"})
	wantErr(t, "offline data source", err, nil)
	offPop, err := m.adminA.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: offDS.ID, Kind: acctmap.Customers})
	wantErr(t, "offline population", err, nil)
	ab, err := m.adminB.Partnerships(ctx)
	wantErr(t, "partnerships of b", err, nil)

	bolt := acctmap.Partner{ID: "org-b", Name: "Bolt Warehouse", Status: acctmap.Accepted, InvitedByMe: true,
		InvitedAt: ab[0].InvitedAt, UpdatedAt: ab[0].UpdatedAt,
		Populations: []acctmap.PopulationInfo{{ID: m.custB.ID, OrgID: "org-b", Name: "Customers", Kind: acctmap.Customers,
			Level: acctmap.OverlappingRecords, Fields: []string{"name", "Region"}}}}
	cirrus := acctmap.Partner{ID: "org-c", Name: "Cirrus CRM", Status: acctmap.Pending, InvitedByMe: true,
		InvitedAt: invite.InvitedAt, UpdatedAt: invite.UpdatedAt}
	northwind := acctmap.Partner{ID: off.ID, Name: "Northwind", Offline: true, Status: acctmap.Accepted,
		InvitedAt: off.CreatedAt, UpdatedAt: off.CreatedAt,
		Populations: []acctmap.PopulationInfo{{ID: offPop.ID, OrgID: off.ID, Name: "Customers", Kind: acctmap.Customers, Level: acctmap.FullPopulation}}}
	acmeForC := acctmap.Partner{ID: "org-a", Name: "Acme Analytics", Status: acctmap.Pending,
		InvitedAt: invite.InvitedAt, UpdatedAt: invite.UpdatedAt}

	for _, tc := range []struct {
		name string
		who  *acctmap.Actor
		want []acctmap.Partner
	}{
		{"inviter, any role", m.readerA, []acctmap.Partner{bolt, cirrus, northwind}},
		{"invited org", m.adminC, []acctmap.Partner{acmeForC}},
	} {
		got, err := tc.who.Partners(ctx)
		wantErr(t, tc.name, err, nil)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: Partners (-want +got):\n%s", tc.name, diff)
		}
		for _, p := range tc.want {
			one, err := tc.who.Partner(ctx, p.ID)
			wantErr(t, tc.name+": Partner "+p.ID, err, nil)
			if diff := cmp.Diff(p, one); diff != "" {
				t.Errorf("%s: Partner(%s) (-want +got):\n%s", tc.name, p.ID, diff)
			}
		}
	}

	// Bolt's offline partner is not Acme's to know of.
	offB, err := m.adminB.CreateOfflinePartner(ctx, "Bolt's reseller")
	wantErr(t, "offline of b", err, nil)
	_, err = m.adminA.Revoke(ctx, "org-b")
	wantErr(t, "revoke", err, nil)
	_, err = m.adminC.Decline(ctx, "org-a")
	wantErr(t, "decline", err, nil)

	got, err := m.adminA.Partners(ctx)
	wantErr(t, "partners after revoke", err, nil)
	if diff := cmp.Diff([]acctmap.Partner{northwind}, got); diff != "" {
		t.Errorf("Partners after revoke and decline (-want +got):\n%s", diff)
	}
	_, unknown := m.adminA.Partner(ctx, "org-zz")
	wantErr(t, "unknown", unknown, acctmap.ErrNotFound)
	for _, tc := range []struct {
		name string
		who  *acctmap.Actor
		id   string
	}{
		{"revoked partner", m.adminA, "org-b"},
		{"revoked, other side", m.adminB, "org-a"},
		{"declined invite", m.adminA, "org-c"},
		{"another org's offline partner", m.adminA, offB.ID},
		{"itself", m.adminA, "org-a"},
	} {
		p, err := tc.who.Partner(ctx, tc.id)
		wantErr(t, tc.name, err, acctmap.ErrNotFound)
		// The same answer as for an id that does not exist, word for word.
		if got, want := strings.ReplaceAll(err.Error(), tc.id, "ID"), strings.ReplaceAll(unknown.Error(), "org-zz", "ID"); got != want {
			t.Errorf("%s: error %q, want %q as for an unknown id", tc.name, got, want)
		}
		if diff := cmp.Diff(acctmap.Partner{}, p); diff != "" {
			t.Errorf("%s: Partner shows (-want +got):\n%s", tc.name, diff)
		}
	}
	_, err = m.net.As("nobody").Partners(ctx)
	wantErr(t, "unknown user", err, acctmap.ErrPermissionDenied)
}
