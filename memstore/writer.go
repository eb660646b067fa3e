package memstore

import (
	"fmt"
	"math/bits"
	"slices"

	"github.com/acctmap/acctmap"
)

// writer is the Tx of an Update. Every change to the state goes through a
// primitive that appends its exact inverse to undo; rollback runs them
// backwards, so each inverse finds the state exactly as its change left it.
type writer struct {
	reader
	undo []func()
}

func (w *writer) rollback() {
	for i := len(w.undo) - 1; i >= 0; i-- {
		w.undo[i]()
	}
	w.undo = nil
}

// put inserts or replaces row k of t, logging the inverse.
func put[K comparable, V any](w *writer, t *table[K, V], k K, v V) {
	old, had := t.set(k, v)
	w.undo = append(w.undo, func() {
		if had {
			t.set(k, old)
		} else {
			t.del(k)
		}
	})
}

// del deletes row k of t if it exists, logging the inverse.
func del[K comparable, V any](w *writer, t *table[K, V], k K) bool {
	old, had := t.del(k)
	if had {
		w.undo = append(w.undo, func() { t.set(k, old) })
	}
	return had
}

// setRecordSet installs rs (nil: removes) as the records of a data source,
// logging the inverse. Swapping whole sets is what makes ReplaceRecords and
// the deletion of a data source O(1) to roll back.
func (w *writer) setRecordSet(dataSourceID string, rs *recordSet) {
	old, had := w.st.records[dataSourceID]
	if rs == nil {
		delete(w.st.records, dataSourceID)
	} else {
		w.st.records[dataSourceID] = rs
	}
	w.undo = append(w.undo, func() {
		if had {
			w.st.records[dataSourceID] = old
		} else {
			delete(w.st.records, dataSourceID)
		}
	})
}

func (w *writer) PutOrg(org acctmap.Org) error {
	if err := w.check(); err != nil {
		return err
	}
	if org.OfflineOf != "" && org.OfflineOf != org.ID {
		if _, ok := w.st.orgs.rows[org.OfflineOf]; !ok {
			return notFound("org", org.OfflineOf)
		}
	}
	put(w, w.st.orgs, org.ID, cloneOrg(org))
	return nil
}

func (w *writer) DeleteOrg(id string) error {
	if err := w.check(); err != nil {
		return err
	}
	if _, ok := w.st.orgs.rows[id]; !ok {
		return notFound("org", id)
	}
	// Breadth-first over the offline partners it owns, with all of theirs.
	// An org is deleted before its children are looked up, so an ownership
	// cycle ends instead of looping.
	queue := []string{id}
	for len(queue) > 0 {
		o := queue[0]
		queue = queue[1:]
		if !del(w, w.st.orgs, o) {
			continue
		}
		if o != "" {
			// OfflineOf "" marks a network org, not one owned by the org
			// whose id is "".
			queue = append(queue, w.st.orgs.by[0].ix.keys(o)...)
		}
		w.deleteEvents(o)
		w.deleteItems(o)
		for _, u := range w.st.users.by[0].ix.keys(o) {
			del(w, w.st.users, u)
		}
		for _, p := range w.st.partners.by[0].ix.keys(o) {
			w.deleteThreads(p.lo, p.hi)
			del(w, w.st.partners, p)
		}
		for _, d := range w.st.sources.by[0].ix.keys(o) {
			w.deleteDataSource(d)
		}
	}
	return nil
}

func (w *writer) PutUser(user acctmap.User) error {
	if err := w.check(); err != nil {
		return err
	}
	if _, ok := w.st.orgs.rows[user.OrgID]; !ok {
		return fmt.Errorf("memstore: user %.60q: %w", user.ID, notFound("org", user.OrgID))
	}
	put(w, w.st.users, user.ID, cloneUser(user))
	return nil
}

func (w *writer) DeleteUser(id string) error {
	if err := w.check(); err != nil {
		return err
	}
	if !del(w, w.st.users, id) {
		return notFound("user", id)
	}
	return nil
}

func (w *writer) PutPartnership(p acctmap.Partnership) error {
	if err := w.check(); err != nil {
		return err
	}
	for _, id := range []string{p.Inviter, p.Invitee} {
		if _, ok := w.st.orgs.rows[id]; !ok {
			return fmt.Errorf("memstore: partnership of %.60q and %.60q: %w", p.Inviter, p.Invitee, notFound("org", id))
		}
	}
	put(w, w.st.partners, pairOf(p.Inviter, p.Invitee), clonePartnership(p))
	return nil
}

func (w *writer) DeletePartnership(a, b string) error {
	if err := w.check(); err != nil {
		return err
	}
	if !del(w, w.st.partners, pairOf(a, b)) {
		return partnershipNotFound(a, b)
	}
	w.deleteThreads(a, b)
	return nil
}

func (w *writer) PutDataSource(ds acctmap.DataSource) error {
	if err := w.check(); err != nil {
		return err
	}
	if _, ok := w.st.orgs.rows[ds.OrgID]; !ok {
		return fmt.Errorf("memstore: data source %.60q: %w", ds.ID, notFound("org", ds.OrgID))
	}
	put(w, w.st.sources, ds.ID, cloneDataSource(ds))
	// Replacing a data source keeps its records.
	if _, ok := w.st.records[ds.ID]; !ok {
		w.setRecordSet(ds.ID, newRecordSet(0))
	}
	return nil
}

func (w *writer) DeleteDataSource(id string) error {
	if err := w.check(); err != nil {
		return err
	}
	if _, ok := w.st.sources.rows[id]; !ok {
		return notFound("data source", id)
	}
	w.deleteDataSource(id)
	return nil
}

// deleteDataSource deletes a data source with its populations and records.
// Its records go as one set: O(1) whatever their number, and so is the undo.
func (w *writer) deleteDataSource(id string) {
	for _, p := range w.st.pops.by[1].ix.keys(id) {
		del(w, w.st.pops, p)
	}
	w.setRecordSet(id, nil)
	del(w, w.st.sources, id)
}

func (w *writer) PutPopulation(p acctmap.Population) error {
	if err := w.check(); err != nil {
		return err
	}
	if _, ok := w.st.sources.rows[p.DataSourceID]; !ok {
		return fmt.Errorf("memstore: population %.60q: %w", p.ID, notFound("data source", p.DataSourceID))
	}
	put(w, w.st.pops, p.ID, clonePopulation(p))
	return nil
}

func (w *writer) DeletePopulation(id string) error {
	if err := w.check(); err != nil {
		return err
	}
	p, ok := w.st.pops.rows[id]
	if !ok {
		return notFound("population", id)
	}
	if rs := w.st.records[p.DataSourceID]; rs != nil && validSlot(p.Slot) {
		w.setBit(rs, p.Slot, nil)
	}
	del(w, w.st.pops, id)
	return nil
}

func (w *writer) PutRecords(dataSourceID string, recs []acctmap.Record) error {
	rs, err := w.recordSet(dataSourceID)
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return nil
	}
	if len(rs.recs) == 0 {
		// A first load is a replacement, with its O(1) undo.
		w.setRecordSet(dataSourceID, buildSet(recs))
		return nil
	}
	// First find which records exist, so that the undo log and the slice
	// are sized once: growing them by append would copy them over and over.
	was := make([]int, len(recs)) // position before the call, or -1
	nReplaced := 0
	for j := range recs {
		if i, ok := rs.pos[recs[j].ID]; ok {
			was[j] = i
			nReplaced++
		} else {
			was[j] = -1
		}
	}
	type saved struct {
		i   int
		old stored
	}
	replaced := make([]saved, 0, nReplaced)
	origLen := len(rs.recs)
	rs.recs = slices.Grow(rs.recs, len(recs)-nReplaced)
	a := arenaFor(recs)
	for j := range recs {
		s := rs.cols.encode(&recs[j], &a)
		if i := was[j]; i >= 0 {
			replaced = append(replaced, saved{i, rs.recs[i]})
			rs.recs[i] = s
			continue
		}
		rs.pos[recs[j].ID] = len(rs.recs)
		rs.recs = append(rs.recs, s)
	}
	dedupTail(rs, origLen)
	w.undo = append(w.undo, func() {
		// Backwards, so that a record replaced twice gets its first value.
		for j := len(replaced) - 1; j >= 0; j-- {
			rs.recs[replaced[j].i] = replaced[j].old
		}
		for _, r := range rs.recs[origLen:] {
			delete(rs.pos, r.ID)
		}
		clear(rs.recs[origLen:]) // let the garbage collector have them
		rs.recs = rs.recs[:origLen]
	})
	return nil
}

// buildSet returns a new record set holding a copy of recs, the last of
// records with the same id winning.
func buildSet(recs []acctmap.Record) *recordSet {
	rs := newRecordSet(len(recs))
	a := arenaFor(recs)
	for i := range recs {
		rs.pos[recs[i].ID] = i
		rs.recs = append(rs.recs, rs.cols.encode(&recs[i], &a))
	}
	dedupTail(rs, 0)
	return rs
}

// dedupTail removes from rs.recs[from:], whose ids are new to rs, the
// records whose id appears again later. They were appended with blind
// writes to rs.pos, which leave each id at its last position: one hash per
// record instead of a lookup and an insert.
func dedupTail(rs *recordSet, from int) {
	if len(rs.pos) == len(rs.recs) {
		return // no duplicates: the common case
	}
	kept := rs.recs[:from]
	for i := from; i < len(rs.recs); i++ {
		r := rs.recs[i]
		if rs.pos[r.ID] == i {
			rs.pos[r.ID] = len(kept)
			kept = append(kept, r)
		}
	}
	clear(rs.recs[len(kept):])
	rs.recs = kept
}

func (w *writer) DeleteRecords(dataSourceID string, ids []string) error {
	rs, err := w.recordSet(dataSourceID)
	if err != nil {
		return err
	}
	type removed struct {
		i   int
		old stored
	}
	var log []removed
	for _, id := range ids {
		i, ok := rs.pos[id]
		if !ok {
			continue
		}
		log = append(log, removed{i, rs.recs[i]})
		// Move the last record into the hole: O(1), and the slice stays
		// dense for scans.
		last := len(rs.recs) - 1
		if i != last {
			rs.recs[i] = rs.recs[last]
			rs.pos[rs.recs[i].ID] = i
		}
		rs.recs[last] = stored{}
		rs.recs = rs.recs[:last]
		delete(rs.pos, id)
	}
	if len(log) == 0 {
		return nil
	}
	w.undo = append(w.undo, func() {
		for j := len(log) - 1; j >= 0; j-- {
			i, old := log[j].i, log[j].old
			end := len(rs.recs)
			if i < end {
				// Put back the record that was moved into the hole.
				rs.recs = append(rs.recs, rs.recs[i])
				rs.pos[rs.recs[end].ID] = end
				rs.recs[i] = old
			} else {
				rs.recs = append(rs.recs, old)
			}
			rs.pos[old.ID] = i
		}
	})
	return nil
}

func (w *writer) ReplaceRecords(dataSourceID string, recs []acctmap.Record) error {
	if _, err := w.recordSet(dataSourceID); err != nil {
		return err
	}
	w.setRecordSet(dataSourceID, buildSet(recs))
	return nil
}

func validSlot(slot int) bool { return slot >= 0 && slot < acctmap.MaxPopulationsPerDataSource }

func (w *writer) SetMembers(dataSourceID string, slot int, recordIDs []string) error {
	rs, err := w.recordSet(dataSourceID)
	if err != nil {
		return err
	}
	if !validSlot(slot) {
		return fmt.Errorf("memstore: population slot %d is not in 0 to %d: %w", slot, acctmap.MaxPopulationsPerDataSource-1, acctmap.ErrInvalidInput)
	}
	// A bitset of positions: 1M records cost 128 KiB, not a map.
	members := positions(rs, recordIDs)
	w.setBit(rs, slot, members)
	return nil
}

// setBit makes bit slot of Record.Populations equal, for every record of
// rs, to the record's bit in members (nil: all clear), and logs the
// positions it flipped: flipping them back is the exact inverse.
func (w *writer) setBit(rs *recordSet, slot int, members []uint64) {
	mask := uint64(1) << uint(slot)
	// The positions flipped, as a bitset: 128 KiB for a million records
	// however many flip, where a list of them took up to 8 MiB.
	var flipped []uint64
	for i := range rs.recs {
		want := members != nil && members[i/64]&(1<<(i%64)) != 0
		have := rs.recs[i].Populations&mask != 0
		if want != have {
			rs.recs[i].Populations ^= mask
			if flipped == nil {
				flipped = make([]uint64, (len(rs.recs)+63)/64)
			}
			flipped[i/64] |= 1 << (i % 64)
		}
	}
	w.logFlips(rs, mask, flipped)
}

// logFlips logs the undo of flipping mask in the records of rs at the
// positions of the bitset flipped (nil: none).
func (w *writer) logFlips(rs *recordSet, mask uint64, flipped []uint64) {
	if flipped == nil {
		return
	}
	w.undo = append(w.undo, func() {
		for k, word := range flipped {
			for ; word != 0; word &= word - 1 {
				rs.recs[k*64+bits.TrailingZeros64(word)].Populations ^= mask
			}
		}
	})
}
