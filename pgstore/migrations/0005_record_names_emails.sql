-- 0005_record_names_emails: a record's other names and their keys
-- (Record.OtherNames, Record.OtherNameKeys: a legal name, a DBA), and a
-- person's e-mail address and its key (Record.Email, Record.EmailKey).
-- Adding columns with a constant default rewrites no row.

ALTER TABLE records
	ADD COLUMN other_names     text[],
	ADD COLUMN other_name_keys text[],
	ADD COLUMN email           text NOT NULL DEFAULT '',
	ADD COLUMN email_key       text NOT NULL DEFAULT '';
