package memstore

import (
	"github.com/acctmap/acctmap"
)

// state is the content of a Store. Every entity lives in a table keyed by
// its id, with secondary indexes for the lists of the ReadTx; records live
// in one recordSet per data source.
type state struct {
	orgs     *table[string, acctmap.Org]        // index 0: by OfflineOf
	users    *table[string, acctmap.User]       // index 0: by OrgID
	partners *table[pair, acctmap.Partnership]  // indexes 0 and 1: by either org
	sources  *table[string, acctmap.DataSource] // index 0: by OrgID
	pops     *table[string, acctmap.Population] // index 0: by OrgID, 1: by DataSourceID
	records  map[string]*recordSet              // by data source id; present iff the data source is
	events   map[string]*eventLog               // by org id (events.go); nil until the first event
	threads  *threadState                       // threads and org items (threads.go); nil until the first
}

func newState() *state {
	byOrg := index[pair]{} // one index for both sides of a partnership
	return &state{
		orgs:  newTable(secondary[string, acctmap.Org]{index[string]{}, func(o acctmap.Org) string { return o.OfflineOf }}),
		users: newTable(secondary[string, acctmap.User]{index[string]{}, func(u acctmap.User) string { return u.OrgID }}),
		partners: newTable(
			secondary[pair, acctmap.Partnership]{byOrg, func(p acctmap.Partnership) string { return p.Inviter }},
			secondary[pair, acctmap.Partnership]{byOrg, func(p acctmap.Partnership) string { return p.Invitee }},
		),
		sources: newTable(secondary[string, acctmap.DataSource]{index[string]{}, func(d acctmap.DataSource) string { return d.OrgID }}),
		pops: newTable(
			secondary[string, acctmap.Population]{index[string]{}, func(p acctmap.Population) string { return p.OrgID }},
			secondary[string, acctmap.Population]{index[string]{}, func(p acctmap.Population) string { return p.DataSourceID }},
		),
		records: map[string]*recordSet{},
	}
}

// pair is the key of a partnership: the unordered pair of org ids, stored
// in order. A struct of two strings, unlike a concatenation, cannot make
// two different pairs collide whatever characters the ids hold.
type pair struct{ lo, hi string }

func pairOf(a, b string) pair {
	if b < a {
		a, b = b, a
	}
	return pair{a, b}
}

// set is a set of keys.
type set[K comparable] map[K]struct{}

// index maps a parent id to the keys of the rows that name it.
type index[K comparable] map[string]set[K]

func (ix index[K]) add(parent string, k K) {
	s := ix[parent]
	if s == nil {
		s = set[K]{}
		ix[parent] = s
	}
	s[k] = struct{}{}
}

func (ix index[K]) remove(parent string, k K) {
	s := ix[parent]
	delete(s, k)
	if len(s) == 0 {
		// Drop empty sets so that the index does not grow with every
		// parent that ever existed.
		delete(ix, parent)
	}
}

// keys returns a copy of the keys under parent, so that the caller may
// delete rows while walking them.
func (ix index[K]) keys(parent string) []K {
	s := ix[parent]
	out := make([]K, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	return out
}

// secondary is an index of a table with the function giving a row's parent.
type secondary[K comparable, V any] struct {
	ix  index[K]
	key func(V) string
}

// table is a map of rows kept in step with its secondary indexes.
type table[K comparable, V any] struct {
	rows map[K]V
	by   []secondary[K, V]
}

func newTable[K comparable, V any](by ...secondary[K, V]) *table[K, V] {
	return &table[K, V]{rows: map[K]V{}, by: by}
}

// set inserts or replaces row k and returns the row it replaced.
func (t *table[K, V]) set(k K, v V) (old V, had bool) {
	old, had = t.rows[k]
	if had {
		for _, s := range t.by {
			s.ix.remove(s.key(old), k)
		}
	}
	t.rows[k] = v
	for _, s := range t.by {
		s.ix.add(s.key(v), k)
	}
	return old, had
}

// del deletes row k and returns it.
func (t *table[K, V]) del(k K) (old V, had bool) {
	old, had = t.rows[k]
	if !had {
		return old, false
	}
	for _, s := range t.by {
		s.ix.remove(s.key(old), k)
	}
	delete(t.rows, k)
	return old, true
}

// list returns the rows indexed under parent by index i, in no order.
func (t *table[K, V]) list(i int, parent string) []V {
	s := t.by[i].ix[parent]
	out := make([]V, 0, len(s))
	for k := range s {
		out = append(out, t.rows[k])
	}
	return out
}

// recordSet holds the records of one data source: a dense slice, fast to
// scan and compact in memory, an index from record id to position, and the
// dictionary of their field names. Records are stored by value, in their
// compact form, so that changing the stored Populations never changes a
// Record a caller passed in or was given.
type recordSet struct {
	recs []stored
	pos  map[string]int
	cols columns
}

func newRecordSet(n int) *recordSet {
	return &recordSet{recs: make([]stored, 0, n), pos: make(map[string]int, n)}
}
