package acctmap_test

import (
	"context"
	"io"
	"runtime"
	"testing"
)

// allocated returns the bytes the process allocated while f ran.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// ExportReport writes rows as it makes them: it allocates less than a
// Report of the same whole cell (which holds every row's values at once),
// and a bounded number of bytes per row whatever the cell's size, so that
// a cell four times as large costs at most about four times as much.
// Not parallel: the process's allocations are measured.
func TestExportAllocatesPerRow(t *testing.T) {
	ctx := context.Background()
	const perRow = 5 << 10 // bytes: the rows, the records they show, the matches
	var exports []uint64
	for _, n := range []int{5_000, 20_000} {
		c := newBenchCell(t, n)
		spec := c.spec()
		var rows int
		var err error
		if _, err := c.a.ExportReport(ctx, spec, io.Discard); err != nil { // the indexes' lookup tables
			t.Fatal(err)
		}
		export := allocated(func() { rows, err = c.a.ExportReport(ctx, spec, io.Discard) })
		if err != nil || rows != n {
			t.Fatalf("export: %d rows, %v", rows, err)
		}
		report := allocated(func() { _, err = c.a.Report(ctx, spec) })
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d rows: export %d B (%d B/row), report %d B", n, export, export/uint64(n), report)
		if export/uint64(n) > perRow {
			t.Errorf("%d rows: the export allocated %d bytes a row, want at most %d", n, export/uint64(n), perRow)
		}
		if export >= report {
			t.Errorf("%d rows: the export allocated %d bytes, no less than the Report of the cell (%d)", n, export, report)
		}
		exports = append(exports, export)
	}
	if exports[1] > 5*exports[0] {
		t.Errorf("a cell 4 times as large made the export allocate %.1f times as much", float64(exports[1])/float64(exports[0]))
	}
}
