package csvsource

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// TestRowReaderMatchesCSV compares rowReader with encoding/csv's Reader,
// configured as csvsource used to configure it, on random text dense in
// quotes, delimiters, line breaks and white space (ASCII and Unicode):
// every record, field position and error must be the same, except the CRLFs
// that rowReader keeps inside quoted fields.
func TestRowReaderMatchesCSV(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	long := strings.Repeat("z", 3000) // with a few, lines outgrow the 4 KiB buffer
	pieces := []string{"a", "b", "é", "\"", "\"\"", ",", ";", "\t", "\n", "\r", "\r\n", " ", "\u00a0", "\u0085", "\v", "x y", "\xff"}
	for iter := range 20000 {
		var b strings.Builder
		for range r.IntN(30) {
			if r.IntN(100) == 0 {
				b.WriteString(long)
			} else {
				b.WriteString(pieces[r.IntN(len(pieces))])
			}
		}
		in := b.String()
		for _, delim := range []byte{',', ';', '\t'} {
			trim := delim != '\t'
			var src io.Reader = strings.NewReader(in)
			if iter%2 == 1 {
				src = iotest.OneByteReader(src)
			}
			want := csv.NewReader(strings.NewReader(in))
			want.Comma = rune(delim)
			want.ReuseRecord = true
			want.TrimLeadingSpace = trim
			got := newRowReader(src, delim, trim)
			for n := 0; ; n++ {
				wrec, werr := want.Read()
				grec, gerr := got.read()
				for gerr == errBlankRun {
					grec, gerr = got.read()
				}
				what := fmt.Sprintf("input %q delim %q row %d", in, delim, n)
				// rowReader keeps CRLF inside quoted fields, where csv
				// writes LF: its fields are csv's with those LFs back.
				var crlf []string
				if grec != nil {
					crlf = make([]string, len(grec))
				}
				for i, f := range grec {
					crlf[i] = strings.ReplaceAll(f, "\r\n", "\n")
				}
				if diff := cmp.Diff(wrec, crlf); diff != "" {
					t.Fatalf("%s: record (-csv +rowReader):\n%s", what, diff)
				}
				var wpe, gpe *csv.ParseError
				if errors.As(werr, &wpe) != errors.As(gerr, &gpe) || (wpe == nil && werr != gerr) {
					t.Fatalf("%s: error %v, csv %v", what, gerr, werr)
				}
				if wpe != nil && *wpe != *gpe {
					t.Fatalf("%s: error %+v, csv %+v", what, *gpe, *wpe)
				}
				if werr == nil || wpe != nil && wpe.Err == csv.ErrFieldCount {
					for i := range wrec {
						wl, wc := want.FieldPos(i)
						gl, gc := got.fieldPos(i)
						if wl != gl || wc != gc {
							t.Fatalf("%s: field %d at %d:%d, csv %d:%d", what, i, gl, gc, wl, wc)
						}
					}
				}
				if werr != nil && (wpe == nil || wpe.Err != csv.ErrFieldCount) {
					break
				}
			}
		}
	}
}
