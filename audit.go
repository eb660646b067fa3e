package acctmap

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"
)

// AuditAction names what an AuditEntry records.
type AuditAction string

// The actions of the audit trail. An org's trail holds what its own users
// did to its partnerships, sharing and share requests, every export of
// its records, and the exports its users made.
const (
	// AuditPartnershipInvited … AuditPartnershipRevoked: a user of the
	// org invited, accepted, declined, cancelled or revoked the
	// partnership with Partner.
	AuditPartnershipInvited   AuditAction = "partnership.invited"
	AuditPartnershipAccepted  AuditAction = "partnership.accepted"
	AuditPartnershipDeclined  AuditAction = "partnership.declined"
	AuditPartnershipCancelled AuditAction = "partnership.cancelled"
	AuditPartnershipRevoked   AuditAction = "partnership.revoked"
	// AuditSharingRuleSet and AuditSharingRuleRemoved: a user of the org
	// set (Level, Fields, Preset) or removed the rule of Population for
	// Partner ("" for the default).
	AuditSharingRuleSet     AuditAction = "sharing_rule.set"
	AuditSharingRuleRemoved AuditAction = "sharing_rule.removed"
	// AuditFieldPresetSaved and AuditFieldPresetDeleted: a user of the org
	// changed the field preset named Preset (Fields: its new fields), and
	// with it what the rules using it share.
	AuditFieldPresetSaved   AuditAction = "field_preset.saved"
	AuditFieldPresetDeleted AuditAction = "field_preset.deleted"
	// AuditShareRequestMade: a user of the org asked Partner to share
	// Partner's population PartnerPopulation (Request, Level, Fields).
	AuditShareRequestMade AuditAction = "share_request.made"
	// AuditShareRequestApproved and AuditShareRequestDeclined: a user of
	// the org decided Partner's request (Request) for Population; an
	// approval set the rule it asked for (Level, Fields).
	AuditShareRequestApproved AuditAction = "share_request.approved"
	AuditShareRequestDeclined AuditAction = "share_request.declined"
	// AuditExport: records of the org were exported (ExportReport), by
	// user UserID of org OrgID: a partner's user, or one of the org's own.
	// RecordIDs are the org's records in the rows delivered, Population
	// theirs, Rows the rows delivered (what the exporter's quota was
	// charged). In the exporter's own trail PartnerPopulation is the
	// other side of the cell, and PartnerRecordIDs that side's records
	// only when the org owns them (an offline partner's). The owner's
	// entry names the exporter and the owner's records it took, which is
	// the trail's purpose (the owner learns which of its accounts the
	// exporter has in the cell), and never the exporter's population nor
	// its records.
	AuditExport AuditAction = "export"
	// AuditExportIncomplete: the export of entry Of (an AuditExport
	// entry of the same trail) delivered fewer rows than it reserved (the
	// writer failed, or its ctx ended): Rows and RecordIDs are those of
	// the rows delivered, the quota having been given back the others.
	AuditExportIncomplete AuditAction = "export.incomplete"
)

// AuditEntry is one entry of an org's audit trail.
type AuditEntry struct {
	Cursor EventCursor
	At     time.Time
	Action AuditAction
	// OrgID and UserID are who acted: the org's own user, or for an
	// export of the org's records, the exporting org's.
	OrgID  string
	UserID string
	// Partner is the other org concerned ("" for a default rule).
	Partner           string
	Population        string // the org's own population concerned
	PartnerPopulation string
	Request           string // a share request's id
	Level             ShareLevel
	Fields            []string
	Preset            string
	Rows              int
	RecordIDs         []string
	PartnerRecordIDs  []string
	// Of is the entry an AuditExportIncomplete entry completes.
	Of EventCursor
}

// AuditFilter chooses entries of an audit trail; its zero value chooses
// them all.
type AuditFilter struct {
	// After starts after this cursor (an entry's Cursor).
	After EventCursor
	// Actions, when not empty, keeps entries of these actions only.
	Actions []AuditAction
	// Partner and User, when not empty, keep entries about that other org
	// (for an export of the org's records, the exporter) and by that user.
	Partner string
	User    string
	// Since and Until, when not zero, keep entries at or after Since and
	// before Until.
	Since, Until time.Time
}

func (f AuditFilter) match(e *AuditEntry) bool {
	return (len(f.Actions) == 0 || slices.Contains(f.Actions, e.Action)) &&
		(f.Partner == "" || e.Partner == f.Partner) && (f.User == "" || e.UserID == f.User) &&
		(f.Since.IsZero() || !e.At.Before(f.Since)) && (f.Until.IsZero() || e.At.Before(f.Until))
}

// AuditLog returns the acting user's org's audit trail, oldest first, the
// entries f chooses. Only an admin of the org may read it (others get
// ErrPermissionDenied); no other org reads it, not even the exporter of
// its records, whose own trail holds its side. Like Events, it reads a
// page at a time, in its own transaction, and holds none while the caller
// handles an entry.
func (a *Actor) AuditLog(ctx context.Context, f AuditFilter) iter.Seq2[AuditEntry, error] {
	return logPages(ctx, "audit log", f.After, func(ctx context.Context, after EventCursor) ([]AuditEntry, EventCursor, error) {
		var page []AuditEntry
		last := after
		err := a.n.store.View(ctx, func(tx ReadTx) error {
			u, err := a.user(tx, 0)
			if err != nil {
				return err
			}
			if u.Role != RoleAdmin {
				return fmt.Errorf("acctmap: audit log: only an admin of the org may read it: %w", ErrPermissionDenied)
			}
			recs, err := tx.Events(u.OrgID, int64(after), eventPage)
			if err != nil {
				return err
			}
			page, last = page[:0], after
			for _, rec := range recs {
				last = EventCursor(rec.Seq)
				action, ok := strings.CutPrefix(rec.Kind, auditKindPrefix)
				if !ok {
					continue
				}
				d, err := decodeEntry(rec)
				if err != nil {
					return err
				}
				e := AuditEntry{Cursor: EventCursor(rec.Seq), At: rec.At, Action: AuditAction(action), OrgID: d.Org, UserID: d.User,
					Partner: d.Partner, Population: d.Population, PartnerPopulation: d.PartnerPopulation, Request: d.Request,
					Level: d.Level, Fields: d.Fields, Preset: d.Preset, Rows: d.Rows, RecordIDs: d.RecordIDs, PartnerRecordIDs: d.PartnerRecordIDs, Of: d.Of}
				if f.match(&e) {
					page = append(page, e)
				}
			}
			return nil
		})
		return page, last, err
	})
}

// audit writes an entry of the acting user's doing to its org's trail, in
// tx.
func (a *Actor) audit(tx Tx, action AuditAction, d entryData) error {
	u, err := a.user(tx, 0)
	if err != nil {
		return err
	}
	d.User, d.Org = u.ID, u.OrgID
	_, err = a.n.appendEntry(tx, u.OrgID, auditKindPrefix+string(action), d)
	return err
}

// exportAudit is what an export writes to the audit trails: its cell, its
// rows' record ids with the partner's record id of each, and, for the refund (refund
// set), the rows delivered. mine and their are the cursors of the
// AuditExport entries in the exporter's trail and the owner's, set by the
// charge's transaction (by its last run, the one committed), for the
// AuditExportIncomplete entries of the refund.
type exportAudit struct {
	spec        ReportSpec
	recordIDs   []string // the exporter's record of each row, in order
	partnerIDs  []string
	refund      bool
	delivered   int
	mine, their EventCursor
}

// auditExport writes ex to the audit trails in tx, the transaction that
// charges the acting user u's org for it: the AuditExport entries when
// the rows are reserved, the AuditExportIncomplete entries when some are
// given back. Those of the exporter's org always; of the owner of the
// partner's records when it is another org on the network (an offline
// partner's records are the exporter's own: they are in its entry).
func (a *Actor) auditExport(tx Tx, u User, ex *exportAudit) error {
	if ex == nil || len(ex.recordIDs) == 0 {
		return nil
	}
	action, rows, mineOf, theirOf := AuditExport, len(ex.recordIDs), EventCursor(0), EventCursor(0)
	if ex.refund {
		action, rows, mineOf, theirOf = AuditExportIncomplete, ex.delivered, ex.mine, ex.their
	}
	mine := ex.recordIDs[:rows]
	theirs := distinct(ex.partnerIDs[:rows])
	d := entryData{User: u.ID, Org: u.OrgID, Partner: ex.spec.Partner, Population: ex.spec.Population,
		PartnerPopulation: ex.spec.PartnerPopulation, Rows: rows, RecordIDs: distinct(mine), Of: mineOf}
	owner, err := tx.Org(ex.spec.Partner)
	gone := errors.Is(err, ErrNotFound) // deleted since the report was read
	if err != nil && !gone {
		return err
	}
	if !gone && owner.OfflineOf == u.OrgID {
		d.PartnerRecordIDs = theirs
	}
	seq, err := a.n.appendEntry(tx, u.OrgID, auditKindPrefix+string(action), d)
	if err != nil {
		return err
	}
	if !ex.refund {
		ex.mine = EventCursor(seq)
	}
	if gone || owner.Offline() {
		return nil
	}
	seq, err = a.n.appendEntry(tx, owner.ID, auditKindPrefix+string(action), entryData{User: u.ID, Org: u.OrgID,
		Partner: u.OrgID, Population: ex.spec.PartnerPopulation, Rows: rows, RecordIDs: theirs, Of: theirOf})
	if !ex.refund {
		ex.their = EventCursor(seq)
	}
	return err
}

// distinct returns ids without repeats, in the order of their first
// appearance.
func distinct(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
