package memstore

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/acctmap/acctmap"
)

// threadState holds the threads, their messages and the org items; nil in
// a state until the first of them is written.
type threadState struct {
	threads  *table[string, acctmap.ThreadRecord] // index 0: by either org
	messages map[string][]acctmap.MessageRecord   // by thread id, in Seq order
	items    *table[itemKey, acctmap.OrgItem]     // index 0: by OrgID
}

// itemKey is the key of an org item.
type itemKey struct{ org, kind, id string }

func newThreadState() *threadState {
	byOrg := index[string]{}
	return &threadState{
		threads: newTable(
			secondary[string, acctmap.ThreadRecord]{byOrg, func(t acctmap.ThreadRecord) string { return t.OrgA }},
			secondary[string, acctmap.ThreadRecord]{byOrg, func(t acctmap.ThreadRecord) string { return t.OrgB }},
		),
		messages: map[string][]acctmap.MessageRecord{},
		items:    newTable(secondary[itemKey, acctmap.OrgItem]{index[itemKey]{}, func(it acctmap.OrgItem) string { return it.OrgID }}),
	}
}

// threadsState returns the state's threads, making them on a first write.
func (w *writer) threadsState() *threadState {
	if w.st.threads == nil {
		w.st.threads = newThreadState()
		w.undo = append(w.undo, func() { w.st.threads = nil })
	}
	return w.st.threads
}

func cloneThread(t acctmap.ThreadRecord) acctmap.ThreadRecord {
	t.Data = slices.Clone(t.Data)
	return t
}

// Thread implements acctmap.ThreadReadTx.
func (r *reader) Thread(id string) (acctmap.ThreadRecord, error) {
	if err := r.check(); err != nil {
		return acctmap.ThreadRecord{}, err
	}
	if r.st.threads != nil {
		if t, ok := r.st.threads.threads.rows[id]; ok {
			return cloneThread(t), nil
		}
	}
	return acctmap.ThreadRecord{}, notFound("thread", id)
}

// Threads implements acctmap.ThreadReadTx.
func (r *reader) Threads(orgID string) ([]acctmap.ThreadRecord, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	if r.st.threads == nil {
		return nil, nil
	}
	out := cloneAll(r.st.threads.threads.list(0, orgID), cloneThread)
	slices.SortFunc(out, func(a, b acctmap.ThreadRecord) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// Messages implements acctmap.ThreadReadTx.
func (r *reader) Messages(threadID string) ([]acctmap.MessageRecord, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	if r.st.threads == nil {
		return nil, nil
	}
	msgs := r.st.threads.messages[threadID]
	out := make([]acctmap.MessageRecord, len(msgs))
	for i, m := range msgs {
		m.Data = slices.Clone(m.Data)
		out[i] = m
	}
	return out, nil
}

// OrgItems implements acctmap.ThreadReadTx.
func (r *reader) OrgItems(orgID, kind string) ([]acctmap.OrgItem, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	if r.st.threads == nil {
		return nil, nil
	}
	var out []acctmap.OrgItem
	for _, it := range r.st.threads.items.list(0, orgID) {
		if kind == "" || it.Kind == kind {
			it.Data = slices.Clone(it.Data)
			out = append(out, it)
		}
	}
	slices.SortFunc(out, func(a, b acctmap.OrgItem) int { return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

// PutThread implements acctmap.ThreadTx.
func (w *writer) PutThread(t acctmap.ThreadRecord) error {
	if err := w.check(); err != nil {
		return err
	}
	if _, ok := w.st.partners.rows[pairOf(t.OrgA, t.OrgB)]; !ok {
		return fmt.Errorf("memstore: thread %.60q: %w", t.ID, partnershipNotFound(t.OrgA, t.OrgB))
	}
	put(w, w.threadsState().threads, t.ID, cloneThread(t))
	return nil
}

// AppendMessage implements acctmap.ThreadTx.
func (w *writer) AppendMessage(m acctmap.MessageRecord) (int64, error) {
	if err := w.check(); err != nil {
		return 0, err
	}
	ts := w.st.threads
	if ts == nil {
		return 0, fmt.Errorf("memstore: message: %w", notFound("thread", m.ThreadID))
	}
	if _, ok := ts.threads.rows[m.ThreadID]; !ok {
		return 0, fmt.Errorf("memstore: message: %w", notFound("thread", m.ThreadID))
	}
	old := ts.messages[m.ThreadID]
	m.Seq = int64(len(old)) + 1
	m.Data = slices.Clone(m.Data)
	// A new slice: a reader's copy of the old one, or the undo, keeps it.
	ts.messages[m.ThreadID] = append(slices.Clip(old), m)
	w.undo = append(w.undo, func() {
		if old == nil {
			delete(ts.messages, m.ThreadID)
		} else {
			ts.messages[m.ThreadID] = old
		}
	})
	return m.Seq, nil
}

// PutOrgItem implements acctmap.ThreadTx.
func (w *writer) PutOrgItem(it acctmap.OrgItem) error {
	if err := w.check(); err != nil {
		return err
	}
	if _, ok := w.st.orgs.rows[it.OrgID]; !ok {
		return fmt.Errorf("memstore: %.30s %.60q: %w", it.Kind, it.ID, notFound("org", it.OrgID))
	}
	it.Data = slices.Clone(it.Data)
	put(w, w.threadsState().items, itemKey{it.OrgID, it.Kind, it.ID}, it)
	return nil
}

// DeleteOrgItem implements acctmap.ThreadTx.
func (w *writer) DeleteOrgItem(orgID, kind, id string) error {
	if err := w.check(); err != nil {
		return err
	}
	if w.st.threads == nil || !del(w, w.st.threads.items, itemKey{orgID, kind, id}) {
		return notFound(kind, id)
	}
	return nil
}

// deleteThreads deletes the threads between a and b with their messages
// (DeletePartnership, DeleteOrg), logging the inverse.
func (w *writer) deleteThreads(a, b string) {
	ts := w.st.threads
	if ts == nil {
		return
	}
	for _, id := range ts.threads.by[0].ix.keys(a) {
		t := ts.threads.rows[id]
		if pairOf(t.OrgA, t.OrgB) != pairOf(a, b) {
			continue
		}
		del(w, ts.threads, id)
		if msgs, ok := ts.messages[id]; ok {
			delete(ts.messages, id)
			w.undo = append(w.undo, func() { ts.messages[id] = msgs })
		}
	}
}

// deleteItems deletes an org's items (DeleteOrg), logging the inverse.
func (w *writer) deleteItems(orgID string) {
	if ts := w.st.threads; ts != nil {
		for _, k := range ts.items.by[0].ix.keys(orgID) {
			del(w, ts.items, k)
		}
	}
}
