package acctmap_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
)

// BenchmarkThreads lists an org's 1,000 threads on a partner's data
// source of 10,000 records, shared in full or at OverlappingRecords (one
// overlap computed for the whole list).
func BenchmarkThreads(b *testing.B) {
	for _, level := range []acctmap.ShareLevel{acctmap.FullPopulation, acctmap.OverlappingRecords} {
		b.Run(string(level), func(b *testing.B) {
			ctx := context.Background()
			net := acctmap.New(memstore.New())
			const records, threads = 10_000, 1_000
			pops := map[string]string{}
			for _, org := range []string{"acme", "bolt"} {
				if _, err := net.CreateOrg(ctx, acctmap.Org{ID: org, Name: org}); err != nil {
					b.Fatal(err)
				}
				if _, err := net.AddUser(ctx, acctmap.User{ID: org + "-admin", OrgID: org, Name: "a", Role: acctmap.RoleAdmin}); err != nil {
					b.Fatal(err)
				}
				a := net.As(org + "-admin")
				ds, err := a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})
				if err != nil {
					b.Fatal(err)
				}
				in := make([]acctmap.RecordInput, records)
				for i := range in {
					in[i] = acctmap.RecordInput{ID: fmt.Sprintf("%s-%d", org, i), Name: fmt.Sprintf("Company %d", i), Website: fmt.Sprintf("co%d.com", i)}
				}
				if _, err := a.UpsertRecords(ctx, ds.ID, in); err != nil {
					b.Fatal(err)
				}
				p, err := a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Customers})
				if err != nil {
					b.Fatal(err)
				}
				pops[org] = p.ID
			}
			ann, bob := net.As("acme-admin"), net.As("bolt-admin")
			if _, err := ann.Invite(ctx, "bolt"); err != nil {
				b.Fatal(err)
			}
			if _, err := bob.Accept(ctx, "acme"); err != nil {
				b.Fatal(err)
			}
			if err := bob.SetShareRule(ctx, pops["bolt"], "acme", acctmap.SharingRule{Level: level, Fields: []string{"name", "id"}}); err != nil {
				b.Fatal(err)
			}
			for i := range threads {
				if _, err := ann.StartThread(ctx, acctmap.NewThread{Partner: "bolt", PartnerPopulation: pops["bolt"],
					PartnerRecordID: fmt.Sprintf("bolt-%d", i*7), Subject: "s"}); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for b.Loop() {
				n := 0
				for _, err := range ann.Threads(ctx, acctmap.ThreadFilter{}) {
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
				if n != threads {
					b.Fatalf("%d threads, want %d", n, threads)
				}
			}
		})
	}
}
