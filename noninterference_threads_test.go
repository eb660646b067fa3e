package acctmap_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
)

// niThread adds V's threads and attributions to the non-interference
// test's observation (one call in observe). The first observation of a
// network makes them, once (a mark in the store says it is done):
//
//   - V starts threads on P's records it sees at a record level (by id
//     where P shares it, else through V's own records), and P starts
//     threads on V's, with messages both ways, internal notes on both
//     sides and owners;
//   - V marks its first data source as holding opportunities and
//     attributes a deal to P, keeping the evidence of the overlap.
//
// A thread pins the partner record it is about, as a mark does: the
// test does not change the ids of those records (w.marked).
//
// Then it reads V's threads (list, each one, their messages) and V's
// attributions and attribution report.
func (w *niNet) niThread(add func(name string, v any, err error)) {
	w.t.Helper()
	w.makeThreads()
	a := w.admin(niV)
	ths, err := collectSeq(a.Threads(w.ctx, acctmap.ThreadFilter{}))
	add("Threads", ths, err)
	for _, th := range ths {
		one, err := a.Thread(w.ctx, th.ID)
		add("Thread "+th.ID, one, err)
		msgs, err := collectSeq(a.ThreadMessages(w.ctx, th.ID))
		add("ThreadMessages "+th.ID, msgs, err)
	}
	ats, err := a.Attributions(w.ctx)
	add("Attributions", ats, err)
	rep, err := a.AttributionReport(w.ctx, acctmap.AttributionSpec{})
	add("AttributionReport", rep, err)
	var csv bytes.Buffer
	err = a.ExportAttributionReport(w.ctx, acctmap.AttributionSpec{}, &csv)
	add("ExportAttributionReport", csv.String(), err)
}

// niThreadsMark is the store item that says a network's threads are made.
const niThreadsMark = "ni-threads-made"

// makeThreads makes the threads and attributions of niThread, once.
func (w *niNet) makeThreads() {
	w.t.Helper()
	done := false
	w.must(w.store.View(w.ctx, func(tx acctmap.ReadTx) error {
		items, err := tx.OrgItems(niV, niThreadsMark)
		done = len(items) > 0
		return err
	}), "mark")
	if done {
		return
	}
	w.must(w.store.Update(w.ctx, func(tx acctmap.Tx) error {
		return tx.PutOrgItem(acctmap.OrgItem{OrgID: niV, Kind: niThreadsMark, ID: "done"})
	}), "mark")
	v, p := w.admin(niV), w.admin(niP)
	var started []string
	start := func(by *acctmap.Actor, spec acctmap.NewThread) {
		if len(started) >= 6 {
			return
		}
		th, err := by.StartThread(w.ctx, spec)
		if err != nil {
			return // not visible at a record level: the test tries others
		}
		started = append(started, th.ID)
	}
	// V's threads on P's records.
	for _, pop := range w.pops[niP] {
		for _, id := range sortedRecIDs(w.recs[pop.DataSourceID]) {
			start(v, acctmap.NewThread{Partner: niP, PartnerPopulation: pop.ID, PartnerRecordID: id, Subject: "about " + id, Body: "hello from V"})
		}
		for _, ds := range w.dss[niV] {
			for _, id := range sortedRecIDs(w.recs[ds.ID]) {
				start(v, acctmap.NewThread{Partner: niP, PartnerPopulation: pop.ID, Record: acctmap.RecordRef{DataSourceID: ds.ID, RecordID: id}, Subject: "mine " + id})
			}
		}
	}
	// P's threads on V's records.
	vPops, err := p.PartnerPopulations(w.ctx, niV)
	w.must(err, "PartnerPopulations")
	for _, pop := range vPops {
		for _, ds := range w.dss[niV] {
			for _, id := range sortedRecIDs(w.recs[ds.ID]) {
				start(p, acctmap.NewThread{Partner: niV, PartnerPopulation: pop.ID, PartnerRecordID: id, Subject: "P on " + id, Body: "hello from P"})
			}
		}
		for _, ds := range w.dss[niP] {
			for _, id := range sortedRecIDs(w.recs[ds.ID]) {
				start(p, acctmap.NewThread{Partner: niV, PartnerPopulation: pop.ID, Record: acctmap.RecordRef{DataSourceID: ds.ID, RecordID: id}, Subject: "P's " + id})
			}
		}
	}
	for i, id := range started {
		for _, side := range []*acctmap.Actor{v, p} {
			th, err := side.Thread(w.ctx, id)
			if err != nil {
				continue
			}
			if !th.Started {
				w.marked[th.Record.RecordID] = true // P's record: pin its id
			}
			_, err = side.PostMessage(w.ctx, id, acctmap.MessageInput{Body: "note of " + th.Partner, Internal: true})
			w.must(err, "note")
			if i%2 == 0 {
				_, err = side.PostMessage(w.ctx, id, acctmap.MessageInput{Body: "reply"})
				w.must(err, "reply")
				me, _ := side.Me(w.ctx)
				w.must(side.AssignThreadOwner(w.ctx, id, me.OrgID+"-pm"), "assign")
			}
		}
		if i%3 == 2 {
			if err := p.CloseThread(w.ctx, id); err != nil && !errors.Is(err, acctmap.ErrNotFound) && !errors.Is(err, acctmap.ErrConflict) {
				w.must(err, "close")
			}
		}
	}
	// V's deals: its first data source, one attributed to P.
	ds := w.dss[niV][0]
	w.must(v.SetOpportunityFields(w.ctx, ds.ID, acctmap.OpportunityFields{Amount: "Note", Stage: "Stage",
		WonStages: []string{"Customer"}, LostStages: []string{"Churned"}}), "SetOpportunityFields")
	ids := sortedRecIDs(w.recs[ds.ID])
	at := acctmap.Attribution{Opportunity: acctmap.RecordRef{DataSourceID: ds.ID, RecordID: ids[0]}, Partner: niP, Kind: acctmap.Sourced}
	if len(started) > 0 {
		if th, err := v.Thread(w.ctx, started[0]); err == nil && th.Partner == niP {
			at.ThreadID = th.ID
		}
	}
	_, err = v.Attribute(w.ctx, at)
	w.must(err, "Attribute")
}

// pNotes is a change V may not see: P's internal notes on every thread it
// sees.
func (w *niNet) pNotes() {
	w.t.Helper()
	p := w.admin(niP)
	ths, err := collectSeq(p.Threads(w.ctx, acctmap.ThreadFilter{}))
	w.must(err, "P's Threads")
	for _, th := range ths {
		if _, err := p.PostMessage(w.ctx, th.ID, acctmap.MessageInput{Body: w.id("P's note"), Internal: true}); err != nil && !errors.Is(err, acctmap.ErrConflict) {
			w.must(err, "P's note")
		}
	}
}

// TestNonInterferenceThreads: P's internal notes and the test's other
// changes V may not see leave V's threads, attributions and everything
// else observe reads unchanged; and the threads in the observation are
// there to see (some networks have some, and a message of P's shows).
func TestNonInterferenceThreads(t *testing.T) {
	t.Parallel()
	const networks = 300
	withThreads, shown := 0, 0
	for seed := range uint64(networks) {
		w := newNINet(t, seed, memstore.New())
		pPops := slices.Clone(w.pops[niP])
		before := w.observe(pPops)
		w.pNotes()
		for range 1 + w.rnd.IntN(3) {
			w.mutateInvisible()
		}
		if after := w.observe(pPops); !bytes.Equal(before, after) {
			t.Fatalf("seed %d: V's view changed after P's notes and invisible changes:\n%s", seed, niDiff(before, after))
		}
		ths, err := collectSeq(w.admin(niV).Threads(w.ctx, acctmap.ThreadFilter{Open: true}))
		w.must(err, "Threads")
		if len(ths) == 0 {
			continue
		}
		withThreads++
		// The positive twin: a message of P's, which V sees.
		for _, th := range ths {
			if _, err := w.admin(niP).PostMessage(w.ctx, th.ID, acctmap.MessageInput{Body: "visible"}); err == nil {
				if !bytes.Equal(before, w.observe(pPops)) {
					shown++
				}
				break
			}
		}
	}
	t.Logf("%d networks, %d with open threads of V's, a message of P's shown in %d", networks, withThreads, shown)
	if withThreads < networks/4 || shown < withThreads/2 {
		t.Fatalf("the observation holds too few threads to test: %d networks with threads, %d shown", withThreads, shown)
	}
}

// noteLeakStore is a planted defect: it hands the Network every message as
// V's own, as a store that lost the author's org would, so that P's
// internal notes reach V.
type noteLeakStore struct{ acctmap.Store }

func (s noteLeakStore) View(ctx context.Context, fn func(tx acctmap.ReadTx) error) error {
	return s.Store.View(ctx, func(tx acctmap.ReadTx) error { return fn(noteLeakTx{tx}) })
}

type noteLeakTx struct{ acctmap.ReadTx }

func (tx noteLeakTx) Messages(id string) ([]acctmap.MessageRecord, error) {
	ms, err := tx.ReadTx.Messages(id)
	for i := range ms {
		ms[i].OrgID = niV
	}
	return ms, err
}

// TestNonInterferenceCatchesNoteLeaks: on a store that shows V P's
// internal notes, the observation must change when P writes one.
func TestNonInterferenceCatchesNoteLeaks(t *testing.T) {
	t.Parallel()
	caught := 0
	const networks = 50
	for seed := range uint64(networks) {
		w := newNINet(t, seed, noteLeakStore{memstore.New()})
		pPops := slices.Clone(w.pops[niP])
		before := w.observe(pPops)
		w.pNotes()
		if !bytes.Equal(before, w.observe(pPops)) {
			caught++
		}
	}
	if caught == 0 {
		t.Fatalf("a store that shows V P's internal notes went unnoticed in %d networks", networks)
	}
	t.Logf("the leak showed in %d of %d networks", caught, networks)
}
