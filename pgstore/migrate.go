package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// migrationFiles are the schema migrations, applied in the order of their
// version: the number their file name starts with (0001_init.sql is
// version 1). A released migration is never edited: a change to the schema
// is a new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string // the file name without .sql
	sql     string
}

// migrations returns the embedded migrations in version order.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".sql")
		if !ok {
			continue
		}
		num, _, _ := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if err != nil || v < 1 {
			return nil, fmt.Errorf("pgstore: migration %s: the name does not start with a version number", e.Name())
		}
		b, err := migrationFiles.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i := range ms {
		if ms[i].version != i+1 {
			return nil, fmt.Errorf("pgstore: migration %s: versions must be 1, 2, 3… without gaps", ms[i].name)
		}
	}
	return ms, nil
}

// SchemaVersion is the version of the schema this package writes: the
// number of its migrations.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		panic(err) // the embedded files are checked by the tests
	}
	return len(ms)
}

// lockNamespace prefixes the schema name in the key of the advisory lock
// that serializes migrations, so that the key is unlikely to be one an
// application uses for something else.
const lockNamespace = "github.com/acctmap/acctmap/pgstore:"

// ErrSchemaVersion reports a store's schema at another version than this
// pgstore's (SchemaVersion): older, when Open has WithoutMigrations and
// Migrate has not been run, or newer, migrated by a later pgstore. The
// error is a *SchemaVersionError.
var ErrSchemaVersion = errors.New("pgstore: the schema is at another version than this pgstore's")

// SchemaVersionError is the error of Open and Migrate when the store's
// schema is at another version than this pgstore's. It wraps
// ErrSchemaVersion.
type SchemaVersionError struct {
	Schema  string // the store's schema
	Version int    // the schema's version: 0 when it has no tables of a store
	Want    int    // SchemaVersion, the version this pgstore reads and writes
}

func (e *SchemaVersionError) Error() string {
	switch {
	case e.Version == 0:
		return fmt.Sprintf("pgstore: schema %q has no store tables (version 0, want %d): run pgstore.Migrate as a role that may create them", e.Schema, e.Want)
	case e.Version < e.Want:
		return fmt.Sprintf("pgstore: schema %q is at version %d, older than this pgstore's %d: run pgstore.Migrate as a role that may change the schema", e.Schema, e.Version, e.Want)
	default:
		return fmt.Sprintf("pgstore: schema %q is at version %d, newer than this pgstore's %d: upgrade the program", e.Schema, e.Version, e.Want)
	}
}

// Unwrap returns ErrSchemaVersion.
func (e *SchemaVersionError) Unwrap() error { return ErrSchemaVersion }

// schemaVersion returns the version of the store's schema: the highest
// recorded in its schema_migrations table, or 0 when there is none (nor
// perhaps the schema).
func (s *Store) schemaVersion(ctx context.Context, tx pgx.Tx) (int, error) {
	var exists bool
	// to_regclass is NULL, not an error, for a missing schema or table.
	if err := tx.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", s.qschema+".schema_migrations").Scan(&exists); err != nil || !exists {
		return 0, err
	}
	var have int
	err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM "+s.qschema+".schema_migrations").Scan(&have)
	return have, err
}

// checkVersion reads the version of the store's schema, in a read-only
// transaction, and returns a *SchemaVersionError unless it is this
// pgstore's.
func (s *Store) checkVersion(ctx context.Context) error {
	want := SchemaVersion()
	have, err := s.readVersion(ctx)
	if err != nil {
		return err
	}
	if have != want {
		return &SchemaVersionError{Schema: s.schema, Version: have, Want: want}
	}
	return nil
}

func (s *Store) readVersion(ctx context.Context) (int, error) {
	c, tx, err := s.begin(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted, AccessMode: pgx.ReadOnly})
	if err != nil {
		return 0, ctxOr(ctx, fmt.Errorf("pgstore: check schema %q: %w", s.schema, err))
	}
	defer c.Release()
	defer rollback(ctx, tx)
	have, err := s.schemaVersion(ctx, tx)
	if err != nil {
		return 0, ctxOr(ctx, fmt.Errorf("pgstore: check schema %q: %w", s.schema, err))
	}
	return have, nil
}

// migrate creates the store's schema if it is missing and applies the
// migrations it has not had yet, in one transaction: either all of them
// are applied or none is. The transaction first takes an advisory lock
// keyed by the schema name (released at its end), so that concurrent Opens
// of the same store run one after the other; the second finds the work
// done. Each applied migration is recorded in the schema_migrations table.
//
// It first reads the schema's version without the lock: a schema that is
// up to date, the common case, is neither locked nor changed, so that a
// role without DDL rights opens it, and Opens do not queue on the lock.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	have, err := s.readVersion(ctx)
	if err != nil {
		return err
	}
	if have > len(ms) {
		return &SchemaVersionError{Schema: s.schema, Version: have, Want: len(ms)}
	}
	if have == len(ms) {
		return nil
	}
	c, tx, err := s.begin(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return ctxOr(ctx, fmt.Errorf("pgstore: migrate: %w", err))
	}
	defer c.Release()
	defer rollback(ctx, tx)
	steps := []struct {
		what string
		sql  string
		args []any
	}{
		{"lock", "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", []any{lockNamespace + s.schema}},
		{"create schema", "CREATE SCHEMA IF NOT EXISTS " + s.qschema, nil},
		{"set search_path", "SET LOCAL search_path TO " + s.qschema, nil},
		{"create schema_migrations", `CREATE TABLE IF NOT EXISTS ` + s.qschema + `.schema_migrations (
			version    integer PRIMARY KEY,
			name       text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`, nil},
	}
	for _, st := range steps {
		if _, err := tx.Exec(ctx, st.sql, st.args...); err != nil {
			return ctxOr(ctx, fmt.Errorf("pgstore: migrate schema %q: %s: %w", s.schema, st.what, err))
		}
	}
	// Again, under the lock: another process may have migrated meanwhile.
	if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM "+s.qschema+".schema_migrations").Scan(&have); err != nil {
		return ctxOr(ctx, fmt.Errorf("pgstore: migrate schema %q: %w", s.schema, err))
	}
	if have > len(ms) {
		return &SchemaVersionError{Schema: s.schema, Version: have, Want: len(ms)}
	}
	for _, m := range ms[have:] {
		// No arguments: pgx sends it with the simple protocol, which runs
		// a file of several statements.
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return ctxOr(ctx, fmt.Errorf("pgstore: migrate schema %q: %s: %w", s.schema, m.name, err))
		}
		if _, err := tx.Exec(ctx, "INSERT INTO "+s.qschema+".schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name); err != nil {
			return ctxOr(ctx, fmt.Errorf("pgstore: migrate schema %q: record %s: %w", s.schema, m.name, err))
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return ctxOr(ctx, fmt.Errorf("pgstore: migrate schema %q: commit: %w", s.schema, err))
	}
	return nil
}
