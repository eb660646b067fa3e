package acctmap

import (
	"testing"

	"github.com/cespare/xxhash/v2"
	"github.com/google/go-cmp/cmp"
)

// TestIDLines: ids keep their latest line, a repeat reports the line
// before, and ids whose hashes collide (planted: "b"'s hash made to point
// at "a"'s entry) stay apart.
func TestIDLines(t *testing.T) {
	t.Parallel()
	l := newIDLines()
	if _, seen := l.set("a", 2); seen {
		t.Fatal("a seen before it was set")
	}
	l.slots[xxhash.Sum64String("b")] = l.slots[xxhash.Sum64String("a")]
	steps := []struct {
		id         string
		line       int
		prev       int32
		seenBefore bool
	}{{"b", 3, 0, false}, {"a", 4, 2, true}, {"b", 5, 3, true}, {"c", 6, 0, false}}
	for _, s := range steps {
		prev, seen := l.set(s.id, s.line)
		if prev != s.prev || seen != s.seenBefore {
			t.Errorf("set(%q, %d) = %d, %v; want %d, %v", s.id, s.line, prev, seen, s.prev, s.seenBefore)
		}
	}
	got := map[string]int32{}
	l.all(func(id string, line int32) { got[id] = line })
	if d := cmp.Diff(map[string]int32{"a": 4, "b": 5, "c": 6}, got); d != "" {
		t.Errorf("all (-want +got):\n%s", d)
	}
}
