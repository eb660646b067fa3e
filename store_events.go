package acctmap

import "time"

// EventRecord is one entry of an org's event log as a Store keeps it: the
// durable form of an Event of the org's feed or of an AuditEntry of its
// audit trail. The Network writes them and decides what each may show when
// it is read; a store only keeps them in order.
type EventRecord struct {
	// OrgID is the org whose log holds the entry (its recipient).
	OrgID string
	// Seq is the entry's position in the org's log, assigned by
	// AppendEvent: 1 for the first entry of the org, then one more for
	// each entry committed after it. It is per org, not per store, so
	// that the numbers an org reads depend on its own log only, never on
	// how busy other orgs are.
	Seq int64
	// Kind names what happened; the Network's EventKind and AuditAction
	// values, opaque to a store.
	Kind string
	// At is when it happened (UTC, microseconds).
	At time.Time
	// Data is the entry's content, encoded by the Network; opaque to a
	// store, which keeps its bytes exactly and, like every value crossing
	// the Store boundary, copies them in and out (nil and empty alike).
	Data []byte
}

// EventReadTx is the read half of the event log, part of ReadTx.
type EventReadTx interface {
	// Events returns the entries of org orgID's log whose Seq is greater
	// than after, in Seq order, at most limit of them (limit > 0, else an
	// error wrapping ErrInvalidInput). An org with no log, or one that
	// does not exist, has no entries: an empty list, not an error.
	Events(orgID string, after int64, limit int) ([]EventRecord, error)
}

// EventTx is the write half of the event log, part of Tx.
type EventTx interface {
	// AppendEvent appends e (whose Seq is ignored) to org e.OrgID's log
	// and returns the Seq it was given: one more than the last Seq of
	// the org's log, so that a reader that has seen Seq n and reads after
	// n misses nothing committed later. An entry is kept or lost with
	// the transaction that appended it. ErrNotFound when the org does not
	// exist. The log is append-only: entries are never changed, and
	// deleted only with their org (DeleteOrg), after which a new org of
	// the same id starts again from 1.
	AppendEvent(e EventRecord) (int64, error)
}
