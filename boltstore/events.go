package boltstore

import (
	"encoding/binary"
	"errors"
	"fmt"

	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/acctmap/acctmap"
)

// bucketEvents holds one nested bucket per org with a log, named
// idKey(org id), mapping the 8-byte big-endian Seq of each entry to the
// encoded entry: keys sort as the numbers do, so a cursor seek finds the
// first entry after a Seq. The nested bucket's own sequence is the org's
// last Seq, kept or rolled back with the transaction. The bucket is
// created by the first event, so files written before events open as
// they are.
var bucketEvents = []byte("events")

func seqKey(seq int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(seq)) }

func encodeEvent(e *acctmap.EventRecord) []byte {
	b := make([]byte, 0, 24+len(e.Kind)+len(e.Data))
	b = append(b, codecVersion)
	b = appendStr(b, e.Kind)
	b = appendTime(b, e.At)
	return appendStr(b, string(e.Data))
}

func decodeEvent(orgID string, seq int64, v []byte) (acctmap.EventRecord, error) {
	d := decoder{s: string(v)}
	d.start()
	e := acctmap.EventRecord{OrgID: orgID, Seq: seq}
	e.Kind = d.str()
	e.At = d.time()
	if data := d.str(); data != "" {
		e.Data = []byte(data)
	}
	return e, d.finish()
}

// Events implements acctmap.EventReadTx.
func (r *reader) Events(orgID string, after int64, limit int) ([]acctmap.EventRecord, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, fmt.Errorf("boltstore: events: limit %d: %w", limit, acctmap.ErrInvalidInput)
	}
	top := r.tx.Bucket(bucketEvents)
	if top == nil {
		return nil, nil
	}
	b := top.Bucket(idKey(orgID))
	if b == nil {
		return nil, nil
	}
	var out []acctmap.EventRecord
	c := b.Cursor()
	k, v := c.Seek(seqKey(max(after, 0) + 1))
	for ; k != nil && len(out) < limit; k, v = c.Next() {
		if len(k) != 8 {
			return nil, corrupt("event", orgID, errBadKey)
		}
		e, err := decodeEvent(orgID, int64(binary.BigEndian.Uint64(k)), v)
		if err != nil {
			return nil, corrupt("event", orgID, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// AppendEvent implements acctmap.EventTx.
func (w *writer) AppendEvent(e acctmap.EventRecord) (int64, error) {
	if err := w.checkWrite(); err != nil {
		return 0, err
	}
	if !w.exists(bucketOrgs, e.OrgID) {
		return 0, fmt.Errorf("boltstore: event: %w", notFound("org", e.OrgID))
	}
	top, err := w.tx.CreateBucketIfNotExists(bucketEvents)
	if err != nil {
		return 0, w.fail(err)
	}
	b, err := top.CreateBucketIfNotExists(idKey(e.OrgID))
	if err != nil {
		return 0, w.fail(err)
	}
	seq, err := b.NextSequence()
	if err != nil {
		return 0, w.fail(err)
	}
	e.Seq = int64(seq)
	if err := b.Put(seqKey(e.Seq), encodeEvent(&e)); err != nil {
		return 0, w.fail(err)
	}
	return e.Seq, nil
}

// deleteEvents drops an org's log (DeleteOrg).
func (w *writer) deleteEvents(orgID string) error {
	top := w.tx.Bucket(bucketEvents)
	if top == nil {
		return nil
	}
	if err := top.DeleteBucket(idKey(orgID)); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
		return err
	}
	return nil
}
