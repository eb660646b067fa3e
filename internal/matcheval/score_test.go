package matcheval

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// tiny is a four-record set: L1 has two share classes R1 and R2 (same), a fund
// R3 on its domain (different); L2 is unrelated.
func tiny(t *testing.T) *Set {
	t.Helper()
	s, err := LoadFS(fstest.MapFS{
		LeftFile:   {Data: []byte("Record ID,Company Name,Website\nL1,Acme,acme.com\nL2,Bolt,bolt.io\n")},
		RightFile:  {Data: []byte("Record ID,Company Name,Website,Ticker\nR1,Acme Inc.,acme.com,ACM\nR2,Acme Inc. Pfd A,,ACM^A\nR3,Acme Municipal Income Trust,acme.com,AMT\nR4,Delta,delta.com,DLT\n")},
		LabelsFile: {Data: []byte("left_id,right_id,label,class,note\nL1,R1,same,exact,same issuer\nL1,R2,same,share_class_offsite,preferred\nL1,R3,different,umbrella_fund,fund of Acme\nL2,R4,different,homonym,unrelated\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestScore(t *testing.T) {
	t.Parallel()
	s := tiny(t)
	tests := []struct {
		name string
		pred []Pair
		want Scores
	}{
		{
			name: "nothing predicted",
			want: Scores{Counts: Counts{FN: 2, TN: 2}, ByClass: map[string]Counts{
				"exact": {FN: 1}, "share_class_offsite": {FN: 1}, "umbrella_fund": {TN: 1}, "homonym": {TN: 1}}},
		},
		{
			name: "perfect, with a duplicate",
			pred: []Pair{{"L1", "R1"}, {"L1", "R2"}, {"L1", "R1"}},
			want: Scores{Counts: Counts{TP: 2, TN: 2}, Precision: 1, Recall: 1, F1: 1, Predicted: 2, ByClass: map[string]Counts{
				"exact": {TP: 1}, "share_class_offsite": {TP: 1}, "umbrella_fund": {TN: 1}, "homonym": {TN: 1}}},
		},
		{
			name: "domain only: the fund is a false positive, the off-site class a false negative",
			pred: []Pair{{"L1", "R1"}, {"L1", "R3"}},
			want: Scores{Counts: Counts{TP: 1, FP: 1, FN: 1, TN: 1}, Precision: 0.5, Recall: 0.5, F1: 0.5, Predicted: 2, ByClass: map[string]Counts{
				"exact": {TP: 1}, "share_class_offsite": {FN: 1}, "umbrella_fund": {FP: 1}, "homonym": {TN: 1}}},
		},
		{
			name: "unlisted and unknown pairs are false positives",
			pred: []Pair{{"L1", "R1"}, {"L2", "R1"}, {"L9", "R1"}, {"", ""}},
			want: Scores{Counts: Counts{TP: 1, FP: 3, FN: 1, TN: 2}, Precision: 0.25, Recall: 0.5, F1: 1.0 / 3, Predicted: 4, Unlisted: 1, Invalid: 2,
				ByClass: map[string]Counts{"exact": {TP: 1}, "share_class_offsite": {FN: 1}, "umbrella_fund": {TN: 1}, "homonym": {TN: 1}}},
		},
		{
			name: "left and right swapped is not the pair",
			pred: []Pair{{"R1", "L1"}},
			want: Scores{Counts: Counts{FP: 1, FN: 2, TN: 2}, Predicted: 1, Invalid: 1, ByClass: map[string]Counts{
				"exact": {FN: 1}, "share_class_offsite": {FN: 1}, "umbrella_fund": {TN: 1}, "homonym": {TN: 1}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := s.Score(tc.pred)
			if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 })); diff != "" {
				t.Errorf("Score (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScoreDoesNotModifyInput(t *testing.T) {
	t.Parallel()
	s := tiny(t)
	pred := []Pair{{"L1", "R3"}, {"L1", "R1"}, {"L1", "R3"}}
	orig := append([]Pair(nil), pred...)
	s.Score(pred)
	if diff := cmp.Diff(orig, pred); diff != "" {
		t.Errorf("Score changed its input (-before +after):\n%s", diff)
	}
}

func TestBaselinesOnTiny(t *testing.T) {
	t.Parallel()
	s := tiny(t)
	if diff := cmp.Diff([]Pair{{"L1", "R1"}, {"L1", "R3"}}, s.BaselineDomain(nil)); diff != "" {
		t.Errorf("BaselineDomain (-want +got):\n%s", diff)
	}
	// "Acme" and "Acme Inc." share the name key "acme"; R1 is already a domain pair.
	if diff := cmp.Diff([]Pair{{"L1", "R1"}, {"L1", "R3"}}, s.BaselineDomainElseName(nil)); diff != "" {
		t.Errorf("BaselineDomainElseName (-want +got):\n%s", diff)
	}
}

func TestWriteTable(t *testing.T) {
	t.Parallel()
	s := tiny(t)
	var b strings.Builder
	if err := WriteTable(&b, []string{"domain"}, []Scores{s.Score(s.BaselineDomain(nil))}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"precision", "0.500", "umbrella_fund*", "FP 1  TN 0", "share_class_offsite*", "TP 0  FN 1"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	if err := WriteTable(&b, []string{"a", "b"}, []Scores{{}}); err == nil {
		t.Error("WriteTable with 2 names for 1 score set: no error")
	}
}
