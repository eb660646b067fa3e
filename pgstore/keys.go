package pgstore

import (
	"cmp"
	"slices"

	"github.com/acctmap/acctmap"
	"github.com/cespare/xxhash/v2"
)

// Account keys.
//
// Every record write also writes the record's account keys into
// record_keys, one row per key: the overlap of two data sources is then a
// join of their keys, done in the database (overlap.go). A key row holds
// its kind, its canonical string (value) and the 64-bit xxhash of that
// string as a bigint (key); joins compare keys and confirm a hit on kind
// and value, so that a hash collision can never make a false overlap. The
// rows of domains and registration ids also carry what the overlap needs
// of their record, so that it never reads records: its populations, its
// private mark, its registration id (reg) and whether it shares a key with
// another record of its data source (linked); see
// migrations/0002_overlap.sql.
//
// Two indexes serve the table: record_keys_key (data_source_id, key)
// INCLUDE (kind, record_id) holds each data source's keys as one range, in
// key order, for a hash join or a merge join of two data sources, and to
// find a record's keys from the key column of its row in records
// (records.keys: to delete them, or relink); record_keys_linked
// (data_source_id) WHERE linked AND kind < 3 holds the few rows of records
// that share keys within their data source, which the overlap resolves. A
// third index, by record, made imports more than a quarter slower.
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
// The overlap query joins on key alone and checks kind and value on each
// hit (overlapQuery says why). TestExplainKeyJoin logs the plans of both
// on its own data and fails if either join is neither a hash nor a merge
// join, or if the overlap query has a nested loop.

// Key kinds, the record_keys.kind column.
const (
	kindDomain int16 = 1 // a canonical domain of Record.Domains
	kindRegID  int16 = 2 // Record.RegistrationID
	kindName   int16 = 3 // Record.NameKey
)

// keyCopyColumns are the columns COPY writes, in the order of
// keySource.Values.
var keyCopyColumns = []string{"key", "kind", "data_source_id", "record_id", "value", "populations", "private", "linked", "reg"}

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

// matchKey reports whether a key kind links records into accounts and
// counts in the overlap: domains and registration ids, not name keys.
func matchKey(kind int16) bool { return kind == kindDomain || kind == kindRegID }

// keyEntry is one row of record_keys to COPY: a key of recs[rec].
type keyEntry struct {
	hash  int64
	rec   int32
	kind  int16
	value string
}

// keyRecord is what the rows of record_keys repeat of their record,
// gathered in record order: the COPY, in key order, reads these and not
// the records, which it would visit at random (a cache miss each).
type keyRecord struct {
	id          string
	reg         string // the reg column, as text; "" is NULL
	populations int64
	private     bool
	linked      bool
}

// sortedKeys returns the keys of recs in the order of record_keys_key
// (by hash), and what their rows need of each record, with linked: whether
// it shares a domain or a registration id with another of recs (the linked
// column of its rows when recs are a data source's whole content). In
// that order a COPY adds to the index at the end of the data source's
// range, pages the previous row just touched, instead of at random pages:
// half the time of an unordered COPY. Equal keys are neighbours then,
// which finds the links without a map.
func sortedKeys(recs []acctmap.Record) ([]keyEntry, []keyRecord) {
	var entries []keyEntry
	info := make([]keyRecord, len(recs))
	var buf []recordKey
	for i := range recs {
		r := &recs[i]
		info[i] = keyRecord{id: r.ID, populations: int64(r.Populations), private: r.Private}
		if !r.RegistrationID.IsZero() {
			info[i].reg = toText(regIDValue(r.RegistrationID))
		}
		buf = appendKeys(buf[:0], r)
		for _, k := range buf {
			entries = append(entries, keyEntry{hash: hashKey(k.value), rec: int32(i), kind: k.kind, value: k.value})
		}
	}
	slices.SortFunc(entries, func(a, b keyEntry) int { return cmp.Compare(a.hash, b.hash) })
	for lo := 0; lo < len(entries); {
		hi := lo + 1
		for hi < len(entries) && entries[hi].hash == entries[lo].hash {
			hi++
		}
		// A run of one hash: equal keys, but for a collision. A record's
		// keys are distinct, so two equal ones belong to two records.
		for i := lo; i < hi; i++ {
			for j := i + 1; j < hi; j++ {
				a, b := &entries[i], &entries[j]
				if a.kind == b.kind && a.value == b.value && matchKey(a.kind) {
					info[a.rec].linked, info[b.rec].linked = true, true
				}
			}
		}
		lo = hi
	}
	return entries, info
}

// keySource is the pgx.CopyFromSource of the keys of records, from
// sortedKeys.
type keySource struct {
	ds      []byte
	entries []keyEntry
	info    []keyRecord
	i       int
	row     [9]any
}

func newKeySource(ds []byte, recs []acctmap.Record) *keySource {
	entries, info := sortedKeys(recs)
	return &keySource{ds: ds, entries: entries, info: info, i: -1}
}

func (s *keySource) Next() bool {
	s.i++
	return s.i < len(s.entries)
}

func (s *keySource) Values() ([]any, error) {
	e := &s.entries[s.i]
	r := &s.info[e.rec]
	// The key hashes the Go string, as the in-memory matcher does; value
	// is stored as text (see toText), which keeps values equal or not.
	// populations, linked and reg are kept on the rows the overlap reads.
	var pops int64
	linked := false
	var reg any
	if matchKey(e.kind) {
		pops, linked = r.populations, r.linked
		if r.reg != "" {
			reg = r.reg
		}
	}
	s.row = [9]any{e.hash, e.kind, s.ds, id(r.id), toText(e.value), pops, r.private, linked, reg}
	return s.row[:], nil
}

func (s *keySource) Err() error { return nil }
