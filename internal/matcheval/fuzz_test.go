package matcheval

import (
	"testing"
	"testing/fstest"
)

// FuzzLoadFS feeds arbitrary bytes as each of the three files: Load must
// never panic, and a set it accepts must satisfy its invariants.
func FuzzLoadFS(f *testing.F) {
	f.Add([]byte(goodLeft), []byte(goodRight), []byte(goodLabels))
	f.Add([]byte("\ufeff"+goodLeft), []byte(goodRight+"R2,\"a,b\",\"x\ny\"\n"), []byte(goodLabels))
	f.Add([]byte(goodLeft), []byte(goodRight), []byte(goodLabels+"L1,R1,same,exact,dup\n"))
	f.Add([]byte("Record ID,Company Name,Website\n\"L1"), []byte(goodRight), []byte(goodLabels))
	f.Fuzz(func(t *testing.T, left, right, labels []byte) {
		s, err := LoadFS(fstest.MapFS{
			LeftFile:   {Data: left},
			RightFile:  {Data: right},
			LabelsFile: {Data: labels},
		})
		if err != nil {
			return
		}
		seen := map[Pair]bool{}
		for _, lp := range s.Labels {
			if _, ok := s.LeftRecord(lp.Left); !ok {
				t.Fatalf("accepted label with unknown left id %q", lp.Left)
			}
			if _, ok := s.RightRecord(lp.Right); !ok {
				t.Fatalf("accepted label with unknown right id %q", lp.Right)
			}
			if seen[lp.Pair] {
				t.Fatalf("accepted duplicate pair %v", lp.Pair)
			}
			seen[lp.Pair] = true
			if c, ok := LookupClass(lp.Class); !ok || c.Label != lp.Label {
				t.Fatalf("accepted class %q with label %q", lp.Class, lp.Label)
			}
		}
		// scoring the baselines of an accepted set must not panic either
		s.Score(s.BaselineDomainElseName(nil))
	})
}
