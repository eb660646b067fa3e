-- 0004_data_source_extra: a jsonb column for the data source attributes
-- added after the first schema (DataSource.PrivateTombstones, and those to
-- come), so that a new attribute needs no migration of its own. They are
-- small, read with the data source, and never searched in SQL.

ALTER TABLE data_sources ADD COLUMN extra jsonb; -- NULL when all are empty
