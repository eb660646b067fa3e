package memstore_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
)

// csvLikeRecords returns n records shaped like a CRM export of 8 columns
// (id, name, website and five fields: stage, region, segment, employees,
// owner), every string allocated on its own as a CSV reader makes them.
func csvLikeRecords(n int) []acctmap.Record {
	stages := []string{"Closed Won", "Discovery", "Closed Lost", "Negotiation", "Qualified"}
	regions := []string{"EMEA", "NA", "APAC", "LATAM"}
	segments := []string{"SMB", "Mid-Market", "Enterprise"}
	recs := make([]acctmap.Record, n)
	for i := range recs {
		recs[i] = acctmap.Record{
			ID:      fmt.Sprintf("0015g00000%08d", i),
			Name:    fmt.Sprintf("Company %d", i),
			Website: fmt.Sprintf("https://company%d.example", i),
			Domains: []string{fmt.Sprintf("company%d.example", i)},
			NameKey: fmt.Sprintf("company %d", i),
			Fields: map[string]string{
				"stage":     strings.Clone(stages[i%len(stages)]),
				"region":    strings.Clone(regions[i%len(regions)]),
				"segment":   strings.Clone(segments[i%len(segments)]),
				"employees": fmt.Sprint(10 + i%5000),
				"owner":     fmt.Sprintf("owner%d@vendor.example", i%200),
			},
		}
	}
	return recs
}

func heapAfterGC() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkReplaceRecords1M loads 1M CSV-like records with ReplaceRecords
// and reports the heap the store keeps for them once the caller dropped
// its slice: bytes/record, measured after GC (the figure in the package
// doc). Run it with -benchtime=1x: it is a measurement, not a loop.
func BenchmarkReplaceRecords1M(b *testing.B) {
	const n = 1_000_000
	for b.Loop() {
		b.StopTimer()
		base := heapAfterGC()
		s := memstore.New()
		recs := csvLikeRecords(n)
		b.StartTimer()
		err := s.Update(context.Background(), func(tx acctmap.Tx) error {
			if err := tx.PutOrg(acctmap.Org{ID: "o"}); err != nil {
				return err
			}
			if err := tx.PutDataSource(acctmap.DataSource{ID: "ds", OrgID: "o"}); err != nil {
				return err
			}
			return tx.ReplaceRecords("ds", recs)
		})
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		recs = nil
		kept := heapAfterGC() - base
		b.ReportMetric(float64(kept)/n, "bytes/record")
		runtime.KeepAlive(s)
		runtime.KeepAlive(recs)
		b.StartTimer()
	}
}

// BenchmarkRecordsScanFields scans 1M CSV-like records with Records, as a
// population's evaluation does: every record comes with a new Fields map,
// since fn may keep it.
func BenchmarkRecordsScanFields(b *testing.B) {
	recs := csvLikeRecords(1_000_000)
	s := loaded(b, recs)
	recs = nil
	runtime.KeepAlive(recs)
	for b.Loop() {
		n := 0
		err := s.View(context.Background(), func(tx acctmap.ReadTx) error {
			return tx.Records("ds", func(r *acctmap.Record) error {
				if r.Fields["stage"] == "Closed Won" {
					n++
				}
				return nil
			})
		})
		if err != nil || n != 200_000 {
			b.Fatal(err, n)
		}
	}
	reportRecords(b, 1_000_000)
}
