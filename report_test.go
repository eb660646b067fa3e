package acctmap_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"iter"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
)

// benchCell is two partner orgs whose Customers cell holds n accounts,
// b sharing its name and "Value" to a.
type benchCell struct {
	net          *acctmap.Network
	a            *acctmap.Actor
	custA, custB acctmap.Population
}

func newBenchCell(b testing.TB, n int) *benchCell {
	b.Helper()
	ctx := context.Background()
	net := acctmap.New(memstore.New(), acctmap.WithClock(fixedClock()))
	for _, o := range []string{"org-a", "org-b"} {
		if _, err := net.CreateOrg(ctx, acctmap.Org{ID: o, Name: o}); err != nil {
			b.Fatal(err)
		}
		if _, err := net.AddUser(ctx, acctmap.User{ID: "admin-" + o, OrgID: o, Name: o, Role: acctmap.RoleAdmin}); err != nil {
			b.Fatal(err)
		}
	}
	a, bb := net.As("admin-org-a"), net.As("admin-org-b")
	if _, err := a.Invite(ctx, "org-b"); err != nil {
		b.Fatal(err)
	}
	if _, err := bb.Accept(ctx, "org-a"); err != nil {
		b.Fatal(err)
	}
	value := func(i int) string { return fmt.Sprintf("%d", (i*7919)%n) }
	c := &benchCell{net: net, a: a, custA: cellSide(b, a, "a", n, value), custB: cellSide(b, bb, "b", n, value)}
	if err := bb.SetShareRule(ctx, c.custB.ID, "org-a", acctmap.ShareRule{Level: acctmap.OverlappingRecords, Fields: []string{"name", "Value"}}); err != nil {
		b.Fatal(err)
	}
	return c
}

func (c *benchCell) spec() acctmap.ReportSpec {
	return acctmap.ReportSpec{Partner: "org-b", Population: c.custA.ID, PartnerPopulation: c.custB.ID}
}

// BenchmarkReportPage measures a page of 10 rows of a 150k-row cell,
// sorted by a partner column, beside the whole cell: through the public
// API, after a first report has built the indexes.
func BenchmarkReportPage(b *testing.B) {
	c := newBenchCell(b, 150_000)
	ctx := context.Background()
	for _, bc := range []struct {
		name  string
		limit int
	}{{"Page10", 10}, {"WholeCell", 0}} {
		b.Run(bc.name, func(b *testing.B) {
			spec := c.spec()
			spec.Limit = bc.limit
			spec.Sort = []acctmap.SortKey{{Column: "partner.Value", Desc: true}}
			if _, err := c.a.Report(ctx, spec); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				rep, err := c.a.Report(ctx, spec)
				if err != nil || rep.Total != 150_000 {
					b.Fatalf("report: total %d, %v", rep.Total, err)
				}
			}
		})
	}
}

// TestReportPagesAreSlicesOfTheWholeReport: a page (by offset or cursor)
// is the slice of the whole report in the same order, for every sort.
func TestReportPagesAreSlicesOfTheWholeReport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const n = 57
	w := newCellWorld(t, n, func(i int) string { return fmt.Sprintf("%d", (i*7)%10) }) // many ties
	base := acctmap.ReportSpec{Partner: "org-b", Population: w.custA.ID, PartnerPopulation: w.custB.ID}
	for _, sort := range [][]acctmap.SortKey{
		nil,
		{{Column: "partner.Value"}},
		{{Column: "partner.Value", Desc: true}},
		{{Column: "partner.Value"}, {Column: "partner.name", Desc: true}},
		{{Column: "my.name"}},
	} {
		spec := base
		spec.Sort = sort
		whole, err := w.adminA.Report(ctx, spec)
		wantErr(t, "whole", err, nil)
		if whole.Total != n || len(whole.Rows) != n || whole.NextCursor != "" {
			t.Fatalf("sort %v: whole report has %d rows, total %d, cursor %q", sort, len(whole.Rows), whole.Total, whole.NextCursor)
		}
		for _, limit := range []int{1, 5, 10, n - 1, n, n + 1} {
			for _, off := range []int{0, 3, n - 2, n, n + 4} {
				spec.Offset, spec.Limit, spec.Cursor = off, limit, ""
				page, err := w.adminA.Report(ctx, spec)
				wantErr(t, "page", err, nil)
				lo, hi := min(off, n), min(off+limit, n)
				if diff := cmp.Diff(whole.Rows[lo:hi], page.Rows, cmpopts.EquateEmpty()); diff != "" || page.Total != n {
					t.Fatalf("sort %v offset %d limit %d: total %d, rows (-want +got):\n%s", sort, off, limit, page.Total, diff)
				}
				if (page.NextCursor != "") != (hi < n) {
					t.Errorf("sort %v offset %d limit %d: next cursor %q", sort, off, limit, page.NextCursor)
				}
			}
			// Walking the cursors visits every row once, in order.
			spec.Offset, spec.Limit, spec.Cursor = 0, limit, ""
			var walked []acctmap.ReportRow
			for pages := 0; ; pages++ {
				page, err := w.adminA.Report(ctx, spec)
				wantErr(t, "cursor page", err, nil)
				walked = append(walked, page.Rows...)
				if page.NextCursor == "" || pages > n {
					break
				}
				spec.Cursor = page.NextCursor
			}
			if diff := cmp.Diff(whole.Rows, walked); diff != "" {
				t.Fatalf("sort %v limit %d: the cursor walk (-whole +walked):\n%s", sort, limit, diff)
			}
		}
	}
}

// TestReportCursorIsBoundToItsReport: a cursor of another spec, or
// anything else, is invalid input.
func TestReportCursorIsBoundToItsReport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newCellWorld(t, 20, func(i int) string { return fmt.Sprint(i) })
	spec := acctmap.ReportSpec{Partner: "org-b", Population: w.custA.ID, PartnerPopulation: w.custB.ID, Limit: 5}
	page, err := w.adminA.Report(ctx, spec)
	wantErr(t, "page", err, nil)
	other := spec
	other.Sort = []acctmap.SortKey{{Column: "partner.Value"}}
	for _, bad := range []acctmap.ReportSpec{
		func() acctmap.ReportSpec { s := other; s.Cursor = page.NextCursor; return s }(),
		func() acctmap.ReportSpec { s := spec; s.Cursor = "not a cursor"; return s }(),
		func() acctmap.ReportSpec { s := spec; s.Cursor = page.NextCursor[:len(page.NextCursor)-2]; return s }(),
		func() acctmap.ReportSpec { s := spec; s.Cursor = strings.Repeat("A", 5000); return s }(),
	} {
		_, err := w.adminA.Report(ctx, bad)
		wantErr(t, "bad cursor", err, acctmap.ErrInvalidInput)
		if err != nil && len(err.Error()) > 300 {
			t.Errorf("the error quotes too much: %d bytes", len(err.Error()))
		}
	}
}

// TestReportCursorShowsOnlyWhatTheViewerSees: the cursors a viewer gets
// do not change when what the partner does not share changes.
func TestReportCursorShowsOnlyWhatTheViewerSees(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cursors := func(secret string) []string {
		w := newCellWorld(t, 12, func(i int) string { return fmt.Sprint(i % 3) })
		var in []acctmap.RecordInput
		for i := range 12 { // b's records again, with an unshared field and another record id order
			in = append(in, acctmap.RecordInput{ID: fmt.Sprintf("b%06d", i), Name: fmt.Sprintf("Company %d", i), Website: fmt.Sprintf("company%d.com", i),
				Fields: map[string]string{"Stage": "Customer", "Value": fmt.Sprint(i % 3), "Secret": secret + fmt.Sprint(i)}})
		}
		if _, err := w.adminB.UpsertRecords(ctx, w.custB.DataSourceID, in); err != nil {
			t.Fatal(err)
		}
		var out []string
		spec := acctmap.ReportSpec{Partner: "org-b", Population: w.custA.ID, PartnerPopulation: w.custB.ID, Limit: 4,
			Sort: []acctmap.SortKey{{Column: "partner.Value"}}}
		for {
			page, err := w.adminA.Report(ctx, spec)
			wantErr(t, "page", err, nil)
			if page.NextCursor == "" {
				return out
			}
			// The cursor's first bytes are the spec's fingerprint, which
			// holds the population ids, new in every world.
			b, err := base64.RawURLEncoding.DecodeString(page.NextCursor)
			if err != nil || len(b) < 9 {
				t.Fatalf("cursor %q: %v", page.NextCursor, err)
			}
			out = append(out, string(b[9:]))
			spec.Cursor = page.NextCursor
		}
	}
	if diff := cmp.Diff(cursors("hush"), cursors("a much longer secret value")); diff != "" {
		t.Errorf("the cursors depend on an unshared field (-one +other):\n%s", diff)
	}
}

// TestIteratorsAgreeWithTheirLists: ReportRows and AccountMappingSeq
// yield what Report and AccountMapping return, and stop when asked.
func TestIteratorsAgreeWithTheirLists(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newCellWorld(t, 30, func(i int) string { return fmt.Sprint(i % 4) })
	spec := acctmap.ReportSpec{Partner: "org-b", Population: w.custA.ID, PartnerPopulation: w.custB.ID,
		Sort: []acctmap.SortKey{{Column: "partner.Value"}}, Offset: 2, Limit: 20}
	rep, err := w.adminA.Report(ctx, spec)
	wantErr(t, "report", err, nil)
	var rows []acctmap.ReportRow
	for r, err := range w.adminA.ReportRows(ctx, spec) {
		wantErr(t, "report rows", err, nil)
		rows = append(rows, r)
	}
	if diff := cmp.Diff(rep.Rows, rows); diff != "" {
		t.Errorf("ReportRows (-Report +ReportRows):\n%s", diff)
	}
	for range w.adminA.ReportRows(ctx, spec) {
		break // stopping early must not panic
	}
	accts, err := w.adminA.AccountMapping(ctx, w.custA.ID)
	wantErr(t, "account mapping", err, nil)
	var seq []acctmap.AccountPartners
	for acc, err := range w.adminA.AccountMappingSeq(ctx, w.custA.ID) {
		wantErr(t, "account mapping seq", err, nil)
		seq = append(seq, acc)
	}
	if diff := cmp.Diff(accts, seq); diff != "" || len(seq) != 30 {
		t.Errorf("AccountMappingSeq, %d accounts (-AccountMapping +Seq):\n%s", len(seq), diff)
	}
	bad := spec
	bad.Population = w.custB.ID
	n := 0
	for _, err := range w.adminA.ReportRows(ctx, bad) {
		n++
		wantErr(t, "another org's population", err, acctmap.ErrNotFound)
	}
	for _, err := range w.adminA.AccountMappingSeq(ctx, w.custB.ID) {
		n++
		wantErr(t, "another org's population", err, acctmap.ErrNotFound)
	}
	if n != 2 {
		t.Errorf("the errors were yielded %d times, want once each", n)
	}
}

// TestRecordsListsOwnRecords: Records lists one's own records with a
// filter, in id order, beyond the preview's 1,000, and never another
// org's.
func TestRecordsListsOwnRecords(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const n = 1300
	w := newCellWorld(t, n, func(i int) string { return fmt.Sprint(i % 3) })
	var ids []string
	f := acctmap.Filter{All: []acctmap.Condition{{Field: "Value", Op: acctmap.Equals, Value: "1"}}}
	for r, err := range w.adminA.Records(ctx, w.custA.DataSourceID, f) {
		wantErr(t, "records", err, nil)
		if r.Fields["Value"] != "1" {
			t.Fatalf("record %s has Value %q", r.ID, r.Fields["Value"])
		}
		r.Fields["Value"] = "changed" // the caller's own copy
		ids = append(ids, r.ID)
	}
	var want []string
	for i := 1; i < n; i += 3 {
		want = append(want, fmt.Sprintf("a%06d", i))
	}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	got, err := w.adminA.Record(ctx, w.custA.DataSourceID, "a000001")
	wantErr(t, "record", err, nil)
	if got.Fields["Value"] != "1" {
		t.Errorf("writing a yielded record changed the stored one: %q", got.Fields["Value"])
	}
	count := 0
	for _, err := range w.readerA.Records(ctx, w.custA.DataSourceID, acctmap.Filter{}) {
		wantErr(t, "read-only lists", err, nil)
		if count++; count == 10 {
			break
		}
	}
	for _, c := range []struct {
		who  *acctmap.Actor
		ds   string
		f    acctmap.Filter
		want error
	}{
		{w.adminA, w.custB.DataSourceID, acctmap.Filter{}, acctmap.ErrNotFound}, // the partner's
		{w.adminA, "no-such-ds", acctmap.Filter{}, acctmap.ErrNotFound},
		{w.net.As("nobody"), w.custA.DataSourceID, acctmap.Filter{}, acctmap.ErrPermissionDenied},
		{w.adminA, w.custA.DataSourceID, acctmap.Filter{All: []acctmap.Condition{{Field: "NoSuchField", Op: acctmap.Equals, Value: "x"}}}, acctmap.ErrInvalidInput},
	} {
		n := 0
		for r, err := range c.who.Records(ctx, c.ds, c.f) {
			n++
			if r.ID != "" {
				t.Errorf("records of %s yielded %s", c.ds, r.ID)
			}
			wantErr(t, "records of "+c.ds, err, c.want)
		}
		if n != 1 {
			t.Errorf("records of %s: %d pairs, want one error", c.ds, n)
		}
	}
}

// collectSeq collects a sequence, stopping at its first error.
func collectSeq[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}
