package matcheval

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Counts are pair counts. TN counts pairs labeled "different" that were not
// predicted; pairs nobody listed are not counted as TN.
type Counts struct {
	TP, FP, FN, TN int
}

// Scores is the result of scoring predicted pairs.
//
// Precision is TP/(TP+FP) and Recall TP/(TP+FN) over the deduplicated
// predicted pairs; FP counts every predicted pair that is not labeled "same":
// labeled "different", unlisted (an unlisted pair is "different"), or naming
// an id the set does not have. F1 is their harmonic mean. None is ever NaN:
// a ratio with a zero denominator is 0, so a matcher that predicts nothing
// scores precision 0, not 1.
type Scores struct {
	Counts
	Precision, Recall, F1 float64

	Predicted int // distinct predicted pairs
	Unlisted  int // predicted pairs of known records that labels.csv does not list (in FP)
	Invalid   int // predicted pairs naming an id that is in neither list (in FP)

	// ByClass has the counts of each class that labels.csv uses: TP and FN
	// for "same" classes, FP and TN for "different" ones. Unlisted and
	// invalid pairs are in no class.
	ByClass map[string]Counts
}

// HardCounts returns the counts summed over the hard classes.
func (sc Scores) HardCounts() Counts {
	var c Counts
	for name, cc := range sc.ByClass {
		if cl, ok := LookupClass(name); ok && cl.Hard {
			c.TP += cc.TP
			c.FP += cc.FP
			c.FN += cc.FN
			c.TN += cc.TN
		}
	}
	return c
}

// Score scores pred against the labels. Duplicate pairs in pred count once;
// pred is not modified.
func (s *Set) Score(pred []Pair) Scores {
	sc := Scores{ByClass: map[string]Counts{}}
	for _, lp := range s.Labels {
		if _, ok := sc.ByClass[lp.Class]; !ok {
			sc.ByClass[lp.Class] = Counts{} // every used class appears, even with zero counts
		}
	}
	seen := make(map[Pair]bool, len(pred))
	for _, p := range pred {
		if seen[p] {
			continue
		}
		seen[p] = true
		sc.Predicted++
		lp, listed := s.Lookup(p)
		switch {
		case listed && lp.Label == Same:
			sc.TP++
			c := sc.ByClass[lp.Class]
			c.TP++
			sc.ByClass[lp.Class] = c
		case listed:
			sc.FP++
			c := sc.ByClass[lp.Class]
			c.FP++
			sc.ByClass[lp.Class] = c
		default:
			sc.FP++
			_, okL := s.leftIdx[p.Left]
			_, okR := s.rightIdx[p.Right]
			if okL && okR {
				sc.Unlisted++
			} else {
				sc.Invalid++
			}
		}
	}
	for _, lp := range s.Labels {
		if seen[lp.Pair] {
			continue
		}
		c := sc.ByClass[lp.Class]
		if lp.Label == Same {
			sc.FN++
			c.FN++
		} else {
			sc.TN++
			c.TN++
		}
		sc.ByClass[lp.Class] = c
	}
	sc.Precision = ratio(sc.TP, sc.TP+sc.FP)
	sc.Recall = ratio(sc.TP, sc.TP+sc.FN)
	if sc.Precision+sc.Recall > 0 {
		sc.F1 = 2 * sc.Precision * sc.Recall / (sc.Precision + sc.Recall)
	}
	return sc
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// WriteTable writes a plain-text table comparing named score sets: the
// overall figures, then one row per class with TP/FN (same classes) or
// FP/TN (different classes) of each.
func WriteTable(w io.Writer, names []string, scores []Scores) error {
	if len(names) != len(scores) {
		return fmt.Errorf("matcheval: %d names for %d score sets", len(names), len(scores))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-22s", "")
	for _, n := range names {
		fmt.Fprintf(&b, " | %-24s", n)
	}
	b.WriteString("\n")
	row := func(label string, cell func(Scores) string) {
		fmt.Fprintf(&b, "%-22s", label)
		for _, sc := range scores {
			fmt.Fprintf(&b, " | %-24s", cell(sc))
		}
		b.WriteString("\n")
	}
	row("precision", func(sc Scores) string { return fmt.Sprintf("%.3f", sc.Precision) })
	row("recall", func(sc Scores) string { return fmt.Sprintf("%.3f", sc.Recall) })
	row("F1", func(sc Scores) string { return fmt.Sprintf("%.3f", sc.F1) })
	row("TP / FP / FN", func(sc Scores) string { return fmt.Sprintf("%d / %d / %d", sc.TP, sc.FP, sc.FN) })
	row("unlisted / invalid FP", func(sc Scores) string { return fmt.Sprintf("%d / %d", sc.Unlisted, sc.Invalid) })
	row("hard TP/FP/FN", func(sc Scores) string {
		h := sc.HardCounts()
		return fmt.Sprintf("%d / %d / %d", h.TP, h.FP, h.FN)
	})
	classes := map[string]bool{}
	for _, sc := range scores {
		for c := range sc.ByClass {
			classes[c] = true
		}
	}
	for _, c := range Classes() {
		if !classes[c.Name] {
			continue
		}
		hard := ""
		if c.Hard {
			hard = "*"
		}
		row(c.Name+hard, func(sc Scores) string {
			cc := sc.ByClass[c.Name]
			if c.Label == Same {
				return fmt.Sprintf("TP %d  FN %d", cc.TP, cc.FN)
			}
			return fmt.Sprintf("FP %d  TN %d", cc.FP, cc.TN)
		})
	}
	// classes unknown to Classes() cannot come from Load; list them anyway for hand-made Scores
	var extra []string
	for c := range classes {
		if _, ok := LookupClass(c); !ok {
			extra = append(extra, c)
		}
	}
	sort.Strings(extra)
	for _, c := range extra {
		row(c, func(sc Scores) string {
			cc := sc.ByClass[c]
			return fmt.Sprintf("TP %d FP %d FN %d", cc.TP, cc.FP, cc.FN)
		})
	}
	b.WriteString("(* hard class)\n")
	_, err := io.WriteString(w, b.String())
	return err
}
