package acctmap_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/internal/matcheval"
	"github.com/acctmap/acctmap/memstore"
	"github.com/acctmap/acctmap/normalize"
)

// TestMatchQuality scores the library's matches on the labeled
// evaluation set in testdata/matcheval (large enterprises against listed
// securities: share classes, funds on their sponsor's domain,
// subsidiaries, homonyms; see RULES.md there), through the public API: the
// two lists imported as two orgs, and the pairs the library lists
// (Report with Pairs) scored against the adjudicated labels. It fails
// below the documented floors, and prints the table the README shows,
// beside the two naive baselines.
func TestMatchQuality(t *testing.T) {
	t.Parallel()
	set, err := matcheval.Load(filepath.Join("testdata", "matcheval"))
	if err != nil {
		t.Fatal(err)
	}
	norm := normalize.New()
	runs := []struct {
		name string
		opts []acctmap.Option
		// Floors: what the library reaches today, to the second decimal.
		precision, recall float64
	}{
		{"acctmap, default", nil, matchFloorDefault[0], matchFloorDefault[1]},
		{"acctmap, WithNameMatching", []acctmap.Option{acctmap.WithNameMatching()}, matchFloorNames[0], matchFloorNames[1]},
	}
	names := []string{"same domain (baseline)", "domain, else name (baseline)"}
	scores := []matcheval.Scores{set.Score(set.BaselineDomain(norm)), set.Score(set.BaselineDomainElseName(norm))}
	for _, run := range runs {
		sc := set.Score(matchPairs(t, run.opts))
		names, scores = append(names, run.name), append(scores, sc)
		if sc.Precision < run.precision || sc.Recall < run.recall {
			t.Errorf("%s: precision %.3f, recall %.3f; the floors are %.2f and %.2f", run.name, sc.Precision, sc.Recall, run.precision, run.recall)
		}
	}
	var b bytes.Buffer
	if err := matcheval.WriteTable(&b, names, scores); err != nil {
		t.Fatal(err)
	}
	t.Logf("match quality on testdata/matcheval (%d adjudicated pairs):\n%s", len(set.Labels), b.String())
	if path := os.Getenv("MATCHEVAL_TABLE"); path != "" {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// The floors of TestMatchQuality: precision and recall.
var (
	matchFloorDefault = [2]float64{0.98, 0.73}
	matchFloorNames   = [2]float64{0.98, 0.97}
)

// matchPairs imports the evaluation set's two lists through the public API
// and returns the record pairs the library lists as matched.
func matchPairs(t *testing.T, opts []acctmap.Option) []matcheval.Pair {
	t.Helper()
	ctx := context.Background()
	net := acctmap.New(memstore.New(), opts...)
	load := func(org, file string) (*acctmap.Actor, acctmap.Population) {
		_, err := net.CreateOrg(ctx, acctmap.Org{ID: org, Name: org})
		mustDo(t, "CreateOrg", err)
		_, err = net.AddUser(ctx, acctmap.User{ID: org, OrgID: org, Name: org, Role: acctmap.RoleAdmin})
		mustDo(t, "AddUser", err)
		a := net.As(org)
		ds := must[acctmap.DataSource](t, "CreateDataSource")(a.CreateDataSource(ctx, acctmap.NewDataSource{Name: file}))
		f, err := os.Open(filepath.Join("testdata", "matcheval", file))
		mustDo(t, "open", err)
		defer f.Close()
		header, err := csvsource.Preview(f, 0)
		mustDo(t, "Preview", err)
		if _, err := f.Seek(0, 0); err != nil {
			t.Fatal(err)
		}
		m := csvsource.Mapping{ID: matcheval.ColID, Name: matcheval.ColName, Website: matcheval.ColWebsite}
		for _, h := range header.Header {
			switch h {
			case "Other Name":
				m.OtherNames = append(m.OtherNames, h)
			case "Other Website":
				m.OtherWebsites = append(m.OtherWebsites, h)
			}
		}
		_, err = a.ImportCSV(ctx, ds.ID, f, acctmap.CSVImport{Mapping: m, FileName: file})
		mustDo(t, "ImportCSV", err)
		pop := must[acctmap.Population](t, "CreatePopulation")(a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Customers}))
		mustDo(t, "SetShareRule", a.SetShareRule(ctx, pop.ID, "", acctmap.ShareRule{Level: acctmap.OverlappingRecords, Fields: []string{"id", "name"}}))
		return a, pop
	}
	left, leftPop := load("left", matcheval.LeftFile)
	right, rightPop := load("right", matcheval.RightFile)
	must[acctmap.Partnership](t, "Invite")(left.Invite(ctx, "right"))
	must[acctmap.Partnership](t, "Accept")(right.Accept(ctx, "left"))
	rep, err := left.Report(ctx, acctmap.ReportSpec{Partner: "right", Population: leftPop.ID, PartnerPopulation: rightPop.ID, Pairs: true})
	mustDo(t, "Report", err)
	var out []matcheval.Pair
	for _, r := range rep.Rows {
		if r.PartnerRecordID == "" {
			t.Fatalf("row %+v without the partner's id", r)
		}
		out = append(out, matcheval.Pair{Left: r.RecordID, Right: r.PartnerRecordID})
	}
	return out
}

// TestMatchQualityErrors lists the evaluation set's errors of the library
// with name matching (MATCHEVAL_ERRORS=1): what to look at when tuning.
func TestMatchQualityErrors(t *testing.T) {
	if os.Getenv("MATCHEVAL_ERRORS") == "" {
		t.Skip("MATCHEVAL_ERRORS=1 lists the library's errors on the evaluation set")
	}
	set, err := matcheval.Load(filepath.Join("testdata", "matcheval"))
	if err != nil {
		t.Fatal(err)
	}
	pred := map[matcheval.Pair]bool{}
	for _, p := range matchPairs(t, []acctmap.Option{acctmap.WithNameMatching()}) {
		pred[p] = true
	}
	var lines []string
	for _, l := range set.Labels {
		switch {
		case l.Label == matcheval.Same && !pred[l.Pair]:
			lines = append(lines, fmt.Sprintf("FN %-22s %s | %s  (%s)", l.Class, name(set, l.Left, true), name(set, l.Right, false), l.Note))
		case l.Label == matcheval.Different && pred[l.Pair]:
			lines = append(lines, fmt.Sprintf("FP %-22s %s | %s  (%s)", l.Class, name(set, l.Left, true), name(set, l.Right, false), l.Note))
		}
		delete(pred, l.Pair)
	}
	for p := range pred {
		lines = append(lines, fmt.Sprintf("FP %-22s %s | %s", "unlisted", name(set, p.Left, true), name(set, p.Right, false)))
	}
	t.Logf("%d errors:\n%s", len(lines), strings.Join(lines, "\n"))
}

func name(set *matcheval.Set, id string, left bool) string {
	r, ok := set.RightRecord(id)
	if left {
		r, ok = set.LeftRecord(id)
	}
	if !ok {
		return id
	}
	return fmt.Sprintf("%s %q %s", id, r.Name, r.Website)
}
