package match

import "strings"

// Keys returns an upper bound of the number of Dict ids x holds: its
// domains, registration ids and (once name matching interned them) name
// keys, counted once per segment. Its owner weighs it against Dict.Len to
// tell how much of a Dict is garbage.
func (x *Index) Keys() int {
	n := x.base.keys()
	if x.ov != nil {
		n += x.ov.keys()
	}
	return n
}

func (s *segment) keys() int {
	return len(s.prim) + len(s.extraKey) + len(s.umbList) + len(s.regKey) + len(s.nameKey)
}

// Rebase returns x's records indexed with Dict d instead of x's: the same
// records, accounts, counts and matches, with d's ids, so that it can be
// matched with indexes built with d. It returns x itself when x uses d.
// It costs about a Build of x's records.
//
// It is how a Dict's memory is reclaimed: the owner of the indexes starts
// a new Dict and rebases the indexes it keeps; the old Dict, with every
// key of the indexes that are gone, is then garbage once no index uses it.
func (x *Index) Rebase(d *Dict) *Index {
	if x.dict == d {
		return x
	}
	in := &irecs{}
	for a := 0; a < x.base.n; a++ {
		if x.dead == nil || !x.dead.has(uint32(a)) {
			x.base.appendRecords(uint32(a), in, nil, allRecords)
		}
	}
	if x.ov != nil {
		for a := 0; a < x.ov.n; a++ {
			x.ov.appendRecords(uint32(a), in, nil, allRecords)
		}
	}
	old := x.dict
	recs := make([]Record, in.len())
	for i := range recs {
		r := &recs[i]
		r.ID, r.Mask = in.ids[i], in.mask[i]
		if nm := in.names[i]; strings.Contains(nm, nameSep) {
			keys := strings.Split(nm, nameSep)
			r.NameKey, r.OtherNameKeys = keys[0], keys[1:]
		} else {
			r.NameKey = nm
		}
		if doms := in.recDoms(i); len(doms) > 0 {
			r.Domains = make([]string, len(doms))
			for k, id := range doms {
				r.Domains[k] = old.String(id)
			}
		}
		r.RegID = old.String(in.reg[i])
	}
	nx := Build(d, recs)
	nx.maxOverlay = x.maxOverlay
	return nx
}

// onDict returns y as an index on x's Dict: y itself when they share it,
// else y rebased. Indexes of one owner share its Dict but for a moment
// when the owner replaces it (see Rebase): a reader that fetched one
// index before the replacement and the other after pays a rebase rather
// than comparing ids of two Dicts.
func onDict(x, y *Index) *Index { return y.Rebase(x.dict) }
