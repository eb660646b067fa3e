package private_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/acctmap/acctmap/private"
	"github.com/google/go-cmp/cmp"
)

func rec(id string, mask uint64, regID string, domains ...string) private.Record {
	return private.Record{ID: id, Domains: domains, RegID: regID, Mask: mask}
}

func one(name string, reveal bool) []private.Population {
	return []private.Population{{Slot: 0, Name: name, RevealMatches: reveal}}
}

// TestMatchingRules checks acctmap's rules on hand-made pairs: a shared
// registration id matches; a shared domain matches unless both accounts
// have registration ids of one scheme; accounts resolve within a side.
func TestMatchingRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		x, y []private.Record
		want int64
	}{
		{"shared domain", []private.Record{rec("x", 1, "", "acme.com")}, []private.Record{rec("y", 1, "", "acme.com")}, 1},
		{"no shared key", []private.Record{rec("x", 1, "", "acme.com")}, []private.Record{rec("y", 1, "", "acme.io")}, 0},
		{"shared id, different domains", []private.Record{rec("x", 1, "duns:1", "a.com")}, []private.Record{rec("y", 1, "duns:1", "b.com")}, 1},
		{"same scheme, different ids veto the domain", []private.Record{rec("x", 1, "duns:1", "acme.com")}, []private.Record{rec("y", 1, "duns:2", "acme.com")}, 0},
		{"different schemes do not veto", []private.Record{rec("x", 1, "duns:1", "acme.com")}, []private.Record{rec("y", 1, "vat:EU1", "acme.com")}, 1},
		{"an id on one side only does not veto", []private.Record{rec("x", 1, "duns:1", "acme.com")}, []private.Record{rec("y", 1, "", "acme.com")}, 1},
		{"veto through the account's other record", []private.Record{rec("x1", 1, "", "acme.com"), rec("x2", 1, "duns:1", "acme.com")},
			[]private.Record{rec("y", 1, "duns:2", "acme.com")}, 0},
		{"shared id beats a conflicting one", []private.Record{rec("x1", 1, "duns:1", "acme.com"), rec("x2", 1, "duns:2", "acme.com")},
			[]private.Record{rec("y", 1, "duns:2", "acme.com")}, 1},
		{"two records, one account", []private.Record{rec("x1", 1, "", "acme.com"), rec("x2", 1, "", "acme.com", "acme.io")},
			[]private.Record{rec("y", 1, "", "acme.io")}, 1},
		{"private records never take part", []private.Record{{ID: "x", Domains: []string{"acme.com"}, Mask: 1, Private: true}},
			[]private.Record{rec("y", 1, "", "acme.com")}, 0},
		{"outside every population", []private.Record{rec("x", 2, "", "acme.com")}, []private.Record{rec("y", 1, "", "acme.com")}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ir, _ := run(t, private.InitiatorConfig{Side: private.Side{Populations: one("mine", false), Records: tc.x}},
				private.ResponderConfig{Side: private.Side{Populations: one("theirs", false), Records: tc.y}})
			if got := ir.Matrix.Counts[0][0]; got != tc.want {
				t.Errorf("count %d, want %d", got, tc.want)
			}
		})
	}
}

// TestMinCellSize: counts below k, 0 included, are released as "fewer
// than k"; the responder still knows them.
func TestMinCellSize(t *testing.T) {
	t.Parallel()
	pops := []private.Population{{Slot: 0, Name: "a"}, {Slot: 1, Name: "b"}, {Slot: 2, Name: "c"}}
	var xs, ys []private.Record
	for i := 0; i < 10; i++ {
		d := fmt.Sprintf("co%d.com", i)
		xs = append(xs, rec("x"+d, 1, "", d))
		mask := uint64(1) // 10 in a
		if i < 3 {
			mask |= 2 // 3 in b
		}
		ys = append(ys, rec("y"+d, mask, "", d)) // none in c
	}
	ir, rr := run(t, private.InitiatorConfig{Side: private.Side{Populations: one("mine", false), Records: xs}},
		private.ResponderConfig{Side: private.Side{Populations: pops, Records: ys}, MinCellSize: 5})
	if d := cmp.Diff([][]int64{{10, 0, 0}}, ir.Matrix.Counts); d != "" {
		t.Errorf("released counts (-want +got):\n%s", d)
	}
	if d := cmp.Diff([][]bool{{false, true, true}}, ir.Matrix.Suppressed); d != "" {
		t.Errorf("suppressed (-want +got):\n%s", d)
	}
	if d := cmp.Diff([][]int64{{10, 3, 0}}, rr.Matrix.Counts); d != "" {
		t.Errorf("responder's exact counts (-want +got):\n%s", d)
	}
	if ir.Matrix.MinCellSize != 5 {
		t.Errorf("MinCellSize %d", ir.Matrix.MinCellSize)
	}
}

// TestMatches: the second phase tells the initiator which of its
// accounts match the revealing columns, and nothing for the others.
func TestMatches(t *testing.T) {
	t.Parallel()
	pops := []private.Population{{Slot: 0, Name: "counts only"}, {Slot: 3, Name: "records", RevealMatches: true}}
	xs := []private.Record{
		rec("x1", 1, "", "a.com"), rec("x2", 1, "", "a.com"), // one account
		rec("x3", 1, "", "b.com"), rec("x4", 1, "duns:4", "c.com"), rec("x5", 1, "", "d.com"),
	}
	ys := []private.Record{
		rec("y1", 1|8, "", "a.com"), // both columns
		rec("y2", 1, "", "b.com"),   // counts only
		rec("y4", 8, "duns:4", "z.com"),
	}
	for _, want := range []bool{true, false} {
		ir, _ := run(t, private.InitiatorConfig{Side: private.Side{Populations: one("mine", false), Records: xs}, WantMatches: want},
			private.ResponderConfig{Side: private.Side{Populations: pops, Records: ys}})
		var wantM []private.Match
		if want {
			wantM = []private.Match{{Records: []string{"x1", "x2"}, Cols: []int{1}}, {Records: []string{"x4"}, Cols: []int{1}}}
		}
		if d := cmp.Diff(wantM, ir.Matches); d != "" {
			t.Errorf("WantMatches %v: matches (-want +got):\n%s", want, d)
		}
		if d := cmp.Diff([][]int64{{2, 2}}, ir.Matrix.Counts); d != "" {
			t.Errorf("counts (-want +got):\n%s", d)
		}
	}
}

// TestBloomErrorBound runs sessions at a high false-positive rate on sets
// with no overlap at all, so every count is an error, and checks the
// errors against CountErrorBound and their mean against tests × rate.
func TestBloomErrorBound(t *testing.T) {
	t.Parallel()
	const n, fp, trials = 2000, 0.01, 6
	var sum, tests int64
	for trial := 0; trial < trials; trial++ {
		var xs, ys []private.Record
		for i := 0; i < n; i++ {
			xs = append(xs, rec(fmt.Sprint(i), 1, "", fmt.Sprintf("x%d-%d.com", trial, i)))
			ys = append(ys, rec(fmt.Sprint(i), 1, "", fmt.Sprintf("y%d-%d.com", trial, i)))
		}
		ir, _ := run(t, private.InitiatorConfig{Side: private.Side{Populations: one("x", false), Records: xs}},
			private.ResponderConfig{Side: private.Side{Populations: one("y", false), Records: ys}, FalsePositiveRate: fp})
		got := ir.Matrix.Counts[0][0]
		rt := ir.Matrix.RowTests[0]
		if b := private.CountErrorBound(rt, fp, 1e-9); got > b {
			t.Errorf("trial %d: %d false matches, above the bound %d for %d tests at %g", trial, got, b, rt, fp)
		}
		sum += got
		tests += rt
	}
	mean, want := float64(sum)/trials, float64(tests)/trials*fp
	if mean > 2*want || mean < want/3 {
		t.Errorf("mean error %.1f, expected about %.1f", mean, want)
	}
	t.Logf("mean error %.1f for %d tests at %g (expected %.1f)", mean, tests/trials, fp, want)
}

func TestCountErrorBound(t *testing.T) {
	t.Parallel()
	cases := []struct {
		tests  int64
		fp, dl float64
		want   int64
	}{
		{0, 1e-6, 1e-9, 0},
		{1000, 1e-6, 1e-2, 0},
		{1_000_000, 1e-6, 1e-9, 12},
		{2000, 0.01, 1e-9, 55},
	}
	for _, tc := range cases {
		if got := private.CountErrorBound(tc.tests, tc.fp, tc.dl); got != tc.want {
			t.Errorf("CountErrorBound(%d, %g, %g) = %d, want %d", tc.tests, tc.fp, tc.dl, got, tc.want)
		}
	}
}

// TestHTTP runs a session through the HTTP handler and client, then
// replays the uplink request: refused.
func TestHTTP(t *testing.T) {
	t.Parallel()
	xs := []private.Record{rec("x1", 1, "", "a.com"), rec("x2", 1, "", "b.com")}
	ys := []private.Record{rec("y1", 1, "", "a.com"), rec("y2", 1, "", "c.com")}
	served := make(chan *private.Result, 4)
	r, err := private.NewResponder(private.ResponderConfig{Side: private.Side{Populations: one("theirs", true), Records: ys},
		OnSession: func(res *private.Result, err error) {
			if err != nil {
				t.Errorf("responder: %v", err)
			}
			served <- res
		}})
	if err != nil {
		t.Fatal(err)
	}
	var upURLs []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Query().Get("op") == "up" {
			upURLs = append(upURLs, req.URL.String())
		}
		r.ServeHTTP(w, req)
	}))
	defer srv.Close()
	c := &private.Client{URL: srv.URL + "/psi"}
	ir, err := c.Initiate(context.Background(), private.InitiatorConfig{Side: private.Side{Populations: one("mine", false), Records: xs}, WantMatches: true})
	if err != nil {
		t.Fatal(err)
	}
	if ir.Matrix.Counts[0][0] != 1 || len(ir.Matches) != 1 || ir.Matches[0].Records[0] != "x1" {
		t.Errorf("counts %v, matches %v", ir.Matrix.Counts, ir.Matches)
	}
	if rr := <-served; rr.SessionID != ir.SessionID {
		t.Errorf("session ids %s and %s", rr.SessionID, ir.SessionID)
	}
	resp, err := http.Post(srv.URL+upURLs[0], "application/octet-stream", strings.NewReader("again"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict || !strings.Contains(string(body), private.ErrReplay.Error()) {
		t.Errorf("replayed uplink: %s %q", resp.Status, body)
	}
	resp, err = http.Post(srv.URL+"/psi?op=up&session=00112233445566778899aabbccddeeff", "application/octet-stream", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown session: %s", resp.Status)
	}
	if resp, err := http.Get(srv.URL); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("GET: %s", resp.Status)
		}
	}
}

// TestCancel cancels a session midway: both sides stop with an error.
func TestCancel(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	var xs, ys []private.Record
	for i := 0; i < 20000; i++ {
		xs = append(xs, rec(fmt.Sprint(i), 1, "", fmt.Sprintf("co%d.com", r.IntN(40000))))
		ys = append(ys, rec(fmt.Sprint(i), 1, "", fmt.Sprintf("co%d.com", r.IntN(40000))))
	}
	resp, err := private.NewResponder(private.ResponderConfig{Side: private.Side{Populations: one("y", false), Records: ys}})
	if err != nil {
		t.Fatal(err)
	}
	a, b := net.Pipe()
	errc := make(chan error, 1)
	go func() {
		_, err := resp.Serve(context.Background(), b)
		errc <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = private.Initiate(ctx, a, private.InitiatorConfig{Side: private.Side{Populations: one("x", false), Records: xs}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("initiator: %v, want the deadline", err)
	}
	select {
	case err := <-errc:
		if err == nil {
			t.Error("responder: no error")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("responder did not stop")
	}
}

// TestInvalidInput: sides and configurations that cannot be used.
func TestInvalidInput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		cfg  private.ResponderConfig
		want error
	}{
		{"slot 64", private.ResponderConfig{Side: private.Side{Populations: []private.Population{{Slot: 64}}}}, private.ErrInvalidInput},
		{"slot twice", private.ResponderConfig{Side: private.Side{Populations: []private.Population{{Slot: 1}, {Slot: 1}}}}, private.ErrInvalidInput},
		{"bad registration id", private.ResponderConfig{Side: private.Side{Populations: one("a", false), Records: []private.Record{rec("r", 1, "nocolon", "a.com")}}}, private.ErrInvalidInput},
		{"rate 1", private.ResponderConfig{FalsePositiveRate: 1}, private.ErrInvalidInput},
		{"negative k", private.ResponderConfig{MinCellSize: -1}, private.ErrInvalidInput},
		{"account too big", private.ResponderConfig{Side: private.Side{Populations: one("a", false), Records: []private.Record{rec("r", 1, "", "a.com", "b.com", "c.com")}},
			Limits: private.Limits{MaxKeysPerAccount: 2}}, private.ErrLimit},
	}
	for _, tc := range cases {
		if _, err := private.NewResponder(tc.cfg); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	_, err := private.Initiate(context.Background(), nil, private.InitiatorConfig{Side: private.Side{Populations: []private.Population{{Slot: -1}}}})
	if !errors.Is(err, private.ErrInvalidInput) {
		t.Errorf("initiator slot -1: %v", err)
	}
}
