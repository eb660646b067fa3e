package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
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
	// overlapWorkMem is work_mem for the overlap query, in bytes.
	overlapWorkMem int64

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
}

// WithSchema keeps the store's tables in the named schema, which Open
// creates if it is missing; the default is DefaultSchema. Stores with
// different schemas are independent, even in one database.
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
// 40P01); 1 disables retries. The default is DefaultMaxAttempts.
func WithMaxAttempts(n int) Option {
	return func(o *options) { o.maxAttempts = n }
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
// once are safe: one migrates, the others wait and find it done.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	o := options{schema: DefaultSchema, maxAttempts: DefaultMaxAttempts, overlapWorkMem: DefaultOverlapWorkMem}
	for _, opt := range opts {
		opt(&o)
	}
	if o.schema == "" || !checkText(o.schema) {
		return nil, fmt.Errorf("pgstore: schema name %q: %w", o.schema, acctmap.ErrInvalidInput)
	}
	if o.maxAttempts < 1 {
		return nil, fmt.Errorf("pgstore: WithMaxAttempts(%d): at least 1: %w", o.maxAttempts, acctmap.ErrInvalidInput)
	}
	s := &Store{
		pool:           o.pool,
		schema:         o.schema,
		qschema:        pgx.Identifier{o.schema}.Sanitize(),
		maxAttempts:    o.maxAttempts,
		overlapWorkMem: o.overlapWorkMem,
	}
	if s.pool == nil {
		pool, err := pgxpool.New(ctx, dsn)
		if err != nil {
			return nil, fmt.Errorf("pgstore: open: %w", err)
		}
		s.pool, s.ownPool = pool, true
	} else if dsn != "" {
		return nil, fmt.Errorf("pgstore: open: both a dsn and WithPool given: %w", acctmap.ErrInvalidInput)
	}
	if err := s.migrate(ctx); err != nil {
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

// View runs fn in a REPEATABLE READ, READ ONLY transaction: every read of
// fn sees the snapshot taken at its first read. It returns ctx's error
// without running fn if ctx is already done, and otherwise fn's error.
func (s *Store) View(ctx context.Context, fn func(tx acctmap.ReadTx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ptx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return ctxOr(ctx, fmt.Errorf("pgstore: begin: %w", err))
	}
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
// rolls back and returns fn's error, ctx's, or the failed statement's.
//
// When PostgreSQL aborts the transaction with a serialization failure or a
// deadlock (SQLSTATE 40001 or 40P01), in a statement of fn or at the
// commit, Update rolls back, waits a little (exponential backoff with
// jitter) and runs fn again, up to the store's maximum number of attempts
// (WithMaxAttempts), as the Store contract allows; after the last it
// returns the failure, which wraps the *pgconn.PgError.
func (s *Store) Update(ctx context.Context, fn func(tx acctmap.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err, retry := s.update(ctx, fn)
		if !retry {
			return err
		}
		if attempt >= s.maxAttempts {
			return fmt.Errorf("pgstore: giving up after %d attempts: %w", attempt, err)
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

// backoff is how long Update waits before attempt+1: doubling from 1 ms to
// 128 ms, times a random factor in [0.5, 1.5) so that transactions that
// collided do not collide again.
func backoff(attempt int) time.Duration {
	d := time.Millisecond << min(attempt-1, 7)
	return d/2 + rand.N(d)
}

// update runs fn once and reports whether to run it again.
func (s *Store) update(ctx context.Context, fn func(tx acctmap.Tx) error) (err error, retry bool) {
	if err := ctx.Err(); err != nil {
		return err, false
	}
	ptx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable, AccessMode: pgx.ReadWrite})
	if err != nil {
		return ctxOr(ctx, fmt.Errorf("pgstore: begin: %w", err)), false
	}
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
		return w.err, true
	case fnErr != nil:
		return fnErr, false
	case ctx.Err() != nil:
		return ctx.Err(), false
	case w.err != nil:
		// fn ignored the error of a statement; PostgreSQL has aborted the
		// transaction, and nothing of it may be kept.
		return fmt.Errorf("pgstore: a statement of the transaction failed: %w", w.err), false
	}
	// The commit is not interrupted by ctx: once Update decides to commit,
	// what it returns must say whether the commit happened.
	committed = true
	if err := ptx.Commit(context.WithoutCancel(ctx)); err != nil {
		err = fmt.Errorf("pgstore: commit: %w", err)
		return err, retryable(err)
	}
	return nil, false
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

// retryable reports whether err is a failure after which a transaction
// may succeed if run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == codeSerializationFailure || pe.Code == codeDeadlockDetected)
}
