package acctmap_test

import (
	"context"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
)

// BenchmarkEventsRead reads a feed of 10,000 events (sharing rule changes
// of a partner, each rendered through sharing.go as it reads) from the
// start: ns/op over 10,000 is the cost of one event.
func BenchmarkEventsRead(b *testing.B) {
	ctx := context.Background()
	net := acctmap.New(memstore.New())
	for _, org := range []string{"acme", "bolt"} {
		if _, err := net.CreateOrg(ctx, acctmap.Org{ID: org, Name: org}); err != nil {
			b.Fatal(err)
		}
		if _, err := net.AddUser(ctx, acctmap.User{ID: org + "-admin", OrgID: org, Name: "Admin", Role: acctmap.RoleAdmin}); err != nil {
			b.Fatal(err)
		}
	}
	ann, bob := net.As("acme-admin"), net.As("bolt-admin")
	if _, err := ann.Invite(ctx, "bolt"); err != nil {
		b.Fatal(err)
	}
	if _, err := bob.Accept(ctx, "acme"); err != nil {
		b.Fatal(err)
	}
	ds, err := bob.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})
	if err != nil {
		b.Fatal(err)
	}
	pop, err := bob.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Customers})
	if err != nil {
		b.Fatal(err)
	}
	const n = 10_000
	for i := range n {
		level := []acctmap.ShareLevel{acctmap.OverlappingRecords, acctmap.FullPopulation}[i%2]
		if err := bob.SetShareRule(ctx, pop.ID, "acme", acctmap.SharingRule{Level: level}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		got := 0
		for _, err := range ann.Events(ctx, 0) {
			if err != nil {
				b.Fatal(err)
			}
			got++
		}
		if got != n+1 { // and the acceptance
			b.Fatalf("%d events, want %d", got, n+1)
		}
	}
}
