package match

import (
	"cmp"
	"math/bits"
	"slices"
	"strings"
)

// Matrix holds overlap counts: Cells[i*Cols+j] is the number of matched
// accounts (connected components of matches) that contain an account of
// population slot i of the first index and one of slot j of the second.
type Matrix struct {
	Rows, Cols int     // slots in use on each side (Index.Slots)
	Cells      []int64 // Rows×Cols, row-major
	// Total counts matched accounts whatever their populations.
	Total int64
}

func newMatrix(rows, cols int) Matrix {
	return Matrix{Rows: rows, Cols: cols, Cells: make([]int64, rows*cols)}
}

// At returns the count for slot i of the first index and slot j of the
// second; 0 outside the slots in use.
func (m Matrix) At(i, j int) int64 {
	if i < 0 || j < 0 || i >= m.Rows || j >= m.Cols {
		return 0
	}
	return m.Cells[i*m.Cols+j]
}

// Transpose returns the matrix seen from the other side.
func (m Matrix) Transpose() Matrix {
	t := newMatrix(m.Cols, m.Rows)
	t.Total = m.Total
	for i := 0; i < m.Rows; i++ {
		for j := 0; j < m.Cols; j++ {
			t.Cells[j*t.Cols+i] = m.Cells[i*m.Cols+j]
		}
	}
	return t
}

// Equal reports whether m and o hold the same counts, whatever their
// shapes (a missing slot counts 0).
func (m Matrix) Equal(o Matrix) bool {
	if m.Total != o.Total {
		return false
	}
	for i := 0; i < max(m.Rows, o.Rows); i++ {
		for j := 0; j < max(m.Cols, o.Cols); j++ {
			if m.At(i, j) != o.At(i, j) {
				return false
			}
		}
	}
	return true
}

// add counts one matched account with X populations mx and Y populations
// my (delta -1 removes it).
func (m *Matrix) add(mx, my uint64, delta int64) {
	m.Total += delta
	for ; mx != 0; mx &= mx - 1 {
		row := m.Cells[bits.TrailingZeros64(mx)*m.Cols:]
		for t := my; t != 0; t &= t - 1 {
			row[bits.TrailingZeros64(t)] += delta
		}
	}
}

// addAll adds o's counts (o no larger than m).
func (m *Matrix) addAll(o Matrix) {
	m.Total += o.Total
	for i := 0; i < o.Rows; i++ {
		for j := 0; j < o.Cols; j++ {
			m.Cells[i*m.Cols+j] += o.Cells[i*o.Cols+j]
		}
	}
}

// grow returns m reshaped to at least rows×cols.
func (m Matrix) grow(rows, cols int) Matrix {
	if rows <= m.Rows && cols <= m.Cols {
		return m
	}
	g := newMatrix(max(rows, m.Rows), max(cols, m.Cols))
	g.addAll(m)
	return g
}

// side numbers the accounts of an index globally: base accounts first,
// then the overlay's.
type side struct {
	x    *Index
	segs [2]*segment
	off  uint32 // first overlay account
	nseg int
	dead bitset
	n    uint32
}

func sideOf(x *Index) *side {
	s := &side{x: x, nseg: 1, dead: x.dead, n: uint32(x.base.n)}
	s.segs[0] = x.base
	s.off = uint32(x.base.n)
	if x.ov != nil {
		s.segs[1] = x.ov
		s.nseg = 2
		s.n += uint32(x.ov.n)
	}
	return s
}

// at returns the segment of global account g and g's number in it.
func (s *side) at(g uint32) (*segment, uint32) {
	if g >= s.off {
		return s.segs[1], g - s.off
	}
	return s.segs[0], g
}

func (s *side) live(g uint32) bool { return g >= s.off || s.dead == nil || !s.dead.has(g) }

func (s *side) mask(g uint32) uint64 {
	seg, a := s.at(g)
	return seg.masks.at(a)
}

// records returns the record ids of global account g.
func (s *side) records(g uint32, out []string) []string {
	seg, a := s.at(g)
	lo, hi := seg.recRange(a)
	for r := lo; r < hi; r++ {
		out = append(out, seg.recID(r))
	}
	return out
}

// Candidate kinds, as flags.
const (
	kDom  uint8 = 1 // a shared domain that is an umbrella on neither side
	kReg  uint8 = 2
	kName uint8 = 4
	kUmb  uint8 = 8 // a shared domain that is an umbrella on either side
)

// cand is a candidate pair of global accounts and the key they share.
type cand struct {
	x, y uint32
	key  uint32
	kind uint8
}

// evaluator decides candidate pairs. Copies share the indexes and options
// and have their own scratch space, one per goroutine.
type evaluator struct {
	xs, ys *side
	d      *Dict
	opts   Options
	min    int
	names  bool // collect name-only candidates
	exact  bool // compute the exact confidence (else: only whether it passes)
	plain  bool // every domain candidate passes unless both have registration ids
	ra, rb []regID
	na, nb []string
}

func newEvaluator(x, y *Index, opts Options, exact bool) *evaluator {
	if x.dict != y.dict {
		panic("match: indexes built with different Dicts")
	}
	e := &evaluator{xs: sideOf(x), ys: sideOf(y), d: x.dict, opts: opts, min: opts.minConf(), exact: exact}
	e.names = opts.nameMerge()
	e.plain = e.min <= ConfDomainNameMismatch && opts.Exclude == nil
	return e
}

// judge returns the confidence, kind and key of the candidate pair (a, b)
// whose shared keys are flagged in flags (kind 0: not a match).
func (e *evaluator) judge(a, b uint32, flags uint8) (int, Kind, uint32) {
	sa, la := e.xs.at(a)
	sb, lb := e.ys.at(b)
	// A registration id of the same scheme on both sides decides.
	if sa.hasReg.has(la) && sb.hasReg.has(lb) {
		e.ra = sa.regsOf(la, e.ra[:0])
		e.rb = sb.regsOf(lb, e.rb[:0])
		same := false
		key := uint32(0)
		for _, p := range e.ra {
			for _, q := range e.rb {
				if p.scheme != q.scheme {
					continue
				}
				same = true
				if p.key == q.key && (key == 0 || e.d.String(p.key) < e.d.String(key)) {
					key = p.key
				}
			}
		}
		if key != 0 {
			return ConfRegistrationID, RegistrationID, key
		}
		if same {
			return 0, 0, 0
		}
	}
	if flags&(kDom|kUmb) != 0 {
		if !e.exact && e.min <= ConfDomainNameMismatch && flags&kDom != 0 && !sa.isTyped(la) && !sb.isTyped(lb) {
			// Names cannot bring it below the threshold: only "another
			// entity" (a fund or trust name) or an umbrella can.
			return ConfDomainNameMismatch, Domain, 0
		}
		e.na = sa.namesOf(la, e.na[:0])
		e.nb = sb.namesOf(lb, e.nb[:0])
		return domainConfidence(bestNames(e.na, e.nb), flags&kDom == 0), Domain, 0
	}
	if flags&kName != 0 && e.names {
		e.na = sa.namesOf(la, e.na[:0])
		e.nb = sb.namesOf(lb, e.nb[:0])
		key, conf, listing := e.nameOnly(e.na, e.nb)
		if key != "" {
			// Interned already (the candidate came from name postings);
			// Intern is the lookup that cannot miss.
			if listing {
				return conf, Listing, e.d.Intern(key)
			}
			return conf, Name, e.d.Intern(key)
		}
	}
	return 0, 0, 0
}

// domainConfidence is the confidence of a shared domain whose names relate
// by rel; umbrella when every shared domain is an umbrella on either side.
func domainConfidence(rel nameRel, umbrella bool) int {
	switch rel {
	case relAgree:
		return ConfDomainAndName
	case relAcronym:
		return ConfDomainAcronym
	}
	if umbrella {
		if rel == relConflict {
			return ConfUmbrellaMismatch
		}
		return ConfDomainOtherEntity
	}
	switch rel {
	case relPartial, relMissing:
		return ConfDomain
	case relEntity:
		return ConfDomainOtherEntity
	}
	return ConfDomainNameMismatch
}

// nameOnly judges a name-only candidate: the smallest entity key the two
// name sets share, at ConfDistinctiveName when it is distinctive in both
// data sources or when one of the names is a security's listing of the
// issuer the other names (listing), else ConfNameOnly ("" when none is
// shared).
func (e *evaluator) nameOnly(as, bs []string) (key string, conf int, listing bool) {
	for _, p := range as {
		ep := entityKey(p)
		for _, q := range bs {
			if ep != entityKey(q) {
				continue
			}
			// A listing is the stronger evidence: it wins, then the
			// smaller key.
			l := hasListingTail(p) || hasListingTail(q)
			if key == "" || (l && !listing) || (l == listing && ep < key) {
				key, listing = ep, l
			}
		}
	}
	switch {
	case key == "":
		return "", 0, false
	case listing || distinctiveName(key, e.rare):
		return key, ConfDistinctiveName, listing
	}
	return key, ConfNameOnly, false
}

// rare reports whether a word of entity keys is rare in both data sources:
// in at most rareWordAccounts accounts of each.
func (e *evaluator) rare(w string) bool {
	return e.xs.wordCount(e.d, w) <= rareWordAccounts && e.ys.wordCount(e.d, w) <= rareWordAccounts
}

// rareWordAccounts is how many accounts of a data source may hold a word
// of an entity key for the word to make a name distinctive.
const rareWordAccounts = 2

// excluded reports whether a user marked any record pair of a and b as
// not the same company.
func (e *evaluator) excluded(a, b uint32) bool {
	if e.opts.Exclude == nil {
		return false
	}
	sa, la := e.xs.at(a)
	sb, lb := e.ys.at(b)
	alo, ahi := sa.recRange(la)
	blo, bhi := sb.recRange(lb)
	for r := alo; r < ahi; r++ {
		for q := blo; q < bhi; q++ {
			if e.opts.Exclude(sa.recID(r), sb.recID(q)) {
				return true
			}
		}
	}
	return false
}

// accept judges a pair and applies the threshold and the exclusions.
func (e *evaluator) accept(a, b uint32, flags uint8) (int, Kind, uint32, bool) {
	conf, kind, key := e.judge(a, b, flags)
	if kind == 0 || conf < e.min || e.excluded(a, b) {
		return 0, 0, 0, false
	}
	return conf, kind, key, true
}

// What collect leaves out.
const (
	collectAll    = iota
	skipMainMerge // the merge of the two bases' primary domains
	skipBaseBase  // every candidate between the two bases
)

// collect appends the candidate pairs of live accounts, less what mode
// leaves out.
func (e *evaluator) collect(out []cand, mode int) []cand {
	for si := 0; si < e.xs.nseg; si++ {
		for sj := 0; sj < e.ys.nseg; sj++ {
			if si == 0 && sj == 0 && mode == skipBaseBase {
				continue
			}
			out = e.collectPair(out, si, sj, si == 0 && sj == 0 && mode == skipMainMerge)
			if e.names {
				out = e.collectNames(out, si, sj)
			}
		}
	}
	return out
}

// offsets returns the global number of the first account of segment si of
// x's side and sj of y's.
func (e *evaluator) offsets(si, sj int) (uint32, uint32) {
	ox, oy := uint32(0), uint32(0)
	if si == 1 {
		ox = e.xs.off
	}
	if sj == 1 {
		oy = e.ys.off
	}
	return ox, oy
}

// collectPair appends the domain and registration id candidates between
// segment si of x and sj of y.
func (e *evaluator) collectPair(out []cand, si, sj int, skipPrim bool) []cand {
	var buf []pair
	xs, ys := e.xs, e.ys
	sx, sy := xs.segs[si], ys.segs[sj]
	ox, oy := e.offsets(si, sj)
	add := func(a, b, key uint32, kind uint8) {
		a, b = a+ox, b+oy
		if xs.live(a) && ys.live(b) {
			out = append(out, cand{a, b, key, kind})
		}
	}
	if !skipPrim {
		buf = intersect(sx.prim, sy.prim, buf[:0])
		for _, p := range buf {
			add(p.i, p.j, sx.prim[p.i], kDom)
		}
	}
	buf = intersect(sx.prim, sy.extraKey, buf[:0])
	for _, p := range buf {
		add(p.i, sy.extraAcct[p.j], sx.prim[p.i], kDom)
	}
	buf = intersect(sx.extraKey, sy.prim, buf[:0])
	for _, p := range buf {
		add(sx.extraAcct[p.i], p.j, sy.prim[p.j], kDom)
	}
	buf = intersect(sx.extraKey, sy.extraKey, buf[:0])
	for _, p := range buf {
		add(sx.extraAcct[p.i], sy.extraAcct[p.j], sx.extraKey[p.i], kDom)
	}
	buf = intersect(sx.regKey, sy.regKey, buf[:0])
	for _, p := range buf {
		add(sx.regAcct[p.i], sy.regAcct[p.j], sx.regKey[p.i], kReg)
	}
	return e.collectUmbrella(out, si, sj)
}

// collectUmbrella appends the candidates through domains that are an
// umbrella in segment si of x or in sj of y.
func (e *evaluator) collectUmbrella(out []cand, si, sj int) []cand {
	xs, ys := e.xs, e.ys
	sx, sy := xs.segs[si], ys.segs[sj]
	if len(sx.umbKey) == 0 && len(sy.umbKey) == 0 {
		return out
	}
	ox, oy := e.offsets(si, sj)
	add := func(a, b, key uint32) {
		a, b = a+ox, b+oy
		if xs.live(a) && ys.live(b) {
			out = append(out, cand{a, b, key, kUmb})
		}
	}
	var buf []pair
	primAcct := func(p uint32) uint32 { return p }
	for _, x := range []struct {
		keys  []uint32
		accts func(uint32) uint32
	}{{sx.prim, primAcct}, {sx.extraKey, func(p uint32) uint32 { return sx.extraAcct[p] }}, {sx.umbKey, func(p uint32) uint32 { return sx.umbAcct[p] }}} {
		buf = join(x.keys, sy.umbKey, buf[:0])
		for _, p := range buf {
			add(x.accts(p.i), sy.umbAcct[p.j], sy.umbKey[p.j])
		}
	}
	for _, y := range []struct {
		keys  []uint32
		accts func(uint32) uint32
	}{{sy.prim, primAcct}, {sy.extraKey, func(p uint32) uint32 { return sy.extraAcct[p] }}} {
		buf = join(sx.umbKey, y.keys, buf[:0])
		for _, p := range buf {
			add(sx.umbAcct[p.i], y.accts(p.j), sx.umbKey[p.i])
		}
	}
	return out
}

// collectNames appends the name-only candidates between segment si of x
// and sj of y: accounts whose names have equal entity keys.
func (e *evaluator) collectNames(out []cand, si, sj int) []cand {
	xs, ys := e.xs, e.ys
	sx, sy := xs.segs[si], ys.segs[sj]
	ox, oy := e.offsets(si, sj)
	sx.buildNames(e.d)
	sy.buildNames(e.d)
	for _, p := range joinBounded(sx.nameKey, sy.nameKey, func(k uint32) bool { return e.nameGroupOK(k) }) {
		a, b := sx.nameAcct[p.i]+ox, sy.nameAcct[p.j]+oy
		if xs.live(a) && ys.live(b) {
			out = append(out, cand{a, b, sx.nameKey[p.i], kName})
		}
	}
	return out
}

// maxNameGroup bounds the candidate pairs one entity key makes: a name
// that many accounts of both sides hold is no evidence of identity (and
// would make candidates quadratic in their number).
const maxNameGroup = 4096

// nameGroupOK reports whether entity key k (a Dict id) is held by few
// enough live accounts of the two sides to make candidates: at most
// maxNameGroup pairs. It counts over all segments, so that an index and
// its rebuild agree.
func (e *evaluator) nameGroupOK(k uint32) bool {
	return e.xs.nameCount(k)*e.ys.nameCount(k) <= maxNameGroup
}

// nameCount returns how many live accounts of the side hold entity key k.
func (s *side) nameCount(k uint32) int {
	n := 0
	for si := 0; si < s.nseg; si++ {
		seg, off := s.segs[si], uint32(0)
		if si == 1 {
			off = s.off
		}
		seg.buildNames(s.x.dict)
		for p := lowerBound(seg.nameKey, k); p < len(seg.nameKey) && seg.nameKey[p] == k; p++ {
			if s.live(off + seg.nameAcct[p]) {
				n++
			}
		}
	}
	return n
}

// joinBounded is join, leaving out the keys that ok refuses.
func joinBounded(a, b []uint32, ok func(key uint32) bool) []pair {
	var out []pair
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch x, y := a[i], b[j]; {
		case x < y:
			i++
		case x > y:
			j++
		default:
			ie, je := i, j
			for ie < len(a) && a[ie] == x {
				ie++
			}
			for je < len(b) && b[je] == x {
				je++
			}
			if ok(x) {
				for p := i; p < ie; p++ {
					for q := j; q < je; q++ {
						out = append(out, pair{uint32(p), uint32(q)})
					}
				}
			}
			i, j = ie, je
		}
	}
	return out
}

// wordCount returns how many live accounts of the side hold word w in an
// entity key of their names.
func (s *side) wordCount(d *Dict, w string) int {
	n := 0
	for si := 0; si < s.nseg; si++ {
		s.segs[si].buildNames(d)
		n += int(s.segs[si].words[w])
	}
	return n - s.x.deadWordCount(w)
}

// accountsWithWord appends the live accounts of the side holding word w in
// an entity key of their names: a scan of the name postings, for the rare
// change that makes a word rare or common.
func (s *side) accountsWithWord(d *Dict, w string, out []uint32) []uint32 {
	for si := 0; si < s.nseg; si++ {
		seg, off := s.segs[si], uint32(0)
		if si == 1 {
			off = s.off
		}
		seg.buildNames(d)
		for k, key := range seg.nameKey {
			if g := off + seg.nameAcct[k]; s.live(g) && slices.Contains(strings.Fields(d.String(key)), w) {
				out = append(out, g)
			}
		}
	}
	return out
}

// edge is an accepted match between two global accounts.
type edge struct {
	x, y uint32
	conf int
	kind Kind
	key  uint32
}

// component is one matched account: connected accounts of both sides.
type component struct {
	xa, ya []uint32
	mx, my uint64
	best   edge
}

// resolve judges the candidates (in any order, repeats allowed) and
// returns the connected components of the accepted pairs. With keys set,
// each component's best edge carries its key; without, components carry
// their masks only (xa, ya and best are empty: counts need no more).
func (e *evaluator) resolve(cands []cand, keys bool) []component {
	if len(cands) == 0 {
		return nil
	}
	sortCands(cands)
	var edges []edge
	for i := 0; i < len(cands); {
		j := i
		flags := uint8(0)
		domKey := uint32(0)
		for ; j < len(cands) && cands[j].x == cands[i].x && cands[j].y == cands[i].y; j++ {
			c := cands[j]
			flags |= c.kind
			if keys && c.kind&(kDom|kUmb) != 0 && (domKey == 0 || e.d.String(c.key) < e.d.String(domKey)) {
				domKey = c.key
			}
		}
		conf, kind, key, ok := e.accept(cands[i].x, cands[i].y, flags)
		if ok {
			if kind == Domain {
				key = domKey
			}
			edges = append(edges, edge{cands[i].x, cands[i].y, conf, kind, key})
		}
		i = j
	}
	edges = dropWeakNameEdges(edges, e.xs.n, e.ys.n, e.hasDomain)
	// Union-find over the accounts that have an accepted edge, numbered
	// densely through arrays over the global accounts (maps cost 3× more
	// here when many candidates take this path).
	xi := make([]int32, e.xs.n)
	yi := make([]int32, e.ys.n)
	var nodes []uint32 // node → global account (X nodes and Y nodes mixed)
	var isY []bool
	node := func(m []int32, g uint32, y bool) uint32 {
		if m[g] != 0 {
			return uint32(m[g] - 1)
		}
		n := uint32(len(nodes))
		m[g] = int32(n + 1)
		nodes = append(nodes, g)
		isY = append(isY, y)
		return n
	}
	type link struct{ a, b uint32 }
	links := make([]link, len(edges))
	for k, ed := range edges {
		links[k] = link{node(xi, ed.x, false), node(yi, ed.y, true)}
	}
	uf := make(unionFind, len(nodes))
	for i := range uf {
		uf[i] = uint32(i)
	}
	for _, l := range links {
		uf.union(l.a, l.b)
	}
	compOf := make([]int32, len(nodes)) // root node → component+1
	var comps []component
	for n := range nodes {
		r := uf.find(uint32(n))
		if compOf[r] == 0 {
			comps = append(comps, component{})
			compOf[r] = int32(len(comps))
		}
		c := &comps[compOf[r]-1]
		g := nodes[n]
		// Counts need the masks only: the accounts (two allocations per
		// component) and the best edge are for reports.
		if isY[n] {
			if keys {
				c.ya = append(c.ya, g)
			}
			c.my |= e.ys.mask(g)
		} else {
			if keys {
				c.xa = append(c.xa, g)
			}
			c.mx |= e.xs.mask(g)
		}
	}
	if !keys {
		return comps
	}
	for k, ed := range edges {
		c := &comps[compOf[uf.find(links[k].a)]-1]
		if c.best.kind == 0 || e.better(ed, c.best) {
			c.best = ed
		}
	}
	return comps
}

// dropWeakNameEdges leaves out the name-only edges between an account
// that matches on a domain or a registration id and an account of the
// other side that has a domain of its own: an account whose keys found
// its match does not also match another site on its name, which would
// merge two accounts of the other side that nothing else links (a record
// named like another company, or a company and its namesake). Names still
// match an account without any domain (a listing without a website), and
// across domains between accounts that no key matched. A listing of a
// security matches its issuer whatever else the issuer matched: the share
// classes of one company belong with it.
func dropWeakNameEdges(edges []edge, nx, ny uint32, hasDomain func(g uint32, isY bool) bool) []edge {
	var keyed []edge
	hasName := false
	for _, ed := range edges {
		switch ed.kind {
		case Name:
			hasName = true
		case Listing:
		default:
			keyed = append(keyed, ed)
		}
	}
	if !hasName || len(keyed) == 0 {
		return edges
	}
	sx, sy := newBitset(int(nx)), newBitset(int(ny))
	for _, ed := range keyed {
		sx.set(ed.x)
		sy.set(ed.y)
	}
	return slices.DeleteFunc(edges, func(ed edge) bool {
		return ed.kind == Name && ((sx.has(ed.x) && hasDomain(ed.y, true)) || (sy.has(ed.y) && hasDomain(ed.x, false)))
	})
}

// hasDomain reports whether global account g (of Y if isY) has a domain.
func (e *evaluator) hasDomain(g uint32, isY bool) bool {
	sd := e.xs
	if isY {
		sd = e.ys
	}
	seg, a := sd.at(g)
	return int(a) < seg.nDom || len(rangeOf(seg.umbByAcct, a)) > 0
}

// keyed reports whether global account g (of Y if isY) has an accepted
// match on a domain or registration id: then its name-only candidates do
// not count (dropWeakNameEdges).
func (e *evaluator) keyed(g uint32, isY bool) bool {
	from, other := e.xs, e.ys
	if isY {
		from, other = e.ys, e.xs
	}
	for h, fl := range neighbors(e.d, from, other, g, false) {
		a, b := g, h
		if isY {
			a, b = h, g
		}
		if _, kind, _, ok := e.accept(a, b, fl); ok && kind != Name && kind != Listing {
			return true
		}
	}
	return false
}

// better orders edges for a component's summary: higher confidence, then
// the smaller key, then the smaller record ids, so that the choice does
// not depend on id assignment.
func (e *evaluator) better(p, q edge) bool {
	if p.conf != q.conf {
		return p.conf > q.conf
	}
	if p.key != q.key {
		return e.d.String(p.key) < e.d.String(q.key)
	}
	if c := cmp.Compare(e.firstID(e.xs, p.x), e.firstID(e.xs, q.x)); c != 0 {
		return c < 0
	}
	return e.firstID(e.ys, p.y) < e.firstID(e.ys, q.y)
}

func (e *evaluator) firstID(s *side, g uint32) string {
	seg, a := s.at(g)
	lo, hi := seg.recRange(a)
	m := seg.recID(lo)
	for r := lo + 1; r < hi; r++ {
		m = min(m, seg.recID(r))
	}
	return m
}

// mainChunk is how many primary domains of X the main merge takes at a
// time: the matches of a chunk fit in L1 before they are counted.
const mainChunk = 4096

// Overlap counts the matched accounts of x and y for every pair of
// population slots. Overlap(y, x) is the transpose of Overlap(x, y) (with
// Exclude's arguments swapped). An index y of another Dict than x's is
// rebased onto x's first (Index.Rebase), at the cost of a Build.
//
// The bulk of the work is one merge of the two sorted arrays of primary
// domains, split across cores; a pair found there whose accounts have no
// other candidate is a matched account by itself and is counted on the
// spot. Every other candidate (aliases, registration ids, names, accounts
// with several candidates) goes through union-find.
func Overlap(x, y *Index, opts Options) Matrix {
	y = onDict(x, y)
	e := newEvaluator(x, y, opts, false)
	m := newMatrix(x.slots, y.slots)
	slow := e.collect(nil, skipMainMerge)
	var tx, ty bitset
	if len(slow) > 0 {
		tx, ty = newBitset(int(e.xs.n)), newBitset(int(e.ys.n))
		for _, c := range slow {
			tx.set(c.x)
			ty.set(c.y)
		}
	}
	a, b := x.base.prim, y.base.prim
	w := workersFor(len(a) + len(b))
	type part struct {
		m    Matrix
		slow []cand
	}
	parts := make([]part, w)
	xb, yb := x.base, y.base
	parallel(w, len(a), func(wi, lo, hi int) {
		ev := *e
		pm := newMatrix(x.slots, y.slots)
		var sl []cand
		var buf []pair
		for c := lo; c < hi; c += mainChunk {
			ce := min(c+mainChunk, hi)
			blo := lowerBound(b, a[c])
			bhi := blo + lowerBound(b[blo:], a[ce-1])
			if bhi < len(b) && b[bhi] == a[ce-1] {
				bhi++
			}
			buf = intersect(a[c:ce], b[blo:bhi], buf[:0])
			for _, p := range buf {
				i, j := uint32(c)+p.i, uint32(blo)+p.j
				if (x.dead != nil && x.dead.has(i)) || (y.dead != nil && y.dead.has(j)) {
					continue
				}
				if tx != nil && (tx.has(i) || ty.has(j)) {
					sl = append(sl, cand{i, j, a[i], kDom})
					continue
				}
				if ev.plain && !(xb.hasReg.has(i) && yb.hasReg.has(j)) && !xb.isTyped(i) && !yb.isTyped(j) {
					pm.add(xb.masks.at(i), yb.masks.at(j), 1)
				} else if _, _, _, ok := ev.accept(i, j, kDom); ok {
					pm.add(xb.masks.at(i), yb.masks.at(j), 1)
				}
			}
		}
		parts[wi] = part{pm, sl}
	})
	for _, p := range parts {
		m.addAll(p.m)
		slow = append(slow, p.slow...)
	}
	for _, c := range e.resolve(slow, false) {
		m.add(c.mx, c.my, 1)
	}
	return m
}

// Match is one matched account for a report.
type Match struct {
	X, Y       []string // ids of the records of the matched accounts, sorted
	Kind       Kind     // what the best pair matched on
	Key        string   // the domain, registration id or name key it matched on
	Confidence int      // the best pair's confidence
}

// Matches returns the matched accounts that touch population mask maskX on
// x's side and maskY on y's, sorted by their first X then Y record id.
// Record ids are those of all the records of the matched accounts.
func Matches(x, y *Index, opts Options, maskX, maskY uint64) []Match {
	y = onDict(x, y)
	e := newEvaluator(x, y, opts, true)
	comps := e.resolve(e.collect(nil, collectAll), true)
	var out []Match
	for _, c := range comps {
		if c.mx&maskX == 0 || c.my&maskY == 0 {
			continue
		}
		mt := Match{Kind: c.best.kind, Key: e.d.String(c.best.key), Confidence: c.best.conf}
		for _, g := range c.xa {
			mt.X = e.xs.records(g, mt.X)
		}
		for _, g := range c.ya {
			mt.Y = e.ys.records(g, mt.Y)
		}
		slices.Sort(mt.X)
		slices.Sort(mt.Y)
		out = append(out, mt)
	}
	slices.SortFunc(out, func(p, q Match) int {
		if c := cmp.Compare(p.X[0], q.X[0]); c != 0 {
			return c
		}
		return cmp.Compare(p.Y[0], q.Y[0])
	})
	return out
}
