// Command prm is a small partner relationship management (PRM) web
// application that embeds acctmap: the pattern an embedding product copies.
//
//	go run ./examples/prm                       # memstore, http://127.0.0.1:8080
//	go run ./examples/prm -db postgres://…      # pgstore
//
// It seeds two demo orgs, Acme Analytics and Bolt Warehouse, each with an
// admin and a read-only user, their CRM exports, populations, and a
// partnership in which some populations are shared at record level and
// some as counts only. Sign in as any of the four users: the partner list,
// the account mapping matrix as a heat map, cell reports, sharing settings
// with field presets, share requests, an offline partner with a CSV upload
// and its column mapping, and CSV export. A JSON API is under /api/.
//
// The embedding pattern, in three points (see README.md):
//   - One acctmap.Network for the process, over the store the product
//     chooses (memstore, pgstore).
//   - The product's own users mirrored into the network (AddUser, SetRole,
//     RemoveUser), with the same ids.
//   - Every request builds its Actor from its session, net.As(userID), and
//     keeps nothing: the library decides what each user may see, on each call.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
	"github.com/acctmap/acctmap/pgstore"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	db := flag.String("db", "", "PostgreSQL URL (postgres://…) to keep the network in pgstore; in memory (memstore) when empty")
	schema := flag.String("schema", "acctmap_prm_demo", "PostgreSQL schema, with -db")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, config{addr: *addr, db: *db, schema: *schema}, os.Stdout, nil); err != nil {
		log.Fatal(err)
	}
}

// config is what the flags set.
type config struct {
	addr, db, schema string
}

// openStore returns the store the flags choose, and how to close it.
func openStore(ctx context.Context, c config) (acctmap.Store, func(), error) {
	if c.db == "" {
		return memstore.New(), func() {}, nil
	}
	if !strings.HasPrefix(c.db, "postgres://") && !strings.HasPrefix(c.db, "postgresql://") {
		return nil, nil, fmt.Errorf("-db %.40q: give a postgres:// URL, or nothing for memstore", c.db)
	}
	s, err := pgstore.Open(ctx, c.db, pgstore.WithSchema(c.schema))
	if err != nil {
		return nil, nil, err
	}
	return s, s.Close, nil
}

// run seeds the demo and serves it until ctx ends. ready, when set, is
// called with the server's URL once it listens.
func run(ctx context.Context, c config, out io.Writer, ready func(url string)) error {
	store, closeStore, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer closeStore()
	net := acctmap.New(store)
	if _, seeded, err := seed(ctx, net); err != nil {
		return fmt.Errorf("seeding the demo: %w", err)
	} else if !seeded {
		fmt.Fprintln(out, "The demo orgs exist already: using the data in the database.")
	}
	// A new key at every start: sessions end with the process. A product
	// loads its key from its secret store, so that sessions survive restarts
	// and replicas share them.
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	app, err := newApp(net, key, log.New(os.Stderr, "prm: ", log.LstdFlags).Printf)
	if err != nil {
		return err
	}
	ln, err := listen(c.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           app.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // a 32 MiB upload on a slow line
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(out, "acctmap PRM demo on %s — sign in as Ann (Acme admin) or Bob (Bolt admin), or their read-only colleagues.\n", url)
	if ready != nil {
		ready(url)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// listen opens the listener first, so that the URL printed is the real one
// (with -addr 127.0.0.1:0, the port the system chose).
func listen(addr string) (net.Listener, error) {
	var lc net.ListenConfig
	return lc.Listen(context.Background(), "tcp", addr)
}
