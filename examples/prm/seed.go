package main

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
)

var (
	//go:embed testdata/ours.csv
	acmeCSV []byte
	//go:embed testdata/partner.csv
	boltCSV []byte
)

// appUser is a user of the embedding app's own directory. A real product
// has its users table and login; the demo's "authentication" is picking one
// of these. Each is mirrored into the network with the same id (AddUser),
// so that a session's user id is the id net.As takes.
type appUser struct {
	ID    string
	OrgID string
	Name  string
	Email string
	Role  acctmap.Role
}

// appOrg is a tenant of the embedding app.
type appOrg struct {
	ID, Name string
}

// directory returns the demo's orgs and users: two orgs, each with an admin
// and a read-only user.
func directory() ([]appOrg, []appUser) {
	return []appOrg{{"acme", "Acme Analytics"}, {"bolt", "Bolt Warehouse"}},
		[]appUser{
			{"ann", "acme", "Ann Archer", "ann@acme.example", acctmap.RoleAdmin},
			{"rita", "acme", "Rita Reed", "rita@acme.example", acctmap.RoleReadOnly},
			{"bob", "bolt", "Bob Brandt", "bob@bolt.example", acctmap.RoleAdmin},
			{"ray", "bolt", "Ray Rossi", "ray@bolt.example", acctmap.RoleReadOnly},
		}
}

// demo is what the seed created that tests and the start-up message refer to.
type demo struct {
	// Pops maps "org/kind" (e.g. "acme/customers", "bolt/eu") to population ids.
	Pops map[string]string
	// DataSources maps an org id to its CRM data source id.
	DataSources map[string]string
	// Offline is Acme's offline partner, with no data yet: the CSV upload
	// and its mapping step fill it.
	Offline string
	// Request is Bolt's pending share request of Acme's prospects.
	Request string
}

// seed provisions the demo network: the orgs and users of directory (the
// embedding app's trusted calls on the Network), then everything else as
// the orgs' admins would do it through the UI (calls on their Actors).
// A network that has the demo orgs already (a PostgreSQL database seeded by
// an earlier run) is left as it is: seeded reports false.
func seed(ctx context.Context, net *acctmap.Network) (d demo, seeded bool, err error) {
	orgs, users := directory()
	if _, err := net.Org(ctx, orgs[0].ID); err == nil {
		return demo{}, false, nil
	} else if !errors.Is(err, acctmap.ErrNotFound) {
		return demo{}, false, err
	}
	for _, o := range orgs {
		if _, err := net.CreateOrg(ctx, acctmap.Org{ID: o.ID, Name: o.Name}); err != nil {
			return demo{}, false, err
		}
		// Plan limits, set by the app as its billing decides.
		if err := net.SetLimits(ctx, o.ID, acctmap.Limits{MaxOfflinePartners: 5, MaxExportedRecords: 10_000}); err != nil {
			return demo{}, false, err
		}
	}
	for _, u := range users {
		if _, err := net.AddUser(ctx, acctmap.User{ID: u.ID, OrgID: u.OrgID, Name: u.Name, Email: u.Email, Role: u.Role}); err != nil {
			return demo{}, false, err
		}
	}
	ann, bob := net.As("ann"), net.As("bob")
	if _, err := ann.Invite(ctx, "bolt"); err != nil {
		return demo{}, false, err
	}
	if _, err := bob.Accept(ctx, "acme"); err != nil {
		return demo{}, false, err
	}

	d = demo{Pops: map[string]string{}, DataSources: map[string]string{}}
	for _, up := range []struct {
		actor *acctmap.Actor
		org   string
		name  string
		data  []byte
		m     csvsource.Mapping
	}{
		{ann, "acme", "Salesforce export (ours.csv)", acmeCSV, csvsource.Mapping{Name: "Account Name", Website: "Website", ID: "Account ID"}},
		{bob, "bolt", "HubSpot export (partner.csv)", boltCSV, csvsource.Mapping{Name: "Company", Website: "Domain"}},
	} {
		ds, err := up.actor.CreateDataSource(ctx, acctmap.NewDataSource{Name: up.name})
		if err != nil {
			return demo{}, false, err
		}
		if _, err := up.actor.ImportCSV(ctx, ds.ID, bytes.NewReader(up.data), acctmap.CSVImport{Mapping: up.m, FileName: up.name}); err != nil {
			return demo{}, false, err
		}
		d.DataSources[up.org] = ds.ID
	}

	for _, p := range []struct {
		actor       *acctmap.Actor
		org, key    string
		kind        acctmap.PopulationKind
		name, field string
		value       string
	}{
		{ann, "acme", "customers", acctmap.Customers, "", "Stage", "Customer"},
		{ann, "acme", "prospects", acctmap.Prospects, "", "Stage", "Prospect"},
		{ann, "acme", "open_opportunities", acctmap.OpenOpportunities, "", "Stage", "Open Opportunity"},
		{bob, "bolt", "customers", acctmap.Customers, "", "Status", "Customer"},
		{bob, "bolt", "prospects", acctmap.Prospects, "", "Status", "Prospect"},
		{bob, "bolt", "eu", acctmap.Custom, "EU accounts", "Region", "EU"},
	} {
		pop, err := p.actor.CreatePopulation(ctx, acctmap.PopulationSpec{
			DataSourceID: d.DataSources[p.org], Kind: p.kind, Name: p.name,
			Filter: acctmap.Filter{All: []acctmap.Condition{{Field: p.field, Op: acctmap.Equals, Value: p.value}}},
		})
		if err != nil {
			return demo{}, false, fmt.Errorf("population %s/%s: %w", p.org, p.key, err)
		}
		d.Pops[p.org+"/"+p.key] = pop.ID
	}

	// Sharing. Acme shows every partner its overlapping customers with the
	// fields of a preset; Bolt shows Acme alone its overlapping customers,
	// and hides its EU segment from everyone. Every other population is
	// shared as counts only, the library's default.
	steps := []func() error{
		func() error {
			return ann.SaveFieldPreset(ctx, "Account basics", []string{acctmap.FieldName, acctmap.FieldWebsite, "Account Owner"})
		},
		func() error {
			return ann.SetShareRule(ctx, d.Pops["acme/customers"], "", acctmap.SharingRule{Level: acctmap.OverlappingRecords, Preset: "Account basics"})
		},
		func() error {
			return bob.SaveFieldPreset(ctx, "CSM contact", []string{acctmap.FieldName, acctmap.FieldWebsite, "CSM", "Region"})
		},
		func() error {
			return bob.SetShareRule(ctx, d.Pops["bolt/customers"], "acme", acctmap.SharingRule{Level: acctmap.OverlappingRecords, Preset: "CSM contact"})
		},
		func() error {
			return bob.SetShareRule(ctx, d.Pops["bolt/eu"], "", acctmap.SharingRule{Level: acctmap.Hidden})
		},
		// A private record: Acme's matrix counts it, with the number
		// hidden from Bolt (HiddenFromPartner); Bolt never sees it.
		func() error {
			_, err := ann.SetPrivate(ctx, d.DataSources["acme"], []string{"A-011"}, true)
			return err
		},
		// A request waiting for Ann: Bolt would like Acme's prospects.
		func() error {
			req, err := bob.RequestShare(ctx, "acme", d.Pops["acme/prospects"], acctmap.OverlappingRecords,
				[]string{acctmap.FieldName, acctmap.FieldWebsite, "Industry"}, "We would like to co-sell to your prospects.")
			d.Request = req.ID
			return err
		},
		func() error {
			off, err := ann.CreateOfflinePartner(ctx, "Cobalt Resellers")
			d.Offline = off.ID
			return err
		},
	}
	for i, step := range steps {
		if err := step(); err != nil {
			return demo{}, false, fmt.Errorf("seed step %d: %w", i+1, err)
		}
	}
	return d, true, nil
}
