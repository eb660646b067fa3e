-- Peer: the user's path done the way a SQL user would do it in PostgreSQL.
-- ../shared/bench/postgres_matrix.sql (the script behind the issue's
-- figures), with the same SQL, plus: its tables in the schema :schema (the
-- database is shared), "@step BUCKET|LABEL" before each step for
-- bench/userpath (which sums psql's timings per step), the matrix cells
-- printed after "@cells", and a report of the Customers × Customers cell
-- (10 rows and the whole cell, fetched and discarded) where acctmap runs Report.
-- psql -X -v ON_ERROR_STOP=1 -v dir=DIR -v schema=NAME -f postgres_matrix.sql DSN
\pset pager off
\pset tuples_only on
\pset format unaligned
\pset fieldsep '\t'
CREATE SCHEMA :"schema";
SET search_path TO :"schema";
\set qo '\'' :dir '/ours.csv\''
\set qp '\'' :dir '/partner.csv\''
\timing on
\echo @step import|COPY ours.csv, partner.csv
CREATE UNLOGGED TABLE o (id text, name text, website text, stage text, region text, segment text, employees int, owner text);
CREATE UNLOGGED TABLE p (LIKE o);
COPY o FROM :qo CSV HEADER;
COPY p FROM :qp CSV HEADER;
\echo @step import|normalize both
CREATE UNLOGGED TABLE o2 AS SELECT *, CASE WHEN h ~ '\.(co|com|org|net|ac|gov|edu)\.[a-z]{2}$' THEN substring(h from '([^.]+\.[^.]+\.[^.]+)$') ELSE substring(h from '([^.]+\.[^.]+)$') END AS d
  FROM (SELECT *, regexp_replace(regexp_replace(regexp_replace(lower(trim(website)), '^[a-z]+:(//)?', ''), '^.*@', ''), '[/?#:].*$', '') AS h FROM o) x;
CREATE UNLOGGED TABLE p2 AS SELECT *, CASE WHEN h ~ '\.(co|com|org|net|ac|gov|edu)\.[a-z]{2}$' THEN substring(h from '([^.]+\.[^.]+\.[^.]+)$') ELSE substring(h from '([^.]+\.[^.]+)$') END AS d
  FROM (SELECT *, regexp_replace(regexp_replace(regexp_replace(lower(trim(website)), '^[a-z]+:(//)?', ''), '^.*@', ''), '[/?#:].*$', '') AS h FROM p) x;
\echo @step populations|memberships
CREATE UNLOGGED TABLE om AS SELECT DISTINCT d, pop FROM (
  SELECT d, 0 AS pop FROM o2 WHERE stage = 'Customer' UNION ALL SELECT d, 1 FROM o2 WHERE stage = 'Open Opportunity'
  UNION ALL SELECT d, 2 FROM o2 WHERE stage = 'Prospect' UNION ALL SELECT d, 3 FROM o2 WHERE stage = 'Churned'
  UNION ALL SELECT d, 4 FROM o2 WHERE region = 'NA' UNION ALL SELECT d, 5 FROM o2 WHERE region = 'EMEA'
  UNION ALL SELECT d, 6 FROM o2 WHERE segment = 'Enterprise' UNION ALL SELECT d, 7 FROM o2 WHERE employees > 10000) x;
CREATE UNLOGGED TABLE pm AS SELECT DISTINCT d, pop FROM (
  SELECT d, 0 AS pop FROM p2 WHERE stage = 'Customer' UNION ALL SELECT d, 1 FROM p2 WHERE stage = 'Open Opportunity'
  UNION ALL SELECT d, 2 FROM p2 WHERE stage = 'Prospect' UNION ALL SELECT d, 3 FROM p2 WHERE stage = 'Churned'
  UNION ALL SELECT d, 4 FROM p2 WHERE region = 'NA' UNION ALL SELECT d, 5 FROM p2 WHERE region = 'EMEA'
  UNION ALL SELECT d, 6 FROM p2 WHERE segment = 'Enterprise' UNION ALL SELECT d, 7 FROM p2 WHERE employees > 10000) x;
ANALYZE om; ANALYZE pm;
\echo @step first matrix|matrix 8x8 (join + group)
\echo @cells
SELECT om.pop a, pm.pop b, count(*) n FROM om JOIN pm USING (d) GROUP BY 1, 2 ORDER BY 1, 2;
\echo @step second matrix|matrix again (warm)
\o /dev/null
SELECT om.pop a, pm.pop b, count(*) n FROM om JOIN pm USING (d) GROUP BY 1, 2 ORDER BY 1, 2;
\echo @step report, 10 rows|report LIMIT 10
SELECT o2.id, o2.name, o2.website, o2.stage, o2.owner, p2.id, p2.name, p2.website, p2.stage, p2.owner
  FROM (SELECT d FROM om WHERE pop = 0 INTERSECT SELECT d FROM pm WHERE pop = 0) c JOIN o2 USING (d) JOIN p2 USING (d)
  WHERE o2.stage = 'Customer' AND p2.stage = 'Customer' ORDER BY o2.id LIMIT 10;
\echo @step report, whole cell|report whole cell
SELECT o2.id, o2.name, o2.website, o2.stage, o2.owner, p2.id, p2.name, p2.website, p2.stage, p2.owner
  FROM (SELECT d FROM om WHERE pop = 0 INTERSECT SELECT d FROM pm WHERE pop = 0) c JOIN o2 USING (d) JOIN p2 USING (d)
  WHERE o2.stage = 'Customer' AND p2.stage = 'Customer' ORDER BY o2.id;
\o
\echo @step end|
SELECT pg_backend_pid() AS bpid \gset
\setenv USERPATH_BPID :bpid
\! echo "@backend $(grep VmHWM /proc/$USERPATH_BPID/status)"
\timing off
SET client_min_messages = warning;
DROP SCHEMA :"schema" CASCADE;
