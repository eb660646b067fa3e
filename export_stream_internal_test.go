package acctmap

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"testing"
)

// writeCSV streams a page: the cells of a row are made as it is written,
// into a bounded buffer, so that writing 20,000 rows allocates a few bytes
// a row, not a projected copy of every row (a Values slice of 10 columns
// is 160 bytes a row before its strings). Not parallel: the process's
// allocations are measured.
func TestWriteCSVStreams(t *testing.T) {
	const n = 20_000
	view := popView{fields: []string{FieldName, FieldWebsite, "Stage"}}
	pg := page{columns: reportColumns([]string{"Stage", "Owner"}, view.fields)}
	for i := range n {
		x := &Record{ID: fmt.Sprint("x", i), Name: fmt.Sprint("Acme ", i), Website: "acme.com", Fields: map[string]string{"Stage": "Customer", "Owner": "ann"}}
		y := &Record{ID: fmt.Sprint("y", i), Name: fmt.Sprint("ACME ", i), Website: "acme.com", Fields: map[string]string{"Stage": "Open"}}
		r := &row{pair: &rowPair{x: x, y: y, view: &view}, out: ReportRow{Confidence: 90, RecordID: x.ID, MatchedOn: "domain", Key: "acme.com", Explanation: "same domain acme.com"}}
		pg.rows = append(pg.rows, sortedRow{r: r})
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	rows, err := writeCSV(context.Background(), io.Discard, pg)
	runtime.ReadMemStats(&after)
	if err != nil || rows != n {
		t.Fatalf("writeCSV: %d rows, %v", rows, err)
	}
	if per := (after.TotalAlloc - before.TotalAlloc) / n; per > 64 {
		t.Errorf("writing %d rows allocated %d bytes a row, want at most 64", n, per)
	}
}
