package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/chromedp/chromedp"
)

// findChromium returns the path of a Chromium or Chrome binary: the one
// PRM_CHROMIUM names, or the first of the usual names on PATH.
func findChromium() string {
	if p := os.Getenv("PRM_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newBrowser starts a headless Chromium for the test, with a fresh
// profile, and returns a chromedp context on one tab. Without Chromium the
// test skips, except in CI (CI=true, or any value but "false" and "0"),
// where it fails: CI installs Debian's chromium package and must not pass
// without the browser test.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := findChromium()
	if path == "" {
		if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
			t.Fatal("no Chromium found (chromium, chromium-browser, google-chrome, or PRM_CHROMIUM): CI must install it (apt-get install -y chromium)")
		}
		t.Skip("no Chromium found: install it (apt-get install -y chromium) or set PRM_CHROMIUM to run the browser test")
	}
	profile, err := os.MkdirTemp("", "prm-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Chromium's children can write to the profile for a moment after
		// the browser stops: retry.
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	// The defaults give --headless, --no-first-run,
	// --disable-background-networking and --disable-sync; the rest are what
	// this machine's closed network and running as root need.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The first Run starts the browser and ties it to ctx: no timeout here.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return ctx
}

// step runs browser actions with a timeout, failing the test on an error.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// text returns the visible text of the element sel selects.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// count returns how many elements sel selects, without waiting.
func count(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		t.Fatalf("count %s: %v", sel, err)
	}
	return n
}

// cellSel selects a matrix cell by its row and column populations.
func cellSel(row, col string) string {
	return fmt.Sprintf(`td.cell[data-row=%q][data-col=%q]`, row, col)
}

// TestBrowser drives the app in headless Chromium: sign in, the matrix,
// a shared cell's report, a counts-only cell refusing and its "Request
// data" button, and an offline partner's CSV upload through the mapping
// page. With PRM_SCREENSHOT=path it saves the matrix page as a PNG there
// (docs/matrix.png is made so).
func TestBrowser(t *testing.T) {
	ctx := newBrowser(t)
	e := newEnv(t)
	d := e.demo
	base := e.srv.URL

	// Sign in as Ann, Acme's admin.
	step(t, ctx, "sign in",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#signin-ann")),
		chromedp.Click(chromedp.CSS("#signin-ann")),
		chromedp.WaitVisible(chromedp.CSS("#partners")),
	)
	if who := text(t, ctx, "#whoami"); !strings.Contains(who, "Ann Archer") || !strings.Contains(who, "Acme Analytics") {
		t.Fatalf("signed in as %q", who)
	}

	// The matrix with Bolt, as a heat map.
	step(t, ctx, "open the matrix",
		chromedp.Click(chromedp.CSS("#matrix-bolt")),
		chromedp.WaitVisible(chromedp.CSS("#matrix")),
	)
	shared := cellSel(d.Pops["acme/customers"], d.Pops["bolt/customers"])
	countsOnly := cellSel(d.Pops["acme/customers"], d.Pops["bolt/prospects"])
	if n := count(t, ctx, shared+" a.open"); n != 1 {
		t.Errorf("the shared cell has %d report links", n)
	}
	if n := count(t, ctx, countsOnly+" a.open"); n != 0 {
		t.Errorf("the counts-only cell links to its report")
	}
	if n := count(t, ctx, countsOnly+" button.request-data"); n != 1 {
		t.Errorf("the counts-only cell has %d Request data buttons", n)
	}
	// What the library returns, HiddenFromPartner included: the private
	// record in Customers × Prospects.
	if s := text(t, ctx, countsOnly+" .hidden-from"); !strings.Contains(s, "1 hidden from Bolt Warehouse") {
		t.Errorf("hidden-from-partner note %q", s)
	}
	if path := os.Getenv("PRM_SCREENSHOT"); path != "" {
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100)) // 100: PNG
		cancel()
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("matrix screenshot: %s (%d bytes)", path, len(png))
	}

	// A shared cell opens its report: rows, confidence, explanation.
	step(t, ctx, "open the shared cell",
		chromedp.Click(chromedp.CSS(shared+" a.open")),
		chromedp.WaitVisible(chromedp.CSS("#report")),
	)
	rep := text(t, ctx, "#report")
	for _, w := range []string{"Stripe, Inc.", "Kim Novak", "Notion Labs Inc.", "90", "names agree"} {
		if !strings.Contains(rep, w) {
			t.Errorf("the report lacks %q:\n%s", w, rep)
		}
	}
	if s := text(t, ctx, "#total"); !strings.HasPrefix(s, "2 shared accounts") {
		t.Errorf("report total %q", s)
	}

	// A counts-only cell: its report URL is refused by the library, with
	// the request button…
	step(t, ctx, "open the counts-only cell's report",
		chromedp.Navigate(base+reportURL("bolt", d.Pops["acme/customers"], d.Pops["bolt/prospects"])),
		chromedp.WaitVisible(chromedp.CSS("#refusal")),
	)
	if s := text(t, ctx, "#refusal"); !strings.Contains(s, "counts only") {
		t.Errorf("refusal %q", s)
	}
	if n := count(t, ctx, "#request-data"); n != 1 {
		t.Errorf("the refusal offers %d request buttons", n)
	}
	// …and the matrix cell's "Request data" button asks for it.
	step(t, ctx, "request data from the matrix",
		chromedp.Navigate(base+"/partners/bolt/matrix"),
		chromedp.WaitVisible(chromedp.CSS(countsOnly+" button.request-data")),
		chromedp.Click(chromedp.CSS(countsOnly+" button.request-data")),
		chromedp.WaitVisible(chromedp.CSS("#notice")),
	)
	if s := text(t, ctx, countsOnly+" .requested"); s != "requested" {
		t.Errorf("the cell after the request shows %q", s)
	}
	reqs, err := e.net.As("bob").ShareRequests(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, q := range reqs {
		found = found || (q.From == "acme" && q.PopulationID == d.Pops["bolt/prospects"] && q.Status == acctmap.RequestPending)
	}
	if !found {
		t.Errorf("no pending request of Acme for Bolt's prospects in %+v", reqs)
	}

	// The offline partner: upload a CSV, map its columns, import.
	file, err := filepath.Abs("testdata/offline.csv")
	if err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "upload a CSV for the offline partner",
		chromedp.Navigate(base+"/partners"),
		chromedp.WaitVisible(chromedp.CSS("#offline-"+d.Offline)),
		chromedp.Click(chromedp.CSS("#offline-"+d.Offline)),
		chromedp.WaitVisible(chromedp.CSS("#upload-form")),
		chromedp.SetUploadFiles(chromedp.CSS("#csv-file"), []string{file}),
		chromedp.Click(chromedp.CSS("#upload")),
		chromedp.WaitVisible(chromedp.CSS("#mapping-form")),
	)
	for sel, want := range map[string]string{"#map-name": "Organization", "#map-website": "URL", "#map-id": ""} {
		v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
		if err != nil || v != want {
			t.Errorf("suggested %s = %q (%v), want %q", sel, v, err, want)
		}
	}
	if s := text(t, ctx, "#samples"); !strings.Contains(s, "Figma Inc") || !strings.Contains(s, "Deal Stage") {
		t.Errorf("samples:\n%s", s)
	}
	step(t, ctx, "map the id column and import",
		chromedp.SetValue(chromedp.CSS("#map-id"), "Ref"),
		chromedp.Click(chromedp.CSS("#import")),
		chromedp.WaitVisible(chromedp.CSS("#summary")),
	)
	if s := text(t, ctx, "#summary"); !strings.Contains(s, "7 rows: 6 accepted, 1 rejected") {
		t.Errorf("summary %q", s)
	}
	dss, err := e.net.As("ann").DataSources(context.Background(), d.Offline)
	if err != nil || len(dss) != 1 {
		t.Fatalf("offline data sources %v, %v", dss, err)
	}
	if rec, err := e.net.As("ann").Record(context.Background(), dss[0].ID, "C-5"); err != nil || rec.Name != "Datadog" {
		t.Errorf("record C-5 (the id column mapped in the browser): %+v, %v", rec, err)
	}

	// A read-only user sees the matrix with no button that changes anything.
	step(t, ctx, "sign in as the read-only user",
		chromedp.Click(chromedp.CSS("#signout")),
		chromedp.WaitVisible(chromedp.CSS("#signin-rita")),
		chromedp.Click(chromedp.CSS("#signin-rita")),
		chromedp.WaitVisible(chromedp.CSS("#partners")),
		chromedp.Navigate(base+"/partners/bolt/matrix"),
		chromedp.WaitVisible(chromedp.CSS("#matrix")),
	)
	if n := count(t, ctx, "button.request-data"); n != 0 {
		t.Errorf("a read-only user is offered %d Request data buttons", n)
	}
}
