package acctmap

import "github.com/cespare/xxhash/v2"

// idSet finds the records of an import that repeat an id: an
// open-addressing table of a 32-bit fingerprint of each id's hash and the
// record's position, the id itself read back from the records (idAt) when
// a fingerprint matches. A million ids take 16 MiB in one allocation and
// a probe is about one cache miss, where a map[string]int holds a string
// header per id and compares them through pointers (about a third of the
// time of reading a million-row file went to it).
type idSet struct {
	slots []uint64 // fingerprint<<32 | position+1; 0: empty
	n     int
	idAt  func(pos int) string
}

// newIDSet returns an empty set sized for about n ids, reading ids back
// with idAt.
func newIDSet(n int, idAt func(pos int) string) *idSet {
	s := &idSet{idAt: idAt}
	s.slots = make([]uint64, tableSize(n))
	return s
}

// tableSize is the power of two of at least 16 slots, and at least twice n.
func tableSize(n int) int {
	size := 16
	for size < 2*n {
		size *= 2
	}
	return size
}

// find returns the position of id, if the set holds it.
func (s *idSet) find(id string) (int, bool) {
	h := xxhash.Sum64String(id)
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		e := s.slots[i]
		if e == 0 {
			return 0, false
		}
		if e>>32 == h>>32 {
			if p := int(uint32(e)) - 1; s.idAt(p) == id {
				return p, true
			}
		}
	}
}

// add records that the id at pos (not in the set) is there.
func (s *idSet) add(id string, pos int) {
	if 2*(s.n+1) > len(s.slots) {
		s.grow()
	}
	s.insert(xxhash.Sum64String(id), pos)
	s.n++
}

func (s *idSet) insert(h uint64, pos int) {
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		if s.slots[i] == 0 {
			s.slots[i] = h>>32<<32 | uint64(pos+1)
			return
		}
	}
}

// grow doubles the table, the ids' hashes computed again from idAt: the
// table is sized from the input, so this is rare.
func (s *idSet) grow() {
	old := s.slots
	s.slots = make([]uint64, 2*len(old))
	for _, e := range old {
		if e != 0 {
			p := int(uint32(e)) - 1
			s.insert(xxhash.Sum64String(s.idAt(p)), p)
		}
	}
}
