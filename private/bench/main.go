// Command bench measures the private mapping protocol: both parties in
// one process, over a loopback TCP connection.
//
//	go run ./private/bench -n 1000000
//
// Each side has n accounts, one domain each (10% also a DUNS number), a
// fraction -overlap of them shared, and -populations populations of
// skewed sizes (as ./bench draws them; with -all, the default, an account
// the draw leaves in none goes to slot 1, so that all n take part). It prints the wall time by phase,
// the bytes each party sent by phase, the group operations and their
// rate, the load of the machine before and after, and the published
// figures of other DH-PSI implementations beside.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/acctmap/acctmap/internal/cputime"
	"github.com/acctmap/acctmap/private"
)

func main() {
	n := flag.Int("n", 100000, "accounts per side")
	pops := flag.Int("populations", 8, "populations per side (1..64)")
	overlap := flag.Float64("overlap", 0.3, "fraction of accounts both sides have")
	fp := flag.Float64("fp", private.DefaultFalsePositiveRate, "Bloom filter false-positive rate")
	k := flag.Int64("k", 0, "responder's minimum cell size")
	everyone := flag.Bool("all", true, "put every account in at least one population (slot 1 when the draw gives none), so that all n take part")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the session to this file")
	flag.Parse()
	if *pops < 1 || *pops > 64 {
		log.Fatal("-populations must be in 1..64")
	}
	x := side(1, *n, *pops, *overlap, *everyone)
	y := side(2, *n, *pops, *overlap, *everyone)
	fmt.Printf("private mapping: %d × %d accounts, %d × %d populations, overlap %.2f, fp %g, GOMAXPROCS %d, %s\n",
		*n, *n, *pops, *pops, *overlap, *fp, runtime.GOMAXPROCS(0), runtime.Version())
	fmt.Printf("load before: %s\n", loadavg())

	prep := time.Now()
	r, err := private.NewResponder(private.ResponderConfig{Side: y, FalsePositiveRate: *fp, MinCellSize: *k})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("responder setup (accounts resolved): %s\n", time.Since(prep).Round(time.Millisecond))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	type served struct {
		res *private.Result
		err error
	}
	done := make(chan served, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- served{nil, err}
			return
		}
		defer c.Close()
		res, err := r.Serve(ctx, c)
		done <- served{res, err}
	}()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	cpu0 := cpuTime()
	start := time.Now()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	ir, err := private.Initiate(ctx, c, private.InitiatorConfig{Side: x})
	c.Close()
	if err != nil {
		log.Fatal("initiator: ", err)
	}
	sv := <-done
	if sv.err != nil {
		log.Fatal("responder: ", sv.err)
	}
	wall := time.Since(start)
	cpu := cpuTime() - cpu0
	rr := sv.res
	fmt.Printf("load after:  %s\n\n", loadavg())

	fmt.Printf("whole protocol: %.1f s wall, %.1f s CPU (both parties)\n", wall.Seconds(), cpu.Seconds())
	fmt.Printf("  initiator: keys phase %.1f s, filter %.2f s; responder: keys phase %.1f s, filter tests and counts %.2f s\n",
		ir.Stats.Keys.Seconds(), ir.Stats.Bloom.Seconds(), rr.Stats.Keys.Seconds(), rr.Stats.Bloom.Seconds())
	for _, p := range []struct {
		name string
		s    private.Stats
	}{{"initiator", ir.Stats}, {"responder", rr.Stats}} {
		t := p.s.Sent
		fmt.Printf("  %s sent %.1f MB: start %d B, keys %.1f MB, filter %.1f MB, result %.1f kB (%d accounts, %d keys)\n",
			p.name, mb(t.Total()), t.Start, mb(t.Keys), mb(t.Bloom), float64(t.Result)/1e3, p.s.MyAccounts, p.s.MyKeys)
	}
	total := ir.Stats.Sent.Total() + rr.Stats.Sent.Total()
	fmt.Printf("  total sent %.1f MB (target ≤ 80 MB)\n", mb(total))
	ops := ir.Stats.ScalarMults + rr.Stats.ScalarMults
	all := ops + ir.Stats.HashToGroup + rr.Stats.HashToGroup + ir.Stats.Decodes + rr.Stats.Decodes
	fmt.Printf("  group operations: %d scalar multiplications, %d hashes to the group, %d decodes, %d encodes\n",
		ops, ir.Stats.HashToGroup+rr.Stats.HashToGroup, ir.Stats.Decodes+rr.Stats.Decodes, ir.Stats.Encodes+rr.Stats.Encodes)
	fmt.Printf("  %.0f scalar multiplications/s wall (%.0f/s per CPU second); %.0f multiplications+hashes+decodes/s wall\n",
		float64(ops)/wall.Seconds(), float64(ops)/cpu.Seconds(), float64(all)/wall.Seconds())
	fmt.Printf("  filter: %d entries, %d tests\n", ir.Stats.BloomAdds, rr.Stats.BloomTests)
	fmt.Printf("\nmatrix (initiator's view, first rows):\n")
	for i := range min(4, len(ir.Matrix.Rows)) {
		fmt.Printf("  %-8s %v\n", ir.Matrix.Rows[i].Name, ir.Matrix.Counts[i])
	}
	fmt.Printf("\npublished, for comparison (1M × 1M DH-PSI): Optable's pure-Go DH-PSI about 300 s on one core;\n" +
		"OpenMined PSI (P-256, C++) computes one intersection, not a matrix. Targets here: ≤ 120 s wall (first bar 180 s), ≤ 80 MB.\n")
}

// side generates n accounts: a fraction overlap are companies both sides
// have (the same index on both), the others the side's own.
func side(seed uint64, n, pops int, overlap float64, all bool) private.Side {
	r := rand.New(rand.NewPCG(seed, 7))
	var s private.Side
	for p := 0; p < pops; p++ {
		s.Populations = append(s.Populations, private.Population{Slot: p, Name: fmt.Sprintf("pop%d", p), RevealMatches: true})
	}
	s.Records = make([]private.Record, n)
	for i := range s.Records {
		co := i
		if float64(uint32(i)*2654435761)/(1<<32) >= overlap {
			co = int(seed)*n*2 + i
		}
		rec := private.Record{ID: fmt.Sprintf("r%07d", i), Domains: []string{fmt.Sprintf("company-%d.com", co)}, Mask: popMask(r, pops)}
		if all && rec.Mask == 0 {
			rec.Mask = 1 << min(1, pops-1)
		}
		if r.IntN(10) == 0 {
			rec.RegID = fmt.Sprintf("duns:%09d", co%1_000_000_000)
		}
		s.Records[i] = rec
	}
	return s
}

// popMask is ./bench's: slot 0 ~10%, slot 1 ~60%, slot 2 ~5%, then
// slot s ~1/(s+2).
func popMask(r *rand.Rand, pops int) uint64 {
	var m uint64
	for s := 0; s < pops; s++ {
		p := 1 / float64(s+2)
		switch s {
		case 0:
			p = 0.10
		case 1:
			p = 0.60
		case 2:
			p = 0.05
		}
		if r.Float64() < p {
			m |= 1 << s
		}
	}
	return m
}

func mb(b int64) float64 { return float64(b) / 1e6 }

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

func cpuTime() time.Duration {
	d, _ := cputime.Used()
	return d
}
