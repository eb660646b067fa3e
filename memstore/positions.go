package memstore

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// parallelFrom is how many ids make positions use every core: below it
// a goroutine costs more than the lookups it takes over.
const parallelFrom = 1 << 14

// positions returns the bitset of the positions in rs.recs of the records
// with these ids (unknown ids are left out). The lookups, a few cache
// misses each, run on all cores for large lists: a population of half a
// million records is that many lookups, and rs.pos is only read.
func positions(rs *recordSet, ids []string) []uint64 {
	members := make([]uint64, (len(rs.recs)+63)/64)
	mark := func(ids []string) {
		for _, id := range ids {
			if i, ok := rs.pos[id]; ok {
				atomic.OrUint64(&members[i/64], 1<<(i%64))
			}
		}
	}
	workers := runtime.GOMAXPROCS(0)
	if len(ids) < parallelFrom || workers < 2 {
		mark(ids)
		return members
	}
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*len(ids)/workers, (w+1)*len(ids)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			mark(ids[lo:hi])
		}()
	}
	wg.Wait()
	return members
}
