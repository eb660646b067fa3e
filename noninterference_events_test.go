package acctmap_test

import (
	"context"
	"errors"
	"time"

	"github.com/acctmap/acctmap"
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
