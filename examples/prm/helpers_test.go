package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
)

// testEnv is a seeded app on an httptest server.
type testEnv struct {
	t    *testing.T
	net  *acctmap.Network
	demo demo
	app  *App
	srv  *httptest.Server
	base string // the server's URL
}

func newEnv(t *testing.T) *testEnv {
	t.Helper()
	ctx := context.Background()
	net := acctmap.New(memstore.New())
	d, seeded, err := seed(ctx, net)
	if err != nil || !seeded {
		t.Fatalf("seed: %v (seeded %v)", err, seeded)
	}
	key := make([]byte, 32)
	rand.Read(key)
	// The app logs internal errors only: a test that causes one fails.
	var mu sync.Mutex
	var logs []string
	app, err := newApp(net, key, func(f string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		logs = append(logs, fmt.Sprintf(f, args...))
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(func() {
		srv.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, l := range logs {
			t.Errorf("the app logged an internal error: %s", l)
		}
	})
	return &testEnv{t: t, net: net, demo: d, app: app, srv: srv, base: srv.URL}
}

// client is a browser-like HTTP client with its own cookie jar. It does
// not follow redirects, so that tests see them.
type client struct {
	t    *testing.T
	e    *testEnv
	http *http.Client
	csrf string // the session's token, as the pages carry it
}

var csrfInPage = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// visitor returns a client that has loaded the sign-in page: it has a
// visitor session and its CSRF token.
func (e *testEnv) visitor() *client {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &client{t: e.t, e: e, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	res, body := c.get("/signin")
	if res.StatusCode != http.StatusOK {
		e.t.Fatalf("GET /signin: %d", res.StatusCode)
	}
	c.csrf = tokenIn(e.t, body)
	return c
}

func tokenIn(t *testing.T, body string) string {
	t.Helper()
	m := csrfInPage.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%.500s", body)
	}
	return m[1]
}

// signIn returns a client signed in as user, with the session's token.
func (e *testEnv) signIn(user string) *client {
	e.t.Helper()
	c := e.visitor()
	res, _ := c.postForm("/signin", url.Values{"user": {user}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/partners" {
		e.t.Fatalf("sign in as %s: %d %s", user, res.StatusCode, res.Header.Get("Location"))
	}
	var me struct {
		CSRFToken string `json:"csrf_token"`
	}
	c.getJSON("/api/me", http.StatusOK, &me)
	if me.CSRFToken == "" || me.CSRFToken == c.csrf {
		e.t.Fatalf("sign-in did not rotate the CSRF token")
	}
	c.csrf = me.CSRFToken
	return c
}

func (c *client) do(req *http.Request) (*http.Response, string) {
	c.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return res, string(b)
}

func (c *client) get(path string) (*http.Response, string) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.e.base+path, nil)
	return c.do(req)
}

// getJSON GETs path, checks the status and decodes the body into v.
func (c *client) getJSON(path string, status int, v any) {
	c.t.Helper()
	res, body := c.get(path)
	if res.StatusCode != status {
		c.t.Fatalf("GET %s: %d, want %d: %s", path, res.StatusCode, status, body)
	}
	if v != nil {
		if err := json.Unmarshal([]byte(body), v); err != nil {
			c.t.Fatalf("GET %s: %v in %s", path, err, body)
		}
	}
}

// postForm POSTs a form with the session's CSRF token unless the form has
// a "csrf" value of its own (set it to "" to send none).
func (c *client) postForm(path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", c.csrf)
	} else if form.Get("csrf") == "" {
		form.Del("csrf")
	}
	req, _ := http.NewRequest(http.MethodPost, c.e.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// postFile POSTs a multipart form with one file, as the upload form does.
func (c *client) postFile(path, name string, data []byte) (*http.Response, string) {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", c.csrf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.e.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// api sends a JSON request with the session's CSRF token in its header
// (token "-" sends none).
func (c *client) api(method, path string, body any, token string) (*http.Response, string) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.e.base+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch token {
	case "":
		req.Header.Set(csrfHeader, c.csrf)
	case "-":
	default:
		req.Header.Set(csrfHeader, token)
	}
	return c.do(req)
}

// errorCode decodes an API error body.
func errorCode(t *testing.T, body string) apiErrorBody {
	t.Helper()
	var e apiErrorBody
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("not a JSON error body: %v: %s", err, body)
	}
	return e
}

// reportQuery is the API query of one matrix cell.
func reportQuery(partner, pop, ppop string) string {
	return "/api/report?" + url.Values{"partner": {partner}, "population": {pop}, "partner_population": {ppop}}.Encode()
}

func timeNow() time.Time { return time.Now() }
