package match

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/cespare/xxhash/v2"
)

// Record is one account record of a data source, with its keys already
// normalized (package normalize).
type Record struct {
	ID      string   // source record id, unique in the data source
	Domains []string // canonical registrable domains, 0..n
	RegID   string   // "scheme:value" registration id (e.g. "duns:001234567"), or ""
	NameKey string   // canonical company-name key, or ""
	// OtherNameKeys are the keys of the record's other names (a legal
	// name, a short name, a DBA): every name of a record is evidence.
	OtherNameKeys []string
	Mask          uint64 // population membership: bit i set = in population slot i
}

// nameSep separates the name keys of one record in an index: name keys
// are words of letters and digits separated by single spaces, so they
// never hold it.
const nameSep = "\n"

// names returns the record's name keys joined by nameSep.
func (r *Record) names() string {
	if len(r.OtherNameKeys) == 0 {
		return r.NameKey
	}
	var b strings.Builder
	b.WriteString(r.NameKey)
	for _, k := range r.OtherNameKeys {
		if k != "" && k != r.NameKey && !strings.Contains(k, nameSep) {
			b.WriteString(nameSep)
			b.WriteString(k)
		}
	}
	return b.String()
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

	// deadWords counts, per word of entity keys, the dead base accounts
	// holding it, so that word counts stay exact after Apply (built on
	// first use, by name matching only).
	deadWordsOnce sync.Once
	deadWords     map[string]int32

	digestOnce sync.Once
	digests    [64]uint64 // SlotDigests
}

// deadWordCount returns how many dead base accounts hold word w.
func (x *Index) deadWordCount(w string) int {
	if x.dead == nil {
		return 0
	}
	x.deadWordsOnce.Do(func() {
		x.deadWords = map[string]int32{}
		var buf []string
		for a := uint32(0); a < uint32(x.base.n); a++ {
			if !x.dead.has(a) {
				continue
			}
			for _, w := range entityWords(x.base.namesOf(a, buf[:0])) {
				x.deadWords[w]++
			}
		}
	})
	return int(x.deadWords[w])
}

// entityWords returns the distinct words of the entity keys of names.
func entityWords(names []string) []string {
	var out []string
	for _, nm := range names {
		for w := range strings.FieldsSeq(entityKey(nm)) {
			if !slices.Contains(out, w) {
				out = append(out, w)
			}
		}
	}
	return out
}

// Build resolves recs into accounts and indexes their keys, interning
// their domains and registration ids into d (name keys are kept as strings,
// and interned only when name matching first needs them). It uses all
// cores for large inputs. Record ids are expected to be unique (the
// caller's store guarantees it).
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

// irecs are records with interned keys. Build's irecs read ids, names and
// masks straight from the caller's records (src) rather than copying their
// headers (16 B per string, and memory for the collector to scan); Apply's
// hold their own columns.
//
// Keys come in one of two forms: as columns (record i's domains are
// doms[domStart[i]:domStart[i+1]], its registration id reg[i]), which Apply
// edits, or as postings (dp, rp: key<<32 | record, in no order), which
// interning produces and buildSegment sorts.
type irecs struct {
	n     int
	src   []Record // if set, ids, names and masks come from here
	ids   []string
	names []string
	mask  []uint64

	domStart []uint32
	doms     []uint32
	reg      []uint32 // 0 = none
	dp, rp   []uint64

	// Per record: the registration id's scheme, interned (nil if no
	// record has a registration id).
	scheme []uint32

	// Filled while interning (nil for columns): the size of each record's
	// data in the segment (recData), the ids' share of them, and the union
	// of the masks.
	recSize []uint32
	idBytes int64
	all     uint64
	// scratch is memory for sorting dp, if interning left some.
	scratch []uint64
}

func (r *irecs) len() int { return r.n }

func (r *irecs) id(i int) string {
	if r.src != nil {
		return r.src[i].ID
	}
	return r.ids[i]
}

// name returns record i's name keys joined by nameSep.
func (r *irecs) name(i int) string {
	if r.src != nil {
		return r.src[i].names()
	}
	return r.names[i]
}

func (r *irecs) maskOf(i int) uint64 {
	if r.src != nil {
		return r.src[i].Mask
	}
	return r.mask[i]
}

// add appends a record (to columns without src).
func (r *irecs) add(id, name string, doms []uint32, reg, scheme uint32, mask uint64) {
	r.ids = append(r.ids, id)
	r.names = append(r.names, name)
	r.addKeys(doms, reg, scheme, mask)
}

// addKeys appends a record's keys and mask only (a segment's multi, whose
// ids and names are in the segment's record data).
func (r *irecs) addKeys(doms []uint32, reg, scheme uint32, mask uint64) {
	if len(r.domStart) == 0 {
		r.domStart = append(r.domStart, 0)
	}
	r.n++
	r.doms = append(r.doms, doms...)
	r.domStart = append(r.domStart, uint32(len(r.doms)))
	r.reg = append(r.reg, reg)
	r.scheme = append(r.scheme, scheme)
	r.mask = append(r.mask, mask)
}

func (r *irecs) recDoms(i int) []uint32 { return r.doms[r.domStart[i]:r.domStart[i+1]] }

// schemeOf returns the scheme of record i's registration id (0 if none).
func (r *irecs) schemeOf(i int) uint32 {
	if r.scheme == nil {
		return 0
	}
	return r.scheme[i]
}

// recDataSize is the size of a record's data in recData (see segment).
func recDataSize(id, name string) uint32 {
	return uint32(uvarintLen(len(name)) + uvarintLen(len(id)) + len(name) + len(id))
}

// postings returns the key postings, from the columns if need be.
func (r *irecs) postings() (dp, rp []uint64) {
	if r.dp != nil || r.domStart == nil {
		return r.dp, r.rp
	}
	dp = make([]uint64, len(r.doms))
	for i := 0; i < r.n; i++ {
		for k := r.domStart[i]; k < r.domStart[i+1]; k++ {
			dp[k] = uint64(r.doms[k])<<32 | uint64(i)
		}
	}
	for i, g := range r.reg {
		if g != 0 {
			rp = append(rp, uint64(g)<<32|uint64(i))
		}
	}
	return dp, rp
}

// toColumns fills the columns from the postings (Apply's upserts).
func (r *irecs) toColumns() {
	byRec := make([]uint64, len(r.dp))
	for k, p := range r.dp {
		byRec[k] = p<<32 | p>>32
	}
	sortHigh32(byRec) // stable: a record's domains keep their order
	r.domStart = make([]uint32, r.n+1)
	r.doms = make([]uint32, len(byRec))
	for k, p := range byRec {
		r.domStart[uint32(p>>32)+1]++
		r.doms[k] = uint32(p)
	}
	for i := 0; i < r.n; i++ {
		r.domStart[i+1] += r.domStart[i]
	}
	r.reg = make([]uint32, r.n)
	for _, p := range r.rp {
		r.reg[uint32(p)] = uint32(p >> 32)
	}
	if r.scheme == nil {
		r.scheme = make([]uint32, r.n)
	}
	r.dp, r.rp = nil, nil
}

// regScheme returns the scheme part of a "scheme:value" id ("" if none).
func regScheme(s string) string {
	if i := strings.IndexByte(s, ':'); i >= 0 {
		return s[:i]
	}
	return ""
}

// internRecords interns the domains and registration ids of recs in one
// batch, as postings. Name keys are not interned: only name matching needs
// them as ids, and it interns them on first use (segment.buildNames); the
// confidence of a candidate compares the strings. They were 43% of the
// keys interned. Schemes ("duns") are few: each worker interns one only
// when it differs from the previous record's.
func internRecords(d *Dict, recs []Record) *irecs {
	n := len(recs)
	in := &irecs{n: n, src: recs, recSize: make([]uint32, n)}
	w := workersFor(n)
	// The batch's buffers are sized from the keys of a sample of records.
	sample := min(n, 1024)
	keys, keyBytes := 0, 0
	for i := range sample {
		r := &recs[i]
		keys += len(r.Domains)
		for _, dom := range r.Domains {
			keyBytes += len(dom)
		}
		if r.RegID != "" {
			keys++
			keyBytes += len(r.RegID)
		}
	}
	avg := keyBytes / max(1, keys)
	keys = keys*n/max(1, sample) + 64
	var mu sync.Mutex
	var schemeOnce sync.Once
	b := d.intern(n, keys, avg, func(lo, hi int, emit func(uint32, string)) {
		// While the record is at hand: what buildSegment will need of it.
		var all uint64
		var idBytes int
		lastScheme, lastID := "", uint32(0)
		for i := lo; i < hi; i++ {
			r := &recs[i]
			in.recSize[i] = recDataSize(r.ID, r.names())
			idBytes += len(r.ID)
			all |= r.Mask
			for _, dom := range r.Domains {
				emit(uint32(i), dom)
			}
			if r.RegID == "" {
				continue
			}
			emit(uint32(i)|tagKind1, r.RegID)
			if sc := regScheme(r.RegID); sc != "" {
				if sc != lastScheme || lastID == 0 {
					lastScheme, lastID = sc, d.Intern(sc)
				}
				// Allocated for the first registration id seen: many
				// sources have none.
				schemeOnce.Do(func() { in.scheme = make([]uint32, n) })
				in.scheme[i] = lastID
			}
		}
		mu.Lock()
		in.all |= all
		in.idBytes += int64(idBytes)
		mu.Unlock()
	}, w)
	// Postings, each part's at its own offset: shard order, then worker.
	type off struct{ d, r int }
	offs := make([]off, len(b.parts)*numShards)
	nd, nr := 0, 0
	for si := 0; si < numShards; si++ {
		for pw := range b.parts {
			p := &b.parts[pw][si]
			offs[si*len(b.parts)+pw] = off{nd, nr}
			nd += len(p.items) - p.n1
			nr += p.n1
		}
	}
	in.dp = make([]uint64, nd)
	in.rp = make([]uint64, nr)
	parallel(w, numShards, func(_, lo, hi int) {
		for si := lo; si < hi; si++ {
			for pw := range b.parts {
				o := offs[si*len(b.parts)+pw]
				for _, it := range b.parts[pw][si].items {
					if it.h&tagKind1 == 0 {
						in.dp[o.d] = it.h
						o.d++
					} else {
						in.rp[o.r] = it.h &^ tagKind1
						o.r++
					}
				}
			}
		}
	})
	in.scratch = b.scratch(len(in.dp))
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

	masks masks

	// Umbrella domains: domains that several records of the data source
	// carry under names that disagree (a fund sponsor's funds, a parent's
	// subsidiaries), so that the domain alone is no identity. They are not
	// in prim or extraKey, which hold each domain once: umbKey lists them
	// with each account holding them (ascending, repeating a key for each
	// of its accounts), umbByAcct is acct<<32 | key sorted, and umbList the
	// distinct keys.
	umbKey, umbAcct []uint32
	umbByAcct       []uint64
	umbList         []uint32

	// typed marks the accounts with a name that holds a word making it a
	// fund or a trust (entityTypeWord): their domain candidates are judged
	// on names even at the default threshold.
	typed bitset

	// Records grouped by account, in account order (and input order
	// within an account): record position r's data starts at recOff[r]
	// in recData, which holds it in input order (so Build writes it
	// sequentially): the lengths of its name key and of its id as
	// uvarints, then the name key and the id. Name keys live here rather
	// than in the Dict: the matrix never needs them, a candidate's
	// confidence compares them as strings, and only name matching needs
	// them as ids (buildNames interns them then).
	recData []byte
	recOff  []uint32
	idBytes int // bytes of recData taken by ids

	// Most accounts have one record, so account a's first record is at a
	// plus the extra records of the accounts before it: multiAcct lists
	// the accounts with several records (ascending), and multiCum[k] the
	// extra records of multiAcct[:k]. No per-account array is needed.
	multiAcct, multiCum []uint32

	// The records of accounts with several records, with their own keys,
	// in record order (Apply re-resolves such accounts): multiAt is
	// sorted record positions, multi their keys.
	multiAt []uint32
	multi   *irecs

	// Built on first use: name postings (only name matching needs them)
	// and the record id lookup (only Apply needs it). A segment made by
	// withSlot takes its name postings from namesFrom, which has the same
	// accounts.
	namesFrom     *segment
	namesOnce     sync.Once
	nameKey       []uint32 // every account's entity keys, ascending
	nameAcct      []uint32
	words         map[string]int32 // accounts holding each word of the entity keys
	masksOnce     sync.Once
	distinctMasks []uint64 // distinct record masks (recordMasks)
	masksKnown    bool
	idsOnce       sync.Once
	idTable       []uint64 // open addressing on the id's hash: data offset<<32 | record position+1 (buildIDs)
	idTableMask   uint64
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
		cap(s.regScheme)+cap(s.recOff)+cap(s.multiAcct)+cap(s.multiCum)+cap(s.multiAt))
	b += 8 * int64(cap(s.extraByAcct)+cap(s.regByAcct)+cap(s.hasReg)+cap(s.umbByAcct)+cap(s.typed))
	b += 4 * int64(cap(s.umbKey)+cap(s.umbAcct)+cap(s.umbList))
	b += int64(s.masks.w) * int64(s.n)
	// Name keys moved here from the Dict: count them, and the lengths.
	// Record ids are not counted, as before (they are the records' own
	// data).
	b += int64(len(s.recData) - s.idBytes)
	if s.multi != nil {
		m := s.multi
		b += 4*int64(cap(m.domStart)+cap(m.doms)+cap(m.reg)+cap(m.scheme)) + 8*int64(cap(m.mask))
	}
	return b + int64(unsafe.Sizeof(*s))
}

// uvarintAt decodes the uvarint at recData[p:] (one byte for lengths
// below 128), returning it and the position after it.
func (s *segment) uvarintAt(p uint32) (uint32, uint32) {
	if c := s.recData[p]; c < 0x80 {
		return uint32(c), p + 1
	}
	v, k := binary.Uvarint(s.recData[p:])
	return uint32(v), p + uint32(k)
}

// rec returns where record position r's name key starts in recData, and
// the lengths of its name key and id.
func (s *segment) rec(r uint32) (p, nameLen, idLen uint32) {
	nameLen, p = s.uvarintAt(s.recOff[r])
	idLen, p = s.uvarintAt(p)
	return p, nameLen, idLen
}

// recID returns the id of record position r without copying: recData is
// never written after the segment is built.
func (s *segment) recID(r uint32) string {
	p, nl, il := s.rec(r)
	if il == 0 {
		return ""
	}
	return unsafe.String(&s.recData[p+nl], int(il))
}

// recName returns the name keys of record position r, joined by nameSep
// ("" if none), without copying.
func (s *segment) recName(r uint32) string {
	p, nl, _ := s.rec(r)
	if nl == 0 {
		return ""
	}
	return unsafe.String(&s.recData[p], int(nl))
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

// uvarintLen is the length of v as a uvarint.
func uvarintLen(v int) int {
	n := 1
	for ; v >= 0x80; v >>= 7 {
		n++
	}
	return n
}

// recRange returns account a's record positions [lo, hi).
func (s *segment) recRange(a uint32) (uint32, uint32) {
	if len(s.multiAcct) == 0 {
		return a, a + 1
	}
	k := lowerBound(s.multiAcct, a)
	lo := a + s.multiCum[k]
	if k < len(s.multiAcct) && s.multiAcct[k] == a {
		return lo, lo + 1 + s.multiCum[k+1] - s.multiCum[k]
	}
	return lo, lo + 1
}

// accountOfRecord returns the account holding record position r.
func (s *segment) accountOfRecord(r uint32) uint32 {
	// The last multi-record account starting at or before r.
	lo, hi := 0, len(s.multiAcct)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s.multiAcct[m]+s.multiCum[m] <= r {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == 0 {
		return r
	}
	k := lo - 1
	if end := s.multiAcct[k] + s.multiCum[k+1] + 1; r < end {
		return s.multiAcct[k]
	}
	return r - s.multiCum[k+1]
}

// buildSegment resolves records into accounts and builds their key arrays.
// The passes over all records are split across cores where they write
// disjoint memory.
func buildSegment(in *irecs) *segment {
	n := in.len()
	s := &segment{nRec: n}
	w := workersFor(n)

	// Domain and registration id postings, sorted by key: adjacent equal
	// keys are records of one account.
	dp, rp := in.postings()
	scratch := in.scratch
	if len(scratch) < len(dp) {
		scratch = make([]uint64, len(dp))
	}
	sortHigh32With(dp, scratch, w)
	sortHigh32With(rp, scratch, 1)

	var uf unionFind
	ensureUF := func() {
		if uf == nil {
			uf = make(unionFind, n)
			for i := range uf {
				uf[i] = uint32(i)
			}
		}
	}
	// Records sharing a domain are one account, unless their names say
	// they are several entities: then the domain is an umbrella, and only
	// records whose names agree are linked through it.
	var umb []uint32
	for k := 0; k < len(dp); {
		key := dp[k] >> 32
		e := k + 1
		for e < len(dp) && dp[e]>>32 == key {
			e++
		}
		if e-k >= 2 {
			ensureUF()
			if groups := entityGroups(in, dp[k:e]); groups == nil {
				for q := k + 1; q < e; q++ {
					uf.union(uint32(dp[k]), uint32(dp[q]))
				}
			} else {
				umb = append(umb, uint32(key))
				for q := k; q < e; q++ {
					if g := groups[q-k]; g >= 0 && g != int32(q-k) {
						uf.union(uint32(dp[k+int(g)]), uint32(dp[q]))
					}
				}
			}
		}
		k = e
	}
	for k := 1; k < len(rp); k++ {
		if rp[k]>>32 == rp[k-1]>>32 {
			ensureUF()
			uf.union(uint32(rp[k-1]), uint32(rp[k]))
		}
	}
	s.umbList = umb
	root := func(i uint32) uint32 {
		if uf == nil {
			return i
		}
		return uf.find(i)
	}

	// Number accounts in the order of their smallest domain, then the
	// domainless ones in record order. The other domains (key<<32 | acct,
	// in key order) are written over dp's prefix already read, unless
	// records were linked: buildMulti then reads dp again.
	extras := dp[:0]
	if uf != nil {
		extras = nil
	}
	// acctOf is by root record, account+1 (0: none yet, so the fresh
	// array needs no initialization pass).
	acctOf := make([]uint32, n)
	prim := make([]uint32, 0, n)
	na := uint32(0)
	prev := uint64(0)
	var umbPost []uint64 // key<<32 | root record, of umbrella domains
	ui := 0
	for _, p := range dp {
		key := p >> 32
		r := root(uint32(p))
		for ui < len(umb) && uint64(umb[ui]) < key {
			ui++
		}
		if ui < len(umb) && uint64(umb[ui]) == key {
			umbPost = append(umbPost, key<<32|uint64(r))
			continue
		}
		a := acctOf[r]
		if a == 0 {
			na++
			acctOf[r] = na
			prim = append(prim, uint32(key))
		} else if key != prev && uint32(key) != prim[a-1] {
			extras = append(extras, key<<32|uint64(a-1))
		}
		prev = key
	}
	s.nDom = int(na)
	if uf == nil {
		for i, a := range acctOf {
			if a == 0 {
				na++
				a = na
			}
			acctOf[i] = a - 1
		}
	} else {
		for i := 0; i < n; i++ {
			if r := root(uint32(i)); acctOf[r] == 0 {
				na++
				acctOf[r] = na
			}
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
	// Without links every record is its own root: acctOf is then already
	// indexed by record.
	recAcct := acctOf
	if uf != nil {
		recAcct = make([]uint32, n)
		for i := range recAcct {
			recAcct[i] = acctOf[root(uint32(i))] - 1
		}
	}
	sortHigh32With(s.extraByAcct, scratch, 1)
	s.buildUmbrellas(umbPost, acctOf)
	s.buildRegs(in, rp, recAcct)

	// Record positions: account order, input order within an account.
	// Without links, accounts and records are one to one.
	pos := recAcct
	var mp []uint64 // position<<32 | input record, for multi-record accounts
	if uf != nil {
		pos, mp = s.positions(recAcct)
	}

	// Record data, in input order: each core writes a contiguous range of
	// records sequentially (the caller's records are read in order too),
	// and notes each record's offset at its position. Interning measured
	// the sizes while it had the records at hand.
	if in.recSize == nil {
		in.recSize = make([]uint32, n)
		for i := 0; i < n; i++ {
			in.recSize[i] = recDataSize(in.id(i), in.name(i))
			in.idBytes += int64(len(in.id(i)))
			in.all |= in.maskOf(i)
		}
	}
	base := make([]uint32, w+1)
	parallel(w, n, func(wi, lo, hi int) {
		t := uint32(0)
		for _, l := range in.recSize[lo:hi] {
			t += l
		}
		base[wi+1] = t
	})
	for wi := 0; wi < w; wi++ {
		base[wi+1] += base[wi]
	}
	s.recData = make([]byte, base[w])
	s.recOff = make([]uint32, n)
	s.idBytes = int(in.idBytes)
	s.slots = bits.Len64(in.all)
	s.masks = newMasks(s.n, in.all)
	typedBy := make([][]uint32, w) // per worker: accounts with a fund or trust name
	parallel(w, n, func(wi, lo, hi int) {
		off := base[wi]
		for i := lo; i < hi; i++ {
			s.recOff[pos[i]] = off
			b := s.recData[off : off+in.recSize[i]]
			off += in.recSize[i]
			name, id := in.name(i), in.id(i)
			k := 0
			if len(name) < 0x80 && len(id) < 0x80 {
				b[0], b[1] = byte(len(name)), byte(len(id))
				k = 2
			} else {
				k = binary.PutUvarint(b, uint64(len(name)))
				k += binary.PutUvarint(b[k:], uint64(len(id)))
			}
			k += copy(b[k:], name)
			copy(b[k:], id)
			if hasEntityTypeWord(name) {
				typedBy[wi] = append(typedBy[wi], recAcct[i])
			}
			if uf == nil {
				// One record per account: no other goroutine writes
				// this account's mask.
				s.masks.or(recAcct[i], in.maskOf(i))
			}
		}
	})

	for _, accts := range typedBy {
		for _, a := range accts {
			if s.typed == nil {
				s.typed = newBitset(s.n)
			}
			s.typed.set(a)
		}
	}
	// With links, masks are merged here on one core: two cores could
	// write one account's mask at once.
	if uf != nil {
		for i, a := range recAcct {
			s.masks.or(a, in.maskOf(i))
		}
	}
	// The records of accounts with several records keep their own keys,
	// in position order (Apply re-resolves such accounts).
	if len(mp) > 0 {
		s.buildMulti(in, mp, scratch)
	}
	return s
}

// buildUmbrellas fills the umbrella postings from umbPost (key<<32 | root
// record) and acctOf (by root record, account+1).
func (s *segment) buildUmbrellas(umbPost []uint64, acctOf []uint32) {
	if len(umbPost) == 0 {
		return
	}
	for i, p := range umbPost {
		umbPost[i] = p>>32<<32 | uint64(acctOf[uint32(p)]-1)
	}
	slices.Sort(umbPost)
	umbPost = slices.Compact(umbPost)
	s.umbKey = make([]uint32, len(umbPost))
	s.umbAcct = make([]uint32, len(umbPost))
	s.umbByAcct = make([]uint64, len(umbPost))
	for i, p := range umbPost {
		s.umbKey[i], s.umbAcct[i] = uint32(p>>32), uint32(p)
		s.umbByAcct[i] = p<<32 | p>>32
	}
	slices.Sort(s.umbByAcct)
}

// maxPairwiseGroup bounds the records of one domain whose names are
// compared pair by pair; larger runs group by equal entity keys only.
const maxPairwiseGroup = 64

// entityGroups decides whether the records of run (postings of one domain:
// key<<32 | record, two or more) are one entity or several. It returns nil
// when they are one: at most one group of agreeing names (equal entity
// keys, or one the acronym of another), records without a name joining it.
// Otherwise the domain is an umbrella and it returns, per record of run,
// the position in run of the first record of its group, or -1 for a record
// without a name (it joins no group).
func entityGroups(in *irecs, run []uint64) []int32 {
	type named struct {
		keys []string // entity keys of the record's names
		raw  []string
	}
	recs := make([]named, len(run))
	anyName := false
	for q, p := range run {
		for nm := range strings.SplitSeq(in.name(int(uint32(p))), nameSep) {
			if nm != "" {
				recs[q].raw = append(recs[q].raw, nm)
				recs[q].keys = append(recs[q].keys, entityKey(nm))
			}
		}
		anyName = anyName || len(recs[q].raw) > 0
	}
	if !anyName {
		return nil
	}
	group := make([]int32, len(run))
	uf := make(unionFind, len(run))
	for q := range uf {
		uf[q] = uint32(q)
	}
	byKey := map[string]int{}
	for q := range recs {
		for _, k := range recs[q].keys {
			if first, ok := byKey[k]; ok {
				uf.union(uint32(first), uint32(q))
			} else {
				byKey[k] = q
			}
		}
	}
	if len(run) <= maxPairwiseGroup {
		for q := range recs {
			for r := q + 1; r < len(recs); r++ {
				if len(recs[q].raw) > 0 && len(recs[r].raw) > 0 && uf.find(uint32(q)) != uf.find(uint32(r)) &&
					bestNames(recs[q].raw, recs[r].raw) >= relAcronym {
					uf.union(uint32(q), uint32(r))
				}
			}
		}
	}
	groups := 0
	for q := range recs {
		if len(recs[q].raw) > 0 && uf.find(uint32(q)) == uint32(q) {
			groups++
		}
	}
	if groups <= 1 {
		return nil
	}
	for q := range recs {
		if len(recs[q].raw) == 0 {
			group[q] = -1
			continue
		}
		group[q] = int32(uf.find(uint32(q))) // the smallest position: unionFind keeps the smaller root
	}
	return group
}

// buildMulti keeps the keys of the records of multi-record accounts (mp:
// position<<32 | input record), in position order.
func (s *segment) buildMulti(in *irecs, mp, scratch []uint64) {
	sortHigh32With(mp, scratch, 1)
	// Their domains and registration ids, by record, from the postings if
	// there are no columns (the postings are sorted by key by now).
	var doms, regs []uint64 // record<<32 | key
	if in.domStart == nil {
		isMulti := newBitset(in.n)
		for _, p := range mp {
			isMulti.set(uint32(p))
		}
		for _, p := range in.dp {
			if isMulti.has(uint32(p)) {
				doms = append(doms, p<<32|p>>32)
			}
		}
		for _, p := range in.rp {
			if isMulti.has(uint32(p)) {
				regs = append(regs, p<<32|p>>32)
			}
		}
		sortHigh32(doms)
		sortHigh32(regs)
	}
	s.multi = &irecs{}
	s.multiAt = make([]uint32, len(mp))
	var buf []uint32
	for k, p := range mp {
		i := int(uint32(p))
		s.multiAt[k] = uint32(p >> 32)
		if in.domStart != nil {
			s.multi.addKeys(in.recDoms(i), in.reg[i], in.schemeOf(i), in.maskOf(i))
			continue
		}
		buf = buf[:0]
		for _, e := range rangeOf(doms, uint32(i)) {
			buf = append(buf, uint32(e))
		}
		reg := uint32(0)
		if r := rangeOf(regs, uint32(i)); len(r) > 0 {
			reg = uint32(r[0])
		}
		s.multi.addKeys(buf, reg, in.schemeOf(i), in.maskOf(i))
	}
}

// positions returns each record's position (account order, input order
// within an account) and the records of multi-record accounts as
// position<<32 | record, and fills multiAcct and multiCum.
func (s *segment) positions(recAcct []uint32) ([]uint32, []uint64) {
	cnt := make([]uint32, s.n)
	for _, a := range recAcct {
		cnt[a]++
	}
	isMulti := newBitset(s.n)
	s.multiCum = append(s.multiCum, 0)
	extra := uint32(0)
	for a, c := range cnt {
		if c > 1 {
			extra += c - 1
			s.multiAcct = append(s.multiAcct, uint32(a))
			s.multiCum = append(s.multiCum, extra)
			isMulti.set(uint32(a))
		}
	}
	// cnt becomes the next free position of each account.
	extra = 0
	k := 0
	for a := range cnt {
		c := cnt[a]
		cnt[a] = uint32(a) + extra
		if k < len(s.multiAcct) && s.multiAcct[k] == uint32(a) {
			extra += c - 1
			k++
		}
	}
	pos := make([]uint32, len(recAcct))
	var mp []uint64
	for i, a := range recAcct {
		pos[i] = cnt[a]
		cnt[a]++
		if isMulti.has(a) {
			mp = append(mp, uint64(pos[i])<<32|uint64(i))
		}
	}
	return pos, mp
}

// buildRegs fills the registration id arrays from rp (key<<32 | record,
// sorted).
func (s *segment) buildRegs(in *irecs, rp []uint64, recAcct []uint32) {
	s.hasReg = newBitset(s.n)
	s.regByAcct = make([]uint64, 0, len(rp))
	s.regKey = make([]uint32, 0, len(rp))
	s.regAcct = make([]uint32, 0, len(rp))
	s.regScheme = make([]uint32, 0, len(rp))
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
		s.regScheme = append(s.regScheme, in.schemeOf(i))
		s.hasReg.set(a)
	}
	sortHigh32(s.regByAcct)
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

// domainsOf appends account a's domain ids, umbrella domains included.
func (s *segment) domainsOf(a uint32, out []uint32) []uint32 {
	if int(a) < s.nDom {
		out = append(out, s.prim[a])
		for _, e := range rangeOf(s.extraByAcct, a) {
			out = append(out, uint32(e))
		}
	}
	for _, e := range rangeOf(s.umbByAcct, a) {
		out = append(out, uint32(e))
	}
	return out
}

// isUmbrella reports whether domain k is an umbrella domain here.
func (s *segment) isUmbrella(k uint32) bool {
	return len(s.umbList) > 0 && search(s.umbList, k) >= 0
}

// namesOf appends account a's distinct name keys (records of one account
// may repeat a name).
func (s *segment) namesOf(a uint32, out []string) []string {
	start := len(out)
	lo, hi := s.recRange(a)
	for r := lo; r < hi; r++ {
		for nm := range strings.SplitSeq(s.recName(r), nameSep) {
			if nm != "" && !slices.Contains(out[start:], nm) {
				out = append(out, nm)
			}
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

// buildNames builds the name postings on first use, interning the entity
// keys of the accounts' names into d, and counts the accounts holding
// each word of them: only name matching needs them.
func (s *segment) buildNames(d *Dict) {
	s.namesOnce.Do(func() {
		if p := s.namesFrom; p != nil {
			p.buildNames(d)
			s.nameKey, s.nameAcct, s.words = p.nameKey, p.nameAcct, p.words
			return
		}
		var strs []string
		var accts []uint32
		var buf, keys []string
		words := map[string]int32{}
		for a := uint32(0); a < uint32(s.n); a++ {
			buf = s.namesOf(a, buf[:0])
			keys = keys[:0]
			for _, nm := range buf {
				if k := entityKey(nm); !slices.Contains(keys, k) {
					keys = append(keys, k)
				}
			}
			for _, k := range keys {
				strs = append(strs, k)
				accts = append(accts, a)
			}
			for _, w := range entityWords(buf) {
				words[w]++
			}
		}
		ids := make([]uint32, len(strs))
		d.internStrings(strs, ids, workersFor(len(strs)))
		p := make([]uint64, len(strs))
		for k, id := range ids {
			p[k] = uint64(id)<<32 | uint64(accts[k])
		}
		sortHigh32(p)
		s.nameKey = make([]uint32, len(p))
		s.nameAcct = make([]uint32, len(p))
		for k, e := range p {
			s.nameKey[k], s.nameAcct[k] = uint32(e>>32), uint32(e)
		}
		s.words = words
	})
}

// isTyped reports whether account a has a fund or trust name.
func (s *segment) isTyped(a uint32) bool { return s.typed != nil && s.typed.has(a) }

// SlotDigests returns, for each population slot, a digest of the records
// in it: the sum of a 64-bit hash of each record's keys (domains,
// registration id, name keys), so that it does not depend on record
// order, ids or Dict ids, and changes when a record's keys or membership
// do. A count policy names a cell by the digests of its two inputs.
// Computed once per index.
func (x *Index) SlotDigests() [64]uint64 {
	x.digestOnce.Do(func() {
		var buf []byte
		var doms []uint32
		add := func(s *segment, a uint32) {
			lo, hi := s.recRange(a)
			for r := lo; r < hi; r++ {
				var mask uint64
				var regKey uint32
				if hi-lo == 1 {
					mask = s.masks.at(a)
					doms = s.domainsOf(a, doms[:0])
					if rs := s.regsOf(a, nil); len(rs) > 0 {
						regKey = rs[0].key
					}
				} else {
					k := search(s.multiAt, r)
					mask, regKey = s.multi.mask[k], s.multi.reg[k]
					doms = append(doms[:0], s.multi.recDoms(k)...)
				}
				if mask == 0 {
					continue
				}
				names := make([]string, 0, len(doms)+2)
				for _, d := range doms {
					names = append(names, x.dict.String(d))
				}
				slices.Sort(names)
				buf = buf[:0]
				for _, n := range names {
					buf = append(buf, n...)
					buf = append(buf, 0)
				}
				buf = append(buf, 1)
				if regKey != 0 {
					buf = append(buf, x.dict.String(regKey)...)
				}
				buf = append(buf, 1)
				buf = append(buf, s.recName(r)...)
				h := xxhash.Sum64(buf)
				for m := mask; m != 0; m &= m - 1 {
					x.digests[bits.TrailingZeros64(m)] += h
				}
			}
		}
		for a := uint32(0); a < uint32(x.base.n); a++ {
			if x.dead == nil || !x.dead.has(a) {
				add(x.base, a)
			}
		}
		if x.ov != nil {
			for a := uint32(0); a < uint32(x.ov.n); a++ {
				add(x.ov, a)
			}
		}
	})
	return x.digests
}
