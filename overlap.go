package acctmap

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/acctmap/acctmap/internal/match"
)

// Confidence levels of a match, highest first. Every matched account in a
// report carries one; WithMinConfidence sets the lowest that counts.
const (
	// ConfidenceRegistrationID: both records carry the same registration id.
	ConfidenceRegistrationID = match.ConfRegistrationID
	// ConfidenceDomainAndName: a shared domain, and the names agree.
	ConfidenceDomainAndName = match.ConfDomainAndName
	// ConfidenceDomain: a shared domain; a name is missing, or the names
	// agree partly ("Crohnology by Healthy Labs" / "Crohnology").
	ConfidenceDomain = match.ConfDomain
	// ConfidenceDomainNameMismatch: a shared domain with names that clearly
	// disagree — a renamed company (Curebit on talkable.com), but also a
	// fund on its sponsor's site or an agency. Counted by default.
	ConfidenceDomainNameMismatch = match.ConfDomainNameMismatch
	// ConfidenceNameOnly: equal name keys, one record without a domain.
	// Counted only with WithNameMatching.
	ConfidenceNameOnly = match.ConfNameOnly
)

// indexCache holds the matcher's index of each data source, valid for one
// version of it. Indexes hold keys and membership only — no field values —
// and are rebuilt when the version read in the caller's transaction
// differs, so nothing stale is ever used. The least recently used indexes
// are dropped when their size passes the budget.
type indexCache struct {
	mu     sync.Mutex
	m      map[string]*dsIndex
	budget int64 // bytes
	bytes  int64
	clock  uint64 // use counter, for LRU
}

// dsIndex is one version of a data source's indexes: all its records, and
// the records partners may see (without the private ones).
type dsIndex struct {
	version      int64
	full, public *match.Index
	hasPrivate   bool   // public differs from full
	size         int64  // bytes of full and public
	used         uint64 // indexCache.clock at the last use
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

// index returns the indexes of ds at the version the transaction sees.
func (n *Network) index(tx ReadTx, ds DataSource) (*dsIndex, error) {
	if e := n.indexes.get(ds.ID, ds.Version); e != nil {
		return e, nil
	}
	var all, public []match.Record
	err := tx.RecordKeys(ds.ID, func(r *Record) error {
		mr := matchRecord(r)
		all = append(all, mr)
		if !r.Private {
			public = append(public, mr)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	e := &dsIndex{version: ds.Version, full: match.Build(n.dict, all), hasPrivate: len(public) < len(all)}
	e.public = e.full
	if e.hasPrivate {
		e.public = match.Build(n.dict, public)
	}
	e.size = e.bytes()
	n.indexes.put(ds.ID, e)
	return e, nil
}

func (e *dsIndex) bytes() int64 {
	b := e.full.Bytes()
	if e.public != e.full {
		b += e.public.Bytes()
	}
	return b
}

// matchRecord is what the matcher needs of a record.
func matchRecord(r *Record) match.Record {
	mr := match.Record{ID: r.ID, Domains: r.Domains, NameKey: r.NameKey, Mask: r.Populations}
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
	ne := &dsIndex{version: from + 1, hasPrivate: e.hasPrivate}
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
	ne.size = ne.bytes()
	n.indexes.put(dataSourceID, ne)
}

// forget drops a deleted data source's indexes.
func (n *Network) forget(dataSourceID string) { n.indexes.drop(dataSourceID) }

// matchOptions are the network's matching rules for the data sources x
// and y, with the pairs their users marked not the same company. A mark
// names two records but applies to their accounts as resolved over all
// records (xFull, yFull): it holds in every view, including those that
// leave private records — possibly the marked ones — out.
func (n *Network) matchOptions(x, y DataSource, xFull, yFull *match.Index) match.Options {
	opts := match.Options{NameMatching: n.cfg.nameMatching, MinConfidence: n.cfg.minConfidence}
	if marks := notSameMarks(x, y); len(marks) > 0 {
		opts.Exclude = excludeAccounts(marks, xFull.AccountOf, yFull.AccountOf)
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
// or nil when it is alone in it.
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
// Several records of one company count once, and both partners see the
// same number for the same pair of populations — except for matches on
// private records, which the owner sees and its partner does not.
type OverlapMatrix struct {
	Partner string
	Rows    []PopulationInfo // the viewer's populations
	Cols    []PopulationInfo // the partner's populations the viewer may see
	// Counts[i][j] is the overlap of Rows[i] and Cols[j].
	Counts [][]int64
	// HiddenFromPartner[i][j] is how many more accounts the viewer counts
	// in Counts[i][j] than the partner counts for the same pair, because
	// of the viewer's private records, which the partner does not see.
	HiddenFromPartner [][]int64
}

// Matrix returns the overlap matrix between the acting user's org and a
// partner: an accepted partner (showing the populations it does not hide),
// or one of the org's offline partners (showing all of them).
func (a *Actor) Matrix(ctx context.Context, partnerID string) (OverlapMatrix, error) {
	var m OverlapMatrix
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		u, err := a.user(tx, 0)
		if err != nil {
			return err
		}
		m, err = a.n.matrix(tx, u.OrgID, partnerID)
		return err
	})
	return m, err
}

// Ecosystem returns the overlap matrix with every accepted partner and
// offline partner of the acting user's org, ordered by partner id.
func (a *Actor) Ecosystem(ctx context.Context) ([]OverlapMatrix, error) {
	var out []OverlapMatrix
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
		}
		results, err := a.n.ecosystemCounts(tx, mine, sides)
		if err != nil {
			return err
		}
		out = out[:0]
		for i, p := range partners {
			m, err := a.n.matrixOf(tx, p, mine, sides[i], results)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return nil
	})
	return out, err
}

// dsPair names the data sources of one overlap: the viewer's and a partner's.
type dsPair struct{ x, y string }

// pairResult is one overlap with the viewer's records, and with its public
// records only (to tell what is hidden from the partner).
type pairResult struct{ counts, public match.Matrix }

// ecosystemCounts overlaps each of the viewer's data sources with every
// partner data source in one pass of the engine (match.Ecosystem). Pairs
// with "not the same company" marks need their own exclusions and are left
// to pairCounts.
func (n *Network) ecosystemCounts(tx ReadTx, mine side, partners []side) (map[dsPair]pairResult, error) {
	results := map[dsPair]pairResult{}
	for _, xID := range sortedKeys(mine.ds) {
		x := mine.ds[xID]
		xi, err := n.index(tx, x)
		if err != nil {
			return nil, err
		}
		var ys []*match.Index
		var pairs []dsPair
		var owned []bool // y is the viewer's offline partner's: nothing is hidden from it
		seen := map[string]bool{}
		for _, ps := range partners {
			owns := len(ps.pops) > 0 && ps.pops[0].view.owner
			for _, yID := range sortedKeys(ps.ds) {
				y := ps.ds[yID]
				if seen[yID] || hasMarks(x, y) {
					continue
				}
				seen[yID] = true
				yi, err := n.index(tx, y)
				if err != nil {
					return nil, err
				}
				if owns {
					ys = append(ys, yi.full)
				} else {
					ys = append(ys, yi.public)
				}
				pairs = append(pairs, dsPair{xID, yID})
				owned = append(owned, owns)
			}
		}
		if len(ys) == 0 {
			continue
		}
		opts := match.Options{NameMatching: n.cfg.nameMatching, MinConfidence: n.cfg.minConfidence}
		counts := match.Ecosystem(xi.full, ys, opts)
		public := counts
		if xi.hasPrivate {
			public = match.Ecosystem(xi.public, ys, opts)
		}
		for i, p := range pairs {
			r := pairResult{counts[i], public[i]}
			if owned[i] {
				r.public = r.counts
			}
			results[p] = r
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
	pops []visiblePop
	ds   map[string]DataSource
}

func loadSide(tx ReadTx, viewer, owner string) (side, error) {
	vs, err := visiblePopulations(tx, viewer, owner)
	if err != nil {
		return side{}, err
	}
	s := side{pops: vs, ds: map[string]DataSource{}}
	for _, v := range vs {
		if _, ok := s.ds[v.pop.DataSourceID]; ok {
			continue
		}
		ds, err := tx.DataSource(v.pop.DataSourceID)
		if err != nil {
			return side{}, err
		}
		s.ds[ds.ID] = ds
	}
	return s, nil
}

// matrix computes the matrix of viewer against partner in one transaction.
func (n *Network) matrix(tx ReadTx, viewer, partner string) (OverlapMatrix, error) {
	if viewer == partner {
		return OverlapMatrix{}, fmt.Errorf("acctmap: matrix: an org is not its own partner: %w", ErrInvalidInput)
	}
	mine, err := loadSide(tx, viewer, viewer)
	if err != nil {
		return OverlapMatrix{}, err
	}
	theirs, err := loadSide(tx, viewer, partner)
	if err != nil {
		return OverlapMatrix{}, err
	}
	return n.matrixOf(tx, partner, mine, theirs, map[dsPair]pairResult{})
}

// matrixOf fills the matrix of the viewer's side against a partner's, with
// overlaps from results where present and computed (and added) otherwise.
func (n *Network) matrixOf(tx ReadTx, partner string, mine, theirs side, results map[dsPair]pairResult) (OverlapMatrix, error) {
	m := OverlapMatrix{Partner: partner}
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
			p := dsPair{mv.pop.DataSourceID, tv.pop.DataSourceID}
			r, ok := results[p]
			if !ok {
				var err error
				r.counts, r.public, err = n.pairCounts(tx, mine.ds[p.x], theirs.ds[p.y], tv.view.owner)
				if err != nil {
					return OverlapMatrix{}, err
				}
				results[p] = r
			}
			si, sj := mv.pop.Slot, tv.pop.Slot
			m.Counts[i][j] = r.counts.At(si, sj)
			// Without its private records an account can split in two (a
			// private record may be what linked two domains), so the
			// difference can be negative: nothing is hidden then.
			m.HiddenFromPartner[i][j] = max(0, r.counts.At(si, sj)-r.public.At(si, sj))
		}
	}
	return m, nil
}

// pairCounts overlaps the viewer's data source x (all its records) with
// the partner's y (its public records, or all of them for the viewer's own
// offline partner). hidden is the same with x's public records only.
func (n *Network) pairCounts(tx ReadTx, x, y DataSource, ownsY bool) (counts, public match.Matrix, err error) {
	// In the store, when it can (pushdown.go); else in memory.
	if c, p, ok, err := n.pushdown(tx, x, y, ownsY); ok || err != nil {
		return c, p, err
	}
	xi, err := n.index(tx, x)
	if err != nil {
		return match.Matrix{}, match.Matrix{}, err
	}
	yi, err := n.index(tx, y)
	if err != nil {
		return match.Matrix{}, match.Matrix{}, err
	}
	ys := yi.public
	if ownsY {
		ys = yi.full
	}
	opts := n.matchOptions(x, y, xi.full, yi.full)
	counts = match.Overlap(xi.full, ys, opts)
	public = counts
	if xi.hasPrivate && !ownsY {
		public = match.Overlap(xi.public, ys, opts)
	}
	return counts, public, nil
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
			return nil
		}
		ds.NotSame = append(slices.Clone(ds.NotSame), mark)
		return tx.PutDataSource(ds)
	})
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
