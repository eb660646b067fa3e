package acctmap

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/singleflight"

	"github.com/acctmap/acctmap/internal/match"
)

// Confidence of a match: what the two records share decides it, by this
// table (highest first). Every row of a report carries one; WithMinConfidence
// sets the lowest that counts.
//
//	evidence                                                         confidence
//	the same registration id (same scheme, same value)                      100
//	a shared domain, names agree                                             90
//	a shared domain, one name the acronym of the other                       80
//	a shared domain, a name missing or agreeing in part                      70
//	names only (WithNameMatching): distinctive names agree                   60
//	a shared domain, names that disagree: a renamed company                  50
//	a shared domain, one name the other's plus "fund", "trust", "ETF"…;
//	  an umbrella domain, names in part or missing                           40
//	names only (WithNameMatching): equal names, not distinctive              30
//	an umbrella domain, names that disagree                                  20
//
// Names agree when they are equal after normalization, ignoring the words
// that say what kind of organization it is ("Group", "Holdings", "Inc"),
// spaced single letters ("R R" = "RR"), German umlaut spellings, and a
// security's listing tail ("Class B", "5.75% Series A Preferred", "Common
// Stock": a share class is the company). Registration ids of one scheme
// that differ veto a pair whatever else agrees. An umbrella domain is one
// that several records of one data source carry under names that disagree
// (a fund sponsor's funds, a parent's subsidiaries): there the domain is no
// identity by itself, records of the data source are not merged through it,
// and only the record whose name agrees matches well. Confidence belongs to
// a pair of records: a report shows the pair it lists.
const (
	ConfidenceRegistrationID     = match.ConfRegistrationID
	ConfidenceDomainAndName      = match.ConfDomainAndName
	ConfidenceDomainAcronym      = match.ConfDomainAcronym
	ConfidenceDomain             = match.ConfDomain
	ConfidenceDistinctiveName    = match.ConfDistinctiveName
	ConfidenceDomainNameMismatch = match.ConfDomainNameMismatch
	ConfidenceDomainOtherEntity  = match.ConfDomainOtherEntity
	ConfidenceNameOnly           = match.ConfNameOnly
	ConfidenceUmbrellaMismatch   = match.ConfUmbrellaMismatch
)

// indexCache holds the matcher's index of each data source, valid for one
// version of it. Indexes hold keys and membership only — no field values —
// and are rebuilt when the version read in the caller's transaction
// differs, so nothing stale is ever used. The least recently used indexes
// are dropped when their size passes the budget.
//
// The writes that replace a data source's records install the index of
// the new version (installIndex), and upserts advance it (advance): reads
// build one from the store only when neither could (an index evicted, a
// Network just opened). Concurrent reads of one missing index build it
// once (flight). All cached indexes share dict, which the cache replaces
// when most of its keys belong to indexes that are gone (reclaim).
type indexCache struct {
	mu     sync.Mutex
	m      map[string]*dsIndex
	budget int64 // bytes
	bytes  int64
	clock  uint64 // use counter, for LRU
	dict   *match.Dict

	// minGarbage is how many keys of the Dict must be garbage before it is
	// replaced (0: defaultMinGarbage).
	minGarbage int
	flight     singleflight.Group // builds from the store, by data source and version
	reclaimMu  sync.Mutex         // one Dict replacement at a time
	// builds and reclaims count the indexes built from the store and the
	// Dict replacements, for tests.
	builds, reclaims atomic.Int64
}

// dsIndex is one version of a data source's indexes: all its records, the
// records partners may see (without the private ones), and views of those
// for partners that see some of its populations only.
type dsIndex struct {
	version      int64
	dict         *match.Dict // of full, public and the views
	full, public *match.Index
	hasPrivate   bool   // public differs from full
	size         int64  // bytes of full and public
	used         uint64 // indexCache.clock at the last use

	mu    sync.Mutex
	views map[uint64]*viewIndex // by the slots a partner may see
}

// viewIndex is the public index restricted to the populations one partner
// may see (match.Index.Restrict), built once however many readers want it.
type viewIndex struct {
	once sync.Once
	idx  *match.Index
}

// view returns e's public records in the populations of slots visible.
func (e *dsIndex) view(visible uint64) *match.Index {
	e.mu.Lock()
	v := e.views[visible]
	if v == nil {
		if e.views == nil {
			e.views = map[uint64]*viewIndex{}
		}
		v = &viewIndex{}
		e.views[visible] = v
	}
	e.mu.Unlock()
	v.once.Do(func() { v.idx = e.public.Restrict(visible) })
	return v.idx
}

// builtViews returns the views built so far, by their slots.
func (e *dsIndex) builtViews() map[uint64]*match.Index {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[uint64]*match.Index{}
	for k, v := range e.views {
		if v.idx != nil {
			out[k] = v.idx
		}
	}
	return out
}

// get returns the cached index of a data source at a version, if any.
func (c *indexCache) get(id string, version int64) *dsIndex {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.m[id]
	if e == nil || e.version != version {
		return nil
	}
	c.clock++
	e.used = c.clock
	return e
}

// put caches e unless a newer version is there, then evicts the least
// recently used entries while over budget (never e itself).
func (c *indexCache) put(id string, e *dsIndex) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.dict != c.dict {
		return // built on a Dict replaced since: its keys are garbage
	}
	if old := c.m[id]; old != nil {
		if old.version >= e.version {
			return
		}
		c.bytes -= old.size
	}
	c.clock++
	e.used = c.clock
	c.m[id] = e
	c.bytes += e.size
	for c.bytes > c.budget && len(c.m) > 1 {
		var victim string
		var oldest uint64 = ^uint64(0)
		for k, v := range c.m {
			if v.used < oldest && k != id {
				victim, oldest = k, v.used
			}
		}
		c.bytes -= c.m[victim].size
		delete(c.m, victim)
	}
}

// drop forgets a data source's indexes.
func (c *indexCache) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.m[id]; e != nil {
		c.bytes -= e.size
		delete(c.m, id)
	}
}

// index returns the indexes of ds at the version the transaction sees:
// the cached ones, else built from the store's records once however many
// readers want them at the same time.
func (n *Network) index(tx ReadTx, ds DataSource) (*dsIndex, error) {
	if e := n.indexes.get(ds.ID, ds.Version); e != nil {
		return e, nil
	}
	mine := false
	v, err, _ := n.indexes.flight.Do(ds.ID+"\x00"+strconv.FormatInt(ds.Version, 10), func() (any, error) {
		mine = true
		if e := n.indexes.get(ds.ID, ds.Version); e != nil {
			return e, nil // built by a flight that ended before this one began
		}
		return n.loadIndex(tx, ds)
	})
	if err != nil && !mine {
		// The error is another reader's (its context ended, say): the
		// same version read in this transaction may well succeed.
		return n.loadIndex(tx, ds)
	}
	if err != nil {
		return nil, err
	}
	return v.(*dsIndex), nil
}

// loadIndex builds the indexes of ds from the store's records and caches
// them.
func (n *Network) loadIndex(tx ReadTx, ds DataSource) (*dsIndex, error) {
	n.indexes.builds.Add(1)
	var all []match.Record
	var private []int // positions in all
	err := tx.RecordKeys(ds.ID, func(r *Record) error {
		if r.Private {
			private = append(private, len(all))
		}
		all = append(all, matchRecord(r))
		return nil
	})
	if err != nil {
		return nil, err
	}
	e := newDSIndex(n.indexes.currentDict(), ds.Version, all, private)
	n.indexes.put(ds.ID, e)
	n.indexes.maybeReclaim()
	return e, nil
}

func (e *dsIndex) bytes() int64 {
	b := e.full.Bytes()
	if e.public != e.full {
		b += e.public.Bytes()
	}
	return b
}

// side returns the index a viewer matches against a data source: all its
// records when the viewer owns the data (its own or its offline
// partner's), else its public records in the populations of slots visible
// (a partner's, as its rules show them to the viewer). Records outside
// those populations and private records are not there at all: they cannot
// link two accounts, make a domain an umbrella or change a count.
func (n *Network) side(tx ReadTx, ds DataSource, owner bool, visible uint64) (*match.Index, error) {
	e, err := n.index(tx, ds)
	if err != nil {
		return nil, err
	}
	if owner {
		return e.full, nil
	}
	return e.view(visible), nil
}

// matchRecord is what the matcher needs of a record.
func matchRecord(r *Record) match.Record {
	mr := match.Record{ID: r.ID, Domains: r.Domains, NameKey: r.NameKey, OtherNameKeys: r.OtherNameKeys, Mask: r.Populations}
	if !r.RegistrationID.IsZero() {
		mr.RegID = r.RegistrationID.Scheme + ":" + r.RegistrationID.Value
	}
	return mr
}

// advance brings a cached index from version `from` to from+1 after a
// committed change of k records (upserted with their final membership and
// private marks, or deleted), in time proportional to k. Without a cached
// index at `from` (another change came first), it does nothing: the next
// read rebuilds from the store.
func (n *Network) advance(dataSourceID string, from int64, upserts []Record, deletes []string) {
	e := n.indexes.get(dataSourceID, from)
	if e == nil {
		return
	}
	ne := &dsIndex{version: from + 1, dict: e.dict, hasPrivate: e.hasPrivate}
	all := make([]match.Record, len(upserts))
	var public []match.Record
	publicDeletes := deletes
	for i := range upserts {
		all[i] = matchRecord(&upserts[i])
		if upserts[i].Private {
			ne.hasPrivate = true
			publicDeletes = append(slices.Clone(publicDeletes), upserts[i].ID)
		} else {
			public = append(public, all[i])
		}
	}
	ne.full = e.full.Apply(all, deletes)
	ne.public = ne.full
	if ne.hasPrivate {
		ne.public = e.public.Apply(public, publicDeletes)
	}
	// The partners' views follow: an upserted record enters a view (its
	// mask narrowed) or leaves it.
	for visible, old := range e.builtViews() {
		var in []match.Record
		out := slices.Clone(deletes)
		for i := range upserts {
			if r := all[i]; !upserts[i].Private && r.Mask&visible != 0 {
				r.Mask &= visible
				in = append(in, r)
			} else {
				out = append(out, r.ID)
			}
		}
		v := &viewIndex{idx: old.Apply(in, out)}
		v.once.Do(func() {})
		if ne.views == nil {
			ne.views = map[uint64]*viewIndex{}
		}
		ne.views[visible] = v
	}
	ne.size = ne.bytes()
	n.indexes.put(dataSourceID, ne)
	n.indexes.maybeReclaim()
}

// forget drops a deleted data source's indexes, and with them, in time,
// the keys only they held (reclaim).
func (n *Network) forget(dataSourceID string) {
	n.indexes.drop(dataSourceID)
	n.indexes.maybeReclaim()
}

// matchOptions are the network's matching rules for the data sources x
// and y, matched as the indexes xi and yi, with the pairs their users
// marked not the same company. A mark names two records but applies to
// their accounts, as resolved in xi and yi: over what this match sees of
// each side, never over records it does not see (a private record of the
// partner that links two of its public ones).
func (n *Network) matchOptions(x, y DataSource, xi, yi *match.Index) match.Options {
	opts := match.Options{NameMatching: n.cfg.nameMatching, MinConfidence: n.cfg.minConfidence}
	if marks := notSameMarks(x, y); len(marks) > 0 {
		opts.Exclude = excludeAccounts(marks, xi.AccountOf, yi.AccountOf)
	}
	return opts
}

// notSameMarks returns the pairs (x record, y record) that users of either
// side marked not the same company.
func notSameMarks(x, y DataSource) [][2]string {
	var marks [][2]string
	for _, m := range x.NotSame {
		if m.OtherDataSourceID == y.ID {
			marks = append(marks, [2]string{m.RecordID, m.OtherRecordID})
		}
	}
	for _, m := range y.NotSame {
		if m.OtherDataSourceID == x.ID {
			marks = append(marks, [2]string{m.OtherRecordID, m.RecordID})
		}
	}
	return marks
}

// excludeAccounts is match.Options.Exclude for marks applied to whole
// accounts: accountX and accountY give the records of a record's account,
// or nil when it is alone in it (or not there).
func excludeAccounts(marks [][2]string, accountX, accountY func(recordID string) []string) func(xID, yID string) bool {
	excluded := map[[2]string]bool{}
	for _, m := range marks {
		xs, ys := accountX(m[0]), accountY(m[1])
		if xs == nil {
			xs = []string{m[0]}
		}
		if ys == nil {
			ys = []string{m[1]}
		}
		for _, xr := range xs {
			for _, yr := range ys {
				excluded[[2]string{xr, yr}] = true
			}
		}
	}
	return func(xID, yID string) bool { return excluded[[2]string{xID, yID}] }
}

// OverlapMatrix is the account mapping matrix between the viewer's org and
// one partner: the number of distinct accounts in every pair of the
// viewer's populations and the partner's populations visible to it.
// Several records of one company count once. A count is computed from the
// viewer's records and from the partner's records that the viewer may
// see: those in the partner's populations visible to it, private ones
// left out. Both partners see the same number for a pair of populations
// when each shows the other every population its records are in and no
// private record; otherwise each counts what it is shown.
type OverlapMatrix struct {
	Partner string
	Rows    []PopulationInfo // the viewer's populations
	Cols    []PopulationInfo // the partner's populations the viewer may see
	// Counts[i][j] is the overlap of Rows[i] and Cols[j].
	Counts [][]int64
	// HiddenFromPartner[i][j] is how many of the accounts in Counts[i][j]
	// the partner does not see for the same pair: those matched through
	// the viewer's private records or records outside every population the
	// viewer shows the partner (a population hidden from it, Rows[i]
	// included). It is computed from the viewer's data and rules only; it
	// reads -1 where the partner's count policy does not release the
	// count exactly.
	HiddenFromPartner [][]int64
	// Release says, when the partner has a count policy for the viewer,
	// how each count was released (CountExact for the cells of
	// populations shared at a record level); nil when every count is
	// exact. Policy is the partner's policy that applied.
	Release [][]CountRelease
	Policy  CountPolicy
}

// Matrix returns the overlap matrix between the acting user's org and a
// partner: an accepted partner (showing the populations it does not hide),
// or one of the org's offline partners (showing all of them).
func (a *Actor) Matrix(ctx context.Context, partnerID string) (OverlapMatrix, error) {
	var m OverlapMatrix
	var viewer string
	var draws []cellDraw
	var policy CountPolicy
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		u, err := a.user(tx, 0)
		if err != nil {
			return err
		}
		viewer = u.OrgID
		m, draws, policy, err = a.n.matrix(tx, u.OrgID, partnerID)
		return err
	})
	if err != nil {
		return OverlapMatrix{}, err
	}
	if err := a.n.release(ctx, partnerID, viewer, &m, draws, policy); err != nil {
		return OverlapMatrix{}, err
	}
	return m, nil
}

// release applies the partner's count policy to the cells of m it
// governs: in memory for a threshold, in a transaction that keeps the
// partner's ledger when there is noise.
func (n *Network) release(ctx context.Context, owner, viewer string, m *OverlapMatrix, draws []cellDraw, policy CountPolicy) error {
	if len(draws) == 0 {
		return nil
	}
	if policy.Epsilon > 0 {
		return n.releaseCounts(ctx, owner, viewer, m, draws)
	}
	m.Policy = policy
	m.Release = make([][]CountRelease, len(m.Counts))
	for i := range m.Release {
		m.Release[i] = make([]CountRelease, len(m.Counts[i]))
	}
	for _, d := range draws {
		if d.count < policy.MinCellSize {
			m.Counts[d.i][d.j], m.Release[d.i][d.j] = -1, CountReleasedBelow
			m.HiddenFromPartner[d.i][d.j] = -1
		}
	}
	return nil
}

// Ecosystem returns the overlap matrix with every accepted partner and
// offline partner of the acting user's org, ordered by partner id.
func (a *Actor) Ecosystem(ctx context.Context) ([]OverlapMatrix, error) {
	var out []OverlapMatrix
	var pending []released
	var viewer string
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		u, err := a.user(tx, 0)
		if err != nil {
			return err
		}
		partners, err := partnerIDs(tx, u.OrgID)
		if err != nil {
			return err
		}
		mine, err := loadSide(tx, u.OrgID, u.OrgID)
		if err != nil {
			return err
		}
		sides := make([]side, len(partners))
		for i, p := range partners {
			if sides[i], err = loadSide(tx, u.OrgID, p); err != nil {
				return err
			}
			if sides[i].shown, err = shownTo(tx, u.OrgID, p); err != nil {
				return err
			}
		}
		results, err := a.n.ecosystemCounts(tx, mine, sides)
		if err != nil {
			return err
		}
		out, pending = out[:0], pending[:0]
		viewer = u.OrgID
		for i, p := range partners {
			m, draws, policy, err := a.n.matrixOf(tx, p, mine, sides[i], results)
			if err != nil {
				return err
			}
			out = append(out, m)
			pending = append(pending, released{p, draws, policy})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, p := range pending {
		if err := a.n.release(ctx, p.partner, viewer, &out[i], p.draws, p.policy); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// released is a matrix's cells under its partner's count policy.
type released struct {
	partner string
	draws   []cellDraw
	policy  CountPolicy
}

// pairKey names one overlap: the viewer's data source, a partner's, and
// the slots of each that the overlap reads (what the viewer may see of the
// partner's data source, what the partner is shown of the viewer's).
type pairKey struct {
	x, y          string
	yView, xShown uint64
}

// pairResult is one overlap with the viewer's records, and with the
// records the viewer shows the partner only (to tell what is hidden from
// the partner).
type pairResult struct{ counts, public match.Matrix }

// ecosystemCounts overlaps each of the viewer's data sources with every
// partner data source in one pass of the engine (match.Ecosystem) per
// group of partners that are shown the same populations of it. Pairs with
// "not the same company" marks need their own exclusions and are left to
// pairCounts.
func (n *Network) ecosystemCounts(tx ReadTx, mine side, partners []side) (map[pairKey]pairResult, error) {
	results := map[pairKey]pairResult{}
	for _, xID := range sortedKeys(mine.ds) {
		x := mine.ds[xID]
		xe, err := n.index(tx, x)
		if err != nil {
			return nil, err
		}
		type group struct {
			ys    []*match.Index
			keys  []pairKey
			owned []bool // y is the viewer's offline partner's: nothing is hidden from it
		}
		groups := map[uint64]*group{} // by the slots of x shown to the partners
		seen := map[pairKey]bool{}
		for _, ps := range partners {
			for _, yID := range sortedKeys(ps.ds) {
				y := ps.ds[yID]
				k := pairKey{x: xID, y: yID, yView: ps.visible[yID], xShown: ps.shown[xID]}
				if seen[k] || hasMarks(x, y) {
					continue
				}
				seen[k] = true
				yi, err := n.side(tx, y, ps.owned, k.yView)
				if err != nil {
					return nil, err
				}
				g := groups[k.xShown]
				if g == nil {
					g = &group{}
					groups[k.xShown] = g
				}
				g.ys, g.keys, g.owned = append(g.ys, yi), append(g.keys, k), append(g.owned, ps.owned)
			}
		}
		opts := match.Options{NameMatching: n.cfg.nameMatching, MinConfidence: n.cfg.minConfidence}
		for _, shown := range slices.Sorted(maps.Keys(groups)) {
			g := groups[shown]
			counts := match.Ecosystem(xe.full, g.ys, opts)
			public := match.Ecosystem(xe.view(shown), g.ys, opts)
			for i, k := range g.keys {
				r := pairResult{counts[i], public[i]}
				if g.owned[i] {
					r.public = r.counts
				}
				results[k] = r
			}
		}
	}
	return results, nil
}

// hasMarks reports whether users marked pairs of records of x and y as not
// the same company.
func hasMarks(x, y DataSource) bool {
	return slices.ContainsFunc(x.NotSame, func(m NotSameMark) bool { return m.OtherDataSourceID == y.ID }) ||
		slices.ContainsFunc(y.NotSame, func(m NotSameMark) bool { return m.OtherDataSourceID == x.ID })
}

// partnerIDs lists an org's accepted partners and offline partners, by id.
func partnerIDs(tx ReadTx, org string) ([]string, error) {
	ps, err := tx.Partnerships(org)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, p := range ps {
		if p.Status == Accepted {
			ids = append(ids, p.Other(org))
		}
	}
	offline, err := tx.OfflinePartners(org)
	if err != nil {
		return nil, err
	}
	for _, o := range offline {
		ids = append(ids, o.ID)
	}
	slices.Sort(ids)
	return ids, nil
}

// side is one org's populations in a matrix, grouped by data source.
type side struct {
	orgID string
	pops  []visiblePop
	ds    map[string]DataSource
	// owned: the viewer owns the data (its own, or its offline partner's).
	owned bool
	// visible are the slots of each data source that the viewer may see.
	visible map[string]uint64
	// shown are, for a partner's side, the slots of each of the viewer's
	// data sources that the partner is shown (nil for an offline partner,
	// which sees nothing).
	shown map[string]uint64
}

// loadSide loads what viewer sees of owner's account populations (people
// populations are matched apart: see people.go).
func loadSide(tx ReadTx, viewer, owner string) (side, error) {
	return loadSideOf(tx, viewer, owner, Accounts)
}

// loadSideOf loads what viewer sees of owner's populations of one subject.
func loadSideOf(tx ReadTx, viewer, owner string, subject Subject) (side, error) {
	vs, err := visiblePopulations(tx, viewer, owner)
	if err != nil {
		return side{}, err
	}
	s := side{orgID: owner, pops: vs, ds: map[string]DataSource{}, visible: map[string]uint64{}, owned: len(vs) > 0 && vs[0].view.owner}
	if !s.owned {
		rel, err := relationOf(tx, viewer, owner)
		if err != nil {
			return side{}, err
		}
		s.owned = rel == relSelf || rel == relOfflineOwner
	}
	for _, v := range vs {
		s.visible[v.pop.DataSourceID] |= 1 << uint(v.pop.Slot)
		if _, ok := s.ds[v.pop.DataSourceID]; ok {
			continue
		}
		ds, err := tx.DataSource(v.pop.DataSourceID)
		if err != nil {
			return side{}, err
		}
		s.ds[ds.ID] = ds
	}
	return s.only(subject), nil
}

// shownTo returns, for each data source of the viewer, the slots of its
// populations that partner may see (nothing for an offline partner).
func shownTo(tx ReadTx, viewer, partner string) (map[string]uint64, error) {
	rel, err := relationOf(tx, viewer, partner)
	if err != nil || rel != relPartner {
		return nil, err
	}
	vs, err := visiblePopulations(tx, partner, viewer)
	if err != nil {
		return nil, err
	}
	out := map[string]uint64{}
	for _, v := range vs {
		out[v.pop.DataSourceID] |= 1 << uint(v.pop.Slot)
	}
	return out, nil
}

// matrix computes the matrix of viewer against partner in one
// transaction, with the cells its count policy governs (to release with
// n.release).
func (n *Network) matrix(tx ReadTx, viewer, partner string) (OverlapMatrix, []cellDraw, CountPolicy, error) {
	if viewer == partner {
		return OverlapMatrix{}, nil, CountPolicy{}, fmt.Errorf("acctmap: matrix: an org is not its own partner: %w", ErrInvalidInput)
	}
	mine, err := loadSide(tx, viewer, viewer)
	if err != nil {
		return OverlapMatrix{}, nil, CountPolicy{}, err
	}
	theirs, err := loadSide(tx, viewer, partner)
	if err != nil {
		return OverlapMatrix{}, nil, CountPolicy{}, err
	}
	if theirs.shown, err = shownTo(tx, viewer, partner); err != nil {
		return OverlapMatrix{}, nil, CountPolicy{}, err
	}
	return n.matrixOf(tx, partner, mine, theirs, map[pairKey]pairResult{})
}

// matrixOf fills the matrix of the viewer's side against a partner's, with
// overlaps from results where present and computed (and added) otherwise.
// With a count policy of the partner's for the viewer, it returns the
// cells it governs (populations shared at counts only) and the policy.
func (n *Network) matrixOf(tx ReadTx, partner string, mine, theirs side, results map[pairKey]pairResult) (OverlapMatrix, []cellDraw, CountPolicy, error) {
	var policy CountPolicy
	if !theirs.owned {
		owner, err := tx.Org(partner)
		if err != nil {
			return OverlapMatrix{}, nil, CountPolicy{}, err
		}
		policy = policyFor(owner, mine.orgID)
	}
	m := OverlapMatrix{Partner: partner}
	var draws []cellDraw
	for _, v := range mine.pops {
		m.Rows = append(m.Rows, v.info())
	}
	for _, v := range theirs.pops {
		m.Cols = append(m.Cols, v.info())
	}
	m.Counts = grid(len(m.Rows), len(m.Cols))
	m.HiddenFromPartner = grid(len(m.Rows), len(m.Cols))
	// One overlap per pair of data sources serves all of its cells.
	for i, mv := range mine.pops {
		for j, tv := range theirs.pops {
			k := pairKey{x: mv.pop.DataSourceID, y: tv.pop.DataSourceID}
			k.yView, k.xShown = theirs.visible[k.y], theirs.shown[k.x]
			r, ok := results[k]
			if !ok {
				var err error
				r.counts, r.public, err = n.pairCounts(tx, mine.ds[k.x], theirs.ds[k.y], theirs.owned, k.yView, k.xShown, policy.Epsilon > 0)
				if err != nil {
					return OverlapMatrix{}, nil, CountPolicy{}, err
				}
				results[k] = r
			}
			si, sj := mv.pop.Slot, tv.pop.Slot
			m.Counts[i][j] = r.counts.At(si, sj)
			// Without the records it does not show, an account can split in
			// two (one of them may be what linked two domains), so the
			// difference can be negative: nothing is hidden then.
			m.HiddenFromPartner[i][j] = max(0, r.counts.At(si, sj)-r.public.At(si, sj))
			if policy.active() && tv.view.level == CountsOnly {
				d := cellDraw{i: i, j: j, count: m.Counts[i][j]}
				if policy.Epsilon > 0 {
					xd, yd, err := n.slotDigests(tx, mine.ds[k.x], theirs.ds[k.y], k.yView)
					if err != nil {
						return OverlapMatrix{}, nil, CountPolicy{}, err
					}
					d.digest = cellDigest(mv.pop.ID, tv.pop.ID, xd[si], yd[sj])
				}
				draws = append(draws, d)
			}
		}
	}
	return m, draws, policy, nil
}

// slotDigests returns the per-slot digests of the records a cell reads:
// all of the viewer's data source x, and what it may see of y.
func (n *Network) slotDigests(tx ReadTx, x, y DataSource, yView uint64) (xd, yd [64]uint64, err error) {
	xe, err := n.index(tx, x)
	if err != nil {
		return xd, yd, err
	}
	yi, err := n.side(tx, y, false, yView)
	if err != nil {
		return xd, yd, err
	}
	return xe.full.SlotDigests(), yi.SlotDigests(), nil
}

// pairCounts overlaps the viewer's data source x (all its records) with
// y as the viewer sees it (ownsY: all of it, the viewer's offline
// partner's; else its public records in the slots of yView). public is
// the same with x as the partner is shown it: its public records in the
// slots of xShown.
func (n *Network) pairCounts(tx ReadTx, x, y DataSource, ownsY bool, yView, xShown uint64, inMemory bool) (counts, public match.Matrix, err error) {
	// In the store, when it can (pushdown.go); else in memory. A noisy
	// count policy draws from the indexes' digests: in memory then.
	if !inMemory {
		if c, p, ok, err := n.pushdown(tx, x, y, ownsY, yView, xShown); ok || err != nil {
			return c, p, err
		}
	}
	xe, err := n.index(tx, x)
	if err != nil {
		return match.Matrix{}, match.Matrix{}, err
	}
	yi, err := n.side(tx, y, ownsY, yView)
	if err != nil {
		return match.Matrix{}, match.Matrix{}, err
	}
	counts = match.Overlap(xe.full, yi, n.matchOptions(x, y, xe.full, yi))
	if ownsY {
		return counts, counts, nil
	}
	xs := xe.view(xShown)
	return counts, match.Overlap(xs, yi, n.matchOptions(x, y, xs, yi)), nil
}

func grid(rows, cols int) [][]int64 {
	g := make([][]int64, rows)
	for i := range g {
		g[i] = make([]int64, cols)
	}
	return g
}

// MarkNotSameCompany records that a record of the acting user's org and a
// partner's record are not the same company: from then on the pair counts
// for neither side. Either side can mark a pair, and either can undo it
// with UnmarkNotSameCompany.
func (a *Actor) MarkNotSameCompany(ctx context.Context, myDataSourceID, myRecordID, partnerDataSourceID, partnerRecordID string) error {
	return a.n.store.Update(ctx, func(tx Tx) error {
		u, ds, other, err := a.markTarget(tx, myDataSourceID, partnerDataSourceID)
		if err != nil {
			return err
		}
		if _, err := tx.Record(ds.ID, myRecordID); err != nil {
			return fmt.Errorf("acctmap: mark not same company: %w", err)
		}
		mark := NotSameMark{RecordID: myRecordID, OtherDataSourceID: other.ID, OtherRecordID: partnerRecordID, MarkedBy: u.ID, MarkedAt: a.n.now()}
		if slices.ContainsFunc(ds.NotSame, func(m NotSameMark) bool { return sameMark(m, mark) }) {
			return nil // marked already: the pair no longer matches
		}
		if err := a.n.markable(tx, u.OrgID, ds, myRecordID, other, partnerRecordID); err != nil {
			return err
		}
		ds.NotSame = append(slices.Clone(ds.NotSame), mark)
		return tx.PutDataSource(ds)
	})
}

// markable checks that the viewer may name the partner's record in a mark:
// one it could have seen with its id, in a report or a partner records
// listing. The record must be public, in a population of the partner's
// data source that the partner shares with the viewer at a record level
// with its "id" field, and, unless that population is shared in full,
// matched with the viewer's record. Otherwise it is answered as a record
// that does not exist: a mark on a guessed id must not tell whether it
// exists, nor change what the viewer's counts say about it.
func (n *Network) markable(tx ReadTx, viewer string, x DataSource, xRec string, y DataSource, yRec string) error {
	notFound := fmt.Errorf("acctmap: mark not same company: record %.80q of data source %.80q: %w", yRec, y.ID, ErrNotFound)
	theirs, err := loadSide(tx, viewer, y.OrgID)
	if err != nil {
		return err
	}
	if theirs.owned {
		return nil // the viewer's offline partner: its data is the viewer's
	}
	r, err := tx.Record(y.ID, yRec)
	if errors.Is(err, ErrNotFound) {
		return notFound
	}
	if err != nil {
		return err
	}
	var overlapping uint64 // slots shared at OverlappingRecords with the id
	for _, v := range theirs.pops {
		if v.pop.DataSourceID != y.ID || r.Private || r.Populations&(1<<uint(v.pop.Slot)) == 0 || !slices.Contains(v.view.fields, FieldID) {
			continue
		}
		switch v.view.level {
		case FullPopulation:
			return nil
		case OverlappingRecords:
			overlapping |= 1 << uint(v.pop.Slot)
		}
	}
	if overlapping == 0 {
		return notFound
	}
	xe, err := n.index(tx, x)
	if err != nil {
		return err
	}
	yi, err := n.side(tx, y, false, theirs.visible[y.ID])
	if err != nil {
		return err
	}
	for _, m := range match.Matches(xe.full, yi, n.matchOptions(x, y, xe.full, yi), ^uint64(0), overlapping) {
		if slices.Contains(m.X, xRec) && slices.Contains(m.Y, yRec) {
			return nil
		}
	}
	return notFound
}

// UnmarkNotSameCompany undoes MarkNotSameCompany, whichever side marked
// the pair.
func (a *Actor) UnmarkNotSameCompany(ctx context.Context, myDataSourceID, myRecordID, partnerDataSourceID, partnerRecordID string) error {
	return a.n.store.Update(ctx, func(tx Tx) error {
		_, ds, other, err := a.markTarget(tx, myDataSourceID, partnerDataSourceID)
		if err != nil {
			return err
		}
		found := false
		drop := func(d DataSource, rec, otherDS, otherRec string) error {
			m := NotSameMark{RecordID: rec, OtherDataSourceID: otherDS, OtherRecordID: otherRec}
			kept := slices.DeleteFunc(slices.Clone(d.NotSame), func(x NotSameMark) bool { return sameMark(x, m) })
			if len(kept) == len(d.NotSame) {
				return nil
			}
			found = true
			d.NotSame = kept
			return tx.PutDataSource(d)
		}
		if err := drop(ds, myRecordID, other.ID, partnerRecordID); err != nil {
			return err
		}
		if err := drop(other, partnerRecordID, ds.ID, myRecordID); err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("acctmap: unmark not same company: no such mark: %w", ErrNotFound)
		}
		return nil
	})
}

func sameMark(a, b NotSameMark) bool {
	return a.RecordID == b.RecordID && a.OtherDataSourceID == b.OtherDataSourceID && a.OtherRecordID == b.OtherRecordID
}

// markTarget checks that the acting user may mark pairs between its own
// data source and a partner's (or its offline partner's) data source.
func (a *Actor) markTarget(tx ReadTx, mine, theirs string) (User, DataSource, DataSource, error) {
	u, ds, err := a.dataSourceFor(tx, ManageDataSources, mine)
	if err != nil {
		return User{}, DataSource{}, DataSource{}, err
	}
	// A data source of an org that is neither a partner nor an offline
	// partner of the data's owner is answered as one that does not exist.
	notFound := fmt.Errorf("acctmap: data source %.80q: %w", theirs, ErrNotFound)
	other, err := tx.DataSource(theirs)
	if errors.Is(err, ErrNotFound) {
		return User{}, DataSource{}, DataSource{}, notFound
	}
	if err != nil {
		return User{}, DataSource{}, DataSource{}, err
	}
	rel, err := relationOf(tx, ds.OrgID, other.OrgID)
	if err != nil {
		return User{}, DataSource{}, DataSource{}, err
	}
	switch rel {
	case relSelf:
		return User{}, DataSource{}, DataSource{}, fmt.Errorf("acctmap: data source %.80q is your own: marks are between your records and a partner's: %w", theirs, ErrInvalidInput)
	case relNone:
		return User{}, DataSource{}, DataSource{}, notFound
	}
	return u, ds, other, nil
}
