package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/google/go-cmp/cmp"
)

// The JSON API maps each of the library's sentinel errors (and the app's
// own refusals) to its status and code. Each case runs on a fresh demo.
func TestAPIStatusMapping(t *testing.T) {
	t.Parallel()
	type call struct {
		method, path string
		body         any
		token        string // "" the session's, "-" none, else this
	}
	cases := []struct {
		name   string
		user   string // "" for no session
		setup  func(t *testing.T, e *testEnv)
		call   func(d demo) call
		status int
		code   string // "" for a success
		reason string // a substring of the error's reason
	}{
		{name: "matrix", user: "ann", status: 200,
			call: func(d demo) call { return call{method: "GET", path: "/api/matrix/bolt"} }},
		{name: "matrix of an org that does not exist", user: "ann", status: 404, code: "not_partners",
			call: func(d demo) call { return call{method: "GET", path: "/api/matrix/nosuch"} }},
		{name: "matrix of one's own org", user: "ann", status: 400, code: "invalid_input",
			call: func(d demo) call { return call{method: "GET", path: "/api/matrix/acme"} }},
		{name: "report of a shared cell", user: "ann", status: 200,
			call: func(d demo) call {
				return call{method: "GET", path: reportQuery("bolt", d.Pops["acme/customers"], d.Pops["bolt/customers"])}
			}},
		{name: "report of a counts-only cell", user: "ann", status: 403, code: "not_shared", reason: `level "counts"`,
			call: func(d demo) call {
				return call{method: "GET", path: reportQuery("bolt", d.Pops["acme/customers"], d.Pops["bolt/prospects"])}
			}},
		{name: "report of an unknown population", user: "ann", status: 404, code: "not_found",
			call: func(d demo) call {
				return call{method: "GET", path: reportQuery("bolt", "pop_nosuch", d.Pops["bolt/customers"])}
			}},
		{name: "report with a bad limit", user: "ann", status: 400, code: "invalid_input",
			call: func(d demo) call {
				return call{method: "GET", path: reportQuery("bolt", d.Pops["acme/customers"], d.Pops["bolt/customers"]) + "&limit=lots"}
			}},
		{name: "report with a limit over the API's", user: "ann", status: 400, code: "invalid_input",
			call: func(d demo) call {
				return call{method: "GET", path: reportQuery("bolt", d.Pops["acme/customers"], d.Pops["bolt/customers"]) + "&limit=1001"}
			}},
		{name: "report with an unknown column", user: "ann", status: 400, code: "invalid_input",
			call: func(d demo) call {
				return call{method: "GET", path: reportQuery("bolt", d.Pops["acme/customers"], d.Pops["bolt/customers"]) + "&column=partner.ARR"}
			}},
		{name: "share request", user: "ann", status: 201,
			call: func(d demo) call {
				return call{method: "POST", path: "/api/share-requests", body: map[string]any{"partner": "bolt", "population": d.Pops["bolt/prospects"], "fields": []string{"name"}}}
			}},
		{name: "share request at counts level", user: "ann", status: 400, code: "invalid_input",
			call: func(d demo) call {
				return call{method: "POST", path: "/api/share-requests", body: map[string]any{"partner": "bolt", "population": d.Pops["bolt/prospects"], "level": "counts"}}
			}},
		{name: "share request of a population the partner hides", user: "ann", status: 404, code: "not_found",
			call: func(d demo) call {
				return call{method: "POST", path: "/api/share-requests", body: map[string]any{"partner": "bolt", "population": d.Pops["bolt/eu"]}}
			}},
		{name: "share request of a non-partner", user: "ann", status: 404, code: "not_partners",
			call: func(d demo) call {
				return call{method: "POST", path: "/api/share-requests", body: map[string]any{"partner": "nosuch", "population": "pop_x"}}
			}},
		{name: "share request by a read-only user", user: "rita", status: 403, code: "permission_denied",
			call: func(d demo) call {
				return call{method: "POST", path: "/api/share-requests", body: map[string]any{"partner": "bolt", "population": d.Pops["bolt/prospects"]}}
			}},
		{name: "approve a request", user: "ann", status: 200,
			call: func(d demo) call {
				return call{method: "POST", path: "/api/share-requests/bolt/" + d.Request + "/approve"}
			}},
		{name: "approve a request twice", user: "ann", status: 409, code: "conflict",
			setup: func(t *testing.T, e *testEnv) {
				if _, err := e.net.As("ann").ApproveShareRequest(context.Background(), "bolt", e.demo.Request); err != nil {
					t.Fatal(err)
				}
			},
			call: func(d demo) call {
				return call{method: "POST", path: "/api/share-requests/bolt/" + d.Request + "/approve"}
			}},
		{name: "approve one's own request", user: "bob", status: 403, code: "permission_denied",
			call: func(d demo) call {
				return call{method: "POST", path: "/api/share-requests/acme/" + d.Request + "/approve"}
			}},
		{name: "export over the plan's limit", user: "ann", status: 429, code: "limit_exceeded",
			setup: func(t *testing.T, e *testEnv) {
				if err := e.net.SetLimits(context.Background(), "acme", acctmap.Limits{MaxExportedRecords: 1}); err != nil {
					t.Fatal(err)
				}
			},
			call: func(d demo) call {
				return call{method: "POST", path: "/api/export", body: map[string]any{"partner": "bolt", "population": d.Pops["acme/customers"], "partner_population": d.Pops["bolt/customers"]}}
			}},
		{name: "export of a counts-only cell", user: "ann", status: 403, code: "not_shared", reason: "share-requests",
			call: func(d demo) call {
				return call{method: "POST", path: "/api/export", body: map[string]any{"partner": "bolt", "population": d.Pops["acme/customers"], "partner_population": d.Pops["bolt/prospects"]}}
			}},
		{name: "export by a read-only user", user: "rita", status: 403, code: "permission_denied",
			call: func(d demo) call {
				return call{method: "POST", path: "/api/export", body: map[string]any{"partner": "bolt", "population": d.Pops["acme/customers"], "partner_population": d.Pops["bolt/customers"]}}
			}},
		{name: "delete a preset a rule uses", user: "ann", status: 409, code: "conflict",
			call: func(d demo) call {
				return call{method: "DELETE", path: "/api/field-presets/" + url.PathEscape("Account basics")}
			}},
		{name: "share rule with a field the data source lacks", user: "ann", status: 400, code: "invalid_input",
			call: func(d demo) call {
				return call{method: "POST", path: "/api/share-rules", body: map[string]any{"population": d.Pops["acme/prospects"], "partner": "bolt", "level": "overlapping_records", "fields": []string{"Revenue"}}}
			}},
		{name: "share rule by a read-only user", user: "rita", status: 403, code: "permission_denied",
			call: func(d demo) call {
				return call{method: "POST", path: "/api/share-rules", body: map[string]any{"population": d.Pops["acme/prospects"], "level": "full_population", "fields": []string{"name"}}}
			}},
		{name: "share rule of another org's population", user: "ann", status: 404, code: "not_found",
			call: func(d demo) call {
				return call{method: "POST", path: "/api/share-rules", body: map[string]any{"population": d.Pops["bolt/prospects"], "level": "full_population", "fields": []string{"name"}}}
			}},
		{name: "partner list", user: "ann", status: 200,
			call: func(d demo) call { return call{method: "GET", path: "/api/partners"} }},
		{name: "no session", user: "", status: 401, code: "unauthenticated",
			call: func(d demo) call { return call{method: "GET", path: "/api/partners"} }},
		{name: "POST without a CSRF token", user: "ann", status: 403, code: "csrf",
			call: func(d demo) call {
				return call{method: "POST", path: "/api/field-presets", body: map[string]any{"name": "x", "fields": []string{"name"}}, token: "-"}
			}},
		{name: "POST with a forged CSRF token", user: "ann", status: 403, code: "csrf",
			call: func(d demo) call {
				return call{method: "POST", path: "/api/field-presets", body: map[string]any{"name": "x", "fields": []string{"name"}}, token: "forged"}
			}},
		{name: "DELETE without a CSRF token", user: "ann", status: 403, code: "csrf",
			call: func(d demo) call { return call{method: "DELETE", path: "/api/field-presets/x", token: "-"} }},
		{name: "a JSON body with an unknown field", user: "ann", status: 400, code: "invalid_input",
			call: func(d demo) call {
				return call{method: "POST", path: "/api/field-presets", body: map[string]any{"name": "x", "fields": []string{"name"}, "colour": "red"}}
			}},
		{name: "a JSON body too large", user: "ann", status: 413, code: "too_large",
			call: func(d demo) call {
				return call{method: "POST", path: "/api/field-presets", body: map[string]any{"name": strings.Repeat("x", 2<<20)}}
			}},
		{name: "an unknown endpoint", user: "ann", status: 404, code: "not_found",
			call: func(d demo) call { return call{method: "GET", path: "/api/nosuch"} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			if tc.setup != nil {
				tc.setup(t, e)
			}
			c := e.visitor()
			if tc.user != "" {
				c = e.signIn(tc.user)
			}
			k := tc.call(e.demo)
			res, body := c.api(k.method, k.path, k.body, k.token)
			if res.StatusCode != tc.status {
				t.Fatalf("%s %s: status %d, want %d: %s", k.method, k.path, res.StatusCode, tc.status, body)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "text/csv") {
				t.Errorf("Content-Type %q", ct)
			}
			if tc.code == "" {
				return
			}
			got := errorCode(t, body)
			if got.Code != tc.code || got.Error == "" {
				t.Errorf("error body %+v, want code %q and a message", got, tc.code)
			}
			if !strings.Contains(got.Reason, tc.reason) {
				t.Errorf("reason %q lacks %q", got.Reason, tc.reason)
			}
		})
	}
}

// A POST with a body that is not JSON is refused before the library runs.
func TestAPIRefusesNonJSON(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.signIn("ann")
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/share-requests", strings.NewReader(`partner=bolt`))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(csrfHeader, c.csrf)
	res, body := c.do(req)
	if res.StatusCode != http.StatusUnsupportedMediaType || errorCode(t, body).Code != "unsupported_media_type" {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
	if reqs, _ := e.net.As("bob").ShareRequests(context.Background(), "acme"); len(reqs) != 1 {
		t.Errorf("%d requests, want the seeded one only", len(reqs))
	}
}

// The API returns what the library returns, HiddenFromPartner included.
func TestAPIMatrixIsTheLibrarys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var got jsonMatrix
	e.signIn("ann").getJSON("/api/matrix/bolt", 200, &got)
	want, err := e.net.As("ann").Matrix(context.Background(), "bolt")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.Counts, got.Counts); diff != "" {
		t.Errorf("counts (-library +api):\n%s", diff)
	}
	if diff := cmp.Diff(want.HiddenFromPartner, got.HiddenFromPartner); diff != "" {
		t.Errorf("hidden from partner (-library +api):\n%s", diff)
	}
	if diff := cmp.Diff(populationJSON(want.Cols), got.Cols); diff != "" {
		t.Errorf("cols (-library +api):\n%s", diff)
	}
	// The seed's private record (Vercel, an Acme customer and a Bolt
	// prospect) is counted for Acme and hidden from Bolt.
	if got.HiddenFromPartner[0][1] != 1 {
		t.Errorf("hidden_from_partner = %v, want 1 for Customers × Prospects", got.HiddenFromPartner)
	}
	var theirs jsonMatrix
	e.signIn("bob").getJSON("/api/matrix/acme", 200, &theirs)
	if theirs.Counts[1][0] != want.Counts[0][1]-1 {
		t.Errorf("Bolt's Prospects × Acme's Customers = %d, want Acme's count less the private record", theirs.Counts[1][0])
	}
}

// A share request made through the API is the library's, and the owner
// approving it opens the cell.
func TestAPIShareRequestFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ann, bob := e.signIn("ann"), e.signIn("bob")
	cell := reportQuery("bolt", e.demo.Pops["acme/customers"], e.demo.Pops["bolt/prospects"])
	if res, _ := ann.get(cell); res.StatusCode != 403 {
		t.Fatalf("before: %d", res.StatusCode)
	}
	res, body := ann.api("POST", "/api/share-requests", map[string]any{
		"partner": "bolt", "population": e.demo.Pops["bolt/prospects"], "fields": []string{"name", "CSM"}, "message": "QBR"}, "")
	if res.StatusCode != 201 {
		t.Fatalf("request: %d %s", res.StatusCode, body)
	}
	var made jsonShareRequest
	json.Unmarshal([]byte(body), &made)
	var listed []jsonShareRequest
	bob.getJSON("/api/share-requests?partner=acme", 200, &listed)
	if len(listed) != 2 || listed[1].ID != made.ID || listed[1].Status != "pending" || listed[1].From != "acme" {
		t.Fatalf("Bolt sees %+v", listed)
	}
	if res, body := bob.api("POST", "/api/share-requests/acme/"+made.ID+"/approve", nil, ""); res.StatusCode != 200 {
		t.Fatalf("approve: %d %s", res.StatusCode, body)
	}
	var rep jsonReport
	ann.getJSON(cell, 200, &rep)
	// The one account: Vercel, Acme's private record, which Acme's own
	// report shows (marked private); Bolt's fields are those it now shares.
	if diff := cmp.Diff([]string{"Vercel"}, column(rep, "partner.name")); diff != "" {
		t.Errorf("partner names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"true"}, column(rep, acctmap.ColumnPrivate)); diff != "" {
		t.Errorf("private (-want +got):\n%s", diff)
	}
	if !containsColumn(rep, "partner.CSM") || containsColumn(rep, "partner.Region") {
		t.Errorf("columns %v: want exactly the requested fields of Bolt's", rep.Columns)
	}
}

func column(rep jsonReport, name string) []string {
	i := -1
	for j, c := range rep.Columns {
		if c == name {
			i = j
		}
	}
	var out []string
	for _, r := range rep.Rows {
		if i >= 0 {
			out = append(out, r.Values[i])
		}
	}
	return out
}

func containsColumn(rep jsonReport, name string) bool {
	for _, c := range rep.Columns {
		if c == name {
			return true
		}
	}
	return false
}
