package acctmap

import (
	"strings"
	"testing"
)

// The allocation-free case folding of the predicates agrees with
// strings.ToLower, on ASCII, non-ASCII and values longer than the stack
// buffer.
func TestFoldHelpersAgreeWithToLower(t *testing.T) {
	t.Parallel()
	values := []string{"", "a", "NA", "na", "Customer", "CUSTOMER", "Open Opportunity", "Kundé", "KUNDÉ", "ÉMEA", "İstanbul",
		strings.Repeat("Ab", 32), strings.Repeat("Ab", 33), strings.Repeat("x", 63) + "É", "\x00\x7f", "ǅ"}
	for _, s := range values {
		for _, sub := range []string{"", "a", "na", "cust", "kundé", "émea", "ab", strings.Repeat("ab", 33), "i̇stanbul", "ǆ"} {
			lower := strings.ToLower(s)
			if got, want := containsFold(s, sub, []byte(sub)), strings.Contains(lower, sub); got != want {
				t.Errorf("containsFold(%q, %q) = %v, want %v", s, sub, got, want)
			}
			if got, want := hasPrefixFold(s, sub), strings.HasPrefix(lower, sub); got != want {
				t.Errorf("hasPrefixFold(%q, %q) = %v, want %v", s, sub, got, want)
			}
			set := map[string]struct{}{sub: {}}
			if got, want := inFold(set, s), lower == sub; got != want {
				t.Errorf("inFold({%q}, %q) = %v, want %v", sub, s, got, want)
			}
		}
	}
}

// The predicates allocate nothing for ASCII values.
func TestFoldHelpersDoNotAllocate(t *testing.T) {
	set := map[string]struct{}{"emea": {}, "na": {}}
	sub := []byte("opp")
	n := testing.AllocsPerRun(100, func() {
		inFold(set, "EMEA")
		containsFold("Open Opportunity", "opp", sub)
		hasPrefixFold("CUSTOMER", "cust")
	})
	if n != 0 {
		t.Errorf("%v allocations per run, want 0", n)
	}
}
