package matcheval

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acctmap/acctmap/normalize"
)

const realDir = "../../testdata/matcheval"

func loadReal(t *testing.T) *Set {
	t.Helper()
	s, err := Load(realDir)
	if err != nil {
		t.Fatalf("Load(%s): %v", realDir, err)
	}
	return s
}

// The set's invariants, as issue 12 asks: enough pairs, enough hard ones, ids
// that exist, no duplicate pairs, every class documented.
func TestRealSetInvariants(t *testing.T) {
	t.Parallel()
	s := loadReal(t)
	if n := len(s.Labels); n < 500 {
		t.Errorf("%d labeled pairs, want at least 500", n)
	}
	hard, same := 0, 0
	used := map[string]int{}
	seen := map[Pair]bool{}
	for _, lp := range s.Labels {
		c, ok := LookupClass(lp.Class)
		if !ok {
			t.Fatalf("labels.csv:%d: unknown class %q", lp.Line, lp.Class)
		}
		if c.Hard {
			hard++
		}
		if lp.Label == Same {
			same++
		}
		used[lp.Class]++
		if seen[lp.Pair] {
			t.Errorf("labels.csv:%d: duplicate pair %v", lp.Line, lp.Pair)
		}
		seen[lp.Pair] = true
		if _, ok := s.LeftRecord(lp.Left); !ok {
			t.Errorf("labels.csv:%d: left id %q does not exist", lp.Line, lp.Left)
		}
		if _, ok := s.RightRecord(lp.Right); !ok {
			t.Errorf("labels.csv:%d: right id %q does not exist", lp.Line, lp.Right)
		}
	}
	if hard < 150 {
		t.Errorf("%d hard pairs, want at least 150", hard)
	}
	if same == 0 || same == len(s.Labels) {
		t.Errorf("%d of %d pairs are same; want both labels", same, len(s.Labels))
	}
	if len(s.Left)+len(s.Right) > 5000 {
		t.Errorf("%d+%d records; keep the lists to a few thousand rows", len(s.Left), len(s.Right))
	}
	rules, err := os.ReadFile(filepath.Join(realDir, "RULES.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range Classes() {
		if !strings.Contains(string(rules), "`"+c.Name+"`") {
			t.Errorf("class %q is not documented in RULES.md", c.Name)
		}
	}
	sources, err := os.ReadFile(filepath.Join(realDir, "SOURCES.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{LeftFile, RightFile, LabelsFile} {
		if !strings.Contains(string(sources), f) {
			t.Errorf("SOURCES.md does not mention %s", f)
		}
	}
	t.Logf("%d left, %d right records; %d pairs (%d same, %d hard); by class: %v",
		len(s.Left), len(s.Right), len(s.Labels), same, hard, used)
}

// The two naive baselines of issue 12, printed as a table. Their figures are
// logged, not asserted: they are a reference, and the normalizer may change.
// What is asserted is that the set measures what it claims to: every pair a
// baseline predicts was adjudicated, and the known failure modes show up.
func TestBaselines(t *testing.T) {
	t.Parallel()
	s := loadReal(t)
	n := normalize.New()
	a := s.Score(s.BaselineDomain(n))
	b := s.Score(s.BaselineDomainElseName(n))
	var tbl strings.Builder
	if err := WriteTable(&tbl, []string{"(a) same domain", "(b) domain, else name"}, []Scores{a, b}); err != nil {
		t.Fatal(err)
	}
	t.Logf("baselines on %s:\n%s", realDir, tbl.String())
	for name, sc := range map[string]Scores{"domain": a, "domain else name": b} {
		if sc.Unlisted != 0 || sc.Invalid != 0 {
			t.Errorf("%s baseline: %d unlisted and %d invalid predicted pairs; every baseline pair must be adjudicated", name, sc.Unlisted, sc.Invalid)
		}
		if sc.ByClass["umbrella_fund"].FP == 0 {
			t.Errorf("%s baseline: no umbrella-fund false positive; the set should expose them", name)
		}
		if sc.ByClass["share_class_offsite"].FN == 0 || sc.ByClass["domain_change"].FN == 0 {
			t.Errorf("%s baseline: no off-site share class or changed-domain false negative", name)
		}
	}
	if b.TP <= a.TP {
		t.Errorf("names added no true positive: %d vs %d", b.TP, a.TP)
	}
}
