package match

import (
	"sync"
	"unsafe"

	"github.com/cespare/xxhash/v2"
)

// shardBits is log2 of the number of Dict shards. 256 shards keep lock
// contention between concurrent builds negligible and make one shard's
// table small enough to stay in cache while a batch is interned into it.
const shardBits = 8

const numShards = 1 << shardBits

// Dict interns canonical key strings (domains, registration ids, name keys)
// to dense uint32 ids, so that the matcher compares integers only and two
// ids are equal exactly when their strings are equal: a 64-bit hash places
// a string in the table, and the string itself is compared on every hash
// hit, so a hash collision can never merge two keys.
//
// One Dict serves a whole network: indexes can only be matched when built
// with the same Dict. It is safe for concurrent use and only grows (ids are
// never reused); its memory is reported by Bytes.
//
// Strings of different kinds share the id space: the index keeps each kind
// in its own arrays, so a domain and a name key that happen to be the same
// string never meet.
type Dict struct {
	hash   func(string) uint64
	shards [numShards]shard
}

// shard is one lock's worth of the table. An id is (local+1)<<shardBits |
// shard, so ids are dense across shards, never 0, and name their shard.
type shard struct {
	mu sync.RWMutex
	// slots is an open-addressing table (linear probing, power-of-two
	// size): tag<<32 | local+1, 0 = empty. The tag (32 bits of the hash
	// not used for the position) avoids most string comparisons on a miss.
	slots []uint64
	n     int
	// data holds the strings back to back; ends[i] is where string i ends.
	// Bytes once written never change, so strings handed out by str stay
	// valid when data grows.
	data []byte
	ends []uint32
	_    [40]byte // keep shards on separate cache lines
}

// NewDict returns an empty Dict.
func NewDict() *Dict { return newDictHash(xxhash.Sum64String) }

// newDictHash returns a Dict placing strings with hash h; tests force
// collisions with it.
func newDictHash(h func(string) uint64) *Dict { return &Dict{hash: h} }

// Len returns the number of distinct strings interned.
func (d *Dict) Len() int {
	n := 0
	for i := range d.shards {
		s := &d.shards[i]
		s.mu.RLock()
		n += s.n
		s.mu.RUnlock()
	}
	return n
}

// Bytes returns the memory held by the Dict: its tables and strings.
func (d *Dict) Bytes() int64 {
	var b int64
	for i := range d.shards {
		s := &d.shards[i]
		s.mu.RLock()
		b += int64(cap(s.slots))*8 + int64(cap(s.data)) + int64(cap(s.ends))*4
		s.mu.RUnlock()
	}
	return b + int64(unsafe.Sizeof(*d))
}

// maxID bounds the ids handed out so far (exclusive): bitmaps over ids are
// this many bits.
func (d *Dict) maxID() uint32 {
	m := 0
	for i := range d.shards {
		s := &d.shards[i]
		s.mu.RLock()
		m = max(m, s.n)
		s.mu.RUnlock()
	}
	return uint32(m+1) << shardBits
}

func shardOf(h uint64) int  { return int(h >> (64 - shardBits)) }
func tagOf(h uint64) uint64 { return (h >> 24) & 0xffffffff }

// intern returns the id of str, adding it if new. The caller holds s.mu.
func (s *shard) intern(d *Dict, si int, h uint64, str string) uint32 {
	if 4*(s.n+1) > 3*len(s.slots) {
		s.grow(d)
	}
	mask := uint64(len(s.slots) - 1)
	tag := tagOf(h)
	for p := h & mask; ; p = (p + 1) & mask {
		e := s.slots[p]
		if e == 0 {
			s.data = append(s.data, str...)
			s.ends = append(s.ends, uint32(len(s.data)))
			s.n++
			s.slots[p] = tag<<32 | uint64(s.n)
			return uint32(s.n)<<shardBits | uint32(si)
		}
		if e>>32 == tag && s.local(uint32(e)-1) == str {
			return uint32(e)<<shardBits | uint32(si)
		}
	}
}

// find returns the id of str, or 0 if it was never interned. The caller
// holds s.mu (for reading at least).
func (s *shard) find(si int, h uint64, str string) uint32 {
	if len(s.slots) == 0 {
		return 0
	}
	mask := uint64(len(s.slots) - 1)
	tag := tagOf(h)
	for p := h & mask; ; p = (p + 1) & mask {
		e := s.slots[p]
		if e == 0 {
			return 0
		}
		if e>>32 == tag && s.local(uint32(e)-1) == str {
			return uint32(e)<<shardBits | uint32(si)
		}
	}
}

// local returns string i of the shard without copying: the bytes never
// change once written (see data).
func (s *shard) local(i uint32) string {
	start := uint32(0)
	if i > 0 {
		start = s.ends[i-1]
	}
	end := s.ends[i]
	if start == end {
		return ""
	}
	return unsafe.String(&s.data[start], int(end-start))
}

// reserve makes room for up to n more strings of nb bytes in all, growing
// each array at most once (and at least twofold, so that many small
// batches cost amortized O(1) per string): growth by append would copy and
// fault in fresh pages several times over.
func (s *shard) reserve(d *Dict, n, nb int) {
	if 4*(s.n+n) > 3*len(s.slots) {
		size := max(64, 2*len(s.slots))
		for 4*(s.n+n) > 3*size {
			size *= 2
		}
		s.rehash(d, size)
	}
	if cap(s.data)-len(s.data) < nb {
		data := make([]byte, len(s.data), max(2*cap(s.data), len(s.data)+nb))
		copy(data, s.data)
		s.data = data
	}
	if cap(s.ends)-len(s.ends) < n {
		ends := make([]uint32, len(s.ends), max(2*cap(s.ends), len(s.ends)+n))
		copy(ends, s.ends)
		s.ends = ends
	}
}

func (s *shard) grow(d *Dict) { s.rehash(d, max(64, 2*len(s.slots))) }

func (s *shard) rehash(d *Dict, size int) {
	slots := make([]uint64, size)
	mask := uint64(size - 1)
	for i := uint32(0); i < uint32(s.n); i++ {
		h := d.hash(s.local(i))
		p := h & mask
		for slots[p] != 0 {
			p = (p + 1) & mask
		}
		slots[p] = tagOf(h)<<32 | uint64(i+1)
	}
	s.slots = slots
}

// Intern returns the id of str, adding it if new; "" has id 0 and is not
// stored. Build interns in batches;
// this is for single keys.
func (d *Dict) Intern(str string) uint32 {
	if str == "" {
		return 0
	}
	h := d.hash(str)
	si := shardOf(h)
	s := &d.shards[si]
	s.mu.Lock()
	id := s.intern(d, si, h, str)
	s.mu.Unlock()
	return id
}

// Lookup returns the id of str and whether it was ever interned.
func (d *Dict) Lookup(str string) (uint32, bool) {
	if str == "" {
		return 0, false
	}
	h := d.hash(str)
	si := shardOf(h)
	s := &d.shards[si]
	s.mu.RLock()
	id := s.find(si, h, str)
	s.mu.RUnlock()
	return id, id != 0
}

// String returns the string of id, or "" for an id the Dict never gave.
func (d *Dict) String(id uint32) string {
	s := &d.shards[id&(numShards-1)]
	local := id >> shardBits
	s.mu.RLock()
	defer s.mu.RUnlock()
	if local == 0 || int(local) > s.n {
		return ""
	}
	return s.local(local - 1)
}

// internItem is one string of a batch: its hash, where its id goes, and
// where its bytes are (in a worker's staging copy, then in the batch's
// shard-ordered copy).
type internItem struct {
	h        uint64
	occ, off uint32
}

// internStrings interns strs, writing ids to out ("" gets 0).
func (d *Dict) internStrings(strs []string, out []uint32, workers int) {
	d.internBatch(len(strs), func(lo, hi int, emit func(uint32, string)) {
		for i := lo; i < hi; i++ {
			emit(uint32(i), strs[i])
		}
	}, out, workers)
}

// internBatch interns the strings that visit emits for units [lo, hi)
// (each with the index in out that receives its id), on up to workers
// goroutines. Every string is read from the caller's memory once, copied
// into a staging buffer and hashed there; items and bytes are then grouped
// by shard, so that each shard is locked once per batch and interning
// reads memory sequentially. (Following the caller's string pointers in
// shard order missed the cache on every string and cost 3× more.)
func (d *Dict) internBatch(units int, visit func(lo, hi int, emit func(occ uint32, s string)), out []uint32, workers int) {
	if units == 0 {
		return
	}
	if units < 2048 {
		visit(0, units, func(occ uint32, s string) { out[occ] = d.Intern(s) })
		return
	}
	type staged struct {
		items  []internItem
		buf    []byte
		counts [numShards]uint32
		nbytes [numShards]uint32
	}
	st := make([]staged, workers)
	parallel(workers, units, func(w, lo, hi int) {
		sw := &st[w]
		sw.items = make([]internItem, 0, 3*(hi-lo))
		sw.buf = make([]byte, 0, 48*(hi-lo))
		visit(lo, hi, func(occ uint32, s string) {
			if s == "" {
				out[occ] = 0
				return
			}
			off := len(sw.buf)
			sw.buf = append(sw.buf, s...)
			h := d.hash(unsafe.String(&sw.buf[off], len(s)))
			sw.items = append(sw.items, internItem{h, occ, uint32(off)})
			sw.counts[shardOf(h)]++
			sw.nbytes[shardOf(h)] += uint32(len(s))
		})
	})
	// Scatter items and bytes into shard order (a counting sort on the
	// shard bits).
	var starts, byteStarts [numShards + 1]uint32
	offs := make([][numShards]uint32, workers)
	boffs := make([][numShards]uint32, workers)
	pos, bpos := uint32(0), uint64(0)
	for s := 0; s < numShards; s++ {
		starts[s], byteStarts[s] = pos, uint32(bpos)
		for w := 0; w < workers; w++ {
			offs[w][s], boffs[w][s] = pos, uint32(bpos)
			pos += st[w].counts[s]
			bpos += uint64(st[w].nbytes[s])
		}
	}
	if bpos >= 1<<32 {
		// Offsets are 32-bit: split huge batches.
		d.internBatch(units/2, visit, out, workers)
		d.internBatch(units-units/2, func(lo, hi int, emit func(uint32, string)) { visit(units/2+lo, units/2+hi, emit) }, out, workers)
		return
	}
	starts[numShards], byteStarts[numShards] = pos, uint32(bpos)
	sorted := make([]internItem, pos)
	buf := make([]byte, bpos)
	parallel(workers, workers, func(_, lo, hi int) {
		for w := lo; w < hi; w++ {
			sw := &st[w]
			o, bo := &offs[w], &boffs[w]
			for k, it := range sw.items {
				end := uint32(len(sw.buf))
				if k+1 < len(sw.items) {
					end = sw.items[k+1].off
				}
				s := shardOf(it.h)
				n := uint32(copy(buf[bo[s]:], sw.buf[it.off:end]))
				it.off = bo[s]
				sorted[o[s]] = it
				o[s]++
				bo[s] += n
			}
			sw.items, sw.buf = nil, nil
		}
	})
	// Intern shard by shard.
	parallel(workers, numShards, func(w, lo, hi int) {
		for si := lo; si < hi; si++ {
			group := sorted[starts[si]:starts[si+1]]
			if len(group) == 0 {
				continue
			}
			s := &d.shards[si]
			s.mu.Lock()
			s.reserve(d, len(group), int(byteStarts[si+1]-byteStarts[si]))
			for k, it := range group {
				end := byteStarts[si+1]
				if k+1 < len(group) {
					end = group[k+1].off
				}
				out[it.occ] = s.intern(d, si, it.h, unsafe.String(&buf[it.off], int(end-it.off)))
			}
			s.mu.Unlock()
		}
	})
}
