package match

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The reference implementation: maps, explicit union-find, strings only.

type refAcct struct {
	recs                   []string
	doms, regs, names, umb map[string]bool // umb: the umbrella domains among doms
	mask                   uint64
	firstID                string
}

type refUF map[int]int

func (u refUF) find(i int) int {
	for u[i] != i {
		i = u[i]
	}
	return i
}

func (u refUF) union(a, b int) {
	ra, rb := u.find(a), u.find(b)
	if ra != rb {
		u[ra] = rb
	}
}

// refNames returns a record's name keys.
func refNames(r Record) []string {
	var out []string
	for _, k := range append([]string{r.NameKey}, r.OtherNameKeys...) {
		if k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// refUmbrellas returns the domains of recs that are umbrellas (their
// records' names form several groups of agreeing names), and for each the
// group of each record on it (-1: no name).
func refUmbrellas(recs []Record) map[string]map[int]int {
	onDomain := map[string][]int{}
	for i, r := range recs {
		for _, d := range r.Domains {
			if !slices.Contains(onDomain[d], i) {
				onDomain[d] = append(onDomain[d], i)
			}
		}
	}
	out := map[string]map[int]int{}
	for d, idx := range onDomain {
		if len(idx) < 2 {
			continue
		}
		// Groups: records whose names agree (or are acronyms), transitively.
		uf := refUF{}
		for _, i := range idx {
			uf[i] = i
		}
		for a := range idx {
			for b := a + 1; b < len(idx); b++ {
				na, nb := refNames(recs[idx[a]]), refNames(recs[idx[b]])
				if len(na) > 0 && len(nb) > 0 && bestNames(na, nb) >= relAcronym {
					uf.union(idx[a], idx[b])
				}
			}
		}
		roots := map[int]bool{}
		for _, i := range idx {
			if len(refNames(recs[i])) > 0 {
				roots[uf.find(i)] = true
			}
		}
		if len(roots) < 2 {
			continue
		}
		g := map[int]int{}
		for _, i := range idx {
			g[i] = -1
			if len(refNames(recs[i])) > 0 {
				g[i] = uf.find(i)
			}
		}
		out[d] = g
	}
	return out
}

func refAccounts(recs []Record) []*refAcct {
	uf := refUF{}
	for i := range recs {
		uf[i] = i
	}
	umb := refUmbrellas(recs)
	first := map[string]int{}
	link := func(k string, i int) {
		if j, ok := first[k]; ok {
			uf.union(i, j)
		} else {
			first[k] = i
		}
	}
	for i, r := range recs {
		for _, d := range r.Domains {
			if g, ok := umb[d]; ok {
				if g[i] >= 0 {
					link(fmt.Sprint("u", d, "|", g[i]), i)
				}
				continue
			}
			link("d"+d, i)
		}
		if r.RegID != "" {
			link("r"+r.RegID, i)
		}
	}
	byRoot := map[int]*refAcct{}
	var out []*refAcct
	for i, r := range recs {
		root := uf.find(i)
		a := byRoot[root]
		if a == nil {
			a = &refAcct{doms: map[string]bool{}, regs: map[string]bool{}, names: map[string]bool{}, umb: map[string]bool{}}
			byRoot[root] = a
			out = append(out, a)
		}
		a.recs = append(a.recs, r.ID)
		for _, d := range r.Domains {
			a.doms[d] = true
			if _, ok := umb[d]; ok {
				a.umb[d] = true
			}
		}
		if r.RegID != "" {
			a.regs[r.RegID] = true
		}
		for _, k := range refNames(r) {
			a.names[k] = true
		}
		a.mask |= r.Mask
	}
	for _, a := range out {
		slices.Sort(a.recs)
		a.firstID = a.recs[0]
	}
	return out
}

func minShared(a, b map[string]bool) string {
	best := ""
	for k := range a {
		if b[k] && (best == "" || k < best) {
			best = k
		}
	}
	return best
}

func refEntityKeys(names map[string]bool) map[string]bool {
	out := map[string]bool{}
	for n := range names {
		out[entityKey(n)] = true
	}
	return out
}

// refWordCounts counts, per word of entity keys, the accounts holding it.
func refWordCounts(accts []*refAcct) map[string]int {
	out := map[string]int{}
	for _, a := range accts {
		seen := map[string]bool{}
		for k := range refEntityKeys(a.names) {
			for _, w := range strings.Fields(k) {
				if !seen[w] {
					seen[w] = true
					out[w]++
				}
			}
		}
	}
	return out
}

func refJudge(a, b *refAcct, opts Options, wx, wy map[string]int) (int, Kind, string) {
	same, eq := false, ""
	for p := range a.regs {
		for q := range b.regs {
			if regScheme(p) == regScheme(q) {
				same = true
				if p == q && (eq == "" || p < eq) {
					eq = p
				}
			}
		}
	}
	if eq != "" {
		return ConfRegistrationID, RegistrationID, eq
	}
	if same {
		return 0, 0, ""
	}
	if d := minShared(a.doms, b.doms); d != "" {
		plain := false // a shared domain that is an umbrella on neither side
		for k := range a.doms {
			if b.doms[k] && !a.umb[k] && !b.umb[k] {
				plain = true
			}
		}
		names := func(m map[string]bool) []string {
			return slices.Sorted(func(yield func(string) bool) {
				for k := range m {
					if !yield(k) {
						return
					}
				}
			})
		}
		return domainConfidence(bestNames(names(a.names), names(b.names)), !plain), Domain, d
	}
	if opts.NameMatching {
		if n := minShared(refEntityKeys(a.names), refEntityKeys(b.names)); n != "" {
			listed := ""
			for p := range a.names {
				for q := range b.names {
					if k := entityKey(p); k == entityKey(q) && (hasListingTail(p) || hasListingTail(q)) && (listed == "" || k < listed) {
						listed = k
					}
				}
			}
			if listed != "" {
				return ConfDistinctiveName, Listing, listed
			}
			if distinctiveName(n, func(w string) bool { return wx[w] <= rareWordAccounts && wy[w] <= rareWordAccounts }) {
				return ConfDistinctiveName, Name, n
			}
			return ConfNameOnly, Name, n
		}
	}
	return 0, 0, ""
}

type refEdge struct {
	a, b int
	conf int
	kind Kind
	key  string
}

// refMatch computes the matrix and the matches the slow, obvious way.
func refMatch(xr, yr []Record, opts Options, maskX, maskY uint64) (Matrix, []string) {
	xa, ya := refAccounts(xr), refAccounts(yr)
	wx, wy := refWordCounts(xa), refWordCounts(ya)
	// Candidates through maps from key to Y accounts; every other pair
	// shares no key and cannot match.
	byKey := map[string][]int{}
	for j, b := range ya {
		for k := range b.doms {
			byKey["d"+k] = append(byKey["d"+k], j)
		}
		for k := range b.regs {
			byKey["r"+k] = append(byKey["r"+k], j)
		}
		for k := range refEntityKeys(b.names) {
			byKey["n"+k] = append(byKey["n"+k], j)
		}
	}
	var edges []refEdge
	for i, a := range xa {
		cands := map[int]bool{}
		for k := range a.doms {
			for _, j := range byKey["d"+k] {
				cands[j] = true
			}
		}
		for k := range a.regs {
			for _, j := range byKey["r"+k] {
				cands[j] = true
			}
		}
		for k := range refEntityKeys(a.names) {
			for _, j := range byKey["n"+k] {
				cands[j] = true
			}
		}
		for j := range cands {
			b := ya[j]
			conf, kind, key := refJudge(a, b, opts, wx, wy)
			if kind == 0 || conf < opts.minConf() {
				continue
			}
			excluded := false
			for _, r := range a.recs {
				for _, s := range b.recs {
					if opts.Exclude != nil && opts.Exclude(r, s) {
						excluded = true
					}
				}
			}
			if !excluded {
				edges = append(edges, refEdge{i, j, conf, kind, key})
			}
		}
	}
	// Name-only edges of accounts that match on a key are left out.
	keyedX, keyedY := map[int]bool{}, map[int]bool{}
	for _, e := range edges {
		if e.kind != Name && e.kind != Listing {
			keyedX[e.a], keyedY[e.b] = true, true
		}
	}
	edges = slices.DeleteFunc(edges, func(e refEdge) bool {
		return e.kind == Name && ((keyedX[e.a] && len(ya[e.b].doms) > 0) || (keyedY[e.b] && len(xa[e.a].doms) > 0))
	})
	uf := refUF{}
	for _, e := range edges {
		uf[e.a] = e.a
		uf[-1-e.b] = -1 - e.b
	}
	for _, e := range edges {
		uf.union(e.a, -1-e.b)
	}
	type comp struct {
		xs, ys []string
		mx, my uint64
		best   *refEdge
	}
	comps := map[int]*comp{}
	for n := range uf {
		r := uf.find(n)
		c := comps[r]
		if c == nil {
			c = &comp{}
			comps[r] = c
		}
		if n >= 0 {
			c.xs = append(c.xs, xa[n].recs...)
			c.mx |= xa[n].mask
		} else {
			c.ys = append(c.ys, ya[-1-n].recs...)
			c.my |= ya[-1-n].mask
		}
	}
	for k := range edges {
		e := &edges[k]
		c := comps[uf.find(e.a)]
		b := c.best
		if b == nil || e.conf > b.conf || (e.conf == b.conf && (e.key < b.key || (e.key == b.key &&
			(xa[e.a].firstID < xa[b.a].firstID || (xa[e.a].firstID == xa[b.a].firstID && ya[e.b].firstID < ya[b.b].firstID))))) {
			c.best = e
		}
	}
	m := newMatrix(64, 64)
	var ms []string
	for _, c := range comps {
		m.add(c.mx, c.my, 1)
		if c.mx&maskX != 0 && c.my&maskY != 0 {
			slices.Sort(c.xs)
			slices.Sort(c.ys)
			ms = append(ms, fmt.Sprintf("%s|%s|%s|%s|%d", strings.Join(c.xs, ","), strings.Join(c.ys, ","), c.best.kind, c.best.key, c.best.conf))
		}
	}
	slices.Sort(ms) // "x…|y…" strings sort like Matches' order
	return m, ms
}

// randomRecords draws records from small key pools so that they collide
// often: shared domains, aliases, registration ids of two schemes, names
// that agree, agree partly or disagree.
func randomRecords(r *rand.Rand, prefix string, n, pool int) []Record {
	names := []string{"acme", "acme labs", "ac me", "zeta", "zeta corp", "talkable", "curebit", "delta", "delta air", "omega",
		"acme fund", "acme municipal trust", "international business machines", "ibm", "acme group", "zetaworks analytics",
		"acme class b", "zeta corp series a preferred"}
	recs := make([]Record, n)
	for i := range recs {
		rc := Record{ID: fmt.Sprintf("%s%06d", prefix, i), Mask: r.Uint64N(16)}
		for k := r.IntN(4) - 1; k > 0; k-- {
			rc.Domains = append(rc.Domains, fmt.Sprintf("d%d.com", r.IntN(pool)))
		}
		if r.IntN(6) == 0 {
			rc.RegID = fmt.Sprintf("%s:%d", []string{"duns", "vat"}[r.IntN(2)], r.IntN(pool/3+1))
		}
		switch {
		case r.IntN(5) == 0:
		case n < 1000:
			rc.NameKey = names[r.IntN(len(names))]
			if r.IntN(5) == 0 {
				rc.OtherNameKeys = []string{names[r.IntN(len(names))]}
			}
		default: // large inputs: names as rare as domains
			rc.NameKey = fmt.Sprint("n", r.IntN(pool), " ", names[r.IntN(len(names))])
		}
		recs[i] = rc
	}
	return recs
}

func randomOptions(r *rand.Rand, xr, yr []Record) Options {
	opts := Options{
		NameMatching:  r.IntN(2) == 0,
		MinConfidence: []int{0, 30, 50, 70, 90, 100}[r.IntN(6)],
	}
	if r.IntN(2) == 0 {
		ex := map[[2]string]bool{}
		for range 5 {
			ex[[2]string{xr[r.IntN(len(xr))].ID, yr[r.IntN(len(yr))].ID}] = true
		}
		opts.Exclude = func(x, y string) bool { return ex[[2]string{x, y}] }
	}
	return opts
}

func swapped(o Options) Options {
	if ex := o.Exclude; ex != nil {
		o.Exclude = func(a, b string) bool { return ex(b, a) }
	}
	return o
}

func TestPropertyAgainstReference(t *testing.T) {
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 42))
		n := 5 + r.IntN(60)
		xr, yr := randomRecords(r, "x", n, 3*n/2), randomRecords(r, "y", 5+r.IntN(60), 3*n/2)
		opts := randomOptions(r, xr, yr)
		maskX, maskY := r.Uint64N(16)|1, r.Uint64N(16)|1
		checkAgainstReference(t, fmt.Sprint("seed ", seed), xr, yr, opts, maskX, maskY)
	}
}

// TestPropertyLarge runs sizes where the parallel paths (batched interning,
// split merge) and the fast path for single pairs carry the load.
func TestPropertyLarge(t *testing.T) {
	for seed := range uint64(1) {
		r := rand.New(rand.NewPCG(seed, 7))
		n := 20000
		xr, yr := randomRecords(r, "x", n, 20*n), randomRecords(r, "y", n, 20*n)
		checkAgainstReference(t, fmt.Sprint("seed ", seed), xr, yr, randomOptions(r, xr, yr), ^uint64(0), 3)
	}
}

func checkAgainstReference(t *testing.T, what string, xr, yr []Record, opts Options, maskX, maskY uint64) {
	t.Helper()
	d := NewDict()
	x, y := Build(d, xr), Build(d, yr)
	wantM, wantMs := refMatch(xr, yr, opts, maskX, maskY)
	got := Overlap(x, y, opts)
	if !got.Equal(wantM) {
		t.Fatalf("%s: Overlap = %v, want %v", what, got, wantM)
	}
	if back := Overlap(y, x, swapped(opts)); !back.Equal(got.Transpose()) {
		t.Fatalf("%s: Overlap(y,x) is not the transpose", what)
	}
	z := Build(d, yr[:len(yr)/2])
	eco := Ecosystem(x, []*Index{y, z, x}, opts)
	for k, p := range []*Index{y, z, x} {
		if want := Overlap(x, p, opts); !eco[k].Equal(want) {
			t.Fatalf("%s: Ecosystem[%d] = %v, want Overlap %v", what, k, eco[k], want)
		}
	}
	// Screen: partner accounts sharing a domain or id with slot 0 of x.
	slotKeys := map[string]bool{}
	for _, a := range refAccounts(xr) {
		if a.mask&1 != 0 {
			for k := range a.doms {
				slotKeys["d"+k] = true
			}
			for k := range a.regs {
				slotKeys["r"+k] = true
			}
		}
	}
	wantScreen := 0
	for _, b := range refAccounts(yr) {
		hit := false
		for k := range b.doms {
			hit = hit || slotKeys["d"+k]
		}
		for k := range b.regs {
			hit = hit || slotKeys["r"+k]
		}
		if hit {
			wantScreen++
		}
	}
	if got := Screen(x, 0, []*Index{y}, ScreenOptions{}); got[0] != wantScreen {
		t.Fatalf("%s: Screen = %d, want %d", what, got[0], wantScreen)
	}
	if got := Screen(x, 0, []*Index{y}, ScreenOptions{Bloom: true}); got[0] < wantScreen {
		t.Fatalf("%s: Screen with Bloom = %d, want ≥ %d", what, got[0], wantScreen)
	}
	// Restrict: the same as building from the records in the view, their
	// masks narrowed.
	for _, view := range []uint64{maskY, ^uint64(0), 1} {
		var kept []Record
		for _, rc := range yr {
			if rc.Mask&view != 0 {
				rc.Mask &= view
				kept = append(kept, rc)
			}
		}
		want := Overlap(x, Build(d, kept), opts)
		if got := Overlap(x, y.Restrict(view), opts); !got.Equal(want) {
			t.Fatalf("%s: Overlap with y.Restrict(%b) = %v, want %v", what, view, got, want)
		}
	}
	// PairEvidence: for records alone in their accounts, the pair's
	// confidence is the accounts'.
	xa, ya := refAccounts(xr), refAccounts(yr)
	wx, wy := refWordCounts(xa), refWordCounts(ya)
	for _, a := range xa {
		for _, b := range ya {
			if len(xa)*len(ya) > 100_000 || len(a.recs) != 1 || len(b.recs) != 1 {
				continue
			}
			wantConf, _, _ := refJudge(a, b, Options{NameMatching: true}, wx, wy)
			ev, ok := PairEvidence(x, a.recs[0], y, b.recs[0])
			if !ok {
				t.Fatalf("%s: PairEvidence(%s, %s): no such record", what, a.recs[0], b.recs[0])
			}
			if got, _ := ev.Confidence(true); got != wantConf {
				t.Fatalf("%s: PairEvidence(%s, %s).Confidence = %d, want %d (%+v)", what, a.recs[0], b.recs[0], got, wantConf, ev)
			}
		}
	}
	gotMs := brief(Matches(x, y, opts, maskX, maskY))
	if diff := cmp.Diff(wantMs, gotMs); diff != "" {
		t.Fatalf("%s: Matches (-want +got):\n%s", what, diff)
	}
	if got, want := x.Accounts(), len(refAccounts(xr)); got != want {
		t.Fatalf("%s: Accounts = %d, want %d", what, got, want)
	}
}
