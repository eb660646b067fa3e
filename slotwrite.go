package acctmap

// slotWrite is what a committed change of one population's membership
// (CreatePopulation, UpdatePopulation) tells rewriteSlot: the data source,
// the version the change started from (it commits from+1), the
// population's slot and exactly the records now in it. The zero value
// (known false) says nothing: the next read builds the index from the
// store.
type slotWrite struct {
	dataSourceID string
	from         int64
	slot         int
	members      []string
	known        bool
}

// rewriteSlot brings the cached indexes of a data source from version
// w.from to w.from+1 after a committed change of one population's
// membership: the same accounts with the slot's bit rewritten
// (match.Index.WithSlot), in time proportional to the records rather than
// a Build of them, so that the first Matrix after CreatePopulation costs
// what the next does. The partners' views built for the old version are
// built again from the new one (a view depends on membership). Without a
// cached index at w.from (another change came first, or none was cached),
// it does nothing: the next read builds from the store.
func (n *Network) rewriteSlot(w slotWrite) {
	if !w.known {
		return
	}
	e := n.indexes.get(w.dataSourceID, w.from)
	if e == nil {
		return
	}
	ne := &dsIndex{version: w.from + 1, dict: e.dict, hasPrivate: e.hasPrivate}
	ne.full = e.full.WithSlot(w.slot, w.members)
	ne.public = ne.full
	if e.hasPrivate {
		// Private records are not in public: their ids are ignored.
		ne.public = e.public.WithSlot(w.slot, w.members)
	}
	ne.size = ne.bytes()
	for visible := range e.builtViews() {
		ne.view(visible)
	}
	n.indexes.put(w.dataSourceID, ne)
}
