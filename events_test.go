package acctmap_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
	"github.com/acctmap/acctmap/storetest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// evWorld is three orgs on one store: acme (admin ann, read-only rae),
// bolt (admin bob) and cirrus (admin cy), each with a CRM of three
// accounts and Customers and Prospects populations.
type evWorld struct {
	store          acctmap.Store
	net            *acctmap.Network
	ann, rae       *acctmap.Actor
	bob, cy        *acctmap.Actor
	pops           map[string]acctmap.Population // "acme/customers"…
	acmeDS, boltDS string
}

func newEvWorld(t *testing.T, store acctmap.Store, opts ...acctmap.Option) *evWorld {
	t.Helper()
	ctx := context.Background()
	w := &evWorld{store: store, pops: map[string]acctmap.Population{}}
	w.net = acctmap.New(store, append([]acctmap.Option{acctmap.WithClock(fixedClock())}, opts...)...)
	recs := []acctmap.RecordInput{
		{ID: "1", Name: "Stripe", Website: "stripe.com", Fields: map[string]string{"Stage": "Customer", "Owner": "Dana"}},
		{ID: "2", Name: "Notion", Website: "notion.so", Fields: map[string]string{"Stage": "Customer", "Owner": "Lee"}},
		{ID: "3", Name: "Figma", Website: "figma.com", Fields: map[string]string{"Stage": "Prospect", "Owner": "Sam"}},
	}
	for _, org := range []string{"acme", "bolt", "cirrus"} {
		mustOrg(t, w.net, org, org+" Inc")
		must[acctmap.User](t, "AddUser")(w.net.AddUser(ctx, acctmap.User{ID: org + "-admin", OrgID: org, Name: "Admin", Role: acctmap.RoleAdmin}))
		a := w.net.As(org + "-admin")
		ds := must[acctmap.DataSource](t, "CreateDataSource")(a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource}))
		in := make([]acctmap.RecordInput, len(recs))
		for i, r := range recs {
			r.ID = org[:1] + r.ID
			in[i] = r
		}
		must[acctmap.ImportSummary](t, "UpsertRecords")(a.UpsertRecords(ctx, ds.ID, in))
		for _, k := range []acctmap.PopulationKind{acctmap.Customers, acctmap.Prospects} {
			stage := map[acctmap.PopulationKind]string{acctmap.Customers: "Customer", acctmap.Prospects: "Prospect"}[k]
			p := must[acctmap.Population](t, "CreatePopulation")(a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: k,
				Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Stage", Op: acctmap.Equals, Value: stage}}}}))
			w.pops[org+"/"+string(k)] = p
		}
		switch org {
		case "acme":
			w.acmeDS = ds.ID
		case "bolt":
			w.boltDS = ds.ID
		}
	}
	must[acctmap.User](t, "AddUser")(w.net.AddUser(ctx, acctmap.User{ID: "acme-reader", OrgID: "acme", Name: "Rae", Role: acctmap.RoleReadOnly}))
	w.ann, w.rae, w.bob, w.cy = w.net.As("acme-admin"), w.net.As("acme-reader"), w.net.As("bolt-admin"), w.net.As("cirrus-admin")
	return w
}

// evLine is what the tests compare of an event.
type evLine struct {
	Kind        acctmap.EventKind
	Partner     string
	PartnerName string
	Population  string // its id
	Level       acctmap.ShareLevel
	Request     acctmap.ShareRequestStatus
}

func lines(t *testing.T, a *acctmap.Actor, after acctmap.EventCursor) ([]evLine, acctmap.EventCursor) {
	t.Helper()
	evs, err := collectSeq(a.Events(t.Context(), after))
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	var out []evLine
	last := after
	for _, e := range evs {
		if e.Cursor <= last {
			t.Errorf("event %+v after cursor %d: cursors must grow", e, last)
		}
		last = e.Cursor
		l := evLine{Kind: e.Kind, Partner: e.Partner, PartnerName: e.PartnerName}
		if e.Population != nil {
			l.Population, l.Level = e.Population.ID, e.Population.Level
		}
		if e.Request != nil {
			l.Request = e.Request.Status
		}
		out = append(out, l)
	}
	return out, last
}

func wantLines(t *testing.T, what string, want, got []evLine) {
	t.Helper()
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("%s (-want +got):\n%s", what, d)
	}
}

func TestEventsPartnerships(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	w := newEvWorld(t, memstore.New())
	must[acctmap.Partnership](t, "Invite")(w.ann.Invite(ctx, "bolt"))
	must[acctmap.Partnership](t, "Invite")(w.ann.Invite(ctx, "cirrus"))
	got, _ := lines(t, w.bob, 0)
	wantLines(t, "bolt's feed after acme's invite", []evLine{{Kind: acctmap.EventPartnershipInvited, Partner: "acme", PartnerName: "acme Inc"}}, got)
	mine, _ := lines(t, w.ann, 0)
	wantLines(t, "acme's feed: its own acts are not news to it", nil, mine)

	must[acctmap.Partnership](t, "Accept")(w.bob.Accept(ctx, "acme"))
	must[acctmap.Partnership](t, "Decline")(w.cy.Decline(ctx, "acme"))
	got, cur := lines(t, w.ann, 0)
	wantLines(t, "acme's feed", []evLine{
		{Kind: acctmap.EventPartnershipAccepted, Partner: "bolt", PartnerName: "bolt Inc"},
		{Kind: acctmap.EventPartnershipDeclined, Partner: "cirrus"}, // no longer a partner: no name
	}, got)
	// Every user of the org reads its feed.
	byReader, _ := lines(t, w.rae, 0)
	wantLines(t, "acme's feed read by its read-only user", got, byReader)

	must[acctmap.Partnership](t, "Revoke")(w.bob.Revoke(ctx, "acme"))
	got, _ = lines(t, w.ann, cur)
	wantLines(t, "acme's feed after its cursor", []evLine{{Kind: acctmap.EventPartnershipRevoked, Partner: "bolt"}}, got)
	got, _ = lines(t, w.ann, 0)
	if got[0].PartnerName != "" {
		t.Errorf("after the revocation, the acceptance event still names bolt: %+v", got[0])
	}
	// Cancelled invites too.
	must[acctmap.Partnership](t, "Invite")(w.cy.Invite(ctx, "bolt"))
	must[acctmap.Partnership](t, "CancelInvite")(w.cy.CancelInvite(ctx, "bolt"))
	got, _ = lines(t, w.bob, 0)
	wantLines(t, "bolt's feed", []evLine{
		{Kind: acctmap.EventPartnershipInvited, Partner: "acme"},
		{Kind: acctmap.EventPartnershipInvited, Partner: "cirrus"},
		{Kind: acctmap.EventPartnershipCancelled, Partner: "cirrus"},
	}, got)
}

func TestEventsShareRequestsAndRules(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	w := newEvWorld(t, memstore.New())
	partner(t, w.ann, w.bob, "bolt", "acme")
	partner(t, w.ann, w.cy, "cirrus", "acme")
	_, boltCur := lines(t, w.bob, 0)
	_, cyCur := lines(t, w.cy, 0)
	_, annCur := lines(t, w.ann, 0)
	cust, prosp := w.pops["acme/customers"], w.pops["acme/prospects"]

	// A rule for bolt: bolt hears of it, cirrus does not.
	mustDo(t, "SetShareRule", w.ann.SetShareRule(ctx, cust.ID, "bolt", acctmap.SharingRule{Level: acctmap.OverlappingRecords, Fields: []string{"name"}}))
	// The same rule again changes nothing bolt sees: no event.
	mustDo(t, "SetShareRule", w.ann.SetShareRule(ctx, cust.ID, "bolt", acctmap.SharingRule{Level: acctmap.OverlappingRecords, Fields: []string{"name"}}))
	// A default: cirrus (no rule of its own) hears of it, bolt (its own rule) not.
	mustDo(t, "SetShareRule", w.ann.SetShareRule(ctx, cust.ID, "", acctmap.SharingRule{Level: acctmap.FullPopulation, Fields: []string{"name", "Owner"}}))
	// A rule for an org that is no partner tells no one.
	mustDo(t, "SetShareRule", w.ann.SetShareRule(ctx, prosp.ID, "stranger", acctmap.SharingRule{Level: acctmap.OverlappingRecords}))
	// Hiding a population announces nothing.
	mustDo(t, "SetShareRule", w.ann.SetShareRule(ctx, prosp.ID, "cirrus", acctmap.SharingRule{Level: acctmap.Hidden}))
	got, boltCur2 := lines(t, w.bob, boltCur)
	wantLines(t, "bolt's feed", []evLine{{Kind: acctmap.EventSharingRuleChanged, Partner: "acme", PartnerName: "acme Inc", Population: cust.ID, Level: acctmap.OverlappingRecords}}, got)
	got, _ = lines(t, w.cy, cyCur)
	wantLines(t, "cirrus's feed", []evLine{{Kind: acctmap.EventSharingRuleChanged, Partner: "acme", PartnerName: "acme Inc", Population: cust.ID, Level: acctmap.FullPopulation}}, got)

	// A preset used by bolt's rule: saving it again with other fields changes what bolt sees.
	mustDo(t, "SaveFieldPreset", w.ann.SaveFieldPreset(ctx, "basics", []string{"name"}))
	mustDo(t, "SetShareRule", w.ann.SetShareRule(ctx, prosp.ID, "bolt", acctmap.SharingRule{Level: acctmap.OverlappingRecords, Preset: "basics"}))
	mustDo(t, "SaveFieldPreset", w.ann.SaveFieldPreset(ctx, "basics", []string{"name", "Owner"}))
	got, _ = lines(t, w.bob, boltCur2)
	wantLines(t, "bolt's feed after the preset", []evLine{
		{Kind: acctmap.EventSharingRuleChanged, Partner: "acme", PartnerName: "acme Inc", Population: prosp.ID, Level: acctmap.OverlappingRecords},
		{Kind: acctmap.EventSharingRuleChanged, Partner: "acme", PartnerName: "acme Inc", Population: prosp.ID, Level: acctmap.OverlappingRecords},
	}, got)

	// Share requests: the owner hears of a request, the requester of its decision.
	boltProsp := w.pops["bolt/prospects"]
	req := must[acctmap.ShareRequest](t, "RequestShare")(w.ann.RequestShare(ctx, "bolt", boltProsp.ID, acctmap.OverlappingRecords, []string{"name"}, "please"))
	got, _ = lines(t, w.bob, boltCur2)
	if n := len(got); n != 3 || got[2] != (evLine{Kind: acctmap.EventShareRequestReceived, Partner: "acme", PartnerName: "acme Inc", Population: boltProsp.ID, Level: acctmap.FullPopulation, Request: acctmap.RequestPending}) {
		t.Errorf("bolt's feed after acme's request: %+v", got)
	}
	must[acctmap.ShareRequest](t, "Approve")(w.bob.ApproveShareRequest(ctx, "acme", req.ID))
	req2 := must[acctmap.ShareRequest](t, "RequestShare")(w.ann.RequestShare(ctx, "bolt", w.pops["bolt/customers"].ID, acctmap.FullPopulation, nil, ""))
	must[acctmap.ShareRequest](t, "Decline")(w.bob.DeclineShareRequest(ctx, "acme", req2.ID))
	got, annCur2 := lines(t, w.ann, annCur)
	wantLines(t, "acme's feed after bolt's decisions", []evLine{
		{Kind: acctmap.EventShareRequestApproved, Partner: "bolt", PartnerName: "bolt Inc", Population: boltProsp.ID, Level: acctmap.OverlappingRecords, Request: acctmap.RequestApproved},
		{Kind: acctmap.EventShareRequestDeclined, Partner: "bolt", PartnerName: "bolt Inc", Population: w.pops["bolt/customers"].ID, Level: acctmap.CountsOnly, Request: acctmap.RequestDeclined},
	}, got)

	// Read as they stand now: bolt hides the approved population, and
	// revokes; acme's earlier events show nothing of bolt's any more.
	mustDo(t, "SetShareRule", w.bob.SetShareRule(ctx, boltProsp.ID, "acme", acctmap.SharingRule{Level: acctmap.Hidden}))
	got, _ = lines(t, w.ann, annCur)
	if got[0].Population != "" {
		t.Errorf("an event shows a population hidden since: %+v", got[0])
	}
	must[acctmap.Partnership](t, "Revoke")(w.bob.Revoke(ctx, "acme"))
	got, _ = lines(t, w.ann, annCur)
	wantLines(t, "acme's feed after the revocation", []evLine{
		{Kind: acctmap.EventShareRequestApproved, Partner: "bolt"},
		{Kind: acctmap.EventShareRequestDeclined, Partner: "bolt"},
		{Kind: acctmap.EventPartnershipRevoked, Partner: "bolt"},
	}, got)
	got, _ = lines(t, w.bob, 0)
	for _, l := range got {
		if l.Kind == acctmap.EventSharingRuleChanged {
			t.Errorf("bolt still reads an event about acme's population after the revocation: %+v", l)
		}
		if l.Kind == acctmap.EventShareRequestReceived && (l.Request != "" || l.PartnerName != "") {
			t.Errorf("bolt still reads acme's request after the revocation: %+v", l)
		}
	}
	_ = annCur2
}

func TestEventsAtomicWithTheirWrite(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	fs := storetest.NewFaultStore(memstore.New())
	w := newEvWorld(t, fs)
	fs.Count(storetest.Commits)
	fs.FailAt(1, nil)
	if _, err := w.ann.Invite(ctx, "bolt"); !errors.Is(err, storetest.ErrInjected) {
		t.Fatalf("Invite with a failing commit: %v", err)
	}
	got, _ := lines(t, w.bob, 0)
	wantLines(t, "bolt's feed after an invite that failed", nil, got)
	fs.Reset()
	must[acctmap.Partnership](t, "Invite")(w.ann.Invite(ctx, "bolt"))
	got, _ = lines(t, w.bob, 0)
	wantLines(t, "bolt's feed after the invite", []evLine{{Kind: acctmap.EventPartnershipInvited, Partner: "acme", PartnerName: "acme Inc"}}, got)
	// A refused change writes nothing either.
	if _, err := w.ann.Invite(ctx, "bolt"); !errors.Is(err, acctmap.ErrConflict) {
		t.Fatalf("second Invite: %v", err)
	}
	got2, _ := lines(t, w.bob, 0)
	wantLines(t, "bolt's feed after a refused invite", got, got2)
}

func TestWaitEvents(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := memstore.New()
	w := newEvWorld(t, store, acctmap.WithEventPolling(20*time.Millisecond))
	// Nothing after the cursor: it waits until ctx ends.
	short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	if err := w.bob.WaitEvents(short, 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitEvents on an empty feed: %v, want the deadline", err)
	}
	// A change through the same Network wakes it.
	done := make(chan error, 1)
	go func() { done <- w.bob.WaitEvents(ctx, 0) }()
	time.Sleep(10 * time.Millisecond)
	must[acctmap.Partnership](t, "Invite")(w.ann.Invite(ctx, "bolt"))
	select {
	case err := <-done:
		mustDo(t, "WaitEvents", err)
	case <-time.After(5 * time.Second):
		t.Fatal("WaitEvents did not return after an invite")
	}
	_, cur := lines(t, w.bob, 0)
	// An event already there: it returns at once.
	mustDo(t, "WaitEvents with an event after the cursor", w.bob.WaitEvents(ctx, 0))
	// A change through another Network on the same store: polling sees it.
	other := acctmap.New(store, acctmap.WithClock(fixedClock()))
	go func() { done <- w.bob.WaitEvents(ctx, cur) }()
	time.Sleep(10 * time.Millisecond)
	must[acctmap.Partnership](t, "Invite")(other.As("cirrus-admin").Invite(ctx, "bolt"))
	select {
	case err := <-done:
		mustDo(t, "WaitEvents", err)
	case <-time.After(5 * time.Second):
		t.Fatal("WaitEvents did not see an invite made through another Network")
	}
	// Audit entries after the cursor do not end the wait.
	_, cur = lines(t, w.bob, 0)
	mustDo(t, "SaveFieldPreset", w.bob.SaveFieldPreset(ctx, "p", []string{"name"}))
	short2, cancel2 := context.WithTimeout(ctx, 60*time.Millisecond)
	defer cancel2()
	if err := w.bob.WaitEvents(short2, cur); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitEvents after an audit entry only: %v, want the deadline", err)
	}
	// Unknown users are refused.
	if err := w.net.As("nobody").WaitEvents(ctx, 0); !errors.Is(err, acctmap.ErrPermissionDenied) {
		t.Errorf("WaitEvents as an unknown user: %v", err)
	}
}

func TestWithEventPollingRange(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{0, time.Millisecond, 2 * time.Hour} {
		if _, err := acctmap.Open(memstore.New(), acctmap.WithEventPolling(d)); !errors.Is(err, acctmap.ErrInvalidInput) {
			t.Errorf("WithEventPolling(%v): %v, want ErrInvalidInput", d, err)
		}
	}
}

// TestEventsOnEveryStore runs a partnership, a rule, a request and an
// export through each store: the feed and the trails read the same.
func TestEventsOnEveryStore(t *testing.T) {
	t.Parallel()
	for _, ts := range testStores {
		t.Run(ts.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			w := newEvWorld(t, ts.open(t))
			partner(t, w.ann, w.bob, "bolt", "acme")
			cust := w.pops["acme/customers"]
			mustDo(t, "SetShareRule", w.ann.SetShareRule(ctx, cust.ID, "bolt", acctmap.SharingRule{Level: acctmap.OverlappingRecords, Fields: []string{"name"}}))
			req := must[acctmap.ShareRequest](t, "RequestShare")(w.bob.RequestShare(ctx, "acme", w.pops["acme/prospects"].ID, acctmap.FullPopulation, nil, "hi"))
			must[acctmap.ShareRequest](t, "Decline")(w.ann.DeclineShareRequest(ctx, "bolt", req.ID))
			spec := acctmap.ReportSpec{Partner: "acme", Population: w.pops["bolt/customers"].ID, PartnerPopulation: cust.ID}
			must[int](t, "ExportReport")(w.bob.ExportReport(ctx, spec, io.Discard))
			got, _ := lines(t, w.bob, 0)
			wantLines(t, "bolt's feed", []evLine{
				{Kind: acctmap.EventPartnershipInvited, Partner: "acme", PartnerName: "acme Inc"},
				{Kind: acctmap.EventSharingRuleChanged, Partner: "acme", PartnerName: "acme Inc", Population: cust.ID, Level: acctmap.OverlappingRecords},
				{Kind: acctmap.EventShareRequestDeclined, Partner: "acme", PartnerName: "acme Inc", Population: w.pops["acme/prospects"].ID, Level: acctmap.CountsOnly, Request: acctmap.RequestDeclined},
			}, got)
			var actions []acctmap.AuditAction
			var exported []string
			for _, e := range trail(t, w.ann, acctmap.AuditFilter{}) {
				actions = append(actions, e.Action)
				if e.Action == acctmap.AuditExport {
					exported = append(exported, e.RecordIDs...)
				}
			}
			want := []acctmap.AuditAction{acctmap.AuditPartnershipInvited, acctmap.AuditSharingRuleSet, acctmap.AuditShareRequestDeclined, acctmap.AuditExport}
			if d := cmp.Diff(want, actions); d != "" {
				t.Errorf("acme's trail (-want +got):\n%s", d)
			}
			if d := cmp.Diff([]string{"a1", "a2"}, exported); d != "" {
				t.Errorf("acme's records exported (-want +got):\n%s", d)
			}
		})
	}
}
