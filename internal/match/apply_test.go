package match

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestApplyAgainstRebuild applies random changes (updates, inserts,
// deletes, unknown deletes) step by step and checks every snapshot, and
// the matrix brought current by UpdateOverlap, against a fresh Build.
func TestApplyAgainstRebuild(t *testing.T) {
	for seed := range uint64(150) {
		r := rand.New(rand.NewPCG(seed, 99))
		n := 5 + r.IntN(50)
		pool := 3 * n / 2
		if seed%3 == 0 {
			pool = 20 * n // sparse: mostly single pairs
		}
		xr, yr := randomRecords(r, "x", n, pool), randomRecords(r, "y", 5+r.IntN(50), pool)
		opts := randomOptions(r, xr, yr)
		d := NewDict()
		x, y := Build(d, xr), Build(d, yr)
		x.maxOverlay = []int{0, 3, 10}[r.IntN(3)] // small: compaction happens
		cur := map[string]Record{}
		for _, rc := range xr {
			cur[rc.ID] = rc
		}
		m := Overlap(x, y, opts)
		next := n
		for step := range 5 {
			var ups []Record
			var dels, changed []string
			fresh := randomRecords(r, "x", 8, pool)
			for k := range 1 + r.IntN(6) {
				ids := mapKeys(cur)
				switch op := r.IntN(4); {
				case op == 0 && len(ids) > 0: // update
					rc := fresh[k]
					rc.ID = ids[r.IntN(len(ids))]
					ups = append(ups, rc)
				case op == 1: // insert
					rc := fresh[k]
					rc.ID = fmt.Sprintf("x%06d", next)
					next++
					ups = append(ups, rc)
				case op == 2 && len(ids) > 0: // delete
					dels = append(dels, ids[r.IntN(len(ids))])
				default: // unknown id
					dels = append(dels, "nope")
				}
			}
			// Later changes of one id win: keep the last upsert, and a
			// delete after an upsert of the same id removes it.
			ups, dels = normalizeChanges(ups, dels)
			for _, id := range dels {
				delete(cur, id)
				changed = append(changed, id)
			}
			for _, rc := range ups {
				cur[rc.ID] = rc
				changed = append(changed, rc.ID)
			}
			nx := x.Apply(ups, dels)
			var all []Record
			for _, id := range mapKeys(cur) {
				all = append(all, cur[id])
			}
			want := Build(d, all)
			what := fmt.Sprintf("seed %d step %d", seed, step)
			if nx.Len() != want.Len() || nx.Accounts() != want.Accounts() {
				t.Fatalf("%s: Len/Accounts = %d/%d, want %d/%d", what, nx.Len(), nx.Accounts(), want.Len(), want.Accounts())
			}
			wm := Overlap(want, y, opts)
			if got := Overlap(nx, y, opts); !got.Equal(wm) {
				t.Fatalf("%s: Overlap after Apply = %v, want %v", what, got, wm)
			}
			if got := Overlap(y, nx, swapped(opts)); !got.Equal(wm.Transpose()) {
				t.Fatalf("%s: Overlap(y, applied) = %v, want %v", what, got, wm.Transpose())
			}
			if diff := cmp.Diff(brief(Matches(want, y, opts, ^uint64(0), ^uint64(0))), brief(Matches(nx, y, opts, ^uint64(0), ^uint64(0)))); diff != "" {
				t.Fatalf("%s: Matches after Apply (-want +got):\n%s", what, diff)
			}
			if got := Ecosystem(nx, []*Index{y, nx}, opts); !got[0].Equal(wm) {
				t.Fatalf("%s: Ecosystem after Apply = %v, want %v", what, got[0], wm)
			}
			if view := r.Uint64N(16); true {
				var kept []Record
				for _, rc := range all {
					if rc.Mask&view != 0 {
						rc.Mask &= view
						kept = append(kept, rc)
					}
				}
				if got, want := Overlap(nx.Restrict(view), y, opts), Overlap(Build(d, kept), y, opts); !got.Equal(want) {
					t.Fatalf("%s: Overlap of Restrict(%b) after Apply = %v, want %v", what, view, got, want)
				}
			}
			m2 := UpdateOverlap(m, x, nx, y, opts, changed)
			if !m2.Equal(wm) {
				t.Fatalf("%s: UpdateOverlap = %v, want %v", what, m2, wm)
			}
			x, m = nx, m2
		}
	}
}

func mapKeys(m map[string]Record) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// normalizeChanges makes one batch's changes unambiguous: one upsert per
// id (the last) and no id both upserted and deleted (the delete wins, as
// if it came last).
func normalizeChanges(ups []Record, dels []string) ([]Record, []string) {
	del := map[string]bool{}
	for _, id := range dels {
		del[id] = true
	}
	last := map[string]int{}
	for i, rc := range ups {
		last[rc.ID] = i
	}
	var out []Record
	for i, rc := range ups {
		if last[rc.ID] == i && !del[rc.ID] {
			out = append(out, rc)
		}
	}
	return out, dels
}

// TestApplyConcurrentReaders reads a snapshot from several goroutines
// while others derive new snapshots from it (run with -race).
func TestApplyConcurrentReaders(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	xr, yr := randomRecords(r, "x", 3000, 4000), randomRecords(r, "y", 3000, 4000)
	d := NewDict()
	x, y := Build(d, xr), Build(d, yr)
	want := Overlap(x, y, Options{})
	opts := Options{NameMatching: true, MinConfidence: ConfNameOnly}
	wantNames := Overlap(x, y, opts)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if g%2 == 0 {
				for range 5 {
					if got := Overlap(x, y, Options{}); !got.Equal(want) {
						t.Error("snapshot changed under a reader")
						return
					}
					if got := Overlap(x, y, opts); !got.Equal(wantNames) {
						t.Error("snapshot changed under a reader (names)")
						return
					}
					Matches(x, y, Options{}, 1, 1)
				}
				return
			}
			cur := x
			fresh := randomRecords(rand.New(rand.NewPCG(uint64(g), 3)), "x", 50, 4000)
			for i := range 10 {
				cur = cur.Apply(fresh[i*5:i*5+5], []string{xr[i+g*10].ID})
				Overlap(cur, y, Options{})
			}
		}()
	}
	wg.Wait()
}

func TestAccountOf(t *testing.T) {
	x := Build(NewDict(), []Record{rec("a1", 1, "acme", "acme.com"), rec("a2", 1, "acme", "acme.com"), rec("b1", 1, "beta", "beta.com")})
	if got := x.AccountOf("a2"); !cmp.Equal(got, []string{"a1", "a2"}) && !cmp.Equal(got, []string{"a2", "a1"}) {
		t.Errorf("AccountOf(a2) = %v", got)
	}
	nx := x.Apply([]Record{rec("a3", 1, "acme", "acme.com")}, []string{"a1"})
	got := nx.AccountOf("a3")
	slices.Sort(got)
	if !cmp.Equal(got, []string{"a2", "a3"}) {
		t.Errorf("after Apply, AccountOf(a3) = %v", got)
	}
	if nx.AccountOf("a1") != nil || x.AccountOf("zz") != nil {
		t.Error("AccountOf of a missing record is not nil")
	}
}
