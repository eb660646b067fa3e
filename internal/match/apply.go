package match

import (
	"maps"
	"slices"
	"unsafe"

	"github.com/cespare/xxhash/v2"
)

// Apply returns a new snapshot with upserts applied (a record replaces the
// one with the same id, or is added) and the records with ids in deletes
// removed (unknown ids are ignored). x stays valid and unchanged.
//
// The new snapshot shares x's base and rebuilds only the accounts the
// change touches (those holding a changed record or sharing a key with an
// upserted one) into a small overlay, in time proportional to the change
// and the overlay, with O(log N) lookups in the base. When the overlay
// outgrows 1/64 of the base, everything is compacted into a new base.
// The first Apply on a base builds its record id table (O(N), once).
func (x *Index) Apply(upserts []Record, deletes []string) *Index {
	d := x.dict
	xs := sideOf(x)
	up := internRecords(d, upserts)
	up.toColumns()
	gone := make(map[string]bool, len(upserts)+len(deletes))
	for _, id := range deletes {
		gone[id] = true
	}
	for _, r := range upserts {
		gone[r.ID] = true
	}

	// Affected accounts: those holding a changed record, and those sharing
	// a domain or registration id with an upserted record (they may merge).
	affected := map[uint32]bool{}
	for id := range gone {
		if g, ok := x.accountOf(id); ok {
			affected[g] = true
		}
	}
	for i := 0; i < up.len(); i++ {
		for _, k := range up.recDoms(i) {
			for _, g := range xs.withKey(kDom, k, nil) {
				affected[g] = true
			}
		}
		if up.reg[i] != 0 {
			for _, g := range xs.withKey(kReg, up.reg[i], nil) {
				affected[g] = true
			}
		}
	}
	// Whether a domain is an umbrella depends on every record on it: the
	// overlay must hold all the accounts sharing a domain with an affected
	// one, transitively (only umbrella domains are shared by accounts).
	closeOverDomains(xs, affected)

	// The new overlay: the old overlay's accounts and the affected ones,
	// less the changed records, plus the upserts.
	in := &irecs{}
	var dead bitset
	if x.dead != nil {
		dead = slices.Clone(x.dead)
	}
	nDead, deadRecs := x.nDead, x.deadRecs
	for g := range affected {
		if g < xs.off {
			if dead == nil {
				dead = newBitset(x.base.n)
			}
			dead.set(g)
			nDead++
			lo, hi := x.base.recRange(g)
			deadRecs += int(hi - lo)
			x.base.appendRecords(g, in, gone, allRecords)
		}
	}
	if x.ov != nil {
		for a := 0; a < x.ov.n; a++ {
			x.ov.appendRecords(uint32(a), in, gone, allRecords)
		}
	}
	for i := 0; i < up.len(); i++ {
		in.add(up.id(i), up.name(i), up.recDoms(i), up.reg[i], up.scheme[i], up.maskOf(i))
	}
	nx := &Index{dict: d, base: x.base, dead: dead, nDead: nDead, deadRecs: deadRecs, maxOverlay: x.maxOverlay}
	if in.len() > 0 {
		nx.ov = buildSegment(in)
	}
	nx.slots = x.base.slots
	if nx.ov != nil {
		nx.slots = max(nx.slots, nx.ov.slots)
	}
	limit := x.maxOverlay
	if limit == 0 {
		limit = 256 + x.base.n/64
	}
	if nx.ov != nil && nx.ov.n > limit {
		nx.compact()
	}
	return nx
}

// compact rebuilds base and overlay into one new base.
func (x *Index) compact() {
	in := &irecs{}
	for a := 0; a < x.base.n; a++ {
		if x.dead == nil || !x.dead.has(uint32(a)) {
			x.base.appendRecords(uint32(a), in, nil, allRecords)
		}
	}
	if x.ov != nil {
		for a := 0; a < x.ov.n; a++ {
			x.ov.appendRecords(uint32(a), in, nil, allRecords)
		}
	}
	x.base, x.ov, x.dead, x.nDead, x.deadRecs = buildSegment(in), nil, nil, 0, 0
	x.slots = x.base.slots
}

// allRecords is appendRecords' view that keeps every record, those in no
// population included.
const allRecords = 0

// appendRecords appends the records of account a, with their own keys, to
// out, except those whose id is in skip. With a view other than allRecords,
// it leaves out those in no population of view too, and narrows the masks
// of the others to view.
func (s *segment) appendRecords(a uint32, out *irecs, skip map[string]bool, view uint64) {
	lo, hi := s.recRange(a)
	if hi-lo == 1 {
		// A single record has its account's keys.
		id := s.recID(lo)
		mask := s.masks.at(a)
		if skip[id] || (view != allRecords && mask&view == 0) {
			return
		}
		if view != allRecords {
			mask &= view
		}
		doms := s.domainsOf(a, nil)
		reg, scheme := uint32(0), uint32(0)
		if rs := s.regsOf(a, nil); len(rs) > 0 {
			reg, scheme = rs[0].key, rs[0].scheme
		}
		out.add(id, s.recName(lo), doms, reg, scheme, mask)
		return
	}
	for r := lo; r < hi; r++ {
		id := s.recID(r)
		k := search(s.multiAt, r)
		m := s.multi
		mask := m.mask[k]
		if skip[id] || (view != allRecords && mask&view == 0) {
			continue
		}
		if view != allRecords {
			mask &= view
		}
		out.add(id, s.recName(r), m.recDoms(k), m.reg[k], m.scheme[k], mask)
	}
}

// Restrict returns the index of the records of x whose population mask
// meets view, their masks narrowed to view: the data source as a partner
// that may see only the populations of view sees it. Records outside those
// populations are not there to link accounts, make a domain an umbrella or
// count a word. It returns x itself when every record is in one of them,
// and shares x's Dict.
func (x *Index) Restrict(view uint64) *Index {
	if view == 0 {
		return &Index{dict: x.dict, base: buildSegment(&irecs{}), maxOverlay: x.maxOverlay}
	}
	if x.coveredBy(view) {
		return x
	}
	in := &irecs{}
	for a := 0; a < x.base.n; a++ {
		if x.dead == nil || !x.dead.has(uint32(a)) {
			x.base.appendRecords(uint32(a), in, nil, view)
		}
	}
	if x.ov != nil {
		for a := 0; a < x.ov.n; a++ {
			x.ov.appendRecords(uint32(a), in, nil, view)
		}
	}
	nx := &Index{dict: x.dict, base: buildSegment(in), maxOverlay: x.maxOverlay}
	nx.slots = nx.base.slots
	return nx
}

// coveredBy reports whether every record of x (dead ones included: it may
// say no when yes would do) has a population in view, with no population
// outside it.
func (x *Index) coveredBy(view uint64) bool {
	for _, s := range []*segment{x.base, x.ov} {
		if s == nil {
			continue
		}
		masks, ok := s.recordMasks()
		if !ok {
			return false
		}
		for _, m := range masks {
			if m&view != m || m == 0 {
				return false
			}
		}
	}
	return true
}

// maxDistinctMasks bounds the distinct record masks recordMasks collects.
const maxDistinctMasks = 4096

// recordMasks returns the distinct population masks of the segment's
// records, or false when there are more than maxDistinctMasks. Computed on
// first use.
func (s *segment) recordMasks() ([]uint64, bool) {
	s.masksOnce.Do(func() {
		seen := map[uint64]bool{}
		add := func(m uint64) bool {
			if !seen[m] {
				if len(seen) == maxDistinctMasks {
					return false
				}
				seen[m] = true
			}
			return true
		}
		if s.masks.w == 1 {
			// One byte per account: a bitmap of the 256 values.
			var have [4]uint64
			for _, m := range s.masks.b8 {
				have[m>>6] |= 1 << (m & 63)
			}
			for v := range 256 {
				if have[v>>6]&(1<<(v&63)) != 0 {
					add(uint64(v))
				}
			}
		} else {
			for a := 0; a < s.n; a++ {
				if !add(s.masks.at(uint32(a))) {
					return
				}
			}
		}
		if s.multi != nil {
			for _, m := range s.multi.mask {
				if !add(m) {
					return
				}
			}
		}
		s.distinctMasks = slices.Sorted(maps.Keys(seen))
		s.masksKnown = true
	})
	return s.distinctMasks, s.masksKnown
}

// closeOverDomains adds to set every live account sharing a domain with
// an account in it, to a fixpoint. Accounts share a domain only when it is
// an umbrella, so this stays among the accounts of umbrella domains.
func closeOverDomains(sd *side, set map[uint32]bool) {
	queue := make([]uint32, 0, len(set))
	for g := range set {
		queue = append(queue, g)
	}
	var doms, buf []uint32
	for len(queue) > 0 {
		g := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		seg, a := sd.at(g)
		doms = seg.domainsOf(a, doms[:0])
		for _, k := range doms {
			if !seg.isUmbrella(k) && len(seg.umbKey) == 0 && sd.nseg == 1 {
				continue // one account holds it: nothing to add
			}
			for _, h := range sd.withKey(kDom, k, buf[:0]) {
				if !set[h] {
					set[h] = true
					queue = append(queue, h)
				}
			}
		}
	}
}

// accountOf returns the live account holding record id.
func (x *Index) accountOf(id string) (uint32, bool) {
	if x.ov != nil {
		if r, ok := x.ov.findRecord(id); ok {
			return uint32(x.base.n) + x.ov.accountOfRecord(r), true
		}
	}
	if r, ok := x.base.findRecord(id); ok {
		a := x.base.accountOfRecord(r)
		if x.dead == nil || !x.dead.has(a) {
			return a, true
		}
	}
	return 0, false
}

// findRecord returns the position of record id, building the id table on
// first use.
func (s *segment) findRecord(id string) (uint32, bool) {
	s.idsOnce.Do(s.buildIDs)
	h := xxhash.Sum64String(id)
	for p := h & s.idTableMask; ; p = (p + 1) & s.idTableMask {
		e := s.idTable[p]
		if e == 0 {
			return 0, false
		}
		if s.idAt(uint32(e>>32)) == id {
			return uint32(e) - 1, true
		}
	}
}

// buildIDs builds the id table: open addressing on the id's hash, each
// entry the record's data offset<<32 | its position+1, so that a probe
// reads the id it compares without looking up the offset (one cache miss
// fewer a lookup).
func (s *segment) buildIDs() {
	size := uint64(16)
	for size < 2*uint64(s.nRec) {
		size *= 2
	}
	s.idTable = make([]uint64, size)
	s.idTableMask = size - 1
	for r := uint32(0); r < uint32(s.nRec); r++ {
		for p := xxhash.Sum64String(s.recID(r)) & s.idTableMask; ; p = (p + 1) & s.idTableMask {
			if s.idTable[p] == 0 {
				s.idTable[p] = uint64(s.recOff[r])<<32 | uint64(r+1)
				break
			}
		}
	}
}

// idAt returns the id of the record whose data starts at recData[off].
func (s *segment) idAt(off uint32) string {
	nl, p := s.uvarintAt(off)
	il, p := s.uvarintAt(p)
	if il == 0 {
		return ""
	}
	return unsafe.String(&s.recData[p+nl], int(il))
}

// withKey appends the live global accounts holding key k of kind kind
// (kDom or kReg): at most one per segment, but for an umbrella domain,
// which several accounts of a segment hold.
func (sd *side) withKey(kind uint8, k uint32, out []uint32) []uint32 {
	for si := 0; si < sd.nseg; si++ {
		s, off := sd.segs[si], uint32(0)
		if si == 1 {
			off = sd.off
		}
		a := -1
		switch kind {
		case kDom:
			if p := search(s.prim, k); p >= 0 {
				a = p
			} else if p := search(s.extraKey, k); p >= 0 {
				a = int(s.extraAcct[p])
			}
			for p := lowerBound(s.umbKey, k); p < len(s.umbKey) && s.umbKey[p] == k; p++ {
				if g := off + s.umbAcct[p]; sd.live(g) {
					out = append(out, g)
				}
			}
		case kReg:
			if p := search(s.regKey, k); p >= 0 {
				a = int(s.regAcct[p])
			}
		}
		if a >= 0 && sd.live(off+uint32(a)) {
			out = append(out, off+uint32(a))
		}
	}
	return out
}

// domainKind is the candidate kind of domain k between account g of from
// and account h of other: kUmb when k is an umbrella in either one's
// segment.
func domainKind(from *side, g uint32, other *side, h uint32, k uint32) uint8 {
	s, _ := from.at(g)
	t, _ := other.at(h)
	if s.isUmbrella(k) || t.isUmbrella(k) {
		return kUmb
	}
	return kDom
}

// withName appends the live global accounts whose name keys include nm.
// Name keys are interned on first use (buildNames): a name no segment has
// interned is in no segment's postings.
func (sd *side) withName(d *Dict, nm string, out []uint32) []uint32 {
	for si := 0; si < sd.nseg; si++ {
		sd.segs[si].buildNames(d)
	}
	k, ok := d.Lookup(nm)
	if !ok {
		return out
	}
	for si := 0; si < sd.nseg; si++ {
		s, off := sd.segs[si], uint32(0)
		if si == 1 {
			off = sd.off
		}
		for p := lowerBound(s.nameKey, k); p < len(s.nameKey) && s.nameKey[p] == k; p++ {
			if g := off + s.nameAcct[p]; sd.live(g) {
				out = append(out, g)
			}
		}
	}
	return out
}

// neighbors returns the accounts of other sharing a key with account g of
// from, with the kinds of keys they share.
func neighbors(d *Dict, from, other *side, g uint32, names bool) map[uint32]uint8 {
	s, a := from.at(g)
	nb := map[uint32]uint8{}
	var buf []uint32
	for _, k := range s.domainsOf(a, nil) {
		for _, h := range other.withKey(kDom, k, buf[:0]) {
			nb[h] |= domainKind(from, g, other, h, k)
		}
	}
	for _, r := range s.regsOf(a, nil) {
		for _, h := range other.withKey(kReg, r.key, buf[:0]) {
			nb[h] |= kReg
		}
	}
	if names {
		for _, k := range s.namesOf(a, nil) {
			ek := entityKey(k)
			if id, ok := d.Lookup(ek); ok && from.nameCount(id)*other.nameCount(id) > maxNameGroup {
				continue // too common to be evidence (collectNames)
			}
			for _, h := range other.withName(d, ek, buf[:0]) {
				nb[h] |= kName
			}
		}
	}
	return nb
}

// UpdateOverlap brings prev = Overlap(oldX, y, opts) current for newX, a
// snapshot derived from oldX by changing (upserting or deleting) the
// records with ids in changed, in time proportional to the matched
// accounts the change touches rather than to the sizes of the indexes. It
// returns a new Matrix; prev is not modified.
//
// It finds the accounts holding changed records in both snapshots (and,
// to a fixpoint, every account sharing records with those), then the
// matched accounts (components) of the old graph that contain them and of
// the new graph that contain them, again to a fixpoint over the Y accounts
// they hold so that a merge or a split is seen whole; it subtracts the
// former and adds the latter.
func UpdateOverlap(prev Matrix, oldX, newX, y *Index, opts Options, changed []string) Matrix {
	oldX, y = onDict(newX, oldX), onDict(newX, y)
	eo := newEvaluator(oldX, y, opts, false)
	en := newEvaluator(newX, y, opts, false)
	d0 := newX.dict
	m := prev.grow(newX.slots, y.slots)
	m.Cells = slices.Clone(m.Cells)

	// Records to a fixpoint: every account of either snapshot holding one
	// of them holds only such records.
	recs := map[string]bool{}
	queue := slices.Clone(changed)
	oa, na := map[uint32]bool{}, map[uint32]bool{}
	for len(queue) > 0 {
		id := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if recs[id] {
			continue
		}
		recs[id] = true
		for _, sn := range []struct {
			x   *Index
			set map[uint32]bool
		}{{oldX, oa}, {newX, na}} {
			if g, ok := sn.x.accountOf(id); ok && !sn.set[g] {
				// With the accounts sharing its domains (umbrella
				// siblings): the change may make a domain an umbrella or
				// stop it being one, which changes their candidates too.
				sd := sideOf(sn.x)
				add := map[uint32]bool{g: true}
				closeOverDomains(sd, add)
				for h := range add {
					if !sn.set[h] {
						sn.set[h] = true
						queue = sd.records(h, queue)
					}
				}
			}
		}
	}

	// With name matching, a change can make a word of a name rare or
	// common, and so a name distinctive or not: the accounts holding such
	// a word get new edges too.
	if en.names || eo.names {
		words := map[string]bool{}
		for _, sn := range []struct {
			x   *Index
			set map[uint32]bool
		}{{oldX, oa}, {newX, na}} {
			sd := sideOf(sn.x)
			for g := range sn.set {
				seg, a := sd.at(g)
				for _, w := range entityWords(seg.namesOf(a, nil)) {
					words[w] = true
				}
			}
		}
		os, ns := sideOf(oldX), sideOf(newX)
		for w := range words {
			if (os.wordCount(d0, w) <= rareWordAccounts) == (ns.wordCount(d0, w) <= rareWordAccounts) {
				continue
			}
			for _, g := range os.accountsWithWord(d0, w, nil) {
				oa[g] = true
			}
			for _, g := range ns.accountsWithWord(d0, w, nil) {
				na[g] = true
			}
		}
	}

	// Components to a fixpoint over both graphs, exchanging Y accounts
	// (the same in both): an unaffected X account has the same edges in
	// both graphs, so a component changes only if it holds an affected X
	// account or a Y account that a changed component holds.
	old := &ugraph{e: eo, seedX: oa, seenX: map[uint32]bool{}, seenY: map[uint32]bool{}}
	cur := &ugraph{e: en, seedX: na, seenX: map[uint32]bool{}, seenY: map[uint32]bool{}}
	seedY := map[uint32]bool{}
	for grew := true; grew; {
		grew = false
		for _, gr := range []*ugraph{old, cur} {
			found := func(c component) {
				grew = true
				gr.comps = append(gr.comps, c)
				for _, h := range c.ya {
					seedY[h] = true
				}
			}
			for g := range gr.seedX {
				if !gr.seenX[g] {
					found(gr.component(g, false))
				}
			}
			for h := range seedY {
				if !gr.seenY[h] {
					found(gr.component(h, true))
				}
			}
		}
	}
	for _, c := range old.comps {
		if len(c.xa) > 0 && len(c.ya) > 0 {
			m.add(c.mx, c.my, -1)
		}
	}
	for _, c := range cur.comps {
		if len(c.xa) > 0 && len(c.ya) > 0 {
			m.add(c.mx, c.my, 1)
		}
	}
	return m
}

// ugraph explores the match graph of one snapshot of X against Y, one
// component at a time.
type ugraph struct {
	e            *evaluator
	seedX        map[uint32]bool // X accounts whose components are needed
	seenX, seenY map[uint32]bool
	comps        []component
}

// component returns the component of account g (of Y if isY, else of X),
// marking its accounts seen. A lone account has an empty other side.
func (gr *ugraph) component(g uint32, isY bool) component {
	e := gr.e
	var c component
	type node struct {
		g uint32
		y bool
	}
	stack := []node{{g, isY}}
	if isY {
		gr.seenY[g] = true
	} else {
		gr.seenX[g] = true
	}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.y {
			c.ya = append(c.ya, n.g)
			c.my |= e.ys.mask(n.g)
			for h, fl := range neighbors(e.d, e.ys, e.xs, n.g, e.names) {
				if !gr.seenX[h] {
					if _, kind, _, ok := e.accept(h, n.g, fl); ok && (kind != Name || !(e.keyed(h, false) && e.hasDomain(n.g, true)) && !(e.keyed(n.g, true) && e.hasDomain(h, false))) {
						gr.seenX[h] = true
						stack = append(stack, node{h, false})
					}
				}
			}
		} else {
			c.xa = append(c.xa, n.g)
			c.mx |= e.xs.mask(n.g)
			for h, fl := range neighbors(e.d, e.xs, e.ys, n.g, e.names) {
				if !gr.seenY[h] {
					if _, kind, _, ok := e.accept(n.g, h, fl); ok && (kind != Name || !(e.keyed(n.g, false) && e.hasDomain(h, true)) && !(e.keyed(h, true) && e.hasDomain(n.g, false))) {
						gr.seenY[h] = true
						stack = append(stack, node{h, true})
					}
				}
			}
		}
	}
	return c
}

// AccountOf returns the ids of the records of the account that holds
// record id (id included), or nil if the index has no such record. A
// caller matching an index without private records can use it on the full
// index to apply an exclusion marked on a private record to the account it
// belongs to. The first call on a base builds its record id table.
func (x *Index) AccountOf(id string) []string {
	g, ok := x.accountOf(id)
	if !ok {
		return nil
	}
	return sideOf(x).records(g, nil)
}
