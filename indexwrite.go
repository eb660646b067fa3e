package acctmap

import (
	"github.com/acctmap/acctmap/internal/match"
)

// defaultMinGarbage is how many keys of a Dict must belong to no cached
// index before the cache replaces it: some 40 MiB of Dict (38 bytes a
// key), so that small deletions never pay for a replacement.
const defaultMinGarbage = 1 << 20

// newIndexCache returns an empty cache of indexes of at most budget bytes.
func newIndexCache(budget int64) indexCache {
	return indexCache{m: map[string]*dsIndex{}, budget: budget, dict: match.NewDict()}
}

// currentDict returns the Dict new indexes are built on.
func (c *indexCache) currentDict() *match.Dict {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dict
}

// newDSIndex builds the indexes of one version of a data source from all
// its records, of which those at the positions private (ascending) are
// private.
func newDSIndex(d *match.Dict, version int64, all []match.Record, private []int) *dsIndex {
	e := &dsIndex{version: version, dict: d, full: match.Build(d, all), hasPrivate: len(private) > 0}
	e.public = e.full
	if e.hasPrivate {
		public := make([]match.Record, 0, len(all)-len(private))
		next := 0
		for i := range all {
			if next < len(private) && private[next] == i {
				next++
				continue
			}
			public = append(public, all[i])
		}
		e.public = match.Build(d, public)
	}
	e.size = e.bytes()
	return e
}

// installIndex caches the indexes of version of a data source whose whole
// content a committed write (ImportCSV, ReplaceRecords) has just made
// recs, with their final membership and private marks: built from the
// records the write holds already, so that the first read after it costs
// what the next ones do, instead of reading every record back from the
// store. The write has committed: a reader that got there first has
// cached the same version, which put keeps.
//
// Where matrices are pushed down to the store (see OverlapTx and
// WithoutPushdown), indexes are not kept in memory by default, and none is
// installed.
func (n *Network) installIndex(dataSourceID string, w indexWrite, recs []Record) {
	if w.pushdown {
		n.forget(dataSourceID)
		return
	}
	version := w.version
	all := make([]match.Record, len(recs))
	var private []int
	for i := range recs {
		all[i] = matchRecord(&recs[i])
		if recs[i].Private {
			private = append(private, i)
		}
	}
	e := newDSIndex(n.indexes.currentDict(), version, all, private)
	// The partners' views that readers of the previous version used are
	// built now too (a Restrict each): the first read after the write
	// costs what the next ones do for them as well.
	if prev := n.indexes.latest(dataSourceID); prev != nil {
		for visible := range prev.builtViews() {
			e.view(visible)
		}
	}
	n.indexes.put(dataSourceID, e)
	n.indexes.maybeReclaim()
}

// latest returns the cached indexes of a data source, whatever their
// version, or nil.
func (c *indexCache) latest(id string) *dsIndex {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[id]
}

// keys is an upper bound of the Dict keys e holds.
func (e *dsIndex) keys() int {
	if e.full == nil {
		return 0
	}
	k := e.full.Keys()
	if e.public != e.full {
		k += e.public.Keys()
	}
	for _, v := range e.builtViews() {
		if v != e.public {
			k += v.Keys() // name matching may have interned name keys for a view only
		}
	}
	return k
}

// maybeReclaim replaces the cache's Dict with one holding only the keys
// of the cached indexes, rebased onto it (match.Index.Rebase), once the
// other keys — those of the indexes dropped or evicted, which a Dict never
// forgets by itself — are at least as many as these and at least
// minGarbage: a long-running process that imports and deletes data
// sources keeps a Dict of at most about twice the live keys (plus
// minGarbage), and a replacement, which costs about a Build of the cached
// records, comes after as many keys of garbage as there are live ones.
//
// Readers holding indexes of the old Dict keep using them: the engine
// rebases an index of another Dict when a pair of them meet, which only a
// read straddling the replacement sees. An index built on the old Dict
// while the replacement runs is not cached (put).
func (c *indexCache) maybeReclaim() {
	if !c.reclaimMu.TryLock() {
		return // one is running: it will see these keys next time
	}
	defer c.reclaimMu.Unlock()
	c.mu.Lock()
	old, minGarbage := c.dict, c.minGarbage
	if minGarbage == 0 {
		minGarbage = defaultMinGarbage
	}
	if old == nil || old.Len() < minGarbage {
		c.mu.Unlock()
		return // too few keys to be worth a look at the indexes (the common case)
	}
	live := 0
	snap := make(map[string]*dsIndex, len(c.m))
	for id, e := range c.m {
		live += e.keys()
		snap[id] = e
	}
	c.mu.Unlock()
	if old.Len()-live < max(live, minGarbage) {
		return
	}
	d := match.NewDict()
	moved := make(map[string]*dsIndex, len(snap))
	for id, e := range snap {
		ne := &dsIndex{version: e.version, dict: d, full: e.full.Rebase(d), hasPrivate: e.hasPrivate}
		ne.public = ne.full
		if e.public != e.full {
			ne.public = e.public.Rebase(d)
		}
		// Partners' views are rebuilt on their next read.
		ne.size = ne.bytes()
		moved[id] = ne
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dict = d
	for id, e := range c.m {
		c.bytes -= e.size
		ne := moved[id]
		if ne == nil || snap[id] != e {
			delete(c.m, id) // cached on the old Dict meanwhile: read again
			continue
		}
		ne.used = e.used
		c.m[id] = ne
		c.bytes += ne.size
	}
	c.reclaims.Add(1)
}

// indexWrite is what a write that replaces a data source's records learns
// in its transaction for installIndex: the version it commits, and whether
// matrices are pushed down to the store (its transactions implement
// OverlapTx and the options allow it, as in Network.pushdown).
type indexWrite struct {
	version  int64
	pushdown bool
}

// indexWrite returns the indexWrite of a change of ds's records in tx,
// before it bumps ds's version.
func (n *Network) indexWrite(tx ReadTx, ds DataSource) indexWrite {
	_, joins := tx.(OverlapTx)
	allowed := !n.cfg.noPushdown && !n.cfg.nameMatching && n.cfg.minConfidence <= ConfidenceDomainNameMismatch
	return indexWrite{version: ds.Version + 1, pushdown: joins && allowed}
}
