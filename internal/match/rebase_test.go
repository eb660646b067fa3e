package match

import (
	stdcmp "cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A rebased index matches as the original does, on the new Dict alone, and
// an index of another Dict met in a pair is rebased on the fly; the new
// Dict holds the live keys only.
func TestRebase(t *testing.T) {
	t.Parallel()
	for seed := range uint64(60) {
		r := rand.New(rand.NewPCG(seed, 99))
		n := 5 + r.IntN(200)
		what := fmt.Sprint("seed ", seed)
		xr, yr := randomRecords(r, "x", n, 3*n/2), randomRecords(r, "y", 5+r.IntN(200), 3*n/2)
		opts := randomOptions(r, xr, yr)
		d := NewDict()
		Build(d, randomRecords(r, "garbage", 100, 1000)) // keys of an index that is gone
		x, y := Build(d, xr), Build(d, yr)
		if r.IntN(2) == 0 { // an overlay and dead accounts
			x = x.Apply(randomRecords(r, "x", 3, 3*n/2), []string{xr[0].ID})
		}
		want, wantMs := Overlap(x, y, opts), Matches(x, y, opts, ^uint64(0), ^uint64(0))

		d2 := NewDict()
		x2, y2 := x.Rebase(d2), y.Rebase(d2)
		if x2.Dict() != d2 || y2.Dict() != d2 || x2.Len() != x.Len() || x2.Accounts() != x.Accounts() {
			t.Fatalf("%s: rebased: dict %v, len %d/%d, accounts %d/%d", what, x2.Dict() == d2, x2.Len(), x.Len(), x2.Accounts(), x.Accounts())
		}
		if got := Overlap(x2, y2, opts); !got.Equal(want) {
			t.Fatalf("%s: Overlap after Rebase = %v, want %v", what, got, want)
		}
		if d := cmp.Diff(wantMs, Matches(x2, y2, opts, ^uint64(0), ^uint64(0))); d != "" {
			t.Fatalf("%s: Matches after Rebase (-want +got):\n%s", what, d)
		}
		if got := Overlap(x2, y, opts); !got.Equal(want) { // y on the old Dict
			t.Fatalf("%s: Overlap across Dicts = %v, want %v", what, got, want)
		}
		if eco := Ecosystem(x, []*Index{y2, y}, opts); !eco[0].Equal(want) || !eco[1].Equal(want) {
			t.Fatalf("%s: Ecosystem across Dicts = %v, want %v", what, eco, want)
		}
		if d2.Len() > x2.Keys()+y2.Keys()+2 { // + the schemes
			t.Fatalf("%s: the new Dict has %d keys, the indexes %d", what, d2.Len(), x2.Keys()+y2.Keys())
		}
		if x.Rebase(d) != x {
			t.Fatalf("%s: Rebase onto its own Dict copied the index", what)
		}
	}
}

// sortCands orders candidates by x then y, as the comparison sort it
// replaced did, for every size and range of account numbers.
func TestSortCands(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 255, 256, 5000, 70000} {
		for _, bound := range []uint32{1, 3, 2048, 1 << 22, 1<<32 - 1} {
			c := make([]cand, n)
			for i := range c {
				c[i] = cand{x: r.Uint32N(bound), y: r.Uint32N(bound), key: uint32(i), kind: uint8(i)}
			}
			want := slices.Clone(c)
			slices.SortStableFunc(want, func(p, q cand) int {
				if p.x != q.x {
					return stdcmp.Compare(p.x, q.x)
				}
				return stdcmp.Compare(p.y, q.y)
			})
			sortCands(c)
			if n >= 256 { // the radix sort is stable too
				if d := cmp.Diff(want, c, cmp.AllowUnexported(cand{})); d != "" {
					t.Fatalf("n=%d bound=%d: (-want +got):\n%.2000s", n, bound, d)
				}
			} else if !slices.IsSortedFunc(c, func(p, q cand) int {
				if p.x != q.x {
					return stdcmp.Compare(p.x, q.x)
				}
				return stdcmp.Compare(p.y, q.y)
			}) {
				t.Fatalf("n=%d bound=%d: not sorted", n, bound)
			}
		}
	}
}
