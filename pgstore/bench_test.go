package pgstore

import (
	"testing"

	"github.com/acctmap/acctmap"
)

// BenchmarkImport measures ReplaceRecords of 100,000 records, a full
// re-import of a data source with as many: the delete of the old records
// and keys, and the COPY of the new ones, committed.
func BenchmarkImport(b *testing.B) {
	const n = 100_000
	s := openTest(b)
	withDataSources(b, s, "ds")
	recs := genRecords("r", 0, n)
	b.ResetTimer()
	for b.Loop() {
		if err := s.Update(b.Context(), func(tx acctmap.Tx) error { return tx.ReplaceRecords("ds", recs) }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkSmallUpdate measures an Update that reads and writes one org,
// the smallest read-modify-write: BEGIN, two statements, the read of the
// transaction's id and COMMIT.
func BenchmarkSmallUpdate(b *testing.B) {
	s := openTest(b)
	withDataSources(b, s)
	b.ResetTimer()
	for b.Loop() {
		err := s.Update(b.Context(), func(tx acctmap.Tx) error {
			o, err := tx.Org("acme")
			if err != nil {
				return err
			}
			o.ExportedRecords++
			return tx.PutOrg(o)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
