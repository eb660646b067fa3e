package where

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/acctmap/acctmap"
)

func TestParse(t *testing.T) {
	t.Parallel()
	type C = acctmap.Condition
	tests := []struct {
		expr string
		want C
	}{
		{"Stage = Customer", C{Field: "Stage", Op: acctmap.Equals, Value: "Customer"}},
		{"Stage=Customer", C{Field: "Stage", Op: acctmap.Equals, Value: "Customer"}},
		{"  Stage   =   Open Opportunity  ", C{Field: "Stage", Op: acctmap.Equals, Value: "Open Opportunity"}},
		{"Account Owner != Dana Reyes", C{Field: "Account Owner", Op: acctmap.NotEquals, Value: "Dana Reyes"}},
		{"Employees > 1000", C{Field: "Employees", Op: acctmap.GreaterThan, Value: "1000"}},
		{"Close Date < 2025-01-01", C{Field: "Close Date", Op: acctmap.LessThan, Value: "2025-01-01"}},
		{"Industry contains soft", C{Field: "Industry", Op: acctmap.Contains, Value: "soft"}},
		{"Industry CONTAINS Soft Ware", C{Field: "Industry", Op: acctmap.Contains, Value: "Soft Ware"}},
		{"website starts with https://", C{Field: "website", Op: acctmap.StartsWith, Value: "https://"}},
		{"website Starts   With 'x'", C{Field: "website", Op: acctmap.StartsWith, Value: "x"}},
		{"Region in (EU, NA)", C{Field: "Region", Op: acctmap.In, Values: []string{"EU", "NA"}}},
		{"Region in(EU)", C{Field: "Region", Op: acctmap.In, Values: []string{"EU"}}},
		{`Region IN ("North America", 'Asia, Pacific', EU )`, C{Field: "Region", Op: acctmap.In, Values: []string{"North America", "Asia, Pacific", "EU"}}},
		{"Region not in (APAC)", C{Field: "Region", Op: acctmap.NotIn, Values: []string{"APAC"}}},
		{"Notes is empty", C{Field: "Notes", Op: acctmap.IsEmpty}},
		{"Notes IS NOT EMPTY", C{Field: "Notes", Op: acctmap.IsNotEmpty}},
		// Values are the rest of the text: symbols and words of operators in them are text.
		{"Notes contains a = b", C{Field: "Notes", Op: acctmap.Contains, Value: "a = b"}},
		{"Notes = is empty", C{Field: "Notes", Op: acctmap.Equals, Value: "is empty"}},
		{"Owner = O'Brien", C{Field: "Owner", Op: acctmap.Equals, Value: "O'Brien"}},
		{"Name = Black or White", C{Field: "Name", Op: acctmap.Equals, Value: "Black or White"}},
		// Quoting keeps spaces and quotes.
		{`Name = " padded "`, C{Field: "Name", Op: acctmap.Equals, Value: " padded "}},
		{`Name = "say ""hi"""`, C{Field: "Name", Op: acctmap.Equals, Value: `say "hi"`}},
		{`Name = 'it''s'`, C{Field: "Name", Op: acctmap.Equals, Value: "it's"}},
		// Fields holding operator words: "in" without a list, a leading word, or quotes.
		{"Sign in date > 2024-01-01", C{Field: "Sign in date", Op: acctmap.GreaterThan, Value: "2024-01-01"}},
		{"Contains Partner = yes", C{Field: "Contains Partner", Op: acctmap.Equals, Value: "yes"}},
		{"Is Customer = yes", C{Field: "Is Customer", Op: acctmap.Equals, Value: "yes"}},
		{`"Notes contains" is empty`, C{Field: "Notes contains", Op: acctmap.IsEmpty}},
		{`'Sign in (UTC)' = x`, C{Field: "Sign in (UTC)", Op: acctmap.Equals, Value: "x"}},
		{"Annual Revenue (USD) > 5", C{Field: "Annual Revenue (USD)", Op: acctmap.GreaterThan, Value: "5"}},
		{"Containsx = 1", C{Field: "Containsx", Op: acctmap.Equals, Value: "1"}},
		{"my.name starts with A", C{Field: "my.name", Op: acctmap.StartsWith, Value: "A"}},
		{"Größe > 3", C{Field: "Größe", Op: acctmap.GreaterThan, Value: "3"}},
		{"Stadt\u00a0contains\u00a0Köln", C{Field: "Stadt", Op: acctmap.Contains, Value: "Köln"}},
		{"Stage = =x", C{Field: "Stage", Op: acctmap.Equals, Value: "=x"}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.expr, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Parse(%q) (-want +got):\n%s", tt.expr, diff)
		}
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		pos  int
		msg  string // a part of the message
	}{
		{"", 1, "empty condition"},
		{"   ", 4, "empty condition"},
		{"Stage", 6, "expected an operator"},
		{"Stage ~ Customer", 7, `'~' is not an operator`},
		{"Employees ≥ 5", 11, `'≥' is not an operator`},
		{"Stage Customer", 15, "expected an operator"},
		{"= Customer", 1, "missing field name"},
		{"Stage =", 8, `missing value after "="`},
		{"Stage =   ", 11, "missing value"},
		{"Stage == Customer", 7, `"==" is not an operator`},
		{"Employees >= 5", 11, `">=" is not an operator`},
		{"Employees <= 5", 11, `"<=" is not an operator`},
		{"Stage <> x", 7, `"<>" is not an operator`},
		{`Stage = "Customer`, 9, "unterminated quote"},
		{`Stage = "Customer" Inc`, 20, "unexpected text after the quoted value"},
		{`Stage = ""`, 9, "empty value"},
		{`"Stage = x`, 1, "unterminated quote"},
		{`"Stage" x`, 9, "expected an operator"},
		{`"" = x`, 4, "missing field name"},
		{"Region in (EU, NA", 11, `missing ")"`},
		{"Region in (EU,, NA)", 15, "empty value in the list"},
		{"Region in ()", 12, "empty value in the list"},
		{"Region in (EU) x", 16, "unexpected text after the list"},
		{`Region in ("EU" x)`, 17, `expected "," or ")"`},
		{`Region in ("EU)`, 12, "unterminated quote"},
		{"Notes is empty now", 16, `unexpected text after "is empty"`},
		{"Größe ~ 3", 7, "is not an operator"},
		{"Größe == 3", 7, `"=="`},
		{strings.Repeat("x", MaxLen+1), 1, "longer than"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.expr)
		var se *SyntaxError
		if !errors.As(err, &se) || !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%.40q) = %v, want a *SyntaxError", tt.expr, err)
			continue
		}
		if se.Pos != tt.pos || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("Parse(%.40q): position %d, %q; want position %d, message with %q", tt.expr, se.Pos, se.Msg, tt.pos, tt.msg)
		}
		if !strings.HasSuffix(err.Error(), "at position "+strconv.Itoa(tt.pos)) {
			t.Errorf("Parse(%.40q): message %q does not end with its position", tt.expr, err)
		}
	}
}

func TestParseAny(t *testing.T) {
	t.Parallel()
	type C = acctmap.Condition
	tests := []struct {
		expr string
		want []C
	}{
		{"Stage = Customer", []C{{Field: "Stage", Op: acctmap.Equals, Value: "Customer"}}},
		{"Stage = Customer or Stage = Prospect", []C{
			{Field: "Stage", Op: acctmap.Equals, Value: "Customer"},
			{Field: "Stage", Op: acctmap.Equals, Value: "Prospect"}}},
		{"Stage = Customer OR Employees > 10 or Notes is empty", []C{
			{Field: "Stage", Op: acctmap.Equals, Value: "Customer"},
			{Field: "Employees", Op: acctmap.GreaterThan, Value: "10"},
			{Field: "Notes", Op: acctmap.IsEmpty}}},
		{`Name = "Black or White" or Region in (a or b, c)`, []C{
			{Field: "Name", Op: acctmap.Equals, Value: "Black or White"},
			{Field: "Region", Op: acctmap.In, Values: []string{"a or b", "c"}}}},
		{"Vendor = Oracle or Orbit = x", []C{
			{Field: "Vendor", Op: acctmap.Equals, Value: "Oracle"},
			{Field: "Orbit", Op: acctmap.Equals, Value: "x"}}},
	}
	for _, tt := range tests {
		got, err := ParseAny(tt.expr)
		if err != nil {
			t.Errorf("ParseAny(%q): %v", tt.expr, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseAny(%q) (-want +got):\n%s", tt.expr, diff)
		}
	}

	// Errors name the position in the whole expression, not in the part.
	_, err := ParseAny("Stage = Customer or Stage ~ x")
	var se *SyntaxError
	if !errors.As(err, &se) || se.Pos != 27 {
		t.Errorf("ParseAny error = %v, want one at position 27", err)
	}
	_, err = ParseAny("Stage = Customer or ")
	if !errors.As(err, &se) || se.Pos != 21 || !strings.Contains(se.Msg, "empty condition") {
		t.Errorf("ParseAny trailing or: %v", err)
	}
	if _, err = ParseAny("Stage = Customer or  or Stage = x"); !errors.As(err, &se) || se.Pos != 22 || !strings.Contains(se.Msg, "empty condition") {
		t.Errorf("ParseAny empty alternative: %v", err)
	}
}

func TestFormat(t *testing.T) {
	t.Parallel()
	type C = acctmap.Condition
	tests := []struct {
		c    C
		want string
	}{
		{C{Field: "Stage", Op: acctmap.Equals, Value: "Customer"}, "Stage = Customer"},
		{C{Field: "Stage", Op: acctmap.Equals, Value: "Open Opportunity"}, "Stage = Open Opportunity"},
		{C{Field: "Notes", Op: acctmap.IsNotEmpty}, "Notes is not empty"},
		{C{Field: "Region", Op: acctmap.In, Values: []string{"EU", "a, b", "x)"}}, `Region in (EU, "a, b", "x)")`},
		{C{Field: "Name", Op: acctmap.Equals, Value: "Black or White"}, `Name = "Black or White"`},
		{C{Field: "Name", Op: acctmap.Equals, Value: ` say "hi"`}, `Name = " say ""hi"""`},
		{C{Field: "Notes contains", Op: acctmap.IsEmpty}, `"Notes contains" is empty`},
		{C{Field: "a=b", Op: acctmap.Equals, Value: "c"}, `"a=b" = c`},
		{C{Field: "Sign in date", Op: acctmap.GreaterThan, Value: "1"}, "Sign in date > 1"},
	}
	for _, tt := range tests {
		if got := Format(tt.c); got != tt.want {
			t.Errorf("Format(%+v) = %q, want %q", tt.c, got, tt.want)
		}
	}
	all, anyOf := FormatFilter(acctmap.Filter{
		All:   []C{{Field: "Stage", Op: acctmap.Equals, Value: "Customer"}},
		AnyOf: [][]C{{{Field: "A", Op: acctmap.IsEmpty}, {Field: "B", Op: acctmap.Contains, Value: "x"}}},
	})
	if diff := cmp.Diff([]string{"Stage = Customer"}, all); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff([]string{"A is empty or B contains x"}, anyOf); diff != "" {
		t.Error(diff)
	}
}

// checkParsed checks what must hold of any parse: an error has a position
// inside the expression (or just past it); a condition formats to an
// expression that parses back to it.
func checkParsed(t *testing.T, expr string, got []acctmap.Condition, err error) {
	t.Helper()
	if err != nil {
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Fatalf("%q: error %v is not a *SyntaxError", expr, err)
		}
		if n := utf8.RuneCountInString(expr); se.Pos < 1 || (se.Pos > n+1 && len(expr) <= MaxLen) {
			t.Fatalf("%q: position %d outside 1..%d", expr, se.Pos, n+1)
		}
		return
	}
	for _, c := range got {
		if trim(c.Field) == "" && c.Field == "" {
			t.Fatalf("%q: empty field", expr)
		}
		back, err := Parse(Format(c))
		if err != nil {
			t.Fatalf("%q: Format gave %q, which does not parse: %v", expr, Format(c), err)
		}
		if diff := cmp.Diff(c, back); diff != "" {
			t.Fatalf("%q: Format gave %q, which parses to another condition (-want +got):\n%s", expr, Format(c), diff)
		}
	}
	if len(got) > 1 {
		back, err := ParseAny(FormatAny(got))
		if err != nil {
			t.Fatalf("%q: FormatAny gave %q: %v", expr, FormatAny(got), err)
		}
		if diff := cmp.Diff(got, back); diff != "" {
			t.Fatalf("%q: FormatAny gave %q (-want +got):\n%s", expr, FormatAny(got), diff)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"Stage = Customer", "Region in (EU, \"N, A\")", "Notes is not empty", "A = x or B > 3",
		`"a""b" = 'c''d'`, "Sign in date > 1", "x starts with y or z not in (1)", "Größe\u00a0contains é",
		"a = \"", "a in (", "a in ((", "or or or", "a = b or or c = d", "\xff = \xfe",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		c, err := Parse(expr)
		var got []acctmap.Condition
		if err == nil {
			got = []acctmap.Condition{c}
		}
		checkParsed(t, expr, got, err)
		group, err := ParseAny(expr)
		checkParsed(t, expr, group, err)
	})
}

// FuzzFormat formats conditions of arbitrary fields and values and parses
// them back.
func FuzzFormat(f *testing.F) {
	f.Add("Stage", "Customer", "x")
	f.Add("a or b", " or ", "(,)")
	f.Add(`"`, `'`, `""`)
	f.Add("in (", "is empty", "contains")
	f.Fuzz(func(t *testing.T, field, value, item string) {
		if len(field)+len(value)+len(item) > MaxLen/4 || field == "" {
			return
		}
		for op := range opText {
			c := acctmap.Condition{Field: field, Op: op}
			switch op {
			case acctmap.IsEmpty, acctmap.IsNotEmpty:
			case acctmap.In, acctmap.NotIn:
				if trim(item) == "" || trim(value) == "" {
					continue
				}
				c.Values = []string{value, item}
			default:
				if trim(value) == "" {
					continue
				}
				c.Value = value
			}
			s := Format(c)
			back, err := Parse(s)
			if err != nil {
				t.Fatalf("Format(%+v) = %q, which does not parse: %v", c, s, err)
			}
			if diff := cmp.Diff(c, back); diff != "" {
				t.Fatalf("Format(%+v) = %q, parsed back (-want +got):\n%s", c, s, diff)
			}
			group, err := ParseAny(s)
			if err != nil || len(group) != 1 {
				t.Fatalf("Format(%+v) = %q, ParseAny: %v, %d conditions", c, s, err, len(group))
			}
		}
	})
}
