package match

import (
	"math/bits"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/bits-and-blooms/bloom/v3"
)

// rankSet is a set of dict ids as a bitmap over the id space, with a rank
// directory: rank(id) is the number of members below id, which for the
// ascending key array the set was built from is id's position in it.
// Membership and position then cost one or two cache misses instead of a
// binary search; the bitmap takes maxID/8 bytes (12 MiB for 100M keys).
type rankSet struct {
	bits []uint64
	dir  []uint32 // dir[b] = members in bits[:8b]
}

func newRankSet(keys []uint32, maxID uint32) *rankSet {
	r := &rankSet{bits: make([]uint64, (uint64(maxID)+63)/64)}
	for _, k := range keys {
		r.bits[k>>6] |= 1 << (k & 63)
	}
	r.dir = make([]uint32, (len(r.bits)+7)/8+1)
	c := uint32(0)
	for b := 0; b < len(r.bits); b++ {
		if b%8 == 0 {
			r.dir[b/8] = c
		}
		c += uint32(bits.OnesCount64(r.bits[b]))
	}
	return r
}

func (r *rankSet) has(id uint32) bool {
	w := id >> 6
	return int(w) < len(r.bits) && r.bits[w]&(1<<(id&63)) != 0
}

// rank returns the number of members below id (id must be a member).
func (r *rankSet) rank(id uint32) uint32 {
	w := int(id >> 6)
	c := r.dir[w/8]
	for b := w &^ 7; b < w; b++ {
		c += uint32(bits.OnesCount64(r.bits[b]))
	}
	return c + uint32(bits.OnesCount64(r.bits[w]&(1<<(id&63)-1)))
}

// probe is x's base keys as rank sets, built once and probed by every
// partner: the "one pass over x's keys" of the ecosystem view.
type probe struct {
	prim, extra, reg *rankSet
}

func newProbe(s *segment, maxID uint32) *probe {
	p := &probe{}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.prim = newRankSet(s.prim, maxID) }()
	go func() { defer wg.Done(); p.extra = newRankSet(s.extraKey, maxID) }()
	p.reg = newRankSet(s.regKey, maxID)
	wg.Wait()
	return p
}

// Ecosystem computes x's overlap matrix with every partner: out[k] equals
// Overlap(x, partners[k], opts). x's keys are turned into bitmaps over the
// Dict's id space once; each partner then costs one pass over its own keys
// (a probe per key), not a merge through all of x's keys: with 1,000
// partners of 100k against 1M accounts that is 100M probes instead of 1.1G
// merge steps. Partners are spread over the cores.
func Ecosystem(x *Index, partners []*Index, opts Options) []Matrix {
	out := make([]Matrix, len(partners))
	if len(partners) == 0 {
		return out
	}
	partners = rebased(x, partners)
	pr := newProbe(x.base, x.dict.maxID())
	var next atomic.Int64
	parallel(workersFor(1<<20), workersFor(1<<20), func(_, _, _ int) {
		for {
			k := int(next.Add(1) - 1)
			if k >= len(partners) {
				return
			}
			out[k] = overlapProbe(x, partners[k], opts, pr)
		}
	})
	return out
}

// overlapProbe is Overlap with the candidates of the two bases found by
// probing pr (x's base keys) with y's base keys.
func overlapProbe(x, y *Index, opts Options, pr *probe) Matrix {
	e := newEvaluator(x, y, opts, false)
	m := newMatrix(x.slots, y.slots)
	slow := e.collect(nil, skipBaseBase)
	xb, yb := x.base, y.base
	add := func(a, b, key uint32, kind uint8) {
		if e.xs.live(a) && e.ys.live(b) {
			slow = append(slow, cand{a, b, key, kind})
		}
	}
	var main []pair
	for j, k := range yb.prim {
		if pr.prim.has(k) {
			main = append(main, pair{pr.prim.rank(k), uint32(j)})
		}
		if pr.extra.has(k) {
			add(xb.extraAcct[pr.extra.rank(k)], uint32(j), k, kDom)
		}
	}
	for j, k := range yb.extraKey {
		if pr.prim.has(k) {
			add(pr.prim.rank(k), yb.extraAcct[j], k, kDom)
		}
		if pr.extra.has(k) {
			add(xb.extraAcct[pr.extra.rank(k)], yb.extraAcct[j], k, kDom)
		}
	}
	for j, k := range yb.regKey {
		if pr.reg.has(k) {
			add(xb.regAcct[pr.reg.rank(k)], yb.regAcct[j], k, kReg)
		}
	}
	slow = e.collectUmbrella(slow, 0, 0)
	if e.names {
		slow = e.collectNames(slow, 0, 0)
	}
	// Accounts with a candidate beyond their primary domain go through
	// union-find; the rest are single pairs, counted on the spot.
	var tx map[uint32]bool
	var ty bitset
	if len(slow) > 0 {
		tx = make(map[uint32]bool, len(slow))
		ty = newBitset(int(e.ys.n))
		for _, c := range slow {
			tx[c.x] = true
			ty.set(c.y)
		}
	}
	for _, p := range main {
		i, j := p.i, p.j
		if (x.dead != nil && x.dead.has(i)) || (y.dead != nil && y.dead.has(j)) {
			continue
		}
		if tx != nil && (tx[i] || ty.has(j)) {
			slow = append(slow, cand{i, j, xb.prim[i], kDom})
			continue
		}
		if e.plain && !(xb.hasReg.has(i) && yb.hasReg.has(j)) && !xb.isTyped(i) && !yb.isTyped(j) {
			m.add(xb.masks.at(i), yb.masks.at(j), 1)
		} else if _, _, _, ok := e.accept(i, j, kDom); ok {
			m.add(xb.masks.at(i), yb.masks.at(j), 1)
		}
	}
	for _, c := range e.resolve(slow, false) {
		m.add(c.mx, c.my, 1)
	}
	return m
}

// ScreenOptions choose how Screen tests keys.
type ScreenOptions struct {
	// Bloom tests partner keys against a Bloom filter of the population's
	// keys (bits-and-blooms/bloom, false-positive rate BloomFP, default
	// 0.001) instead of an exact bitmap over the Dict's ids. It is slower
	// and inexact on every size measured (see the bench program); it is
	// kept as the measured alternative.
	Bloom   bool
	BloomFP float64
}

// Screen answers "which partners have any overlap with population slot of
// x, and roughly how much": out[k] counts partners[k]'s accounts that
// share a domain or registration id with an account of x in slot. It
// resolves nothing (no confidence, vetoes, exclusions or merging of
// matched accounts), so it is an upper bound of the matrix cells of that
// row, at a fraction of their cost.
func Screen(x *Index, slot int, partners []*Index, so ScreenOptions) []int {
	partners = rebased(x, partners)
	xs := sideOf(x)
	var keys []uint32
	for g := uint32(0); g < xs.n; g++ {
		if !xs.live(g) || xs.mask(g)&(1<<slot) == 0 {
			continue
		}
		seg, a := xs.at(g)
		keys = seg.domainsOf(a, keys)
		for _, r := range seg.regsOf(a, nil) {
			keys = append(keys, r.key)
		}
	}
	var test func(id uint32) bool
	if so.Bloom {
		fp := so.BloomFP
		if fp == 0 {
			fp = 0.001
		}
		f := bloom.NewWithEstimates(uint(max(1, len(keys))), fp)
		var b [4]byte
		for _, k := range keys {
			f.Add(le32(b[:], k))
		}
		test = func(id uint32) bool {
			var b [4]byte
			return f.Test(le32(b[:], id))
		}
	} else {
		maxID := x.dict.maxID()
		set := newBitset(int(maxID))
		for _, k := range keys {
			set.set(k)
		}
		test = set.hasSafe
	}
	out := make([]int, len(partners))
	var next atomic.Int64
	parallel(workersFor(1<<20), workersFor(1<<20), func(_, _, _ int) {
		for {
			k := int(next.Add(1) - 1)
			if k >= len(partners) {
				return
			}
			out[k] = screenOne(partners[k], test)
		}
	})
	return out
}

// screenOne counts y's live accounts with a key that test accepts.
func screenOne(y *Index, test func(uint32) bool) int {
	ys := sideOf(y)
	hit := newBitset(int(ys.n))
	n := 0
	mark := func(g uint32) {
		if ys.live(g) && !hit.has(g) {
			hit.set(g)
			n++
		}
	}
	for si := 0; si < ys.nseg; si++ {
		s, off := ys.segs[si], uint32(0)
		if si == 1 {
			off = ys.off
		}
		for a, k := range s.prim {
			if test(k) {
				mark(off + uint32(a))
			}
		}
		for j, k := range s.extraKey {
			if test(k) {
				mark(off + s.extraAcct[j])
			}
		}
		for j, k := range s.regKey {
			if test(k) {
				mark(off + s.regAcct[j])
			}
		}
		for j, k := range s.umbKey {
			if test(k) {
				mark(off + s.umbAcct[j])
			}
		}
	}
	return n
}

func le32(b []byte, v uint32) []byte {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	return b
}

// rebased returns partners on x's Dict (onDict), copying the slice only
// when one of them needs a rebase.
func rebased(x *Index, partners []*Index) []*Index {
	out := partners
	for k, y := range partners {
		if y.dict != x.dict {
			if &out[0] == &partners[0] {
				out = slices.Clone(partners)
			}
			out[k] = onDict(x, y)
		}
	}
	return out
}
