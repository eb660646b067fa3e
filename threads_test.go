package acctmap_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
	"github.com/google/go-cmp/cmp"
)

// threadNet is acme and bolt, partners, with the records of
// exampleNetwork, users of every kind, and bolt's customers shared with
// acme in full with their name, id and Stage.
type threadNet struct {
	net                *acctmap.Network
	ann, bob           *acctmap.Actor // admins of acme and bolt
	amy, reader, boris *acctmap.Actor // acme's partner manager and read-only user; bolt's manager
	pops               map[string]acctmap.Population
	ds                 map[string]string // data source by org
}

func newThreadNet(t *testing.T) *threadNet {
	t.Helper()
	ctx := context.Background()
	w := &threadNet{net: acctmap.New(memstore.New(), acctmap.WithClock(fixedClock())), pops: map[string]acctmap.Population{}, ds: map[string]string{}}
	data := map[string][]acctmap.RecordInput{
		"acme": {
			{ID: "A1", Name: "Stripe, Inc.", Website: "https://stripe.com", Fields: map[string]string{"Stage": "Customer"}},
			{ID: "A2", Name: "Notion Labs", Website: "notion.so", Fields: map[string]string{"Stage": "Prospect"}},
		},
		"bolt": {
			{ID: "B1", Name: "Stripe", Website: "www.stripe.com", Fields: map[string]string{"Stage": "Customer", "CSM": "Kim"}},
			{ID: "B2", Name: "Notion", Website: "notion.so", Fields: map[string]string{"Stage": "Customer", "CSM": "Ola"}},
			{ID: "B3", Name: "Figma", Website: "figma.com", Fields: map[string]string{"Stage": "Customer", "CSM": "Ola"}},
		},
	}
	for _, org := range []string{"acme", "bolt"} {
		mustOrg(t, w.net, org, org)
		for _, u := range []acctmap.User{
			{ID: org + "-admin", OrgID: org, Name: "Admin", Role: acctmap.RoleAdmin},
			{ID: org + "-pm", OrgID: org, Name: "PM", Role: acctmap.RolePartnerManager, Permissions: acctmap.ManagePartnerships},
			{ID: org + "-reader", OrgID: org, Name: "Reader", Role: acctmap.RoleReadOnly},
		} {
			if _, err := w.net.AddUser(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		a := w.net.As(org + "-admin")
		ds, err := a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})
		wantErr(t, "CreateDataSource", err, nil)
		w.ds[org] = ds.ID
		_, err = a.UpsertRecords(ctx, ds.ID, data[org])
		wantErr(t, "UpsertRecords", err, nil)
		for _, stage := range []string{"Customer", "Prospect"} {
			p, err := a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Custom, Name: stage + "s",
				Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Stage", Op: acctmap.Equals, Value: stage}}}})
			wantErr(t, "CreatePopulation", err, nil)
			w.pops[org+"/"+stage] = p
		}
	}
	w.ann, w.bob = w.net.As("acme-admin"), w.net.As("bolt-admin")
	w.amy, w.reader, w.boris = w.net.As("acme-pm"), w.net.As("acme-reader"), w.net.As("bolt-pm")
	partner(t, w.ann, w.bob, "bolt", "acme")
	w.share(t, acctmap.SharingRule{Level: acctmap.FullPopulation, Fields: []string{"name", "id", "Stage"}})
	return w
}

// share sets bolt's rule for acme on its customers.
func (w *threadNet) share(t *testing.T, r acctmap.SharingRule) {
	t.Helper()
	wantErr(t, "SetShareRule", w.bob.SetShareRule(context.Background(), w.pops["bolt/Customer"].ID, "acme", r), nil)
}

// start starts a thread of acme's on bolt's B1.
func (w *threadNet) start(t *testing.T, a *acctmap.Actor) acctmap.Thread {
	t.Helper()
	th, err := a.StartThread(context.Background(), acctmap.NewThread{Partner: "bolt", PartnerPopulation: w.pops["bolt/Customer"].ID,
		PartnerRecordID: "B1", Record: acctmap.RecordRef{DataSourceID: w.ds["acme"], RecordID: "A1"}, Subject: "Stripe renewal", Body: "Who runs Stripe on your side?"})
	wantErr(t, "StartThread", err, nil)
	return th
}

func threadsOf(t *testing.T, a *acctmap.Actor, f acctmap.ThreadFilter) []acctmap.Thread {
	t.Helper()
	ths, err := collectSeq(a.Threads(context.Background(), f))
	wantErr(t, "Threads", err, nil)
	return ths
}

func messagesOf(t *testing.T, a *acctmap.Actor, id string) []string {
	t.Helper()
	var out []string
	for m, err := range a.ThreadMessages(context.Background(), id) {
		wantErr(t, "ThreadMessages", err, nil)
		s := m.Org + ": " + m.Body
		if m.Internal {
			s += " (internal)"
		}
		out = append(out, s)
	}
	return out
}

func eventKinds(t *testing.T, a *acctmap.Actor, prefix string) []string {
	t.Helper()
	var out []string
	for e, err := range a.Events(context.Background(), 0) {
		wantErr(t, "Events", err, nil)
		if strings.HasPrefix(string(e.Kind), prefix) {
			s := string(e.Kind) + " " + e.User
			if e.Thread != nil {
				s += " " + e.Thread.Subject
			}
			out = append(out, s)
		}
	}
	return out
}

func TestThreadConversation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newThreadNet(t)
	th := w.start(t, w.amy)
	mine := acctmap.Thread{ID: th.ID, Partner: "bolt", Started: true, Subject: "Stripe renewal", StartedBy: "acme-pm",
		Record: acctmap.RecordRef{DataSourceID: w.ds["acme"], RecordID: "A1"}, PartnerFields: map[string]string{"name": "Stripe", "id": "B1", "Stage": "Customer"},
		Owner: "acme-pm", Status: acctmap.ThreadOpen, CreatedAt: th.CreatedAt, UpdatedAt: th.CreatedAt}
	if d := cmp.Diff(mine, th); d != "" {
		t.Fatalf("the started thread (-want +got):\n%s", d)
	}
	theirs, err := w.bob.Thread(ctx, th.ID)
	wantErr(t, "bolt's Thread", err, nil)
	wantTheirs := acctmap.Thread{ID: th.ID, Partner: "acme", Subject: "Stripe renewal", StartedBy: "acme-pm",
		Record: acctmap.RecordRef{DataSourceID: w.ds["bolt"], RecordID: "B1"}, PartnerOwner: "acme-pm", Status: acctmap.ThreadOpen,
		CreatedAt: th.CreatedAt, UpdatedAt: th.CreatedAt}
	if d := cmp.Diff(wantTheirs, theirs); d != "" {
		t.Fatalf("bolt's view (-want +got):\n%s", d)
	}

	// Owners: each side its own users only.
	wantErr(t, "assign a partner's user", w.bob.AssignThreadOwner(ctx, th.ID, "acme-pm"), acctmap.ErrInvalidInput)
	wantErr(t, "assign an unknown user", w.bob.AssignThreadOwner(ctx, th.ID, "nobody"), acctmap.ErrInvalidInput)
	wantErr(t, "assign", w.bob.AssignThreadOwner(ctx, th.ID, "bolt-pm"), nil)
	// Messages both ways, and internal notes.
	_, err = w.boris.PostMessage(ctx, th.ID, acctmap.MessageInput{Body: "Kim does."})
	wantErr(t, "bolt's answer", err, nil)
	_, err = w.boris.PostMessage(ctx, th.ID, acctmap.MessageInput{Body: "acme wants a discount, careful", Internal: true})
	wantErr(t, "bolt's note", err, nil)
	_, err = w.amy.PostMessage(ctx, th.ID, acctmap.MessageInput{Body: "bolt's CSM is Kim", Internal: true})
	wantErr(t, "acme's note", err, nil)
	_, err = w.reader.PostMessage(ctx, th.ID, acctmap.MessageInput{Body: "read-only"})
	wantErr(t, "a read-only user's message", err, acctmap.ErrPermissionDenied)
	_, err = w.amy.PostMessage(ctx, th.ID, acctmap.MessageInput{Body: strings.Repeat("x", acctmap.MaxMessageBytes+1)})
	wantErr(t, "a message too long", err, acctmap.ErrInvalidInput)
	_, err = w.amy.PostMessage(ctx, th.ID, acctmap.MessageInput{Body: " "})
	wantErr(t, "an empty message", err, acctmap.ErrInvalidInput)

	for _, c := range []struct {
		who  *acctmap.Actor
		want []string
	}{
		{w.reader, []string{"acme: Who runs Stripe on your side?", "bolt: Kim does.", "acme: bolt's CSM is Kim (internal)"}},
		{w.bob, []string{"acme: Who runs Stripe on your side?", "bolt: Kim does.", "bolt: acme wants a discount, careful (internal)"}},
	} {
		if d := cmp.Diff(c.want, messagesOf(t, c.who, th.ID)); d != "" {
			t.Errorf("messages (-want +got):\n%s", d)
		}
	}
	// Events: started and answered to the partner, assigned to the
	// assignee's org; internal notes make none.
	if d := cmp.Diff([]string{"thread.answered bolt-pm Stripe renewal"}, eventKinds(t, w.ann, "thread.")); d != "" {
		t.Errorf("acme's thread events (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"thread.started acme-pm Stripe renewal", "thread.assigned bolt-pm Stripe renewal"}, eventKinds(t, w.bob, "thread.")); d != "" {
		t.Errorf("bolt's thread events (-want +got):\n%s", d)
	}

	// Close and reopen, by either side; a closed thread takes notes only.
	wantErr(t, "close", w.bob.CloseThread(ctx, th.ID), nil)
	wantErr(t, "close again", w.amy.CloseThread(ctx, th.ID), acctmap.ErrConflict)
	_, err = w.amy.PostMessage(ctx, th.ID, acctmap.MessageInput{Body: "hello?"})
	wantErr(t, "a message to a closed thread", err, acctmap.ErrConflict)
	got, err := w.ann.Thread(ctx, th.ID)
	wantErr(t, "Thread", err, nil)
	if got.Status != acctmap.ThreadClosed || got.Reason != acctmap.ThreadClosedByUser || got.ClosedBy != "bolt" || got.PartnerOwner != "bolt-pm" {
		t.Errorf("closed by bolt: %+v", got)
	}
	wantErr(t, "reopen", w.amy.ReopenThread(ctx, th.ID), nil)

	// Filters.
	w.start(t, w.ann)
	for _, c := range []struct {
		f    acctmap.ThreadFilter
		want int
	}{
		{acctmap.ThreadFilter{}, 2},
		{acctmap.ThreadFilter{Owner: "acme-pm"}, 1},
		{acctmap.ThreadFilter{Owner: "acme-admin", Partner: "bolt", Open: true}, 1},
		{acctmap.ThreadFilter{Partner: "cirrus"}, 0},
		{acctmap.ThreadFilter{Account: acctmap.RecordRef{DataSourceID: w.ds["acme"], RecordID: "A1"}}, 2},
		{acctmap.ThreadFilter{Account: acctmap.RecordRef{DataSourceID: w.ds["acme"], RecordID: "A2"}}, 0},
	} {
		if got := threadsOf(t, w.ann, c.f); len(got) != c.want {
			t.Errorf("Threads(%+v): %d threads, want %d", c.f, len(got), c.want)
		}
	}
	if got := threadsOf(t, w.bob, acctmap.ThreadFilter{Owner: "bolt-pm"}); len(got) != 1 {
		t.Errorf("bolt's threads owned by bolt-pm: %d, want 1", len(got))
	}
}

func TestThreadStartNeedsRecordLevelAccess(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newThreadNet(t)
	base := acctmap.NewThread{Partner: "bolt", PartnerPopulation: w.pops["bolt/Customer"].ID, Subject: "s"}
	for _, c := range []struct {
		name string
		edit func(*acctmap.NewThread)
		want error
	}{
		{"no subject", func(s *acctmap.NewThread) { s.Subject = " "; s.PartnerRecordID = "B1" }, acctmap.ErrInvalidInput},
		{"long subject", func(s *acctmap.NewThread) { s.Subject = strings.Repeat("s", 201); s.PartnerRecordID = "B1" }, acctmap.ErrInvalidInput},
		{"no record", func(s *acctmap.NewThread) {}, acctmap.ErrInvalidInput},
		{"a guessed id", func(s *acctmap.NewThread) { s.PartnerRecordID = "B9" }, acctmap.ErrNotFound},
		{"not in the population", func(s *acctmap.NewThread) {
			s.PartnerRecordID = "B1"
			s.PartnerPopulation = w.pops["bolt/Prospect"].ID
		}, acctmap.ErrNotShared},
		{"a stranger", func(s *acctmap.NewThread) { s.Partner = "cirrus"; s.PartnerRecordID = "B1" }, acctmap.ErrNotPartners},
		{"not my record", func(s *acctmap.NewThread) {
			s.Record = acctmap.RecordRef{DataSourceID: w.ds["bolt"], RecordID: "B1"}
		}, acctmap.ErrNotFound},
		{"my record matches nothing", func(s *acctmap.NewThread) {
			s.Record = acctmap.RecordRef{DataSourceID: w.ds["acme"], RecordID: "A9"}
		}, acctmap.ErrNotFound},
	} {
		spec := base
		c.edit(&spec)
		_, err := w.ann.StartThread(ctx, spec)
		wantErr(t, c.name, err, c.want)
	}
	// Without the id shared, the thread names bolt's record through
	// acme's: the partner record of A2's report row.
	w.share(t, acctmap.SharingRule{Level: acctmap.OverlappingRecords, Fields: []string{"name"}})
	spec := base
	spec.PartnerRecordID = "B2"
	_, err := w.ann.StartThread(ctx, spec)
	wantErr(t, "an id not shared", err, acctmap.ErrNotFound)
	spec = base
	spec.Record = acctmap.RecordRef{DataSourceID: w.ds["acme"], RecordID: "A2"}
	// A2 is in acme's prospects, bolt's B2 (notion.so) in its customers.
	th, err := w.ann.StartThread(ctx, spec)
	wantErr(t, "through acme's record", err, nil)
	if d := cmp.Diff(map[string]string{"name": "Notion"}, th.PartnerFields); d != "" {
		t.Errorf("partner fields (-want +got):\n%s", d)
	}
	bt, err := w.bob.Thread(ctx, th.ID)
	wantErr(t, "bolt's Thread", err, nil)
	if bt.Record.RecordID != "B2" {
		t.Errorf("bolt's record of the thread: %+v, want B2", bt.Record)
	}
	// B3 (figma.com) matches nothing of acme's: at OverlappingRecords
	// acme does not see it.
	w.share(t, acctmap.SharingRule{Level: acctmap.OverlappingRecords, Fields: []string{"name", "id"}})
	spec = base
	spec.PartnerRecordID = "B3"
	_, err = w.ann.StartThread(ctx, spec)
	wantErr(t, "a record that overlaps nothing of acme's", err, acctmap.ErrNotFound)
}

func TestThreadAccessEndsAndReturns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newThreadNet(t)
	th := w.start(t, w.amy)
	wantErr(t, "assign", w.bob.AssignThreadOwner(ctx, th.ID, "bolt-pm"), nil)
	_, err := w.amy.PostMessage(ctx, th.ID, acctmap.MessageInput{Body: "note", Internal: true})
	wantErr(t, "note", err, nil)

	hidden := func(what string, a *acctmap.Actor) {
		t.Helper()
		if _, err := a.Thread(ctx, th.ID); !errors.Is(err, acctmap.ErrNotFound) {
			t.Errorf("%s: Thread = %v, want ErrNotFound", what, err)
		}
		if got := threadsOf(t, a, acctmap.ThreadFilter{}); len(got) != 0 {
			t.Errorf("%s: Threads = %v, want none", what, got)
		}
		if _, err := collectSeq(a.ThreadMessages(ctx, th.ID)); !errors.Is(err, acctmap.ErrNotFound) {
			t.Errorf("%s: ThreadMessages = %v, want ErrNotFound", what, err)
		}
	}
	status := func(what string, a *acctmap.Actor, want acctmap.ThreadStatus, reason acctmap.ThreadReason) {
		t.Helper()
		got, err := a.Thread(ctx, th.ID)
		if err != nil || got.Status != want || got.Reason != reason {
			t.Errorf("%s: Thread = %+v, %v; want %s (%s)", what, got, err, want, reason)
		}
	}

	// bolt shares its customers at counts only: acme loses the thread,
	// bolt sees it closed, and may not write to it.
	w.share(t, acctmap.SharingRule{Level: acctmap.CountsOnly})
	hidden("acme, counts only", w.ann)
	status("bolt, counts only", w.bob, acctmap.ThreadClosed, acctmap.ThreadAccessEnded)
	_, err = w.bob.PostMessage(ctx, th.ID, acctmap.MessageInput{Body: "still there?"})
	wantErr(t, "bolt writes while acme may not see it", err, acctmap.ErrConflict)
	_, err = w.amy.PostMessage(ctx, th.ID, acctmap.MessageInput{Body: "hello"})
	wantErr(t, "acme writes to a thread it may not see", err, acctmap.ErrNotFound)
	// The access returns: the thread, with its stored status.
	w.share(t, acctmap.SharingRule{Level: acctmap.FullPopulation, Fields: []string{"name"}})
	status("acme, back", w.ann, acctmap.ThreadOpen, "")
	status("bolt, back", w.bob, acctmap.ThreadOpen, "")

	// A private mark on B1 ends the access too.
	_, err = w.bob.SetPrivate(ctx, w.ds["bolt"], []string{"B1"}, true)
	wantErr(t, "SetPrivate", err, nil)
	hidden("acme, private", w.ann)
	status("bolt, private", w.bob, acctmap.ThreadClosed, acctmap.ThreadAccessEnded)
	_, err = w.bob.SetPrivate(ctx, w.ds["bolt"], []string{"B1"}, false)
	wantErr(t, "SetPrivate", err, nil)

	// A re-import with the same ids keeps the thread on its account.
	_, err = w.bob.ReplaceRecords(ctx, w.ds["bolt"], []acctmap.RecordInput{
		{ID: "B1", Name: "Stripe", Website: "stripe.com", Fields: map[string]string{"Stage": "Customer", "CSM": "Kim"}}})
	wantErr(t, "ReplaceRecords", err, nil)
	status("acme, after a re-import", w.ann, acctmap.ThreadOpen, "")

	// Revoked: hidden from both, notes included; back with the partnership.
	_, err = w.bob.Revoke(ctx, "acme")
	wantErr(t, "Revoke", err, nil)
	hidden("acme, revoked", w.ann)
	hidden("bolt, revoked", w.bob)
	partner(t, w.bob, w.ann, "acme", "bolt")
	w.share(t, acctmap.SharingRule{Level: acctmap.FullPopulation, Fields: []string{"name"}})
	status("acme, partners again", w.ann, acctmap.ThreadOpen, "")
	if got := messagesOf(t, w.ann, th.ID); !slices.Contains(got, "acme: note (internal)") {
		t.Errorf("acme's messages after the partnership came back: %q", got)
	}
	// The record deleted: hidden from both.
	_, err = w.bob.DeleteRecords(ctx, w.ds["bolt"], []string{"B1"})
	wantErr(t, "DeleteRecords", err, nil)
	hidden("acme, record deleted", w.ann)
	hidden("bolt, record deleted", w.bob)
}

// TestThreadEventsFollowAccess: a thread's events are left out of the
// feed of an org that may not see the thread when it reads.
func TestThreadEventsFollowAccess(t *testing.T) {
	t.Parallel()
	w := newThreadNet(t)
	th := w.start(t, w.amy)
	_, err := w.boris.PostMessage(context.Background(), th.ID, acctmap.MessageInput{Body: "hi"})
	wantErr(t, "PostMessage", err, nil)
	if got := eventKinds(t, w.ann, "thread."); len(got) != 1 {
		t.Fatalf("acme's thread events: %q, want one", got)
	}
	w.share(t, acctmap.SharingRule{Level: acctmap.CountsOnly})
	if got := eventKinds(t, w.ann, "thread."); len(got) != 0 {
		t.Errorf("acme's thread events once it may not see the thread: %q, want none", got)
	}
	// bolt still sees its own: the thread is closed for it, not hidden.
	if got := eventKinds(t, w.bob, "thread."); len(got) != 1 {
		t.Errorf("bolt's thread events: %q, want one", got)
	}
}
