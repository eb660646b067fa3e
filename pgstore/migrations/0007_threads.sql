-- 0007_threads: threads between partners with their messages, and the
-- items an org keeps for itself (acctmap.ThreadTx, ThreadReadTx).
-- A thread belongs to the partnership of its two orgs and goes with it;
-- messages go with their thread, items with their org. last_seq is the
-- thread's last message Seq: appending increments it, so the row lock
-- orders the appends of one thread.

CREATE TABLE threads (
	id       bytea PRIMARY KEY,
	org_a    bytea NOT NULL,
	org_b    bytea NOT NULL,
	org_lo   bytea NOT NULL,
	org_hi   bytea NOT NULL,
	data     bytea, -- NULL when empty
	last_seq bigint NOT NULL DEFAULT 0,
	FOREIGN KEY (org_lo, org_hi) REFERENCES partnerships ON DELETE CASCADE
);
CREATE INDEX threads_org_lo ON threads (org_lo, id);
CREATE INDEX threads_org_hi ON threads (org_hi, id);

CREATE TABLE thread_messages (
	thread_id bytea NOT NULL REFERENCES threads ON DELETE CASCADE,
	seq       bigint NOT NULL,
	org_id    bytea NOT NULL,
	at        timestamptz NOT NULL,
	data      bytea, -- NULL when empty
	PRIMARY KEY (thread_id, seq)
);

CREATE TABLE org_items (
	org_id bytea NOT NULL REFERENCES orgs ON DELETE CASCADE,
	kind   bytea NOT NULL,
	id     bytea NOT NULL,
	data   bytea, -- NULL when empty
	PRIMARY KEY (org_id, kind, id)
);
