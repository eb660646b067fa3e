package match

import (
	"math/bits"
	"sync/atomic"
)

// WithSlot returns a snapshot of x in which exactly the records whose ids
// are in members are in population slot slot (0 to 63): the bit is set in
// their masks and cleared in every other record's; ids x does not hold are
// ignored. x stays valid and unchanged.
//
// It is what a change of one population's membership does to an index:
// accounts do not depend on masks (neither their resolution nor their
// keys), so the new snapshot shares all of x's arrays but the masks, and
// costs a lookup per member and a pass over the masks instead of a Build
// of every record. The result equals a Build of x's records with the new
// masks.
func (x *Index) WithSlot(slot int, members []string) *Index {
	bit := uint64(1) << uint(slot&63)
	inBase := newBitset(x.base.nRec)
	var inOv bitset
	if x.ov != nil {
		inOv = newBitset(x.ov.nRec)
	}
	// The id tables are built before the lookups, which then only read
	// them and run on all cores (a lookup is a few cache misses).
	x.base.idsOnce.Do(x.base.buildIDs)
	if x.ov != nil {
		x.ov.idsOnce.Do(x.ov.buildIDs)
	}
	parallel(workersFor(len(members)), len(members), func(_, lo, hi int) {
		for _, id := range members[lo:hi] {
			// The overlay holds the live copy of a record it has; the
			// base's is then in a dead account, whose mask no reader
			// looks at.
			if x.ov != nil {
				if r, ok := x.ov.findRecord(id); ok {
					inOv.setAtomic(r)
					continue
				}
			}
			if r, ok := x.base.findRecord(id); ok {
				inBase.setAtomic(r)
			}
		}
	})
	nx := &Index{dict: x.dict, base: x.base.withSlot(inBase, bit), dead: x.dead, nDead: x.nDead, deadRecs: x.deadRecs, maxOverlay: x.maxOverlay}
	nx.slots = nx.base.slots
	if x.ov != nil {
		nx.ov = x.ov.withSlot(inOv, bit)
		nx.slots = max(nx.slots, nx.ov.slots)
	}
	return nx
}

// withSlot returns s with bit set in the masks of the record positions in
// members and cleared in the others'. Everything but the masks is shared
// with s, the lookup tables built on first use included (the record id
// table is built here if it was not, since WithSlot needs it).
func (s *segment) withSlot(members bitset, bit uint64) *segment {
	s.idsOnce.Do(s.buildIDs)
	ns := &segment{
		n: s.n, nDom: s.nDom, nRec: s.nRec,
		prim:     s.prim,
		extraKey: s.extraKey, extraAcct: s.extraAcct, extraByAcct: s.extraByAcct,
		regKey: s.regKey, regAcct: s.regAcct, regScheme: s.regScheme, regByAcct: s.regByAcct, hasReg: s.hasReg,
		umbKey: s.umbKey, umbAcct: s.umbAcct, umbByAcct: s.umbByAcct, umbList: s.umbList,
		typed:   s.typed,
		recData: s.recData, recOff: s.recOff, idBytes: s.idBytes,
		multiAcct: s.multiAcct, multiCum: s.multiCum, multiAt: s.multiAt,
		namesFrom:   s,
		idTable:     s.idTable,
		idTableMask: s.idTableMask,
	}
	ns.idsOnce.Do(func() {}) // the table is s's
	if s.namesFrom != nil {
		ns.namesFrom = s.namesFrom // not a chain of segments kept alive
	}

	// The record masks, in position order: an account's records are
	// contiguous positions, and multiAt lists those of the accounts with
	// several, ascending.
	var multiMask []uint64
	if s.multi != nil {
		multiMask = make([]uint64, len(s.multi.mask))
	}
	// The masks keep s's width, or grow to hold bit.
	widest := ^uint64(0)
	if s.masks.w < 8 {
		widest = 1<<(8*uint(s.masks.w)) - 1
	}
	ns.masks = newMasks(s.n, widest|bit)
	var all uint64
	r, k, j := uint32(0), 0, 0 // record position, index in multiAcct, index in multiAt
	for a := uint32(0); a < uint32(s.n); a++ {
		if k < len(s.multiAcct) && s.multiAcct[k] == a {
			cnt := 1 + s.multiCum[k+1] - s.multiCum[k]
			var m uint64
			for end := r + cnt; r < end; r++ {
				rm := s.multi.mask[j] &^ bit
				if members.has(r) {
					rm |= bit
				}
				multiMask[j] = rm
				m |= rm
				j++
			}
			k++
			ns.masks.or(a, m)
			all |= m
			continue
		}
		m := s.masks.at(a) &^ bit
		if members.has(r) {
			m |= bit
		}
		ns.masks.or(a, m)
		all |= m
		r++
	}
	ns.slots = bits.Len64(all)
	if s.multi != nil {
		m := *s.multi
		m.mask = multiMask
		ns.multi = &m
	}
	return ns
}

// setAtomic is set for bitsets that several goroutines write at once.
func (b bitset) setAtomic(i uint32) { atomic.OrUint64(&b[i>>6], 1<<(i&63)) }
