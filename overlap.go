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
	private      int    // private records
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
	private := 0
	err := tx.Records(ds.ID, func(r *Record) error {
		mr := match.Record{ID: r.ID, Domains: r.Domains, NameKey: r.NameKey, Mask: r.Populations}
		if !r.RegistrationID.IsZero() {
			mr.RegID = r.RegistrationID.Scheme + ":" + r.RegistrationID.Value
		}
		all = append(all, mr)
		if r.Private {
			private++
		} else {
			public = append(public, mr)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	e := &dsIndex{version: ds.Version, full: match.Build(n.dict, all), private: private}
	e.public, e.size = e.full, e.full.Bytes()
	if private > 0 {
		e.public = match.Build(n.dict, public)
		e.size += e.public.Bytes()
	}
	n.indexes.put(ds.ID, e)
	return e, nil
}

// forget drops a deleted data source's indexes.
func (n *Network) forget(dataSourceID string) { n.indexes.drop(dataSourceID) }

// matchOptions are the network's matching rules for the pair of data
// sources (x, y), with the pairs users of either marked not the same.
func (n *Network) matchOptions(x, y DataSource) match.Options {
	excluded := map[[2]string]bool{}
	for _, m := range x.NotSame {
		if m.OtherDataSourceID == y.ID {
			excluded[[2]string{m.RecordID, m.OtherRecordID}] = true
		}
	}
	for _, m := range y.NotSame {
		if m.OtherDataSourceID == x.ID {
			excluded[[2]string{m.OtherRecordID, m.RecordID}] = true
		}
	}
	opts := match.Options{NameMatching: n.cfg.nameMatching, MinConfidence: n.cfg.minConfidence}
	if len(excluded) > 0 {
		opts.Exclude = func(xID, yID string) bool { return excluded[[2]string{xID, yID}] }
	}
	return opts
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
	// HiddenFromPartner[i][j] is how many of Counts[i][j] are matches on
	// the viewer's private records, which the partner does not see.
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
		out = out[:0]
		for _, p := range partners {
			m, err := a.n.matrix(tx, u.OrgID, p)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return nil
	})
	return out, err
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
	type pair struct{ x, y string }
	type result struct{ counts, public match.Matrix }
	results := map[pair]result{}
	for i, mv := range mine.pops {
		for j, tv := range theirs.pops {
			p := pair{mv.pop.DataSourceID, tv.pop.DataSourceID}
			r, ok := results[p]
			if !ok {
				r.counts, r.public, err = n.pairCounts(tx, mine.ds[p.x], theirs.ds[p.y], tv.view.owner)
				if err != nil {
					return OverlapMatrix{}, err
				}
				results[p] = r
			}
			si, sj := mv.pop.Slot, tv.pop.Slot
			m.Counts[i][j] = r.counts.At(si, sj)
			m.HiddenFromPartner[i][j] = r.counts.At(si, sj) - r.public.At(si, sj)
		}
	}
	return m, nil
}

// pairCounts overlaps the viewer's data source x (all its records) with
// the partner's y (its public records, or all of them for the viewer's own
// offline partner). hidden is the same with x's public records only.
func (n *Network) pairCounts(tx ReadTx, x, y DataSource, ownsY bool) (counts, public match.Matrix, err error) {
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
	opts := n.matchOptions(x, y)
	counts = match.Overlap(xi.full, ys, opts)
	public = counts
	if xi.private > 0 && !ownsY {
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
	other, err := tx.DataSource(theirs)
	if errors.Is(err, ErrNotFound) {
		return User{}, DataSource{}, DataSource{}, fmt.Errorf("acctmap: data source %q: %w", theirs, ErrNotFound)
	}
	if err != nil {
		return User{}, DataSource{}, DataSource{}, err
	}
	rel, err := relationOf(tx, ds.OrgID, other.OrgID)
	if err != nil {
		return User{}, DataSource{}, DataSource{}, err
	}
	if rel == relNone || rel == relSelf {
		return User{}, DataSource{}, DataSource{}, fmt.Errorf("acctmap: data source %q is not a partner's: %w", theirs, ErrNotPartners)
	}
	return u, ds, other, nil
}
