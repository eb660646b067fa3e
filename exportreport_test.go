package acctmap_test

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/acctmap/acctmap"
)

// failingWriter takes the first n bytes, then fails.
type failingWriter struct {
	n   int
	got strings.Builder
}

var errDiskFull = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.got.Len()+len(p) > w.n {
		k := w.n - w.got.Len()
		w.got.Write(p[:k])
		return k, errDiskFull
	}
	return w.got.Write(p)
}

// An export is charged for the rows delivered: a writer that fails
// part-way is charged the whole rows it took, not the report; one that
// fails at once is charged nothing; and what it took reads back as CSV.
func TestExportChargesWhatWasDelivered(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newLeakWorld(t)
	const n = 20000
	var mine, theirs []acctmap.RecordInput
	for i := range n {
		site := fmt.Sprintf("acct%d.com", i)
		mine = append(mine, acctmap.RecordInput{ID: fmt.Sprintf("a%d", i), Name: fmt.Sprintf("Account %d; =1+%d", i, i), Website: site})
		theirs = append(theirs, acctmap.RecordInput{ID: fmt.Sprintf("b%d", i), Name: fmt.Sprintf("Account %d", i), Website: site})
	}
	w.push(t, w.adminA, w.dsA, mine...)
	w.push(t, w.adminB, w.dsB, theirs...)
	popA := w.pop(t, w.adminA, acctmap.PopulationSpec{DataSourceID: w.dsA.ID, Kind: acctmap.Customers})
	popB := w.pop(t, w.adminB, acctmap.PopulationSpec{DataSourceID: w.dsB.ID, Kind: acctmap.Customers})
	mustDo(t, "SetShareRule", w.adminB.SetShareRule(ctx, popB.ID, "org-a", acctmap.ShareRule{Level: acctmap.OverlappingRecords, Fields: []string{"name"}}))
	mustDo(t, "SetLimits", w.net.SetLimits(ctx, "org-a", acctmap.Limits{MaxExportedRecords: 3 * n}))
	spec := acctmap.ReportSpec{Partner: "org-b", Population: popA.ID, PartnerPopulation: popB.ID, Columns: []string{"my.name", "partner.name"}}
	used := func() int64 { return must[acctmap.Org](t, "Org")(w.net.Org(ctx, "org-a")).ExportedRecords }

	for _, tc := range []struct {
		name  string
		bytes int // what the writer takes before failing
	}{
		{"fails at once", 0},
		{"fails part-way", 300 << 10},
	} {
		before := used()
		fw := &failingWriter{n: tc.bytes}
		got, err := w.adminA.ExportReport(ctx, spec, fw)
		if !errors.Is(err, errDiskFull) {
			t.Fatalf("%s: error %v, want the writer's", tc.name, err)
		}
		rows, rerr := csv.NewReader(strings.NewReader(fw.got.String())).ReadAll()
		whole := max(len(rows)-1, 0) // less the header
		if rerr != nil && got > 0 {
			// The last, partial line may be cut: count the complete lines.
			whole = strings.Count(fw.got.String(), "\n") - 1
		}
		if got > whole || (tc.bytes > 0 && got == 0) {
			t.Errorf("%s: ExportReport says %d rows delivered; the writer holds %d whole rows", tc.name, got, whole)
		}
		if charged := used() - before; charged != int64(got) {
			t.Errorf("%s: charged %d rows for %d delivered", tc.name, charged, got)
		}
	}
	before := used()
	var sb strings.Builder
	got, err := w.adminA.ExportReport(ctx, spec, &sb)
	if err != nil || got != n {
		t.Fatalf("a whole export: %d rows, %v", got, err)
	}
	if charged := used() - before; charged != n {
		t.Errorf("a whole export of %d rows charged %d", n, charged)
	}
	rows, err := csv.NewReader(strings.NewReader(sb.String())).ReadAll()
	if err != nil || len(rows) != n+1 {
		t.Fatalf("the export reads back as %d rows, %v", len(rows), err)
	}
	if !strings.Contains(sb.String(), `"Account 0; '=1+0"`) {
		t.Errorf("the separator-split formula is not neutralized: %.200q", sb.String())
	}
}
