// Package pgstore is the PostgreSQL acctmap.Store: durable, shared by every
// process that opens it, and sized for networks that do not fit in one
// process's memory.
//
//	s, err := pgstore.Open(ctx, "postgres://user:pass@host/db", pgstore.WithSchema("acctmap"))
//	if err != nil { … }
//	defer s.Close()
//	net := acctmap.New(s)
//
// It passes the storetest conformance suite, so a Network behaves the same
// on it as on memstore. It needs PostgreSQL 14 or later (15 in CI) and
// talks to it through github.com/jackc/pgx/v5 (pgxpool).
//
// # Guarantees
//
// Isolation. View runs fn in a REPEATABLE READ, READ ONLY transaction: all
// its reads see one snapshot, taken at its first read, and nothing
// committed later. Update runs fn in a SERIALIZABLE transaction, so updates
// behave as if they ran one at a time. PostgreSQL detects the conflicts
// that would break that and aborts one of the transactions with a
// serialization failure (SQLSTATE 40001), or a deadlock (40P01); Update
// then rolls back and runs fn again (see Retries). Views never conflict
// and never wait for updates, nor updates for views.
//
// Atomicity. Everything fn writes is one transaction: if fn returns an
// error or panics, if any statement fails (even one whose error fn
// ignored: PostgreSQL aborts the transaction), or if ctx is done before
// the commit, Update rolls back and the database is as it was. Imports are
// transactions like any other: ReplaceRecords deletes a data source's
// records and COPYs the new ones in, and until the commit other
// transactions see the old records; a failure or a cancelled ctx at any
// point, the middle of the COPY included, leaves them intact.
//
// Context. ctx governs every statement: cancelling it interrupts the
// statement running (pgx closes the connection, which rolls back), later
// calls of the transaction fail with an error wrapping ctx's, and Update
// returns ctx's error unless fn returned one. The commit itself is not
// interrupted: once Update has decided to commit, what it returns says
// whether the commit happened. A nil ctx, in View, Update, Open or
// Migrate, is an error wrapping acctmap.ErrInvalidInput.
//
// Tenancy. Every query is scoped by the ids it is given, an org's or a data
// source's: no query returns rows of another org than the one asked about
// (but Orgs, which lists every org by definition), and records and keys
// are always read and written by data source.
//
// # Retries
//
// pgstore runs again what it can run again without harm, and nothing
// else. Exactly:
//
//   - Dead pooled connections. A connection idle in the pool dies when the
//     server terminates its backend (pg_terminate_backend, an idle
//     timeout, a restart). pgxpool pings a connection idle for more than a
//     second before handing it out, but not one used more recently, so the
//     BEGIN of a View or an Update is where it shows. A BEGIN that failed
//     on a connection that is now closed, or before it sent anything
//     (pgconn.SafeToRetry), did nothing: the call begins again at once on
//     another connection, up to the pool's size plus one times (enough to
//     go through a pool of dead connections to a new one), before fn runs.
//     A failure to connect is not retried: pgxpool has tried already.
//   - Conflicts. After a serialization failure or a deadlock, in a
//     statement of fn or at the commit, Update rolls back and runs fn
//     again, after a backoff doubling from 1 ms to 128 ms times a random
//     factor in [0.5, 1.5), up to WithMaxAttempts runs in all
//     (DefaultMaxAttempts, 20: about 1.7 s of waiting in all).
//   - Connections lost while fn runs. The server rolls back the
//     transaction of a session that ends without a commit: Update runs fn
//     again, as after a conflict, and the runs count as attempts. A View
//     runs fn once (the Store contract lets a store run only Update's fn
//     more than once): it returns the failure, and the caller may run the
//     View again.
//   - Connections lost during the commit. Whether the COMMIT reached the
//     server is unknown (pgconn.SafeToRetry cannot tell: pgx reports a
//     failure to read the answer of a statement it sent as safe to retry).
//     Before committing, Update reads the transaction's id
//     (pg_current_xact_id_if_assigned, one more round trip), and after
//     such a failure asks the database, on another connection, for its
//     status (pg_xact_status, for up to 10 s while the old session ends):
//     committed, Update returns nil; aborted, or nothing written, it runs
//     fn again. If it cannot find out, it returns an error wrapping
//     ErrCommitUnknown, and never runs fn again: no acknowledged write is
//     lost, and none is written twice.
//
// After the last attempt Update returns the last failure. When that was a
// conflict, the error wraps acctmap.ErrConflict as well as the
// *pgconn.PgError: the store has already run it WithMaxAttempts times,
// with backoff (about 1.7 s in all at the default 20), and it keeps
// colliding with other transactions on the same rows. The caller should not run it again at once, which adds to the
// contention: retry later with a backoff of its own (seconds), or report
// the conflict to the user (an HTTP service: 409 or 503 with Retry-After).
// Other failures (a statement's error, a server that stays out of reach)
// are returned as they are, wrapping the pgx error.
//
// # Data
//
// The tables live in one schema (WithSchema; DefaultSchema otherwise),
// created by Open with its tables, so that several stores, or an
// application's own tables, share a database. Open applies the schema
// migrations embedded in the package (migrations/*.sql) that the schema
// has not had, in one transaction holding an advisory lock keyed by the
// schema name: processes that open the same store at once wait for each
// other, and one migrates. Each migration is recorded in the schema's
// schema_migrations table (version, name, applied_at); the version of a
// schema is the highest there, and SchemaVersion is this package's. Open
// first reads the version without the lock, and leaves a schema already at
// SchemaVersion alone: no lock, no DDL.
//
// Applications whose runtime role may not change the schema run Migrate,
// with Open's options, as a role that may (the schema's owner), as a
// deploy step; the runtime role opens the store WithoutMigrations, and
// needs only USAGE on the schema and SELECT, INSERT, UPDATE, DELETE on its
// tables:
//
//	GRANT USAGE ON SCHEMA acctmap TO app;
//	GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA acctmap TO app;
//
// (grant again after a Migrate that adds tables, or set ALTER DEFAULT
// PRIVILEGES for the owner). Open WithoutMigrations never changes the
// schema: it checks its version, and fails with a *SchemaVersionError
// (ErrSchemaVersion) if it is older than SchemaVersion (run Migrate) or
// newer (the schema was migrated by a later pgstore: upgrade the program),
// so that a program never runs on tables it does not know. Open and
// Migrate refuse a newer schema too.
//
// Tables: orgs, users, partnerships (one row per unordered pair, stored as
// org_lo ≤ org_hi), data_sources, populations, records (primary key
// (data_source_id, id); domains text[], fields jsonb, Populations as a
// bigint holding all 64 bits) and record_keys, the account keys of every
// record (kind, canonical string, and its 64-bit xxhash as a bigint),
// written with the records for overlap queries in the database; the rows
// of domains and registration ids also carry what the overlap needs of
// their record (populations, private mark, registration id, and whether it
// shares a key with another record of its data source: linked), so that
// the overlap never reads records (see keys.go and
// migrations/0002_overlap.sql); event_logs and events, each org's event
// log, whose last Seq row orders the appends of one org as they commit
// (events.go, migrations/0006_events.sql); threads (cascading with their
// partnership), thread_messages (Seq from the thread's last_seq) and
// org_items (threads.go, migrations/0007_threads.sql). Scalar
// fields are columns; what is nested in an item (an org's field presets, a
// partnership's share requests, a data source's not-same marks, a
// population's filter and sharing) is a jsonb column. Parents are foreign
// keys, and the contract's cascades ON DELETE CASCADE (an offline
// partner's owner too), except for the two big tables: records and
// record_keys are written and deleted by the statements that write or
// delete records, data sources and orgs (a foreign key checks each
// inserted row with a query of its own, which doubled the time of an
// import; see migrations/0003_records_without_fk.sql).
//
// Ids are bytea: the contract allows any Go string as an id, NUL bytes and
// invalid UTF-8 included, and bytea sorts as Go compares strings, so lists
// come in the contract's order with no collation involved. Other strings
// are text (and jsonb): the rare one that text cannot hold (a NUL byte,
// invalid UTF-8) is stored with an escape, U+FFFF followed by a letter,
// and restored on read, so that every string round-trips while SQL sees
// ordinary strings as they are. Times are timestamptz, read back in UTC,
// to the microsecond.
//
// Bulk writes use COPY: PutRecords deletes the ids that exist and COPYs the
// records and their keys; ReplaceRecords deletes the data source's records
// and COPYs; DeleteRecords is one statement (id = ANY($2)). The writes of
// records compute linked: in Go for the records they COPY, and then, when
// the data source had records, with one more statement (relink) over the
// records that hold a key the written or deleted records had. SetMembers
// is one statement that flips the slot bit of exactly the records whose
// bit is wrong, in records and record_keys, and DeletePopulation clears
// its bit in the statement that deletes it.
//
// # Scaling out
//
// On a distributed PostgreSQL such as Citus, shard by data source:
//
//	SELECT create_reference_table('acctmap.orgs');
//	SELECT create_reference_table('acctmap.users');
//	SELECT create_reference_table('acctmap.partnerships');
//	SELECT create_reference_table('acctmap.data_sources');
//	SELECT create_reference_table('acctmap.populations');
//	SELECT create_distributed_table('acctmap.records', 'data_source_id');
//	SELECT create_distributed_table('acctmap.record_keys', 'data_source_id', colocate_with => 'acctmap.records');
//
// The distribution column is data_source_id, not the org id:
//
//   - It never changes. A data source can move to another org (the
//     Network replaces it), which with rows sharded by org would move all
//     its records between shards; Citus does not update a distribution
//     column.
//   - It is in every key of the big tables already (records' primary key
//     is (data_source_id, id)), as Citus requires, and every record query
//     names exactly one data source, so each is routed to one shard.
//   - records and record_keys are co-located: an import, a SetMembers, a
//     delete of records with their keys are single-shard statements.
//   - The small tables (orgs, users, partnerships, data sources,
//     populations: thousands of rows where records are hundreds of
//     millions) are reference tables, copied to every node, so their
//     foreign keys and cascades work unchanged.
//
// The overlap query joins two data sources' keys on key, across two
// shards: Citus runs it as a repartition join (set
// citus.enable_repartition_joins), its later steps on the coordinator.
// Sharding records by org id instead would make one org's sources a single
// shard, no better for a join across two orgs, and hot for a large org.
//
// # Overlap pushdown
//
// Transactions of a Store implement acctmap.OverlapTx: a Network computes
// the overlap matrix of two data sources in the database, and the records
// stay there. One statement (overlapQuery in overlap.go) hash-joins the
// two data sources' domain and registration id rows on key, keeps the real
// shared keys (kind and value equal), and groups the candidate pairs of
// records: a pair whose records have no other candidate and share no key
// within their own data source (linked false) is a matched account by
// itself, and the statement counts those by (populations of x,
// populations of y, x private), unless their registration ids veto (same
// scheme, different value) or users marked the pair not the same company.
// That is most of an overlap (254,000 of 284,000 accounts at 1M × 1M).
// The statement returns those counts, a few tens of thousands of rows, and
// the keys of every other record linked to a candidate (a recursive CTE
// over the linked rows, read through the partial index
// record_keys_linked): the Network resolves those few records with the
// matching engine, exactly as it would all of them, and adds the counts.
// For records named in not-same marks, a second statement returns their
// accounts, over all the records (private ones included), to which the
// marks apply. Both run in the View's REPEATABLE READ snapshot, the one
// the Network's visibility checks read; PublicX and PublicY leave private
// records out of the statement altogether. The Network uses the pushdown
// when names cannot change a count (see acctmap.OverlapTx); the results
// are the in-memory engine's, cell for cell (TestPushdownMatrixRandom,
// TestPushdownWorkflow). For the statement, pgstore sets enable_nestloop,
// enable_mergejoin and jit off, and work_mem to WithOverlapWorkMem.
//
// # Benchmark
//
// TestPushdownBenchmark, on 2 vCPUs with PostgreSQL 15 at its default
// settings (shared_buffers 128 MB) on the same machine, two orgs of
// 1,000,000 records each, 8 populations each, 30% of the accounts shared
// and 1% of A's records private:
//
//	import through the Network (ReplaceRecords)    43–64k records/s
//	import into pgstore (Tx.ReplaceRecords, COPY)   47–71k records/s
//	matrix 8 × 8, pushed down                       4.3–5.3 s, no records in the process
//	matrix in memory, cold (load both, build)       4.1–4.6 s, heap +800 MiB right after (garbage included)
//	matrix in memory, warm (indexes cached)         145–270 ms
//	report of one cell (2,981 rows), cold / warm    5.5 s / 0.30 s
//	SetPrivate of 10,000 records                    2.8–3.3 s
//	UpdatePopulation (filter over 1M records)       12.5 s
//
// The lower import figure is on tables that earlier runs left with dead
// rows. The in-memory engine loads a data source with RecordKeys (1.3 s
// for 1M records, against 4.7 s for Records, which decodes every record's
// fields); a report then reads only the matched records, in one statement
// (RecordsByID). So at this size the pushdown saves the process's memory,
// not time, on a database with two cores of its own it would save both;
// a Network that reads matrices often, with memory for the indexes, is
// better served by acctmap.WithoutPushdown. UpdatePopulation reads every
// record with its fields to evaluate the filter.
//
// Reproduce with
//
//	ACCTMAP_TEST_POSTGRES_DSN=… ACCTMAP_BENCH_RECORDS=1000000 go test -run '^TestPushdownBenchmark$' -v -timeout 60m ./pgstore
//
// (ACCTMAP_BENCH_SCHEMA=name keeps the data in that schema for the next
// run). Of the pushed-down matrix, the hash join of the two key sets takes
// about 1.1 s on three processes (two parallel workers); grouping the
// 300,000 candidate pairs and sorting out the isolated ones another 1.5 s,
// on one; the rest is the complex records and their accounts. 254,000 of
// the 284,000 matched accounts are isolated pairs, counted in SQL.
//
// # Tests
//
// The tests need a database in which they may create and drop schemas
// (each test uses a fresh, randomly named schema, so they run in
// parallel), and roles, which they drop (a runtime role without DDL
// rights, logging in with a password over TCP at 127.0.0.1 when the
// server allows it). Without ACCTMAP_TEST_POSTGRES_DSN they skip; with
// it, failing to connect fails them:
//
//	pg_ctlcluster --skip-systemctl-redirect 15 main start
//	su postgres -c "createuser -s root"; createdb acctmap_test
//	export ACCTMAP_TEST_POSTGRES_DSN='postgres:///acctmap_test?host=/var/run/postgresql'
//	go test -race ./pgstore/
//	go test -run '^$' -bench Import ./pgstore/
//
// The fault tests end the backends of their own connections, found by
// application_name, with pg_terminate_backend: TestTerminatedConnections
// (every pooled connection dead, then one call) and
// TestTerminationsUnderLoad (8 goroutines of Views and Updates for 4 s,
// terminations every 200 ms; no Update fails, and the writes stored are
// exactly those acknowledged). TestCommitConnectionLost loses the
// COMMIT, or its answer, in a wrapped net.Conn. TestRestart stops the
// whole cluster, so it runs only when asked (ACCTMAP_TEST_PG_RESTART=1).
//
// # Limits
//
// Open uses pgxpool's defaults: at most max(4, GOMAXPROCS) connections,
// which pool_max_conns in the DSN changes (or pass a pool of your own with
// WithPool), pinged when idle for more than a second. Each running View
// or Update holds one, so fn must not start another transaction on the
// same Store: the pool can run out. Each Update that reaches its commit
// makes one more round trip, to read the transaction's id (see Retries).
// A connection whose server vanished without closing it (a host gone, a
// cable cut) is only found dead by ctx's deadline or TCP keepalives: give
// calls a deadline. Records streams rows
// from the connection while fn runs, so fn must not call the transaction's
// methods, as the contract says. A long Update holds row locks and can make
// others wait or retry; split very large imports across data sources
// rather than one transaction for everything.
//
// The overlap query reads both data sources' key rows (sequentially, or
// by bitmap over record_keys_key) and holds hash tables of a few hundred
// megabytes at 1M × 1M (work_mem per node and per parallel worker): it is
// an analytic query, seconds long, on the database's CPUs, where the
// in-memory engine answers from cached indexes in a fraction of a second
// once it has loaded them. relink runs a few index lookups per record
// written into a data source that already has records, so a large re-sync
// is faster as ReplaceRecords (or ImportCSV) than as an upsert. SetMembers
// writes record_keys rows as well as records: about twice the time of
// the records alone, which the table's fillfactor (85) keeps to that.
package pgstore
