package matcheval

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

const (
	goodLeft   = "Record ID,Company Name,Website\nL1,Acme,acme.com\n"
	goodRight  = "Record ID,Company Name,Website\nR1,Acme Inc.,acme.com\n"
	goodLabels = "left_id,right_id,label,class,note\nL1,R1,same,exact,same issuer\n"
)

func files(left, right, labels string) fstest.MapFS {
	return fstest.MapFS{
		LeftFile:   {Data: []byte(left)},
		RightFile:  {Data: []byte(right)},
		LabelsFile: {Data: []byte(labels)},
	}
}

func TestLoadFSGood(t *testing.T) {
	t.Parallel()
	s, err := LoadFS(files("\ufeff"+goodLeft, goodRight, goodLabels))
	if err != nil {
		t.Fatal(err)
	}
	lp, ok := s.Lookup(Pair{"L1", "R1"})
	if !ok || lp.Label != Same || lp.Class != "exact" || lp.Line != 2 {
		t.Errorf("Lookup = %+v, %v", lp, ok)
	}
	if r, ok := s.LeftRecord("L1"); !ok || r.Name != "Acme" || r.Fields[ColWebsite] != "acme.com" {
		t.Errorf("LeftRecord = %+v, %v (a UTF-8 BOM must not hide the first column)", r, ok)
	}
	if _, ok := s.RightRecord("nope"); ok {
		t.Error("RightRecord(nope) found something")
	}
	if _, ok := s.Lookup(Pair{"R1", "L1"}); ok {
		t.Error("Lookup of the swapped pair found something")
	}
}

// Bad input is an error naming the file and line, never a panic, and quotes
// at most a bounded prefix of a hostile value.
func TestLoadFSBadInput(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 10000)
	tests := []struct {
		name                string
		left, right, labels string
		want                string // substring of the error
	}{
		{"empty left", "", goodRight, goodLabels, "left.csv: empty file"},
		{"no id column", "Name,Company Name,Website\nL1,Acme,acme.com\n", goodRight, goodLabels, `left.csv:1: column "Record ID": required column missing`},
		{"header column twice", "Record ID,Company Name,Website,Website\nL1,A,a.com,b.com\n", goodRight, goodLabels, `column "Website": column appears twice`},
		{"duplicate id", goodLeft + "L1,Other,other.com\n", goodRight, goodLabels, `left.csv:3: column "Record ID": duplicate id "L1" (first on line 2)`},
		{"empty id", goodLeft + " ,Other,other.com\n", goodRight, goodLabels, "left.csv:3: column \"Record ID\": empty id"},
		{"short row", goodLeft + "L2,Other\n", goodRight, goodLabels, "left.csv:3: 2 fields, the header has 3"},
		{"bare quote", goodLeft + "L2,Ot\"her,o.com\n", goodRight, goodLabels, "left.csv:3"},
		{"invalid UTF-8", goodLeft, goodRight + "R2,\xff\xfe,x.com\n", goodLabels, `right.csv:3: column "Company Name": invalid UTF-8`},
		{"labels header", goodLeft, goodRight, "a,b,c,d,e\nL1,R1,same,exact,x\n", "labels.csv:1: header is"},
		{"unknown left id", goodLeft, goodRight, "left_id,right_id,label,class,note\nL9,R1,same,exact,x\n", `labels.csv:2: column "left_id": no record "L9" in left.csv`},
		{"unknown right id", goodLeft, goodRight, "left_id,right_id,label,class,note\nL1,R9,same,exact,x\n", `column "right_id": no record "R9"`},
		{"bad label", goodLeft, goodRight, "left_id,right_id,label,class,note\nL1,R1,maybe,exact,x\n", `"maybe" is neither`},
		{"unknown class", goodLeft, goodRight, "left_id,right_id,label,class,note\nL1,R1,same,cousin,x\n", `unknown class "cousin"`},
		{"class and label disagree", goodLeft, goodRight, "left_id,right_id,label,class,note\nL1,R1,different,exact,x\n", `class "exact" pairs are labeled "same"`},
		{"empty note", goodLeft, goodRight, "left_id,right_id,label,class,note\nL1,R1,same,exact, \n", "empty note"},
		{"duplicate pair", goodLeft, goodRight, goodLabels + "L1,R1,same,exact,again\n", "labels.csv:3: pair \"L1\", \"R1\" listed twice (first on line 2)"},
		{"huge unknown id", goodLeft, goodRight, "left_id,right_id,label,class,note\n" + long + ",R1,same,exact,x\n", `no record "xxxxxxxx`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := LoadFS(files(tc.left, tc.right, tc.labels))
			if err == nil {
				t.Fatalf("LoadFS = %v, nil; want an error containing %q", s, tc.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Errorf("error %v is not a *ParseError", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if len(err.Error()) > 300 {
				t.Errorf("error is %d bytes long; values must be quoted with a bounded prefix", len(err.Error()))
			}
		})
	}
}

func TestLoadFSMissingFile(t *testing.T) {
	t.Parallel()
	fsys := files(goodLeft, goodRight, goodLabels)
	delete(fsys, LabelsFile)
	_, err := LoadFS(fsys)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadFS without labels.csv: %v, want fs.ErrNotExist", err)
	}
	if errors.Is(err, ErrInvalid) {
		t.Errorf("a missing file is not invalid content: %v", err)
	}
}

func TestLoadFSTooLarge(t *testing.T) {
	t.Parallel()
	big := goodLeft + strings.Repeat("L,x,y\n", maxFileBytes/6+1)
	_, err := LoadFS(files(big, goodRight, goodLabels))
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("LoadFS of a %d-byte left.csv: %v", len(big), err)
	}
}

func TestLoadMissingDir(t *testing.T) {
	t.Parallel()
	if _, err := Load(t.TempDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(empty dir) = %v, want fs.ErrNotExist", err)
	}
}
