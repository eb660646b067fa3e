package pgstore

import (
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/acctmap/acctmap"
)

// Events implements acctmap.EventReadTx: one indexed range read of the
// events table (migration 0006).
func (r *reader) Events(orgID string, after int64, limit int) ([]acctmap.EventRecord, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("pgstore: events: limit %d: %w", limit, acctmap.ErrInvalidInput)
	}
	return queryList(r, "events", `SELECT seq, kind, at, data FROM {s}.events WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
		[]any{id(orgID), after, limit}, func(rows pgx.Rows) (acctmap.EventRecord, error) {
			e := acctmap.EventRecord{OrgID: orgID}
			var kind id
			err := rows.Scan(&e.Seq, &kind, &e.At, &e.Data)
			e.Kind, e.At = string(kind), utc(e.At)
			return e, err
		})
}

// appendEvent increments the org's last Seq (creating its log on the
// first event; nothing when the org does not exist) and inserts the entry
// with it, in one statement.
var appendEvent = `WITH s AS (
		INSERT INTO {s}.event_logs AS l (org_id, last_seq)
		SELECT $1::bytea, 1 WHERE EXISTS (SELECT FROM {s}.orgs WHERE id = $1)
		ON CONFLICT (org_id) DO UPDATE SET last_seq = l.last_seq + 1
		RETURNING last_seq
	)
	INSERT INTO {s}.events (org_id, seq, kind, at, data)
	SELECT $1::bytea, last_seq, $2::bytea, $3::timestamptz, $4::bytea FROM s
	RETURNING seq`

// AppendEvent implements acctmap.EventTx.
func (w *writer) AppendEvent(e acctmap.EventRecord) (int64, error) {
	var data []byte
	if len(e.Data) > 0 {
		data = e.Data
	}
	var seq int64
	found, err := w.queryRow("append event", appendEvent, []any{id(e.OrgID), id(e.Kind), e.At, data}, &seq)
	if err != nil {
		return 0, err
	}
	if !found {
		return 0, fmt.Errorf("pgstore: event: %w", notFound("org", e.OrgID))
	}
	return seq, nil
}
