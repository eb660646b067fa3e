package acctmap_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
)

func TestCreateOrg(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	n := acctmap.New(memstore.New(), acctmap.WithClock(fixedClock()))
	org, err := n.CreateOrg(ctx, acctmap.Org{Name: "  Acme  "})
	wantErr(t, "CreateOrg", err, nil)
	if !strings.HasPrefix(org.ID, "org_") || org.Name != "Acme" || org.CreatedAt.IsZero() {
		t.Errorf("CreateOrg = %+v, want a generated id, a trimmed name and a timestamp", org)
	}
	got, err := n.Org(ctx, org.ID)
	wantErr(t, "Org", err, nil)
	if diff := cmp.Diff(org, got); diff != "" {
		t.Errorf("Org() differs from CreateOrg() (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		name string
		org  acctmap.Org
		want error
	}{
		{"app id", acctmap.Org{ID: "tenant-42", Name: "Tenant"}, nil},
		{"taken id", acctmap.Org{ID: "tenant-42", Name: "Again"}, acctmap.ErrConflict},
		{"empty name", acctmap.Org{Name: "   "}, acctmap.ErrInvalidInput},
		{"long name", acctmap.Org{Name: strings.Repeat("x", 201)}, acctmap.ErrInvalidInput},
		{"control char id", acctmap.Org{ID: "a\nb", Name: "X"}, acctmap.ErrInvalidInput},
		{"offline via CreateOrg", acctmap.Org{Name: "X", OfflineOf: org.ID}, acctmap.ErrInvalidInput},
	} {
		_, err := n.CreateOrg(ctx, tc.org)
		wantErr(t, tc.name, err, tc.want)
	}
	_, err = n.Org(ctx, "nope")
	wantErr(t, "Org(nope)", err, acctmap.ErrNotFound)
}

func TestAddUserAndRoles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	for _, tc := range []struct {
		name string
		user acctmap.User
		want error
	}{
		{"unknown role", acctmap.User{OrgID: "org-a", Name: "x", Role: "owner"}, acctmap.ErrInvalidInput},
		{"no name", acctmap.User{OrgID: "org-a", Role: acctmap.RoleAdmin}, acctmap.ErrInvalidInput},
		{"unknown org", acctmap.User{OrgID: "nope", Name: "x", Role: acctmap.RoleAdmin}, acctmap.ErrNotFound},
		{"taken id", acctmap.User{ID: "admin-a", OrgID: "org-a", Name: "x", Role: acctmap.RoleAdmin}, acctmap.ErrConflict},
		{"bad permission bits", acctmap.User{OrgID: "org-a", Name: "x", Role: acctmap.RolePartnerManager, Permissions: 0x80}, acctmap.ErrInvalidInput},
	} {
		_, err := w.net.AddUser(ctx, tc.user)
		wantErr(t, tc.name, err, tc.want)
	}
	off, err := w.adminA.CreateOfflinePartner(ctx, "Offline Co")
	wantErr(t, "CreateOfflinePartner", err, nil)
	_, err = w.net.AddUser(ctx, acctmap.User{OrgID: off.ID, Name: "x", Role: acctmap.RoleAdmin})
	wantErr(t, "user in offline org", err, acctmap.ErrInvalidInput)

	// Roles normalize permissions: admins hold all, readers none.
	me, err := w.adminA.Me(ctx)
	wantErr(t, "Me", err, nil)
	if me.Permissions != acctmap.AllPermissions {
		t.Errorf("admin permissions = %v, want all", me.Permissions)
	}
	u, err := w.net.AddUser(ctx, acctmap.User{OrgID: "org-a", Name: "r", Role: acctmap.RoleReadOnly, Permissions: acctmap.AllPermissions})
	wantErr(t, "AddUser reader", err, nil)
	if u.Permissions != 0 {
		t.Errorf("reader permissions = %v, want none", u.Permissions)
	}

	// Role changes apply on the next call; removed users can do nothing.
	_, err = w.readerA.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM"})
	wantErr(t, "reader creates data source", err, acctmap.ErrPermissionDenied)
	wantErr(t, "SetRole", w.net.SetRole(ctx, "reader-a", acctmap.RolePartnerManager, acctmap.ManageDataSources), nil)
	_, err = w.readerA.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM"})
	wantErr(t, "promoted reader creates data source", err, nil)
	wantErr(t, "SetRole bad", w.net.SetRole(ctx, "reader-a", "boss", 0), acctmap.ErrInvalidInput)
	wantErr(t, "SetRole unknown", w.net.SetRole(ctx, "nobody", acctmap.RoleAdmin, 0), acctmap.ErrNotFound)
	wantErr(t, "RemoveUser", w.net.RemoveUser(ctx, "reader-a"), nil)
	_, err = w.readerA.Me(ctx)
	wantErr(t, "removed user", err, acctmap.ErrPermissionDenied)
	_, err = w.net.As("ghost").Users(ctx)
	wantErr(t, "unknown user", err, acctmap.ErrPermissionDenied)

	users, err := w.adminA.Users(ctx)
	wantErr(t, "Users", err, nil)
	var ids []string
	for _, u := range users {
		if u.OrgID != "org-a" {
			t.Errorf("Users() returned user %q of org %q", u.ID, u.OrgID)
		}
		ids = append(ids, u.ID)
	}
	if len(ids) != 6 {
		t.Errorf("Users() = %v, want the 6 users left in org-a", ids)
	}
}

func TestSetLimitsAndDeleteOrg(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	wantErr(t, "negative", w.net.SetLimits(ctx, "org-a", acctmap.Limits{MaxOfflinePartners: -1}), acctmap.ErrInvalidInput)
	wantErr(t, "unknown org", w.net.SetLimits(ctx, "nope", acctmap.Limits{}), acctmap.ErrNotFound)
	wantErr(t, "SetLimits", w.net.SetLimits(ctx, "org-a", acctmap.Limits{MaxOfflinePartners: 1}), nil)
	_, err := w.adminA.CreateOfflinePartner(ctx, "First")
	wantErr(t, "first offline partner", err, nil)
	_, err = w.adminA.CreateOfflinePartner(ctx, "Second")
	wantErr(t, "second offline partner", err, acctmap.ErrLimitExceeded)

	partner(t, w.adminA, w.adminB, "org-b", "org-a")
	wantErr(t, "DeleteOrg", w.net.DeleteOrg(ctx, "org-a"), nil)
	d := dumpStore(t, w.store)
	for _, o := range d.Orgs {
		if o.ID == "org-a" || o.OfflineOf == "org-a" {
			t.Errorf("org %q left after deleting org-a", o.ID)
		}
	}
	if len(d.Partnerships["org-b"]) != 0 {
		t.Errorf("org-b still has partnerships %v after org-a was deleted", d.Partnerships["org-b"])
	}
	_, err = w.adminA.Me(ctx)
	wantErr(t, "user of deleted org", err, acctmap.ErrPermissionDenied)
}

func TestPermissionString(t *testing.T) {
	t.Parallel()
	for p, want := range map[acctmap.Permission]string{
		0:                         "none",
		acctmap.ManageSharing:     "manage sharing",
		acctmap.AllPermissions:    "manage data sources+manage partnerships+manage sharing+export records",
		acctmap.ManageDataSources: "manage data sources",
	} {
		if got := p.String(); got != want {
			t.Errorf("Permission(%d).String() = %q, want %q", p, got, want)
		}
	}
}
