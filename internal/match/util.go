package match

import (
	"cmp"
	"runtime"
	"slices"
	"sync"
)

// workersFor returns how many goroutines to use for n items: one below a
// size where a goroutine's start-up would cost more than it saves.
func workersFor(n int) int {
	if n < 1<<14 {
		return 1
	}
	return max(1, runtime.GOMAXPROCS(0))
}

// parallel splits [0, n) into workers contiguous ranges (the same split for
// the same arguments, so that passes can share per-worker state) and runs f
// on each, the last one on the calling goroutine.
func parallel(workers, n int, f func(w, lo, hi int)) {
	if workers <= 1 || n < workers {
		f(0, 0, n)
		for w := 1; w < workers; w++ {
			f(w, n, n)
		}
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < workers-1; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			f(w, w*n/workers, (w+1)*n/workers)
		}(w)
	}
	f(workers-1, (workers-1)*n/workers, n)
	wg.Wait()
}

// sortHigh32 sorts a by its high 32 bits, stably (so the low 32 bits keep
// their input order among equal high halves): an LSD radix sort in 3
// passes of 11 bits, O(n) where sort.Slice would be O(n log n) with
// indirect calls.
func sortHigh32(a []uint64) { sortHigh32With(a, nil, 1) }

// sortHigh32With is sortHigh32 using tmp (if at least as long as a) as its
// scratch space and up to workers goroutines: each pass counts digits per
// contiguous chunk, and moves each chunk's elements to their own ranges.
func sortHigh32With(a, tmp []uint64, workers int) {
	if len(a) < 256 {
		insertionSortHigh32(a)
		return
	}
	if isSortedHigh32(a) {
		return
	}
	if len(tmp) < len(a) {
		tmp = make([]uint64, len(a))
	}
	if len(a) < 1<<16 {
		workers = 1
	}
	tmp = tmp[:len(a)]
	src, dst := a, tmp
	count := make([][2048]int, workers)
	for shift := uint(32); shift < 64; shift += 11 {
		parallel(workers, len(src), func(w, lo, hi int) {
			c := &count[w]
			*c = [2048]int{}
			for _, v := range src[lo:hi] {
				c[(v>>shift)&2047]++
			}
		})
		d0 := (src[0] >> shift) & 2047
		total := 0
		for w := range count {
			total += count[w][d0]
		}
		if total == len(src) {
			continue // one digit value: the pass would not move anything
		}
		// Exclusive offsets, digit-major then worker: chunk w's elements
		// of digit d follow those of earlier chunks.
		pos := 0
		for d := 0; d < 2048; d++ {
			for w := range count {
				c := count[w][d]
				count[w][d] = pos
				pos += c
			}
		}
		parallel(workers, len(src), func(w, lo, hi int) {
			c := &count[w]
			for _, v := range src[lo:hi] {
				d := (v >> shift) & 2047
				dst[c[d]] = v
				c[d]++
			}
		})
		src, dst = dst, src
	}
	if &src[0] != &a[0] {
		copy(a, src)
	}
}

func isSortedHigh32(a []uint64) bool {
	for i := 1; i < len(a); i++ {
		if a[i]>>32 < a[i-1]>>32 {
			return false
		}
	}
	return true
}

func insertionSortHigh32(a []uint64) {
	for i := 1; i < len(a); i++ {
		v := a[i]
		j := i
		for j > 0 && a[j-1]>>32 > v>>32 {
			a[j] = a[j-1]
			j--
		}
		a[j] = v
	}
}

// bitset is a fixed-size set of small integers.
type bitset []uint64

func newBitset(n int) bitset       { return make(bitset, (n+63)/64) }
func (b bitset) has(i uint32) bool { return b[i>>6]&(1<<(i&63)) != 0 }
func (b bitset) set(i uint32)      { b[i>>6] |= 1 << (i & 63) }
func (b bitset) hasSafe(i uint32) bool {
	return int(i>>6) < len(b) && b[i>>6]&(1<<(i&63)) != 0
}

// sortCands sorts candidates by x, then y: a stable LSD radix sort on
// 11-bit digits of y then x, over the digits their largest values use
// (accounts number a few million at most: four passes). It replaced a
// comparison sort that was a third of a 1M×1M matrix's time.
func sortCands(c []cand) {
	if len(c) < 256 {
		slices.SortFunc(c, func(p, q cand) int {
			if p.x != q.x {
				return cmp.Compare(p.x, q.x)
			}
			return cmp.Compare(p.y, q.y)
		})
		return
	}
	var mx, my uint32
	for i := range c {
		mx, my = max(mx, c[i].x), max(my, c[i].y)
	}
	src, dst := c, make([]cand, len(c))
	var count [2048]int
	// One pass on the digit of x (onX) or y at shift; the field is chosen
	// outside the loops, which a digit function called per element cost.
	pass := func(onX bool, shift uint) {
		count = [2048]int{}
		if onX {
			for i := range src {
				count[(src[i].x>>shift)&2047]++
			}
		} else {
			for i := range src {
				count[(src[i].y>>shift)&2047]++
			}
		}
		sum := 0
		for d, n := range count {
			count[d] = sum
			sum += n
		}
		for i := range src {
			v := src[i].y
			if onX {
				v = src[i].x
			}
			d := (v >> shift) & 2047
			dst[count[d]] = src[i]
			count[d]++
		}
		src, dst = dst, src
	}
	for shift := uint(0); shift < 32 && my>>shift != 0; shift += 11 {
		pass(false, shift)
	}
	for shift := uint(0); shift < 32 && mx>>shift != 0; shift += 11 {
		pass(true, shift)
	}
	if &src[0] != &c[0] {
		copy(c, src)
	}
}
