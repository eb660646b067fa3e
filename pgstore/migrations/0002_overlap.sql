-- 0002_overlap: what the overlap join (overlap.go) reads of a record, on
-- its rows of record_keys, so that the join never reads records.
--
-- On the rows of kind 1 (domain) and 2 (registration id), the ones the
-- join reads:
--   populations  the record's Populations (maintained by SetMembers and
--                DeletePopulation too);
--   reg          the record's registration id as the matcher keys it,
--                "scheme:value" (text-escaped like value), NULL when none;
--   linked       whether the record shares a domain or registration id
--                (same kind and value) with another record of its data
--                source: then it is part of a larger account, which the
--                overlap resolves in memory.
-- Name-key rows (kind 3) hold 0, NULL and false. private is the record's
-- Private mark, on every row.
--
-- Each column changes only when its record is rewritten (all its rows are),
-- but for populations and linked: SetMembers and DeletePopulation update
-- populations; the writes of records update linked on the records whose
-- keys they add or remove (see relink in records.go).

ALTER TABLE record_keys
	ADD COLUMN populations bigint NOT NULL DEFAULT 0,
	ADD COLUMN private     boolean NOT NULL DEFAULT false,
	ADD COLUMN linked      boolean NOT NULL DEFAULT false,
	ADD COLUMN reg         text;

UPDATE record_keys k SET
	private     = r.private,
	populations = CASE WHEN k.kind < 3 THEN r.populations ELSE 0 END,
	reg         = CASE WHEN k.kind < 3 AND (r.reg_scheme <> '' OR r.reg_value <> '') THEN r.reg_scheme || ':' || r.reg_value END
FROM records r
WHERE r.data_source_id = k.data_source_id AND r.id = k.record_id;

UPDATE record_keys k SET linked = true
FROM (
	SELECT DISTINCT a.data_source_id, a.record_id
	FROM record_keys a JOIN record_keys b
	  ON b.data_source_id = a.data_source_id AND b.key = a.key AND b.kind = a.kind AND b.value = a.value AND b.record_id <> a.record_id
	WHERE a.kind < 3 AND b.kind < 3
) l
WHERE k.data_source_id = l.data_source_id AND k.record_id = l.record_id AND k.kind < 3;

-- SetMembers rewrites the rows of the records whose membership changes,
-- often a third of a data source: room left on each page (15%) lets most
-- new versions stay on their page without new index entries (HOT). At 1M
-- records that halved the time of the record_keys part of SetMembers. It
-- applies to the pages written from now on.
ALTER TABLE record_keys SET (fillfactor = 85);

-- The linked rows of a data source, read by the overlap to resolve the
-- larger accounts: a few percent of the rows.
CREATE INDEX record_keys_linked ON record_keys (data_source_id) WHERE linked AND kind < 3;
