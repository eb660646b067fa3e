package pgstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultSchema is the schema a Store keeps its tables in unless
// WithSchema says otherwise.
const DefaultSchema = "acctmap"

// DefaultMaxAttempts is how many times Update runs its function, at most,
// when PostgreSQL keeps reporting serialization failures or deadlocks.
const DefaultMaxAttempts = 20

// Store is an acctmap.Store in a PostgreSQL database. Create one with Open
// and release it with Close. A Store is safe for concurrent use.
type Store struct {
	pool        *pgxpool.Pool
	ownPool     bool // Close closes the pool
	schema      string
	qschema     string // schema as a quoted identifier
	maxAttempts int
	// maxBegins is how many connections a call tries BEGIN on when it
	// finds them dead: the pool's size and one more, a new connection.
	maxBegins int
	// overlapWorkMem is work_mem for the overlap query, in bytes.
	overlapWorkMem int64
	// commitCheckTimeout bounds how long Update asks the database whether
	// a commit whose connection was lost happened: the constant
	// commitCheckTimeout, but in tests.
	commitCheckTimeout time.Duration
	// membersSQL translates a filter for SetMembersWhere: filterSQL, or in
	// tests a translation with a planted defect (nil: filterSQL).
	membersSQL func(f acctmap.StoreFilter, a *sqlArgs, ascii bool) string

	// sqlCache maps a query as written in this package, with {s}. before
	// table names, to the query on this Store's schema.
	sqlCache sync.Map
}

var _ acctmap.Store = (*Store)(nil)

// An Option configures Open.
type Option func(*options)

type options struct {
	schema         string
	pool           *pgxpool.Pool
	maxAttempts    int
	overlapWorkMem int64
	noMigrations   bool
}

// maxIdentifier is the length, in bytes, of the longest identifier
// PostgreSQL keeps: it truncates longer ones, so two long schema names
// with the same first 63 bytes would name the same schema.
const maxIdentifier = 63

// WithSchema keeps the store's tables in the named schema, which Open
// creates if it is missing; the default is DefaultSchema. Stores with
// different schemas are independent, even in one database. The name is
// at most 63 bytes of UTF-8 without NUL, as PostgreSQL identifiers are.
func WithSchema(name string) Option {
	return func(o *options) { o.schema = name }
}

// WithPool makes the Store use pool instead of connecting to a dsn (give
// Open an empty dsn). Close then leaves the pool open: it is the caller's.
// The pool's connections may have any search_path: every query names the
// store's schema.
func WithPool(pool *pgxpool.Pool) Option {
	return func(o *options) { o.pool = pool }
}

// WithMaxAttempts sets how many times Update runs its function at most,
// retrying after serialization failures and deadlocks (SQLSTATE 40001 and
// 40P01) and after losing its connection before the commit; 1 disables
// retries. The default is DefaultMaxAttempts.
func WithMaxAttempts(n int) Option {
	return func(o *options) { o.maxAttempts = n }
}

// WithoutMigrations makes Open leave the schema as it is, for a role that
// may read and write the store's tables but not create or alter them:
// instead of migrating, Open checks that the schema is at SchemaVersion and
// otherwise fails with a *SchemaVersionError (ErrSchemaVersion), an older
// schema as well as a newer one. Run Migrate, as a role that may change
// the schema, before starting a program that opens the store this way.
// Migrate ignores this option.
func WithoutMigrations() Option {
	return func(o *options) { o.noMigrations = true }
}

// DefaultOverlapWorkMem is the work_mem of the overlap query unless
// WithOverlapWorkMem says otherwise.
const DefaultOverlapWorkMem = 64 << 20

// WithOverlapWorkMem sets PostgreSQL's work_mem, in bytes, for the
// statements of the overlap pushdown (JoinKeys), the memory each of their
// hash tables and sorts may use before spilling to disk; the default is
// DefaultOverlapWorkMem. A statement has several such nodes, each parallel
// worker its own, so the peak is a multiple of it. Other statements use the
// server's setting.
func WithOverlapWorkMem(bytes int64) Option {
	return func(o *options) { o.overlapWorkMem = bytes }
}

// Open connects to the PostgreSQL database named by dsn (a URL such as
// postgres://user:pass@host/db or a key=value string; see pgxpool.ParseConfig),
// creates the store's schema if it is missing and brings its tables up to
// date, then returns the Store. Migrations run in one transaction holding
// an advisory lock on the schema, so processes that open the same store at
// once are safe: one migrates, the others wait and find it done. A schema
// already at SchemaVersion is not changed, nor locked: a role without the
// right to create tables can open it. With WithoutMigrations, Open never
// changes the schema; see Migrate.
//
// A nil ctx is an error wrapping acctmap.ErrInvalidInput, as are invalid
// options.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	return open(ctx, "open", dsn, opts, false)
}

// Migrate creates the store's schema if it is missing and applies the
// migrations it has not had, as Open does, then closes its connections. It
// is for applications whose runtime role has no right to change the schema:
// run Migrate as the schema's owner (a deploy step, or a command of the
// program), and Open the store with WithoutMigrations as the runtime role.
// It takes Open's options (WithSchema, WithPool) and ignores
// WithoutMigrations. It is safe to run while other processes use the
// store, and at once in several processes: one migrates, under an
// advisory lock, and the others find the work done. It fails with a
// *SchemaVersionError if the schema was migrated by a newer pgstore.
func Migrate(ctx context.Context, dsn string, opts ...Option) error {
	s, err := open(ctx, "migrate", dsn, opts, true)
	if err != nil {
		return err
	}
	s.Close()
	return nil
}

// open is Open, and Migrate when migrate is set: it migrates whatever the
// options say.
func open(ctx context.Context, op, dsn string, opts []Option, migrate bool) (*Store, error) {
	if ctx == nil {
		return nil, fmt.Errorf("pgstore: %s: nil context: %w", op, acctmap.ErrInvalidInput)
	}
	o := options{schema: DefaultSchema, maxAttempts: DefaultMaxAttempts, overlapWorkMem: DefaultOverlapWorkMem}
	for _, opt := range opts {
		opt(&o)
	}
	if o.schema == "" || !checkText(o.schema) || len(o.schema) > maxIdentifier {
		return nil, fmt.Errorf("pgstore: %s: schema name %.80q: not 1 to %d bytes of UTF-8 without NUL: %w", op, o.schema, maxIdentifier, acctmap.ErrInvalidInput)
	}
	if o.maxAttempts < 1 {
		return nil, fmt.Errorf("pgstore: %s: WithMaxAttempts(%d): at least 1: %w", op, o.maxAttempts, acctmap.ErrInvalidInput)
	}
	s := &Store{
		pool:           o.pool,
		schema:         o.schema,
		qschema:        pgx.Identifier{o.schema}.Sanitize(),
		maxAttempts:    o.maxAttempts,
		overlapWorkMem: o.overlapWorkMem,

		commitCheckTimeout: commitCheckTimeout,
	}
	if s.pool == nil {
		pool, err := pgxpool.New(ctx, dsn)
		if err != nil {
			return nil, fmt.Errorf("pgstore: %s: %w", op, err)
		}
		s.pool, s.ownPool = pool, true
	} else if dsn != "" {
		return nil, fmt.Errorf("pgstore: %s: both a dsn and WithPool given: %w", op, acctmap.ErrInvalidInput)
	}
	s.maxBegins = int(s.pool.Config().MaxConns) + 1
	var err error
	if migrate || !o.noMigrations {
		err = s.migrate(ctx)
	} else {
		err = s.checkVersion(ctx)
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the Store's connections, unless its pool came from
// WithPool, once every transaction has ended. The Store must not be used
// afterwards.
func (s *Store) Close() {
	if s.ownPool {
		s.pool.Close()
	}
}

// Schema returns the name of the schema that holds the store's tables.
func (s *Store) Schema() string { return s.schema }

// sql returns query q with every "{s}." replaced by the store's schema.
func (s *Store) sql(q string) string {
	if v, ok := s.sqlCache.Load(q); ok {
		return v.(string)
	}
	v := strings.ReplaceAll(q, "{s}.", s.qschema+".")
	s.sqlCache.Store(q, v)
	return v
}

// errTxDone is returned by a transaction used after its function returned.
var errTxDone = errors.New("pgstore: transaction used after its function returned")

// ErrCommitUnknown reports an Update whose connection was lost while it
// committed, and whose outcome pgstore could not find out afterwards (it
// asks the database, on another connection, for up to 10 seconds): the
// transaction may or may not have committed. It is rare, and only happens
// when the database stays out of reach; the caller that must know reads
// the data back once the database is up again.
var ErrCommitUnknown = errors.New("pgstore: the connection was lost during the commit, which may or may not have happened")

// nilContext is the error of View and Update when ctx is nil.
func nilContext(op string) error {
	return fmt.Errorf("pgstore: %s: nil context: %w", op, acctmap.ErrInvalidInput)
}

// retryReason says why a transaction is tried again.
type retryReason int

const (
	// retryConflict: a serialization failure or a deadlock; Update runs
	// fn again.
	retryConflict retryReason = iota + 1
	// retryConnLost: the connection was lost while fn ran, or during a
	// commit that did not happen; Update runs fn again.
	retryConnLost
)

// begin acquires a connection and begins a transaction on it. A pooled
// connection can be dead while idle: the server terminated its backend or
// restarted. pgxpool pings a connection that has been idle for more than
// a second before handing it out, but not one used more recently, so the
// BEGIN is where such a connection shows it is dead. A BEGIN that failed
// on a connection that is now closed, or before it sent anything
// (pgconn.SafeToRetry), did nothing on the server: begin tries again at
// once, on another connection (the pool discards the dead one), up to
// s.maxBegins times in all, which is enough to go through a pool of dead
// connections to a new one. It does not retry a failure to connect:
// pgxpool has already tried, and the server is out of reach. The caller
// releases the connection after ending the transaction.
func (s *Store) begin(ctx context.Context, opts pgx.TxOptions) (*pgxpool.Conn, pgx.Tx, error) {
	var err error
	for range s.maxBegins {
		var c *pgxpool.Conn
		c, err = s.pool.Acquire(ctx)
		if err != nil {
			return nil, nil, err
		}
		var tx pgx.Tx
		tx, err = c.BeginTx(ctx, opts)
		if err == nil {
			return c, tx, nil
		}
		dead := c.Conn().IsClosed() || pgconn.SafeToRetry(err)
		c.Release()
		if !dead || ctx.Err() != nil {
			break
		}
	}
	return nil, nil, err
}

// View runs fn in a REPEATABLE READ, READ ONLY transaction: every read of
// fn sees the snapshot taken at its first read. It returns ctx's error
// without running fn if ctx is already done, and otherwise fn's error. It
// runs fn once: a BEGIN on a dead pooled connection is tried again on
// another before fn runs, but a connection lost while fn runs fails the
// View. A nil ctx is an error wrapping acctmap.ErrInvalidInput.
func (s *Store) View(ctx context.Context, fn func(tx acctmap.ReadTx) error) error {
	if ctx == nil {
		return nilContext("View")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	c, ptx, err := s.begin(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return ctxOr(ctx, fmt.Errorf("pgstore: begin: %w", err))
	}
	defer c.Release()
	r := &reader{s: s, ctx: ctx, tx: ptx}
	// Deferred so that a panic or runtime.Goexit in fn ends the transaction
	// too. A read-only transaction has nothing to commit.
	defer func() {
		r.done = true
		rollback(ctx, ptx)
	}()
	return fn(r)
}

// Update runs fn in a SERIALIZABLE transaction and commits it if fn
// returns nil, no statement of fn failed, and ctx is not done. Otherwise it
// rolls back and returns fn's error, ctx's, or the failed statement's. A
// nil ctx is an error wrapping acctmap.ErrInvalidInput.
//
// Update runs fn again, up to the store's maximum number of attempts
// (WithMaxAttempts), after waiting a little (exponential backoff with
// jitter), when the transaction certainly did not commit and may succeed
// if run again, as the Store contract allows:
//
//   - PostgreSQL aborted it with a serialization failure or a deadlock
//     (SQLSTATE 40001 or 40P01), in a statement of fn or at the commit;
//   - the connection was lost while fn ran (the server rolls back the
//     transaction of a session that ends without a commit);
//   - the connection was lost during the commit, and the database, asked
//     afterwards on another connection (pg_xact_status), says the
//     transaction aborted, or it had written nothing.
//
// If the database says a commit whose connection was lost did happen,
// Update returns nil. If it cannot tell, Update returns an error wrapping
// ErrCommitUnknown, and does not run fn again. A BEGIN on a dead pooled
// connection is tried again at once on another, before fn runs, and does
// not count as an attempt.
//
// After the last attempt Update returns the last failure; when that was a
// serialization failure or a deadlock, the error wraps acctmap.ErrConflict
// and the *pgconn.PgError.
func (s *Store) Update(ctx context.Context, fn func(tx acctmap.Tx) error) error {
	if ctx == nil {
		return nilContext("Update")
	}
	for attempt := 1; ; attempt++ {
		retry, err := s.update(ctx, fn)
		if retry == 0 {
			return err
		}
		if attempt >= s.maxAttempts {
			if retry == retryConflict {
				return fmt.Errorf("pgstore: giving up after %s: %w: %w", plural(attempt, "attempt"), acctmap.ErrConflict, err)
			}
			return fmt.Errorf("pgstore: giving up after %s: %w", plural(attempt, "attempt"), err)
		}
		t := time.NewTimer(backoff(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// plural returns "1 thing" or "n things".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return strconv.Itoa(n) + " " + thing + "s"
}

// backoff is how long Update waits before attempt+1: doubling from 1 ms to
// 128 ms, times a random factor in [0.5, 1.5) so that transactions that
// collided do not collide again.
func backoff(attempt int) time.Duration {
	d := time.Millisecond << min(attempt-1, 7)
	return d/2 + rand.N(d)
}

// update runs fn once and says whether, and why, to run it again (0: not),
// and with what failure.
func (s *Store) update(ctx context.Context, fn func(tx acctmap.Tx) error) (retry retryReason, err error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	c, ptx, err := s.begin(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable, AccessMode: pgx.ReadWrite})
	if err != nil {
		return 0, ctxOr(ctx, fmt.Errorf("pgstore: begin: %w", err))
	}
	defer c.Release()
	w := &writer{reader{s: s, ctx: ctx, tx: ptx}}
	committed := false
	// Deferred so that a panic or runtime.Goexit in fn rolls back too.
	defer func() {
		w.done = true
		if !committed {
			rollback(ctx, ptx)
		}
	}()
	fnErr := fn(w)
	w.done = true
	switch {
	case retryable(w.err) && ctx.Err() == nil:
		// fn's error, if any, may well come from the failure: run it again.
		return retryConflict, w.err
	case w.err != nil && c.Conn().IsClosed() && ctx.Err() == nil:
		// The connection was lost (ctx is not done, which closes it too):
		// the session is over, and with it the transaction, uncommitted.
		return retryConnLost, w.err
	case fnErr != nil:
		return 0, fnErr
	case ctx.Err() != nil:
		return 0, ctx.Err()
	case w.err != nil:
		// fn ignored the error of a statement; PostgreSQL has aborted the
		// transaction, and nothing of it may be kept.
		return 0, fmt.Errorf("pgstore: a statement of the transaction failed: %w", w.err)
	}
	// The transaction's id, NULL if it wrote nothing: if the connection is
	// lost during the commit, the database can tell whether it committed.
	var xid *string
	if err := ptx.QueryRow(ctx, "SELECT pg_current_xact_id_if_assigned()::text").Scan(&xid); err != nil {
		if ctx.Err() == nil && c.Conn().IsClosed() {
			return retryConnLost, fmt.Errorf("pgstore: commit: %w", err)
		}
		return 0, ctxOr(ctx, fmt.Errorf("pgstore: commit: %w", err))
	}
	// The commit is not interrupted by ctx: once Update decides to commit,
	// what it returns must say whether the commit happened.
	committed = true
	err = ptx.Commit(context.WithoutCancel(ctx))
	if err == nil {
		return 0, nil
	}
	err = fmt.Errorf("pgstore: commit: %w", err)
	switch {
	case retryable(err):
		return retryConflict, err
	case !c.Conn().IsClosed():
		// The server answered: the transaction is over, not committed.
		return 0, err
	case xid == nil:
		// Lost during the commit of a transaction that wrote nothing: there
		// is nothing that may have been committed.
		return retryConnLost, err
	}
	// The connection was lost during the commit. pgconn.SafeToRetry cannot
	// tell whether the COMMIT reached the server: pgx v5.12 reports a
	// failure to read its answer as "conn closed", which it says is safe
	// to retry (TestCommitConnectionLost). Ask the database.
	status, serr := s.commitStatus(ctx, *xid)
	switch status {
	case "committed":
		return 0, nil
	case "aborted":
		return retryConnLost, err
	default:
		if serr == nil {
			serr = fmt.Errorf("status %q", status)
		}
		return 0, fmt.Errorf("%w: %w (asking the database: %w)", ErrCommitUnknown, err, serr)
	}
}

// commitCheckTimeout bounds how long Update asks the database whether a
// commit whose connection was lost happened.
const commitCheckTimeout = 10 * time.Second

// commitStatus asks the database, on a connection of the pool, whether
// transaction xid committed: "committed" or "aborted" (pg_xact_status; a
// transaction is aborted when its session ends without a commit). While
// the session of the transaction is still ending, the status is "in
// progress", and commitStatus asks again, as it does after a dead pooled
// connection, for up to s.commitCheckTimeout; ctx does not interrupt it.
// It returns "" and the last failure if it cannot tell.
func (s *Store) commitStatus(ctx context.Context, xid string) (string, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.commitCheckTimeout)
	defer cancel()
	wait := time.Millisecond
	for {
		var status *string
		err := s.pool.QueryRow(ctx, "SELECT pg_xact_status($1::xid8)", xid).Scan(&status)
		var pe *pgconn.PgError
		switch {
		case err == nil && status == nil:
			return "", fmt.Errorf("transaction %s is too old to have a status", xid)
		case err == nil && *status != "in progress":
			return *status, nil
		case err == nil:
			err = fmt.Errorf("transaction %s is still in progress", xid)
		case errors.As(err, &pe) && !fatal(pe):
			// The server refused the question: asking again will not help.
			return "", err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", err
		case <-t.C:
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
}

// rollback ends a transaction that is not committed. It runs even when ctx
// is done, so that the connection goes back to the pool clean; if it
// fails, pgx closes the connection, which rolls back as well.
func rollback(ctx context.Context, tx pgx.Tx) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = tx.Rollback(ctx)
}

// ctxOr returns ctx's error if ctx is done, else err: an operation that
// failed because ctx was cancelled reports the cancellation.
func ctxOr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	return err
}

// SQLSTATE codes pgstore acts on.
const (
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeForeignKeyViolation  = "23503"
)

// fatal reports whether the server ended the session with pe.
func fatal(pe *pgconn.PgError) bool {
	sev := cmp.Or(pe.SeverityUnlocalized, pe.Severity)
	return sev == "FATAL" || sev == "PANIC"
}

// retryable reports whether err is a failure after which a transaction
// may succeed if run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == codeSerializationFailure || pe.Code == codeDeadlockDetected)
}
