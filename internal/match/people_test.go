package match

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// naivePeople counts distinct keys per pair of slots the slow way.
func naivePeople(x, y []Person) map[[2]int]int64 {
	mask := func(recs []Person) map[string]uint64 {
		m := map[string]uint64{}
		for _, r := range recs {
			if r.Key != "" {
				m[r.Key] |= r.Mask
			}
		}
		return m
	}
	mx, my := mask(x), mask(y)
	out := map[[2]int]int64{}
	for k, a := range mx {
		b, ok := my[k]
		if !ok {
			continue
		}
		for i := range 64 {
			for j := range 64 {
				if a&(1<<i) != 0 && b&(1<<j) != 0 {
					out[[2]int{i, j}]++
				}
			}
		}
	}
	return out
}

// naiveAtDomains counts the distinct people of x at a domain of y.
func naiveAtDomains(x []Person, y []Record) map[[2]int]int64 {
	dom := map[string]uint64{}
	for _, r := range y {
		for _, d := range r.Domains {
			dom[d] |= r.Mask
		}
	}
	px, py := map[string]uint64{}, map[string]uint64{}
	for _, r := range x {
		if r.Key == "" {
			continue
		}
		px[r.Key] |= r.Mask
		if r.Domain != "" {
			py[r.Key] |= dom[r.Domain]
		}
	}
	out := map[[2]int]int64{}
	for k, a := range px {
		b := py[k]
		for i := range 64 {
			for j := range 64 {
				if a&(1<<i) != 0 && b&(1<<j) != 0 {
					out[[2]int{i, j}]++
				}
			}
		}
	}
	return out
}

func cells(m Matrix) map[[2]int]int64 {
	out := map[[2]int]int64{}
	for i := range m.Rows {
		for j := range m.Cols {
			if v := m.At(i, j); v != 0 {
				out[[2]int{i, j}] = v
			}
		}
	}
	return out
}

func randomPeople(r *rand.Rand, n int) []Person {
	out := make([]Person, n)
	for i := range out {
		k := r.IntN(n)
		out[i] = Person{ID: fmt.Sprintf("r%d", i), Key: fmt.Sprintf("p%d@co%d.com", k, k%7), Mask: r.Uint64() & 0x8000_0000_0000_001f}
		if r.IntN(4) > 0 {
			out[i].Domain = fmt.Sprintf("co%d.com", k%7)
		}
		if r.IntN(10) == 0 {
			out[i].Key = ""
		}
	}
	return out
}

// TestPeopleOverlapAgainstNaive: the merge counts what a map of keys
// counts, duplicates of a key once, in the union of their populations.
func TestPeopleOverlapAgainstNaive(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(16, 16))
	for range 200 {
		x, y := randomPeople(r, 1+r.IntN(60)), randomPeople(r, 1+r.IntN(60))
		got := cells(PeopleOverlap(BuildPeople(x), BuildPeople(y)))
		if d := cmp.Diff(naivePeople(x, y), got); d != "" {
			t.Fatalf("PeopleOverlap (-naive +merge):\n%s", d)
		}
		var accts []Record
		for i, p := range y {
			if p.Domain != "" {
				accts = append(accts, Record{ID: fmt.Sprint(i), Domains: []string{p.Domain}, Mask: p.Mask})
			}
		}
		got = cells(PeopleAtDomains(BuildPeople(x), BuildDomains(accts)))
		if d := cmp.Diff(naiveAtDomains(x, accts), got); d != "" {
			t.Fatalf("PeopleAtDomains (-naive +index):\n%s", d)
		}
	}
}

// TestPeopleHashCollision: entries of one hash with different keys are
// different people (the merge compares strings on every hit). Keys are
// forced onto one hash by building the index by hand.
func TestPeopleHashCollision(t *testing.T) {
	t.Parallel()
	mk := func(keys ...string) *People {
		x := &People{}
		for i, k := range keys {
			x.hash = append(x.hash, 42)
			x.off = append(x.off, uint32(len(x.keys)))
			x.keys += k
			x.mask = append(x.mask, 1)
			x.first = append(x.first, int32(i))
			x.recs = append(x.recs, Person{ID: k, Key: k, Mask: 1})
		}
		x.first = append(x.first, int32(len(keys)))
		x.off = append(x.off, uint32(len(x.keys)))
		x.finish()
		return x
	}
	got := PeopleOverlap(mk("a@x.com", "b@x.com"), mk("b@x.com", "c@x.com")).At(0, 0)
	if got != 1 {
		t.Errorf("two indexes with one key in common on one hash: %d", got)
	}
	// The twin: a merge on hashes alone would count 4.
	if n := PeopleOverlap(mk("a@x.com", "b@x.com"), mk("c@x.com", "d@x.com")).At(0, 0); n != 0 {
		t.Errorf("no key in common, one hash: %d", n)
	}
}

// TestPeopleRestrict: a view keeps the records of the visible slots, their
// masks narrowed.
func TestPeopleRestrict(t *testing.T) {
	t.Parallel()
	x := BuildPeople([]Person{{ID: "1", Key: "a@x.com", Mask: 0b011}, {ID: "2", Key: "b@x.com", Mask: 0b100}})
	v := x.Restrict(0b110)
	if v.Len() != 2 || v.mask[0]|v.mask[1] != 0b110 {
		t.Errorf("Restrict: %d people, masks %b %b", v.Len(), v.mask[0], v.mask[1])
	}
	if v := x.Restrict(0b1000); v.Len() != 0 || v.Slots() != 0 {
		t.Errorf("Restrict to an empty slot: %d people", v.Len())
	}
}
