package matcheval

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"unicode/utf8"
)

// File names of a set inside its directory.
const (
	LeftFile   = "left.csv"
	RightFile  = "right.csv"
	LabelsFile = "labels.csv"
)

// Columns every record list has; the others (Ticker, ISIN, Sector, ...) are
// kept in Record.Fields.
const (
	ColID      = "Record ID"
	ColName    = "Company Name"
	ColWebsite = "Website"
)

// labelsHeader is the exact header of labels.csv.
var labelsHeader = []string{"left_id", "right_id", "label", "class", "note"}

// Limits that keep a hostile or corrupted file from exhausting memory.
const (
	maxFileBytes = 64 << 20
	maxRows      = 1_000_000
)

// Label is the verdict on a pair.
type Label string

// The two labels.
const (
	Same      Label = "same"
	Different Label = "different"
)

// ErrInvalid is wrapped by every error about the content of a set.
var ErrInvalid = errors.New("invalid evaluation set")

// ParseError names the file, line and column of a bad value.
type ParseError struct {
	File   string // e.g. "labels.csv"
	Line   int    // 1-based; 0 when the problem is the file as a whole
	Column string // header name, when one applies
	Msg    string // what is wrong, quoting at most a bounded prefix of the value
}

// Error formats the position and the message.
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Column != "" {
		fmt.Fprintf(&b, ": column %q", e.Column)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns ErrInvalid.
func (e *ParseError) Unwrap() error { return ErrInvalid }

// Pair names a left record and a right record by id.
type Pair struct {
	Left, Right string
}

// Record is one row of a record list.
type Record struct {
	ID      string
	Name    string
	Website string
	Fields  map[string]string // every column of the row by header name, ID/Name/Website included
	Line    int               // line in its file, for messages
}

// LabeledPair is one adjudicated pair of labels.csv.
type LabeledPair struct {
	Pair
	Label Label
	Class string
	Note  string
	Line  int
}

// Set is a loaded evaluation set. It is not modified after loading and is
// safe for concurrent use.
type Set struct {
	Left   []Record
	Right  []Record
	Labels []LabeledPair

	leftIdx  map[string]int
	rightIdx map[string]int
	labelIdx map[Pair]int
}

// Load reads the set in dir (left.csv, right.csv, labels.csv).
func Load(dir string) (*Set, error) {
	return LoadFS(os.DirFS(dir))
}

// LoadFS reads the set from the root of fsys. Every error about the files'
// content wraps ErrInvalid and, where it applies, is a *ParseError.
func LoadFS(fsys fs.FS) (*Set, error) {
	s := &Set{}
	var err error
	if s.Left, s.leftIdx, err = loadRecords(fsys, LeftFile); err != nil {
		return nil, err
	}
	if s.Right, s.rightIdx, err = loadRecords(fsys, RightFile); err != nil {
		return nil, err
	}
	if err := s.loadLabels(fsys); err != nil {
		return nil, err
	}
	return s, nil
}

// LeftRecord returns the left record with id.
func (s *Set) LeftRecord(id string) (Record, bool) {
	i, ok := s.leftIdx[id]
	if !ok {
		return Record{}, false
	}
	return s.Left[i], true
}

// RightRecord returns the right record with id.
func (s *Set) RightRecord(id string) (Record, bool) {
	i, ok := s.rightIdx[id]
	if !ok {
		return Record{}, false
	}
	return s.Right[i], true
}

// Lookup returns the labeled pair p, if labels.csv lists it.
func (s *Set) Lookup(p Pair) (LabeledPair, bool) {
	i, ok := s.labelIdx[p]
	if !ok {
		return LabeledPair{}, false
	}
	return s.Labels[i], true
}

// readFile reads name whole, refusing files over maxFileBytes.
func readFile(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("matcheval: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("matcheval: reading %s: %w", name, err)
	}
	if len(data) > maxFileBytes {
		return nil, &ParseError{File: name, Msg: fmt.Sprintf("larger than %d bytes", maxFileBytes)}
	}
	return bytes.TrimPrefix(data, []byte("\ufeff")), nil
}

// csvRows parses data into rows, each with its 1-based line number.
func csvRows(name string, data []byte) ([][]string, []int, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1 // checked below, with a message naming the line
	var rows [][]string
	var lines []int
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, nil, &ParseError{File: name, Line: pe.Line, Msg: pe.Err.Error()}
			}
			return nil, nil, &ParseError{File: name, Msg: err.Error()}
		}
		line, _ := r.FieldPos(0)
		if len(rows) == maxRows+1 {
			return nil, nil, &ParseError{File: name, Line: line, Msg: fmt.Sprintf("more than %d rows", maxRows)}
		}
		rows = append(rows, rec)
		lines = append(lines, line)
	}
	if len(rows) == 0 {
		return nil, nil, &ParseError{File: name, Msg: "empty file, no header"}
	}
	for i, row := range rows {
		if len(row) != len(rows[0]) {
			return nil, nil, &ParseError{File: name, Line: lines[i],
				Msg: fmt.Sprintf("%d fields, the header has %d", len(row), len(rows[0]))}
		}
		for j, v := range row {
			if !utf8.ValidString(v) {
				return nil, nil, &ParseError{File: name, Line: lines[i], Column: column(rows[0], j),
					Msg: fmt.Sprintf("invalid UTF-8 in %.40q", v)}
			}
		}
	}
	return rows, lines, nil
}

func column(header []string, j int) string {
	if j < len(header) {
		return header[j]
	}
	return ""
}

func loadRecords(fsys fs.FS, name string) ([]Record, map[string]int, error) {
	data, err := readFile(fsys, name)
	if err != nil {
		return nil, nil, err
	}
	rows, lines, err := csvRows(name, data)
	if err != nil {
		return nil, nil, err
	}
	header := rows[0]
	col := map[string]int{}
	for j, h := range header {
		if _, dup := col[h]; dup {
			return nil, nil, &ParseError{File: name, Line: lines[0], Column: h, Msg: "column appears twice in the header"}
		}
		col[h] = j
	}
	for _, need := range []string{ColID, ColName, ColWebsite} {
		if _, ok := col[need]; !ok {
			return nil, nil, &ParseError{File: name, Line: lines[0], Column: need, Msg: "required column missing from the header"}
		}
	}
	recs := make([]Record, 0, len(rows)-1)
	idx := make(map[string]int, len(rows)-1)
	for i, row := range rows[1:] {
		line := lines[i+1]
		id := row[col[ColID]]
		if strings.TrimSpace(id) == "" {
			return nil, nil, &ParseError{File: name, Line: line, Column: ColID, Msg: "empty id"}
		}
		if first, dup := idx[id]; dup {
			return nil, nil, &ParseError{File: name, Line: line, Column: ColID,
				Msg: fmt.Sprintf("duplicate id %.40q (first on line %d)", id, recs[first].Line)}
		}
		fields := make(map[string]string, len(header))
		for j, h := range header {
			fields[h] = row[j]
		}
		idx[id] = len(recs)
		recs = append(recs, Record{ID: id, Name: row[col[ColName]], Website: row[col[ColWebsite]], Fields: fields, Line: line})
	}
	return recs, idx, nil
}

func (s *Set) loadLabels(fsys fs.FS) error {
	data, err := readFile(fsys, LabelsFile)
	if err != nil {
		return err
	}
	rows, lines, err := csvRows(LabelsFile, data)
	if err != nil {
		return err
	}
	if strings.Join(rows[0], ",") != strings.Join(labelsHeader, ",") {
		return &ParseError{File: LabelsFile, Line: lines[0],
			Msg: fmt.Sprintf("header is %.80q, want %q", strings.Join(rows[0], ","), strings.Join(labelsHeader, ","))}
	}
	s.Labels = make([]LabeledPair, 0, len(rows)-1)
	s.labelIdx = make(map[Pair]int, len(rows)-1)
	for i, row := range rows[1:] {
		line := lines[i+1]
		bad := func(col, format string, args ...any) error {
			return &ParseError{File: LabelsFile, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
		}
		lp := LabeledPair{Pair: Pair{Left: row[0], Right: row[1]}, Label: Label(row[2]), Class: row[3], Note: row[4], Line: line}
		if _, ok := s.leftIdx[lp.Left]; !ok {
			return bad("left_id", "no record %.40q in %s", lp.Left, LeftFile)
		}
		if _, ok := s.rightIdx[lp.Right]; !ok {
			return bad("right_id", "no record %.40q in %s", lp.Right, RightFile)
		}
		if lp.Label != Same && lp.Label != Different {
			return bad("label", "%.40q is neither %q nor %q", row[2], Same, Different)
		}
		c, ok := LookupClass(lp.Class)
		if !ok {
			return bad("class", "unknown class %.40q", lp.Class)
		}
		if c.Label != lp.Label {
			return bad("label", "class %q pairs are labeled %q, not %q", c.Name, c.Label, lp.Label)
		}
		if strings.TrimSpace(lp.Note) == "" {
			return bad("note", "empty note: say why")
		}
		if first, dup := s.labelIdx[lp.Pair]; dup {
			return bad("", "pair %.40q, %.40q listed twice (first on line %d)", lp.Left, lp.Right, s.Labels[first].Line)
		}
		s.labelIdx[lp.Pair] = len(s.Labels)
		s.Labels = append(s.Labels, lp)
	}
	return nil
}
