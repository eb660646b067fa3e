// Command soak runs a Network for a long time under steady change and
// reports how reads behave: orgs of a million records each, partnered with
// the first, receive sync batches in turn, and the first org reads its
// overlap matrix with the synced partner after every batch.
//
//	go run ./bench/soak                                      # 10 orgs × 100,000 records, 1,000 batches
//	go run ./bench/soak -records 1000000                     # the 10 × 1M: 3 minutes, 7 GB live heap, 14 GB peak RSS
//	go run ./bench/soak -records 1000000 -batches 100 -every 10
//
// It prints the latency of the syncs and of the matrix reads (p50, p99,
// max), and the live heap (after a GC) every -every batches: memory stays
// flat when the last samples are no higher than the first.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
)

func main() {
	orgs := flag.Int("orgs", 10, "orgs, the first partnered with all others")
	records := flag.Int("records", 100_000, "records per org")
	batches := flag.Int("batches", 1000, "sync batches")
	batch := flag.Int("batch", 1000, "changed records per batch")
	every := flag.Int("every", 100, "sample the live heap every this many batches")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if *orgs < 2 || *records < *batch || *batch < 1 || *batches < 1 || *every < 1 {
		log.Fatal("soak: want -orgs ≥ 2, -records ≥ -batch ≥ 1, -batches ≥ 1, -every ≥ 1")
	}
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(*seed, 0))
	net := acctmap.New(memstore.New())
	stages := []string{"Customer", "Prospect", "Open Opportunity", "Churned"}

	// Org k's record i is on domain i + (k mod 10)·records/10: org k shares
	// 100 − 10·(k mod 10) percent of its accounts with the first org.
	record := func(k, i int, stage string) acctmap.RecordInput {
		d := strconv.Itoa(i + (k%10)*(*records/10))
		return acctmap.RecordInput{ID: "r" + strconv.Itoa(i), Name: "Company " + d + " Inc", Website: "https://www.company" + d + ".com/",
			Fields: map[string]string{"Stage": stage, "Owner": "owner" + strconv.Itoa(i%50)}}
	}
	type org struct {
		id, user, ds string
	}
	var all []org
	start := time.Now()
	for k := range *orgs {
		o := org{id: fmt.Sprintf("org%02d", k), user: fmt.Sprintf("admin%02d", k)}
		check(net.CreateOrg(ctx, acctmap.Org{ID: o.id, Name: o.id}))
		check(net.AddUser(ctx, acctmap.User{ID: o.user, OrgID: o.id, Name: o.user, Role: acctmap.RoleAdmin}))
		a := net.As(o.user)
		ds := check(a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource}))
		o.ds = ds.ID
		for lo := 0; lo < *records; lo += 100_000 {
			in := make([]acctmap.RecordInput, 0, 100_000)
			for i := lo; i < min(lo+100_000, *records); i++ {
				in = append(in, record(k, i, stages[rng.IntN(len(stages))]))
			}
			check(a.UpsertRecords(ctx, o.ds, in))
		}
		for _, kind := range []acctmap.PopulationKind{acctmap.Customers, acctmap.Prospects, acctmap.OpenOpportunities} {
			stage := map[acctmap.PopulationKind]string{acctmap.Customers: "Customer", acctmap.Prospects: "Prospect", acctmap.OpenOpportunities: "Open Opportunity"}[kind]
			check(a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: o.ds, Kind: kind,
				Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Stage", Op: acctmap.Equals, Value: stage}}}}))
		}
		if k > 0 {
			check(net.As(all[0].user).Invite(ctx, o.id))
			check(a.Accept(ctx, all[0].id))
		}
		all = append(all, o)
	}
	setup := time.Since(start)
	first := net.As(all[0].user)
	start = time.Now()
	for _, o := range all[1:] {
		check(first.Matrix(ctx, o.id))
	}
	warm := time.Since(start)

	var syncs, reads []time.Duration
	type sample struct {
		batch int
		heap  uint64
	}
	var heap []sample
	live := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	heap = append(heap, sample{0, live()})
	var lastCounts [][]int64
	for b := 1; b <= *batches; b++ {
		k := 1 + (b-1)%(*orgs-1)
		o := all[k]
		in := make([]acctmap.RecordInput, *batch)
		for j := range in {
			in[j] = record(k, rng.IntN(*records), stages[rng.IntN(len(stages))])
		}
		t0 := time.Now()
		check(net.As(o.user).UpsertRecords(ctx, o.ds, in))
		syncs = append(syncs, time.Since(t0))
		t0 = time.Now()
		m := check(first.Matrix(ctx, o.id))
		reads = append(reads, time.Since(t0))
		lastCounts = m.Counts
		if b%*every == 0 {
			heap = append(heap, sample{b, live()})
		}
	}

	fmt.Printf("soak: %d orgs × %d records, %d batches of %d changed records, a matrix read (%d × %d populations) after each\n",
		*orgs, *records, *batches, *batch, len(lastCounts), len(lastCounts[0]))
	fmt.Printf("setup %v (normalizing and storing %d records), first matrices %v (index builds)\n\n", setup.Round(time.Millisecond), *orgs**records, warm.Round(time.Millisecond))
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tp50\tp99\tmax\t")
	for _, row := range []struct {
		name string
		ds   []time.Duration
	}{{"sync of a batch", syncs}, {"matrix read", reads}} {
		p50, p99, mx := percentiles(row.ds)
		fmt.Fprintf(tw, "%s\t%v\t%v\t%v\t\n", row.name, p50, p99, mx)
	}
	tw.Flush()
	fmt.Println()
	fmt.Println("live heap after a GC:")
	for _, s := range heap {
		fmt.Printf("  after batch %5d: %7.1f MiB\n", s.batch, float64(s.heap)/(1<<20))
	}
	firstHeap, lastHeap := heap[min(1, len(heap)-1)].heap, heap[len(heap)-1].heap
	fmt.Printf("growth from batch %d to %d: %+.1f%%\n", heap[min(1, len(heap)-1)].batch, heap[len(heap)-1].batch,
		100*(float64(lastHeap)-float64(firstHeap))/float64(firstHeap))
}

func percentiles(ds []time.Duration) (p50, p99, mx time.Duration) {
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(q float64) time.Duration {
		return s[min(len(s)-1, int(q*float64(len(s))))].Round(10 * time.Microsecond)
	}
	return at(0.50), at(0.99), s[len(s)-1].Round(10 * time.Microsecond)
}

func check[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}
