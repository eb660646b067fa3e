package memstore

import (
	"fmt"
	"slices"
	"sort"

	"github.com/acctmap/acctmap"
)

// eventLog is one org's event log: its entries in Seq order, and the last
// Seq given.
type eventLog struct {
	recs []acctmap.EventRecord
	last int64
}

// Events implements acctmap.EventReadTx: a binary search for the first
// entry after `after`, then a copy of at most limit entries.
func (r *reader) Events(orgID string, after int64, limit int) ([]acctmap.EventRecord, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, fmt.Errorf("memstore: events: limit %d: %w", limit, acctmap.ErrInvalidInput)
	}
	log := r.st.events[orgID]
	if log == nil {
		return nil, nil
	}
	i := sort.Search(len(log.recs), func(i int) bool { return log.recs[i].Seq > after })
	end := min(len(log.recs), i+limit)
	out := make([]acctmap.EventRecord, end-i)
	for j := range out {
		out[j] = log.recs[i+j]
		out[j].Data = slices.Clone(out[j].Data) // the caller may write into it
	}
	return out, nil
}

// AppendEvent implements acctmap.EventTx. The undo pops the entry and
// gives its Seq back, so that a rolled-back append leaves no gap.
func (w *writer) AppendEvent(e acctmap.EventRecord) (int64, error) {
	if err := w.check(); err != nil {
		return 0, err
	}
	if _, ok := w.st.orgs.rows[e.OrgID]; !ok {
		return 0, fmt.Errorf("memstore: event: %w", notFound("org", e.OrgID))
	}
	if w.st.events == nil {
		w.st.events = map[string]*eventLog{}
	}
	log := w.st.events[e.OrgID]
	created := log == nil
	if created {
		log = &eventLog{}
		w.st.events[e.OrgID] = log
	}
	log.last++
	e.Seq = log.last
	e.Data = slices.Clone(e.Data) // the caller may write into what it gave
	log.recs = append(log.recs, e)
	w.undo = append(w.undo, func() {
		log.recs[len(log.recs)-1] = acctmap.EventRecord{} // drop the reference to Data
		log.recs = log.recs[:len(log.recs)-1]
		log.last--
		if created {
			delete(w.st.events, e.OrgID)
		}
	})
	return e.Seq, nil
}

// deleteEvents drops an org's log, logging the inverse (DeleteOrg).
func (w *writer) deleteEvents(orgID string) {
	log, ok := w.st.events[orgID]
	if !ok {
		return
	}
	delete(w.st.events, orgID)
	w.undo = append(w.undo, func() { w.st.events[orgID] = log })
}
