package memstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
)

const benchRecords = 1_000_000

// benchRecs are shared by the benchmarks: building them costs more than
// what is measured.
var benchRecs = sync.OnceValue(func() []acctmap.Record {
	recs := make([]acctmap.Record, benchRecords)
	for i := range recs {
		recs[i] = acctmap.Record{
			ID:      fmt.Sprintf("0015g00000%08d", i),
			Name:    fmt.Sprintf("Company %d", i),
			Website: fmt.Sprintf("https://company%d.example", i),
			Domains: []string{fmt.Sprintf("company%d.example", i)},
			NameKey: fmt.Sprintf("company %d", i),
		}
	}
	return recs
})

// loaded returns a store with one data source "ds" holding recs.
func loaded(b testing.TB, recs []acctmap.Record) *memstore.Store {
	b.Helper()
	s := memstore.New()
	err := s.Update(context.Background(), func(tx acctmap.Tx) error {
		if err := tx.PutOrg(acctmap.Org{ID: "o"}); err != nil {
			return err
		}
		if err := tx.PutDataSource(acctmap.DataSource{ID: "ds", OrgID: "o"}); err != nil {
			return err
		}
		return tx.PutRecords("ds", recs)
	})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func reportRecords(b *testing.B, perOp int) {
	b.ReportMetric(float64(perOp)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkPutRecords loads 1M records into an empty data source.
func BenchmarkPutRecords(b *testing.B) {
	recs := benchRecs()
	for b.Loop() {
		loaded(b, recs)
	}
	reportRecords(b, len(recs))
}

// BenchmarkPutRecordsUpsert replaces 100k of 1M records.
func BenchmarkPutRecordsUpsert(b *testing.B) {
	recs := benchRecs()
	s := loaded(b, recs)
	batch := recs[:benchRecords/10]
	for b.Loop() {
		if err := s.Update(context.Background(), func(tx acctmap.Tx) error { return tx.PutRecords("ds", batch) }); err != nil {
			b.Fatal(err)
		}
	}
	reportRecords(b, len(batch))
}

// BenchmarkReplaceRecords replaces the content of a 1M data source.
func BenchmarkReplaceRecords(b *testing.B) {
	recs := benchRecs()
	s := loaded(b, recs)
	for b.Loop() {
		if err := s.Update(context.Background(), func(tx acctmap.Tx) error { return tx.ReplaceRecords("ds", recs) }); err != nil {
			b.Fatal(err)
		}
	}
	reportRecords(b, len(recs))
}

// BenchmarkRecordsScan reads all 1M records of a data source.
func BenchmarkRecordsScan(b *testing.B) {
	recs := benchRecs()
	s := loaded(b, recs)
	for b.Loop() {
		n := 0
		err := s.View(context.Background(), func(tx acctmap.ReadTx) error {
			return tx.Records("ds", func(r *acctmap.Record) error {
				n += len(r.ID)
				return nil
			})
		})
		if err != nil || n == 0 {
			b.Fatal(err)
		}
	}
	reportRecords(b, len(recs))
}

// BenchmarkSetMembers makes 100k of 1M records the members of a slot.
func BenchmarkSetMembers(b *testing.B) {
	recs := benchRecs()
	s := loaded(b, recs)
	ids := make([]string, 0, benchRecords/10)
	for i := 0; i < benchRecords; i += 10 {
		ids = append(ids, recs[i].ID)
	}
	slot := 0
	for b.Loop() {
		// A new slot each time, so that every call flips 100k bits.
		err := s.Update(context.Background(), func(tx acctmap.Tx) error { return tx.SetMembers("ds", slot%64, ids) })
		if err != nil {
			b.Fatal(err)
		}
		slot++
	}
	reportRecords(b, len(recs))
}
