package acctmap_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acctmap/acctmap"
)

// The Network brings its cached indexes up to date change by change
// (upserts, deletes, private marks); a Network that rebuilds everything
// from the store must see exactly the same matrices, from both sides.
func TestIncrementalIndexesMatchRebuild(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for seed := uint64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, 99))
			w := newWorld(t)
			partner(t, w.adminA, w.adminB, "org-b", "org-a")
			record := func(id int) acctmap.RecordInput {
				d := rng.IntN(40)
				in := acctmap.RecordInput{ID: fmt.Sprint(id), Name: fmt.Sprint("Company ", d), Website: fmt.Sprintf("company%d.com", d),
					Fields: map[string]string{"Stage": []string{"Customer", "Prospect", "Open"}[rng.IntN(3)]}}
				if rng.IntN(5) == 0 {
					in.Aliases = []string{fmt.Sprintf("company%d.com", rng.IntN(40))}
				}
				return in
			}
			setup := func(a *acctmap.Actor) acctmap.DataSource {
				ds, err := a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})
				wantErr(t, "ds", err, nil)
				var recs []acctmap.RecordInput
				for i := 0; i < 60; i++ {
					recs = append(recs, record(i))
				}
				_, err = a.UpsertRecords(ctx, ds.ID, recs)
				wantErr(t, "records", err, nil)
				for _, stage := range []string{"Customer", "Prospect", "Open"} {
					_, err := a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Custom, Name: stage,
						Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Stage", Op: acctmap.Equals, Value: stage}}}})
					wantErr(t, "population", err, nil)
				}
				return ds
			}
			dsA, dsB := setup(w.adminA), setup(w.adminB)
			check := func(step int) {
				t.Helper()
				fresh := acctmap.New(w.store)
				for _, v := range []struct{ user, partner string }{{"admin-a", "org-b"}, {"admin-b", "org-a"}} {
					got, err := w.net.As(v.user).Matrix(ctx, v.partner)
					wantErr(t, "matrix", err, nil)
					want, err := fresh.As(v.user).Matrix(ctx, v.partner)
					wantErr(t, "fresh matrix", err, nil)
					if diff := cmp.Diff(want, got); diff != "" {
						t.Fatalf("step %d, %s's matrix: incremental differs from rebuild (-rebuild +incremental):\n%s", step, v.user, diff)
					}
				}
			}
			check(0)
			for step := 1; step <= 25; step++ {
				a, ds := w.adminA, dsA
				if rng.IntN(2) == 0 {
					a, ds = w.adminB, dsB
				}
				switch rng.IntN(4) {
				case 0, 1:
					var recs []acctmap.RecordInput
					for i := 0; i < 1+rng.IntN(5); i++ {
						recs = append(recs, record(rng.IntN(80)))
					}
					_, err := a.UpsertRecords(ctx, ds.ID, recs)
					wantErr(t, "upsert", err, nil)
				case 2:
					_, err := a.DeleteRecords(ctx, ds.ID, []string{fmt.Sprint(rng.IntN(80)), fmt.Sprint(rng.IntN(80))})
					wantErr(t, "delete", err, nil)
				case 3:
					id := fmt.Sprint(rng.IntN(60))
					if _, err := a.Record(ctx, ds.ID, id); err == nil {
						_, err := a.SetPrivate(ctx, ds.ID, []string{id}, rng.IntN(3) > 0)
						wantErr(t, "private", err, nil)
					}
				}
				check(step)
			}
		})
	}
}
