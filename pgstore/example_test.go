package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/pgstore"
)

// Example opens a store in its own schema of a PostgreSQL database and runs
// a Network on it. It needs a running database, so it is compiled but not
// run by go test (it has no Output comment).
func Example() {
	ctx := context.Background()
	dsn := os.Getenv("DATABASE_URL") // e.g. postgres://user:pass@localhost/app
	s, err := pgstore.Open(ctx, dsn, pgstore.WithSchema("acctmap"))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	net := acctmap.New(s)
	org, err := net.CreateOrg(ctx, acctmap.Org{Name: "Acme Corp"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("created org", org.ID)
}

// ExampleMigrate migrates the store's schema as its owner, in a deploy
// step, and opens it as the application's runtime role, which may read
// and write the tables but not change them. It needs a running database,
// so it is compiled but not run.
func ExampleMigrate() {
	ctx := context.Background()
	// The deploy step, as the owner of the schema.
	if err := pgstore.Migrate(ctx, os.Getenv("OWNER_DATABASE_URL"), pgstore.WithSchema("acctmap")); err != nil {
		log.Fatal(err)
	}
	// The application, as a role granted USAGE on the schema and SELECT,
	// INSERT, UPDATE, DELETE on its tables.
	s, err := pgstore.Open(ctx, os.Getenv("DATABASE_URL"), pgstore.WithSchema("acctmap"), pgstore.WithoutMigrations())
	if errors.Is(err, pgstore.ErrSchemaVersion) {
		log.Fatalf("%v (deploy the migration first)", err)
	}
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
}

// ExampleStore_Update_conflict shows what to do with an Update that gave
// up on a conflict: the store retried already, so the caller reports it,
// or tries again later, not at once.
func ExampleStore_Update_conflict() {
	ctx := context.Background()
	s, err := pgstore.Open(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	_, err = acctmap.New(s).CreateOrg(ctx, acctmap.Org{Name: "Acme Corp"})
	switch {
	case errors.Is(err, acctmap.ErrConflict):
		// Contention the store's own retries did not get through (or a
		// conflict with the data, such as a duplicate): e.g. HTTP 409, or
		// retry in a few seconds.
		log.Printf("try again later: %v", err)
	case errors.Is(err, pgstore.ErrCommitUnknown):
		// The database was out of reach during the commit: read back
		// before writing again.
		log.Printf("unknown outcome: %v", err)
	case err != nil:
		log.Fatal(err)
	}
}
