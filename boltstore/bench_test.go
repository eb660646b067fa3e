package boltstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/internal/cputime"
)

// The benchmarks use 1M records like those of a CRM export (genRecords:
// three fields, a domain, an alias for a third, a DUNS number for a fifth)
// and the file's default durability (fsync at every commit). Run with
//
//	go test -run '^$' -bench . -benchtime 3x ./boltstore
const benchRecords = 1_000_000

var benchRecs = sync.OnceValue(func() []acctmap.Record { return genRecords("0015g0000", 0, benchRecords) })

// shuffled is benchRecs in random order, as a CSV in no particular order
// would give them.
var shuffled = sync.OnceValue(func() []acctmap.Record {
	recs := slices.Clone(benchRecs())
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(recs), func(i, j int) { recs[i], recs[j] = recs[j], recs[i] })
	return recs
})

// benchStore opens a store in a new file holding org "o" and an empty data
// source "ds".
func benchStore(b *testing.B) *Store {
	b.Helper()
	path := filepath.Join(b.TempDir(), fmt.Sprintf("bench-%d.db", rand.Int()))
	s, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	withDataSource(b, s, nil)
	return s
}

func fileSize(b *testing.B, s *Store) float64 {
	info, err := os.Stat(s.Path())
	if err != nil {
		b.Fatal(err)
	}
	return float64(info.Size())
}

// reportRecords reports records/s (by
// elapsed time) and records/cpu-s (by the process's CPU time, the garbage
// collector's included) for perOp records an iteration.
func reportRecords(b *testing.B, perOp int, cpu time.Duration) {
	b.ReportMetric(float64(perOp)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	if cpu > 0 {
		b.ReportMetric(float64(perOp)*float64(b.N)/cpu.Seconds(), "records/cpu-s")
	}
}

// heapPeak samples the live heap every few milliseconds until stop is
// called, which returns the highest sample.
func heapPeak() (stop func() uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); <-finished; return peak }
}

func benchImport(b *testing.B, recs []acctmap.Record) {
	b.ReportAllocs()
	var size float64
	var cpu time.Duration
	var peak uint64
	for b.Loop() {
		b.StopTimer()
		s := benchStore(b)
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		stop := heapPeak()
		c0 := cpuTime()
		b.StartTimer()
		if err := s.Update(context.Background(), func(tx acctmap.Tx) error { return tx.PutRecords("ds", recs) }); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		cpu += cpuTime() - c0
		p := stop()
		peak = max(peak, p-min(p, base.HeapAlloc))
		size = fileSize(b, s)
		_ = s.Close()
		b.StartTimer()
	}
	reportRecords(b, len(recs), cpu)
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(size/(1<<20), "file-MiB")
	b.ReportMetric(size/float64(len(recs)), "file-B/record")
}

// BenchmarkPutRecords imports 1M records, in id order, into an empty data
// source of a new file, in one Update.
func BenchmarkPutRecords(b *testing.B) { benchImport(b, benchRecs()) }

// BenchmarkPutRecordsShuffled is BenchmarkPutRecords with the records in
// random order: the store sorts them first.
func BenchmarkPutRecordsShuffled(b *testing.B) { benchImport(b, shuffled()) }

// BenchmarkReplaceRecords replaces the 1M records of a data source with
// 1M others, in one Update.
func BenchmarkReplaceRecords(b *testing.B) {
	b.ReportAllocs()
	s := benchStore(b)
	recs := benchRecs()
	other := genRecords("0016g0000", 0, benchRecords)
	if err := s.Update(context.Background(), func(tx acctmap.Tx) error { return tx.ReplaceRecords("ds", recs) }); err != nil {
		b.Fatal(err)
	}
	i := 0
	c0 := cpuTime()
	for b.Loop() {
		next := [][]acctmap.Record{other, recs}[i%2]
		i++
		if err := s.Update(context.Background(), func(tx acctmap.Tx) error { return tx.ReplaceRecords("ds", next) }); err != nil {
			b.Fatal(err)
		}
	}
	reportRecords(b, benchRecords, cpuTime()-c0)
	// The file holds the old records' pages, free, besides the new ones.
	b.ReportMetric(fileSize(b, s)/(1<<20), "file-MiB")
}

// BenchmarkPutRecordsUpsert replaces 100k of 1M records.
func BenchmarkPutRecordsUpsert(b *testing.B) {
	b.ReportAllocs()
	s := benchStore(b)
	recs := benchRecs()
	if err := s.Update(context.Background(), func(tx acctmap.Tx) error { return tx.ReplaceRecords("ds", recs) }); err != nil {
		b.Fatal(err)
	}
	batch := shuffled()[:benchRecords/10]
	c0 := cpuTime()
	for b.Loop() {
		if err := s.Update(context.Background(), func(tx acctmap.Tx) error { return tx.PutRecords("ds", batch) }); err != nil {
			b.Fatal(err)
		}
	}
	reportRecords(b, len(batch), cpuTime()-c0)
}

// loadedStore is a file holding the 1M records, shared by the read
// benchmarks.
var loadedStore = sync.OnceValues(func() (*Store, error) {
	dir, err := os.MkdirTemp("", "boltstore-bench")
	if err != nil {
		return nil, err
	}
	s, err := Open(filepath.Join(dir, "loaded.db"), WithNoSync())
	if err != nil {
		return nil, err
	}
	err = s.Update(context.Background(), func(tx acctmap.Tx) error {
		if err := tx.PutOrg(acctmap.Org{ID: "o"}); err != nil {
			return err
		}
		if err := tx.PutDataSource(acctmap.DataSource{ID: "ds", OrgID: "o"}); err != nil {
			return err
		}
		return tx.ReplaceRecords("ds", benchRecs())
	})
	return s, err
})

func benchScan(b *testing.B, scan func(tx acctmap.ReadTx, fn func(*acctmap.Record) error) error) {
	s, err := loadedStore()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	c0 := cpuTime()
	for b.Loop() {
		n := 0
		err := s.View(context.Background(), func(tx acctmap.ReadTx) error {
			return scan(tx, func(r *acctmap.Record) error {
				n += len(r.Domains)
				return nil
			})
		})
		if err != nil || n == 0 {
			b.Fatal(err)
		}
	}
	reportRecords(b, benchRecords, cpuTime()-c0)
}

// BenchmarkRecordsScan reads all 1M records of a data source.
func BenchmarkRecordsScan(b *testing.B) {
	benchScan(b, func(tx acctmap.ReadTx, fn func(*acctmap.Record) error) error { return tx.Records("ds", fn) })
}

// BenchmarkRecordKeysScan reads what matching needs of the 1M records.
func BenchmarkRecordKeysScan(b *testing.B) {
	benchScan(b, func(tx acctmap.ReadTx, fn func(*acctmap.Record) error) error { return tx.RecordKeys("ds", fn) })
}

// BenchmarkSetMembers makes 100k of 1M records the members of a slot.
func BenchmarkSetMembers(b *testing.B) {
	b.ReportAllocs()
	s := benchStore(b)
	recs := benchRecs()
	if err := s.Update(context.Background(), func(tx acctmap.Tx) error { return tx.ReplaceRecords("ds", recs) }); err != nil {
		b.Fatal(err)
	}
	ids := make([]string, 0, benchRecords/10)
	for i := 0; i < benchRecords; i += 10 {
		ids = append(ids, recs[i].ID)
	}
	slot := 10
	c0 := cpuTime()
	for b.Loop() {
		// A new slot each time, so that every call flips 100k bits.
		err := s.Update(context.Background(), func(tx acctmap.Tx) error { return tx.SetMembers("ds", slot%64, ids) })
		if err != nil {
			b.Fatal(err)
		}
		slot++
	}
	reportRecords(b, benchRecords, cpuTime()-c0)
}

// cpuTime is the CPU time the process has used (0 where not measured): on a
// machine shared with other work, a steadier figure than the elapsed time.
func cpuTime() time.Duration {
	d, _ := cputime.Used()
	return d
}
