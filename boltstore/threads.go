package boltstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/acctmap/acctmap"
)

// Threads, their messages and org items live in buckets created by the
// first write of each, so that files written before threads open as they
// are:
//
//   - bucketThreads maps idKey(thread id) to the encoded thread, and
//     indexThreadOrg holds tupleKey(org, thread id) for both of its orgs;
//   - bucketMessages holds one nested bucket per thread with messages,
//     named idKey(thread id), mapping the 8-byte big-endian Seq to the
//     encoded message; the nested bucket's sequence is the last Seq;
//   - bucketOrgItems maps tupleKey(org, kind, id) to the item's data.
var (
	bucketThreads  = []byte("threads")
	indexThreadOrg = []byte("threads_by_org")
	bucketMessages = []byte("messages")
	bucketOrgItems = []byte("org_items")
)

func encodeThread(t *acctmap.ThreadRecord) []byte {
	b := []byte{codecVersion}
	b = appendStr(b, t.OrgA)
	b = appendStr(b, t.OrgB)
	return appendStr(b, string(t.Data))
}

func decodeThread(id string, v []byte) (acctmap.ThreadRecord, error) {
	d := decoder{s: string(v)}
	d.start()
	t := acctmap.ThreadRecord{ID: id}
	t.OrgA, t.OrgB = d.str(), d.str()
	if data := d.str(); data != "" {
		t.Data = []byte(data)
	}
	return t, d.finish()
}

func encodeMessage(m *acctmap.MessageRecord) []byte {
	b := []byte{codecVersion}
	b = appendStr(b, m.OrgID)
	b = appendTime(b, m.At)
	return appendStr(b, string(m.Data))
}

func decodeMessage(threadID string, seq int64, v []byte) (acctmap.MessageRecord, error) {
	d := decoder{s: string(v)}
	d.start()
	m := acctmap.MessageRecord{ThreadID: threadID, Seq: seq}
	m.OrgID = d.str()
	m.At = d.time()
	if data := d.str(); data != "" {
		m.Data = []byte(data)
	}
	return m, d.finish()
}

// Thread implements acctmap.ThreadReadTx.
func (r *reader) Thread(id string) (acctmap.ThreadRecord, error) {
	if err := r.check(); err != nil {
		return acctmap.ThreadRecord{}, err
	}
	b := r.tx.Bucket(bucketThreads)
	if b == nil {
		return acctmap.ThreadRecord{}, notFound("thread", id)
	}
	v := b.Get(idKey(id))
	if v == nil {
		return acctmap.ThreadRecord{}, notFound("thread", id)
	}
	t, err := decodeThread(id, v)
	if err != nil {
		return acctmap.ThreadRecord{}, corrupt("thread", id, err)
	}
	return t, nil
}

// Threads implements acctmap.ThreadReadTx.
func (r *reader) Threads(orgID string) ([]acctmap.ThreadRecord, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	if r.tx.Bucket(indexThreadOrg) == nil {
		return nil, nil
	}
	ids, err := r.childIDs(indexThreadOrg, orgID)
	if err != nil {
		return nil, err
	}
	out := make([]acctmap.ThreadRecord, 0, len(ids))
	for _, id := range ids {
		t, err := r.Thread(id)
		if errors.Is(err, acctmap.ErrNotFound) {
			return nil, fmt.Errorf("boltstore: index %s lists thread %.40q, which does not exist: %w", indexThreadOrg, id, ErrCorrupt)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// Messages implements acctmap.ThreadReadTx.
func (r *reader) Messages(threadID string) ([]acctmap.MessageRecord, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	top := r.tx.Bucket(bucketMessages)
	if top == nil {
		return nil, nil
	}
	b := top.Bucket(idKey(threadID))
	if b == nil {
		return nil, nil
	}
	var out []acctmap.MessageRecord
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) != 8 {
			return nil, corrupt("message", threadID, errBadKey)
		}
		m, err := decodeMessage(threadID, int64(binary.BigEndian.Uint64(k)), v)
		if err != nil {
			return nil, corrupt("message", threadID, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// OrgItems implements acctmap.ThreadReadTx.
func (r *reader) OrgItems(orgID, kind string) ([]acctmap.OrgItem, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	b := r.tx.Bucket(bucketOrgItems)
	if b == nil {
		return nil, nil
	}
	prefix := tupleKey(orgID)
	if kind != "" {
		prefix = tupleKey(orgID, kind)
	}
	var out []acctmap.OrgItem
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		it := acctmap.OrgItem{OrgID: orgID, Kind: kind}
		rest := k[len(prefix):]
		var err error
		if kind == "" {
			it.Kind, rest, err = splitTuplePart(rest)
		}
		if err == nil {
			it.ID, rest, err = splitTuplePart(rest)
		}
		if err != nil || len(rest) != 0 {
			return nil, fmt.Errorf("boltstore: org items: key %.40q: %w", k, ErrCorrupt)
		}
		if len(v) > 0 {
			it.Data = bytes.Clone(v)
		}
		out = append(out, it)
	}
	return out, nil
}

// bucket returns a top-level bucket, creating it.
func (w *writer) bucket(name []byte) error {
	_, err := w.tx.CreateBucketIfNotExists(name)
	return w.fail(err)
}

// PutThread implements acctmap.ThreadTx.
func (w *writer) PutThread(t acctmap.ThreadRecord) error {
	if err := w.checkWrite(); err != nil {
		return err
	}
	if w.tx.Bucket(bucketPartners).Get(pairKey(t.OrgA, t.OrgB)) == nil {
		return fmt.Errorf("boltstore: thread %.60q: %w", t.ID, partnershipNotFound(t.OrgA, t.OrgB))
	}
	k := idKey(t.ID)
	if err := keyCheck("thread", t.ID, tupleKey(t.OrgA, t.ID)); err != nil {
		return err
	}
	if err := keyCheck("thread", t.ID, tupleKey(t.OrgB, t.ID)); err != nil {
		return err
	}
	for _, name := range [][]byte{bucketThreads, indexThreadOrg} {
		if err := w.bucket(name); err != nil {
			return err
		}
	}
	if old, err := w.Thread(t.ID); err == nil {
		// The Network never moves a thread, but a store keeps its index
		// right whatever it is given.
		if err := w.del(indexThreadOrg, tupleKey(old.OrgA, t.ID)); err != nil {
			return err
		}
		if err := w.del(indexThreadOrg, tupleKey(old.OrgB, t.ID)); err != nil {
			return err
		}
	}
	if err := w.put(bucketThreads, k, encodeThread(&t)); err != nil {
		return err
	}
	if err := w.put(indexThreadOrg, tupleKey(t.OrgA, t.ID), empty); err != nil {
		return err
	}
	return w.put(indexThreadOrg, tupleKey(t.OrgB, t.ID), empty)
}

// AppendMessage implements acctmap.ThreadTx.
func (w *writer) AppendMessage(m acctmap.MessageRecord) (int64, error) {
	if err := w.checkWrite(); err != nil {
		return 0, err
	}
	if tb := w.tx.Bucket(bucketThreads); tb == nil || tb.Get(idKey(m.ThreadID)) == nil {
		return 0, fmt.Errorf("boltstore: message: %w", notFound("thread", m.ThreadID))
	}
	top, err := w.tx.CreateBucketIfNotExists(bucketMessages)
	if err != nil {
		return 0, w.fail(err)
	}
	b, err := top.CreateBucketIfNotExists(idKey(m.ThreadID))
	if err != nil {
		return 0, w.fail(err)
	}
	seq, err := b.NextSequence()
	if err != nil {
		return 0, w.fail(err)
	}
	m.Seq = int64(seq)
	if err := b.Put(seqKey(m.Seq), encodeMessage(&m)); err != nil {
		return 0, w.fail(err)
	}
	return m.Seq, nil
}

// PutOrgItem implements acctmap.ThreadTx.
func (w *writer) PutOrgItem(it acctmap.OrgItem) error {
	if err := w.checkWrite(); err != nil {
		return err
	}
	if !w.exists(bucketOrgs, it.OrgID) {
		return fmt.Errorf("boltstore: %.30s %.60q: %w", it.Kind, it.ID, notFound("org", it.OrgID))
	}
	k := tupleKey(it.OrgID, it.Kind, it.ID)
	if err := keyCheck(it.Kind, it.ID, k); err != nil {
		return err
	}
	if err := w.bucket(bucketOrgItems); err != nil {
		return err
	}
	// bbolt keeps the value it is given until the commit: a copy, since
	// the caller may write into its own.
	return w.put(bucketOrgItems, k, append([]byte{}, it.Data...))
}

// DeleteOrgItem implements acctmap.ThreadTx.
func (w *writer) DeleteOrgItem(orgID, kind, id string) error {
	if err := w.checkWrite(); err != nil {
		return err
	}
	k := tupleKey(orgID, kind, id)
	b := w.tx.Bucket(bucketOrgItems)
	if b == nil || b.Get(k) == nil {
		return notFound(kind, id)
	}
	return w.del(bucketOrgItems, k)
}

// deleteThreads deletes the threads between a and b, with their messages
// and index entries (DeletePartnership, and DeleteOrg through it).
func (w *writer) deleteThreads(a, b string) error {
	if w.tx.Bucket(indexThreadOrg) == nil {
		return nil
	}
	ids, err := w.childIDs(indexThreadOrg, a)
	if err != nil {
		return err
	}
	for _, id := range ids {
		t, err := w.Thread(id)
		if err != nil {
			return err
		}
		if !(t.OrgA == a && t.OrgB == b) && !(t.OrgA == b && t.OrgB == a) {
			continue
		}
		if err := w.del(bucketThreads, idKey(id)); err != nil {
			return err
		}
		if err := w.del(indexThreadOrg, tupleKey(t.OrgA, id)); err != nil {
			return err
		}
		if err := w.del(indexThreadOrg, tupleKey(t.OrgB, id)); err != nil {
			return err
		}
		if top := w.tx.Bucket(bucketMessages); top != nil {
			if err := top.DeleteBucket(idKey(id)); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
				return w.fail(err)
			}
		}
	}
	return nil
}

// deleteItems deletes an org's items (DeleteOrg).
func (w *writer) deleteItems(orgID string) error {
	b := w.tx.Bucket(bucketOrgItems)
	if b == nil {
		return nil
	}
	prefix := tupleKey(orgID)
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := w.del(bucketOrgItems, k); err != nil {
			return err
		}
	}
	return nil
}
