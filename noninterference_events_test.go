package acctmap_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
)

// niEvents adds V's feed and audit trail to the non-interference test's
// observation (one call in observe): the events, as V's users read them,
// and the trail as V's admin reads it, less the exports. Those are left
// out because observe itself exports, so that every observation adds to
// them; what they hold (V's records in the rows delivered, the rows
// delivered) is in the exports observe compares already.
func (w *niNet) niEvents(add func(name string, v any, err error)) {
	a := w.admin(niV)
	evs, err := collectSeq(a.Events(w.ctx, 0))
	add("Events", evs, err)
	var trail []acctmap.AuditEntry
	for e, err := range a.AuditLog(w.ctx, acctmap.AuditFilter{}) {
		if err != nil {
			add("AuditLog", trail, err)
			return
		}
		if e.Action != acctmap.AuditExport && e.Action != acctmap.AuditExportIncomplete {
			trail = append(trail, e)
		}
	}
	add("AuditLog", trail, nil)
}

// The authorization table's calls of the feed and the trail.

func azEvents(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
	return collectSeq(a.Events(ctx, 0))
}

func azWaitEvents(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
	// An org with nothing in its feed waits: a moment of it is a success.
	ctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	err := a.WaitEvents(ctx, 0)
	if errors.Is(err, context.DeadlineExceeded) {
		err = nil
	}
	return nil, err
}

func azAuditLog(ctx context.Context, a *acctmap.Actor, w *azWorld, tg azTarget) (any, error) {
	return collectSeq(a.AuditLog(ctx, acctmap.AuditFilter{}))
}

// crossLogStore is a planted defect: it hands the Network org Q's log as
// V's, as a store that mixed up its orgs' logs would.
type crossLogStore struct{ acctmap.Store }

func (s crossLogStore) View(ctx context.Context, fn func(tx acctmap.ReadTx) error) error {
	return s.Store.View(ctx, func(tx acctmap.ReadTx) error { return fn(crossLogTx{tx}) })
}

type crossLogTx struct{ acctmap.ReadTx }

func (tx crossLogTx) Events(org string, after int64, limit int) ([]acctmap.EventRecord, error) {
	if org == niV {
		org = niQ
	}
	return tx.ReadTx.Events(org, after, limit)
}

// TestNonInterferenceCatchesEventLeaks: P's rules for Q, which V may not
// see, change Q's feed; on a store that shows V Q's log, the feed in the
// observation must show the change.
func TestNonInterferenceCatchesEventLeaks(t *testing.T) {
	t.Parallel()
	caught := 0
	const networks = 50
	for seed := range uint64(networks) {
		w := newNINet(t, seed, crossLogStore{memstore.New()})
		pPops := slices.Clone(w.pops[niP])
		before := w.observe(pPops)
		for i, p := range w.pops[niP] {
			level := []acctmap.ShareLevel{acctmap.CountsOnly, acctmap.FullPopulation}[i%2]
			w.must(w.admin(niP).SetShareRule(w.ctx, p.ID, niQ, acctmap.SharingRule{Level: level}), "rule for Q")
			w.must(w.admin(niP).SetShareRule(w.ctx, p.ID, niQ, acctmap.SharingRule{Level: acctmap.OverlappingRecords}), "rule for Q")
		}
		if !bytes.Equal(before, w.observe(pPops)) {
			caught++
		}
	}
	if caught == 0 {
		t.Fatalf("a store that shows V another org's log went unnoticed in %d networks", networks)
	}
	t.Logf("the leak showed in %d of %d networks", caught, networks)
}
