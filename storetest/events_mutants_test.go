package storetest_test

import (
	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
)

// The event log's mutants, added to the suite's table: each breaks one
// rule of EventTx or EventReadTx and must be caught by the named subtest.
func init() {
	mutants["eventsSkipOne"] = struct {
		newStore func() acctmap.Store
		catches  string
	}{wrap(func(tx acctmap.Tx) acctmap.Tx { return eventsSkipOne{tx} }), "/^Events$/^CursorResumes$"}
	mutants["eventsOneLog"] = struct {
		newStore func() acctmap.Store
		catches  string
	}{wrap(func(tx acctmap.Tx) acctmap.Tx { return eventsOneLog{tx} }), "/^Events$/^OrgsApart$"}
	mutants["eventsCommitOnError"] = struct {
		newStore func() acctmap.Store
		catches  string
	}{func() acctmap.Store { return commitsOnError{memstore.New()} }, "/^Events$/^AtomicWithTheTransaction$"}
}

// eventsSkipOne reads one entry too far: a reader resuming after Seq n
// misses n+1.
type eventsSkipOne struct{ acctmap.Tx }

func (m eventsSkipOne) Events(org string, after int64, limit int) ([]acctmap.EventRecord, error) {
	if after > 0 {
		after++
	}
	return m.Tx.Events(org, after, limit)
}

// eventsOneLog ignores the org of a read that finds nothing, answering
// with the log of the first org the tests write.
type eventsOneLog struct{ acctmap.Tx }

func (m eventsOneLog) Events(org string, after int64, limit int) ([]acctmap.EventRecord, error) {
	got, err := m.Tx.Events(org, after, limit)
	if err == nil && len(got) == 0 {
		return m.Tx.Events("ev-a", after, limit)
	}
	return got, err
}
