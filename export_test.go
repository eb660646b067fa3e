package acctmap

// Test hooks into the index cache, for the tests of package acctmap_test.

// IndexBuildsForTest returns how many indexes n built from its store's
// records.
func IndexBuildsForTest(n *Network) int64 { return n.indexes.builds.Load() }

// DropIndexesForTest forgets n's cached index of a data source, as an
// eviction would.
func DropIndexesForTest(n *Network, dataSourceID string) { n.indexes.drop(dataSourceID) }

// DictLenForTest returns the number of keys in n's current Dict, and how
// many times n replaced it.
func DictLenForTest(n *Network) (keys int, reclaims int64) {
	return n.indexes.currentDict().Len(), n.indexes.reclaims.Load()
}

// SetMinGarbageForTest sets how many garbage keys make n replace its Dict
// (0: the default); call it before n is used.
func SetMinGarbageForTest(n *Network, keys int) { n.indexes.minGarbage = keys }

// ViewsForTest returns how many partners' views of a data source's cached
// indexes are built, or -1 when none is cached.
func ViewsForTest(n *Network, dataSourceID string) int {
	e := n.indexes.latest(dataSourceID)
	if e == nil {
		return -1
	}
	return len(e.builtViews())
}
