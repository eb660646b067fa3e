-- 0006_events: the per-org event log (acctmap.EventTx, EventReadTx).
-- event_logs holds each org's last Seq: appending increments it, so the
-- row lock orders the appends of one org as their transactions commit (a
-- concurrent append waits, then fails serialization and is retried), and
-- a reader reading after Seq n never misses an entry committed later with
-- a smaller Seq, as it could with a sequence. Entries go with their org.

CREATE TABLE event_logs (
	org_id   bytea PRIMARY KEY REFERENCES orgs ON DELETE CASCADE,
	last_seq bigint NOT NULL
);

CREATE TABLE events (
	org_id bytea NOT NULL REFERENCES event_logs ON DELETE CASCADE,
	seq    bigint NOT NULL,
	kind   bytea NOT NULL,
	at     timestamptz NOT NULL,
	data   bytea, -- NULL when empty
	PRIMARY KEY (org_id, seq)
);
