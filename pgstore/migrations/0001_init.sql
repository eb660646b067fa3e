-- 0001_init: the tables of pgstore.
--
-- Applied by Open with search_path set to the store's schema, inside the
-- migration transaction: names are unqualified here.
--
-- Ids are bytea, not text: the Store contract allows any Go string as an
-- id (empty, NUL bytes, invalid UTF-8), which text cannot hold, and bytea
-- compares byte by byte, exactly as Go compares strings, so ORDER BY id is
-- the contract's order without a collation. Other strings are text; pgstore
-- stores the rare value text cannot hold (NUL, invalid UTF-8) with an
-- escape: see text.go. Lists and structures nested in an item (an org's
-- field presets, a population's filter and sharing, …) are jsonb.
--
-- Parents are foreign keys, and the contract's cascades ON DELETE
-- CASCADE, except for record_keys: see there.

CREATE TABLE orgs (
	id                   bytea PRIMARY KEY,
	name                 text NOT NULL,
	-- The owner of an offline partner; NULL for an org on the network.
	-- Deleting the owner deletes its offline partners, at any depth (and
	-- through cycles of ownership, which nothing forbids).
	offline_of           bytea REFERENCES orgs ON DELETE CASCADE,
	max_offline_partners bigint NOT NULL,
	max_exported_records bigint NOT NULL,
	exported_records     bigint NOT NULL,
	field_presets        jsonb, -- Org.FieldPresets; NULL when none
	created_at           timestamptz NOT NULL
);
CREATE INDEX orgs_offline_of ON orgs (offline_of, id) WHERE offline_of IS NOT NULL;

CREATE TABLE users (
	id          bytea PRIMARY KEY,
	org_id      bytea NOT NULL REFERENCES orgs ON DELETE CASCADE,
	name        text NOT NULL,
	email       text NOT NULL,
	role        text NOT NULL,
	permissions smallint NOT NULL,
	created_at  timestamptz NOT NULL
);
CREATE INDEX users_org_id ON users (org_id, id);

-- One row per unordered pair of orgs, stored in order: org_lo <= org_hi
-- (equal for an org partnered with itself, which the contract allows).
CREATE TABLE partnerships (
	org_lo        bytea NOT NULL REFERENCES orgs ON DELETE CASCADE,
	org_hi        bytea NOT NULL REFERENCES orgs ON DELETE CASCADE,
	inviter_is_lo boolean NOT NULL, -- which side sent the latest invite
	status        text NOT NULL,
	invited_at    timestamptz NOT NULL,
	updated_at    timestamptz NOT NULL,
	requests      jsonb, -- Partnership.Requests; NULL when none
	PRIMARY KEY (org_lo, org_hi),
	CHECK (org_lo <= org_hi)
);
CREATE INDEX partnerships_org_hi ON partnerships (org_hi, org_lo);

CREATE TABLE data_sources (
	id         bytea PRIMARY KEY,
	org_id     bytea NOT NULL REFERENCES orgs ON DELETE CASCADE,
	name       text NOT NULL,
	kind       text NOT NULL,
	fields     text[],
	version    bigint NOT NULL,
	not_same   jsonb, -- DataSource.NotSame; NULL when none
	created_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL
);
CREATE INDEX data_sources_org_id ON data_sources (org_id, id);

CREATE TABLE populations (
	id             bytea PRIMARY KEY,
	-- As given: the data source's org when the Network wrote it. Lists go
	-- by it; deleting an org deletes populations through their data source.
	org_id         bytea NOT NULL,
	data_source_id bytea NOT NULL REFERENCES data_sources ON DELETE CASCADE,
	kind           text NOT NULL,
	name           text NOT NULL,
	description    text NOT NULL,
	filter         jsonb, -- NULL for the zero Filter, which selects every record
	slot           integer NOT NULL,
	sharing        jsonb, -- Population.Sharing; NULL when it is the zero Sharing
	created_at     timestamptz NOT NULL,
	updated_at     timestamptz NOT NULL
);
CREATE INDEX populations_org_id ON populations (org_id, id);
CREATE INDEX populations_data_source_id ON populations (data_source_id);

CREATE TABLE records (
	data_source_id bytea NOT NULL REFERENCES data_sources ON DELETE CASCADE,
	id             bytea NOT NULL,
	-- Record.Populations, all 64 bits (bit 63 is the sign bit).
	populations    bigint NOT NULL,
	private        boolean NOT NULL,
	name           text NOT NULL,
	website        text NOT NULL,
	domains        text[],
	name_key       text NOT NULL,
	reg_scheme     text NOT NULL,
	reg_value      text NOT NULL,
	fields         jsonb, -- Record.Fields as an object of strings; NULL when empty
	-- The key column of the record's rows in record_keys, so that deleting
	-- the record finds them through record_keys_key: a second index on
	-- record_keys, by record, cost more than a quarter of an import.
	keys           bigint[],
	PRIMARY KEY (data_source_id, id)
);

-- The account keys of every record, one row per key, written with the
-- record: kind 1 is a domain, 2 a registration id, 3 a company-name key;
-- value is the canonical string and key its 64-bit xxhash. Joining two data
-- sources on key (and checking kind and value on a hit) is the overlap.
--
-- No foreign key: these rows are derived from records and written in bulk
-- (two to three per record), and a foreign key checks every inserted row
-- one by one, which doubled the cost of writing them. pgstore deletes a
-- record's keys in the statements that delete or replace the record, and
-- a data source's keys in those that delete the data source or its org.
CREATE TABLE record_keys (
	key            bigint NOT NULL,
	kind           smallint NOT NULL,
	data_source_id bytea NOT NULL,
	record_id      bytea NOT NULL,
	value          text NOT NULL
);
-- A data source's keys as one range, in key order: two data sources
-- hash-join, or merge-join without a sort (see the plans in keys.go), and
-- a record's keys are found from records.keys.
CREATE INDEX record_keys_key ON record_keys (data_source_id, key) INCLUDE (kind, record_id);
