package storetest_test

import (
	"github.com/acctmap/acctmap"
)

// The threads' mutants, added to the suite's table: each breaks one rule
// of ThreadTx or ThreadReadTx and must be caught by the named subtest.
func init() {
	mutants["threadsOneSide"] = struct {
		newStore func() acctmap.Store
		catches  string
	}{wrap(func(tx acctmap.Tx) acctmap.Tx { return threadsOneSide{tx} }), "/^Threads$/^RoundTripAndOrder$"}
	mutants["threadsOutliveTheirPartnership"] = struct {
		newStore func() acctmap.Store
		catches  string
	}{wrap(func(tx acctmap.Tx) acctmap.Tx { return threadsOutlive{tx} }), "/^Threads$/^Cascade$"}
}

// threadsOneSide lists only the threads an org started.
type threadsOneSide struct{ acctmap.Tx }

func (m threadsOneSide) Threads(org string) ([]acctmap.ThreadRecord, error) {
	all, err := m.Tx.Threads(org)
	var out []acctmap.ThreadRecord
	for _, t := range all {
		if t.OrgA == org {
			out = append(out, t)
		}
	}
	return out, err
}

// threadsOutlive "deletes" a partnership by marking it revoked: the row,
// and the threads that belong to it, stay.
type threadsOutlive struct{ acctmap.Tx }

func (m threadsOutlive) DeletePartnership(a, b string) error {
	p, err := m.Tx.Partnership(a, b)
	if err != nil {
		return err
	}
	p.Status = acctmap.Revoked
	return m.Tx.PutPartnership(p)
}

// The write methods of threads, for readOnly (storetest_test.go).

func (readOnly) PutThread(acctmap.ThreadRecord) error               { panic("write in a View") }
func (readOnly) AppendMessage(acctmap.MessageRecord) (int64, error) { panic("write in a View") }
func (readOnly) PutOrgItem(acctmap.OrgItem) error                   { panic("write in a View") }
func (readOnly) DeleteOrgItem(string, string, string) error         { panic("write in a View") }
