package main

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/google/go-cmp/cmp"
)

// The pages, over plain HTTP: what each shows, and the offline partner's
// upload, mapping and import as a browser would send them.
func TestPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ann := e.signIn("ann")
	d := e.demo
	for _, tc := range []struct {
		path   string
		status int
		want   []string
	}{
		{"/partners", 200, []string{"Bolt Warehouse", "Cobalt Resellers", `id="matrix-bolt"`, "New offline partner"}},
		{"/partners/bolt/matrix", 200, []string{`id="matrix"`, "heat-5", "open report", "Request data", "1 hidden from Bolt Warehouse", "name, website, CSM, Region"}},
		{reportURL("bolt", d.Pops["acme/customers"], d.Pops["bolt/customers"]), 200, []string{
			"2 shared accounts", "Kim Novak", "Stripe, Inc.", `class="conf"`, "names agree", "Export CSV", "What the confidence says"}},
		{reportURL("bolt", d.Pops["acme/customers"], d.Pops["bolt/prospects"]), 403, []string{"as counts only", `id="request-data"`}},
		{reportURL("bolt", d.Pops["acme/customers"], "pop_nosuch"), 404, []string{"not found"}},
		{"/sharing", 200, []string{"Account basics", "preset “Account basics”", "Default: every partner without a rule", "Bolt Warehouse", "Save preset"}},
		{"/requests", 200, []string{"We would like to co-sell to your prospects.", "Approve", "Prospects"}},
		{"/offline/" + d.Offline, 200, []string{"Cobalt Resellers", "No data yet", `id="csv-file"`}},
		{"/partners/bolt/report?offset=-1", 400, []string{"offset"}},
	} {
		res, body := ann.get(tc.path)
		if res.StatusCode != tc.status {
			t.Errorf("GET %s: %d, want %d:\n%.400s", tc.path, res.StatusCode, tc.status, body)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s lacks %q", tc.path, w)
			}
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("GET %s: CSP %q", tc.path, csp)
		}
	}

	// Bolt's page shows the other side: it sees its own request pending in
	// Acme's matrix column… and the private record never.
	bob := e.signIn("bob")
	_, body := bob.get("/partners/acme/matrix")
	if !strings.Contains(body, "requested") {
		t.Errorf("Bolt's matrix does not show its pending request")
	}
	_, body = bob.get(reportURL("acme", d.Pops["bolt/prospects"], d.Pops["acme/customers"]))
	if strings.Contains(body, "Vercel") {
		t.Errorf("Bolt's report shows Acme's private record")
	}

	// Approving the seeded request from the requests page creates the rule.
	res, _ := ann.postForm("/requests/bolt/"+d.Request+"/approve", url.Values{})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/requests?done=approved" {
		t.Fatalf("approve: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	infos, _ := e.net.As("bob").PartnerPopulations(context.Background(), "acme")
	if infos[1].Level != acctmap.OverlappingRecords {
		t.Errorf("after approval Bolt sees %+v", infos[1])
	}
	_, body = ann.get("/requests?done=approved")
	if !strings.Contains(body, "Request approved") {
		t.Errorf("no notice after approving")
	}
}

// The offline partner's CSV: upload, the mapping step with csvsource's
// suggestion, a refused mapping shown again, the import, a population,
// its matrix, and an export that spreadsheets cannot run as formulas.
func TestOfflineUploadFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ann := e.signIn("ann")
	off := e.demo.Offline
	data, err := os.ReadFile("testdata/offline.csv")
	if err != nil {
		t.Fatal(err)
	}
	// Not a CSV: refused at the upload, with csvsource's words.
	res, body := ann.postFile("/offline/"+off+"/upload", "accounts.xlsx", []byte("PK\x03\x04 a zip archive"))
	if res.StatusCode != 400 || !strings.Contains(body, "accounts.xlsx: not a CSV file") {
		t.Errorf("a workbook: %d\n%s", res.StatusCode, body[strings.Index(body, "<main>"):])
	}
	res, _ = ann.postFile("/offline/"+off+"/upload", "offline.csv", data)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d", res.StatusCode)
	}
	loc := res.Header.Get("Location")
	tok := regexp.MustCompile(`upload=([^&]+)`).FindStringSubmatch(loc)
	if tok == nil {
		t.Fatalf("redirect %q has no upload token", loc)
	}
	upload, _ := url.QueryUnescape(tok[1])
	res, body = ann.get(loc)
	if res.StatusCode != 200 {
		t.Fatalf("mapping page: %d %s", res.StatusCode, body)
	}
	for _, w := range []string{
		`<option value="Organization" selected>`, `<option value="URL" selected>`, // csvsource's Suggested
		"<th>Deal Stage</th>", "Figma Inc", "Mia Lund", "UTF-8",
	} {
		if !strings.Contains(body, w) {
			t.Errorf("mapping page lacks %q", w)
		}
	}
	// Another user of the same org cannot use the token.
	rita := e.signIn("rita")
	if res, _ := rita.get(loc); res.StatusCode != 404 {
		t.Errorf("another user's upload: %d", res.StatusCode)
	}
	// A mapping without a name column is refused, and the step shown again.
	res, body = ann.postForm("/offline/"+off+"/import", url.Values{"upload": {upload}, "website": {"URL"}})
	if res.StatusCode != 400 || !strings.Contains(body, `id="mapping-error"`) || !strings.Contains(body, `id="mapping-form"`) {
		t.Errorf("no name column: %d\n%.600s", res.StatusCode, body)
	}
	if dss, _ := e.net.As("ann").DataSources(context.Background(), off); len(dss) != 0 {
		t.Errorf("a refused first import left data sources %v", dss)
	}
	res, body = ann.postForm("/offline/"+off+"/import", url.Values{"upload": {upload}, "name": {"Organization"}, "website": {"URL"}, "id": {"Ref"}})
	if res.StatusCode != 200 || !strings.Contains(body, "7 rows: 6 accepted, 1 rejected") || !strings.Contains(body, "line 7") {
		t.Fatalf("import: %d\n%.800s", res.StatusCode, body)
	}
	// The token is spent.
	if res, _ := ann.postForm("/offline/"+off+"/import", url.Values{"upload": {upload}, "name": {"Organization"}, "website": {"URL"}}); res.StatusCode != 404 {
		t.Errorf("a spent token: %d", res.StatusCode)
	}
	ctx := context.Background()
	dss, err := e.net.As("ann").DataSources(ctx, off)
	if err != nil || len(dss) != 1 {
		t.Fatalf("data sources %v, %v", dss, err)
	}
	rec, err := e.net.As("ann").Record(ctx, dss[0].ID, "C-2")
	if err != nil || rec.Name != "Figma Inc" {
		t.Errorf("record C-2: %+v, %v", rec, err)
	}
	// A population, then the matrix with the offline partner.
	res, body = ann.postForm("/offline/"+off+"/populations", url.Values{"ds": {dss[0].ID}, "kind": {"customers"}, "field": {"Deal Stage"}, "value": {"Won"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("population: %d %s", res.StatusCode, body)
	}
	var mx jsonMatrix
	ann.getJSON("/api/matrix/"+off, 200, &mx)
	// Acme's customers Stripe, Canva, Vercel… of which Stripe and Vercel
	// are Cobalt's "Won"; Acme's prospects include Figma.
	if diff := cmp.Diff([][]int64{{2}, {1}, {1}}, mx.Counts); diff != "" {
		t.Errorf("matrix with the offline partner (-want +got):\n%s", diff)
	}
	// Export: the Rep "=SUM(A1:A9)" comes out neutralized.
	res, body = ann.postForm("/partners/"+off+"/export", url.Values{"pop": {e.demo.Pops["acme/customers"]}, "ppop": {mx.Cols[0].ID}})
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %v\n%s", res.StatusCode, res.Header, body)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("export: %v, %d lines:\n%s", err, len(rows), body)
	}
	if !strings.Contains(body, "'=SUM(A1:A9)") || strings.Contains(body, ",=SUM") {
		t.Errorf("the formula is not neutralized:\n%s", body)
	}
}

// Each user has at most one pending upload, and the app a bounded number.
func TestUploadsAreBounded(t *testing.T) {
	t.Parallel()
	s := newUploads()
	now := timeNow()
	first, ok, err := s.put(pendingUpload{owner: "ann", partner: "p"}, now)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	second, _, _ := s.put(pendingUpload{owner: "ann", partner: "p"}, now)
	if _, ok := s.get(first, "ann", "p", now); ok {
		t.Errorf("a user's previous upload is kept")
	}
	if _, ok := s.get(second, "ann", "other", now); ok {
		t.Errorf("an upload is usable for another partner")
	}
	if _, ok := s.get(second, "ann", "p", now.Add(uploadTTL+1)); ok {
		t.Errorf("an expired upload is usable")
	}
	for i := range maxPendingUploads - 1 {
		if _, ok, _ := s.put(pendingUpload{owner: string(rune('a' + i))}, now); !ok {
			t.Fatalf("upload %d refused", i)
		}
	}
	if _, ok, _ := s.put(pendingUpload{owner: "one too many"}, now); ok {
		t.Errorf("more than %d uploads pending", maxPendingUploads)
	}
	if _, ok, _ := s.put(pendingUpload{owner: "later"}, now.Add(uploadTTL+1)); !ok {
		t.Errorf("expired uploads do not make room")
	}
}

// The remaining forms and endpoints: an invite accepted and declined from
// the partner list, a request declined, presets and rules through the API.
func TestInvitesRequestsAndPresets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	annA, bobA := e.net.As("ann"), e.net.As("bob")
	ann, bob := e.signIn("ann"), e.signIn("bob")

	// Declining the seeded request shares nothing.
	if res, _ := ann.postForm("/requests/bolt/"+e.demo.Request+"/decline", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("decline: %d", res.StatusCode)
	}
	reqs, _ := annA.ShareRequests(ctx, "bolt")
	if len(reqs) != 1 || reqs[0].Status != acctmap.RequestDeclined {
		t.Errorf("after declining: %+v", reqs)
	}

	for _, answer := range []string{"accept", "decline"} {
		if _, err := bobA.Revoke(ctx, "acme"); err != nil && answer == "accept" {
			t.Fatal(err)
		}
		if _, err := annA.Invite(ctx, "bolt"); err != nil {
			t.Fatal(err)
		}
		_, body := bob.get("/partners")
		if !strings.Contains(body, `action="/partners/acme/accept"`) {
			t.Fatalf("Bolt is not offered to accept the invite")
		}
		if res, body := bob.postForm("/partners/acme/"+answer, url.Values{}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", answer, res.StatusCode, body)
		}
		ps, _ := bobA.Partnerships(ctx)
		want := map[string]acctmap.PartnershipStatus{"accept": acctmap.Accepted, "decline": acctmap.Declined}[answer]
		if len(ps) != 1 || ps[0].Status != want {
			t.Errorf("after %s: %+v", answer, ps)
		}
		if answer == "accept" {
			if res, _ := ann.get("/partners/bolt/matrix"); res.StatusCode != 200 {
				t.Errorf("matrix after accepting: %d", res.StatusCode)
			}
		}
	}

	var pops []jsonPopulation
	ann.getJSON("/api/populations", 200, &pops)
	if len(pops) != 3 || pops[0].Name != "Customers" {
		t.Errorf("populations %+v", pops)
	}
	if res, body := ann.api("POST", "/api/field-presets", map[string]any{"name": "Names", "fields": []string{"name"}}, ""); res.StatusCode != 204 {
		t.Fatalf("save preset: %d %s", res.StatusCode, body)
	}
	presets, _ := annA.FieldPresets(ctx)
	if len(presets) != 2 {
		t.Errorf("presets %+v", presets)
	}
	if res, body := ann.api("DELETE", "/api/field-presets/Names", nil, ""); res.StatusCode != 204 {
		t.Fatalf("delete preset: %d %s", res.StatusCode, body)
	}
	if res, body := ann.api("DELETE", "/api/share-rules?"+url.Values{"population": {e.demo.Pops["acme/customers"]}}.Encode(), nil, ""); res.StatusCode != 204 {
		t.Fatalf("remove the default rule: %d %s", res.StatusCode, body)
	}
	pop, _ := annA.Population(ctx, e.demo.Pops["acme/customers"])
	if pop.Sharing.Default != nil {
		t.Errorf("the default rule is still %+v", pop.Sharing.Default)
	}
}
