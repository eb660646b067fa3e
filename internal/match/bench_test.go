package match

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
)

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
	for b.Loop() {
		x = Build(NewDict(), recs)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(x.Bytes())/float64(x.Accounts()), "bytes/account")
}

// BenchmarkBuildWarmDict builds into a Dict that already holds the keys, as
// on a re-upload.
func BenchmarkBuildWarmDict(b *testing.B) {
	n := benchSize(b)
	recs := synth(1, "x", n, 0.3, 8)
	d := NewDict()
	Build(d, recs)
	b.ResetTimer()
	for b.Loop() {
		Build(d, recs)
	}
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
