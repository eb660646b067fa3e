package pgstore_test

import (
	"context"
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
