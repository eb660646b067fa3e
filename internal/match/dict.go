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
// One Dict serves a whole network: indexes are matched on ids of the same
// Dict (an index of another Dict is rebased first, see Index.Rebase). It
// is safe for concurrent use and only grows (ids are never reused); its
// memory is reported by Bytes. Its owner reclaims it by replacing it with
// a new Dict holding the keys of the live indexes only (see the package
// documentation).
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
	// size): tag<<32 | local+1, 0 = empty. The tag (32 bits of the hash,
	// whose low bits are also the position) avoids most string
	// comparisons on a miss.
	slots []uint64
	n     int
	// chunks hold the strings back to back, a string never spanning two
	// chunks; chunk c starts with string first[c], and ends[i] is where
	// string i ends in its chunk. Room for more strings is a new chunk, so
	// growing never copies the strings (the copies, and the fresh pages
	// they faulted in, were most of the cost of adding a data source's
	// keys to a large Dict). Bytes once written never change, so strings
	// handed out by local stay valid.
	chunks     [][]byte
	first      []uint32
	ends       []uint32
	chunkBytes int      // the chunks' capacity
	_          [56]byte // keep shards on separate cache lines (192 bytes)
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
		b += int64(cap(s.slots))*8 + int64(cap(s.ends))*4 + int64(cap(s.first))*4 + int64(s.chunkBytes)
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

// A string's hash places it: the top bits choose its shard, bits 24 to 55
// are its tag, and the tag's low bits its slot in the shard's table. The
// slot comes from the tag, which the table stores, so that growing a table
// moves entries without reading and hashing their strings again.
func shardOf(h uint64) int  { return int(h >> (64 - shardBits)) }
func tagOf(h uint64) uint64 { return (h >> 24) & 0xffffffff }

// intern returns the id of str, adding it if new. The caller holds s.mu.
func (s *shard) intern(si int, h uint64, str string) uint32 {
	if 4*(s.n+1) > 3*len(s.slots) {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	tag := tagOf(h)
	for p := tag & mask; ; p = (p + 1) & mask {
		e := s.slots[p]
		if e == 0 {
			s.ends = append(s.ends, s.store(str))
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
	for p := tag & mask; ; p = (p + 1) & mask {
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
// change once written (see chunks).
func (s *shard) local(i uint32) string {
	c := len(s.first) - 1
	if i < s.first[c] {
		// An older chunk: there are few (their sizes grow geometrically).
		lo, hi := 0, c
		for lo < hi {
			m := int(uint(lo+hi+1) >> 1)
			if s.first[m] <= i {
				lo = m
			} else {
				hi = m - 1
			}
		}
		c = lo
	}
	start := uint32(0)
	if i > s.first[c] {
		start = s.ends[i-1]
	}
	end := s.ends[i]
	if start == end {
		return ""
	}
	return unsafe.String(&s.chunks[c][start], int(end-start))
}

// store appends str to the last chunk, starting a new one if it has no
// room, and returns where it ends in its chunk.
func (s *shard) store(str string) uint32 {
	if len(s.chunks) == 0 || cap(s.chunks[len(s.chunks)-1])-len(s.chunks[len(s.chunks)-1]) < len(str) {
		s.newChunk(len(str))
	}
	c := &s.chunks[len(s.chunks)-1]
	*c = append(*c, str...)
	return uint32(len(*c))
}

// newChunk starts a chunk with room for at least nb bytes (a batch's new
// strings exactly), and at least half of all the chunks before it, so
// that chunks stay few and many small additions cost amortized O(1).
func (s *shard) newChunk(nb int) {
	size := max(nb, 64, s.chunkBytes/2)
	s.chunks = append(s.chunks, make([]byte, 0, size))
	s.first = append(s.first, uint32(s.n))
	s.chunkBytes += size
}

// reserve makes room for up to n more strings of nb bytes in all, growing
// each array at most once (and at least twofold, so that many small
// batches cost amortized O(1) per string): growth by append would copy and
// fault in fresh pages several times over.
func (s *shard) reserve(n, nb int) {
	if 4*(s.n+n) > 3*len(s.slots) {
		size := max(64, 2*len(s.slots))
		for 4*(s.n+n) > 3*size {
			size *= 2
		}
		s.rehash(size)
	}
	if len(s.chunks) == 0 || cap(s.chunks[len(s.chunks)-1])-len(s.chunks[len(s.chunks)-1]) < nb {
		s.newChunk(nb)
	}
	if cap(s.ends)-len(s.ends) < n {
		ends := make([]uint32, len(s.ends), max(2*cap(s.ends), len(s.ends)+n))
		copy(ends, s.ends)
		s.ends = ends
	}
}

func (s *shard) grow() { s.rehash(max(64, 2*len(s.slots))) }

func (s *shard) rehash(size int) {
	slots := make([]uint64, size)
	mask := uint64(size - 1)
	for _, e := range s.slots {
		if e == 0 {
			continue
		}
		p := (e >> 32) & mask // the tag's low bits
		for slots[p] != 0 {
			p = (p + 1) & mask
		}
		slots[p] = e
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
	id := s.intern(si, h, str)
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

// internItem is one string of a batch: its hash, its tag (what the caller
// needs to place its id) and its length (its bytes follow the previous
// item's in the part's buffer). Once interned, h holds id<<32 | tag.
type internItem struct {
	h      uint64
	tag, n uint32
}

// internPart holds the strings of one batch that one worker found for one
// shard. n1 counts the items whose tag has tagKind1 set.
type internPart struct {
	items []internItem
	buf   []byte
	n1    int
}

// tagKind1 marks a second kind of key in a batch's tags (registration ids
// among domains).
const tagKind1 = 1 << 31

// internBatch is a batch of interned strings, by worker and shard: the
// items of parts[w][si] hold id<<32 | tag, in shard order, then worker
// order within a shard. slabs are the workers' item arrays that the parts
// were carved from: once the ids are read, their memory can be reused.
type internBatch struct {
	parts [][numShards]internPart
	slabs [][]internItem
}

// scratch returns the largest slab as n uint64s if it holds that many,
// else nil: the caller's sort reuses it, once it has read every id,
// instead of allocating (and faulting in) as much again. Items hold no
// pointers, so the memory can hold integers.
func (b *internBatch) scratch(n int) []uint64 {
	var best []internItem
	for _, s := range b.slabs {
		if len(s) > len(best) {
			best = s
		}
	}
	if n == 0 || 2*len(best) < n {
		return nil
	}
	return unsafe.Slice((*uint64)(unsafe.Pointer(&best[0])), 2*len(best))
}

// each calls f for every interned item of shards [lo, hi), split across
// workers; f gets the worker, and its shards in order.
func (b *internBatch) each(workers int, f func(w int, p *internPart)) {
	parallel(workers, numShards, func(w, lo, hi int) {
		for si := lo; si < hi; si++ {
			for pw := range b.parts {
				f(w, &b.parts[pw][si])
			}
		}
	})
}

// internStrings interns strs, writing ids to out ("" gets 0).
func (d *Dict) internStrings(strs []string, out []uint32, workers int) {
	sample, nb := min(len(strs), 1024), 0
	for _, str := range strs[:sample] {
		nb += len(str)
	}
	b := d.intern(len(strs), len(strs), nb/max(1, sample), func(lo, hi int, emit func(uint32, string)) {
		for i := lo; i < hi; i++ {
			emit(uint32(i), strs[i])
		}
	}, workers)
	b.each(workers, func(_ int, p *internPart) {
		for _, it := range p.items {
			out[uint32(it.h)] = uint32(it.h >> 32)
		}
	})
}

// intern interns the strings that visit emits for units [lo, hi), each
// with a tag, on up to workers goroutines; keys estimates how many strings
// there are in all and keyBytes their average length. The result gives
// each string's id with its tag; "" gets id 0 and is not stored.
//
// Each worker reads the caller's strings once, in the caller's order,
// hashes them and appends them to a buffer of their shard; each shard is
// then locked once and interned from those buffers, reading memory
// sequentially. (Following the caller's string pointers in shard order
// missed the cache on every string and cost 3× more; copying into one
// staging buffer and then again into shard order cost a second copy and
// twice the temporary memory, whose allocation drives the collector.) The
// ids come back in shard order, with their tags, rather than written to
// an array indexed by tag: those writes missed the cache on every key, and
// the caller (Build) wants postings of ids to sort anyway.
func (d *Dict) intern(units, keys, keyBytes int, visit func(lo, hi int, emit func(tag uint32, s string)), workers int) *internBatch {
	if units < 2048 {
		// Small batches: one by one, in the caller's order.
		b := &internBatch{parts: make([][numShards]internPart, 1)}
		p := &b.parts[0][0]
		visit(0, units, func(tag uint32, s string) {
			p.items = append(p.items, internItem{h: uint64(d.Intern(s))<<32 | uint64(tag)})
			if tag&tagKind1 != 0 {
				p.n1++
			}
		})
		return b
	}
	b := &internBatch{parts: make([][numShards]internPart, workers), slabs: make([][]internItem, workers)}
	parallel(workers, units, func(w, lo, hi int) {
		ps := &b.parts[w]
		// The parts' first arrays are carved from two slabs sized for
		// this worker's share of the keys (hashes spread them evenly over
		// the shards, within a few percent at these sizes); a part that
		// outgrows its share grows on its own.
		per := (keys*(hi-lo)/units)/numShards*17/16 + 16
		perBytes := per * (keyBytes + 1)
		items := make([]internItem, numShards*per)
		b.slabs[w] = items
		buf := make([]byte, numShards*perBytes)
		for si := range ps {
			ps[si].items = items[si*per : si*per : (si+1)*per]
			ps[si].buf = buf[si*perBytes : si*perBytes : (si+1)*perBytes]
		}
		visit(lo, hi, func(tag uint32, s string) {
			h := uint64(0) // "": id 0, in shard 0's part
			if s != "" {
				h = d.hash(s)
			}
			p := &ps[shardOf(h)]
			if uint(len(s)) >= found {
				// Too long to mark as found: interned now.
				p.items = append(p.items, internItem{uint64(d.Intern(s))<<32 | uint64(tag), tag, found})
				if tag&tagKind1 != 0 {
					p.n1++
				}
				return
			}
			p.items = append(p.items, internItem{h, tag, uint32(len(s))})
			p.buf = append(p.buf, s...)
			if tag&tagKind1 != 0 {
				p.n1++
			}
		})
	})
	// Intern shard by shard, in worker order within a shard: first look
	// every string up, then make room for those not found and add them.
	// (Making room for all of them would double the Dict's tables on
	// every re-upload of the same data.)
	parallel(workers, numShards, func(_, lo, hi int) {
		for si := lo; si < hi; si++ {
			s := &d.shards[si]
			s.mu.Lock()
			miss, missBytes := 0, 0
			for w := range b.parts {
				p := &b.parts[w][si]
				off := 0
				for k := range p.items {
					it := &p.items[k]
					if it.n&found != 0 {
						continue
					}
					if it.n == 0 {
						it.h = uint64(it.tag) // "": id 0
						it.n = found
						continue
					}
					if id := s.find(si, it.h, unsafe.String(&p.buf[off], int(it.n))); id != 0 {
						it.h = uint64(id)<<32 | uint64(it.tag)
						off += int(it.n)
						it.n |= found
						continue
					}
					off += int(it.n)
					miss++
					missBytes += int(it.n)
				}
			}
			if miss > 0 {
				s.reserve(miss, missBytes)
				for w := range b.parts {
					p := &b.parts[w][si]
					off := 0
					for k := range p.items {
						it := &p.items[k]
						if it.n&found != 0 {
							off += int(it.n &^ found)
							continue
						}
						id := s.intern(si, it.h, unsafe.String(&p.buf[off], int(it.n)))
						off += int(it.n)
						it.h = uint64(id)<<32 | uint64(it.tag)
					}
				}
			}
			s.mu.Unlock()
			for w := range b.parts {
				b.parts[w][si].buf = nil
			}
		}
	})
	return b
}

// found marks an item whose id is known, in its length (keys are shorter
// than 2 GiB).
const found = 1 << 31
