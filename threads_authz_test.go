package acctmap_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/acctmap/acctmap"
)

// azThreads gives the authorization world a thread of acme's with the
// partner and one with the revoked org (from before the revocation), an
// opportunity data source of acme's and an attribution.
func azThreads(t *testing.T, w *azWorld, as func(string) *acctmap.Actor) {
	t.Helper()
	ctx := context.Background()
	r := w.targets["revoked"]
	mustDo(t, "SetShareRule", as("revoked").SetShareRule(ctx, r.pop, "acme", acctmap.SharingRule{Level: acctmap.FullPopulation, Fields: []string{"id"}}))
	for _, rel := range []string{"partner", "revoked"} {
		tg := w.targets[rel]
		th := must[acctmap.Thread](t, "StartThread")(as("acme").StartThread(ctx, acctmap.NewThread{Partner: tg.org, PartnerPopulation: tg.pop,
			PartnerRecordID: tg.rec, Subject: "renewal"}))
		tg.thread = th.ID
		w.targets[rel] = tg
	}
	mustDo(t, "SetOpportunityFields", as("acme").SetOpportunityFields(ctx, w.own.ds, acctmap.OpportunityFields{Amount: "Stage"}))
	at := must[acctmap.Attribution](t, "Attribute")(as("acme").Attribute(ctx, acctmap.Attribution{
		Opportunity: acctmap.RecordRef{DataSourceID: w.own.ds, RecordID: w.own.rec}, Partner: "partner", Kind: acctmap.Sourced}))
	w.attribution = at.ID
}

// The rows join the table when the test binary starts.
func init() { azMethods = append(azMethods, azThreadMethods...) }

func azThreadArgs(w *azWorld, tg azTarget) []string { return []string{tg.org, tg.thread} }

// azThreadMethods are the table's rows of threads and attribution:
// reading needs no permission, writing ManagePartnerships (and
// ManageDataSources for an opportunity mapping). A thread acme may not
// see (none for acme itself and most relations, the revoked org's) is
// not found.
var azThreadMethods = []azMethod{
	{name: "Threads", call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
		return collectSeq(a.Threads(ctx, acctmap.ThreadFilter{}))
	}},
	//                                                                     own      partner  offline     otheroff    revoked     pendingin   pendingout  stranger
	{name: "StartThread", args: azThreadArgs, perm: mPa, writes: true, want: "invalid ok notpartners notpartners notpartners notpartners notpartners notpartners",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.StartThread(ctx, acctmap.NewThread{Partner: tg.org, PartnerPopulation: tg.pop, PartnerRecordID: tg.rec, Subject: "s"})
		}},
	{name: "Thread", args: azThreadArgs, want: "notfound ok notfound notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.Thread(ctx, tg.thread)
		}},
	{name: "ThreadMessages", args: azThreadArgs, want: "notfound ok notfound notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return collectSeq(a.ThreadMessages(ctx, tg.thread))
		}},
	{name: "AssignThreadOwner", args: azThreadArgs, perm: mPa, writes: true, want: "notfound ok notfound notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return nil, a.AssignThreadOwner(ctx, tg.thread, "acme-admin")
		}},
	{name: "PostMessage", args: azThreadArgs, perm: mPa, writes: true, want: "notfound ok notfound notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.PostMessage(ctx, tg.thread, acctmap.MessageInput{Body: "hello"})
		}},
	{name: "CloseThread", args: azThreadArgs, perm: mPa, writes: true, want: "notfound ok notfound notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return nil, a.CloseThread(ctx, tg.thread)
		}},
	{name: "ReopenThread", args: azThreadArgs, perm: mPa, writes: true, want: "notfound conflict notfound notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return nil, a.ReopenThread(ctx, tg.thread)
		}},
	{name: "SetOpportunityFields", args: func(w *azWorld, tg azTarget) []string { return []string{tg.ds} }, perm: mDS, writes: true,
		want: "ok notfound invalid notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return nil, a.SetOpportunityFields(ctx, tg.ds, acctmap.OpportunityFields{Amount: "Stage"})
		}},
	{name: "OpportunityFieldsOf", args: func(w *azWorld, tg azTarget) []string { return []string{tg.ds} },
		want: "ok notfound notfound notfound notfound notfound notfound notfound",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.OpportunityFieldsOf(ctx, tg.ds)
		}},
	{name: "Attribute", args: func(w *azWorld, tg azTarget) []string { return []string{tg.org} }, perm: mPa, writes: true,
		want: "invalid ok notpartners notpartners notpartners notpartners notpartners notpartners",
		call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
			return a.Attribute(ctx, acctmap.Attribution{Opportunity: acctmap.RecordRef{DataSourceID: w.own.ds, RecordID: w.own.rec2},
				Partner: tg.org, Kind: acctmap.Influenced})
		}},
	{name: "Attributions", call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
		return a.Attributions(ctx)
	}},
	{name: "RemoveAttribution", perm: mPa, writes: true, call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
		return nil, a.RemoveAttribution(ctx, w.attribution)
	}},
	{name: "AttributionReport", call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
		return a.AttributionReport(ctx, acctmap.AttributionSpec{})
	}},
	{name: "ExportAttributionReport", call: func(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
		var b bytes.Buffer
		return b.String(), a.ExportAttributionReport(ctx, acctmap.AttributionSpec{}, &b)
	}},
}
