// Package where parses the filter expressions of the acctmap command line
// (--where and --any) into acctmap conditions, and formats conditions back.
//
// One expression is one condition: a field, an operator and, for most
// operators, a value.
//
//	Stage = Customer
//	Account Owner != "Dana Reyes"
//	Industry contains soft
//	Website starts with https
//	Region in (EU, "North America")
//	Region not in (APAC)
//	Employees > 1000
//	Close Date < 2025-01-01
//	Notes is empty
//	Notes is not empty
//
// Operators are =, !=, >, <, contains, starts with, in (…), not in (…),
// is empty and is not empty; words are matched in any case. The field is the
// text before the first operator, trimmed; a field name holding an operator
// ("Contains", "Sign in (UTC)") is written in quotes. The value is the rest of
// the expression, trimmed, so that "Stage = Open Opportunity" needs no quotes;
// quote a value to keep surrounding spaces or to start it with a quote. A quoted
// text is in double or single quotes, a quote of the same kind written twice
// inside it ("say ""hi"""). List items are separated by commas; quote an item
// holding a comma or a closing parenthesis.
//
// An OR group (ParseAny) is conditions separated by the word "or": inside
// one, a value holding the word "or" is quoted.
//
// Errors are *SyntaxError values naming the position (1-based, in characters)
// where the expression goes wrong.
package where

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/acctmap/acctmap"
)

// MaxLen bounds the length of one expression, in bytes.
const MaxLen = 8 << 10

// ErrSyntax is wrapped by every *SyntaxError.
var ErrSyntax = errors.New("invalid filter expression")

// SyntaxError says where and why an expression does not parse.
type SyntaxError struct {
	Expr string // the expression as given
	Pos  int    // 1-based position in characters (runes) of Expr
	Msg  string // what is wrong there
}

// Error returns the message and the position, e.g. `missing value after "=" at position 8`.
func (e *SyntaxError) Error() string { return fmt.Sprintf("%s at position %d", e.Msg, e.Pos) }

// Unwrap returns ErrSyntax.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// parser holds one expression and reports errors at byte offsets of it.
type parser struct {
	s string
}

func (p *parser) errAt(off int, format string, args ...any) error {
	if off > len(p.s) {
		off = len(p.s)
	}
	return &SyntaxError{Expr: p.s, Pos: utf8.RuneCountInString(p.s[:off]) + 1, Msg: fmt.Sprintf(format, args...)}
}

// Parse parses one condition.
func Parse(expr string) (acctmap.Condition, error) {
	p := &parser{s: expr}
	if err := p.checkLen(); err != nil {
		return acctmap.Condition{}, err
	}
	return p.condition(0, len(expr))
}

// ParseAny parses an OR group: conditions separated by the word "or".
func ParseAny(expr string) ([]acctmap.Condition, error) {
	p := &parser{s: expr}
	if err := p.checkLen(); err != nil {
		return nil, err
	}
	var out []acctmap.Condition
	start := 0
	for _, cut := range p.orCuts() {
		c, err := p.condition(start, cut[0])
		if err != nil {
			return nil, err
		}
		out = append(out, c)
		start = cut[1]
	}
	c, err := p.condition(start, len(expr))
	if err != nil {
		return nil, err
	}
	return append(out, c), nil
}

func (p *parser) checkLen() error {
	if len(p.s) > MaxLen {
		return &SyntaxError{Expr: p.s[:64], Pos: 1, Msg: fmt.Sprintf("expression is longer than %d bytes", MaxLen)}
	}
	return nil
}

// orCuts returns the [start, end) byte ranges of the words "or" that
// separate conditions: outside quotes and parentheses, between spaces.
func (p *parser) orCuts() [][2]int {
	var cuts [][2]int
	depth := 0
	for i := 0; i < len(p.s); {
		c := p.s[i]
		switch {
		case isQuote(c) && quoteMayStart(p.s, i):
			end, ok := scanQuoted(p.s, i)
			if !ok {
				return cuts // the condition's parser reports the open quote
			}
			i = end
			continue
		case c == '(':
			depth++
		case c == ')':
			if depth > 0 {
				depth--
			}
		case depth == 0 && spaceBefore(p.s, i) && hasWordAt(p.s, i, "or") && spaceAt(p.s, i+2):
			cuts = append(cuts, [2]int{i, i + 2})
			i += 2
			continue
		}
		i++
	}
	return cuts
}

// An operator found in the text, with the byte range it covers.
type opMatch struct {
	op         acctmap.Op
	text       string // as the user writes it, for messages
	start, end int
}

// condition parses s[start:end] as one condition.
func (p *parser) condition(start, end int) (acctmap.Condition, error) {
	s := p.s[:end]
	i := skipSpace(s, start)
	if i == end {
		return acctmap.Condition{}, p.errAt(i, "empty condition: expected a field, an operator and a value, e.g. Stage = Customer")
	}
	var (
		field string
		m     opMatch
		ok    bool
	)
	if isQuote(s[i]) {
		qEnd, closed := scanQuoted(s, i)
		if !closed {
			return acctmap.Condition{}, p.errAt(i, "unterminated quote")
		}
		field = unquote(s[i:qEnd])
		j := skipSpace(s, qEnd)
		m, ok = opAt(s, j)
		if !ok {
			return acctmap.Condition{}, p.errAt(j, "expected an operator (%s) after the field name", opList)
		}
	} else {
		m, ok = findOp(s, i)
		if !ok {
			if j := strings.IndexAny(s[i:], strayOps); j >= 0 {
				r, _ := utf8.DecodeRuneInString(s[i+j:])
				return acctmap.Condition{}, p.errAt(i+j, "%q is not an operator (operators: %s)", r, opList)
			}
			return acctmap.Condition{}, p.errAt(end, "expected an operator (%s) after the field name", opList)
		}
		field = trim(s[i:m.start])
	}
	if field == "" {
		return acctmap.Condition{}, p.errAt(m.start, "missing field name before %q", m.text)
	}
	if err := p.badOperator(s, m); err != nil {
		return acctmap.Condition{}, err
	}
	c := acctmap.Condition{Field: field, Op: m.op}
	switch m.op {
	case acctmap.IsEmpty, acctmap.IsNotEmpty:
		if j := skipSpace(s, m.end); j < end {
			return acctmap.Condition{}, p.errAt(j, "unexpected text after %q", m.text)
		}
	case acctmap.In, acctmap.NotIn:
		vals, err := p.list(s, m)
		if err != nil {
			return acctmap.Condition{}, err
		}
		c.Values = vals
	default:
		v, err := p.value(s, m)
		if err != nil {
			return acctmap.Condition{}, err
		}
		c.Value = v
	}
	return c, nil
}

// badOperator reports operators people write that the grammar does not
// have, with what to write instead.
func (p *parser) badOperator(s string, m opMatch) error {
	if m.op == acctmap.Equals || m.op == acctmap.GreaterThan || m.op == acctmap.LessThan {
		next := ""
		if m.end < len(s) {
			next = s[m.end : m.end+1]
		}
		switch {
		case m.text == "=" && next == "=":
			return p.errAt(m.start, `"==" is not an operator: write "="`)
		case m.text == ">" && next == "=", m.text == "<" && next == "=":
			return p.errAt(m.start, `%q is not an operator: write %q (> and < are strict)`, m.text+"=", m.text)
		case m.text == "<" && next == ">":
			return p.errAt(m.start, `"<>" is not an operator: write "!="`)
		}
	}
	return nil
}

// value parses the operand of a binary operator: a quoted text, or the rest
// of the condition, trimmed.
func (p *parser) value(s string, m opMatch) (string, error) {
	i := skipSpace(s, m.end)
	if i == len(s) {
		return "", p.errAt(i, "missing value after %q", m.text)
	}
	if isQuote(s[i]) {
		qEnd, closed := scanQuoted(s, i)
		if !closed {
			return "", p.errAt(i, "unterminated quote")
		}
		if j := skipSpace(s, qEnd); j < len(s) {
			return "", p.errAt(j, "unexpected text after the quoted value (a quote inside a quoted value is written twice)")
		}
		v := unquote(s[i:qEnd])
		if trim(v) == "" {
			return "", p.errAt(i, "empty value after %q (use \"is empty\" to test for an empty field)", m.text)
		}
		return v, nil
	}
	return trim(s[i:]), nil
}

// list parses "( item, item … )" after in / not in.
func (p *parser) list(s string, m opMatch) ([]string, error) {
	i := skipSpace(s, m.end)
	if i == len(s) || s[i] != '(' {
		return nil, p.errAt(i, "expected \"(\" after %q, e.g. %s (a, b)", m.text, m.text)
	}
	open := i
	i++
	var vals []string
	for {
		i = skipSpace(s, i)
		if i == len(s) {
			return nil, p.errAt(open, "missing \")\" to close this list")
		}
		var v string
		if isQuote(s[i]) {
			qEnd, closed := scanQuoted(s, i)
			if !closed {
				return nil, p.errAt(i, "unterminated quote")
			}
			v = unquote(s[i:qEnd])
			i = skipSpace(s, qEnd)
			if i < len(s) && s[i] != ',' && s[i] != ')' {
				return nil, p.errAt(i, "expected \",\" or \")\" after the quoted value")
			}
		} else {
			j := i
			for j < len(s) && s[j] != ',' && s[j] != ')' {
				j++
			}
			v = trim(s[i:j])
			i = j
		}
		if trim(v) == "" {
			return nil, p.errAt(i, "empty value in the list")
		}
		vals = append(vals, v)
		if i == len(s) {
			return nil, p.errAt(open, "missing \")\" to close this list")
		}
		if s[i] == ')' {
			if j := skipSpace(s, i+1); j < len(s) {
				return nil, p.errAt(j, "unexpected text after the list")
			}
			return vals, nil
		}
		i++ // the comma
	}
}

// strayOps are characters people write as operators that the grammar does
// not have: an error points at them rather than at the end.
const strayOps = "~!^:≠≥≤≈|&"

const opList = `=, !=, >, <, contains, starts with, in (…), not in (…), is empty, is not empty`

// findOp finds the first operator in s from i: a symbol anywhere, or an
// operator word after at least one character of field name.
func findOp(s string, i int) (opMatch, bool) {
	first := i
	for ; i < len(s); i++ {
		switch s[i] {
		case '=', '<', '>':
			return opAt(s, i)
		case '!':
			if i+1 < len(s) && s[i+1] == '=' {
				return opAt(s, i)
			}
		}
		if i > first && spaceBefore(s, i) {
			if m, ok := wordOpAt(s, i); ok {
				return m, true
			}
		}
	}
	return opMatch{}, false
}

// opAt matches an operator starting exactly at i.
func opAt(s string, i int) (opMatch, bool) {
	if i >= len(s) {
		return opMatch{}, false
	}
	switch {
	case strings.HasPrefix(s[i:], "!="):
		return opMatch{acctmap.NotEquals, "!=", i, i + 2}, true
	case s[i] == '=':
		return opMatch{acctmap.Equals, "=", i, i + 1}, true
	case s[i] == '>':
		return opMatch{acctmap.GreaterThan, ">", i, i + 1}, true
	case s[i] == '<':
		return opMatch{acctmap.LessThan, "<", i, i + 1}, true
	}
	return wordOpAt(s, i)
}

// wordOpAt matches an operator made of words at i: each word whole, in any
// case, separated by spaces.
func wordOpAt(s string, i int) (opMatch, bool) {
	for _, w := range wordOps {
		if end, ok := matchWords(s, i, w.words); ok {
			if w.list {
				// "in" is an operator only before its list, so that a
				// field may hold the word ("Sign in date").
				if j := skipSpace(s, end); j >= len(s) || s[j] != '(' {
					continue
				}
			} else if end < len(s) && !spaceAt(s, end) && !isQuote(s[end]) {
				continue
			}
			return opMatch{w.op, strings.Join(w.words, " "), i, end}, true
		}
	}
	return opMatch{}, false
}

var wordOps = []struct {
	words []string
	op    acctmap.Op
	list  bool
}{
	{[]string{"is", "not", "empty"}, acctmap.IsNotEmpty, false},
	{[]string{"is", "empty"}, acctmap.IsEmpty, false},
	{[]string{"not", "in"}, acctmap.NotIn, true},
	{[]string{"in"}, acctmap.In, true},
	{[]string{"contains"}, acctmap.Contains, false},
	{[]string{"starts", "with"}, acctmap.StartsWith, false},
}

// matchWords matches words at i, separated by at least one space, each word
// ending at a non-letter; it returns the end of the last word.
func matchWords(s string, i int, words []string) (int, bool) {
	for k, w := range words {
		if k > 0 {
			j := skipSpace(s, i)
			if j == i {
				return 0, false
			}
			i = j
		}
		if !hasWordAt(s, i, w) {
			return 0, false
		}
		i += len(w)
	}
	return i, true
}

// hasWordAt reports whether the ASCII word w is at s[i:], in any case, not
// followed by a letter or digit.
func hasWordAt(s string, i int, w string) bool {
	if len(s)-i < len(w) || !strings.EqualFold(s[i:i+len(w)], w) {
		return false
	}
	if j := i + len(w); j < len(s) {
		r, _ := utf8.DecodeRuneInString(s[j:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' {
			return false
		}
	}
	return true
}

func isQuote(c byte) bool { return c == '"' || c == '\'' }

// quoteMayStart reports whether a quote at i opens a quoted text: at the
// start or after a space, an operator symbol, "(" or ",". A quote inside a
// word (O'Brien) is a character.
func quoteMayStart(s string, i int) bool {
	if i == 0 {
		return true
	}
	switch s[i-1] {
	case '=', '<', '>', '(', ',':
		return true
	default:
		return spaceBefore(s, i)
	}
}

// scanQuoted returns the end (past the closing quote) of the quoted text
// starting at i, and false if it is not closed.
func scanQuoted(s string, i int) (int, bool) {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		if s[j] == q {
			if j+1 < len(s) && s[j+1] == q {
				j++
				continue
			}
			return j + 1, true
		}
	}
	return len(s), false
}

// unquote returns the text of a quoted string, with doubled quotes undone.
func unquote(q string) string {
	c := q[:1]
	return strings.ReplaceAll(q[1:len(q)-1], c+c, c)
}

func skipSpace(s string, i int) int {
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsSpace(r) {
			break
		}
		i += n
	}
	return i
}

// spaceAt reports whether a space character starts at s[i:].
func spaceAt(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsSpace(r)
}

// spaceBefore reports whether the character before s[i:] is a space.
func spaceBefore(s string, i int) bool {
	if i <= 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsSpace(r)
}

func trim(s string) string { return strings.TrimFunc(s, unicode.IsSpace) }
