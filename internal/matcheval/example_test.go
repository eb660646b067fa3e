package matcheval_test

import (
	"fmt"
	"testing/fstest"

	"github.com/acctmap/acctmap/internal/matcheval"
)

// A domain-only matcher on a tiny set: the sponsor's fund on its domain is a
// false positive, the preferred share listed without a website a false negative.
func ExampleSet_Score() {
	set, err := matcheval.LoadFS(fstest.MapFS{
		matcheval.LeftFile:  {Data: []byte("Record ID,Company Name,Website\nL1,Acme,https://www.acme.com\n")},
		matcheval.RightFile: {Data: []byte("Record ID,Company Name,Website\nR1,Acme Inc.,acme.com\nR2,Acme Inc. Pfd A,\nR3,Acme Municipal Income Trust,acme.com/funds\n")},
		matcheval.LabelsFile: {Data: []byte("left_id,right_id,label,class,note\n" +
			"L1,R1,same,exact,same issuer\nL1,R2,same,share_class_offsite,preferred share\nL1,R3,different,umbrella_fund,fund sponsored by Acme\n")},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	sc := set.Score(set.BaselineDomain(nil))
	fmt.Printf("precision %.2f recall %.2f\n", sc.Precision, sc.Recall)
	fmt.Println("umbrella_fund FP:", sc.ByClass["umbrella_fund"].FP, "share_class_offsite FN:", sc.ByClass["share_class_offsite"].FN)
	// Output:
	// precision 0.50 recall 0.50
	// umbrella_fund FP: 1 share_class_offsite FN: 1
}

// Loading the set in the repository.
func ExampleLoad() {
	set, err := matcheval.Load("../../testdata/matcheval")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(set.Left), "left records,", len(set.Right), "right records,", len(set.Labels), "labeled pairs")
	// Output:
	// 1000 left records, 575 right records, 539 labeled pairs
}
