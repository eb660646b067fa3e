package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/acctmap/acctmap"
)

// Threads, messages and org items (acctmap.ThreadTx, ThreadReadTx): round
// trips of any bytes, id and Seq order, threads going with their
// partnership (and so with either org), items with their org, writes kept
// or lost with their transaction, and the copies the contract asks for.

func (r *faultReader) Thread(id string) (acctmap.ThreadRecord, error) {
	return get(r, "Tx.Thread", func() (acctmap.ThreadRecord, error) { return r.tx.Thread(id) })
}

func (r *faultReader) Threads(orgID string) ([]acctmap.ThreadRecord, error) {
	return get(r, "Tx.Threads", func() ([]acctmap.ThreadRecord, error) { return r.tx.Threads(orgID) })
}

func (r *faultReader) Messages(threadID string) ([]acctmap.MessageRecord, error) {
	return get(r, "Tx.Messages", func() ([]acctmap.MessageRecord, error) { return r.tx.Messages(threadID) })
}

func (r *faultReader) OrgItems(orgID, kind string) ([]acctmap.OrgItem, error) {
	return get(r, "Tx.OrgItems", func() ([]acctmap.OrgItem, error) { return r.tx.OrgItems(orgID, kind) })
}

func (w *faultWriter) PutThread(t acctmap.ThreadRecord) error {
	return w.do("Tx.PutThread", func() error { return w.tx.PutThread(t) })
}

func (w *faultWriter) AppendMessage(m acctmap.MessageRecord) (int64, error) {
	return get(&w.faultReader, "Tx.AppendMessage", func() (int64, error) { return w.tx.AppendMessage(m) })
}

func (w *faultWriter) PutOrgItem(it acctmap.OrgItem) error {
	return w.do("Tx.PutOrgItem", func() error { return w.tx.PutOrgItem(it) })
}

func (w *faultWriter) DeleteOrgItem(orgID, kind, id string) error {
	return w.do("Tx.DeleteOrgItem", func() error { return w.tx.DeleteOrgItem(orgID, kind, id) })
}

// threadOrgs are the orgs of the thread tests: th-a is a partner of th-b
// and of th-c ("" is an org id too).
var threadOrgs = []string{"th-a", "th-b", "th-c", ""}

// putThreadOrgs creates threadOrgs and the partnerships (th-a, th-b),
// (th-a, th-c) and (th-b, "").
func putThreadOrgs(tx acctmap.Tx) error {
	for _, id := range threadOrgs {
		if err := tx.PutOrg(acctmap.Org{ID: id, Name: "org " + id, CreatedAt: t0}); err != nil {
			return err
		}
	}
	for _, p := range [][2]string{{"th-a", "th-b"}, {"th-c", "th-a"}, {"th-b", ""}} {
		err := tx.PutPartnership(acctmap.Partnership{Inviter: p[0], Invitee: p[1], Status: acctmap.Accepted, InvitedAt: t0, UpdatedAt: t0})
		if err != nil {
			return err
		}
	}
	return nil
}

// testThread is a thread of any bytes between a and b.
func testThread(id, a, b string) acctmap.ThreadRecord {
	return acctmap.ThreadRecord{ID: id, OrgA: a, OrgB: b, Data: []byte("thread\x00\xff" + id)}
}

// testMessage is the i-th message the tests append to a thread.
func testMessage(thread, org string, i int) acctmap.MessageRecord {
	m := acctmap.MessageRecord{ThreadID: thread, OrgID: org, At: t0.Add(time.Duration(i)*time.Second + time.Microsecond),
		Data: []byte(fmt.Sprintf("msg\x00\xfe%d", i))}
	if i%3 == 2 {
		m.Data = nil
	}
	return m
}

// putThreads stores threads, failing the test on an error.
func putThreads(t *testing.T, s acctmap.Store, ts ...acctmap.ThreadRecord) {
	t.Helper()
	update(t, s, func(tx acctmap.Tx) error {
		for _, th := range ts {
			if err := tx.PutThread(th); err != nil {
				return err
			}
		}
		return nil
	})
}

// appendMessages appends testMessage(thread, org, from…to-1) in one
// Update and checks the Seqs given.
func appendMessages(t *testing.T, s acctmap.Store, thread, org string, from, to int) {
	t.Helper()
	update(t, s, func(tx acctmap.Tx) error {
		for i := from; i < to; i++ {
			seq, err := tx.AppendMessage(testMessage(thread, org, i))
			if err != nil {
				return err
			}
			if seq != int64(i+1) {
				t.Errorf("AppendMessage #%d to %q: Seq %d, want %d", i, thread, seq, i+1)
			}
		}
		return nil
	})
}

// wantMessages compares the messages of a thread with testMessage(thread,
// org, 0…n-1).
func wantMessages(t *testing.T, tx acctmap.ReadTx, what, thread, org string, n int) {
	t.Helper()
	got, err := tx.Messages(thread)
	noErr(t, what, err)
	want := make([]acctmap.MessageRecord, n)
	for i := range want {
		want[i] = testMessage(thread, org, i)
		want[i].Seq = int64(i + 1)
	}
	diff(t, what, want, got)
}

// wantThreads compares the threads of an org.
func wantThreads(t *testing.T, tx acctmap.ReadTx, what, org string, want ...acctmap.ThreadRecord) {
	t.Helper()
	got, err := tx.Threads(org)
	noErr(t, what, err)
	diff(t, what, want, got)
}

var threadTests = []test{
	{"RoundTripAndOrder", func(t *testing.T, s acctmap.Store) {
		update(t, s, putThreadOrgs)
		t1, t2, t3 := testThread("t-2", "th-a", "th-b"), testThread("t-1\x00", "th-c", "th-a"), testThread("", "", "th-b")
		putThreads(t, s, t1, t2, t3)
		appendMessages(t, s, "t-2", "th-b", 0, 4)
		appendMessages(t, s, "t-2", "th-b", 4, 6)
		view(t, s, func(tx acctmap.ReadTx) error {
			got, err := tx.Thread("t-1\x00")
			noErr(t, "Thread", err)
			diff(t, "Thread", t2, got)
			_, err = tx.Thread("t-1")
			wantNotFound(t, "Thread of an id that does not exist", err)
			wantThreads(t, tx, "Threads of th-a", "th-a", t2, t1)
			wantThreads(t, tx, "Threads of th-b", "th-b", t3, t1)
			wantThreads(t, tx, `Threads of ""`, "", t3)
			wantThreads(t, tx, "Threads of th-x", "th-x")
			wantMessages(t, tx, "Messages of t-2", "t-2", "th-b", 6)
			wantMessages(t, tx, "Messages of t-1", "t-1\x00", "", 0)
			wantMessages(t, tx, "Messages of a thread that does not exist", "nope", "", 0)
			return nil
		})
		// Replacing a thread keeps its messages, and the next Seq follows.
		t1.Data = nil
		putThreads(t, s, t1)
		appendMessages(t, s, "t-2", "th-b", 6, 7)
		view(t, s, func(tx acctmap.ReadTx) error {
			got, err := tx.Thread("t-2")
			noErr(t, "Thread", err)
			diff(t, "Thread replaced", t1, got)
			wantMessages(t, tx, "Messages of a replaced thread", "t-2", "th-b", 7)
			return nil
		})
	}},
	{"NotFound", func(t *testing.T, s acctmap.Store) {
		update(t, s, putThreadOrgs)
		err := s.Update(t.Context(), func(tx acctmap.Tx) error { return tx.PutThread(testThread("t", "th-b", "th-c")) })
		wantNotFound(t, "PutThread of orgs without a partnership", err)
		err = s.Update(t.Context(), func(tx acctmap.Tx) error { return tx.PutThread(testThread("t", "th-a", "th-x")) })
		wantNotFound(t, "PutThread with an org that does not exist", err)
		err = s.Update(t.Context(), func(tx acctmap.Tx) error {
			_, err := tx.AppendMessage(testMessage("nope", "th-a", 0))
			return err
		})
		wantNotFound(t, "AppendMessage to a thread that does not exist", err)
		err = s.Update(t.Context(), func(tx acctmap.Tx) error { return tx.PutOrgItem(acctmap.OrgItem{OrgID: "th-x", Kind: "k", ID: "i"}) })
		wantNotFound(t, "PutOrgItem of an org that does not exist", err)
		err = s.Update(t.Context(), func(tx acctmap.Tx) error { return tx.DeleteOrgItem("th-a", "k", "i") })
		wantNotFound(t, "DeleteOrgItem of an item that does not exist", err)
	}},
	{"OrgItems", func(t *testing.T, s acctmap.Store) {
		update(t, s, putThreadOrgs)
		items := []acctmap.OrgItem{
			{OrgID: "th-a", Kind: "k", ID: "b", Data: []byte("\x00b")},
			{OrgID: "th-a", Kind: "k", ID: "a\x00", Data: []byte("a")},
			{OrgID: "th-a", Kind: "k\x00", ID: "c", Data: []byte("c")}, // another kind
			{OrgID: "th-a", Kind: "k", ID: "", Data: nil},
			{OrgID: "th-b", Kind: "k", ID: "a", Data: []byte("other org")},
		}
		update(t, s, func(tx acctmap.Tx) error {
			for _, it := range items {
				if err := tx.PutOrgItem(it); err != nil {
					return err
				}
			}
			return nil
		})
		view(t, s, func(tx acctmap.ReadTx) error {
			got, err := tx.OrgItems("th-a", "k")
			noErr(t, "OrgItems", err)
			diff(t, "OrgItems of th-a, k", []acctmap.OrgItem{items[3], items[1], items[0]}, got)
			got, err = tx.OrgItems("th-a", "k\x00")
			noErr(t, "OrgItems", err)
			diff(t, "OrgItems of th-a, k\\x00", []acctmap.OrgItem{items[2]}, got)
			got, err = tx.OrgItems("th-a", "")
			noErr(t, "OrgItems", err)
			diff(t, "OrgItems of th-a, every kind", []acctmap.OrgItem{items[3], items[1], items[0], items[2]}, got)
			got, err = tx.OrgItems("th-c", "k")
			wantEmpty(t, "OrgItems of an org without any", got, err)
			return nil
		})
		items[0].Data = []byte("replaced")
		update(t, s, func(tx acctmap.Tx) error {
			if err := tx.PutOrgItem(items[0]); err != nil {
				return err
			}
			return tx.DeleteOrgItem("th-a", "k", "a\x00")
		})
		view(t, s, func(tx acctmap.ReadTx) error {
			got, err := tx.OrgItems("th-a", "k")
			noErr(t, "OrgItems", err)
			diff(t, "OrgItems after a replace and a delete", []acctmap.OrgItem{items[3], items[0]}, got)
			return nil
		})
	}},
	{"Cascade", func(t *testing.T, s acctmap.Store) {
		update(t, s, putThreadOrgs)
		ab, ca, b0 := testThread("ab", "th-a", "th-b"), testThread("ca", "th-c", "th-a"), testThread("b0", "th-b", "")
		putThreads(t, s, ab, ca, b0)
		appendMessages(t, s, "ab", "th-a", 0, 2)
		appendMessages(t, s, "ca", "th-c", 0, 2)
		update(t, s, func(tx acctmap.Tx) error {
			for _, org := range []string{"th-a", "th-b"} {
				if err := tx.PutOrgItem(acctmap.OrgItem{OrgID: org, Kind: "k", ID: "i", Data: []byte(org)}); err != nil {
					return err
				}
			}
			return nil
		})
		// A partnership's deletion takes its threads, and their messages.
		update(t, s, func(tx acctmap.Tx) error { return tx.DeletePartnership("th-b", "th-a") })
		view(t, s, func(tx acctmap.ReadTx) error {
			_, err := tx.Thread("ab")
			wantNotFound(t, "Thread of a deleted partnership", err)
			wantThreads(t, tx, "Threads of th-a", "th-a", ca)
			wantThreads(t, tx, "Threads of th-b", "th-b", b0)
			wantMessages(t, tx, "Messages of a deleted thread", "ab", "", 0)
			return nil
		})
		// A partnership made again starts without them.
		update(t, s, func(tx acctmap.Tx) error {
			return tx.PutPartnership(acctmap.Partnership{Inviter: "th-a", Invitee: "th-b", Status: acctmap.Accepted, InvitedAt: t0, UpdatedAt: t0})
		})
		putThreads(t, s, ab)
		appendMessages(t, s, "ab", "th-a", 0, 1)
		// An org's deletion takes the threads of its partnerships, and its items.
		update(t, s, func(tx acctmap.Tx) error { return tx.DeleteOrg("th-a") })
		view(t, s, func(tx acctmap.ReadTx) error {
			for _, id := range []string{"ab", "ca"} {
				_, err := tx.Thread(id)
				wantNotFound(t, "Thread of a deleted org", err)
			}
			wantThreads(t, tx, "Threads of th-c", "th-c")
			wantThreads(t, tx, "Threads of th-b", "th-b", b0)
			got, err := tx.OrgItems("th-a", "k")
			wantEmpty(t, "OrgItems of a deleted org", got, err)
			got, err = tx.OrgItems("th-b", "k")
			noErr(t, "OrgItems", err)
			diff(t, "OrgItems of another org", []acctmap.OrgItem{{OrgID: "th-b", Kind: "k", ID: "i", Data: []byte("th-b")}}, got)
			return nil
		})
		// An org made again has none of it.
		update(t, s, func(tx acctmap.Tx) error {
			if err := tx.PutOrg(acctmap.Org{ID: "th-a", CreatedAt: t0}); err != nil {
				return err
			}
			return tx.PutPartnership(acctmap.Partnership{Inviter: "th-a", Invitee: "th-b", Status: acctmap.Accepted, InvitedAt: t0, UpdatedAt: t0})
		})
		view(t, s, func(tx acctmap.ReadTx) error {
			wantThreads(t, tx, "Threads of an org made again", "th-a")
			wantMessages(t, tx, "Messages of a thread of an org made again", "ab", "", 0)
			return nil
		})
	}},
	{"AtomicWithTheTransaction", func(t *testing.T, s acctmap.Store) {
		update(t, s, putThreadOrgs)
		ab := testThread("ab", "th-a", "th-b")
		putThreads(t, s, ab)
		appendMessages(t, s, "ab", "th-a", 0, 2)
		errFail := errors.New("planted failure")
		err := s.Update(t.Context(), func(tx acctmap.Tx) error {
			changed := ab
			changed.Data = []byte("changed")
			if err := tx.PutThread(changed); err != nil {
				return err
			}
			if err := tx.PutThread(testThread("new", "th-c", "th-a")); err != nil {
				return err
			}
			for i := 2; i < 4; i++ {
				if _, err := tx.AppendMessage(testMessage("ab", "th-a", i)); err != nil {
					return err
				}
			}
			if _, err := tx.AppendMessage(testMessage("new", "th-a", 0)); err != nil {
				return err
			}
			if err := tx.PutOrgItem(acctmap.OrgItem{OrgID: "th-a", Kind: "k", ID: "i"}); err != nil {
				return err
			}
			// Reads see the transaction's own writes.
			wantMessages(t, tx, "Messages inside the Update", "ab", "th-a", 4)
			wantThreads(t, tx, "Threads inside the Update", "th-a", changed, testThread("new", "th-c", "th-a"))
			return errFail
		})
		if !errors.Is(err, errFail) {
			t.Fatalf("Update = %v, want the planted failure", err)
		}
		view(t, s, func(tx acctmap.ReadTx) error {
			wantThreads(t, tx, "Threads after a failed Update", "th-a", ab)
			wantMessages(t, tx, "Messages after a failed Update", "ab", "th-a", 2)
			wantMessages(t, tx, "Messages of a thread whose creation failed", "new", "th-a", 0)
			got, err := tx.OrgItems("th-a", "k")
			wantEmpty(t, "OrgItems after a failed Update", got, err)
			return nil
		})
		// The Seqs of a failed Update are given again: no gap.
		appendMessages(t, s, "ab", "th-a", 2, 3)
		// A deletion in a failed Update keeps what it would have taken.
		err = s.Update(t.Context(), func(tx acctmap.Tx) error {
			if err := tx.DeleteOrg("th-b"); err != nil {
				return err
			}
			return errFail
		})
		if !errors.Is(err, errFail) {
			t.Fatalf("Update = %v, want the planted failure", err)
		}
		view(t, s, func(tx acctmap.ReadTx) error {
			wantThreads(t, tx, "Threads after a failed DeleteOrg", "th-a", ab)
			wantMessages(t, tx, "Messages after a failed DeleteOrg", "ab", "th-a", 3)
			return nil
		})
	}},
	{"Copies", func(t *testing.T, s acctmap.Store) {
		update(t, s, putThreadOrgs)
		want := testThread("ab", "th-a", "th-b")
		wantItem := acctmap.OrgItem{OrgID: "th-a", Kind: "k", ID: "i", Data: []byte("item")}
		update(t, s, func(tx acctmap.Tx) error {
			th, m, it := testThread("ab", "th-a", "th-b"), testMessage("ab", "th-a", 0), wantItem
			it.Data = []byte("item")
			if err := tx.PutThread(th); err != nil {
				return err
			}
			if _, err := tx.AppendMessage(m); err != nil {
				return err
			}
			if err := tx.PutOrgItem(it); err != nil {
				return err
			}
			scribbleBytes(th.Data, m.Data, it.Data) // the store kept copies
			got, err := tx.Thread("ab")
			if err != nil {
				return err
			}
			ms, err := tx.Messages("ab")
			if err != nil {
				return err
			}
			items, err := tx.OrgItems("th-a", "k")
			if err != nil || len(ms) != 1 || len(items) != 1 {
				return fmt.Errorf("reads: %v, %d messages, %d items", err, len(ms), len(items))
			}
			scribbleBytes(got.Data, ms[0].Data, items[0].Data) // and gives copies out
			return nil
		})
		for range 2 {
			view(t, s, func(tx acctmap.ReadTx) error {
				got, err := tx.Thread("ab")
				noErr(t, "Thread", err)
				diff(t, "Thread after writing into what was put and read", want, got)
				wantMessages(t, tx, "Messages after writing into what was appended and read", "ab", "th-a", 1)
				items, err := tx.OrgItems("th-a", "k")
				noErr(t, "OrgItems", err)
				diff(t, "OrgItems after writing into what was put and read", []acctmap.OrgItem{wantItem}, items)
				ths, _ := tx.Threads("th-a")
				ms, _ := tx.Messages("ab")
				for _, th := range ths {
					scribbleBytes(th.Data)
				}
				for _, m := range ms {
					scribbleBytes(m.Data)
				}
				for _, it := range items {
					scribbleBytes(it.Data)
				}
				return nil
			})
		}
	}},
}

// scribbleBytes overwrites byte slices.
func scribbleBytes(bs ...[]byte) {
	for _, b := range bs {
		for i := range b {
			b[i] = 'X'
		}
	}
}
