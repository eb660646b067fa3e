package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/rivo/uniseg"
)

// table prints aligned columns; cells are cleaned of control characters and
// cut to maxCell display cells.
type table struct {
	header []string
	rows   [][]string
	right  []bool // right-aligned columns (numbers)
	// maxCell bounds a cell's width; 0 means 40.
	maxCell int
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) error {
	max := t.maxCell
	if max == 0 {
		max = 40
	}
	all := append([][]string{t.header}, t.rows...)
	if t.header == nil {
		all = t.rows
	}
	n := 0
	for _, r := range all {
		n = maxInt(n, len(r))
	}
	cells := make([][]string, len(all))
	width := make([]int, n)
	for i, r := range all {
		cells[i] = make([]string, n)
		for j := range n {
			if j < len(r) {
				cells[i][j] = cut(clean(r[j]), max)
			}
			width[j] = maxInt(width[j], uniseg.StringWidth(cells[i][j]))
		}
	}
	var b strings.Builder
	for _, r := range cells {
		var line strings.Builder
		for j, c := range r {
			pad := strings.Repeat(" ", width[j]-uniseg.StringWidth(c))
			if j > 0 {
				line.WriteString("  ")
			}
			if j < len(t.right) && t.right[j] {
				line.WriteString(pad + c)
			} else {
				line.WriteString(c + pad)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// clean makes a value safe to print on a terminal: control characters
// (an escape sequence in a partner's field could rewrite the screen) and
// bidirectional overrides are shown escaped.
func clean(s string) string {
	if !strings.ContainsFunc(s, unsafeRune) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case unsafeRune(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	return unicode.IsControl(r) ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f
}

// safeWriter escapes control characters but line breaks and tabs: what the
// command prints for a person holds names and values of other orgs.
type safeWriter struct{ w io.Writer }

func (s safeWriter) Write(p []byte) (int, error) {
	unsafe := func(r rune) bool { return r != '\n' && r != '\t' && unsafeRune(r) }
	if !bytes.ContainsFunc(p, unsafe) {
		return s.w.Write(p)
	}
	var b strings.Builder
	for _, r := range string(p) {
		if unsafe(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		} else {
			b.WriteRune(r)
		}
	}
	if _, err := io.WriteString(s.w, b.String()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// cut shortens s to at most max display cells, ending it with "…".
func cut(s string, max int) string {
	if uniseg.StringWidth(s) <= max {
		return s
	}
	var b strings.Builder
	w := 0
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		cw := g.Width()
		if w+cw > max-1 {
			break
		}
		b.WriteString(g.Str())
		w += cw
	}
	return b.String() + "…"
}

// count formats n with thousands separators: 1,234,567.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return count(n) + " " + one
	}
	return count(n) + " " + many
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// quoteList quotes names for a message: "a", "b", "c".
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
