package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/acctmap/acctmap"
)

// reader is the ReadTx of a View, and the read half of a writer.
type reader struct {
	ctx  context.Context
	st   *state
	done bool // set when fn returns: the lock is no longer held
}

// check reports why the transaction may not run an operation: it has
// ended, or its ctx is done.
func (r *reader) check() error {
	if r.done {
		return errTxDone
	}
	return r.ctx.Err()
}

func byID[V any](id func(V) string) func(a, b V) int {
	return func(a, b V) int { return cmp.Compare(id(a), id(b)) }
}

var (
	orgByID  = byID(func(o acctmap.Org) string { return o.ID })
	userByID = byID(func(u acctmap.User) string { return u.ID })
	dsByID   = byID(func(d acctmap.DataSource) string { return d.ID })
	popByID  = byID(func(p acctmap.Population) string { return p.ID })
)

func (r *reader) Org(id string) (acctmap.Org, error) {
	if err := r.check(); err != nil {
		return acctmap.Org{}, err
	}
	o, ok := r.st.orgs.rows[id]
	if !ok {
		return acctmap.Org{}, notFound("org", id)
	}
	return cloneOrg(o), nil
}

func (r *reader) Orgs() ([]acctmap.Org, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	out := make([]acctmap.Org, 0, len(r.st.orgs.rows))
	for _, o := range r.st.orgs.rows {
		out = append(out, cloneOrg(o))
	}
	slices.SortFunc(out, orgByID)
	return out, nil
}

func (r *reader) OfflinePartners(ownerID string) ([]acctmap.Org, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	if ownerID == "" {
		// Every org on the network has OfflineOf "": none of them is
		// an offline partner of the org whose id is "".
		return nil, nil
	}
	out := cloneAll(r.st.orgs.list(0, ownerID), cloneOrg)
	slices.SortFunc(out, orgByID)
	return out, nil
}

func (r *reader) User(id string) (acctmap.User, error) {
	if err := r.check(); err != nil {
		return acctmap.User{}, err
	}
	u, ok := r.st.users.rows[id]
	if !ok {
		return acctmap.User{}, notFound("user", id)
	}
	return cloneUser(u), nil
}

func (r *reader) Users(orgID string) ([]acctmap.User, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	out := cloneAll(r.st.users.list(0, orgID), cloneUser)
	slices.SortFunc(out, userByID)
	return out, nil
}

func partnershipNotFound(a, b string) error {
	return fmt.Errorf("memstore: partnership of %.60q and %.60q: %w", a, b, acctmap.ErrNotFound)
}

func (r *reader) Partnership(a, b string) (acctmap.Partnership, error) {
	if err := r.check(); err != nil {
		return acctmap.Partnership{}, err
	}
	p, ok := r.st.partners.rows[pairOf(a, b)]
	if !ok {
		return acctmap.Partnership{}, partnershipNotFound(a, b)
	}
	return clonePartnership(p), nil
}

func (r *reader) Partnerships(orgID string) ([]acctmap.Partnership, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	// Either index of the table will do: both sides share one map.
	out := cloneAll(r.st.partners.list(0, orgID), clonePartnership)
	slices.SortFunc(out, func(a, b acctmap.Partnership) int {
		return cmp.Or(cmp.Compare(a.Other(orgID), b.Other(orgID)), cmp.Compare(a.Inviter, b.Inviter))
	})
	return out, nil
}

func (r *reader) DataSource(id string) (acctmap.DataSource, error) {
	if err := r.check(); err != nil {
		return acctmap.DataSource{}, err
	}
	d, ok := r.st.sources.rows[id]
	if !ok {
		return acctmap.DataSource{}, notFound("data source", id)
	}
	return cloneDataSource(d), nil
}

func (r *reader) DataSources(orgID string) ([]acctmap.DataSource, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	out := cloneAll(r.st.sources.list(0, orgID), cloneDataSource)
	slices.SortFunc(out, dsByID)
	return out, nil
}

func (r *reader) Population(id string) (acctmap.Population, error) {
	if err := r.check(); err != nil {
		return acctmap.Population{}, err
	}
	p, ok := r.st.pops.rows[id]
	if !ok {
		return acctmap.Population{}, notFound("population", id)
	}
	return clonePopulation(p), nil
}

func (r *reader) Populations(orgID string) ([]acctmap.Population, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	out := cloneAll(r.st.pops.list(0, orgID), clonePopulation)
	slices.SortFunc(out, popByID)
	return out, nil
}

// recordSet returns the records of a data source, or ErrNotFound.
func (r *reader) recordSet(dataSourceID string) (*recordSet, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	rs, ok := r.st.records[dataSourceID]
	if !ok {
		return nil, notFound("data source", dataSourceID)
	}
	return rs, nil
}

func (r *reader) Record(dataSourceID, recordID string) (acctmap.Record, error) {
	rs, err := r.recordSet(dataSourceID)
	if err != nil {
		return acctmap.Record{}, err
	}
	i, ok := rs.pos[recordID]
	if !ok {
		return acctmap.Record{}, fmt.Errorf("memstore: record %.60q of data source %.60q: %w", recordID, dataSourceID, acctmap.ErrNotFound)
	}
	var rec acctmap.Record
	rs.cols.decode(&rs.recs[i], &rec, true, nil)
	return rec, nil
}

// ctxCheckEvery is how many records Records scans between checks of ctx:
// often enough to stop a scan of millions promptly, rarely enough to cost
// nothing.
const ctxCheckEvery = 1 << 12

func (r *reader) Records(dataSourceID string, fn func(*acctmap.Record) error) error {
	return r.scan(dataSourceID, true, fn)
}

// scan calls fn with every record of a data source, materialized afresh
// (with its Fields or not).
func (r *reader) scan(dataSourceID string, withFields bool, fn func(*acctmap.Record) error) error {
	rs, err := r.recordSet(dataSourceID)
	if err != nil {
		return err
	}
	// fn gets a Record reused from call to call (the contract makes it
	// valid only during the call); the slices and map in it are new
	// every time, since fn may keep them.
	var rec acctmap.Record
	var chunk []string
	// len is read on every turn so that a fn breaking the contract by
	// deleting records through the Tx cannot make the scan panic.
	for i := 0; i < len(rs.recs); i++ {
		if i%ctxCheckEvery == ctxCheckEvery-1 {
			if err := r.ctx.Err(); err != nil {
				return err
			}
		}
		rs.cols.decode(&rs.recs[i], &rec, withFields, &chunk)
		if err := fn(&rec); err != nil {
			return err
		}
	}
	return nil
}

// ScanRecords is Records into one Record, map and list buffer reused for
// every record (acctmap.ScanTx): a population's evaluation allocates
// nothing per record.
func (r *reader) ScanRecords(dataSourceID string, fn func(*acctmap.Record) error) error {
	rs, err := r.recordSet(dataSourceID)
	if err != nil {
		return err
	}
	var rec acctmap.Record
	var sr scratchRecord
	for i := 0; i < len(rs.recs); i++ { // len on every turn, as in scan
		if i%ctxCheckEvery == ctxCheckEvery-1 {
			if err := r.ctx.Err(); err != nil {
				return err
			}
		}
		rs.cols.decodeReused(&rs.recs[i], &rec, &sr)
		if err := fn(&rec); err != nil {
			return err
		}
	}
	return nil
}

var _ acctmap.ScanTx = (*reader)(nil)

// RecordKeys is Records without Fields: not materializing them saves a
// map per record.
func (r *reader) RecordKeys(dataSourceID string, fn func(*acctmap.Record) error) error {
	return r.scan(dataSourceID, false, fn)
}

func (r *reader) RecordsByID(dataSourceID string, ids []string, fn func(*acctmap.Record) error) error {
	rs, err := r.recordSet(dataSourceID)
	if err != nil {
		return err
	}
	seen := make(map[string]struct{}, len(ids))
	var rec acctmap.Record // as in Records
	var chunk []string
	for k, id := range ids {
		if k%ctxCheckEvery == ctxCheckEvery-1 {
			if err := r.ctx.Err(); err != nil {
				return err
			}
		}
		i, ok := rs.pos[id]
		if _, dup := seen[id]; !ok || dup || i >= len(rs.recs) {
			continue
		}
		seen[id] = struct{}{}
		rs.cols.decode(&rs.recs[i], &rec, true, &chunk)
		if err := fn(&rec); err != nil {
			return err
		}
	}
	return nil
}

func (r *reader) CountRecords(dataSourceID string) (int, error) {
	rs, err := r.recordSet(dataSourceID)
	if err != nil {
		return 0, err
	}
	return len(rs.recs), nil
}
