package pgstore

import (
	"errors"
	"io"

	"github.com/acctmap/acctmap"
)

var _ acctmap.StreamTx = (*writer)(nil)

// relinkAll recomputes the linked column (see migrations/0002_overlap.sql)
// of every domain and registration id row of data source $1, writing only
// the rows whose flag is wrong: one pass over the data source's keys,
// sorted by key. A streamed import runs it once at the end, since the
// batches COPYed one by one link only within themselves. A key is linked
// when more than one row holds it: a record holds a key once (appendKeys).
const relinkAll = `WITH l AS (
		SELECT record_id, bool_or(linked) AS linked FROM (
			SELECT record_id, count(*) OVER w > 1 AS linked
			FROM {s}.record_keys
			WHERE data_source_id = $1 AND kind < 3
			WINDOW w AS (PARTITION BY key, kind, value)
		) x
		GROUP BY record_id
	)
	UPDATE {s}.record_keys k SET linked = l.linked
	FROM l
	WHERE k.data_source_id = $1 AND k.kind < 3 AND k.record_id = l.record_id AND k.linked <> l.linked`

// ReplaceRecordsStream is ReplaceRecords in batches: the data source's
// rows are deleted, each batch is COPYed in as it comes (after deleting
// the records of its Repeats, which an earlier batch wrote), and the
// linked column of the keys is brought up to date across batches at the
// end. Memory is a batch's, whatever the number of records; until the
// transaction commits, other transactions see the old records.
func (w *writer) ReplaceRecordsStream(dsID string, next func() (acctmap.RecordBatch, error)) error {
	hasRecords, err := w.dataSourceState("replace records", dsID)
	if err != nil {
		return err
	}
	if hasRecords {
		if _, err := w.exec("replace records", `WITH k AS (
				DELETE FROM {s}.record_keys WHERE data_source_id = $1
			)
			DELETE FROM {s}.records WHERE data_source_id = $1`, id(dsID)); err != nil {
			return err
		}
	}
	batches := 0
	for {
		b, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if len(b.Repeats) > 0 {
			if _, _, err := w.deleteIDs("replace records", dsID, ids(b.Repeats)); err != nil {
				return err
			}
		}
		if err := w.copyRecords("replace records", dsID, b.Records); err != nil {
			return err
		}
		batches++
	}
	if batches > 1 {
		_, err = w.exec("replace records: relink", relinkAll, id(dsID))
	}
	return err
}
