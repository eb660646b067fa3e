package match

import (
	"math/bits"
	"strings"
	"sync"
	"unsafe"
)

// Record is one account record of a data source, with its keys already
// normalized (package normalize).
type Record struct {
	ID      string   // source record id, unique in the data source
	Domains []string // canonical registrable domains, 0..n
	RegID   string   // "scheme:value" registration id (e.g. "duns:001234567"), or ""
	NameKey string   // canonical company-name key, or ""
	Mask    uint64   // population membership: bit i set = in population slot i
}

// Index is an immutable snapshot of one data source's accounts: records
// linked by a shared domain or registration id are resolved into one
// account. It is safe for concurrent readers. Apply returns a new snapshot
// and leaves the receiver valid.
type Index struct {
	dict *Dict
	base *segment
	// dead marks base accounts replaced by the overlay (nil when none).
	dead     bitset
	nDead    int
	deadRecs int // records of the dead accounts
	// ov holds the accounts changed since base was built; its accounts are
	// numbered after base's.
	ov    *segment
	slots int
	// maxOverlay overrides the overlay size that triggers compaction
	// (tests); 0 means 256 + base accounts/64.
	maxOverlay int
}

// Build resolves recs into accounts and indexes their keys, interning the
// keys into d. It uses all cores for large inputs. Record ids are expected
// to be unique (the caller's store guarantees it).
func Build(d *Dict, recs []Record) *Index {
	in := internRecords(d, recs)
	seg := buildSegment(in)
	return &Index{dict: d, base: seg, slots: seg.slots}
}

// Len returns the number of records in the index.
func (x *Index) Len() int {
	n := x.base.nRec - x.deadRecs
	if x.ov != nil {
		n += x.ov.nRec
	}
	return n
}

// Accounts returns the number of accounts (records after resolution).
func (x *Index) Accounts() int {
	n := x.base.n - x.nDead
	if x.ov != nil {
		n += x.ov.n
	}
	return n
}

// Slots returns 1 + the highest population slot of any record indexed: the
// number of rows (or columns) of this index's side of a Matrix.
func (x *Index) Slots() int { return x.slots }

// Dict returns the Dict the index was built with.
func (x *Index) Dict() *Dict { return x.dict }

// Bytes returns the memory held by the index's structures, without the
// Dict (shared by every index of a network) and without lazily built
// lookup tables.
func (x *Index) Bytes() int64 {
	b := x.base.bytes() + int64(len(x.dead))*8
	if x.ov != nil {
		b += x.ov.bytes()
	}
	return b
}

// irecs are records with interned keys, as columns.
type irecs struct {
	ids      []string
	domStart []uint32 // len n+1: record i's domains are doms[domStart[i]:domStart[i+1]]
	doms     []uint32
	reg      []uint32 // 0 = none
	scheme   []uint32 // the registration id's scheme, interned
	name     []uint32 // 0 = none
	mask     []uint64
}

func (r *irecs) len() int { return len(r.ids) }

func (r *irecs) add(id string, doms []uint32, reg, scheme, name uint32, mask uint64) {
	if len(r.domStart) == 0 {
		r.domStart = append(r.domStart, 0)
	}
	r.ids = append(r.ids, id)
	r.doms = append(r.doms, doms...)
	r.domStart = append(r.domStart, uint32(len(r.doms)))
	r.reg = append(r.reg, reg)
	r.scheme = append(r.scheme, scheme)
	r.name = append(r.name, name)
	r.mask = append(r.mask, mask)
}

func (r *irecs) recDoms(i int) []uint32 { return r.doms[r.domStart[i]:r.domStart[i+1]] }

// regScheme returns the scheme part of a "scheme:value" id ("" if none).
func regScheme(s string) string {
	if i := strings.IndexByte(s, ':'); i >= 0 {
		return s[:i]
	}
	return ""
}

// internRecords interns every key of recs in one batch per kind.
func internRecords(d *Dict, recs []Record) *irecs {
	n := len(recs)
	in := &irecs{
		ids:      make([]string, n),
		domStart: make([]uint32, n+1),
		reg:      make([]uint32, n),
		scheme:   make([]uint32, n),
		name:     make([]uint32, n),
		mask:     make([]uint64, n),
	}
	nd := 0
	for i := range recs {
		nd += len(recs[i].Domains)
		in.domStart[i+1] = uint32(nd)
	}
	// One batch for every key: domains at their flat position, then name
	// keys, registration ids and their schemes at nd+i, nd+n+i, nd+2n+i.
	ids := make([]uint32, nd+3*n)
	w := workersFor(n)
	d.internBatch(n, func(lo, hi int, emit func(uint32, string)) {
		for i := lo; i < hi; i++ {
			r := &recs[i]
			in.ids[i] = r.ID
			in.mask[i] = r.Mask
			for k, dom := range r.Domains {
				emit(in.domStart[i]+uint32(k), dom)
			}
			emit(uint32(nd+i), r.NameKey)
			emit(uint32(nd+n+i), r.RegID)
			emit(uint32(nd+2*n+i), regScheme(r.RegID))
		}
	}, ids, w)
	in.doms = ids[:nd:nd]
	copy(in.name, ids[nd:nd+n])
	copy(in.reg, ids[nd+n:nd+2*n])
	copy(in.scheme, ids[nd+2*n:])
	return in
}

// segment is an immutable set of accounts and their sorted keys.
//
// Accounts are numbered in the order of their smallest domain id, so that
// the domain array of the accounts that have one (prim) is sorted and needs
// no account column: the overlap of two indexes is mostly one merge of two
// uint32 arrays. Accounts without a domain come last.
type segment struct {
	n, nDom, nRec int
	slots         int

	prim []uint32 // len nDom: smallest domain id of account a, ascending

	// Other domains of accounts, by key and by account.
	extraKey, extraAcct []uint32
	extraByAcct         []uint64 // acct<<32 | key, sorted

	// Registration ids: regKey ascending with their account and scheme;
	// regByAcct is acct<<32 | index into regKey, sorted.
	regKey, regAcct, regScheme []uint32
	regByAcct                  []uint64
	hasReg                     bitset

	name       []uint32 // per account: a name key id, 0 if none
	extraNames []uint64 // acct<<32 | name for accounts with several names, sorted

	masks masks

	// Records grouped by account: account a has records
	// [recStart[a], recStart[a+1]); their ids are in idData.
	recStart []uint32
	idData   []byte
	idEnd    []uint32

	// The records of accounts with several records, with their own keys,
	// in record order (Apply re-resolves such accounts): multiAt is
	// sorted record positions, multi their keys.
	multiAt []uint32
	multi   *irecs

	// Built on first use: name postings (only name matching needs them)
	// and the record id lookup (only Apply needs it).
	namesOnce   sync.Once
	nameKey     []uint32 // every account's names, ascending
	nameAcct    []uint32
	noDomKey    []uint32 // names of accounts without a domain, ascending
	noDomAcct   []uint32
	idsOnce     sync.Once
	idTable     []uint32 // open addressing on the id's hash: record position+1
	idTableMask uint64
}

// masks stores population masks in the narrowest width that holds the
// highest slot in use: 8 populations cost one byte per account.
type masks struct {
	w   int
	b8  []uint8
	b16 []uint16
	b32 []uint32
	b64 []uint64
}

func newMasks(n int, all uint64) masks {
	switch {
	case all < 1<<8:
		return masks{w: 1, b8: make([]uint8, n)}
	case all < 1<<16:
		return masks{w: 2, b16: make([]uint16, n)}
	case all < 1<<32:
		return masks{w: 4, b32: make([]uint32, n)}
	}
	return masks{w: 8, b64: make([]uint64, n)}
}

func (m *masks) at(i uint32) uint64 {
	switch m.w {
	case 1:
		return uint64(m.b8[i])
	case 2:
		return uint64(m.b16[i])
	case 4:
		return uint64(m.b32[i])
	}
	return m.b64[i]
}

func (m *masks) or(i uint32, v uint64) {
	switch m.w {
	case 1:
		m.b8[i] |= uint8(v)
	case 2:
		m.b16[i] |= uint16(v)
	case 4:
		m.b32[i] |= uint32(v)
	default:
		m.b64[i] |= v
	}
}

func (s *segment) bytes() int64 {
	b := 4 * int64(cap(s.prim)+cap(s.extraKey)+cap(s.extraAcct)+cap(s.regKey)+cap(s.regAcct)+
		cap(s.regScheme)+cap(s.name)+cap(s.recStart)+cap(s.idEnd)+cap(s.multiAt))
	b += 8 * int64(cap(s.extraByAcct)+cap(s.regByAcct)+cap(s.hasReg)+cap(s.extraNames))
	b += int64(s.masks.w) * int64(s.n)
	if s.multi != nil {
		m := s.multi
		b += 4*int64(cap(m.domStart)+cap(m.doms)+cap(m.reg)+cap(m.scheme)+cap(m.name)) + 8*int64(cap(m.mask)) + 16*int64(cap(m.ids))
	}
	return b + int64(unsafe.Sizeof(*s))
}

// recID returns the id of record position r without copying: idData is
// never written after the segment is built.
func (s *segment) recID(r uint32) string {
	start := uint32(0)
	if r > 0 {
		start = s.idEnd[r-1]
	}
	if s.idEnd[r] == start {
		return ""
	}
	return unsafe.String(&s.idData[start], int(s.idEnd[r]-start))
}

// unionFind is a disjoint-set forest over record positions.
type unionFind []uint32

func (u unionFind) find(i uint32) uint32 {
	for u[i] != i {
		u[i] = u[u[i]] // path halving
		i = u[i]
	}
	return i
}

func (u unionFind) union(a, b uint32) {
	ra, rb := u.find(a), u.find(b)
	if ra != rb {
		if ra < rb {
			u[rb] = ra
		} else {
			u[ra] = rb
		}
	}
}

// buildSegment resolves records into accounts and builds their key arrays.
func buildSegment(in *irecs) *segment {
	n := in.len()
	s := &segment{nRec: n}

	// Domain and registration id postings, sorted by key: adjacent equal
	// keys are records of one account.
	var dp, rp []uint64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		dp = make([]uint64, len(in.doms))
		for i := 0; i < n; i++ {
			for k := in.domStart[i]; k < in.domStart[i+1]; k++ {
				dp[k] = uint64(in.doms[k])<<32 | uint64(i)
			}
		}
		sortHigh32(dp)
	}()
	nr := 0
	for _, r := range in.reg {
		if r != 0 {
			nr++
		}
	}
	rp = make([]uint64, 0, nr)
	for i, r := range in.reg {
		if r != 0 {
			rp = append(rp, uint64(r)<<32|uint64(i))
		}
	}
	sortHigh32(rp)
	// Record ids: copied first in input order (the caller's strings are
	// read sequentially), later from that copy into account order.
	tmpEnd := make([]uint32, n)
	idBytes := 0
	for i := 0; i < n; i++ {
		idBytes += len(in.ids[i])
		tmpEnd[i] = uint32(idBytes)
	}
	tmp := make([]byte, 0, idBytes)
	for i := 0; i < n; i++ {
		tmp = append(tmp, in.ids[i]...)
	}
	wg.Wait()

	var uf unionFind
	link := func(p []uint64) {
		for k := 1; k < len(p); k++ {
			if p[k]>>32 == p[k-1]>>32 {
				if uf == nil {
					uf = make(unionFind, n)
					for i := range uf {
						uf[i] = uint32(i)
					}
				}
				uf.union(uint32(p[k-1]), uint32(p[k]))
			}
		}
	}
	link(dp)
	link(rp)
	root := func(i uint32) uint32 {
		if uf == nil {
			return i
		}
		return uf.find(i)
	}

	// Number accounts in the order of their smallest domain, then the
	// domainless ones in record order.
	const none = ^uint32(0)
	acctOf := make([]uint32, n) // by root record
	for i := range acctOf {
		acctOf[i] = none
	}
	prim := make([]uint32, 0, n)
	na := uint32(0)
	var extras []uint64 // key<<32 | acct, in key order
	prev := uint64(0)
	for _, p := range dp {
		key := p >> 32
		r := root(uint32(p))
		a := acctOf[r]
		if a == none {
			a = na
			acctOf[r] = a
			na++
			prim = append(prim, uint32(key))
		} else if key != prev && uint32(key) != prim[a] {
			extras = append(extras, key<<32|uint64(a))
		}
		prev = key
	}
	s.nDom = int(na)
	for i := 0; i < n; i++ {
		r := root(uint32(i))
		if acctOf[r] == none {
			acctOf[r] = na
			na++
		}
	}
	s.n = int(na)
	s.prim = prim[:len(prim):len(prim)]
	s.extraKey = make([]uint32, len(extras))
	s.extraAcct = make([]uint32, len(extras))
	s.extraByAcct = make([]uint64, len(extras))
	for k, e := range extras {
		s.extraKey[k] = uint32(e >> 32)
		s.extraAcct[k] = uint32(e)
		s.extraByAcct[k] = e<<32 | e>>32
	}
	recAcct := make([]uint32, n)
	for i := range recAcct {
		recAcct[i] = acctOf[root(uint32(i))]
	}
	acct := func(i int) uint32 { return recAcct[i] }

	// Aliases by account and registration ids on one core, records on the
	// other.
	wg.Add(1)
	go func() {
		defer wg.Done()
		sortHigh32(s.extraByAcct)
		s.buildRegs(in, rp, recAcct)
	}()
	defer wg.Wait()

	// Records grouped by account (a counting sort), masks and names.
	s.recStart = make([]uint32, s.n+1)
	for i := 0; i < n; i++ {
		s.recStart[acct(i)+1]++
	}
	multiAccts := 0
	for a := 0; a < s.n; a++ {
		if s.recStart[a+1] > 1 {
			multiAccts++
		}
		s.recStart[a+1] += s.recStart[a]
	}
	order := make([]uint32, n) // record position → input record
	fill := make([]uint32, s.n)
	copy(fill, s.recStart[:s.n])
	all := uint64(0)
	// What the account loop below needs of a record, in one cache line:
	// accounts are in key order, which is random relative to the input
	// when another org interned the keys first, and reading four columns
	// there cost four cache misses per record.
	type recInfo struct {
		mask           uint64
		name, idLo, id uint32
	}
	info := make([]recInfo, n)
	for i := 0; i < n; i++ {
		a := acct(i)
		order[fill[a]] = uint32(i)
		fill[a]++
		all |= in.mask[i]
		lo := uint32(0)
		if i > 0 {
			lo = tmpEnd[i-1]
		}
		info[i] = recInfo{in.mask[i], in.name[i], lo, tmpEnd[i]}
	}
	s.slots = bits.Len64(all)
	s.masks = newMasks(s.n, all)
	s.name = make([]uint32, s.n)
	s.idData = make([]byte, 0, idBytes)
	s.idEnd = make([]uint32, n)
	if multiAccts > 0 {
		s.multi = &irecs{}
	}
	for a := 0; a < s.n; a++ {
		lo, hi := s.recStart[a], s.recStart[a+1]
		for r := lo; r < hi; r++ {
			i := order[r]
			ri := &info[i]
			s.idData = append(s.idData, tmp[ri.idLo:ri.id]...)
			s.idEnd[r] = uint32(len(s.idData))
			s.masks.or(uint32(a), ri.mask)
			nm := ri.name
			if nm != 0 {
				switch {
				case s.name[a] == 0:
					s.name[a] = nm
				case s.name[a] != nm && !s.hasExtraName(uint32(a), nm):
					s.extraNames = append(s.extraNames, uint64(a)<<32|uint64(nm))
				}
			}
			if hi-lo > 1 {
				s.multiAt = append(s.multiAt, r)
				s.multi.add(in.ids[i], in.recDoms(int(i)), in.reg[i], in.scheme[i], nm, in.mask[i])
			}
		}
	}
	return s
}

// buildRegs fills the registration id arrays from rp (key<<32 | record,
// sorted).
func (s *segment) buildRegs(in *irecs, rp []uint64, recAcct []uint32) {
	s.hasReg = newBitset(s.n)
	prev := uint64(0)
	for _, p := range rp {
		key := p >> 32
		if key == prev {
			continue
		}
		prev = key
		i := int(uint32(p))
		a := recAcct[i]
		s.regByAcct = append(s.regByAcct, uint64(a)<<32|uint64(len(s.regKey)))
		s.regKey = append(s.regKey, uint32(key))
		s.regAcct = append(s.regAcct, a)
		s.regScheme = append(s.regScheme, in.scheme[i])
		s.hasReg.set(a)
	}
	sortHigh32(s.regByAcct)

}

// hasExtraName reports whether nm is among a's extra names (used while
// building: extraNames is then in account order).
func (s *segment) hasExtraName(a, nm uint32) bool {
	for k := len(s.extraNames) - 1; k >= 0 && uint32(s.extraNames[k]>>32) == a; k-- {
		if uint32(s.extraNames[k]) == nm {
			return true
		}
	}
	return false
}

// rangeOf returns the entries of p (sorted by high 32 bits) whose high half
// is a.
func rangeOf(p []uint64, a uint32) []uint64 {
	lo, hi := 0, len(p)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if uint32(p[m]>>32) < a {
			lo = m + 1
		} else {
			hi = m
		}
	}
	end := lo
	for end < len(p) && uint32(p[end]>>32) == a {
		end++
	}
	return p[lo:end]
}

// domainsOf appends account a's domain ids.
func (s *segment) domainsOf(a uint32, out []uint32) []uint32 {
	if int(a) < s.nDom {
		out = append(out, s.prim[a])
		for _, e := range rangeOf(s.extraByAcct, a) {
			out = append(out, uint32(e))
		}
	}
	return out
}

// namesOf appends account a's name key ids.
func (s *segment) namesOf(a uint32, out []uint32) []uint32 {
	if s.name[a] != 0 {
		out = append(out, s.name[a])
		for _, e := range rangeOf(s.extraNames, a) {
			out = append(out, uint32(e))
		}
	}
	return out
}

// regsOf appends account a's registration ids and their schemes.
func (s *segment) regsOf(a uint32, out []regID) []regID {
	if !s.hasReg.has(a) {
		return out
	}
	for _, e := range rangeOf(s.regByAcct, a) {
		k := uint32(e)
		out = append(out, regID{s.regKey[k], s.regScheme[k]})
	}
	return out
}

type regID struct{ key, scheme uint32 }

// buildNames builds the name postings on first use.
func (s *segment) buildNames() {
	s.namesOnce.Do(func() {
		p := make([]uint64, 0, s.n+len(s.extraNames))
		for a, nm := range s.name {
			if nm != 0 {
				p = append(p, uint64(nm)<<32|uint64(a))
			}
		}
		for _, e := range s.extraNames {
			p = append(p, e<<32|e>>32)
		}
		sortHigh32(p)
		s.nameKey = make([]uint32, len(p))
		s.nameAcct = make([]uint32, len(p))
		for k, e := range p {
			s.nameKey[k], s.nameAcct[k] = uint32(e>>32), uint32(e)
			if int(uint32(e)) >= s.nDom {
				s.noDomKey = append(s.noDomKey, uint32(e>>32))
				s.noDomAcct = append(s.noDomAcct, uint32(e))
			}
		}
	})
}

// accountOfRecord returns the account holding record position r.
func (s *segment) accountOfRecord(r uint32) uint32 {
	lo, hi := 0, s.n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s.recStart[m+1] <= r {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return uint32(lo)
}
