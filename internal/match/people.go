package match

import (
	"cmp"
	"math/bits"
	"slices"
	"strings"
	"sync"

	"github.com/cespare/xxhash/v2"
)

// People matching is kept apart from company matching: a person is one
// e-mail key, two people are the same when their keys are equal, and there
// is no evidence to weigh, no account to build and no umbrella to find.
// People live in their own index (People), so that company indexes hold
// no person and company matching costs what it did.

// Person is what the people matcher needs of one record of a people data
// source.
type Person struct {
	ID     string // source record id, unique in the data source
	Key    string // the normalized e-mail address (normalize.Email.Key)
	Domain string // the person's company domain, or ""
	Mask   uint64 // population membership: bit i set = in population slot i
}

// People is an immutable index of the records of one people data source,
// grouped by e-mail key: several records with one key are one person, in
// the union of their populations. Entries are ordered by the key's
// xxhash64 and then by the key, so that two indexes are matched by a merge
// that compares the strings of every hash hit: a collision never makes two
// people one.
type People struct {
	hash []uint64
	// The keys, one after another in entry order, key i being
	// keys[off[i]:off[i+1]]: a merge reads them in order, from one block,
	// instead of chasing a string per hit across the heap.
	keys  string
	off   []uint32
	mask  []uint64 // OR of the masks of the entry's records
	first []int32  // the records of entry i are recs[first[i]:first[i+1]]
	recs  []Person // grouped by entry, in id order within one
	slots int

	// The company domains of the records, each once, with the entries of
	// the people at it: entries domEnt[domOff[k]:domOff[k+1]] for doms[k].
	// People × accounts looks each domain up once, not once a person.
	// Built on first use: people × people never reads them.
	domOnce sync.Once
	doms    []string
	domOff  []uint32
	domEnt  []int32

	digests [64]uint64
}

// BuildPeople indexes records; those without a key are left out. recs is
// not kept.
func BuildPeople(recs []Person) *People {
	type ent struct {
		h uint64
		i int32
	}
	order := make([]ent, 0, len(recs))
	for i := range recs {
		if recs[i].Key != "" {
			order = append(order, ent{xxhash.Sum64String(recs[i].Key), int32(i)})
		}
	}
	slices.SortFunc(order, func(a, b ent) int {
		if c := cmp.Compare(a.h, b.h); c != 0 {
			return c
		}
		ra, rb := &recs[a.i], &recs[b.i]
		if c := strings.Compare(ra.Key, rb.Key); c != 0 {
			return c
		}
		return strings.Compare(ra.ID, rb.ID)
	})
	n := len(order)
	x := &People{recs: make([]Person, n), hash: make([]uint64, 0, n), mask: make([]uint64, 0, n),
		first: make([]int32, 0, n+1), off: make([]uint32, 0, n+1)}
	var keys strings.Builder
	size := 0
	for _, e := range order {
		size += len(recs[e.i].Key)
	}
	keys.Grow(size)
	last := ""
	for n, e := range order {
		r := recs[e.i]
		x.recs[n] = r
		if k := len(x.hash) - 1; k >= 0 && x.hash[k] == e.h && last == r.Key {
			x.mask[k] |= r.Mask
			continue
		}
		last = r.Key
		x.off = append(x.off, uint32(keys.Len()))
		keys.WriteString(r.Key)
		x.hash = append(x.hash, e.h)
		x.mask = append(x.mask, r.Mask)
		x.first = append(x.first, int32(n))
	}
	x.off = append(x.off, uint32(keys.Len()))
	x.keys = keys.String()
	x.first = append(x.first, int32(len(order)))
	x.finish()
	return x
}

// key returns the key of entry i.
func (x *People) key(i int) string { return x.keys[x.off[i]:x.off[i+1]] }

// finish computes the slots in use and the per-slot digests.
func (x *People) finish() {
	var all uint64
	for i, m := range x.mask {
		all |= m
		// A person's digest is the hash of its key and of its records'
		// domains, which the people × accounts counts read.
		h := x.hash[i]
		for _, r := range x.recs[x.first[i]:x.first[i+1]] {
			h = h*0x9e3779b97f4a7c15 + xxhash.Sum64String(r.Domain) + 1
		}
		for t := m; t != 0; t &= t - 1 {
			x.digests[bits.TrailingZeros64(t)] += h
		}
	}
	x.slots = 64 - bits.LeadingZeros64(all)
}

// groupDomains builds the index's domain lists, once.
func (x *People) groupDomains() {
	x.domOnce.Do(x.buildDomains)
}

func (x *People) buildDomains() {
	byDom := map[string][]int32{}
	for i := range x.hash {
		for _, r := range x.recs[x.first[i]:x.first[i+1]] {
			if r.Domain == "" {
				continue
			}
			if l := byDom[r.Domain]; len(l) == 0 || l[len(l)-1] != int32(i) {
				byDom[r.Domain] = append(l, int32(i))
			}
		}
	}
	x.doms = make([]string, 0, len(byDom))
	for d := range byDom {
		x.doms = append(x.doms, d)
	}
	slices.Sort(x.doms)
	x.domOff = make([]uint32, 0, len(x.doms)+1)
	for _, d := range x.doms {
		x.domOff = append(x.domOff, uint32(len(x.domEnt)))
		x.domEnt = append(x.domEnt, byDom[d]...)
	}
	x.domOff = append(x.domOff, uint32(len(x.domEnt)))
}

// Len returns the number of distinct people.
func (x *People) Len() int { return len(x.hash) }

// Slots returns one more than the highest population slot in use.
func (x *People) Slots() int { return x.slots }

// SlotDigests returns, for each slot, a digest of the people in it (their
// keys and domains), independent of record order and ids: what a count
// policy names a cell's input by.
func (x *People) SlotDigests() [64]uint64 { return x.digests }

// Bytes returns the memory the index holds, strings included.
func (x *People) Bytes() int64 {
	b := int64(len(x.hash))*(8+4+8+4) + int64(len(x.keys)) + int64(len(x.recs))*(16+16+16+8) + int64(len(x.doms))*20 + int64(len(x.domEnt))*4
	for i := range x.recs {
		b += int64(len(x.recs[i].ID) + len(x.recs[i].Domain))
	}
	return b
}

// Restrict returns the index of the records with a population in visible,
// their masks narrowed to it: what a partner that sees those populations
// matches against.
func (x *People) Restrict(visible uint64) *People {
	if x.all(visible) {
		return x // every record in the visible slots only: the same index
	}
	out := make([]Person, 0, len(x.recs))
	for _, r := range x.recs {
		if r.Mask&visible != 0 {
			r.Mask &= visible
			out = append(out, r)
		}
	}
	return BuildPeople(out)
}

// all reports whether every record's populations are within visible.
func (x *People) all(visible uint64) bool {
	for i := range x.recs {
		if x.recs[i].Mask&^visible != 0 || x.recs[i].Mask == 0 {
			return false
		}
	}
	return true
}

// PeopleOverlap counts, for every pair of slots, the distinct people (keys)
// in both indexes: one merge of the two sorted key lists.
func PeopleOverlap(x, y *People) Matrix {
	m := newMatrix(x.slots, y.slots)
	mergePeople(x, y, func(i, j int) {
		m.add(x.mask[i], y.mask[j], 1)
	})
	return m
}

// mergePeople calls fn for every key of x that y has, with the entries'
// positions.
func mergePeople(x, y *People, fn func(i, j int)) {
	i, j := 0, 0
	for i < len(x.hash) && j < len(y.hash) {
		switch hx, hy := x.hash[i], y.hash[j]; {
		case hx < hy:
			i++
		case hx > hy:
			j++
		default:
			// The run of one hash on each side: usually one entry each.
			ie, je := i, j
			for ie < len(x.hash) && x.hash[ie] == hx {
				ie++
			}
			for je < len(y.hash) && y.hash[je] == hx {
				je++
			}
			for a := i; a < ie; a++ {
				for b := j; b < je; b++ {
					if x.key(a) == y.key(b) {
						fn(a, b)
					}
				}
			}
			i, j = ie, je
		}
	}
}

// PersonMatch is one person of a people report: the key and the records of
// each side in the populations asked for, in id order.
type PersonMatch struct {
	Key  string
	X, Y []Person
}

// PeopleMatches returns the people of x in the populations mx that y has in
// the populations my, in key order.
func PeopleMatches(x, y *People, mx, my uint64) []PersonMatch {
	var out []PersonMatch
	mergePeople(x, y, func(i, j int) {
		if x.mask[i]&mx == 0 || y.mask[j]&my == 0 {
			return
		}
		out = append(out, PersonMatch{Key: x.key(i), X: x.records(i, mx), Y: y.records(j, my)})
	})
	slices.SortFunc(out, func(a, b PersonMatch) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// records returns the records of entry i with a population in mask.
func (x *People) records(i int, mask uint64) []Person {
	var out []Person
	for _, r := range x.recs[x.first[i]:x.first[i+1]] {
		if r.Mask&mask != 0 {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b Person) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Domains indexes the domains of one accounts data source by population:
// what the people × accounts question ("my leads whose company is the
// partner's customer") matches people's company domains against. It is
// immutable.
type Domains struct {
	m     map[string]int32 // domain → its entry
	mask  []uint64         // by entry: the populations of the records at it
	off   []int32          // by entry: its records are recs[off[e]:off[e+1]]
	recs  []int32          // positions in the slice BuildDomains was given
	masks []uint64         // of each record BuildDomains was given
	slots int

	digests [64]uint64
}

// BuildDomains indexes the domains of account records, each domain with
// the populations of the records that carry it; records in no population
// are left out.
func BuildDomains(recs []Record) *Domains {
	d := &Domains{m: make(map[string]int32), masks: make([]uint64, len(recs))}
	var all uint64
	var count []int32
	for i := range recs {
		r := &recs[i]
		d.masks[i] = r.Mask
		if r.Mask == 0 {
			continue
		}
		all |= r.Mask
		var h uint64
		for _, dom := range r.Domains {
			e, ok := d.m[dom]
			if !ok {
				e = int32(len(d.mask))
				d.m[dom] = e
				d.mask = append(d.mask, 0)
				count = append(count, 0)
			}
			d.mask[e] |= r.Mask
			count[e]++
			h += xxhash.Sum64String(dom) + 1
		}
		for t := r.Mask; t != 0; t &= t - 1 {
			d.digests[bits.TrailingZeros64(t)] += h*0x9e3779b97f4a7c15 + 1
		}
	}
	d.off = make([]int32, len(count)+1)
	for e, c := range count {
		d.off[e+1] = d.off[e] + c
	}
	d.recs = make([]int32, d.off[len(count)])
	fill := slices.Clone(d.off[:len(count)])
	for i := range recs {
		if recs[i].Mask == 0 {
			continue
		}
		for _, dom := range recs[i].Domains {
			e := d.m[dom]
			d.recs[fill[e]] = int32(i)
			fill[e]++
		}
	}
	d.slots = 64 - bits.LeadingZeros64(all)
	return d
}

// entry returns the populations at a domain and its records' positions.
func (d *Domains) entry(dom string) (uint64, []int32, bool) {
	e, ok := d.m[dom]
	if !ok {
		return 0, nil, false
	}
	return d.mask[e], d.recs[d.off[e]:d.off[e+1]], true
}

// Slots returns one more than the highest population slot in use.
func (d *Domains) Slots() int { return d.slots }

// SlotDigests returns, for each slot, a digest of its records' domains.
func (d *Domains) SlotDigests() [64]uint64 { return d.digests }

// Bytes returns the memory the index holds, roughly.
func (d *Domains) Bytes() int64 {
	b := int64(len(d.m))*(48+8+4) + int64(len(d.masks))*8 + int64(len(d.recs))*4
	for k := range d.m {
		b += int64(len(k))
	}
	return b
}

// PeopleAtDomains counts, for every slot of x and every slot of d, the
// distinct people of x whose company domain some record of d in that slot
// carries.
func PeopleAtDomains(x *People, d *Domains) Matrix {
	m := newMatrix(x.slots, d.slots)
	x.groupDomains()
	// The partner's populations at each person's domains: one lookup a
	// domain, then a pass over the people.
	var at []uint64
	for k, dom := range x.doms {
		mask, _, ok := d.entry(dom)
		if !ok || mask == 0 {
			continue
		}
		if at == nil {
			at = make([]uint64, len(x.hash))
		}
		for _, i := range x.domEnt[x.domOff[k]:x.domOff[k+1]] {
			at[i] |= mask
		}
	}
	for i, my := range at {
		if my != 0 {
			m.add(x.mask[i], my, 1)
		}
	}
	return m
}

// PersonAtAccount is one person of a people × accounts report: the
// person's records in the populations asked for, the domain matched, and
// the positions (in the slice BuildDomains was given) of the account
// records carrying it in the populations asked for.
type PersonAtAccount struct {
	Key      string
	Domain   string
	X        []Person
	Accounts []int
}

// PeopleAtDomainsMatches returns the people of x in the populations mx
// whose company domain a record of d in the populations my carries, in key
// order.
func PeopleAtDomainsMatches(x *People, d *Domains, mx, my uint64) []PersonAtAccount {
	var out []PersonAtAccount
	for i := range x.hash {
		if x.mask[i]&mx == 0 {
			continue
		}
		recs := x.records(i, mx)
		var hit PersonAtAccount
		for _, r := range recs {
			mask, _, ok := d.entry(r.Domain)
			if r.Domain == "" || !ok || mask&my == 0 {
				continue
			}
			if hit.Domain == "" || r.Domain < hit.Domain {
				hit.Domain = r.Domain
			}
		}
		if hit.Domain == "" {
			continue
		}
		hit.Key, hit.X = x.key(i), recs
		_, at, _ := d.entry(hit.Domain)
		for _, p := range at {
			if d.masks[p]&my != 0 {
				hit.Accounts = append(hit.Accounts, int(p))
			}
		}
		out = append(out, hit)
	}
	slices.SortFunc(out, func(a, b PersonAtAccount) int { return strings.Compare(a.Key, b.Key) })
	return out
}
