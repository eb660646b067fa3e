-- 0003_records_without_fk: records lose their foreign key to data_sources,
-- as record_keys never had one.
--
-- A foreign key checks each inserted row with a query of its own (a
-- trigger): it doubled the time of COPYing records (300,000 records: 3.0 s
-- with it, 1.6 s without). pgstore deletes a data source's records in the
-- statements that delete the data source or its org, and the writes of
-- records check, in the same SERIALIZABLE transaction, that the data
-- source exists: a concurrent delete of it conflicts with them, and one of
-- the two is retried.

ALTER TABLE records DROP CONSTRAINT records_data_source_id_fkey;
