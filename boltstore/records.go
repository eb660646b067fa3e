package boltstore

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/acctmap/acctmap"
)

var errBucketNotFound = bolterrors.ErrBucketNotFound

// ctxCheckEvery is how many records a scan or a bulk write handles between
// checks of ctx: often enough to stop one of millions promptly, rarely
// enough to cost nothing.
const ctxCheckEvery = 1 << 12

// bulkFillPercent is how full bbolt fills the pages of a data source's
// bucket written in one go, in key order (ReplaceRecords, a first
// PutRecords): its default, half, suits random inserts and would double
// the file. 0.9 leaves room for a few upserts before a page splits.
const bulkFillPercent = 0.9

// records returns the bucket of a data source's records, or ErrNotFound.
// It exists exactly when the data source does; its sequence number is the
// number of records it holds, so that CountRecords reads no page.
func (r *reader) records(dataSourceID string) (*bolt.Bucket, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	b := r.tx.Bucket(bucketRecords).Bucket(idKey(dataSourceID))
	if b == nil {
		return nil, notFound("data source", dataSourceID)
	}
	return b, nil
}

func recordCorrupt(dataSourceID string, k []byte, err error) error {
	id := string(k)
	if len(k) > 0 {
		id = string(k[1:])
	}
	return fmt.Errorf("boltstore: record %.40q of data source %.40q: %w: %v", id, dataSourceID, ErrCorrupt, err)
}

func (r *reader) Record(dataSourceID, recordID string) (acctmap.Record, error) {
	b, err := r.records(dataSourceID)
	if err != nil {
		return acctmap.Record{}, err
	}
	k := idKey(recordID)
	v := b.Get(k)
	if v == nil {
		return acctmap.Record{}, fmt.Errorf("boltstore: record %.40q of data source %.40q: %w", recordID, dataSourceID, acctmap.ErrNotFound)
	}
	var rec acctmap.Record
	if err := decodeRecord(k, v, &rec, false); err != nil {
		return acctmap.Record{}, recordCorrupt(dataSourceID, k, err)
	}
	return rec, nil
}

// scan calls fn for every record of a data source, decoded in full or
// keys only.
func (r *reader) scan(dataSourceID string, keysOnly bool, fn func(*acctmap.Record) error) error {
	b, err := r.records(dataSourceID)
	if err != nil {
		return err
	}
	r.scans++
	defer func() { r.scans-- }()
	// fn gets a Record reused from call to call (the contract makes it
	// valid only during the call), each with strings, slices and maps of
	// its own.
	var rec acctmap.Record
	c := b.Cursor()
	i := 0
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if i++; i%ctxCheckEvery == 0 {
			if err := r.ctx.Err(); err != nil {
				return err
			}
		}
		if err := decodeRecord(k, v, &rec, keysOnly); err != nil {
			return recordCorrupt(dataSourceID, k, err)
		}
		if err := fn(&rec); err != nil {
			return err
		}
	}
	return nil
}

func (r *reader) Records(dataSourceID string, fn func(*acctmap.Record) error) error {
	return r.scan(dataSourceID, false, fn)
}

// RecordKeys decodes only the keys section of each record (see
// recordcodec.go): the strings of the id and keys, and the Domains slice,
// but neither Name, Website nor the Fields map.
func (r *reader) RecordKeys(dataSourceID string, fn func(*acctmap.Record) error) error {
	return r.scan(dataSourceID, true, fn)
}

func (r *reader) RecordsByID(dataSourceID string, ids []string, fn func(*acctmap.Record) error) error {
	b, err := r.records(dataSourceID)
	if err != nil {
		return err
	}
	r.scans++
	defer func() { r.scans-- }()
	seen := make(map[string]struct{}, len(ids))
	var rec acctmap.Record
	var k []byte
	for i, id := range ids {
		if i%ctxCheckEvery == ctxCheckEvery-1 {
			if err := r.ctx.Err(); err != nil {
				return err
			}
		}
		if _, dup := seen[id]; dup {
			continue
		}
		seen[id] = struct{}{}
		k = appendIDKey(k[:0], id) // Get does not keep the key
		v := b.Get(k)
		if v == nil {
			continue
		}
		if err := decodeRecord(k, v, &rec, false); err != nil {
			return recordCorrupt(dataSourceID, k, err)
		}
		if err := fn(&rec); err != nil {
			return err
		}
	}
	return nil
}

func (r *reader) CountRecords(dataSourceID string) (int, error) {
	b, err := r.records(dataSourceID)
	if err != nil {
		return 0, err
	}
	return int(b.Sequence()), nil
}

// recordsOf is records, for a write.
func (w *writer) recordsOf(dataSourceID string) (*bolt.Bucket, error) {
	if err := w.checkWrite(); err != nil {
		return nil, err
	}
	return w.records(dataSourceID)
}

// kv is a record encoded for bbolt, and its place in the batch.
type kv struct {
	k, v []byte
	i    int
}

// encodeBatch checks and encodes recs, in key order, the last of records
// with the same id only. It writes nothing, so that a batch it refuses
// leaves the transaction as it was.
func (w *writer) encodeBatch(dataSourceID string, recs []acctmap.Record) ([]kv, error) {
	batch := make([]kv, len(recs))
	for i := range recs {
		if i%ctxCheckEvery == ctxCheckEvery-1 {
			if err := w.ctx.Err(); err != nil {
				return nil, err
			}
		}
		r := &recs[i]
		if 1+len(r.ID) > bolt.MaxKeySize {
			return nil, fmt.Errorf("boltstore: record %d of data source %.40q: id %.40q…: %d bytes, at most %d: %w",
				i, dataSourceID, r.ID, len(r.ID), bolt.MaxKeySize-1, acctmap.ErrInvalidInput)
		}
		batch[i] = kv{w.arena.key(r.ID), w.arena.record(r), i}
	}
	// bbolt splits a bucket's nodes only at the commit: until then, keys
	// put out of order are inserted into the middle of ever longer sorted
	// slices, quadratic in the batch. In order, each one is appended.
	// Sorted by key, then by place: pdqsort, three times as fast as a
	// stable sort on a million records, and as good.
	if !slices.IsSortedFunc(batch, func(a, b kv) int { return bytes.Compare(a.k, b.k) }) {
		slices.SortFunc(batch, func(a, b kv) int {
			if c := bytes.Compare(a.k, b.k); c != 0 {
				return c
			}
			return cmp.Compare(a.i, b.i)
		})
	}
	// The last of equal keys wins.
	out := batch[:0]
	for i := range batch {
		if i+1 < len(batch) && bytes.Equal(batch[i].k, batch[i+1].k) {
			continue
		}
		out = append(out, batch[i])
	}
	return out, nil
}

func (w *writer) PutRecords(dataSourceID string, recs []acctmap.Record) error {
	b, err := w.recordsOf(dataSourceID)
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return nil
	}
	batch, err := w.encodeBatch(dataSourceID, recs)
	if err != nil {
		return err
	}
	return w.fail(w.putBatch(b, batch))
}

// putBatch writes an encoded batch into a data source's bucket and keeps
// its count.
func (w *writer) putBatch(b *bolt.Bucket, batch []kv) error {
	n := b.Sequence()
	fresh := n == 0
	if fresh {
		b.FillPercent = bulkFillPercent
	}
	for i, e := range batch {
		if i%ctxCheckEvery == ctxCheckEvery-1 {
			if err := w.ctx.Err(); err != nil {
				return err
			}
		}
		if !fresh && b.Get(e.k) != nil {
			n-- // replaced, not added
		}
		if err := b.Put(e.k, e.v); err != nil {
			return err
		}
		n++
	}
	return b.SetSequence(n)
}

func (w *writer) DeleteRecords(dataSourceID string, ids []string) error {
	b, err := w.recordsOf(dataSourceID)
	if err != nil {
		return err
	}
	n := b.Sequence()
	var k []byte
	for i, id := range ids {
		if i%ctxCheckEvery == ctxCheckEvery-1 {
			if err := w.ctx.Err(); err != nil {
				return w.fail(err)
			}
		}
		k = appendIDKey(k[:0], id) // Delete does not keep the key
		if b.Get(k) == nil {
			continue
		}
		if err := b.Delete(k); err != nil {
			return w.fail(err)
		}
		n--
	}
	return w.fail(b.SetSequence(n))
}

func (w *writer) ReplaceRecords(dataSourceID string, recs []acctmap.Record) error {
	if _, err := w.recordsOf(dataSourceID); err != nil {
		return err
	}
	batch, err := w.encodeBatch(dataSourceID, recs)
	if err != nil {
		return err
	}
	// A new bucket for the new content: dropping the old one costs a walk
	// over its pages, not a delete per record.
	parent, name := w.tx.Bucket(bucketRecords), idKey(dataSourceID)
	if err := parent.DeleteBucket(name); err != nil {
		return w.fail(err)
	}
	b, err := parent.CreateBucket(name)
	if err != nil {
		return w.fail(err)
	}
	return w.fail(w.putBatch(b, batch))
}

func validSlot(slot int) bool { return slot >= 0 && slot < acctmap.MaxPopulationsPerDataSource }

func (w *writer) SetMembers(dataSourceID string, slot int, recordIDs []string) error {
	b, err := w.recordsOf(dataSourceID)
	if err != nil {
		return err
	}
	if !validSlot(slot) {
		return fmt.Errorf("boltstore: population slot %d is not in 0 to %d: %w", slot, acctmap.MaxPopulationsPerDataSource-1, acctmap.ErrInvalidInput)
	}
	members := make(map[string]struct{}, len(recordIDs))
	for _, id := range recordIDs {
		members[id] = struct{}{}
	}
	return w.fail(w.setBit(b, dataSourceID, slot, members))
}

// setBit makes bit slot of Record.Populations set, in every record of b,
// exactly for the ids in members (nil: in none). It rewrites only the
// records whose bit changes, patching the bit in a copy of the value.
func (w *writer) setBit(b *bolt.Bucket, dataSourceID string, slot int, members map[string]struct{}) error {
	mask := uint64(1) << uint(slot)
	// First the keys to flip, then the writes: a cursor must not walk a
	// bucket that changes under it.
	var flip [][]byte
	c := b.Cursor()
	i := 0
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if i++; i%ctxCheckEvery == 0 {
			if err := w.ctx.Err(); err != nil {
				return err
			}
		}
		if err := checkRecordHeader(v); err != nil || len(k) == 0 || k[0] != idKeyTag {
			return recordCorrupt(dataSourceID, k, err)
		}
		have := binary.LittleEndian.Uint64(v[recPopsOff:])&mask != 0
		want := false
		if members != nil {
			_, want = members[string(k[1:])]
		}
		if have != want {
			flip = append(flip, append(w.arena.alloc(len(k)), k...))
		}
	}
	for i, k := range flip {
		if i%ctxCheckEvery == ctxCheckEvery-1 {
			if err := w.ctx.Err(); err != nil {
				return err
			}
		}
		v := b.Get(k)
		nv := append(w.arena.alloc(len(v)), v...)
		binary.LittleEndian.PutUint64(nv[recPopsOff:], binary.LittleEndian.Uint64(nv[recPopsOff:])^mask)
		if err := b.Put(k, nv); err != nil {
			return err
		}
	}
	return nil
}
