-- 0005_record_names_emails: a record's other names and their keys
-- (Record.OtherNames, Record.OtherNameKeys: a legal name, a DBA), and a
-- person's e-mail address and its key (Record.Email, Record.EmailKey).
-- Adding columns with a constant default rewrites no row.

ALTER TABLE records
	ADD COLUMN other_names     text[],
	ADD COLUMN other_name_keys text[],
	ADD COLUMN email           text NOT NULL DEFAULT '',
	ADD COLUMN email_key       text NOT NULL DEFAULT '';

-- And a jsonb column for the org attributes added after the first schema
-- (Org.Counts, CountsFor, CountLedgers, CountKey: the count policy), as
-- data_sources.extra (migration 0004) for data sources.
ALTER TABLE orgs ADD COLUMN extra jsonb; -- NULL when all are empty
