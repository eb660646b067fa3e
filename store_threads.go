package acctmap

import "time"

// ThreadRecord is a thread as a Store keeps it: the two orgs it is
// between, which a store indexes, and the rest encoded by the Network.
// A thread belongs to the partnership of its two orgs: a store deletes it
// with that partnership (DeletePartnership, and DeleteOrg of either org).
type ThreadRecord struct {
	ID string
	// OrgA is the org of the user who started the thread, OrgB the
	// partner it is with.
	OrgA, OrgB string
	// Data is the thread's content (its account, owners, status), encoded
	// by the Network; opaque to a store, which keeps its bytes exactly
	// and copies them in and out (nil and empty alike).
	Data []byte
}

// MessageRecord is one message of a thread as a Store keeps it.
type MessageRecord struct {
	ThreadID string
	// Seq is the message's position in its thread, assigned by
	// AppendMessage: 1 for the first, then one more for each message.
	Seq int64
	// OrgID is the org of the author.
	OrgID string
	At    time.Time
	// Data is the message's content, encoded by the Network; opaque to a
	// store (see ThreadRecord.Data).
	Data []byte
}

// OrgItem is something an org keeps for itself only, opaque to a store:
// the Network keeps attributions and data sources' opportunity mappings
// as items of the org that records them. Items are deleted with their
// org.
type OrgItem struct {
	OrgID string
	// Kind names what the item is ("attribution", "opportunity_fields"),
	// ID which one of its kind; both chosen by the Network.
	Kind, ID string
	// Data is the item's content, opaque to a store (see
	// ThreadRecord.Data).
	Data []byte
}

// ThreadReadTx is the read half of threads and org items, part of ReadTx.
type ThreadReadTx interface {
	// Thread returns one thread; ErrNotFound when it does not exist.
	Thread(id string) (ThreadRecord, error)
	// Threads lists the threads in which orgID is either side, by id.
	Threads(orgID string) ([]ThreadRecord, error)
	// Messages lists the messages of a thread in Seq order (none for a
	// thread that does not exist).
	Messages(threadID string) ([]MessageRecord, error)
	// OrgItems lists the items of one kind of an org, by id; kind ""
	// lists every item of the org, by kind then id (the Network's kinds
	// are never empty).
	OrgItems(orgID, kind string) ([]OrgItem, error)
}

// ThreadTx is the write half of threads and org items, part of Tx.
type ThreadTx interface {
	// PutThread inserts or replaces a thread by id, keeping its
	// messages. ErrNotFound when the partnership of OrgA and OrgB does
	// not exist. A thread's orgs never change: the Network replaces a
	// thread only with the same OrgA and OrgB.
	PutThread(t ThreadRecord) error
	// AppendMessage appends m (whose Seq is ignored) to thread
	// m.ThreadID and returns the Seq it was given, one more than the
	// thread's last; ErrNotFound when the thread does not exist.
	// Messages are never changed, and deleted only with their thread.
	AppendMessage(m MessageRecord) (int64, error)
	// PutOrgItem inserts or replaces the item (OrgID, Kind, ID);
	// ErrNotFound when the org does not exist.
	PutOrgItem(it OrgItem) error
	// DeleteOrgItem deletes one item; ErrNotFound when it does not exist.
	DeleteOrgItem(orgID, kind, id string) error
}
