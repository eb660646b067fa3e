package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
	"github.com/google/go-cmp/cmp"
)

// A user of one org cannot reach another org's data by changing the ids in
// URLs: every such request is refused, and the refusal carries none of the
// other org's data.
func TestCrossOrgIDsInURLs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	// Bolt has an offline partner of its own, with data.
	bob := e.net.As("bob")
	boltOff, err := bob.CreateOfflinePartner(ctx, "Bolt's reseller")
	if err != nil {
		t.Fatal(err)
	}
	ds, err := bob.CreateDataSource(ctx, acctmap.NewDataSource{OrgID: boltOff.ID, Name: "r.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bob.ImportCSV(ctx, ds.ID, strings.NewReader("Company,Domain,Secret\nStripe,stripe.com,TOPSECRET\n"),
		acctmap.CSVImport{Mapping: csvsource.Mapping{Name: "Company", Website: "Domain"}}); err != nil {
		t.Fatal(err)
	}
	offPop, err := bob.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Customers})
	if err != nil {
		t.Fatal(err)
	}
	d := e.demo
	ann := e.signIn("ann")
	ray := e.signIn("ray")
	for _, tc := range []struct {
		name   string
		c      *client
		path   string
		status int
	}{
		{"Acme reads its own population as if Bolt's", ann, reportQuery("bolt", d.Pops["bolt/customers"], d.Pops["acme/customers"]), 404},
		{"Acme reads Bolt's hidden population", ann, reportQuery("bolt", d.Pops["acme/customers"], d.Pops["bolt/eu"]), 404},
		{"Acme reads Bolt's offline partner's matrix", ann, "/api/matrix/" + boltOff.ID, 404},
		{"Acme reads Bolt's offline partner's report", ann, reportQuery(boltOff.ID, d.Pops["acme/customers"], offPop.ID), 404},
		{"Acme lists Bolt's offline partner's populations", ann, "/api/partners/" + boltOff.ID + "/populations", 404},
		{"Acme opens Bolt's offline partner's page", ann, "/offline/" + boltOff.ID, 404},
		{"Acme opens Bolt's offline partner's matrix page", ann, "/partners/" + boltOff.ID + "/matrix", 404},
		{"Acme opens Bolt's offline partner's report page", ann, "/partners/" + boltOff.ID + "/report?" + url.Values{"pop": {d.Pops["acme/customers"]}, "ppop": {offPop.ID}}.Encode(), 404},
		{"Bolt's read-only user opens Acme's offline partner", ray, "/offline/" + d.Offline, 404},
		{"Bolt's read-only user reads Acme's offline matrix", ray, "/api/matrix/" + d.Offline, 404},
		{"Bolt lists the share requests of Acme and its offline partner", ray, "/api/share-requests?partner=" + d.Offline, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := tc.c.get(tc.path)
			if res.StatusCode != tc.status {
				t.Fatalf("GET %s: %d, want %d: %.300s", tc.path, res.StatusCode, tc.status, body)
			}
			for _, secret := range []string{"TOPSECRET", "Kim Novak", "Ola Berg", "Bolt's reseller", "EU accounts"} {
				if strings.Contains(body, secret) {
					t.Errorf("the refusal shows %q:\n%s", secret, body)
				}
			}
		})
	}
	// Nor can Acme park an upload for Bolt's offline partner.
	res, _ := ann.postFile("/offline/"+boltOff.ID+"/upload", "x.csv", []byte("Company,Domain\nX,x.com\n"))
	if res.StatusCode != 404 {
		t.Errorf("upload for another org's offline partner: %d", res.StatusCode)
	}
}

func TestReadOnlyUserCannotChangeSharing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	rita := e.signIn("rita")
	before, err := e.net.As("ann").Population(ctx, e.demo.Pops["acme/prospects"])
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/sharing/rule", url.Values{"pop": {e.demo.Pops["acme/prospects"]}, "partner": {"bolt"}, "level": {"full_population"}, "fields": {"name"}}},
		{"/sharing/rule/remove", url.Values{"pop": {e.demo.Pops["acme/customers"]}, "partner": {""}}},
		{"/sharing/presets", url.Values{"name": {"All"}, "fields": {"name", "website"}}},
		{"/sharing/presets/delete", url.Values{"name": {"Account basics"}}},
		{"/requests/bolt/" + e.demo.Request + "/approve", url.Values{}},
		{"/partners/bolt/requests", url.Values{"ppop": {e.demo.Pops["bolt/prospects"]}}},
		{"/partners/bolt/export", url.Values{"pop": {e.demo.Pops["acme/customers"]}, "ppop": {e.demo.Pops["bolt/customers"]}}},
		{"/offline", url.Values{"name": {"Rita's partner"}}},
	} {
		res, body := rita.postForm(tc.path, tc.form)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "permission denied") {
			t.Errorf("POST %s as read-only: %d, want 403:\n%.300s", tc.path, res.StatusCode, body)
		}
	}
	after, err := e.net.As("ann").Population(ctx, e.demo.Pops["acme/prospects"])
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before.Sharing, after.Sharing); diff != "" {
		t.Errorf("sharing changed (-before +after):\n%s", diff)
	}
	reqs, _ := e.net.As("ann").ShareRequests(ctx, "bolt")
	if len(reqs) != 1 || reqs[0].Status != acctmap.RequestPending {
		t.Errorf("requests %+v: want the seeded one, pending", reqs)
	}
	// What a read-only user may do: read, here a shared cell's report.
	if res, body := rita.get(reportQuery("bolt", e.demo.Pops["acme/customers"], e.demo.Pops["bolt/customers"])); res.StatusCode != 200 {
		t.Errorf("read-only report: %d %s", res.StatusCode, body)
	}
	// Its pages offer no buttons that change anything.
	for _, path := range []string{"/sharing", "/requests", "/partners/bolt/matrix", "/offline/" + e.demo.Offline} {
		_, body := rita.get(path)
		for _, b := range []string{`action="/sharing/rule"`, `class="approve"`, `class="request-data"`, `id="upload-form"`} {
			if strings.Contains(body, b) {
				t.Errorf("%s offers a read-only user %s", path, b)
			}
		}
	}
}

// CSRF: every state-changing form needs the session's own token.
func TestCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ann, bob := e.signIn("ann"), e.signIn("bob")
	form := func() url.Values {
		return url.Values{"pop": {e.demo.Pops["acme/prospects"]}, "partner": {"bolt"}, "level": {"full_population"}, "fields": {"name"}}
	}
	for _, tc := range []struct {
		name  string
		token string
		hdr   map[string]string
	}{
		{"no token", "", nil},
		{"a forged token", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", nil},
		{"another session's token", bob.csrf, nil},
		{"the pre-sign-in token", "stale", nil}, // replaced below
		{"the right token from another site", ann.csrf, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"the right token with a foreign Origin", ann.csrf, map[string]string{"Origin": "https://evil.example"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := form()
			f.Set("csrf", tc.token)
			if tc.name == "the pre-sign-in token" {
				v := e.visitor()
				f.Set("csrf", v.csrf)
			}
			if tc.token == "" {
				f.Set("csrf", "")
			}
			req, _ := http.NewRequest("POST", e.srv.URL+"/sharing/rule", strings.NewReader(encodeForm(f)))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range tc.hdr {
				req.Header.Set(k, v)
			}
			res, body := ann.do(req)
			if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "CSRF") {
				t.Fatalf("%d, want 403 naming CSRF:\n%.300s", res.StatusCode, body)
			}
		})
	}
	pop, _ := e.net.As("ann").Population(context.Background(), e.demo.Pops["acme/prospects"])
	if _, ok := pop.Sharing.Partners["bolt"]; ok {
		t.Fatalf("a refused POST set a rule: %+v", pop.Sharing)
	}
	// The same form with the right token works.
	if res, body := ann.postForm("/sharing/rule", form()); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("with the token: %d %s", res.StatusCode, body)
	}
	// Signing in needs the visitor session's token too (login CSRF).
	v := e.visitor()
	if res, _ := v.postForm("/signin", url.Values{"user": {"ann"}, "csrf": {""}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in without a token: %d", res.StatusCode)
	}
	if res, _ := v.postForm("/signin", url.Values{"user": {"mallory"}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("sign-in as a user the directory lacks: %d", res.StatusCode)
	}
}

// encodeForm encodes f keeping an empty csrf out.
func encodeForm(f url.Values) string {
	if f.Get("csrf") == "" {
		f.Del("csrf")
	}
	return f.Encode()
}

// Session cookies that do not verify are a visitor's: forged, tampered,
// expired, or signed with another key.
func TestForgedSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	now := time.Now()
	otherKey := make([]byte, 32)
	forged, _ := encodeSession(otherKey, session{UserID: "ann", CSRF: "x", Expires: now.Add(time.Hour).Unix()})
	expired, _ := encodeSession(e.app.key, session{UserID: "ann", CSRF: "x", Expires: now.Add(-time.Second).Unix()})
	real, _ := encodeSession(e.app.key, session{UserID: "rita", CSRF: "x", Expires: now.Add(time.Hour).Unix()})
	p64, mac, _ := strings.Cut(real, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(p64)
	var s map[string]any
	json.Unmarshal(payload, &s)
	s["u"] = "ann" // rita makes herself an admin
	b, _ := json.Marshal(s)
	tampered := base64.RawURLEncoding.EncodeToString(b) + "." + mac
	for name, cookie := range map[string]string{
		"signed with another key": forged,
		"expired":                 expired,
		"tampered payload":        tampered,
		"no MAC":                  p64,
		"garbage":                 "%%%.%%%",
		"huge":                    strings.Repeat("A", 4000) + "." + mac,
		"a user the network lacks": func() string {
			v, _ := encodeSession(e.app.key, session{UserID: "mallory", CSRF: "x", Expires: now.Add(time.Hour).Unix()})
			return v
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", e.srv.URL+"/api/me", nil)
			req.AddCookie(&http.Cookie{Name: sessionCookie, Value: cookie})
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", res.StatusCode)
			}
		})
	}
}

// Every request builds its Actor from the session: a role changed, or a
// user removed, in the network applies on the very next request.
func TestActorIsPerRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	ann := e.signIn("ann")
	rule := map[string]any{"population": e.demo.Pops["acme/prospects"], "partner": "bolt", "level": "full_population", "fields": []string{"name"}}
	if res, body := ann.api("POST", "/api/share-rules", rule, ""); res.StatusCode != http.StatusNoContent {
		t.Fatalf("as admin: %d %s", res.StatusCode, body)
	}
	if err := e.net.SetRole(ctx, "ann", acctmap.RoleReadOnly, 0); err != nil {
		t.Fatal(err)
	}
	if res, body := ann.api("POST", "/api/share-rules", rule, ""); res.StatusCode != http.StatusForbidden {
		t.Fatalf("after the demotion: %d %s", res.StatusCode, body)
	}
	if err := e.net.RemoveUser(ctx, "ann"); err != nil {
		t.Fatal(err)
	}
	if res, _ := ann.get("/api/partners"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("API after the removal: %d", res.StatusCode)
	}
	if res, _ := ann.get("/partners"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signin" {
		t.Errorf("page after the removal: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}

// The app holds no partner data: a rule narrowed, or a partnership
// revoked, shows on the very next request, in the API and the pages.
func TestNoCacheOfPartnerData(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	ann := e.signIn("ann")
	cell := reportQuery("bolt", e.demo.Pops["acme/customers"], e.demo.Pops["bolt/customers"])
	page := reportURL("bolt", e.demo.Pops["acme/customers"], e.demo.Pops["bolt/customers"])
	for _, p := range []string{cell, page} {
		if res, body := ann.get(p); res.StatusCode != 200 || !strings.Contains(body, "Kim Novak") {
			t.Fatalf("GET %s before: %d, Kim Novak shown: %v", p, res.StatusCode, strings.Contains(body, "Kim Novak"))
		}
	}
	bob := e.net.As("bob")
	if err := bob.SetShareRule(ctx, e.demo.Pops["bolt/customers"], "acme", acctmap.SharingRule{Level: acctmap.CountsOnly}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{cell, page} {
		if res, body := ann.get(p); res.StatusCode != 403 || strings.Contains(body, "Kim Novak") {
			t.Errorf("GET %s after counts only: %d, Kim Novak shown: %v", p, res.StatusCode, strings.Contains(body, "Kim Novak"))
		}
	}
	if _, err := bob.Revoke(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/api/matrix/bolt", "/partners/bolt/matrix", cell} {
		if res, body := ann.get(p); res.StatusCode != 404 {
			t.Errorf("GET %s after the revocation: %d %.200s", p, res.StatusCode, body)
		}
	}
}
