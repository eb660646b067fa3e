package acctmap_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
)

// An org lists the orgs it works with: an accepted partner with the
// populations it may see of it, and a pending invite. After a revocation
// the former partner is as unknown as an id that does not exist.
func ExampleActor_Partners() {
	ctx := context.Background()
	net := acctmap.New(memstore.New())
	for _, o := range []acctmap.Org{{ID: "acme", Name: "Acme Analytics"}, {ID: "bolt", Name: "Bolt Warehouse"}, {ID: "cirrus", Name: "Cirrus CRM"}} {
		net.CreateOrg(ctx, o)
		net.AddUser(ctx, acctmap.User{ID: o.ID + "-admin", OrgID: o.ID, Name: "Admin", Role: acctmap.RoleAdmin})
	}
	ann, bob := net.As("acme-admin"), net.As("bolt-admin")
	ann.Invite(ctx, "bolt")
	bob.Accept(ctx, "acme")
	ann.Invite(ctx, "cirrus")

	ds, _ := bob.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})
	customers, _ := bob.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Customers})
	bob.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Prospects})
	// Bolt hides its customers from Acme; Acme sees its prospects' counts.
	if err := bob.SetShareRule(ctx, customers.ID, "acme", acctmap.SharingRule{Level: acctmap.Hidden}); err != nil {
		log.Fatal(err)
	}

	partners, err := ann.Partners(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range partners {
		fmt.Printf("%s (%s), invited by me: %v\n", p.Name, p.Status, p.InvitedByMe)
		for _, pop := range p.Populations {
			fmt.Printf("  %s: %s\n", pop.Name, pop.Level)
		}
	}

	bob.Revoke(ctx, "acme")
	_, err = ann.Partner(ctx, "bolt")
	fmt.Println(errors.Is(err, acctmap.ErrNotFound))
	// Output:
	// Bolt Warehouse (accepted), invited by me: true
	//   Prospects: counts
	// Cirrus CRM (pending), invited by me: true
	// true
}
