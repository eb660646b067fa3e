package acctmap_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acctmap/acctmap"
)

// CreatePopulation and UpdatePopulation rewrite the membership of the
// cached indexes instead of leaving them stale: the first Matrix after
// them builds nothing from the store, and its counts, from both sides,
// are those of a fresh Network that reads everything from the store.
// Random networks: records with links and private marks, sharing rules
// that make partners' views, populations created, updated and deleted.
func TestPopulationChangeRewritesIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	stages := []string{"Customer", "Prospect", "Open"}
	regions := []string{"NA", "EMEA"}
	for seed := uint64(1); seed <= 10; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, 7))
			w := newWorld(t)
			partner(t, w.adminA, w.adminB, "org-b", "org-a")
			filter := func() acctmap.Filter {
				f := acctmap.Filter{All: []acctmap.Condition{{Field: "Stage", Op: acctmap.Equals, Value: stages[rng.IntN(len(stages))]}}}
				if rng.IntN(2) == 0 {
					f.All = append(f.All, acctmap.Condition{Field: "Region", Op: acctmap.Equals, Value: regions[rng.IntN(len(regions))]})
				}
				return f
			}
			type side struct {
				a    *acctmap.Actor
				org  string
				ds   acctmap.DataSource
				pops []acctmap.Population
			}
			sides := []*side{{a: w.adminA, org: "org-a"}, {a: w.adminB, org: "org-b"}}
			for _, s := range sides {
				ds, err := s.a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})
				wantErr(t, "ds", err, nil)
				s.ds = ds
				var recs []acctmap.RecordInput
				for i := range 80 {
					d := rng.IntN(50)
					in := acctmap.RecordInput{ID: fmt.Sprint(i), Name: fmt.Sprint("Company ", d), Website: fmt.Sprintf("company%d.com", d),
						Fields: map[string]string{"Stage": stages[rng.IntN(3)], "Region": regions[rng.IntN(2)]}}
					if rng.IntN(5) == 0 {
						in.Aliases = []string{fmt.Sprintf("company%d.com", rng.IntN(50))}
					}
					recs = append(recs, in)
				}
				_, err = s.a.UpsertRecords(ctx, ds.ID, recs)
				wantErr(t, "records", err, nil)
				_, err = s.a.SetPrivate(ctx, ds.ID, []string{fmt.Sprint(rng.IntN(80)), fmt.Sprint(rng.IntN(80))}, true)
				wantErr(t, "private", err, nil)
				for k := range 2 {
					p, err := s.a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Custom, Name: fmt.Sprint("P", k), Filter: filter()})
					wantErr(t, "population", err, nil)
					s.pops = append(s.pops, p)
				}
			}
			other := map[string]string{"org-a": "org-b", "org-b": "org-a"}
			levels := []acctmap.ShareLevel{acctmap.Hidden, acctmap.CountsOnly, acctmap.OverlappingRecords}
			check := func(step int, what string) {
				t.Helper()
				before := acctmap.IndexBuildsForTest(w.net)
				fresh := acctmap.New(w.store)
				for _, s := range sides {
					got, err := s.a.Matrix(ctx, other[s.org])
					wantErr(t, "matrix", err, nil)
					want, err := fresh.As(map[string]string{"org-a": "admin-a", "org-b": "admin-b"}[s.org]).Matrix(ctx, other[s.org])
					wantErr(t, "fresh matrix", err, nil)
					if diff := cmp.Diff(want, got); diff != "" {
						t.Fatalf("step %d (%s), %s's matrix differs from a fresh Network's (-fresh +rewritten):\n%s", step, what, s.org, diff)
					}
				}
				if got := acctmap.IndexBuildsForTest(w.net) - before; got != 0 && step > 0 {
					t.Errorf("step %d (%s): the matrices built %d indexes from the store, want 0", step, what, got)
				}
			}
			check(0, "setup")
			next := 2
			for step := 1; step <= 20; step++ {
				s := sides[rng.IntN(2)]
				what := ""
				switch op := rng.IntN(5); {
				case op == 0 && len(s.pops) > 0:
					what = "update"
					k := rng.IntN(len(s.pops))
					p, err := s.a.UpdatePopulation(ctx, s.pops[k].ID, acctmap.PopulationSpec{Name: s.pops[k].Name, Filter: filter()})
					wantErr(t, what, err, nil)
					s.pops[k] = p
				case op == 1 && len(s.pops) > 1:
					what = "delete"
					k := rng.IntN(len(s.pops))
					wantErr(t, what, s.a.DeletePopulation(ctx, s.pops[k].ID), nil)
					s.pops = append(s.pops[:k], s.pops[k+1:]...)
				case op == 2 && len(s.pops) > 0:
					what = "share"
					p := s.pops[rng.IntN(len(s.pops))]
					wantErr(t, what, s.a.SetShareRule(ctx, p.ID, other[s.org], acctmap.SharingRule{Level: levels[rng.IntN(len(levels))]}), nil)
				default:
					what = "create"
					p, err := s.a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: s.ds.ID, Kind: acctmap.Custom, Name: fmt.Sprint("P", next), Filter: filter()})
					next++
					wantErr(t, what, err, nil)
					s.pops = append(s.pops, p)
				}
				check(step, what)
			}
		})
	}
}
