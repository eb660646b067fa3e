package acctmap

import "context"

// Store persists a network: orgs, users, partnerships, data sources, their
// records and populations. It is the driver contract between a Network and
// a storage engine, in the spirit of database/sql/driver: stores persist and
// index, while every rule (authorization, matching, sharing, validation)
// lives in this package, so that every store behaves the same. Package
// storetest is the conformance suite a Store must pass; memstore is the
// embedded default.
//
// All access happens in transactions:
//
//   - View runs fn in a read-only transaction that sees one consistent
//     snapshot of the whole store for its duration: writes committed while
//     it runs are not visible to it. View returns fn's error.
//   - Update runs fn in a read-write transaction. Updates are serializable:
//     the effect is as if they ran one at a time. If fn returns an error
//     or panics, or ctx is cancelled before the commit, nothing fn wrote is
//     kept; Update returns that error (a panic propagates). Otherwise every
//     write is committed atomically. Update may also fail for the store's
//     own reasons (I/O, conflicts it gave up retrying), and then nothing
//     was committed either. A store may run fn more than once (to retry
//     after a serialization conflict), so fn must have no effect other than
//     through tx and on variables it sets afresh on every run; the Network
//     writes all its transactions that way.
//
// The ctx given to View or Update governs every operation of the
// transaction. A Tx must not be used after fn returns, nor from more than
// one goroutine, and fn must not start another transaction on the same
// Store. A Store is safe for concurrent use.
//
// Values crossing the Store boundary are copied: a store keeps nothing a
// Put method was given (no slice or map of an Org, DataSource, Population,
// Partnership, Record or Filter, nor the slices of ids given to SetMembers,
// DeleteRecords or RecordsByID) and returns nothing it keeps. A caller may
// write into what it put, or what a Tx returned, at once and from any
// goroutine, without changing what is stored or what another caller reads.
// storetest's Aliasing tests check it.
//
// View and Update given a nil ctx return an error wrapping ErrInvalidInput
// without running fn; they never panic on it.
//
// Stores must round-trip every field exactly: strings of any bytes (ids,
// names and values may hold NUL or invalid UTF-8), times in UTC to
// microsecond precision, and nil and empty slices and maps alike (either
// may come back for the other).
type Store interface {
	View(ctx context.Context, fn func(tx ReadTx) error) error
	Update(ctx context.Context, fn func(tx Tx) error) error
}

// ReadTx is a read-only transaction.
//
// Getters return an error wrapping ErrNotFound when the item does not
// exist. Lists return items ordered by id as Go compares strings, byte by
// byte (COLLATE "C" in SQL); partnerships are ordered by the other org's
// id. A list with nothing in it is empty (nil or an empty slice), not an
// error.
type ReadTx interface {
	Org(id string) (Org, error)
	// Orgs lists every org.
	Orgs() ([]Org, error)
	// OfflinePartners lists the orgs whose OfflineOf is ownerID (none for
	// an empty ownerID).
	OfflinePartners(ownerID string) ([]Org, error)

	User(id string) (User, error)
	// Users lists the users of one org.
	Users(orgID string) ([]User, error)

	// Partnership returns the partnership of the unordered pair (a, b).
	Partnership(a, b string) (Partnership, error)
	// Partnerships lists the partnerships in which orgID is either side.
	Partnerships(orgID string) ([]Partnership, error)

	DataSource(id string) (DataSource, error)
	// DataSources lists the data sources whose OrgID is orgID.
	DataSources(orgID string) ([]DataSource, error)

	Population(id string) (Population, error)
	// Populations lists the populations whose OrgID is orgID.
	Populations(orgID string) ([]Population, error)

	// Record returns one record of a data source; ErrNotFound when the data
	// source or the record does not exist.
	Record(dataSourceID, recordID string) (Record, error)
	// Records calls fn for every record of the data source, in no
	// particular order, stopping at and returning fn's first error. The
	// *Record pointer is valid only during the call, but the strings,
	// slices and maps it holds may be kept: the store does not reuse them.
	// fn must not call methods of the transaction (a SQL store is
	// streaming rows meanwhile).
	// ErrNotFound when the data source does not exist.
	Records(dataSourceID string, fn func(*Record) error) error
	// RecordKeys calls fn for every record of the data source, as Records
	// does, with what matching reads set: ID, Domains, RegistrationID,
	// NameKey, OtherNameKeys, EmailKey, Populations and Private. The other fields may be empty or
	// not. The Network builds its indexes with it: a SQL store reads a
	// fraction of each row (a quarter of the time of Records for a
	// million records on pgstore).
	RecordKeys(dataSourceID string, fn func(*Record) error) error
	// RecordsByID calls fn for each record of the data source whose id is
	// in ids, once per record (an id listed twice is visited once), in no
	// particular order; ids with no record are skipped. fn and the *Record
	// follow the rules of Records. ErrNotFound when the data source does
	// not exist. It is the batch form of Record: one round trip, for a SQL
	// store, where reports would otherwise make one per matched record.
	RecordsByID(dataSourceID string, ids []string, fn func(*Record) error) error
	// CountRecords returns the number of records of the data source;
	// ErrNotFound when the data source does not exist.
	CountRecords(dataSourceID string) (int, error)
	EventReadTx  // the event log (store_events.go)
	ThreadReadTx // threads and org items (store_threads.go)
}

// Tx is a read-write transaction. Its reads see its own writes.
//
// Put methods insert or replace by id. Replacing an item keeps what
// belongs to it (an org's users, partnerships, data sources and offline
// partners; a data source's records and populations). Put methods return an
// error wrapping ErrNotFound when the item's parent does not exist: a
// user's org, an offline partner's owner (Org.OfflineOf), a partnership's
// orgs, a data source's org, a population's data source, a record's data
// source. The Network keeps a population's OrgID equal to its data
// source's and its Slot between 0 and 63; stores need not check either.
//
// Delete methods return ErrNotFound when the item does not exist, and
// cascade to what belongs to the item:
//
//   - DeleteOrg: the org's users, partnerships, data sources (with their
//     records and populations), and the offline partners it owns (with all
//     of theirs).
//   - DeleteDataSource: its records and populations.
//   - DeletePopulation: its slot bit in the records of its data source.
//
// The record methods return ErrNotFound when the data source does not
// exist, and change nothing then.
type Tx interface {
	ReadTx
	EventTx  // the event log (store_events.go)
	ThreadTx // threads and org items (store_threads.go)

	PutOrg(org Org) error
	DeleteOrg(id string) error

	PutUser(user User) error
	DeleteUser(id string) error

	PutPartnership(p Partnership) error
	DeletePartnership(a, b string) error

	PutDataSource(ds DataSource) error
	DeleteDataSource(id string) error

	// PutPopulation never changes Record.Populations, not even when the
	// population's Slot changes: membership is set by SetMembers.
	PutPopulation(p Population) error
	DeletePopulation(id string) error

	// PutRecords inserts or replaces records by id. If recs holds an id
	// more than once, the last one wins.
	PutRecords(dataSourceID string, recs []Record) error
	// DeleteRecords deletes the records with these ids; ids that do not
	// exist are ignored.
	DeleteRecords(dataSourceID string, ids []string) error
	// ReplaceRecords makes recs the data source's whole content; if recs
	// holds an id more than once, the last one wins.
	ReplaceRecords(dataSourceID string, recs []Record) error
	// SetMembers sets population slot bit `slot` in Record.Populations for
	// exactly the listed records of the data source and clears it in all
	// others; ids that do not exist are ignored. A slot outside 0 to 63 is
	// an error wrapping ErrInvalidInput and changes nothing.
	SetMembers(dataSourceID string, slot int, recordIDs []string) error
}

// ScanTx is implemented by the read transactions (ReadTx) of stores that
// can scan records without making new slices and maps for each: memstore
// keeps records in a compact form and would otherwise build a Fields map
// per record, for a caller that keeps nothing. The Network uses it where it
// only reads each record during the call (evaluating a population's
// filter), and Records everywhere else.
type ScanTx interface {
	// ScanRecords is Records, except that the *Record and every slice and
	// map it holds are valid only during the call: the store may reuse
	// them for the next record, and fn must neither keep nor modify them
	// (strings may be kept).
	ScanRecords(dataSourceID string, fn func(*Record) error) error
}

// scanRecords calls fn for every record of a data source, through
// ScanRecords when tx has it: fn must keep nothing of the *Record but its
// strings.
func scanRecords(tx ReadTx, dataSourceID string, fn func(*Record) error) error {
	if s, ok := tx.(ScanTx); ok {
		return s.ScanRecords(dataSourceID, fn)
	}
	return tx.Records(dataSourceID, fn)
}
