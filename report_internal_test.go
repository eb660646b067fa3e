package acctmap

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzDecodeCursor: a cursor from anywhere decodes or is invalid input,
// never panics, and what decodes encodes back to itself.
func FuzzDecodeCursor(f *testing.F) {
	r := &sortedRow{r: &row{values: map[string]string{"a": "x", "b": ""}, tie: "3:abc"}, keys: []sortValue{newSortValue("-5"), newSortValue("")}}
	r.r.out.RecordID = "a000001"
	f.Add(encodeCursor(42, r, []string{"a", "b"}))
	f.Add("")
	f.Add("AQ")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := decodeCursor(s, 42)
		if err != nil || c == nil {
			return
		}
		keys := make([]sortValue, len(c.keys))
		for i, k := range c.keys {
			keys[i] = newSortValue(k)
		}
		rw := &sortedRow{r: &row{values: map[string]string{}, tie: c.tie}, keys: keys}
		rw.r.out.RecordID = c.recordID
		cols := make([]string, len(c.values))
		for i, v := range c.values {
			cols[i] = string(rune('a'+i%26)) + string(rune('0'+i/26))
			rw.r.values[cols[i]] = v
		}
		again, err := decodeCursor(encodeCursor(42, rw, cols), 42)
		if err != nil {
			t.Fatalf("re-encoded cursor: %v", err)
		}
		if diff := cmp.Diff(c, again, cmp.AllowUnexported(cursor{})); diff != "" {
			t.Fatalf("round trip (-first +again):\n%s", diff)
		}
	})
}
