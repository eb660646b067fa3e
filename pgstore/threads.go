package pgstore

import (
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/acctmap/acctmap"
)

// nullBytes is b as a query argument: NULL when empty, since nil and
// empty come back alike.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func scanThread(row pgx.Row) (acctmap.ThreadRecord, error) {
	var t acctmap.ThreadRecord
	var tid, a, b id
	err := row.Scan(&tid, &a, &b, &t.Data)
	t.ID, t.OrgA, t.OrgB = string(tid), string(a), string(b)
	return t, err
}

// Thread implements acctmap.ThreadReadTx (migration 0007).
func (r *reader) Thread(threadID string) (acctmap.ThreadRecord, error) {
	var t acctmap.ThreadRecord
	var a, b id
	found, err := r.queryRow("thread", `SELECT org_a, org_b, data FROM {s}.threads WHERE id = $1`, []any{id(threadID)}, &a, &b, &t.Data)
	if err != nil {
		return acctmap.ThreadRecord{}, err
	}
	if !found {
		return acctmap.ThreadRecord{}, notFound("thread", threadID)
	}
	t.ID, t.OrgA, t.OrgB = threadID, string(a), string(b)
	return t, nil
}

// Threads implements acctmap.ThreadReadTx: the threads on either side,
// from the two indexes.
func (r *reader) Threads(orgID string) ([]acctmap.ThreadRecord, error) {
	return queryList(r, "threads", `SELECT id, org_a, org_b, data FROM {s}.threads WHERE org_lo = $1
		UNION ALL SELECT id, org_a, org_b, data FROM {s}.threads WHERE org_hi = $1 AND org_lo <> $1
		ORDER BY 1`, []any{id(orgID)}, func(rows pgx.Rows) (acctmap.ThreadRecord, error) { return scanThread(rows) })
}

// Messages implements acctmap.ThreadReadTx.
func (r *reader) Messages(threadID string) ([]acctmap.MessageRecord, error) {
	return queryList(r, "messages", `SELECT seq, org_id, at, data FROM {s}.thread_messages WHERE thread_id = $1 ORDER BY seq`,
		[]any{id(threadID)}, func(rows pgx.Rows) (acctmap.MessageRecord, error) {
			m := acctmap.MessageRecord{ThreadID: threadID}
			var org id
			err := rows.Scan(&m.Seq, &org, &m.At, &m.Data)
			m.OrgID, m.At = string(org), utc(m.At)
			return m, err
		})
}

// OrgItems implements acctmap.ThreadReadTx.
func (r *reader) OrgItems(orgID, kind string) ([]acctmap.OrgItem, error) {
	q := `SELECT kind, id, data FROM {s}.org_items WHERE org_id = $1 AND kind = $2 ORDER BY id`
	args := []any{id(orgID), id(kind)}
	if kind == "" {
		q, args = `SELECT kind, id, data FROM {s}.org_items WHERE org_id = $1 ORDER BY kind, id`, args[:1]
	}
	return queryList(r, "org items", q, args, func(rows pgx.Rows) (acctmap.OrgItem, error) {
		it := acctmap.OrgItem{OrgID: orgID}
		var k, iid id
		err := rows.Scan(&k, &iid, &it.Data)
		it.Kind, it.ID = string(k), string(iid)
		return it, err
	})
}

// putThread inserts or replaces a thread, keeping its last Seq; nothing
// when the partnership does not exist.
var putThread = `INSERT INTO {s}.threads (id, org_a, org_b, org_lo, org_hi, data)
	SELECT $1::bytea, $2::bytea, $3::bytea, $4::bytea, $5::bytea, $6::bytea
	WHERE EXISTS (SELECT FROM {s}.partnerships WHERE org_lo = $4 AND org_hi = $5)
	ON CONFLICT (id) DO UPDATE SET org_a = excluded.org_a, org_b = excluded.org_b,
		org_lo = excluded.org_lo, org_hi = excluded.org_hi, data = excluded.data`

// PutThread implements acctmap.ThreadTx.
func (w *writer) PutThread(t acctmap.ThreadRecord) error {
	lo, hi := pairOf(t.OrgA, t.OrgB)
	tag, err := w.exec("put thread", putThread, id(t.ID), id(t.OrgA), id(t.OrgB), id(lo), id(hi), nullBytes(t.Data))
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: thread %.60q: %w", t.ID, partnershipNotFound(t.OrgA, t.OrgB))
	}
	return nil
}

// appendMessage increments the thread's last Seq and inserts the message
// with it, in one statement; nothing when the thread does not exist.
var appendMessage = `WITH s AS (
		UPDATE {s}.threads SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq
	)
	INSERT INTO {s}.thread_messages (thread_id, seq, org_id, at, data)
	SELECT $1::bytea, last_seq, $2::bytea, $3::timestamptz, $4::bytea FROM s
	RETURNING seq`

// AppendMessage implements acctmap.ThreadTx.
func (w *writer) AppendMessage(m acctmap.MessageRecord) (int64, error) {
	var seq int64
	found, err := w.queryRow("append message", appendMessage, []any{id(m.ThreadID), id(m.OrgID), m.At, nullBytes(m.Data)}, &seq)
	if err != nil {
		return 0, err
	}
	if !found {
		return 0, fmt.Errorf("pgstore: message: %w", notFound("thread", m.ThreadID))
	}
	return seq, nil
}

// PutOrgItem implements acctmap.ThreadTx.
func (w *writer) PutOrgItem(it acctmap.OrgItem) error {
	tag, err := w.exec("put org item", `INSERT INTO {s}.org_items (org_id, kind, id, data)
		SELECT $1::bytea, $2::bytea, $3::bytea, $4::bytea WHERE EXISTS (SELECT FROM {s}.orgs WHERE id = $1)
		ON CONFLICT (org_id, kind, id) DO UPDATE SET data = excluded.data`,
		id(it.OrgID), id(it.Kind), id(it.ID), nullBytes(it.Data))
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: %.30s %.60q: %w", it.Kind, it.ID, notFound("org", it.OrgID))
	}
	return nil
}

// DeleteOrgItem implements acctmap.ThreadTx.
func (w *writer) DeleteOrgItem(orgID, kind, itemID string) error {
	tag, err := w.exec("delete org item", `DELETE FROM {s}.org_items WHERE org_id = $1 AND kind = $2 AND id = $3`,
		id(orgID), id(kind), id(itemID))
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return notFound(kind, itemID)
	}
	return nil
}
