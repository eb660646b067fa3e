package pgstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
)

// newRole creates a role that may log in with the password it returns and
// has no right but PUBLIC's (CONNECT and TEMP on the database: no CREATE),
// and drops it when t ends: after the pools and schemas that tests
// register later, which are closed and dropped first. It skips t when the
// test DSN's role may not create roles.
func newRole(t *testing.T, admin *pgx.Conn) (name, password string) {
	t.Helper()
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	name, password = "acctmap_test_role_"+hex.EncodeToString(b[:6]), hex.EncodeToString(b[6:])
	_, err := admin.Exec(t.Context(), "CREATE ROLE "+pgx.Identifier{name}.Sanitize()+" LOGIN PASSWORD '"+password+"'")
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42501" {
		t.Skipf("the test DSN's role may not create roles: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	dsn := testDSN(t)
	t.Cleanup(func() {
		// t.Context() is done when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Errorf("drop role %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		// DROP OWNED BY revokes what the role was granted in this database.
		for _, q := range []string{"DROP OWNED BY ", "DROP ROLE "} {
			if _, err := conn.Exec(ctx, q+pgx.Identifier{name}.Sanitize()); err != nil {
				t.Errorf("%s%s: %v", q, name, err)
			}
		}
	})
	return name, password
}

// grantDML grants role what the runtime role of an application needs on a
// migrated schema: USAGE, and reading and writing its tables.
func grantDML(t *testing.T, admin *pgx.Conn, schema, role string) {
	t.Helper()
	s, r := pgx.Identifier{schema}.Sanitize(), pgx.Identifier{role}.Sanitize()
	for _, q := range []string{
		"GRANT USAGE ON SCHEMA " + s + " TO " + r,
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + s + " TO " + r,
	} {
		if _, err := admin.Exec(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// rolePool returns a pool on the test DSN whose sessions run as role (the
// role parameter at connection start, which is SET ROLE): the privileges
// checked are the role's, whatever login the test DSN uses (peer
// authentication on a Unix socket admits no other user).
func rolePool(t *testing.T, role string) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["role"] = role
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// TestRuntimeRoleWithoutDDL is #18's deployment: Migrate runs as the
// schema's owner, and the application opens the store WithoutMigrations as
// a role that may only read and write rows. Before Migrate, that Open fails
// with a *SchemaVersionError, and a migrating Open fails on the right it
// lacks; after, both work, and a schema at another version is refused with
// a message that says what to do.
func TestRuntimeRoleWithoutDDL(t *testing.T) {
	t.Parallel()
	dsn := testDSN(t)
	admin := adminConn(t)
	role, _ := newRole(t, admin)
	schema := testSchema(t)
	pool := rolePool(t, role)
	ctx := t.Context()

	var canCreate bool
	if err := pool.QueryRow(ctx, "SELECT has_database_privilege(current_database(), 'CREATE')").Scan(&canCreate); err != nil || canCreate {
		t.Fatalf("the test role may create schemas (%v, %v): the test proves nothing", canCreate, err)
	}
	openAsRole := func(opts ...Option) (*Store, error) {
		return Open(ctx, "", append([]Option{WithPool(pool), WithSchema(schema)}, opts...)...)
	}
	wantVersionError := func(what string, err error, version int, says string) {
		t.Helper()
		var ve *SchemaVersionError
		if !errors.Is(err, ErrSchemaVersion) || !errors.As(err, &ve) {
			t.Errorf("%s: %v, want a *SchemaVersionError", what, err)
			return
		}
		if d := cmp.Diff(&SchemaVersionError{Schema: schema, Version: version, Want: SchemaVersion()}, ve); d != "" {
			t.Errorf("%s: the error (-want +got):\n%s", what, d)
		}
		if !strings.Contains(err.Error(), says) {
			t.Errorf("%s: %q does not say %q", what, err, says)
		}
	}

	// Before Migrate.
	_, err := openAsRole(WithoutMigrations())
	wantVersionError("Open WithoutMigrations before Migrate", err, 0, "run pgstore.Migrate")
	_, err = openAsRole()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "42501" || !strings.Contains(err.Error(), "create schema") {
		t.Errorf("a migrating Open as a role without CREATE: %v, want a permission error (42501) on creating the schema", err)
	}

	// Migrate as the owner, twice: the second finds nothing to do.
	for range 2 {
		if err := Migrate(ctx, dsn, WithSchema(schema), WithoutMigrations()); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
	}
	owner, err := Open(ctx, dsn, WithSchema(schema), WithoutMigrations())
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	wantVersions(t, owner)
	grantDML(t, admin, schema, role)

	// The application, as the role, with and without WithoutMigrations: a
	// schema at this version is not changed.
	for _, opts := range [][]Option{{WithoutMigrations()}, nil} {
		s, err := openAsRole(opts...)
		if err != nil {
			t.Fatalf("Open as the runtime role after Migrate (%d options): %v", len(opts), err)
		}
		useStore(t, s)
		s.Close()
	}

	// A schema older or newer than the code.
	exec := func(q string) {
		t.Helper()
		if _, err := admin.Exec(ctx, strings.ReplaceAll(q, "{s}.", owner.qschema+".")); err != nil {
			t.Fatal(err)
		}
	}
	n := SchemaVersion()
	var last string
	if err := admin.QueryRow(ctx, "SELECT name FROM "+owner.qschema+".schema_migrations WHERE version = $1", n).Scan(&last); err != nil {
		t.Fatal(err)
	}
	exec("DELETE FROM {s}.schema_migrations WHERE version = " + strconv.Itoa(n))
	_, err = openAsRole(WithoutMigrations())
	wantVersionError("Open WithoutMigrations of an older schema", err, n-1, "older than this pgstore's")
	exec("INSERT INTO {s}.schema_migrations (version, name) VALUES (" + strconv.Itoa(n) + ", '" + last + "'), (9999, 'future')")
	_, err = openAsRole(WithoutMigrations())
	wantVersionError("Open WithoutMigrations of a newer schema", err, 9999, "newer than this pgstore's")
	_, err = openAsRole()
	wantVersionError("Open of a newer schema", err, 9999, "upgrade the program")
	err = Migrate(ctx, dsn, WithSchema(schema))
	wantVersionError("Migrate of a newer schema", err, 9999, "upgrade the program")
}

// useStore runs a little of everything through a Network on s: writes,
// an import (COPY), a population (its filter), reads.
func useStore(t *testing.T, s *Store) {
	t.Helper()
	ctx := t.Context()
	net := acctmap.New(s)
	org, err := net.CreateOrg(ctx, acctmap.Org{Name: "Acme"})
	if err != nil {
		t.Fatalf("CreateOrg: %v", err)
	}
	u, err := net.AddUser(ctx, acctmap.User{OrgID: org.ID, Name: "Ann", Role: acctmap.RoleAdmin})
	if err != nil {
		t.Fatalf("AddUser: %v", err)
	}
	ann := net.As(u.ID)
	ds, err := ann.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Upload"})
	if err != nil {
		t.Fatalf("CreateDataSource: %v", err)
	}
	imp := acctmap.CSVImport{Mapping: csvsource.Mapping{Name: "Company", Website: "Website", ID: "Id"}, FileName: "accounts.csv"}
	sum, err := ann.ImportCSV(ctx, ds.ID, restartCSV("r", 20), imp)
	if err != nil || sum.Accepted != 20 {
		t.Fatalf("ImportCSV: %+v, %v", sum, err)
	}
	if _, err := ann.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Customers,
		Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Stage", Op: acctmap.Equals, Value: "Customer"}}}}); err != nil {
		t.Fatalf("CreatePopulation: %v", err)
	}
	if dss, err := ann.DataSources(ctx, ""); err != nil || len(dss) != 1 {
		t.Fatalf("DataSources: %v, %v", dss, err)
	}
}

// TestTerminatedConnectionsTCP is TestTerminatedConnections over TCP, as a
// runtime role logging in with a password on a store migrated by its
// owner. Over TCP a dead connection fails differently: the BEGIN is
// written, and the server's FATAL message (57P01) is read back, an error
// pgconn.SafeToRetry does not call safe. The connection is closed, though,
// and nothing ran. It skips when the server refuses a password login on
// 127.0.0.1 at the test DSN's port.
func TestTerminatedConnectionsTCP(t *testing.T) {
	t.Parallel()
	dsn := testDSN(t)
	admin := adminConn(t)
	role, password := newRole(t, admin)
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(cfg.ConnConfig.Host, "/") {
		cfg.ConnConfig.Host = "127.0.0.1"
	}
	cfg.ConnConfig.Fallbacks = nil
	cfg.ConnConfig.User, cfg.ConnConfig.Password = role, password
	conn, err := pgx.ConnectConfig(t.Context(), cfg.ConnConfig.Copy())
	if err != nil {
		t.Skipf("no password login over TCP at %s:%d: %v", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	conn.Close(t.Context())
	testTerminatedConnections(t, func(t *testing.T) namedStore {
		schema := testSchema(t)
		if err := Migrate(t.Context(), dsn, WithSchema(schema)); err != nil {
			t.Fatal(err)
		}
		grantDML(t, admin, schema, role)
		return openNamed(t, cfg.Copy(), WithSchema(schema), WithoutMigrations())
	})
}
