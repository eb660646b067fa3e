package match

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

// TestWithSlotAgainstRebuild rewrites random slots of random indexes
// (fresh ones and ones with an overlay and dead accounts from Apply) with
// random members, and checks every result against a Build of the records
// with the new masks: counts, matches, restricted views, digests, and a
// later Apply on the result.
func TestWithSlotAgainstRebuild(t *testing.T) {
	t.Parallel()
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 13))
		n := 5 + r.IntN(60)
		pool := 3 * n / 2
		if seed%3 == 0 {
			pool = 20 * n
		}
		xr, yr := randomRecords(r, "x", n, pool), randomRecords(r, "y", 5+r.IntN(40), pool)
		opts := randomOptions(r, xr, yr)
		d := NewDict()
		x, y := Build(d, xr), Build(d, yr)
		cur := slices.Clone(xr)
		if seed%2 == 1 { // an overlay: some records replaced, some deleted
			x.maxOverlay = 1 << 20
			ups := randomRecords(r, "x", 1+r.IntN(5), pool)
			for i := range ups {
				ups[i].ID = cur[r.IntN(len(cur))].ID
			}
			ups, _ = normalizeChanges(ups, nil)
			del := cur[r.IntN(len(cur))].ID
			if slices.ContainsFunc(ups, func(u Record) bool { return u.ID == del }) {
				del = "nope"
			}
			x = x.Apply(ups, []string{del})
			next := cur[:0:0]
			for _, c := range cur {
				if c.ID == del || slices.ContainsFunc(ups, func(u Record) bool { return u.ID == c.ID }) {
					continue
				}
				next = append(next, c)
			}
			cur = append(next, ups...)
		}
		for step := range 4 {
			slot := r.IntN(10)
			if step == 3 {
				slot = 40 + r.IntN(24) // wider masks than the index had
			}
			bit := uint64(1) << slot
			var members []string
			for i := range cur {
				cur[i].Mask &^= bit
				if r.IntN(3) == 0 {
					cur[i].Mask |= bit
					members = append(members, cur[i].ID)
				}
			}
			members = append(members, "unknown")
			nx := x.WithSlot(slot, members)
			want := Build(d, cur)
			what := fmt.Sprintf("seed %d step %d slot %d", seed, step, slot)
			if nx.Len() != want.Len() || nx.Accounts() != want.Accounts() || nx.Slots() != want.Slots() {
				t.Fatalf("%s: Len/Accounts/Slots = %d/%d/%d, want %d/%d/%d", what, nx.Len(), nx.Accounts(), nx.Slots(), want.Len(), want.Accounts(), want.Slots())
			}
			wm := Overlap(want, y, opts)
			if got := Overlap(nx, y, opts); !got.Equal(wm) {
				t.Fatalf("%s: Overlap = %v, want %v", what, got, wm)
			}
			if got := Overlap(y, nx, swapped(opts)); !got.Equal(wm.Transpose()) {
				t.Fatalf("%s: Overlap(y, x) = %v, want %v", what, got, wm.Transpose())
			}
			if diff := cmp.Diff(brief(Matches(want, y, opts, ^uint64(0), ^uint64(0))), brief(Matches(nx, y, opts, ^uint64(0), ^uint64(0)))); diff != "" {
				t.Fatalf("%s: Matches (-want +got):\n%s", what, diff)
			}
			if got, w := nx.SlotDigests(), want.SlotDigests(); got != w {
				t.Fatalf("%s: SlotDigests differ", what)
			}
			view := r.Uint64N(1 << 10)
			if got, w := Overlap(nx.Restrict(view), y, opts), Overlap(want.Restrict(view), y, opts); !got.Equal(w) {
				t.Fatalf("%s: Overlap of Restrict(%b) = %v, want %v", what, view, got, w)
			}
			// The old snapshot is unchanged.
			if got := Overlap(x, y, opts); !got.Equal(Overlap(x, y, opts)) {
				t.Fatalf("%s: the old snapshot changed", what)
			}
			// A change after the rewrite sees the new masks.
			up := randomRecords(r, "x", 1, pool)[0]
			up.ID = cur[r.IntN(len(cur))].ID
			after := nx.Apply([]Record{up}, nil)
			var rebuilt []Record
			for _, c := range cur {
				if c.ID != up.ID {
					rebuilt = append(rebuilt, c)
				}
			}
			if got, w := Overlap(after, y, opts), Overlap(Build(d, append(rebuilt, up)), y, opts); !got.Equal(w) {
				t.Fatalf("%s: Overlap after WithSlot then Apply = %v, want %v", what, got, w)
			}
			x = nx
		}
	}
}

// TestWithSlotKeepsOld checks that WithSlot leaves its receiver's counts
// as they were.
func TestWithSlotKeepsOld(t *testing.T) {
	t.Parallel()
	d := NewDict()
	x := Build(d, []Record{rec("1", 1, "a", "a.com"), rec("2", 1, "b", "b.com")})
	y := Build(d, []Record{rec("y1", 1, "a", "a.com"), rec("y2", 1, "b", "b.com")})
	before := Overlap(x, y, Options{})
	nx := x.WithSlot(0, []string{"1"})
	if got := Overlap(x, y, Options{}); !got.Equal(before) {
		t.Errorf("receiver's overlap changed to %v, want %v", got, before)
	}
	if got := Overlap(nx, y, Options{}); got.At(0, 0) != 1 {
		t.Errorf("rewritten overlap = %v, want 1 in cell (0,0)", got)
	}
}

// TestWithSlotSharesSegmentFields guards withSlot's copy of a segment:
// every field but the masks, the slot count and the lazily built tables
// must be carried over, so a field added to segment later must be added
// there too (or to the list below, with a reason).
func TestWithSlotSharesSegmentFields(t *testing.T) {
	t.Parallel()
	d := NewDict()
	x := Build(d, []Record{
		rec("1", 1, "acme", "acme.com"), rec("2", 2, "acme inc", "acme.com", "acme.io"),
		withReg(rec("3", 1, "beta", "beta.com"), "duns:1"),
		rec("4", 1, "gamma capital fund", "gamma.com"), rec("5", 1, "delta partners", "gamma.com"),
	})
	nx := x.WithSlot(1, []string{"1"})
	rewritten := map[string]bool{"masks": true, "slots": true, "multi": true, "namesFrom": true,
		// built on first use, or taken from namesFrom
		"namesOnce": true, "nameKey": true, "nameAcct": true, "words": true,
		"masksOnce": true, "distinctMasks": true, "masksKnown": true, "idsOnce": true}
	a, b := reflect.ValueOf(x.base).Elem(), reflect.ValueOf(nx.base).Elem()
	for i := range a.NumField() {
		name := a.Type().Field(i).Name
		if rewritten[name] {
			continue
		}
		if !reflect.DeepEqual(exported(a.Field(i)), exported(b.Field(i))) {
			t.Errorf("segment field %s not carried over by withSlot", name)
		}
	}
}

// exported returns the value of a field, unexported ones included.
func exported(f reflect.Value) any {
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Interface()
}

// BenchmarkWithSlot rewrites a slot of a 1M-record index with half of
// its records as members, in input order (as a store's scan gives them).
func BenchmarkWithSlot(b *testing.B) {
	n := benchSize(b)
	recs := synth(1, "x", n, 0.3, 8)
	x := Build(NewDict(), recs)
	var members []string
	for i := range recs {
		if i%2 == 0 {
			members = append(members, recs[i].ID)
		}
	}
	x.WithSlot(3, members) // builds the id table
	b.ResetTimer()
	cpu := cpuMeter(b)
	for b.Loop() {
		x.WithSlot(3, members)
	}
	cpu()
}
