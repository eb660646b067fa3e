package boltstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/acctmap/acctmap"
)

// errTxDone is returned by a transaction used after its fn returned.
var errTxDone = errors.New("boltstore: transaction used after its function returned")

// errInScan is returned by a write made from the function of a Records,
// RecordKeys or RecordsByID scan, which the contract forbids: it would
// move the bbolt cursor under the scan.
var errInScan = errors.New("boltstore: write in the function of a record scan")

// reader is the ReadTx of a View, and the read half of a writer.
type reader struct {
	ctx   context.Context
	tx    *bolt.Tx
	done  bool // set when fn returns: the bbolt transaction is closed
	scans int  // record scans running, whose fn is being called
}

// check reports why the transaction may not run an operation: it has
// ended, or its ctx is done.
func (r *reader) check() error {
	if r.done {
		return errTxDone
	}
	return r.ctx.Err()
}

func notFound(kind, id string) error {
	return fmt.Errorf("boltstore: %s %.40q: %w", kind, id, acctmap.ErrNotFound)
}

func corrupt(kind, id string, err error) error {
	return fmt.Errorf("boltstore: %s %.40q: %w: %v", kind, id, ErrCorrupt, err)
}

// getItem reads the item under idKey(id) in a primary bucket.
func getItem[T any](r *reader, bucket []byte, kind, id string, decode func([]byte) (T, error)) (T, error) {
	var zero T
	if err := r.check(); err != nil {
		return zero, err
	}
	v := r.tx.Bucket(bucket).Get(idKey(id))
	if v == nil {
		return zero, notFound(kind, id)
	}
	x, err := decode(v)
	if err != nil {
		return zero, corrupt(kind, id, err)
	}
	return x, nil
}

// childIDs returns the second ids of the keys of index that start with
// parent, in order: the ids of parent's children.
func (r *reader) childIDs(index []byte, parent string) ([]string, error) {
	prefix := tupleKey(parent)
	var ids []string
	c := r.tx.Bucket(index).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		id, rest, err := splitTuplePart(k[len(prefix):])
		if err != nil || len(rest) != 0 {
			return nil, fmt.Errorf("boltstore: index %s: key %.40q: %w", index, k, ErrCorrupt)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// listChildren returns the items of a primary bucket whose ids an index
// lists under parent, in id order.
func listChildren[T any](r *reader, index []byte, parent string, bucket []byte, kind string, decode func([]byte) (T, error)) ([]T, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	ids, err := r.childIDs(index, parent)
	if err != nil {
		return nil, err
	}
	b := r.tx.Bucket(bucket)
	out := make([]T, 0, len(ids))
	for _, id := range ids {
		v := b.Get(idKey(id))
		if v == nil {
			return nil, fmt.Errorf("boltstore: index %s lists %s %.40q, which does not exist: %w", index, kind, id, ErrCorrupt)
		}
		x, err := decode(v)
		if err != nil {
			return nil, corrupt(kind, id, err)
		}
		out = append(out, x)
	}
	return out, nil
}

func (r *reader) Org(id string) (acctmap.Org, error) {
	return getItem(r, bucketOrgs, "org", id, decodeOrg)
}

func (r *reader) Orgs() ([]acctmap.Org, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	var out []acctmap.Org
	err := r.tx.Bucket(bucketOrgs).ForEach(func(k, v []byte) error {
		o, err := decodeOrg(v)
		if err != nil {
			return corrupt("org", string(k), err)
		}
		out = append(out, o)
		return nil
	})
	return out, err
}

func (r *reader) OfflinePartners(ownerID string) ([]acctmap.Org, error) {
	if ownerID == "" {
		// Orgs on the network have OfflineOf "": they are nobody's.
		return nil, r.check()
	}
	return listChildren(r, indexOrgOwner, ownerID, bucketOrgs, "org", decodeOrg)
}

func (r *reader) User(id string) (acctmap.User, error) {
	return getItem(r, bucketUsers, "user", id, decodeUser)
}

func (r *reader) Users(orgID string) ([]acctmap.User, error) {
	return listChildren(r, indexUserOrg, orgID, bucketUsers, "user", decodeUser)
}

// pairKey is the key of the partnership of a and b, in either order.
func pairKey(a, b string) []byte {
	if b < a {
		a, b = b, a
	}
	return tupleKey(a, b)
}

func partnershipNotFound(a, b string) error {
	return fmt.Errorf("boltstore: partnership of %.40q and %.40q: %w", a, b, acctmap.ErrNotFound)
}

func (r *reader) Partnership(a, b string) (acctmap.Partnership, error) {
	if err := r.check(); err != nil {
		return acctmap.Partnership{}, err
	}
	v := r.tx.Bucket(bucketPartners).Get(pairKey(a, b))
	if v == nil {
		return acctmap.Partnership{}, partnershipNotFound(a, b)
	}
	p, err := decodePartnership(v)
	if err != nil {
		return p, corrupt("partnership with", a+" "+b, err)
	}
	return p, nil
}

func (r *reader) Partnerships(orgID string) ([]acctmap.Partnership, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	// The index lists the other orgs in id order: the contract's order.
	others, err := r.childIDs(indexPartnerOrg, orgID)
	if err != nil {
		return nil, err
	}
	b := r.tx.Bucket(bucketPartners)
	out := make([]acctmap.Partnership, 0, len(others))
	for _, other := range others {
		v := b.Get(pairKey(orgID, other))
		if v == nil {
			return nil, fmt.Errorf("boltstore: index %s lists a partnership of %.40q and %.40q, which does not exist: %w", indexPartnerOrg, orgID, other, ErrCorrupt)
		}
		p, err := decodePartnership(v)
		if err != nil {
			return nil, corrupt("partnership with", orgID+" "+other, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func (r *reader) DataSource(id string) (acctmap.DataSource, error) {
	return getItem(r, bucketSources, "data source", id, decodeDataSource)
}

func (r *reader) DataSources(orgID string) ([]acctmap.DataSource, error) {
	return listChildren(r, indexSourceOrg, orgID, bucketSources, "data source", decodeDataSource)
}

func (r *reader) Population(id string) (acctmap.Population, error) {
	return getItem(r, bucketPops, "population", id, decodePopulation)
}

func (r *reader) Populations(orgID string) ([]acctmap.Population, error) {
	return listChildren(r, indexPopOrg, orgID, bucketPops, "population", decodePopulation)
}

// writer is the Tx of an Update.
type writer struct {
	reader
	// failed is the error of a write that failed after it had changed
	// something: the Update must not commit then, whatever fn returns.
	failed error
	arena  arena
}

// checkWrite is check, for a write.
func (w *writer) checkWrite() error {
	if err := w.check(); err != nil {
		return err
	}
	if w.scans > 0 {
		return errInScan
	}
	return nil
}

// fail records the error of a write that may have changed something.
func (w *writer) fail(err error) error {
	if err != nil && w.failed == nil {
		w.failed = err
	}
	return err
}

// keyCheck returns an error wrapping ErrInvalidInput if a key is too long
// for bbolt (32 KiB).
func keyCheck(kind, id string, k []byte) error {
	if !keyFits(k) {
		return fmt.Errorf("boltstore: %s id %.40q…: %d bytes, too long for a key (at most %d with its parent's id): %w",
			kind, id, len(id), bolt.MaxKeySize, acctmap.ErrInvalidInput)
	}
	return nil
}

// exists reports whether a primary bucket holds id.
func (w *writer) exists(bucket []byte, id string) bool {
	return w.tx.Bucket(bucket).Get(idKey(id)) != nil
}

// put, del: writes that poison the transaction if they fail.
func (w *writer) put(bucket, k, v []byte) error {
	return w.fail(w.tx.Bucket(bucket).Put(k, v))
}

func (w *writer) del(bucket, k []byte) error {
	return w.fail(w.tx.Bucket(bucket).Delete(k))
}

var empty = []byte{}

func (w *writer) PutOrg(org acctmap.Org) error {
	if err := w.checkWrite(); err != nil {
		return err
	}
	k := idKey(org.ID)
	if err := keyCheck("org", org.ID, k); err != nil {
		return err
	}
	var ik []byte
	if org.OfflineOf != "" {
		if org.OfflineOf != org.ID && !w.exists(bucketOrgs, org.OfflineOf) {
			return notFound("org", org.OfflineOf)
		}
		ik = tupleKey(org.OfflineOf, org.ID)
		if err := keyCheck("org", org.ID, ik); err != nil {
			return err
		}
	}
	var oldOwner string
	if v := w.tx.Bucket(bucketOrgs).Get(k); v != nil {
		old, err := decodeOrg(v)
		if err != nil {
			return corrupt("org", org.ID, err)
		}
		oldOwner = old.OfflineOf
	}
	if err := w.put(bucketOrgs, k, encodeOrg(&org)); err != nil {
		return err
	}
	if oldOwner != "" && oldOwner != org.OfflineOf {
		if err := w.del(indexOrgOwner, tupleKey(oldOwner, org.ID)); err != nil {
			return err
		}
	}
	if ik != nil {
		return w.put(indexOrgOwner, ik, empty)
	}
	return nil
}

func (w *writer) DeleteOrg(id string) error {
	if err := w.checkWrite(); err != nil {
		return err
	}
	if !w.exists(bucketOrgs, id) {
		return notFound("org", id)
	}
	// Breadth-first over the offline partners it owns, with all of theirs.
	// An org is deleted before its children are looked up, so an ownership
	// cycle ends instead of looping.
	queue := []string{id}
	for len(queue) > 0 {
		o := queue[0]
		queue = queue[1:]
		if err := w.check(); err != nil {
			return w.fail(err)
		}
		k := idKey(o)
		v := w.tx.Bucket(bucketOrgs).Get(k)
		if v == nil {
			continue
		}
		org, err := decodeOrg(v)
		if err != nil {
			return w.fail(corrupt("org", o, err))
		}
		if err := w.del(bucketOrgs, k); err != nil {
			return err
		}
		if org.OfflineOf != "" {
			if err := w.del(indexOrgOwner, tupleKey(org.OfflineOf, o)); err != nil {
				return err
			}
		}
		offline, err := w.childIDs(indexOrgOwner, o)
		if err != nil {
			return w.fail(err)
		}
		queue = append(queue, offline...)
		if err := w.deleteEvents(o); err != nil {
			return w.fail(err)
		}
		if err := w.deleteItems(o); err != nil {
			return w.fail(err)
		}
		if err := w.deleteChildren(o); err != nil {
			return w.fail(err)
		}
	}
	return nil
}

// deleteChildren deletes the users, partnerships and data sources of an
// org being deleted.
func (w *writer) deleteChildren(org string) error {
	users, err := w.childIDs(indexUserOrg, org)
	if err != nil {
		return err
	}
	for _, u := range users {
		if err := w.del(bucketUsers, idKey(u)); err != nil {
			return err
		}
		if err := w.del(indexUserOrg, tupleKey(org, u)); err != nil {
			return err
		}
	}
	others, err := w.childIDs(indexPartnerOrg, org)
	if err != nil {
		return err
	}
	for _, other := range others {
		if err := w.deletePartnership(org, other); err != nil {
			return err
		}
	}
	dss, err := w.childIDs(indexSourceOrg, org)
	if err != nil {
		return err
	}
	for _, ds := range dss {
		if err := w.deleteDataSource(ds); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) PutUser(user acctmap.User) error {
	if err := w.checkWrite(); err != nil {
		return err
	}
	if !w.exists(bucketOrgs, user.OrgID) {
		return fmt.Errorf("boltstore: user %.40q: %w", user.ID, notFound("org", user.OrgID))
	}
	k, ik := idKey(user.ID), tupleKey(user.OrgID, user.ID)
	if err := keyCheck("user", user.ID, ik); err != nil {
		return err
	}
	if v := w.tx.Bucket(bucketUsers).Get(k); v != nil {
		old, err := decodeUser(v)
		if err != nil {
			return corrupt("user", user.ID, err)
		}
		if old.OrgID != user.OrgID {
			if err := w.del(indexUserOrg, tupleKey(old.OrgID, user.ID)); err != nil {
				return err
			}
		}
	}
	if err := w.put(bucketUsers, k, encodeUser(&user)); err != nil {
		return err
	}
	return w.put(indexUserOrg, ik, empty)
}

func (w *writer) DeleteUser(id string) error {
	if err := w.checkWrite(); err != nil {
		return err
	}
	k := idKey(id)
	v := w.tx.Bucket(bucketUsers).Get(k)
	if v == nil {
		return notFound("user", id)
	}
	u, err := decodeUser(v)
	if err != nil {
		return corrupt("user", id, err)
	}
	if err := w.del(bucketUsers, k); err != nil {
		return err
	}
	return w.del(indexUserOrg, tupleKey(u.OrgID, id))
}

func (w *writer) PutPartnership(p acctmap.Partnership) error {
	if err := w.checkWrite(); err != nil {
		return err
	}
	for _, id := range []string{p.Inviter, p.Invitee} {
		if !w.exists(bucketOrgs, id) {
			return fmt.Errorf("boltstore: partnership of %.40q and %.40q: %w", p.Inviter, p.Invitee, notFound("org", id))
		}
	}
	k := pairKey(p.Inviter, p.Invitee)
	if err := keyCheck("partnership's org", p.Inviter+" "+p.Invitee, k); err != nil {
		return err
	}
	if err := w.put(bucketPartners, k, encodePartnership(&p)); err != nil {
		return err
	}
	if err := w.put(indexPartnerOrg, tupleKey(p.Inviter, p.Invitee), empty); err != nil {
		return err
	}
	return w.put(indexPartnerOrg, tupleKey(p.Invitee, p.Inviter), empty)
}

func (w *writer) DeletePartnership(a, b string) error {
	if err := w.checkWrite(); err != nil {
		return err
	}
	if w.tx.Bucket(bucketPartners).Get(pairKey(a, b)) == nil {
		return partnershipNotFound(a, b)
	}
	return w.deletePartnership(a, b)
}

// deletePartnership deletes the partnership of a and b and its index
// entries.
func (w *writer) deletePartnership(a, b string) error {
	if err := w.deleteThreads(a, b); err != nil {
		return err
	}
	if err := w.del(bucketPartners, pairKey(a, b)); err != nil {
		return err
	}
	if err := w.del(indexPartnerOrg, tupleKey(a, b)); err != nil {
		return err
	}
	return w.del(indexPartnerOrg, tupleKey(b, a))
}

func (w *writer) PutDataSource(ds acctmap.DataSource) error {
	if err := w.checkWrite(); err != nil {
		return err
	}
	if !w.exists(bucketOrgs, ds.OrgID) {
		return fmt.Errorf("boltstore: data source %.40q: %w", ds.ID, notFound("org", ds.OrgID))
	}
	k, ik := idKey(ds.ID), tupleKey(ds.OrgID, ds.ID)
	if err := keyCheck("data source", ds.ID, ik); err != nil {
		return err
	}
	if v := w.tx.Bucket(bucketSources).Get(k); v != nil {
		old, err := decodeDataSource(v)
		if err != nil {
			return corrupt("data source", ds.ID, err)
		}
		if old.OrgID != ds.OrgID {
			if err := w.del(indexSourceOrg, tupleKey(old.OrgID, ds.ID)); err != nil {
				return err
			}
		}
	}
	if err := w.put(bucketSources, k, encodeDataSource(&ds)); err != nil {
		return err
	}
	if err := w.put(indexSourceOrg, ik, empty); err != nil {
		return err
	}
	// Replacing a data source keeps its records.
	_, err := w.tx.Bucket(bucketRecords).CreateBucketIfNotExists(k)
	return w.fail(err)
}

func (w *writer) DeleteDataSource(id string) error {
	if err := w.checkWrite(); err != nil {
		return err
	}
	if !w.exists(bucketSources, id) {
		return notFound("data source", id)
	}
	return w.fail(w.deleteDataSource(id))
}

// deleteDataSource deletes a data source with its populations and records.
// Its records go with their bucket: bbolt frees its pages without reading
// the records.
func (w *writer) deleteDataSource(id string) error {
	k := idKey(id)
	v := w.tx.Bucket(bucketSources).Get(k)
	if v == nil {
		return nil
	}
	ds, err := decodeDataSource(v)
	if err != nil {
		return corrupt("data source", id, err)
	}
	pops, err := w.childIDs(indexPopSource, id)
	if err != nil {
		return err
	}
	for _, p := range pops {
		if err := w.deletePopulation(p); err != nil {
			return err
		}
	}
	if err := w.tx.Bucket(bucketRecords).DeleteBucket(k); err != nil && !errors.Is(err, errBucketNotFound) {
		return w.fail(err)
	}
	if err := w.del(bucketSources, k); err != nil {
		return err
	}
	return w.del(indexSourceOrg, tupleKey(ds.OrgID, id))
}

// deletePopulation deletes a population and its index entries, leaving
// the records' bits alone.
func (w *writer) deletePopulation(id string) error {
	k := idKey(id)
	v := w.tx.Bucket(bucketPops).Get(k)
	if v == nil {
		return nil
	}
	p, err := decodePopulation(v)
	if err != nil {
		return corrupt("population", id, err)
	}
	if err := w.del(bucketPops, k); err != nil {
		return err
	}
	if err := w.del(indexPopOrg, tupleKey(p.OrgID, id)); err != nil {
		return err
	}
	return w.del(indexPopSource, tupleKey(p.DataSourceID, id))
}

func (w *writer) PutPopulation(p acctmap.Population) error {
	if err := w.checkWrite(); err != nil {
		return err
	}
	if !w.exists(bucketSources, p.DataSourceID) {
		return fmt.Errorf("boltstore: population %.40q: %w", p.ID, notFound("data source", p.DataSourceID))
	}
	k, ikOrg, ikDS := idKey(p.ID), tupleKey(p.OrgID, p.ID), tupleKey(p.DataSourceID, p.ID)
	if err := keyCheck("population", p.ID, ikOrg); err != nil {
		return err
	}
	if err := keyCheck("population", p.ID, ikDS); err != nil {
		return err
	}
	if v := w.tx.Bucket(bucketPops).Get(k); v != nil {
		old, err := decodePopulation(v)
		if err != nil {
			return corrupt("population", p.ID, err)
		}
		if old.OrgID != p.OrgID {
			if err := w.del(indexPopOrg, tupleKey(old.OrgID, p.ID)); err != nil {
				return err
			}
		}
		if old.DataSourceID != p.DataSourceID {
			if err := w.del(indexPopSource, tupleKey(old.DataSourceID, p.ID)); err != nil {
				return err
			}
		}
	}
	if err := w.put(bucketPops, k, encodePopulation(&p)); err != nil {
		return err
	}
	if err := w.put(indexPopOrg, ikOrg, empty); err != nil {
		return err
	}
	return w.put(indexPopSource, ikDS, empty)
}

func (w *writer) DeletePopulation(id string) error {
	if err := w.checkWrite(); err != nil {
		return err
	}
	v := w.tx.Bucket(bucketPops).Get(idKey(id))
	if v == nil {
		return notFound("population", id)
	}
	p, err := decodePopulation(v)
	if err != nil {
		return corrupt("population", id, err)
	}
	if b := w.tx.Bucket(bucketRecords).Bucket(idKey(p.DataSourceID)); b != nil && validSlot(p.Slot) {
		if err := w.setBit(b, p.DataSourceID, p.Slot, nil); err != nil {
			return w.fail(err)
		}
	}
	return w.fail(w.deletePopulation(id))
}
