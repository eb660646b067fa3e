package pgstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/acctmap/acctmap"
	"github.com/jackc/pgx/v5"
)

const recordColumns = `id, populations, private, name, website, domains, name_key, reg_scheme, reg_value, fields, other_names, other_name_keys, email, email_key`

// recordCopyColumns are the columns COPY writes, in the order of
// recordSource.Values.
var recordCopyColumns = []string{"data_source_id", "id", "populations", "private", "name", "website", "domains", "name_key", "reg_scheme", "reg_value", "fields", "keys",
	"other_names", "other_name_keys", "email", "email_key"}

// deleteRecords deletes the records of data source $1 whose ids are in
// $2, and their rows in record_keys, found by records.keys through the
// index on (data_source_id, key). It returns how many records it deleted
// and the keys they had, for relink.
const deleteRecords = `WITH gone AS (
		DELETE FROM {s}.records WHERE data_source_id = $1 AND id = ANY($2) RETURNING id, keys
	), gone_keys AS (
		DELETE FROM {s}.record_keys k USING gone, unnest(gone.keys) AS g (key)
		WHERE k.data_source_id = $1 AND k.key = g.key AND k.record_id = gone.id
	)
	SELECT (SELECT count(*) FROM gone), (SELECT array_agg(DISTINCT g.key) FROM gone, unnest(gone.keys) AS g (key))`

// relink recomputes the linked column (see migrations/0002_overlap.sql) of
// the records of data source $1 that hold one of the keys $2, on their
// domain and registration id rows, after records holding those keys were
// written or deleted: a record is linked when one of its domains or its
// registration id is another record's too. A record's rows are found by
// records.keys, like deleteRecords does; only the rows whose flag changes
// are written. Every step is a nested loop over index lookups from the
// few records concerned: l is materialized and carries the keys of its
// record, so that the UPDATE joins no other CTE (a CTE joined in a nested
// loop is scanned again for each outer row: quadratic).
const relink = `WITH a AS (
		SELECT DISTINCT k.record_id FROM {s}.record_keys k
		WHERE k.data_source_id = $1 AND k.key = ANY($2) AND k.kind < 3
	), own AS (
		SELECT k.record_id, k.key, k.kind, k.value
		FROM a JOIN {s}.records r ON r.data_source_id = $1 AND r.id = a.record_id
		CROSS JOIN unnest(r.keys) AS h (key)
		JOIN {s}.record_keys k ON k.data_source_id = $1 AND k.key = h.key AND k.record_id = a.record_id AND k.kind < 3
	), l AS MATERIALIZED (
		SELECT o.record_id, array_agg(o.key) AS keys, bool_or(EXISTS (
			SELECT FROM {s}.record_keys b
			WHERE b.data_source_id = $1 AND b.key = o.key AND b.kind = o.kind AND b.value = o.value AND b.record_id <> o.record_id
		)) AS linked
		FROM own o GROUP BY o.record_id
	)
	UPDATE {s}.record_keys k SET linked = l.linked
	FROM l CROSS JOIN unnest(l.keys) AS u (key)
	WHERE k.data_source_id = $1 AND k.key = u.key AND k.record_id = l.record_id AND k.kind < 3 AND k.linked <> l.linked`

// matchKeyHashes appends the key column of the domain and registration id
// rows of recs.
func matchKeyHashes(out []int64, recs []acctmap.Record) []int64 {
	var buf []recordKey
	for i := range recs {
		buf = appendKeys(buf[:0], &recs[i])
		for _, k := range buf {
			if matchKey(k.kind) {
				out = append(out, hashKey(k.value))
			}
		}
	}
	return out
}

// deleteIDs deletes records by id with deleteRecords, and returns how
// many it deleted and their keys.
func (w *writer) deleteIDs(op, dsID string, recordIDs []id) (int, []int64, error) {
	var n int
	var keys []int64
	_, err := w.queryRow(op, deleteRecords, []any{id(dsID), recordIDs}, &n, &keys)
	return n, keys, err
}

// relinkKeys runs relink on the keys, if any.
func (w *writer) relinkKeys(op, dsID string, keys []int64) error {
	if len(keys) == 0 {
		return nil
	}
	_, err := w.exec(op+": relink", relink, id(dsID), keys)
	return err
}

// fieldsScanner decodes the fields column (a JSON object, or NULL) into a
// Record's Fields, from the driver's buffer without copying it first.
type fieldsScanner struct{ m *map[string]string }

// ScanBytes implements pgtype.BytesScanner.
func (f fieldsScanner) ScanBytes(b []byte) error {
	*f.m = nil
	if b == nil {
		return nil
	}
	if err := json.Unmarshal(b, f.m); err != nil {
		return err
	}
	*f.m = fromTextMap(*f.m)
	return nil
}

// scanRecord scans a row of recordColumns into a new Record: its slices
// and maps are never shared with another.
func scanRecord(row pgx.Row) (acctmap.Record, error) {
	var rec acctmap.Record
	var rid id
	var pops int64
	err := row.Scan(&rid, &pops, &rec.Private, &rec.Name, &rec.Website, &rec.Domains, &rec.NameKey,
		&rec.RegistrationID.Scheme, &rec.RegistrationID.Value, fieldsScanner{&rec.Fields}, &rec.OtherNames, &rec.OtherNameKeys, &rec.Email, &rec.EmailKey)
	rec.ID, rec.Populations = string(rid), uint64(pops)
	rec.Name, rec.Website, rec.NameKey = fromText(rec.Name), fromText(rec.Website), fromText(rec.NameKey)
	rec.RegistrationID.Scheme, rec.RegistrationID.Value = fromText(rec.RegistrationID.Scheme), fromText(rec.RegistrationID.Value)
	rec.Email, rec.EmailKey = fromText(rec.Email), fromText(rec.EmailKey)
	fromTextSlice(rec.Domains)
	fromTextSlice(rec.OtherNames)
	fromTextSlice(rec.OtherNameKeys)
	return rec, err
}

func (r *reader) Record(dsID, recordID string) (acctmap.Record, error) {
	if err := r.check(); err != nil {
		return acctmap.Record{}, err
	}
	// One query: a missing data source has no records either.
	rec, err := scanRecord(r.tx.QueryRow(r.ctx, r.s.sql(`SELECT `+recordColumns+` FROM {s}.records WHERE data_source_id = $1 AND id = $2`), id(dsID), id(recordID)))
	if errors.Is(err, pgx.ErrNoRows) {
		return acctmap.Record{}, fmt.Errorf("pgstore: record %.60q of data source %.60q: %w", recordID, dsID, acctmap.ErrNotFound)
	}
	if err != nil {
		return acctmap.Record{}, r.fail("record", err)
	}
	return rec, nil
}

// Records streams the rows of the data source's records to fn as
// PostgreSQL sends them: memory does not grow with their number. Each call
// gets a new Record, so fn may keep it, its Domains and its Fields.
func (r *reader) Records(dsID string, fn func(*acctmap.Record) error) error {
	return r.streamRecords("records", dsID, `SELECT `+recordColumns+` FROM {s}.records WHERE data_source_id = $1`, []any{id(dsID)}, scanRecord, fn)
}

// RecordKeys is Records without the name, website and fields columns:
// less to send, and no JSON to decode.
func (r *reader) RecordKeys(dsID string, fn func(*acctmap.Record) error) error {
	return r.streamRecords("record keys", dsID, `SELECT `+recordKeyColumns+` FROM {s}.records WHERE data_source_id = $1`, []any{id(dsID)}, scanRecordKeys, fn)
}

// RecordsByID is Records for the ids: one query, id = ANY($2) through the
// primary key.
func (r *reader) RecordsByID(dsID string, recordIDs []string, fn func(*acctmap.Record) error) error {
	return r.streamRecords("records by id", dsID, `SELECT `+recordColumns+` FROM {s}.records WHERE data_source_id = $1 AND id = ANY($2)`, []any{id(dsID), ids(recordIDs)}, scanRecord, fn)
}

// recordKeyColumns are the columns of RecordKeys, in scanRecordKeys'
// order.
const recordKeyColumns = `id, populations, private, domains, name_key, reg_scheme, reg_value, other_name_keys, email_key`

// scanRecordKeys is scanRecord for recordKeyColumns.
func scanRecordKeys(row pgx.Row) (acctmap.Record, error) {
	var rec acctmap.Record
	var rid id
	var pops int64
	err := row.Scan(&rid, &pops, &rec.Private, &rec.Domains, &rec.NameKey, &rec.RegistrationID.Scheme, &rec.RegistrationID.Value, &rec.OtherNameKeys, &rec.EmailKey)
	rec.ID, rec.Populations = string(rid), uint64(pops)
	rec.NameKey, rec.EmailKey = fromText(rec.NameKey), fromText(rec.EmailKey)
	fromTextSlice(rec.OtherNameKeys)
	rec.RegistrationID.Scheme, rec.RegistrationID.Value = fromText(rec.RegistrationID.Scheme), fromText(rec.RegistrationID.Value)
	fromTextSlice(rec.Domains)
	return rec, err
}

// streamRecords checks that the data source exists and streams the
// records the query returns, read by scan, to fn.
func (r *reader) streamRecords(op, dsID, query string, args []any, scan func(pgx.Row) (acctmap.Record, error), fn func(*acctmap.Record) error) error {
	var exists bool
	if _, err := r.queryRow(op, `SELECT EXISTS (SELECT FROM {s}.data_sources WHERE id = $1)`, []any{id(dsID)}, &exists); err != nil {
		return err
	}
	if !exists {
		return notFound("data source", dsID)
	}
	rows, err := r.tx.Query(r.ctx, r.s.sql(query), args...)
	if err != nil {
		return r.fail(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		rec, err := scan(rows)
		if err != nil {
			return r.fail(op, err)
		}
		if err := fn(&rec); err != nil {
			// fn's error, not the transaction's: closing the rows early
			// leaves the transaction usable.
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return r.fail(op, err)
	}
	return nil
}

func (r *reader) CountRecords(dsID string) (int, error) {
	var n int
	found, err := r.queryRow("count records", `SELECT (SELECT count(*) FROM {s}.records r WHERE r.data_source_id = d.id)
		FROM {s}.data_sources d WHERE d.id = $1`, []any{id(dsID)}, &n)
	if err != nil {
		return 0, err
	}
	if !found {
		return 0, notFound("data source", dsID)
	}
	return n, nil
}

// dataSourceState reports whether the data source exists and has records.
func (w *writer) dataSourceState(op, dsID string) (hasRecords bool, err error) {
	found, err := w.queryRow(op, `SELECT EXISTS (SELECT FROM {s}.records r WHERE r.data_source_id = d.id)
		FROM {s}.data_sources d WHERE d.id = $1`, []any{id(dsID)}, &hasRecords)
	if err != nil {
		return false, err
	}
	if !found {
		return false, notFound("data source", dsID)
	}
	return hasRecords, nil
}

// distinct returns recs without duplicate ids: the last record of an id
// replaces the earlier ones, as if they were put one after the other.
func distinct(recs []acctmap.Record) []acctmap.Record {
	last := make(map[string]int, len(recs))
	for i := range recs {
		last[recs[i].ID] = i
	}
	if len(last) == len(recs) {
		return recs
	}
	out := make([]acctmap.Record, 0, len(last))
	for i := range recs {
		if last[recs[i].ID] == i {
			out = append(out, recs[i])
		}
	}
	return out
}

// PutRecords replaces the records with these ids and inserts the others.
// An upsert here is a delete of the ids that exist (with their keys) and a
// COPY of the new rows into records and record_keys: the same work as
// INSERT … ON CONFLICT DO UPDATE, without a staging table, and the keys,
// which change with the record, are rewritten the same way. The delete is
// skipped when the data source is empty, as it is on a first import; when
// it is not, relink then brings the linked column of the records that
// share a key with the old or new records up to date.
func (w *writer) PutRecords(dsID string, recs []acctmap.Record) error {
	recs = distinct(recs)
	hasRecords, err := w.dataSourceState("put records", dsID)
	if err != nil || len(recs) == 0 {
		return err
	}
	if !hasRecords {
		return w.copyRecords("put records", dsID, recs)
	}
	recIDs := make([]id, len(recs))
	for i := range recs {
		recIDs[i] = id(recs[i].ID)
	}
	_, keys, err := w.deleteIDs("put records", dsID, recIDs)
	if err != nil {
		return err
	}
	if err := w.copyRecords("put records", dsID, recs); err != nil {
		return err
	}
	return w.relinkKeys("put records", dsID, matchKeyHashes(keys, recs))
}

// ReplaceRecords deletes every record of the data source and COPYs recs
// in, in the transaction: until it commits, other transactions see the old
// records, and if it does not, they stay.
func (w *writer) ReplaceRecords(dsID string, recs []acctmap.Record) error {
	recs = distinct(recs)
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
	return w.copyRecords("replace records", dsID, recs)
}

// copyRecords COPYs recs, which have distinct ids that are not in the data
// source, and their keys into the data source. The linked column of the
// keys says whether a record shares a key with another of recs; PutRecords
// relinks the data source's other records.
func (w *writer) copyRecords(op, dsID string, recs []acctmap.Record) error {
	if len(recs) == 0 {
		return nil
	}
	if err := w.check(); err != nil {
		return err
	}
	ds, _ := id(dsID).BytesValue()
	if _, err := w.tx.CopyFrom(w.ctx, pgx.Identifier{w.s.schema, "records"}, recordCopyColumns, &recordSource{ds: ds, recs: recs, order: idOrder(recs), i: -1}); err != nil {
		return w.fail(op+": copy records", err)
	}
	if _, err := w.tx.CopyFrom(w.ctx, pgx.Identifier{w.s.schema, "record_keys"}, keyCopyColumns, newKeySource(ds, recs)); err != nil {
		return w.fail(op+": copy keys", err)
	}
	return nil
}

// idOrder returns the indexes of recs in id order, the order of the
// primary key (data_source_id, id): COPYing in that order adds to the
// index at the end of the data source's range instead of at random pages,
// 40% faster (600,000 records: 2.3 s instead of 3.8 s).
func idOrder(recs []acctmap.Record) []int32 {
	order := make([]int32, len(recs))
	sorted := true
	for i := range order {
		order[i] = int32(i)
		sorted = sorted && (i == 0 || recs[i-1].ID < recs[i].ID)
	}
	if !sorted {
		slices.SortFunc(order, func(a, b int32) int { return strings.Compare(recs[a].ID, recs[b].ID) })
	}
	return order
}

// recordSource is the pgx.CopyFromSource of copyRecords: recs in the
// order of order. pgx encodes the values of a row before it asks for the
// next, so the row and the key buffers are reused.
type recordSource struct {
	ds        []byte
	recs      []acctmap.Record
	order     []int32
	i         int
	row       [16]any
	keyBuf    []recordKey
	fieldsBuf []byte
	keys      []int64
}

func (s *recordSource) Next() bool {
	s.i++
	return s.i < len(s.recs)
}

func (s *recordSource) Values() ([]any, error) {
	r := &s.recs[s.order[s.i]]
	var fields []byte // nil: NULL
	if len(r.Fields) > 0 {
		s.fieldsBuf = appendFieldsJSON(s.fieldsBuf[:0], textMap(r.Fields))
		fields = s.fieldsBuf
	}
	s.keyBuf, s.keys = appendKeys(s.keyBuf[:0], r), s.keys[:0]
	for _, k := range s.keyBuf {
		s.keys = append(s.keys, hashKey(k.value))
	}
	var keys []int64 // nil: NULL
	if len(s.keys) > 0 {
		keys = s.keys
	}
	s.row = [16]any{s.ds, id(r.ID), int64(r.Populations), r.Private, toText(r.Name), toText(r.Website), textSlice(r.Domains),
		toText(r.NameKey), toText(r.RegistrationID.Scheme), toText(r.RegistrationID.Value), fields, keys,
		textSlice(r.OtherNames), textSlice(r.OtherNameKeys), toText(r.Email), toText(r.EmailKey)}
	return s.row[:], nil
}

func (s *recordSource) Err() error { return nil }

func (w *writer) DeleteRecords(dsID string, recordIDs []string) error {
	if len(recordIDs) > 0 {
		n, keys, err := w.deleteIDs("delete records", dsID, ids(recordIDs))
		if err != nil {
			return err
		}
		if n > 0 {
			// It deleted records: the data source exists.
			return w.relinkKeys("delete records", dsID, keys)
		}
	}
	_, err := w.dataSourceState("delete records", dsID)
	return err
}

// SetMembers flips the slot bit of exactly the records whose bit is wrong:
// set and not listed, or listed and not set, in records and in the
// populations column of their domain and registration id rows in
// record_keys. The statement is one pass over the data source's records
// and one over its keys whatever the length of the list: PostgreSQL
// evaluates id = ANY($3) with a hash table of the list (for 9 ids or
// more). (An IN (SELECT unnest($3)) subplan is hashed only when the
// planner expects it to fit in work_mem; with a list of 300,000 ids it
// was rescanned for every row.) Rows that need no change are not written,
// and record_keys' fillfactor leaves room on its pages for the new
// versions of the rows that do (HOT updates: no index entry to add).
func (w *writer) SetMembers(dsID string, slot int, recordIDs []string) error {
	if slot < 0 || slot >= acctmap.MaxPopulationsPerDataSource {
		// Checked after the data source, as memstore does, so that a
		// missing data source is ErrNotFound whatever the slot.
		if _, err := w.dataSourceState("set members", dsID); err != nil {
			return err
		}
		return fmt.Errorf("pgstore: population slot %d is not in 0 to %d: %w", slot, acctmap.MaxPopulationsPerDataSource-1, acctmap.ErrInvalidInput)
	}
	mask := int64(uint64(1) << uint(slot))
	tag, err := w.exec("set members", `WITH k AS (
			UPDATE {s}.record_keys SET populations = populations # $2
			WHERE data_source_id = $1 AND kind < 3
			  AND (populations & $2 <> 0) <> (record_id = ANY($3::bytea[]))
		)
		UPDATE {s}.records SET populations = populations # $2
		WHERE data_source_id = $1
		  AND (populations & $2 <> 0) <> (id = ANY($3::bytea[]))`, id(dsID), mask, ids(recordIDs))
	if err != nil || tag.RowsAffected() > 0 {
		return err // it changed records: the data source exists
	}
	_, err = w.dataSourceState("set members", dsID)
	return err
}
