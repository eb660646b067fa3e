package matcheval

import (
	"cmp"
	"slices"

	"github.com/acctmap/acctmap/normalize"
)

// BaselineDomain predicts every left-right pair whose websites have the same
// registrable domain under n (nil: the default rules). Records whose website
// yields no domain key predict nothing.
func (s *Set) BaselineDomain(n *normalize.Normalizer) []Pair {
	return s.baseline(n, false)
}

// BaselineDomainElseName predicts the pairs of BaselineDomain and, for pairs
// whose domains do not agree (different or missing), those whose company
// names have the same non-empty normalize name key: "same domain, else same
// normalized name".
func (s *Set) BaselineDomainElseName(n *normalize.Normalizer) []Pair {
	return s.baseline(n, true)
}

func (s *Set) baseline(n *normalize.Normalizer, names bool) []Pair {
	if n == nil {
		n = normalize.New()
	}
	byDomain := map[string][]int{}
	byName := map[string][]int{}
	rdom := make([]string, len(s.Right))
	for i, r := range s.Right {
		if d, err := n.Domain(r.Website); err == nil {
			rdom[i] = d
			byDomain[d] = append(byDomain[d], i)
		}
		if k := n.CompanyName(r.Name); k != "" {
			byName[k] = append(byName[k], i)
		}
	}
	var out []Pair
	for _, l := range s.Left {
		d, err := n.Domain(l.Website)
		if err == nil {
			for _, i := range byDomain[d] {
				out = append(out, Pair{l.ID, s.Right[i].ID})
			}
		} else {
			d = ""
		}
		if !names {
			continue
		}
		if k := n.CompanyName(l.Name); k != "" {
			for _, i := range byName[k] {
				if d == "" || rdom[i] != d {
					out = append(out, Pair{l.ID, s.Right[i].ID})
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b Pair) int {
		if a.Left != b.Left {
			return cmp.Compare(a.Left, b.Left)
		}
		return cmp.Compare(a.Right, b.Right)
	})
	return out
}
