package private

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"unicode/utf8"
)

// Population is one population of a side, named by its slot: bit Slot of
// Record.Mask says a record belongs to it.
type Population struct {
	Slot int    // 0..63
	Name string // shown to the partner when the population is the responder's
	// RevealMatches, on the responder's side, says that the owner's
	// sharing rule for this population is OverlappingRecords (or more): the
	// second phase may tell the initiator which of its own accounts match
	// it. Ignored on the initiator's side.
	RevealMatches bool
}

// Record is what the protocol needs of one record of a data source: its
// exact keys and its population membership.
type Record struct {
	ID string
	// Domains are canonical registrable domains, as in acctmap's
	// Record.Domains (normalize.Domain output).
	Domains []string
	// RegID is a registration id "scheme:value" (acctmap's
	// RegistrationID.Scheme + ":" + Value), or "".
	RegID string
	// Mask is the set of population slots the record belongs to
	// (acctmap's Record.Populations). Slots not listed in
	// Side.Populations are ignored.
	Mask uint64
	// Private records never take part: they are dropped before accounts
	// are resolved, as acctmap does for everything a partner sees.
	Private bool
}

// Side is one party's data: the populations it takes into the matrix and
// the records of one data source. The initiator's populations are the
// matrix's rows and the responder's its columns; each side lists only the
// populations it lets the other learn counts of.
type Side struct {
	Populations []Population
	Records     []Record
}

// Bounds of a side's input, also enforced on what a peer sends.
const (
	// MaxSlots is the number of population slots (bits of Record.Mask).
	MaxSlots = 64
	// MaxNameLen bounds a population name in bytes.
	MaxNameLen = 256
	// MaxSchemes bounds the distinct registration-id schemes of one account.
	MaxSchemes = 8
	// MaxSchemeLen bounds a registration-id scheme in bytes.
	MaxSchemeLen = 64
	// MaxKeyLen bounds a domain or registration id in bytes.
	MaxKeyLen = 1024
)

// account is one resolved account: the records sharing a domain or a
// registration id, transitively, with their keys.
type account struct {
	records []int    // indexes into Side.Records
	domains []string // sorted, distinct
	regs    []string // sorted, distinct "scheme:value"
	schemes []string // sorted, distinct schemes of regs
	mask    uint64   // OR of the records' masks, restricted to the side's slots
}

// prepared is a side resolved into accounts, those with a key and at
// least one listed population only (the others cannot count).
type prepared struct {
	pops     []Population
	slots    uint64 // the listed slots
	accounts []account
	records  []Record
}

// validateSide checks a side's populations.
func validateSide(s *Side) (uint64, error) {
	var slots uint64
	for i, p := range s.Populations {
		if p.Slot < 0 || p.Slot >= MaxSlots {
			return 0, fmt.Errorf("private: population %d (%.40q): slot %d outside 0..%d: %w", i, p.Name, p.Slot, MaxSlots-1, ErrInvalidInput)
		}
		if slots&(1<<p.Slot) != 0 {
			return 0, fmt.Errorf("private: population %d (%.40q): slot %d listed twice: %w", i, p.Name, p.Slot, ErrInvalidInput)
		}
		if len(p.Name) > MaxNameLen || !utf8.ValidString(p.Name) {
			return 0, fmt.Errorf("private: population %d: name %.40q longer than %d bytes or not UTF-8: %w", i, p.Name, MaxNameLen, ErrInvalidInput)
		}
		slots |= 1 << p.Slot
	}
	return slots, nil
}

// prepare resolves a side's public records into accounts, as
// internal/match does within one data source: records sharing a domain or
// a registration id (transitively) are one account.
func prepare(s *Side, lim Limits) (*prepared, error) {
	slots, err := validateSide(s)
	if err != nil {
		return nil, err
	}
	p := &prepared{pops: slices.Clone(s.Populations), slots: slots, records: s.Records}
	slices.SortFunc(p.pops, func(a, b Population) int { return cmp.Compare(a.Slot, b.Slot) })
	n := len(s.Records)
	parent := make([]int32, n)
	for i := range parent {
		parent[i] = int32(i)
	}
	find := func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	owner := make(map[string]int32, n+n/8) // key ("d"/"r" + key) → first record
	link := func(key string, i int32) {
		if j, ok := owner[key]; ok {
			a, b := find(i), find(j)
			if a != b {
				parent[max(a, b)] = min(a, b)
			}
			return
		}
		owner[key] = i
	}
	for i := range s.Records {
		r := &s.Records[i]
		if r.Private {
			continue
		}
		for _, d := range r.Domains {
			if d == "" {
				continue
			}
			if len(d) > MaxKeyLen {
				return nil, fmt.Errorf("private: record %.40q: domain %.40q longer than %d bytes: %w", r.ID, d, MaxKeyLen, ErrInvalidInput)
			}
			link("d"+d, int32(i))
		}
		if r.RegID != "" {
			scheme, _, ok := strings.Cut(r.RegID, ":")
			if !ok || len(r.RegID) > MaxKeyLen || len(scheme) > MaxSchemeLen {
				return nil, fmt.Errorf("private: record %.40q: registration id %.40q is not \"scheme:value\" within %d bytes (scheme within %d): %w", r.ID, r.RegID, MaxKeyLen, MaxSchemeLen, ErrInvalidInput)
			}
			link("r"+r.RegID, int32(i))
		}
	}
	// Group records by root, in record order.
	idx := make(map[int32]int, n/2)
	for i := range s.Records {
		r := &s.Records[i]
		if r.Private || (len(r.Domains) == 0 && r.RegID == "") {
			continue
		}
		if r.RegID == "" && !slices.ContainsFunc(r.Domains, func(d string) bool { return d != "" }) {
			continue
		}
		root := find(int32(i))
		k, ok := idx[root]
		if !ok {
			k = len(p.accounts)
			idx[root] = k
			p.accounts = append(p.accounts, account{})
		}
		a := &p.accounts[k]
		a.records = append(a.records, i)
		a.mask |= r.Mask & slots
		for _, d := range r.Domains {
			if d != "" {
				a.domains = append(a.domains, d)
			}
		}
		if r.RegID != "" {
			a.regs = append(a.regs, r.RegID)
		}
	}
	kept := p.accounts[:0]
	for _, a := range p.accounts {
		if a.mask == 0 {
			continue // in no listed population: it counts nowhere
		}
		slices.Sort(a.domains)
		a.domains = slices.Compact(a.domains)
		slices.Sort(a.regs)
		a.regs = slices.Compact(a.regs)
		for _, r := range a.regs {
			scheme, _, _ := strings.Cut(r, ":")
			a.schemes = append(a.schemes, scheme)
		}
		slices.Sort(a.schemes)
		a.schemes = slices.Compact(a.schemes)
		if len(a.domains)+len(a.regs) > lim.MaxKeysPerAccount {
			return nil, fmt.Errorf("private: the account of record %.40q has %d keys, more than %d: %w",
				s.Records[a.records[0]].ID, len(a.domains)+len(a.regs), lim.MaxKeysPerAccount, ErrLimit)
		}
		if len(a.schemes) > MaxSchemes {
			return nil, fmt.Errorf("private: the account of record %.40q has %d registration-id schemes, more than %d: %w",
				s.Records[a.records[0]].ID, len(a.schemes), MaxSchemes, ErrLimit)
		}
		kept = append(kept, a)
	}
	p.accounts = kept
	if len(p.accounts) > lim.MaxAccounts {
		return nil, fmt.Errorf("private: %d accounts, more than %d: %w", len(p.accounts), lim.MaxAccounts, ErrLimit)
	}
	return p, nil
}

// slotList returns the slots of mask in increasing order.
func slotList(mask uint64) []int {
	out := make([]int, 0, bits.OnesCount64(mask))
	for ; mask != 0; mask &= mask - 1 {
		out = append(out, bits.TrailingZeros64(mask))
	}
	return out
}
