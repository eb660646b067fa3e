package match

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"
)

func xxhashString(s string) uint64 { return xxhash.Sum64String(s) }

// synth makes n normalized records of which a fraction overlap share their
// domain with the records of the same number from another call (same
// universe), with masks over pops populations of skewed sizes, 20%
// aliases, 10% DUNS numbers and 3% domainless records.
func synth(seed uint64, prefix string, n int, overlap float64, pops int) []Record {
	r := rand.New(rand.NewPCG(seed, 1))
	recs := make([]Record, n)
	for i := range recs {
		co := i
		if float64(uint32(i)*2654435761)/(1<<32) >= overlap { // same draw on both sides
			co = n + int(seed)*n*4 + i // private to this side
		}
		name := "company " + strconv.Itoa(co)
		rc := Record{ID: prefix + strconv.Itoa(i), NameKey: name}
		if r.IntN(33) != 0 {
			rc.Domains = []string{"company-" + strconv.Itoa(co) + ".com"}
			if r.IntN(5) == 0 {
				rc.Domains = append(rc.Domains, "company-"+strconv.Itoa(co)+".co.uk")
			}
		}
		if r.IntN(10) == 0 {
			rc.RegID = fmt.Sprintf("duns:%09d", co)
		}
		// Skewed populations: slot s holds about 1/(s+1) of the records.
		for s := range pops {
			if r.IntN(s+2) == 0 {
				rc.Mask |= 1 << s
			}
		}
		recs[i] = rc
	}
	return recs
}

func benchSize(b *testing.B) int {
	if testing.Short() {
		return 20000
	}
	return 1000000
}

func BenchmarkBuild(b *testing.B) {
	n := benchSize(b)
	recs := synth(1, "x", n, 0.3, 8)
	b.ResetTimer()
	var x *Index
	cpu := cpuMeter(b)
	for b.Loop() {
		x = Build(NewDict(), recs)
	}
	cpu()
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(x.Bytes())/float64(x.Accounts()), "bytes/account")
}

// cpuMeter starts measuring CPU time (all threads, the collector's
// included); the function it returns reports it per operation. On a
// shared machine it varies less than the wall time.
func cpuMeter(b *testing.B) func() {
	c0, ok := cpuTime()
	return func() {
		if c1, _ := cpuTime(); ok && b.N > 0 {
			b.ReportMetric(float64(c1-c0)/float64(b.N), "cpu-ns/op")
		}
	}
}

// BenchmarkBuildWarmDict builds into a Dict that already holds the keys, as
// on a re-upload.
func BenchmarkBuildWarmDict(b *testing.B) {
	n := benchSize(b)
	recs := synth(1, "x", n, 0.3, 8)
	d := NewDict()
	Build(d, recs)
	b.ResetTimer()
	cpu := cpuMeter(b)
	for b.Loop() {
		Build(d, recs)
	}
	cpu()
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkBuildPartner builds a second org's index into a Dict that holds
// the first org's keys: the shared companies' keys are found, the others
// added, and the Dict's tables grow.
func BenchmarkBuildPartner(b *testing.B) {
	n := benchSize(b)
	xr, yr := synth(1, "x", n, 0.3, 8), synth(2, "y", n, 0.3, 8)
	b.ResetTimer()
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		d := NewDict()
		Build(d, xr)
		b.StartTimer()
		c0, _ := cpuTime()
		Build(d, yr)
		c1, _ := cpuTime()
		cpu += c1 - c0
	}
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkOverlap(b *testing.B) {
	n := benchSize(b)
	d := NewDict()
	x, y := Build(d, synth(1, "x", n, 0.3, 8)), Build(d, synth(2, "y", n, 0.3, 8))
	var m Matrix
	for b.Loop() {
		m = Overlap(x, y, Options{})
	}
	b.ReportMetric(float64(2*n)*float64(b.N)/b.Elapsed().Seconds(), "accounts/s")
	b.ReportMetric(float64(m.Total), "matches")
}

func BenchmarkMatches(b *testing.B) {
	n := benchSize(b) / 10
	d := NewDict()
	x, y := Build(d, synth(1, "x", n, 0.3, 8)), Build(d, synth(2, "y", n, 0.3, 8))
	for b.Loop() {
		Matches(x, y, Options{}, 1, 1)
	}
}

// BenchmarkApply applies 1,000 changes to a large index and brings the
// matrix current.
func BenchmarkApply(b *testing.B) {
	n := benchSize(b)
	d := NewDict()
	xr := synth(1, "x", n, 0.3, 8)
	x, y := Build(d, xr), Build(d, synth(2, "y", n, 0.3, 8))
	m := Overlap(x, y, Options{})
	x.Apply(nil, []string{"none"}) // the id table, once per base
	ups := synth(3, "x", 1000, 0.3, 8)
	for i := range ups {
		if i%2 == 0 {
			ups[i].ID = xr[i*7].ID // half updates, half inserts
		} else {
			ups[i].ID = "new" + ups[i].ID
		}
	}
	var changed []string
	for _, r := range ups {
		changed = append(changed, r.ID)
	}
	for b.Loop() {
		nx := x.Apply(ups, nil)
		UpdateOverlap(m, x, nx, y, Options{}, changed)
	}
	b.ReportMetric(1000*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// benchPartners makes one index of n accounts and k partners of m.
func benchPartners(n, k, m int) (*Index, []*Index) {
	d := NewDict()
	x := Build(d, synth(1, "x", n, 0.3, 8))
	ps := make([]*Index, k)
	for i := range ps {
		ps[i] = Build(d, synth(uint64(i+2), "p", m, 0.3, 8))
	}
	return x, ps
}

func BenchmarkEcosystem(b *testing.B) {
	n, k, m := 1000000, 100, 100000
	if testing.Short() {
		n, k, m = 20000, 20, 2000
	}
	x, ps := benchPartners(n, k, m)
	b.Run("one-pass", func(b *testing.B) {
		for b.Loop() {
			Ecosystem(x, ps, Options{})
		}
		b.ReportMetric(float64(k*m)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
	b.Run("overlap-per-partner", func(b *testing.B) {
		for b.Loop() {
			for _, p := range ps {
				Overlap(x, p, Options{})
			}
		}
		b.ReportMetric(float64(k*m)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
	for _, bl := range []bool{false, true} {
		b.Run(fmt.Sprintf("screen-bloom=%v", bl), func(b *testing.B) {
			for b.Loop() {
				Screen(x, 1, ps, ScreenOptions{Bloom: bl})
			}
			b.ReportMetric(float64(k*m)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkMergeVerify measures the alternative design: sorted
// xxhash64 keys per index, with the canonical strings compared on every
// hit to rule out collisions, against the Dict's uint32 ids, which need no
// verification.
func BenchmarkMergeVerify(b *testing.B) {
	n := benchSize(b)
	xr, yr := synth(1, "x", n, 0.3, 8), synth(2, "y", n, 0.3, 8)
	type hk struct {
		h uint64
		s string
	}
	keys := func(rs []Record) []hk {
		var out []hk
		for _, r := range rs {
			if len(r.Domains) > 0 {
				out = append(out, hk{xxhashString(r.Domains[0]), r.Domains[0]})
			}
		}
		slices.SortFunc(out, func(p, q hk) int { return cmpU64(p.h, q.h) })
		return out
	}
	xk, yk := keys(xr), keys(yr)
	// Hashes and strings in separate arrays, as an index would hold them:
	// the merge streams 8-byte hashes and touches strings only on a hit.
	split := func(k []hk) ([]uint64, []string) {
		h, str := make([]uint64, len(k)), make([]string, len(k))
		for i := range k {
			h[i], str[i] = k[i].h, k[i].s
		}
		return h, str
	}
	xh, xs := split(xk)
	yh, ys := split(yk)
	for _, verify := range []bool{false, true} {
		b.Run(fmt.Sprintf("xxhash64-verify=%v", verify), func(b *testing.B) {
			hits := 0
			for b.Loop() {
				hits = 0
				i, j := 0, 0
				for i < len(xh) && j < len(yh) {
					switch {
					case xh[i] < yh[j]:
						i++
					case xh[i] > yh[j]:
						j++
					default:
						if !verify || xs[i] == ys[j] {
							hits++
						}
						i++
						j++
					}
				}
			}
			b.ReportMetric(float64(hits), "hits")
		})
	}
	d := NewDict()
	x, y := Build(d, xr), Build(d, yr)
	b.Run("dict-ids", func(b *testing.B) {
		var buf []pair
		for b.Loop() {
			buf = intersect(x.base.prim, y.base.prim, buf[:0])
		}
		b.ReportMetric(float64(len(buf)), "hits")
	})
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
