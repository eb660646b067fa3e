package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
	"github.com/google/go-cmp/cmp"
)

var secret = []byte("whsec_test")

// feed is a network where orgs org-0…org-(n-1) invite org "hub", whose
// admin's feed the dispatcher delivers.
type feed struct {
	net *acctmap.Network
	hub *acctmap.Actor
	n   int
}

func newFeed(t *testing.T) *feed {
	t.Helper()
	net := acctmap.New(memstore.New())
	ctx := t.Context()
	if _, err := net.CreateOrg(ctx, acctmap.Org{ID: "hub", Name: "Hub"}); err != nil {
		t.Fatal(err)
	}
	if _, err := net.AddUser(ctx, acctmap.User{ID: "hub-admin", OrgID: "hub", Name: "Admin", Role: acctmap.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	return &feed{net: net, hub: net.As("hub-admin")}
}

// invite makes k more orgs invite the hub: k more events in its feed.
func (f *feed) invite(t *testing.T, k int) {
	t.Helper()
	ctx := context.Background()
	for range k {
		id := fmt.Sprintf("org-%d", f.n)
		f.n++
		if _, err := f.net.CreateOrg(ctx, acctmap.Org{ID: id, Name: id}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.net.AddUser(ctx, acctmap.User{ID: id + "-admin", OrgID: id, Name: "Admin", Role: acctmap.RoleAdmin}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.net.As(id+"-admin").Invite(ctx, "hub"); err != nil {
			t.Fatal(err)
		}
	}
}

// receiver is a webhook endpoint that verifies every delivery and answers
// as script says for the i-th request (from 0): a status, or 0 to hang up
// without answering after handling it (the dispatcher's timeout fires).
type receiver struct {
	t      *testing.T
	mu     sync.Mutex
	script func(i int) int
	reqs   int
	// acked are the partners of the events acknowledged, in order, and
	// handled those of every event verified (acknowledged or not).
	acked, handled []string
	ids            []string // Acctmap-Event-Id of each acknowledged delivery
	want           int      // acknowledgements to wait for
	done           chan struct{}
}

func newReceiver(t *testing.T, want int, script func(int) int) (*receiver, *httptest.Server) {
	r := &receiver{t: t, script: script, want: want, done: make(chan struct{})}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return r, srv
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	if err := Verify(secret, req.Header.Get(HeaderSignature), body, time.Now(), 5*time.Minute); err != nil {
		r.t.Errorf("delivery fails verification: %v", err)
		http.Error(w, "signature", http.StatusUnauthorized)
		return
	}
	var e acctmap.Event
	if err := json.Unmarshal(body, &e); err != nil {
		r.t.Errorf("delivery is not an event: %v", err)
	}
	if got := req.Header.Get(HeaderEventID); got != fmt.Sprint(e.Cursor) {
		r.t.Errorf("%s %s for the event of cursor %d", HeaderEventID, got, e.Cursor)
	}
	r.mu.Lock()
	i := r.reqs
	r.reqs++
	status := http.StatusOK
	if r.script != nil {
		status = r.script(i)
	}
	r.handled = append(r.handled, e.Partner)
	if status == 0 {
		r.mu.Unlock()
		time.Sleep(300 * time.Millisecond) // past the dispatcher's timeout: it never hears the answer
		w.WriteHeader(http.StatusOK)
		return
	}
	if status/100 == 2 {
		r.acked = append(r.acked, e.Partner)
		r.ids = append(r.ids, req.Header.Get(HeaderEventID))
		if len(r.acked) == r.want {
			close(r.done)
		}
	}
	r.mu.Unlock()
	w.WriteHeader(status)
}

func dispatcher(f *feed, url string, cursor CursorStore) *Dispatcher {
	return &Dispatcher{Actor: f.hub, URL: url, Secret: secret, Cursor: cursor,
		Client: &http.Client{Timeout: 100 * time.Millisecond}, BaseDelay: time.Millisecond, MaxDelay: 20 * time.Millisecond}
}

// run runs d until r has its acknowledgements, then stops it.
func run(t *testing.T, d *Dispatcher, r *receiver) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() { errc <- d.Run(ctx) }()
	select {
	case <-r.done:
	case err := <-errc:
		t.Fatalf("Run ended before the deliveries: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("the deliveries did not arrive")
	}
	// A graceful stop: once the last acknowledgement is saved. (Stopped
	// before, the dispatcher sends that event again after a restart.)
	r.mu.Lock()
	last := r.ids[len(r.ids)-1]
	r.mu.Unlock()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		c, err := d.Cursor.Load(ctx)
		if err == nil && fmt.Sprint(c) == last {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cursor is %d (%v), not the last acknowledged %s", c, err, last)
		}
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("Run after cancel: %v", err)
	}
}

func orgs(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("org-%d", i))
	}
	return out
}

func TestDeliversInOrderThenWaits(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	f.invite(t, 3)
	r, srv := newReceiver(t, 5, nil)
	d := dispatcher(f, srv.URL, FileCursor{Path: filepath.Join(t.TempDir(), "cursor")})
	go func() {
		time.Sleep(50 * time.Millisecond)
		f.invite(t, 2) // while the dispatcher waits
	}()
	run(t, d, r)
	if diff := cmp.Diff(orgs(0, 5), r.acked); diff != "" {
		t.Errorf("events delivered (-want +got):\n%s", diff)
	}
}

func TestReceiverFailsThenRecovers(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	f.invite(t, 4)
	// Requests 0–2 fail (500, 503, then 429), 3 is the first ack; the
	// 6th request is handled but never answered in time.
	script := func(i int) int {
		switch i {
		case 0:
			return http.StatusInternalServerError
		case 1:
			return http.StatusServiceUnavailable
		case 2:
			return http.StatusTooManyRequests
		case 5:
			return 0
		}
		return http.StatusOK
	}
	r, srv := newReceiver(t, 4, script)
	run(t, dispatcher(f, srv.URL, FileCursor{Path: filepath.Join(t.TempDir(), "cursor")}), r)
	if diff := cmp.Diff(orgs(0, 4), r.acked); diff != "" {
		t.Errorf("events acknowledged: none lost, none twice (-want +got):\n%s", diff)
	}
	// What the receiver handled: org-0 four times (three failures), and
	// the event it handled without answering in time once more: the
	// documented at-least-once duplicate.
	want := []string{"org-0", "org-0", "org-0", "org-0", "org-1", "org-2", "org-2", "org-3"}
	if diff := cmp.Diff(want, r.handled); diff != "" {
		t.Errorf("requests handled (-want +got):\n%s", diff)
	}
}

// failingSave fails the Save of one cursor, as a crash between the
// acknowledgement and the save would leave it.
type failingSave struct {
	FileCursor
	at acctmap.EventCursor
}

func (f failingSave) Save(ctx context.Context, c acctmap.EventCursor) error {
	if c == f.at {
		return errors.New("disk full")
	}
	return f.FileCursor.Save(ctx, c)
}

func TestRestartResumesFromTheCursor(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	f.invite(t, 3)
	cursor := FileCursor{Path: filepath.Join(t.TempDir(), "cursor")}
	r1, srv1 := newReceiver(t, 3, nil)
	run(t, dispatcher(f, srv1.URL, cursor), r1)

	// Stopped; meanwhile two more events. A new dispatcher on the same
	// cursor file sends those only.
	f.invite(t, 2)
	r2, srv2 := newReceiver(t, 2, nil)
	run(t, dispatcher(f, srv2.URL, cursor), r2)
	if diff := cmp.Diff(orgs(3, 5), r2.acked); diff != "" {
		t.Errorf("after the restart (-want +got):\n%s", diff)
	}

	// A dispatcher that stops after an acknowledgement and before its
	// save sends that event again after a restart: at least once.
	f.invite(t, 2)
	c, err := cursor.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	r3, srv3 := newReceiver(t, 1, nil)
	if err := dispatcher(f, srv3.URL, failingSave{cursor, c + 1}).Run(t.Context()); err == nil {
		t.Fatal("Run with a failing save returned nil")
	}
	r4, srv4 := newReceiver(t, 2, nil)
	run(t, dispatcher(f, srv4.URL, cursor), r4)
	if diff := cmp.Diff([]string{"org-5"}, r3.acked); diff != "" {
		t.Errorf("before the failed save (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(orgs(5, 7), r4.acked); diff != "" {
		t.Errorf("after it, org-5 again (-want +got):\n%s", diff)
	}
	if r3.ids[0] != r4.ids[0] {
		t.Errorf("the event sent again has id %s, first sent as %s: receivers deduplicate by it", r4.ids[0], r3.ids[0])
	}
}

func TestMaxAttempts(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	f.invite(t, 1)
	r, srv := newReceiver(t, 1, func(int) int { return http.StatusBadGateway })
	cursor := FileCursor{Path: filepath.Join(t.TempDir(), "cursor")}
	d := dispatcher(f, srv.URL, cursor)
	d.MaxAttempts = 3
	if err := d.Run(t.Context()); err == nil {
		t.Fatal("Run returned nil with a receiver that always fails")
	}
	if r.reqs != 3 {
		t.Errorf("%d attempts, want 3", r.reqs)
	}
	if c, err := cursor.Load(t.Context()); err != nil || c != 0 {
		t.Errorf("cursor after giving up: %d, %v; want 0: the event is not skipped", c, err)
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	d := &Dispatcher{BaseDelay: 10 * time.Millisecond, MaxDelay: time.Second}
	for n, full := range []time.Duration{10, 20, 40, 80, 160, 320, 640, 1000, 1000} {
		full *= time.Millisecond
		var seen []time.Duration
		for range 200 {
			got := d.backoff(n)
			if got < full/2 || got > full {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", n, got, full/2, full)
			}
			seen = append(seen, got)
		}
		if slices.Min(seen) == slices.Max(seen) {
			t.Errorf("backoff(%d) is always %v: no jitter", n, seen[0])
		}
	}
	if got := d.backoff(1000); got > time.Second {
		t.Errorf("backoff(1000) = %v, past MaxDelay", got)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_767_323_045, 0)
	body := []byte(`{"cursor":1}`)
	good := Sign(secret, now, body)
	cases := []struct {
		name   string
		secret []byte
		header string
		body   string
		at     time.Time
		ok     bool
	}{
		{"good", secret, good, string(body), now, true},
		{"a minute later", secret, good, string(body), now.Add(time.Minute), true},
		{"wrong secret", []byte("other"), good, string(body), now, false},
		{"tampered body", secret, good, `{"cursor":2}`, now, false},
		{"replayed an hour later", secret, good, string(body), now.Add(time.Hour), false},
		{"from the future", secret, good, string(body), now.Add(-time.Hour), false},
		{"no header", secret, "", string(body), now, false},
		{"no signature", secret, "t=1767323045", string(body), now, false},
		{"bad hex", secret, "t=1767323045,v1=zz", string(body), now, false},
		{"signature of another time", secret, "t=1767323046," + good[len("t=1767323045,"):], string(body), now, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Verify(c.secret, c.header, []byte(c.body), c.at, 5*time.Minute)
			if c.ok != (err == nil) || (err != nil && !errors.Is(err, ErrBadSignature)) {
				t.Errorf("Verify: %v, want ok=%v", err, c.ok)
			}
		})
	}
}

func TestFileCursor(t *testing.T) {
	t.Parallel()
	c := FileCursor{Path: filepath.Join(t.TempDir(), "cursor")}
	if got, err := c.Load(t.Context()); err != nil || got != 0 {
		t.Fatalf("Load of no file: %d, %v", got, err)
	}
	for _, v := range []acctmap.EventCursor{7, 1 << 40} {
		if err := c.Save(t.Context(), v); err != nil {
			t.Fatal(err)
		}
		if got, err := c.Load(t.Context()); err != nil || got != v {
			t.Errorf("Load after Save(%d): %d, %v", v, got, err)
		}
	}
}
