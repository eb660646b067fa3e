package match

// pair is a match between position i of one sorted array and j of another.
type pair struct{ i, j uint32 }

// gallopRatio is the size ratio beyond which intersect searches the larger
// array instead of walking it: a binary search per element of the smaller
// one then touches fewer cache lines than the walk.
const gallopRatio = 24

// intersect appends the positions of the keys common to a and b, which are
// strictly ascending, to out.
func intersect(a, b []uint32, out []pair) []pair {
	if len(a) == 0 || len(b) == 0 {
		return out
	}
	if len(b) > gallopRatio*len(a) {
		return gallop(a, b, out, false)
	}
	if len(a) > gallopRatio*len(b) {
		return gallop(b, a, out, true)
	}
	i, j := 0, 0
	na, nb := len(a), len(b)
	for i < na && j < nb {
		x, y := a[i], b[j]
		if x == y {
			out = append(out, pair{uint32(i), uint32(j)})
		}
		// Branch-free steps: the comparison outcome is random when the
		// two arrays interleave, so a branch would mispredict half the
		// time. The compiler turns these into SETcc/ADD.
		i += b2i(x <= y)
		j += b2i(y <= x)
	}
	return out
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// gallop intersects small with big by exponential search from the last
// position found, in O(len(small) log(len(big)/len(small))).
func gallop(small, big []uint32, out []pair, swap bool) []pair {
	j := 0
	for i, x := range small {
		// Exponential step to bracket x, then binary search.
		step := 1
		lo := j
		for lo+step < len(big) && big[lo+step] < x {
			lo += step
			step <<= 1
		}
		hi := min(lo+step+1, len(big))
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if big[m] < x {
				lo = m + 1
			} else {
				hi = m
			}
		}
		j = lo
		if j == len(big) {
			break
		}
		if big[j] == x {
			if swap {
				out = append(out, pair{uint32(j), uint32(i)})
			} else {
				out = append(out, pair{uint32(i), uint32(j)})
			}
		}
	}
	return out
}

// join appends every (i, j) with a[i] == b[j] for ascending arrays that may
// repeat keys (name keys are shared by many accounts).
func join(a, b []uint32, out []pair) []pair {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch x, y := a[i], b[j]; {
		case x < y:
			i++
		case x > y:
			j++
		default:
			ie, je := i, j
			for ie < len(a) && a[ie] == x {
				ie++
			}
			for je < len(b) && b[je] == x {
				je++
			}
			for p := i; p < ie; p++ {
				for q := j; q < je; q++ {
					out = append(out, pair{uint32(p), uint32(q)})
				}
			}
			i, j = ie, je
		}
	}
	return out
}

// lowerBound returns the first position of a whose value is >= v.
func lowerBound(a []uint32, v uint32) int {
	lo, hi := 0, len(a)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if a[m] < v {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// search returns the position of v in ascending a, or -1.
func search(a []uint32, v uint32) int {
	p := lowerBound(a, v)
	if p < len(a) && a[p] == v {
		return p
	}
	return -1
}
