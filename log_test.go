package acctmap_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
)

// captureHandler keeps every record it is given, as a message and its
// attributes rendered as text.
type captureHandler struct {
	mu      sync.Mutex
	records []logged
}

type logged struct {
	Msg   string
	Level slog.Level
	Attrs map[string]string
}

func (h *captureHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *captureHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *captureHandler) WithGroup(string) slog.Handler            { return h }
func (h *captureHandler) Handle(_ context.Context, r slog.Record) error {
	l := logged{Msg: r.Message, Level: r.Level, Attrs: map[string]string{}}
	r.Attrs(func(a slog.Attr) bool { l.Attrs[a.Key] = a.Value.String(); return true })
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, l)
	return nil
}

func TestWithLogger(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := &captureHandler{}
	net := acctmap.New(memstore.New(), acctmap.WithClock(fixedClock()), acctmap.WithLogger(slog.New(h)))
	for _, o := range []acctmap.Org{{ID: "org-a", Name: "Acme Analytics"}, {ID: "org-b", Name: "Bolt Warehouse"}} {
		mustOrg(t, net, o.ID, o.Name)
		_, err := net.AddUser(ctx, acctmap.User{ID: o.ID + "-admin", OrgID: o.ID, Name: "Admin", Role: acctmap.RoleAdmin})
		wantErr(t, "user", err, nil)
	}
	ann, bob := net.As("org-a-admin"), net.As("org-b-admin")
	partner(t, ann, bob, "org-b", "org-a")
	ds, err := bob.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Secret CRM", Kind: acctmap.PushedSource})
	wantErr(t, "ds", err, nil)
	_, err = bob.UpsertRecords(ctx, ds.ID, []acctmap.RecordInput{
		{ID: "rec-1", Name: "Stripe", Website: "stripe.com", Fields: map[string]string{"Stage": "Customer", "ARR": "s3cret-arr"}},
	})
	wantErr(t, "records", err, nil)
	pop, err := bob.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Customers})
	wantErr(t, "population", err, nil)
	wantErr(t, "rule", bob.SetShareRule(ctx, pop.ID, "org-a", acctmap.SharingRule{Level: acctmap.OverlappingRecords, Fields: []string{"name", "ARR"}}), nil)
	wantErr(t, "bad rule, not logged", bob.SetShareRule(ctx, pop.ID, "org-a", acctmap.SharingRule{Level: "everything"}), acctmap.ErrInvalidInput)
	req, err := ann.RequestShare(ctx, "org-b", pop.ID, acctmap.FullPopulation, []string{"Stage"}, "please share the s3cret")
	wantErr(t, "request", err, nil)
	_, err = bob.ApproveShareRequest(ctx, "org-a", req.ID)
	wantErr(t, "approve", err, nil)
	_, err = bob.SetPrivate(ctx, ds.ID, []string{"rec-1"}, true)
	wantErr(t, "private", err, nil)
	wantErr(t, "preset", bob.SaveFieldPreset(ctx, "Secret preset", []string{"ARR"}), nil)
	wantErr(t, "remove rule", bob.RemoveShareRule(ctx, pop.ID, "org-a"), nil)
	off, err := ann.CreateOfflinePartner(ctx, "Northwind Secret")
	wantErr(t, "offline", err, nil)
	wantErr(t, "delete offline", ann.DeleteOfflinePartner(ctx, off.ID), nil)
	_, err = ann.Revoke(ctx, "org-b")
	wantErr(t, "revoke", err, nil)

	want := []logged{
		{Msg: "partnership", Attrs: map[string]string{"action": "invite", "user": "org-a-admin", "inviter": "org-a", "invitee": "org-b", "status": "pending"}},
		{Msg: "partnership", Attrs: map[string]string{"action": "accept", "user": "org-b-admin", "inviter": "org-a", "invitee": "org-b", "status": "accepted"}},
		{Msg: "sync", Attrs: map[string]string{"user": "org-b-admin", "data_source": ds.ID, "replace": "false", "records": "1", "accepted": "1", "rejected": "0"}},
		{Msg: "sharing rule", Attrs: map[string]string{"action": "set", "user": "org-b-admin", "population": pop.ID, "partner": "org-a",
			"level": "overlapping_records", "fields": "2", "preset": "false"}},
		{Msg: "share request", Attrs: map[string]string{"action": "request", "user": "org-a-admin", "request": req.ID, "from": "org-a", "to": "org-b",
			"population": pop.ID, "level": "full_population", "fields": "1"}},
		{Msg: "share request", Attrs: map[string]string{"action": "approved", "user": "org-b-admin", "request": req.ID, "from": "org-a", "to": "org-b",
			"population": pop.ID, "level": "full_population", "fields": "1"}},
		{Msg: "private marks", Attrs: map[string]string{"user": "org-b-admin", "data_source": ds.ID, "private": "true", "records": "1"}},
		{Msg: "field preset", Attrs: map[string]string{"action": "save", "user": "org-b-admin", "fields": "1"}},
		{Msg: "sharing rule", Attrs: map[string]string{"action": "remove", "user": "org-b-admin", "population": pop.ID, "partner": "org-a"}},
		{Msg: "offline partner", Attrs: map[string]string{"action": "create", "user": "org-a-admin", "org": "org-a", "partner": off.ID}},
		{Msg: "offline partner", Attrs: map[string]string{"action": "delete", "user": "org-a-admin", "org": "org-a", "partner": off.ID}},
		{Msg: "partnership", Attrs: map[string]string{"action": "revoke", "user": "org-a-admin", "inviter": "org-a", "invitee": "org-b", "status": "revoked"}},
	}
	h.mu.Lock()
	got := h.records
	h.mu.Unlock()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	// Nothing of the data, nor a name someone typed, reaches the log.
	for _, r := range got {
		for k, v := range r.Attrs {
			for _, secret := range []string{"Stripe", "stripe", "s3cret", "Secret", "Acme", "Bolt", "Northwind", "ARR", "Stage", "Customer", "please"} {
				if strings.Contains(v, secret) {
					t.Errorf("record %q: attribute %s=%q holds %q", r.Msg, k, v, secret)
				}
			}
		}
	}
}

func TestWithLoggerNil(t *testing.T) {
	t.Parallel()
	_, err := acctmap.Open(memstore.New(), acctmap.WithLogger(nil))
	if !errors.Is(err, acctmap.ErrInvalidInput) {
		t.Fatalf("WithLogger(nil): %v, want ErrInvalidInput", err)
	}
}
