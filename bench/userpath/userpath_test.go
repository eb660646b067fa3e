package main

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/acctmap/acctmap/memstore"
	"github.com/google/go-cmp/cmp"
)

// The digests of ../shared/bench/gen's output (go run . -n N -out DIR),
// taken when this port was written: the port writes the same bytes.
func TestGeneratorMatchesShared(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n             int
		ours, partner string
	}{
		{1000, "b362b8ecd865c48fa7c43c08b06871472eb7a0d52bad8bbe73dc05a167fbd4cb", "b0e12d42b4cc08b36799c5a4c505758751f36e33a58b1b92859ca4c906d27703"},
		{2000, "7910e38751e45de2176b69d7b488b49081184e34f73c662bc9eddfae595cac26", "c0df23da4561bcb7bbce94672feae70c8a079e59d2758caa63e9737162f045aa"},
	}
	for _, tc := range tests {
		dir := t.TempDir()
		if err := generate(dir, tc.n, 0.3, 7); err != nil {
			t.Fatal(err)
		}
		for file, want := range map[string]string{"ours.csv": tc.ours, "partner.csv": tc.partner} {
			b, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(b)
			if got := hex.EncodeToString(sum[:]); got != want {
				t.Errorf("n=%d %s: sha256 %s, want the shared generator's %s", tc.n, file, got, want)
			}
		}
	}
}

// The peers' crude registrable-domain rule, in Go: an independent
// computation of the matrix, which on this data acctmap must agree with.
var (
	scheme   = regexp.MustCompile(`^[a-z]+:(//)?`)
	userPart = regexp.MustCompile(`^.*@`)
	rest     = regexp.MustCompile(`[/?#:].*$`)
	registry = regexp.MustCompile(`\.(co|com|org|net|ac|gov|edu)\.[a-z]{2}$`)
)

func crudeDomain(website string) string {
	h := strings.ToLower(strings.TrimSpace(website))
	h = rest.ReplaceAllString(userPart.ReplaceAllString(scheme.ReplaceAllString(h, ""), ""), "")
	labels := strings.Split(h, ".")
	keep := 2
	if registry.MatchString(h) {
		keep = 3
	}
	return strings.Join(labels[max(len(labels)-keep, 0):], ".")
}

// referenceMatrix is the peers' SQL over the two files, in plain Go.
func referenceMatrix(t *testing.T, dir string) map[cellKey]int64 {
	t.Helper()
	members := func(file string) []map[string]bool {
		f, err := os.Open(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		sets := make([]map[string]bool, len(populations))
		for i := range sets {
			sets[i] = map[string]bool{}
		}
		for _, r := range rows[1:] {
			d := crudeDomain(r[2])
			stage, region, segment := r[3], r[4], r[5]
			emp, err := strconv.Atoi(r[6])
			if err != nil {
				t.Fatal(err)
			}
			in := []bool{stage == "Customer", stage == "Open Opportunity", stage == "Prospect", stage == "Churned",
				region == "NA", region == "EMEA", segment == "Enterprise", emp > 10000}
			for i, ok := range in {
				if ok {
					sets[i][d] = true
				}
			}
		}
		return sets
	}
	a, b := members("ours.csv"), members("partner.csv")
	out := map[cellKey]int64{}
	for i := range a {
		for j := range b {
			var n int64
			for d := range a[i] {
				if b[j][d] {
					n++
				}
			}
			if n > 0 {
				out[cellKey{i, j}] = n
			}
		}
	}
	return out
}

func TestFlowAgreesWithReference(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := generate(dir, 2000, 0.3, 7); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := runFlow(ctx, memstore.New(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := referenceMatrix(t, dir)
	if len(want) != len(populations)*len(populations) {
		t.Fatalf("reference matrix has %d non-zero cells, want all %d: too little data to test", len(want), len(populations)*len(populations))
	}
	if diff := cmp.Diff(want, res.cells, cmp.AllowUnexported(cellKey{})); diff != "" {
		t.Errorf("matrix (-reference +acctmap):\n%s", diff)
	}
	if d := cellDiff(want, res.cells); d != "" {
		t.Errorf("cellDiff: %s", d)
	}
	if total := int(want[cellKey{0, 0}]); res.reportTotal != total || res.report10 != min(10, total) {
		t.Errorf("report rows %d (page %d), want the Customers × Customers cell's %d (page %d)", res.reportTotal, res.report10, total, min(10, total))
	}
	seen := map[string]bool{}
	for _, s := range res.steps {
		seen[s.bucket] = true
	}
	for _, b := range buckets {
		if !seen[b] {
			t.Errorf("no step in bucket %q", b)
		}
	}
}

func TestCellDiff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b map[cellKey]int64
		want string
	}{
		{"equal", map[cellKey]int64{{0, 1}: 5}, map[cellKey]int64{{0, 1}: 5}, ""},
		{"value", map[cellKey]int64{{0, 1}: 5}, map[cellKey]int64{{0, 1}: 6}, "1 cells differ: Customers × Open Opportunities: 5 vs 6"},
		{"missing", map[cellKey]int64{{7, 7}: 5}, map[cellKey]int64{}, "1 cells differ: Large × Large: 5 vs 0"},
		{"extra", map[cellKey]int64{}, map[cellKey]int64{{4, 5}: 1}, "1 cells differ: NA × EMEA: 0 vs 1"},
	}
	for _, tc := range tests {
		if got := cellDiff(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: cellDiff = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestAgreeFailsOnDisagreement(t *testing.T) {
	t.Parallel()
	a := runResult{system: "memstore", cells: map[cellKey]int64{{0, 0}: 3}, report10: 3, reportTotal: 3}
	b := runResult{system: "duckdb", cells: map[cellKey]int64{{0, 0}: 3}, report10: 3, reportTotal: 3}
	if err := agree([]runResult{a, b}); err != nil {
		t.Errorf("agree on equal results: %v", err)
	}
	b.cells = map[cellKey]int64{{0, 0}: 4}
	if err := agree([]runResult{a, b}); err == nil || !strings.Contains(err.Error(), "MATRICES DISAGREE") {
		t.Errorf("agree on different cells = %v, want MATRICES DISAGREE", err)
	}
	b.cells, b.reportTotal = a.cells, 2
	if err := agree([]runResult{a, b}); err == nil || !strings.Contains(err.Error(), "REPORTS DISAGREE") {
		t.Errorf("agree on different reports = %v, want REPORTS DISAGREE", err)
	}
}

func TestParseOutput(t *testing.T) {
	t.Parallel()
	psql := "@step import|COPY ours.csv, partner.csv\nTime: 1.5 ms\nTime: 2.5 ms (00:00.003)\n@step populations|memberships\nTime: 10 ms\n" +
		"@step first matrix|matrix\n@cells\n0\t0\t7\n1\t2\t3\nTime: 4 ms\n@step end|\nTime: 100 ms\n@backend VmHWM:\t  2048 kB\n"
	var r runResult
	if err := parseOutput(strings.NewReader(psql), "postgres", &r); err != nil {
		t.Fatal(err)
	}
	wantSteps := []step{{"import", "COPY ours.csv, partner.csv", 4 * time.Millisecond}, {"populations", "memberships", 10 * time.Millisecond}, {"first matrix", "matrix", 4 * time.Millisecond}}
	if diff := cmp.Diff(wantSteps, r.steps, cmp.AllowUnexported(step{})); diff != "" {
		t.Errorf("psql steps (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[cellKey]int64{{0, 0}: 7, {1, 2}: 3}, r.cells, cmp.AllowUnexported(cellKey{})); diff != "" {
		t.Errorf("psql cells (-want +got):\n%s", diff)
	}
	if r.extraRSS != " (psql + server backend 2 MiB)" || r.backendRSS != 2<<20 {
		t.Errorf("extraRSS = %q", r.extraRSS)
	}

	var d runResult
	if err := parseOutput(strings.NewReader("step\timport\tload ours.csv\t0.25\nreport\t10\t42\n"), "duckdb", &d); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]step{{"import", "load ours.csv", 250 * time.Millisecond}}, d.steps, cmp.AllowUnexported(step{})); diff != "" || d.report10 != 10 || d.reportTotal != 42 {
		t.Errorf("duckdb output: steps diff %s, report %d/%d", diff, d.report10, d.reportTotal)
	}
}
