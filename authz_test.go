package acctmap_test

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/fieldtype"
	"github.com/acctmap/acctmap/memstore"
	"github.com/acctmap/acctmap/normalize"
	"github.com/acctmap/acctmap/storetest"
)

// TestAuthorization calls every exported method of Actor as every role of
// org acme — admin, a partner manager holding each permission alone,
// read-only, a removed user and an unknown one — against the data of every
// relation acme can have with an org (see azRelations), and checks:
//
//   - the call is allowed, or fails with exactly the sentinel the table
//     says (and no other sentinel);
//   - a refused call changed nothing (storetest.Dump before and after);
//   - a refused call's message holds no data of another org that the
//     caller did not pass in: names, record values, field names, and the
//     ids of orgs acme has no relation with.
//
// Users without the permission a method needs, and removed and unknown
// users, get ErrPermissionDenied whatever the target; the table gives the
// outcome for a user holding the permission. Methods without a target org
// have one column. The test fails when Actor has a method the table lacks.
//
// AUTHZ_PRINT=1 prints the observed outcomes as a table.
func TestAuthorization(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := buildAZWorld(t)

	covered := map[string]bool{}
	for _, m := range azMethods {
		covered[strings.Fields(m.name)[0]] = true
	}
	typ := reflect.TypeFor[*acctmap.Actor]()
	for i := range typ.NumMethod() {
		if name := typ.Method(i).Name; !covered[name] {
			t.Errorf("Actor.%s is not in the authorization table", name)
		}
	}

	var store *commitCounter
	var net *acctmap.Network
	fresh := func() {
		store = &commitCounter{Store: memstore.New()}
		mustDo(t, "restore", restore(ctx, store, w.base))
		net = acctmap.New(store, acctmap.WithClock(fixedClock()), acctmap.WithNormalizer(w.norm))
	}
	fresh()
	var table strings.Builder
	cells := 0
	leaked := map[string]bool{}
	for _, m := range azMethods {
		rels := azRelations
		if m.want == "" {
			rels = []string{"-"}
		}
		wants := strings.Fields(m.want)
		if m.want == "" {
			wants = []string{"ok"}
		}
		if len(wants) != len(rels) {
			t.Fatalf("%s: %d outcomes for %d relations", m.name, len(wants), len(rels))
		}
		for _, role := range azRoles {
			fmt.Fprintf(&table, "%-28s %-12s", m.name, role.name)
			for ri, rel := range rels {
				cells++
				tg := w.targets[rel]
				want := wants[ri]
				if !role.member || !role.perms.Has(m.perm) {
					want = "denied"
				}
				commits := store.commits.Load()
				_, err := m.call(ctx, net.As(role.user), w, tg)
				got := azOutcome(err)
				fmt.Fprintf(&table, " %-11s", got)
				if got != want {
					t.Errorf("%s as %s on %s: got %s (%v), want %s", m.name, role.name, rel, got, err, want)
				}
				if err == nil {
					if m.writes {
						fresh()
					}
					continue
				}
				// A store's Updates are atomic (storetest proves it): a refused
				// call that committed none changed nothing. One that did is
				// checked in full.
				if store.commits.Load() != commits {
					if d := diffSnapshots(w.base, snapshot(t, store.Store)); d != "" {
						t.Errorf("%s as %s on %s was refused (%v) but changed the store (-before +after):\n%s", m.name, role.name, rel, err, d)
					}
					fresh()
				}
				var named []string
				if m.args != nil {
					named = m.args(w, tg)
				}
				for _, s := range w.secretsFor(role, named) {
					if strings.Contains(err.Error(), s) && !leaked[m.name+" "+rel] {
						leaked[m.name+" "+rel] = true // once, whatever the role
						t.Errorf("%s on %s: the error %q holds %q, data of another org that the call did not name", m.name, rel, err, s)
					}
				}
			}
			table.WriteByte('\n')
		}
	}
	if os.Getenv("AUTHZ_PRINT") != "" {
		fmt.Printf("%-28s %-12s %s\n%s", "method", "role", strings.Join(azRelations, " "), table.String())
	}
	t.Logf("%d methods, %d roles, %d calls", len(azMethods), len(azRoles), cells)
}

// azRelations are the relations of org acme with a target org, in the
// order of azMethod.want:
//
//	own         acme itself
//	partner     an accepted partner, sharing its Customers at FullPopulation
//	offline     an offline partner of acme
//	otheroff    an offline partner of another org (xorg, a stranger to acme)
//	revoked     a partnership acme revoked
//	pendingin   an org whose invite acme has not answered
//	pendingout  an org that has not answered acme's invite
//	stranger    an org with no relation to acme
var azRelations = []string{"own", "partner", "offline", "otheroff", "revoked", "pendingin", "pendingout", "stranger"}

// azRole is a user calling as acme.
type azRole struct {
	name   string
	user   string
	member bool // the user exists in acme
	perms  acctmap.Permission
}

var azRoles = []azRole{
	{"admin", "acme-admin", true, acctmap.AllPermissions},
	{"pm-data", "acme-pm-data", true, acctmap.ManageDataSources},
	{"pm-partners", "acme-pm-partners", true, acctmap.ManagePartnerships},
	{"pm-sharing", "acme-pm-sharing", true, acctmap.ManageSharing},
	{"pm-export", "acme-pm-export", true, acctmap.ExportRecords},
	{"read-only", "acme-reader", true, 0},
	{"removed", "acme-removed", false, 0},
	{"unknown", "nobody", false, 0},
}

// azTarget is the data of one relation.
type azTarget struct {
	rel               string
	org, ds, pop, rec string
	req               string // a pending share request from org to acme, or a missing id
	hiddenPop         string // a population org hides from acme, if any
	countsPop         string // a population org shares with acme at counts only, if any
	thread            string // a thread of acme's with org, if any (threads_authz_test.go)
}

// azMethod is one row of the table: a method (with a variant after a
// space), the permission it needs, and the outcome per relation for a
// user holding it: ok, denied (ErrPermissionDenied), notpartners,
// notfound, invalid, conflict, notshared, limit.
type azMethod struct {
	name   string
	perm   acctmap.Permission
	writes bool
	want   string // "" for methods without a target
	// args are the ids the call names: an error may repeat them.
	args func(w *azWorld, tg azTarget) []string
	call func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error)
}

const (
	mDS = acctmap.ManageDataSources
	mPa = acctmap.ManagePartnerships
	mSh = acctmap.ManageSharing
)

var azMethods = []azMethod{
	// No target.
	{name: "Me", call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) { return a.Me(ctx) }},
	{name: "Users", call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) { return a.Users(ctx) }},
	{name: "Partnerships", call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
		return a.Partnerships(ctx)
	}},
	{name: "Partners", call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
		return a.Partners(ctx)
	}},
	{name: "OfflinePartners", call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
		return a.OfflinePartners(ctx)
	}},
	{name: "FieldPresets", call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
		return a.FieldPresets(ctx)
	}},
	{name: "Ecosystem", call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
		return a.Ecosystem(ctx)
	}},
	// The feed and the audit trail (events.go, audit.go; noninterference_events_test.go).
	{name: "Events", call: azEvents},
	{name: "WaitEvents", call: azWaitEvents},
	{name: "AuditLog", perm: acctmap.AllPermissions, call: azAuditLog},
	{name: "SaveFieldPreset", perm: mSh, writes: true, call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
		return nil, a.SaveFieldPreset(ctx, "new preset", []string{"name"})
	}},
	{name: "DeleteFieldPreset", perm: mSh, writes: true, call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
		return nil, a.DeleteFieldPreset(ctx, "basics")
	}},
	{name: "CreateOfflinePartner", perm: mPa | mDS, writes: true, call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
		return a.CreateOfflinePartner(ctx, "New reseller")
	}},
	// Count policies name any org id: a policy for an id that is no
	// partner (yet) tells nothing.
	{name: "SetCountPolicy", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org} }, perm: mSh, writes: true, want: "invalid ok ok ok ok ok ok ok",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return nil, a.SetCountPolicy(ctx, tg.org, acctmap.CountPolicy{MinCellSize: 5})
		}},
	{name: "CountPolicyFor", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org} }, want: "ok ok ok ok ok ok ok ok",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.CountPolicyFor(ctx, tg.org)
		}},

	// Partnerships.                           own         partner     offline     otheroff    revoked     pendingin   pendingout  stranger
	{name: "Invite", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org} }, perm: mPa, writes: true, want: "invalid conflict invalid notfound ok conflict conflict ok",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.Invite(ctx, tg.org)
		}},
	{name: "Accept", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org} }, perm: mPa, writes: true, want: "notfound conflict notfound notfound conflict ok denied notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.Accept(ctx, tg.org)
		}},
	{name: "Decline", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org} }, perm: mPa, writes: true, want: "notfound conflict notfound notfound conflict ok denied notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.Decline(ctx, tg.org)
		}},
	{name: "CancelInvite", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org} }, perm: mPa, writes: true, want: "notfound conflict notfound notfound conflict denied ok notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.CancelInvite(ctx, tg.org)
		}},
	{name: "Revoke", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org} }, perm: mPa, writes: true, want: "notfound ok notfound notfound notpartners notpartners notpartners notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.Revoke(ctx, tg.org)
		}},
	{name: "PartnerUsers", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org} }, want: "notpartners ok notpartners notpartners notpartners notpartners notpartners notpartners",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.PartnerUsers(ctx, tg.org)
		}},
	{name: "DeleteOfflinePartner", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org} }, perm: mPa | mDS, writes: true, want: "invalid notfound ok notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return nil, a.DeleteOfflinePartner(ctx, tg.org)
		}},

	// Data sources and records.
	{name: "CreateDataSource", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org} }, perm: mDS, writes: true, want: "ok notfound ok notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.CreateDataSource(ctx, acctmap.NewDataSource{OrgID: tg.org, Name: "Another upload"})
		}},
	{name: "DataSources", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org} }, want: "ok notfound ok notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.DataSources(ctx, tg.org)
		}},
	{name: "DataSource", args: func(w *azWorld, tg azTarget) []string { return []string{tg.ds} }, want: "ok notfound ok notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.DataSource(ctx, tg.ds)
		}},
	{name: "DeleteDataSource", args: func(w *azWorld, tg azTarget) []string { return []string{tg.ds} }, perm: mDS, writes: true, want: "ok notfound ok notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return nil, a.DeleteDataSource(ctx, tg.ds)
		}},
	{name: "SetFieldTypes", args: func(w *azWorld, tg azTarget) []string { return []string{tg.ds} }, perm: mDS, writes: true, want: "ok notfound ok notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.SetFieldTypes(ctx, tg.ds, fieldtype.US, map[string]fieldtype.Type{"ARR": {Kind: fieldtype.Money}})
		}},
	{name: "Record", args: func(w *azWorld, tg azTarget) []string { return []string{tg.ds, tg.rec} }, want: "ok notfound ok notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.Record(ctx, tg.ds, tg.rec)
		}},
	{name: "UpsertRecords", args: func(w *azWorld, tg azTarget) []string { return []string{tg.ds} }, perm: mDS, writes: true, want: "ok notfound invalid notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.UpsertRecords(ctx, tg.ds, []acctmap.RecordInput{{ID: "new", Name: "New Co", Website: "newco.com"}})
		}},
	{name: "PushRecords", args: func(w *azWorld, tg azTarget) []string { return []string{tg.ds} }, perm: mDS, writes: true, want: "ok notfound invalid notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.PushRecords(ctx, tg.ds, []acctmap.RecordInput{{ID: "new", Name: "New Co", Website: "newco.com"}}, acctmap.PushOptions{})
		}},
	{name: "ReplaceRecords", args: func(w *azWorld, tg azTarget) []string { return []string{tg.ds} }, perm: mDS, writes: true, want: "ok notfound invalid notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.ReplaceRecords(ctx, tg.ds, []acctmap.RecordInput{{ID: "new", Name: "New Co", Website: "newco.com"}})
		}},
	{name: "DeleteRecords", args: func(w *azWorld, tg azTarget) []string { return []string{tg.ds, tg.rec} }, perm: mDS, writes: true, want: "ok notfound invalid notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.DeleteRecords(ctx, tg.ds, []string{tg.rec})
		}},
	{name: "ImportCSV", args: func(w *azWorld, tg azTarget) []string { return []string{tg.ds} }, perm: mDS, writes: true, want: "invalid notfound ok notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.ImportCSV(ctx, tg.ds, strings.NewReader("Company,Website\nNew Co,newco.com\n"), acctmap.CSVImport{Mapping: nameWebsite})
		}},
	{name: "SetPrivate", args: func(w *azWorld, tg azTarget) []string { return []string{tg.ds, tg.rec} }, perm: mSh, writes: true, want: "ok notfound ok notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.SetPrivate(ctx, tg.ds, []string{tg.rec}, true)
		}},
	{name: "MarkNotSameCompany", args: func(w *azWorld, tg azTarget) []string { return []string{tg.ds, tg.rec} }, perm: mDS, writes: true, want: "invalid ok ok notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return nil, a.MarkNotSameCompany(ctx, w.own.ds, w.own.rec2, tg.ds, tg.rec)
		}},
	{name: "UnmarkNotSameCompany", args: func(w *azWorld, tg azTarget) []string { return []string{tg.ds, tg.rec} }, perm: mDS, writes: true, want: "invalid ok ok notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return nil, a.UnmarkNotSameCompany(ctx, w.own.ds, w.own.rec, tg.ds, tg.rec)
		}},

	// Populations.
	{name: "Populations", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org} }, want: "ok notfound ok notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.Populations(ctx, tg.org)
		}},
	{name: "Population", args: func(w *azWorld, tg azTarget) []string { return []string{tg.pop} }, want: "ok notfound ok notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.Population(ctx, tg.pop)
		}},
	{name: "CreatePopulation", args: func(w *azWorld, tg azTarget) []string { return []string{tg.ds} }, perm: mDS, writes: true, want: "ok notfound ok notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: tg.ds, Kind: acctmap.Prospects})
		}},
	{name: "UpdatePopulation", args: func(w *azWorld, tg azTarget) []string { return []string{tg.pop} }, perm: mDS, writes: true, want: "ok notfound ok notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.UpdatePopulation(ctx, tg.pop, acctmap.PopulationSpec{Description: "changed"})
		}},
	{name: "DeletePopulation", args: func(w *azWorld, tg azTarget) []string { return []string{tg.pop} }, perm: mDS, writes: true, want: "ok notfound ok notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return nil, a.DeletePopulation(ctx, tg.pop)
		}},
	{name: "PreviewPopulation", args: func(w *azWorld, tg azTarget) []string { return []string{tg.ds} }, want: "ok notfound ok notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.PreviewPopulation(ctx, tg.ds, acctmap.Filter{}, 10)
		}},

	// Sharing.
	{name: "SetShareRule population", args: func(w *azWorld, tg azTarget) []string { return []string{tg.pop} }, perm: mSh, writes: true, want: "ok notfound invalid notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return nil, a.SetShareRule(ctx, tg.pop, w.targets["partner"].org, acctmap.ShareRule{Level: acctmap.Hidden})
		}},
	{name: "SetShareRule partner", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org} }, perm: mSh, writes: true, want: "invalid ok ok ok ok ok ok ok",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return nil, a.SetShareRule(ctx, w.own.pop, tg.org, acctmap.ShareRule{Level: acctmap.FullPopulation, Fields: []string{"name"}})
		}},
	{name: "RemoveShareRule", args: func(w *azWorld, tg azTarget) []string { return []string{tg.pop} }, perm: mSh, writes: true, want: "ok notfound ok notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return nil, a.RemoveShareRule(ctx, tg.pop, w.targets["partner"].org)
		}},
	{name: "PartnerPopulations", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org} }, want: "ok ok ok notpartners notpartners notpartners notpartners notpartners",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.PartnerPopulations(ctx, tg.org)
		}},
	{name: "PartnerPopulations hidden", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org} }, want: "ok ok ok notpartners notpartners notpartners notpartners notpartners",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			infos, err := a.PartnerPopulations(ctx, tg.org)
			for _, in := range infos {
				if tg.hiddenPop != "" && in.ID == tg.hiddenPop {
					return nil, fmt.Errorf("the hidden population %s is listed: %w", in.ID, errLeak)
				}
			}
			return infos, err
		}},
	{name: "Partner", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org} }, want: "notfound ok ok notfound notfound ok ok notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			p, err := a.Partner(ctx, tg.org)
			for _, in := range p.Populations {
				if tg.hiddenPop != "" && in.ID == tg.hiddenPop {
					return nil, fmt.Errorf("the hidden population %s is listed: %w", in.ID, errLeak)
				}
			}
			return p, err
		}},
	{name: "RequestShare", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org, tg.pop} }, perm: mSh, writes: true, want: "notpartners ok notpartners notpartners notpartners notpartners notpartners notpartners",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.RequestShare(ctx, tg.org, tg.pop, acctmap.OverlappingRecords, []string{"name"}, "please")
		}},
	{name: "RequestShare hidden", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org, tg.pop, tg.hiddenPop} }, perm: mSh, writes: true, want: "notpartners notfound notpartners notpartners notpartners notpartners notpartners notpartners",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			pop := tg.hiddenPop
			if pop == "" {
				pop = tg.pop
			}
			return a.RequestShare(ctx, tg.org, pop, acctmap.OverlappingRecords, []string{"name"}, "please")
		}},
	{name: "ShareRequests", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org} }, want: "notpartners ok notpartners notpartners notpartners notpartners notpartners notpartners",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.ShareRequests(ctx, tg.org)
		}},
	{name: "ApproveShareRequest", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org, tg.req} }, perm: mSh, writes: true, want: "notpartners ok notpartners notpartners notfound notfound notfound notpartners",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.ApproveShareRequest(ctx, tg.org, tg.req)
		}},
	{name: "DeclineShareRequest", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org, tg.req} }, perm: mSh, writes: true, want: "notpartners ok notpartners notpartners notfound notfound notfound notpartners",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.DeclineShareRequest(ctx, tg.org, tg.req)
		}},

	// Matrices and reports.
	{name: "Matrix", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org} }, want: "invalid ok ok notpartners notpartners notpartners notpartners notpartners",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.Matrix(ctx, tg.org)
		}},
	// A report on acme itself as the partner is acme's own data: allowed,
	// where Matrix refuses it (ErrInvalidInput).
	{name: "Report", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org, tg.pop} }, want: "invalid ok ok notpartners notpartners notpartners notpartners notpartners",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.Report(ctx, acctmap.ReportSpec{Partner: tg.org, Population: w.own.pop, PartnerPopulation: tg.pop})
		}},
	{name: "Report hidden", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org, tg.pop, tg.hiddenPop} }, want: "invalid notfound ok notpartners notpartners notpartners notpartners notpartners",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			pop := tg.hiddenPop
			if pop == "" {
				pop = tg.pop
			}
			return a.Report(ctx, acctmap.ReportSpec{Partner: tg.org, Population: w.own.pop, PartnerPopulation: pop})
		}},
	{name: "Report theirs", args: func(w *azWorld, tg azTarget) []string { return []string{w.otherPop(tg)} }, want: "notfound notfound notfound notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			// Population must be one of the viewer's own; here it is the target's.
			return a.Report(ctx, acctmap.ReportSpec{Partner: w.targets["partner"].org, Population: w.otherPop(tg), PartnerPopulation: w.targets["partner"].pop})
		}},
	{name: "Report counts", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org, tg.countsPop, tg.pop} }, want: "invalid notshared ok notpartners notpartners notpartners notpartners notpartners",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.Report(ctx, acctmap.ReportSpec{Partner: tg.org, Population: w.own.pop, PartnerPopulation: cmp.Or(tg.countsPop, tg.pop)})
		}},
	{name: "PartnerRecords counts", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org, tg.countsPop, tg.pop} }, want: "invalid notshared ok notpartners notpartners notpartners notpartners notpartners",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.PartnerRecords(ctx, acctmap.ReportSpec{Partner: tg.org, PartnerPopulation: cmp.Or(tg.countsPop, tg.pop)})
		}},
	{name: "ExportReport", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org, tg.pop} }, perm: acctmap.ExportRecords, writes: true, want: "invalid ok ok notpartners notpartners notpartners notpartners notpartners",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			var buf bytes.Buffer
			n, err := a.ExportReport(ctx, acctmap.ReportSpec{Partner: tg.org, Population: w.own.pop, PartnerPopulation: tg.pop}, &buf)
			if err != nil && buf.Len() > 0 {
				return nil, fmt.Errorf("a failed export wrote %d bytes: %w", buf.Len(), errLeak)
			}
			return n, err
		}},
	// People (people.go): the world has no people, so the partner's
	// account population is no people population, and acme's is none.
	{name: "PeopleMatrix", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org} }, want: "invalid ok ok notpartners notpartners notpartners notpartners notpartners",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.PeopleMatrix(ctx, tg.org)
		}},
	{name: "PeopleAtPartnerAccounts", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org} }, want: "invalid ok ok notpartners notpartners notpartners notpartners notpartners",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.PeopleAtPartnerAccounts(ctx, tg.org)
		}},
	{name: "PeopleReport", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org, tg.pop} }, want: "invalid notfound notfound notpartners notpartners notpartners notpartners notpartners",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.PeopleReport(ctx, acctmap.ReportSpec{Partner: tg.org, Population: w.own.pop, PartnerPopulation: tg.pop})
		}},
	{name: "PeopleAtPartnerAccountsReport", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org, tg.pop} }, want: "invalid invalid invalid notpartners notpartners notpartners notpartners notpartners",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.PeopleAtPartnerAccountsReport(ctx, acctmap.ReportSpec{Partner: tg.org, Population: w.own.pop, PartnerPopulation: tg.pop})
		}},
	{name: "PartnerRecords", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org, tg.pop} }, want: "invalid ok ok notpartners notpartners notpartners notpartners notpartners",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.PartnerRecords(ctx, acctmap.ReportSpec{Partner: tg.org, PartnerPopulation: tg.pop})
		}},
	{name: "AccountMapping", args: func(w *azWorld, tg azTarget) []string { return []string{tg.pop} }, want: "ok notfound notfound notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.AccountMapping(ctx, tg.pop)
		}},
	{name: "AccountMappingSeq", args: func(w *azWorld, tg azTarget) []string { return []string{tg.pop} }, want: "ok notfound notfound notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return collectSeq(a.AccountMappingSeq(ctx, tg.pop))
		}},
	{name: "ReportRows", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org, tg.pop} }, want: "invalid ok ok notpartners notpartners notpartners notpartners notpartners",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return collectSeq(a.ReportRows(ctx, acctmap.ReportSpec{Partner: tg.org, Population: w.own.pop, PartnerPopulation: tg.pop}))
		}},
	{name: "Records", args: func(w *azWorld, tg azTarget) []string { return []string{tg.ds} }, want: "ok notfound ok notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return collectSeq(a.Records(ctx, tg.ds, acctmap.Filter{}))
		}},
}

// errLeak marks a result that shows what it must not.
var errLeak = fmt.Errorf("LEAK")

// azOutcome names the sentinel err wraps.
func azOutcome(err error) string {
	if err == nil {
		return "ok"
	}
	names := map[string]string{
		acctmap.ErrNotFound.Error(): "notfound", acctmap.ErrPermissionDenied.Error(): "denied", acctmap.ErrNotPartners.Error(): "notpartners",
		acctmap.ErrInvalidInput.Error(): "invalid", acctmap.ErrConflict.Error(): "conflict", acctmap.ErrLimitExceeded.Error(): "limit",
		acctmap.ErrNotShared.Error(): "notshared",
	}
	s := sentinelOf(err)
	if strings.Contains(err.Error(), errLeak.Error()) {
		return "LEAK"
	}
	if n, ok := names[s]; ok {
		return n
	}
	if s == "" {
		return "nosentinel"
	}
	return "several:" + s
}

// azWorld is the network the table runs on, built once through the API
// and restored into a fresh store whenever a call may have changed it.
type azWorld struct {
	base    storetest.Snapshot
	norm    *normalize.Normalizer
	targets map[string]azTarget
	own     struct{ ds, pop, rec, rec2 string }
	// secrets maps an org id to the strings of its data.
	secrets map[string][]string
	// orgOf maps an org id to the org whose data it is (an offline
	// partner's owner).
	owner map[string]string
	// attribution is one of acme's (threads_authz_test.go).
	attribution string
}

// otherPop returns the target's population, or for acme itself another
// org's, so that "Report theirs" always names a population not acme's.
func (w *azWorld) otherPop(tg azTarget) string {
	if tg.rel == "own" || tg.rel == "offline" {
		return w.targets["stranger"].pop
	}
	return tg.pop
}

// secretsFor returns what an error to role about tg must not hold: the
// data of every org but acme and its offline partner (all of it for users
// that are not acme's), except what the call named.
func (w *azWorld) secretsFor(role azRole, named []string) []string {
	var out []string
	for org, ss := range w.secrets {
		if role.member && (org == "acme" || w.owner[org] == "acme") {
			continue
		}
		for _, s := range ss {
			if !slices.Contains(named, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// buildAZWorld builds the network: acme with users of every role, a pushed
// data source and populations; an org of each relation, each with a
// pushed data source (a CSV one for offline partners) of records whose
// every value carries the marker "zz", a Customers population, and for the
// partner a hidden custom population.
func buildAZWorld(t *testing.T) *azWorld {
	t.Helper()
	ctx := context.Background()
	w := &azWorld{norm: normalize.New(), targets: map[string]azTarget{}, secrets: map[string][]string{}, owner: map[string]string{}}
	store := memstore.New()
	net := acctmap.New(store, acctmap.WithClock(fixedClock()), acctmap.WithNormalizer(w.norm))

	orgs := []string{"acme", "partner", "revoked", "inviter", "invitee", "stranger", "xorg"}
	for _, o := range orgs {
		must[acctmap.Org](t, "CreateOrg")(net.CreateOrg(ctx, acctmap.Org{ID: o, Name: o + " Inc zz"}))
		must[acctmap.User](t, "AddUser")(net.AddUser(ctx, acctmap.User{ID: o + "-admin", OrgID: o, Name: o + " admin zz", Email: o + "-admin@zz.example", Role: acctmap.RoleAdmin}))
	}
	for _, r := range azRoles[1:] {
		if r.user == "nobody" {
			continue
		}
		role := acctmap.RolePartnerManager
		if r.perms == 0 {
			role = acctmap.RoleReadOnly
		}
		must[acctmap.User](t, "AddUser")(net.AddUser(ctx, acctmap.User{ID: r.user, OrgID: "acme", Name: r.name, Role: role, Permissions: r.perms}))
	}
	mustDo(t, "RemoveUser", net.RemoveUser(ctx, "acme-removed"))
	as := func(org string) *acctmap.Actor { return net.As(org + "-admin") }

	// Data: the same four companies everywhere, so that everything overlaps.
	records := func(org string) []acctmap.RecordInput {
		var in []acctmap.RecordInput
		for i := 1; i <= 4; i++ {
			in = append(in, acctmap.RecordInput{
				ID: fmt.Sprintf("%s-rec%dzz", org, i), Name: fmt.Sprintf("Company%d %s zz", i, org),
				Website: fmt.Sprintf("https://company%d.com/%szz", i, org),
				Fields:  map[string]string{"Stage": "Customer", "Secret " + org + "zz": fmt.Sprintf("%s secret value %dzz", org, i)},
			})
		}
		return in
	}
	customers := acctmap.Filter{All: []acctmap.Condition{{Field: "Stage", Op: acctmap.Equals, Value: "Customer"}}}
	fill := func(a *acctmap.Actor, org string, offline bool) azTarget {
		tg := azTarget{org: org}
		kind := acctmap.PushedSource
		if offline {
			kind = acctmap.CSVSource
		}
		ds := must[acctmap.DataSource](t, "CreateDataSource")(a.CreateDataSource(ctx, acctmap.NewDataSource{OrgID: org, Name: org + " data zz", Kind: kind}))
		if offline {
			var csv strings.Builder
			fmt.Fprintf(&csv, "Id,Company,Website,Stage,Secret %szz\n", org)
			for _, r := range records(org) {
				fmt.Fprintf(&csv, "%s,%s,%s,Customer,%s\n", r.ID, r.Name, r.Website, r.Fields["Secret "+org+"zz"])
			}
			must[acctmap.ImportSummary](t, "ImportCSV")(a.ImportCSV(ctx, ds.ID, strings.NewReader(csv.String()),
				acctmap.CSVImport{Mapping: csvsource.Mapping{Name: "Company", Website: "Website", ID: "Id"}}))
		} else {
			must[acctmap.ImportSummary](t, "UpsertRecords")(a.UpsertRecords(ctx, ds.ID, records(org)))
		}
		pop := must[acctmap.Population](t, "CreatePopulation")(a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Customers, Filter: customers}))
		tg.ds, tg.pop, tg.rec, tg.req = ds.ID, pop.ID, org+"-rec1zz", "req-missing"
		return tg
	}
	own := fill(as("acme"), "acme", false)
	w.own.ds, w.own.pop, w.own.rec, w.own.rec2 = own.ds, own.pop, own.rec, "acme-rec2zz"
	own.rel = "own"
	w.targets["own"] = own
	mustDo(t, "SaveFieldPreset", as("acme").SaveFieldPreset(ctx, "basics", []string{"name"}))

	for _, o := range orgs[1:] {
		tg := fill(as(o), o, false)
		tg.rel = o
		w.targets[o] = tg
	}
	off := must[acctmap.Org](t, "CreateOfflinePartner")(as("acme").CreateOfflinePartner(ctx, "acme reseller zz"))
	w.targets["offline"] = fill(as("acme"), off.ID, true)
	xoff := must[acctmap.Org](t, "CreateOfflinePartner")(as("xorg").CreateOfflinePartner(ctx, "xorg reseller zz"))
	w.targets["otheroff"] = fill(as("xorg"), xoff.ID, true)
	w.owner[off.ID], w.owner[xoff.ID] = "acme", "xorg"

	// Relations.
	partner(t, as("acme"), as("partner"), "partner", "acme")
	partner(t, as("acme"), as("revoked"), "revoked", "acme")
	must[acctmap.Partnership](t, "Invite")(as("inviter").Invite(ctx, "acme"))
	must[acctmap.Partnership](t, "Invite")(as("acme").Invite(ctx, "invitee"))

	// The partner shares its Customers in full (three fields), hides a
	// custom population, and has a pending request of acme's Customers;
	// so has the revoked org, from before the revocation.
	p := w.targets["partner"]
	mustDo(t, "SetShareRule", as("partner").SetShareRule(ctx, p.pop, "acme", acctmap.ShareRule{Level: acctmap.FullPopulation, Fields: []string{"name", "website", "id"}}))
	hidden := must[acctmap.Population](t, "CreatePopulation")(as("partner").CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: p.ds, Kind: acctmap.Custom, Name: "partner hidden zz"}))
	mustDo(t, "SetShareRule", as("partner").SetShareRule(ctx, hidden.ID, "", acctmap.ShareRule{Level: acctmap.Hidden}))
	p.hiddenPop = hidden.ID
	p.countsPop = must[acctmap.Population](t, "CreatePopulation")(as("partner").CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: p.ds, Kind: acctmap.Prospects})).ID
	p.req = must[acctmap.ShareRequest](t, "RequestShare")(as("partner").RequestShare(ctx, "acme", w.own.pop, acctmap.OverlappingRecords, []string{"name"}, "partner asks zz")).ID
	w.targets["partner"] = p
	r := w.targets["revoked"]
	r.req = must[acctmap.ShareRequest](t, "RequestShare")(as("revoked").RequestShare(ctx, "acme", w.own.pop, acctmap.OverlappingRecords, []string{"name"}, "revoked asks zz")).ID
	w.targets["revoked"] = r
	azThreads(t, w, as) // threads_authz_test.go
	must[acctmap.Partnership](t, "Revoke")(as("acme").Revoke(ctx, "revoked"))

	// Marks to undo, with the partner and the offline partner.
	mustDo(t, "Mark", as("acme").MarkNotSameCompany(ctx, w.own.ds, w.own.rec, p.ds, p.rec))
	mustDo(t, "Mark", as("acme").MarkNotSameCompany(ctx, w.own.ds, w.own.rec, w.targets["offline"].ds, w.targets["offline"].rec))

	// The table's targets by relation name.
	rename := map[string]string{"revoked": "revoked", "inviter": "pendingin", "invitee": "pendingout", "stranger": "stranger", "partner": "partner"}
	for from, to := range rename {
		tg := w.targets[from]
		tg.rel = to
		delete(w.targets, from)
		w.targets[to] = tg
	}
	w.targets["offline"] = withRel(w.targets["offline"], "offline")
	w.targets["otheroff"] = withRel(w.targets["otheroff"], "otheroff")
	delete(w.targets, "xorg")
	for _, rel := range azRelations {
		if w.targets[rel].org == "" {
			t.Fatalf("no target for relation %s", rel)
		}
	}

	w.base = snapshot(t, store)
	// Secrets: every string of an org's data with the marker, and the ids
	// of the orgs acme has no relation with.
	add := func(org, s string) {
		if strings.Contains(s, "zz") {
			w.secrets[org] = append(w.secrets[org], s)
		}
	}
	for _, o := range w.base.Orgs {
		add(o.ID, o.Name)
		if slices.Contains([]string{"stranger", "xorg"}, o.ID) || w.owner[o.ID] == "xorg" {
			w.secrets[o.ID] = append(w.secrets[o.ID], o.ID)
		}
	}
	for _, u := range w.base.Users {
		add(u.OrgID, u.Name)
		add(u.OrgID, u.Email)
	}
	for _, d := range w.base.DataSources {
		add(d.OrgID, d.Name)
		w.secrets[d.OrgID] = append(w.secrets[d.OrgID], d.ID)
		for _, f := range d.Fields {
			add(d.OrgID, f)
		}
		for _, r := range w.base.Records[d.ID] {
			add(d.OrgID, r.ID)
			add(d.OrgID, r.Name)
			add(d.OrgID, r.Website)
			for _, v := range r.Fields {
				add(d.OrgID, v)
			}
		}
	}
	for _, p := range w.base.Populations {
		add(p.OrgID, p.Name)
		w.secrets[p.OrgID] = append(w.secrets[p.OrgID], p.ID)
	}
	return w
}

func withRel(tg azTarget, rel string) azTarget { tg.rel = rel; return tg }
