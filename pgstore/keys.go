package pgstore

import (
	"slices"

	"github.com/acctmap/acctmap"
	"github.com/cespare/xxhash/v2"
)

// Account keys.
//
// Every record write also writes the record's account keys into
// record_keys, one row per key: the overlap of two data sources is then a
// join of their keys, done in the database (part 2: pushdown). A key row
// holds its kind, its canonical string (value) and the 64-bit xxhash of
// that string as a bigint (key); the join compares keys and confirms a hit
// on kind and value, so that a hash collision can never make a false
// overlap.
//
// One index serves the table: record_keys_key (data_source_id, key)
// INCLUDE (kind, record_id) holds each data source's keys as one range, in
// key order, for a hash join or a merge join of two data sources, and to
// delete a record's keys, found by the key column of its row in records
// (records.keys). A second index, by record, made imports more than a
// quarter slower.
//
// PostgreSQL 15 plans the join of two data sources' keys,
//
//	SELECT count(*) FROM record_keys a JOIN record_keys b
//	  ON b.key = a.key AND b.kind = a.kind AND b.value = a.value
//	WHERE a.data_source_id = $1 AND b.data_source_id = $2
//
// as a hash join of the two data sources' ranges. With 20 data sources of
// 20,000 records (40,000 keys each; analyzed) in the table, EXPLAIN
// ANALYZE gives (65 ms):
//
//	Aggregate
//	  ->  Gather  (Workers Planned: 2)
//	        ->  Parallel Hash Join
//	              Hash Cond: ((a.key = b.key) AND (a.kind = b.kind) AND (a.value = b.value))
//	              ->  Parallel Bitmap Heap Scan on record_keys a
//	                    Recheck Cond: (data_source_id = '\x64733132'::bytea)
//	                    ->  Bitmap Index Scan on record_keys_key
//	                          Index Cond: (data_source_id = '\x64733132'::bytea)
//	              ->  Parallel Hash  (Buckets: 65536  Batches: 1  Memory Usage: 2880kB)
//	                    ->  Parallel Bitmap Heap Scan on record_keys b
//	                          Recheck Cond: (data_source_id = '\x64733133'::bytea)
//	                          ->  Bitmap Index Scan on record_keys_key
//	                                Index Cond: (data_source_id = '\x64733133'::bytea)
//
// Hashing needs neither a sort nor an order, and each data source's rows
// are contiguous in the heap (COPY writes them together), so the bitmap
// scans read few pages. When the two data sources are a large part of the
// table (6 sources of 400,000 keys), the same hash join reads them with
// parallel sequential scans instead (0.8 s). With enable_hashjoin off, it
// is a merge join of the two index scans in key order, with no Sort node,
// but slower, as the heap fetches for value come in random order:
//
//	->  Merge Join
//	      Merge Cond: (a.key = b.key)
//	      Join Filter: ((a.kind = b.kind) AND (a.value = b.value))
//	      ->  Parallel Index Scan using record_keys_key on record_keys a
//	            Index Cond: (data_source_id = '\x647332'::bytea)
//	      ->  Index Scan using record_keys_key on record_keys b
//	            Index Cond: (data_source_id = '\x647333'::bytea)
//
// TestExplainKeyJoin logs the plan on its own data and fails if it is
// neither a hash nor a merge join.

// Key kinds, the record_keys.kind column.
const (
	kindDomain int16 = 1 // a canonical domain of Record.Domains
	kindRegID  int16 = 2 // Record.RegistrationID
	kindName   int16 = 3 // Record.NameKey
)

// keyCopyColumns are the columns COPY writes, in the order of
// keySource.Values.
var keyCopyColumns = []string{"key", "kind", "data_source_id", "record_id", "value"}

// recordKey is one account key of a record.
type recordKey struct {
	kind  int16
	value string
}

// hashKey is the key column of a canonical string: its xxhash, the bits
// of the uint64 as an int64.
func hashKey(value string) int64 { return int64(xxhash.Sum64String(value)) }

// regIDValue is the canonical string of a registration id: "scheme:value",
// the key the in-memory matcher uses (overlap.go), so that both engines
// hash the same strings. (A scheme holding ':' could make two ids share
// one string; the normalized schemes do not, and both engines would agree
// anyway.)
func regIDValue(r acctmap.RegistrationID) string {
	return r.Scheme + ":" + r.Value
}

// appendKeys appends the account keys of r to buf: each distinct domain,
// the registration id if set, and the name key if not empty.
func appendKeys(buf []recordKey, r *acctmap.Record) []recordKey {
	start := len(buf)
	for _, d := range r.Domains {
		if d != "" && !slices.Contains(buf[start:], recordKey{kindDomain, d}) {
			buf = append(buf, recordKey{kindDomain, d})
		}
	}
	if !r.RegistrationID.IsZero() {
		buf = append(buf, recordKey{kindRegID, regIDValue(r.RegistrationID)})
	}
	if r.NameKey != "" {
		buf = append(buf, recordKey{kindName, r.NameKey})
	}
	return buf
}

// keySource is the pgx.CopyFromSource of the keys of records: it derives
// them record by record, so that memory does not grow with their number.
type keySource struct {
	ds   []byte
	recs []acctmap.Record
	rec  int         // the record whose keys are in keys
	keys []recordKey // the keys of recs[rec]
	k    int         // the current key in keys
	row  [5]any
}

func newKeySource(ds []byte, recs []acctmap.Record) *keySource {
	return &keySource{ds: ds, recs: recs, rec: -1}
}

func (s *keySource) Next() bool {
	s.k++
	for s.k >= len(s.keys) {
		s.rec++
		if s.rec >= len(s.recs) {
			return false
		}
		s.keys, s.k = appendKeys(s.keys[:0], &s.recs[s.rec]), 0
	}
	return true
}

func (s *keySource) Values() ([]any, error) {
	k := s.keys[s.k]
	// The key hashes the Go string, as the in-memory matcher does; value
	// is stored as text (see toText), which keeps values equal or not.
	s.row = [5]any{hashKey(k.value), k.kind, s.ds, id(s.recs[s.rec].ID), toText(k.value)}
	return s.row[:], nil
}

func (s *keySource) Err() error { return nil }
