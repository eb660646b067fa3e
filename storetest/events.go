package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/acctmap/acctmap"
)

// The event log (acctmap.EventTx, EventReadTx): per-org Seq order, reads
// that resume after a Seq, orgs' logs apart, appends kept or lost with
// their transaction, the copies the contract asks for.

func (r *faultReader) Events(orgID string, after int64, limit int) ([]acctmap.EventRecord, error) {
	return get(r, "Tx.Events", func() ([]acctmap.EventRecord, error) { return r.tx.Events(orgID, after, limit) })
}

func (w *faultWriter) AppendEvent(e acctmap.EventRecord) (int64, error) {
	return get(&w.faultReader, "Tx.AppendEvent", func() (int64, error) { return w.tx.AppendEvent(e) })
}

// eventOrgs are the orgs the event tests write logs for.
var eventOrgs = []string{"ev-a", "ev-b", ""}

// putEventOrgs creates eventOrgs.
func putEventOrgs(tx acctmap.Tx) error {
	for _, id := range eventOrgs {
		if err := tx.PutOrg(acctmap.Org{ID: id, Name: "org " + id, CreatedAt: t0}); err != nil {
			return err
		}
	}
	return nil
}

// testEvent is the i-th entry the tests append: kinds and data with any
// bytes, times apart by a microsecond and a second.
func testEvent(org string, i int) acctmap.EventRecord {
	e := acctmap.EventRecord{OrgID: org, Kind: fmt.Sprintf("kind\x00\xff%d", i),
		At: t0.Add(time.Duration(i)*time.Second + time.Microsecond), Data: []byte(fmt.Sprintf("{\"i\":%d}\x00\xfe", i))}
	if i%3 == 2 {
		e.Data = nil // an entry may have no data
	}
	return e
}

// appendEvents appends testEvent(org, from…to-1) in one Update and checks
// the Seqs given.
func appendEvents(t *testing.T, s acctmap.Store, org string, from, to int, firstSeq int64) {
	t.Helper()
	update(t, s, func(tx acctmap.Tx) error {
		for i := from; i < to; i++ {
			seq, err := tx.AppendEvent(testEvent(org, i))
			if err != nil {
				return err
			}
			if want := firstSeq + int64(i-from); seq != want {
				t.Errorf("AppendEvent #%d of org %q: Seq %d, want %d", i, org, seq, want)
			}
		}
		return nil
	})
}

// wantEvents reads org's log after `after` and compares it with the
// entries testEvent(org, first…) at Seqs after+1….
func wantEvents(t *testing.T, tx acctmap.ReadTx, what, org string, after int64, limit int, first, n int) {
	t.Helper()
	got, err := tx.Events(org, after, limit)
	noErr(t, what, err)
	want := make([]acctmap.EventRecord, 0, n)
	for i := range n {
		e := testEvent(org, first+i)
		e.Seq = max(after, 0) + 1 + int64(i)
		want = append(want, e)
	}
	diff(t, what, want, got)
}

// ReadAllEvents returns every entry of org's log, for suites that check a
// store's state (pages of 1,000).
func ReadAllEvents(tx acctmap.ReadTx, org string) ([]acctmap.EventRecord, error) {
	var out []acctmap.EventRecord
	var after int64
	for {
		page, err := tx.Events(org, after, 1000)
		if err != nil || len(page) == 0 {
			return out, err
		}
		out = append(out, page...)
		after = page[len(page)-1].Seq
	}
}

var eventTests = []test{
	{"OrderAndRoundTrip", func(t *testing.T, s acctmap.Store) {
		update(t, s, putEventOrgs)
		appendEvents(t, s, "ev-a", 0, 5, 1)
		appendEvents(t, s, "ev-a", 5, 7, 6)
		view(t, s, func(tx acctmap.ReadTx) error {
			wantEvents(t, tx, "Events after 0", "ev-a", 0, 100, 0, 7)
			wantEvents(t, tx, "Events after -5", "ev-a", -5, 100, 0, 7)
			return nil
		})
	}},
	{"CursorResumes", func(t *testing.T, s acctmap.Store) {
		update(t, s, putEventOrgs)
		appendEvents(t, s, "ev-a", 0, 7, 1)
		view(t, s, func(tx acctmap.ReadTx) error {
			wantEvents(t, tx, "Events after 3", "ev-a", 3, 100, 3, 4)
			wantEvents(t, tx, "Events after 2, limit 2", "ev-a", 2, 2, 2, 2)
			wantEvents(t, tx, "Events after 6, limit 5", "ev-a", 6, 5, 6, 1)
			got, err := tx.Events("ev-a", 7, 10)
			wantEmpty(t, "Events after the last Seq", got, err)
			got, err = tx.Events("ev-a", 1<<62, 10)
			wantEmpty(t, "Events after a Seq never given", got, err)
			// Pages of one, each after the last Seq read, visit every entry.
			var after int64
			for i := range 7 {
				page, err := tx.Events("ev-a", after, 1)
				noErr(t, "Events page", err)
				if len(page) != 1 || page[0].Seq != int64(i+1) {
					t.Fatalf("page %d after %d = %v, want the entry of Seq %d", i, after, page, i+1)
				}
				after = page[0].Seq
			}
			return nil
		})
		// Entries appended later come after the cursor of a reader that
		// read everything.
		appendEvents(t, s, "ev-a", 7, 9, 8)
		view(t, s, func(tx acctmap.ReadTx) error {
			wantEvents(t, tx, "Events after 7, once 8 and 9 are appended", "ev-a", 7, 10, 7, 2)
			return nil
		})
	}},
	{"OrgsApart", func(t *testing.T, s acctmap.Store) {
		update(t, s, putEventOrgs)
		appendEvents(t, s, "ev-a", 0, 3, 1)
		appendEvents(t, s, "ev-b", 0, 2, 1) // each org's log counts from 1
		appendEvents(t, s, "", 0, 1, 1)
		appendEvents(t, s, "ev-a", 3, 4, 4)
		view(t, s, func(tx acctmap.ReadTx) error {
			wantEvents(t, tx, "Events of ev-a", "ev-a", 0, 100, 0, 4)
			wantEvents(t, tx, "Events of ev-b", "ev-b", 0, 100, 0, 2)
			wantEvents(t, tx, `Events of ""`, "", 0, 100, 0, 1)
			got, err := tx.Events("ev-c", 0, 10)
			wantEmpty(t, "Events of an org that does not exist", got, err)
			got, err = tx.Events("ev-a\x00", 0, 10)
			wantEmpty(t, "Events of an org whose id extends ev-a's", got, err)
			return nil
		})
	}},
	{"AtomicWithTheTransaction", func(t *testing.T, s acctmap.Store) {
		update(t, s, putEventOrgs)
		appendEvents(t, s, "ev-a", 0, 2, 1)
		errFail := errors.New("planted failure")
		err := s.Update(t.Context(), func(tx acctmap.Tx) error {
			if err := tx.PutOrg(acctmap.Org{ID: "ev-other", CreatedAt: t0}); err != nil {
				return err
			}
			for i := 2; i < 5; i++ {
				if _, err := tx.AppendEvent(testEvent("ev-a", i)); err != nil {
					return err
				}
			}
			if _, err := tx.AppendEvent(testEvent("ev-b", 0)); err != nil {
				return err
			}
			// Reads see the transaction's own appends.
			wantEvents(t, tx, "Events inside the Update", "ev-a", 0, 100, 0, 5)
			return errFail
		})
		if !errors.Is(err, errFail) {
			t.Fatalf("Update = %v, want the planted failure", err)
		}
		view(t, s, func(tx acctmap.ReadTx) error {
			wantEvents(t, tx, "Events after a failed Update", "ev-a", 0, 100, 0, 2)
			got, err := tx.Events("ev-b", 0, 10)
			wantEmpty(t, "Events of an org whose only append failed", got, err)
			return nil
		})
		// The Seqs of a failed Update are given again: no gap.
		appendEvents(t, s, "ev-a", 2, 3, 3)
		appendEvents(t, s, "ev-b", 0, 1, 1)
	}},
	{"BadInput", func(t *testing.T, s acctmap.Store) {
		update(t, s, putEventOrgs)
		err := s.Update(t.Context(), func(tx acctmap.Tx) error {
			_, err := tx.AppendEvent(testEvent("ev-missing", 0))
			return err
		})
		wantNotFound(t, "AppendEvent to an org that does not exist", err)
		view(t, s, func(tx acctmap.ReadTx) error {
			for _, limit := range []int{0, -1} {
				if _, err := tx.Events("ev-a", 0, limit); !errors.Is(err, acctmap.ErrInvalidInput) {
					t.Errorf("Events with limit %d: %v, want ErrInvalidInput", limit, err)
				}
			}
			return nil
		})
	}},
	{"GoWithTheirOrg", func(t *testing.T, s acctmap.Store) {
		update(t, s, putEventOrgs)
		appendEvents(t, s, "ev-a", 0, 3, 1)
		appendEvents(t, s, "ev-b", 0, 2, 1)
		update(t, s, func(tx acctmap.Tx) error { return tx.DeleteOrg("ev-a") })
		view(t, s, func(tx acctmap.ReadTx) error {
			got, err := tx.Events("ev-a", 0, 10)
			wantEmpty(t, "Events of a deleted org", got, err)
			wantEvents(t, tx, "Events of another org", "ev-b", 0, 10, 0, 2)
			return nil
		})
		// An org created again with the id starts a new log.
		update(t, s, func(tx acctmap.Tx) error { return tx.PutOrg(acctmap.Org{ID: "ev-a", CreatedAt: t0}) })
		appendEvents(t, s, "ev-a", 0, 1, 1)
		// Deleting an org in a failed Update keeps its log.
		err := s.Update(t.Context(), func(tx acctmap.Tx) error {
			if err := tx.DeleteOrg("ev-b"); err != nil {
				return err
			}
			return errors.New("planted failure")
		})
		if err == nil {
			t.Fatal("the failing Update succeeded")
		}
		view(t, s, func(tx acctmap.ReadTx) error {
			wantEvents(t, tx, "Events of an org whose deletion failed", "ev-b", 0, 10, 0, 2)
			return nil
		})
	}},
	{"Copies", func(t *testing.T, s acctmap.Store) {
		update(t, s, putEventOrgs)
		update(t, s, func(tx acctmap.Tx) error {
			e := testEvent("ev-a", 0)
			if _, err := tx.AppendEvent(e); err != nil {
				return err
			}
			for i := range e.Data {
				e.Data[i] = 'X' // the store kept a copy
			}
			got, err := tx.Events("ev-a", 0, 1)
			if err == nil && len(got) == 1 {
				for i := range got[0].Data {
					got[0].Data[i] = 'Y' // and gives copies out
				}
			}
			return err
		})
		view(t, s, func(tx acctmap.ReadTx) error {
			wantEvents(t, tx, "Events after writing into what was appended and read", "ev-a", 0, 10, 0, 1)
			got, err := tx.Events("ev-a", 0, 1)
			if err == nil && len(got) == 1 {
				for i := range got[0].Data {
					got[0].Data[i] = 'Z'
				}
			}
			wantEvents(t, tx, "Events after writing into what a View read", "ev-a", 0, 10, 0, 1)
			return nil
		})
	}},
	{"ConcurrentAppends", func(t *testing.T, s acctmap.Store) {
		// Updates appending to one org at once get every Seq once, and
		// the log holds each entry at its Seq.
		update(t, s, putEventOrgs)
		const writers, each = 4, 5
		seqs := make([][]int64, writers)
		errs := make([]error, writers)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					var seq int64
					errs[w] = s.Update(t.Context(), func(tx acctmap.Tx) (err error) {
						e := testEvent("ev-a", 0)
						e.Kind = fmt.Sprintf("w%d-%d", w, i)
						seq, err = tx.AppendEvent(e)
						return err
					})
					if errs[w] != nil {
						return
					}
					seqs[w] = append(seqs[w], seq)
				}
			})
		}
		wg.Wait()
		for w, err := range errs {
			noErr(t, fmt.Sprintf("writer %d", w), err)
		}
		view(t, s, func(tx acctmap.ReadTx) error {
			all, err := ReadAllEvents(tx, "ev-a")
			noErr(t, "ReadAllEvents", err)
			if len(all) != writers*each {
				t.Fatalf("%d entries, want %d", len(all), writers*each)
			}
			for i, e := range all {
				if e.Seq != int64(i+1) {
					t.Fatalf("entry %d has Seq %d, want %d", i, e.Seq, i+1)
				}
			}
			for w := range writers {
				for i, seq := range seqs[w] {
					if want := fmt.Sprintf("w%d-%d", w, i); all[seq-1].Kind != want {
						t.Errorf("Seq %d given to %s holds %q", seq, want, all[seq-1].Kind)
					}
				}
			}
			return nil
		})
	}},
}

// EventsSurviveReopen checks that an event log is durable: it appends to
// s, calls reopen (which closes s and opens the same data again) and reads
// the same entries from the store it returns, which then goes on from the
// last Seq. For stores that persist (boltstore, pgstore); s must be empty.
func EventsSurviveReopen(t *testing.T, s acctmap.Store, reopen func() acctmap.Store) {
	t.Helper()
	update(t, s, putEventOrgs)
	appendEvents(t, s, "ev-a", 0, 4, 1)
	appendEvents(t, s, "ev-b", 0, 1, 1)
	s2 := reopen()
	view(t, s2, func(tx acctmap.ReadTx) error {
		wantEvents(t, tx, "Events of ev-a after reopening", "ev-a", 0, 100, 0, 4)
		wantEvents(t, tx, "Events of ev-b after reopening", "ev-b", 0, 100, 0, 1)
		return nil
	})
	appendEvents(t, s2, "ev-a", 4, 5, 5)
}
