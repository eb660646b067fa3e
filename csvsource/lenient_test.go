package csvsource

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// TestLenientQuotes is the lenient mode of item 11 of issue 19: a bare
// quote in an unquoted field stops the import, unless WithLenientQuotes,
// which reads it and warns with its line and column.
func TestLenientQuotes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		input    string
		opts     []Option
		want     [][]string // name, website of each record
		warnings []string   // Rejection.String of each warning
		err      string     // the error that stops reading
	}{{
		name:  "inch marks",
		input: "name,website,size\nAcme,acme.com,12\" pipe\nBeta,beta.io,\"6\"\" quoted\"\nGamma,gamma.org,5'10\"\n",
		want:  [][]string{{"Acme", "acme.com"}, {"Beta", "beta.io"}, {"Gamma", "gamma.org"}},
		warnings: []string{`line 2: size "12\" pipe": bare " at line 2, byte 17 read as a literal quote`,
			`line 4: size "5'10\"": bare " at line 4, byte 21 read as a literal quote`},
	}, {
		name:     "one warning per field",
		input:    "name,website\nA\"c\"me,acme.com\"\"\n",
		want:     [][]string{{`A"c"me`, `acme.com""`}},
		warnings: []string{`line 2: name "A\"c\"me": bare " at line 2, byte 2 read as a literal quote`, `line 2: website "acme.com\"\"": bare " at line 2, byte 16 read as a literal quote`},
	}, {
		name:  "a bare quote does not open a field that swallows the next rows",
		input: "name,website\nAcme 12\",acme.com\n" + strings.Repeat("Beta,beta.io\n", 20) + "\"Multi\r\nline\",gamma.org\n",
		opts:  []Option{WithMaxRowBytes(40)},
		want: append(append([][]string{{"Acme 12\"", "acme.com"}}, repeatRow([]string{"Beta", "beta.io"}, 20)...),
			[]string{"Multi\r\nline", "gamma.org"}),
		warnings: []string{`line 2: name "Acme 12\"": bare " at line 2, byte 8 read as a literal quote`},
	}, {
		name:  "leading space before a quote: quoted (comma)",
		input: "name,website\nAcme,  \"acme.com\"\n",
		want:  [][]string{{"Acme", "acme.com"}},
	}, {
		name:     "leading space before a quote: literal (tab, not trimmed)",
		input:    "name\twebsite\nAcme\t \"acme.com\"\n",
		want:     [][]string{{"Acme", `"acme.com"`}},
		warnings: []string{`line 2: website "\"acme.com\"": bare " at line 2, byte 7 read as a literal quote`},
	}, {
		name:  "text after a closing quote is still an error",
		input: "name,website\n\"Acme\" Inc,acme.com\n",
		err:   `line 2:6 (column "name"): extraneous or missing " in quoted field`,
	}, {
		name:     "in the header",
		input:    "name,website,size (\")\nAcme,acme.com,1\n",
		want:     [][]string{{"Acme", "acme.com"}},
		warnings: []string{`line 1: size (") "size (\")": bare " at line 1, byte 20 read as a literal quote`},
	}, {
		name:  "a BOM and a quoted field mid-file",
		input: "name,website\nAcme,acme.com\n\uFEFF\"Be,ta\",beta.io\n",
		opts:  []Option{WithMaxRowBytes(30)},
		want:  [][]string{{"Acme", "acme.com"}, {"Be,ta", "beta.io"}},
	}, {
		name:     "sep= line shifts lines",
		input:    "sep=;\nname;website\nAcme;acme.com\"\n",
		want:     [][]string{{"Acme", `acme.com"`}},
		warnings: []string{`line 3: website "acme.com\"": bare " at line 3, byte 14 read as a literal quote`},
	}, {
		name:  "strict: the same input stops",
		input: "name,website\nAcme,acme.com\nBeta,12\" pipe\n",
		opts:  []Option{},
		err:   `line 3:8 (column "website"): bare " in non-quoted field`,
		want:  [][]string{{"Acme", "acme.com"}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := tt.opts
			if opts == nil || len(opts) > 0 {
				opts = append(opts, WithLenientQuotes())
			}
			r, recs, err := readAll(t, []byte(tt.input), nameSite, opts...)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.err {
				t.Errorf("error %q, want %q", got, tt.err)
			}
			var rows [][]string
			for _, rec := range recs {
				rows = append(rows, []string{rec.Name, rec.Website})
			}
			if diff := cmp.Diff(tt.want, rows); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
			if r == nil {
				return
			}
			var warns []string
			for _, w := range r.Summary().Warnings {
				if errors.Is(w.Err, ErrQuote) {
					warns = append(warns, w.String())
				}
			}
			if diff := cmp.Diff(tt.warnings, warns); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

func repeatRow(row []string, n int) [][]string {
	out := make([][]string, n)
	for i := range out {
		out[i] = row
	}
	return out
}

// TestLenientQuotesModel checks WithLenientQuotes on random rows built from
// a model: literal quotes anywhere in unquoted fields, well-formed quoted
// fields with escaped quotes, delimiters and line breaks (LF, CRLF), white
// space (ASCII and not) before them, a BOM at the start of rows. Every row
// must come back as the model says; a wrong guess of the guard about where
// quoted fields end would show as an ErrTooLarge of a row limit far above
// every row's size, or as rows merged. The guard alone is also fed the
// same text one byte per read.
func TestLenientQuotesModel(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(19, 11))
	plain := []string{"a", "b", "é", "\"", "12\"", " ", "\u00a0", "x y", "'", "\u3000"}
	quoted := []string{"a", "\"\"", ",", ";", "\t", "\n", "\r\n", " ", "é", "\u00a0"}
	for iter := range 300 {
		delim := []byte{',', ';', '\t'}[iter%3]
		trim := delim != '\t'
		var in strings.Builder
		in.WriteString(strings.Join([]string{"h1", "h2", "h3"}, string(delim)) + "\n")
		var want [][]string
		for row := range 5 + rng.IntN(200) {
			if rng.IntN(10) == 0 {
				in.WriteString("\uFEFF")
			}
			var vals []string
			for f := range 3 {
				if f > 0 {
					in.WriteByte(delim)
				}
				var v strings.Builder
				if f == 0 {
					fmt.Fprintf(&v, "r%d", row) // never a blank row
				}
				if rng.IntN(3) == 0 {
					// Quoted, after white space the parser trims.
					if trim && rng.IntN(3) == 0 {
						in.WriteString([]string{" ", "\u00a0", "  "}[rng.IntN(3)])
					}
					in.WriteByte('"')
					in.WriteString(v.String())
					for range rng.IntN(6) {
						p := quoted[rng.IntN(len(quoted))] // delimiters included
						in.WriteString(p)
						v.WriteString(strings.ReplaceAll(p, `""`, `"`))
					}
					in.WriteByte('"')
				} else {
					in.WriteString(v.String())
					for k := range rng.IntN(6) {
						p := plain[rng.IntN(len(plain))]
						// The field must not start with a quote (after the
						// white space the parser trims): that is a quoted one.
						if k == 0 && v.Len() == 0 && strings.HasPrefix(strings.TrimLeft(p, " \u00a0\u3000"), `"`) {
							p = "z" + p
						}
						if v.Len() > 0 || k > 0 {
							if strings.TrimSpace(v.String()) == "" && strings.HasPrefix(p, `"`) && trim {
								p = "z" + p
							}
						}
						in.WriteString(p)
						v.WriteString(p)
					}
				}
				vals = append(vals, strings.TrimSpace(v.String()))
			}
			in.WriteString([]string{"\n", "\r\n"}[rng.IntN(2)])
			want = append(want, vals)
		}
		input := in.String()
		opts := []Option{WithLenientQuotes(), WithDelimiter(rune(delim)), WithMaxRowBytes(1000), WithMaxColumns(3)}
		s, err := Preview(strings.NewReader(input), len(want)+1, opts...)
		if err != nil {
			t.Fatalf("input %q: %v", input, err)
		}
		var got [][]string
		for j := range s.Lines {
			got = append(got, []string{s.Values[0][j], s.Values[1][j], s.Values[2][j]})
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("input %q (-model +got):\n%s", input, diff)
		}

		// The guard alone, one byte per read: no limit reached.
		cfg := newConfig(opts)
		g := newGuard(iotest.OneByteReader(strings.NewReader(input)), delim, 1, false, true, UTF8, &cfg)
		g.lenient, g.trimSpace = true, trim
		out, err := io.ReadAll(g)
		if err != nil || !bytes.Equal(out, []byte(input)) {
			t.Fatalf("guard, one byte per read, on %q: %v", input, err)
		}
		if g.quoted {
			t.Fatalf("guard ends inside quotes on %q", input)
		}
	}
}
