package pgstore

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/acctmap/acctmap"
	"github.com/jackc/pgx/v5"
)

const recordColumns = `id, populations, private, name, website, domains, name_key, reg_scheme, reg_value, fields`

// recordCopyColumns are the columns COPY writes, in the order of
// recordSource.Values.
var recordCopyColumns = []string{"data_source_id", "id", "populations", "private", "name", "website", "domains", "name_key", "reg_scheme", "reg_value", "fields", "keys"}

// deleteRecords deletes the records of data source $1 whose ids are in
// $2, and their rows in record_keys, found by records.keys through the
// index on (data_source_id, key).
const deleteRecords = `WITH gone AS (
		DELETE FROM {s}.records WHERE data_source_id = $1 AND id = ANY($2) RETURNING id, keys
	), gone_keys AS (
		DELETE FROM {s}.record_keys k USING gone, unnest(gone.keys) AS g (key)
		WHERE k.data_source_id = $1 AND k.key = g.key AND k.record_id = gone.id
	)
	SELECT count(*) FROM gone`

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
		&rec.RegistrationID.Scheme, &rec.RegistrationID.Value, fieldsScanner{&rec.Fields})
	rec.ID, rec.Populations = string(rid), uint64(pops)
	rec.Name, rec.Website, rec.NameKey = fromText(rec.Name), fromText(rec.Website), fromText(rec.NameKey)
	rec.RegistrationID.Scheme, rec.RegistrationID.Value = fromText(rec.RegistrationID.Scheme), fromText(rec.RegistrationID.Value)
	fromTextSlice(rec.Domains)
	return rec, err
}

func (r *reader) Record(dsID, recordID string) (acctmap.Record, error) {
	if err := r.check(); err != nil {
		return acctmap.Record{}, err
	}
	// One query: a missing data source has no records either.
	rec, err := scanRecord(r.tx.QueryRow(r.ctx, r.s.sql(`SELECT `+recordColumns+` FROM {s}.records WHERE data_source_id = $1 AND id = $2`), id(dsID), id(recordID)))
	if errors.Is(err, pgx.ErrNoRows) {
		return acctmap.Record{}, fmt.Errorf("pgstore: record %q of data source %q: %w", recordID, dsID, acctmap.ErrNotFound)
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
	var exists bool
	if _, err := r.queryRow("records", `SELECT EXISTS (SELECT FROM {s}.data_sources WHERE id = $1)`, []any{id(dsID)}, &exists); err != nil {
		return err
	}
	if !exists {
		return notFound("data source", dsID)
	}
	rows, err := r.tx.Query(r.ctx, r.s.sql(`SELECT `+recordColumns+` FROM {s}.records WHERE data_source_id = $1`), id(dsID))
	if err != nil {
		return r.fail("records", err)
	}
	defer rows.Close()
	for rows.Next() {
		rec, err := scanRecord(rows)
		if err != nil {
			return r.fail("records", err)
		}
		if err := fn(&rec); err != nil {
			// fn's error, not the transaction's: closing the rows early
			// leaves the transaction usable.
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return r.fail("records", err)
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
// skipped when the data source is empty, as it is on a first import.
func (w *writer) PutRecords(dsID string, recs []acctmap.Record) error {
	recs = distinct(recs)
	hasRecords, err := w.dataSourceState("put records", dsID)
	if err != nil || len(recs) == 0 {
		return err
	}
	if hasRecords {
		recIDs := make([]id, len(recs))
		for i := range recs {
			recIDs[i] = id(recs[i].ID)
		}
		var n int
		if _, err := w.queryRow("put records", deleteRecords, []any{id(dsID), recIDs}, &n); err != nil {
			return err
		}
	}
	return w.copyRecords("put records", dsID, recs)
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
// source, and their keys into the data source.
func (w *writer) copyRecords(op, dsID string, recs []acctmap.Record) error {
	if len(recs) == 0 {
		return nil
	}
	if err := w.check(); err != nil {
		return err
	}
	ds, _ := id(dsID).BytesValue()
	if _, err := w.tx.CopyFrom(w.ctx, pgx.Identifier{w.s.schema, "records"}, recordCopyColumns, &recordSource{ds: ds, recs: recs, i: -1}); err != nil {
		return w.fail(op+": copy records", err)
	}
	if _, err := w.tx.CopyFrom(w.ctx, pgx.Identifier{w.s.schema, "record_keys"}, keyCopyColumns, newKeySource(ds, recs)); err != nil {
		return w.fail(op+": copy keys", err)
	}
	return nil
}

// recordSource is the pgx.CopyFromSource of copyRecords. pgx encodes the
// values of a row before it asks for the next, so the row and the key
// buffers are reused.
type recordSource struct {
	ds     []byte
	recs   []acctmap.Record
	i      int
	row    [12]any
	keyBuf []recordKey
	keys   []int64
	err    error
}

func (s *recordSource) Next() bool {
	s.i++
	return s.i < len(s.recs) && s.err == nil
}

func (s *recordSource) Values() ([]any, error) {
	r := &s.recs[s.i]
	var fields []byte // nil: NULL
	if len(r.Fields) > 0 {
		fields, s.err = json.Marshal(textMap(r.Fields))
		if s.err != nil {
			return nil, s.err
		}
	}
	s.keyBuf, s.keys = appendKeys(s.keyBuf[:0], r), s.keys[:0]
	for _, k := range s.keyBuf {
		s.keys = append(s.keys, hashKey(k.value))
	}
	var keys []int64 // nil: NULL
	if len(s.keys) > 0 {
		keys = s.keys
	}
	s.row = [12]any{s.ds, id(r.ID), int64(r.Populations), r.Private, toText(r.Name), toText(r.Website), textSlice(r.Domains),
		toText(r.NameKey), toText(r.RegistrationID.Scheme), toText(r.RegistrationID.Value), fields, keys}
	return s.row[:], nil
}

func (s *recordSource) Err() error { return s.err }

func (w *writer) DeleteRecords(dsID string, recordIDs []string) error {
	if len(recordIDs) > 0 {
		var n int
		if _, err := w.queryRow("delete records", deleteRecords, []any{id(dsID), ids(recordIDs)}, &n); err != nil || n > 0 {
			return err // it deleted records: the data source exists
		}
	}
	_, err := w.dataSourceState("delete records", dsID)
	return err
}

// SetMembers flips the slot bit of exactly the records whose bit is wrong:
// set and not listed, or listed and not set. The list is a hashed subplan,
// built once, so the statement is one pass over the data source's records
// whatever the length of the list; records that need no change are not
// written.
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
	tag, err := w.exec("set members", `UPDATE {s}.records SET populations = populations # $2
		WHERE data_source_id = $1
		  AND (populations & $2 <> 0) <> (id IN (SELECT unnest($3::bytea[])))`, id(dsID), mask, ids(recordIDs))
	if err != nil || tag.RowsAffected() > 0 {
		return err // it changed records: the data source exists
	}
	_, err = w.dataSourceState("set members", dsID)
	return err
}
