package pgstore

import (
	"context"
	"embed"
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

// migrate creates the store's schema if it is missing and applies the
// migrations it has not had yet, in one transaction: either all of them
// are applied or none is. The transaction first takes an advisory lock
// keyed by the schema name (released at its end), so that concurrent Opens
// of the same store run one after the other; the second finds the work
// done. Each applied migration is recorded in the schema_migrations table.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return ctxOr(ctx, fmt.Errorf("pgstore: migrate: %w", err))
	}
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
	var have int
	if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM "+s.qschema+".schema_migrations").Scan(&have); err != nil {
		return ctxOr(ctx, fmt.Errorf("pgstore: migrate schema %q: %w", s.schema, err))
	}
	if have > len(ms) {
		return fmt.Errorf("pgstore: schema %q is at version %d, newer than this pgstore's %d: upgrade the program", s.schema, have, len(ms))
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
