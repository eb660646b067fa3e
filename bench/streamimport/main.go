// Command streamimport imports one large generated CSV export into pgstore
// through the public API (Actor.ImportCSV) and prints the time, the peak
// RSS of the process and what that makes per record (issue 19, memory on
// large imports). Run it under a memory limit smaller than the file to
// show that a streamed import does not hold the records:
//
//	go run /work/shared/bench/gen -n 4000000 -out /tmp/streamimport   # ours.csv, 397 MB
//	go build -o /tmp/streamimport/bin ./bench/streamimport
//	(ulimit -v 1500000; GOMEMLIMIT=200MiB ACCTMAP_TEST_POSTGRES_DSN=… \
//	  /tmp/streamimport/bin -csv /tmp/streamimport/ours.csv)
//
// -inmemory hides pgstore's StreamTx (and its other optional
// capabilities), for the in-memory path's figure on the same file.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/pgstore"
)

func main() {
	csvPath := flag.String("csv", "", "the CSV export to import (columns of ../shared/bench/gen: Record ID, Company Name, Website, …)")
	dsn := flag.String("pg", os.Getenv("ACCTMAP_TEST_POSTGRES_DSN"), "PostgreSQL DSN (default $ACCTMAP_TEST_POSTGRES_DSN)")
	inMemory := flag.Bool("inmemory", false, "import through a store without StreamTx: the records are read whole, then written")
	flag.Parse()
	if *csvPath == "" || *dsn == "" {
		fmt.Fprintln(os.Stderr, "streamimport: -csv FILE and -pg DSN (or $ACCTMAP_TEST_POSTGRES_DSN) are required")
		os.Exit(2)
	}
	if err := run(context.Background(), *csvPath, *dsn, *inMemory); err != nil {
		fmt.Fprintln(os.Stderr, "streamimport:", err)
		os.Exit(1)
	}
}

// bareStore is a Store whose transactions have only the methods of ReadTx
// and Tx.
type bareStore struct{ s acctmap.Store }

type bareRead struct{ acctmap.ReadTx }

type bareTx struct{ acctmap.Tx }

func (b bareStore) View(ctx context.Context, fn func(acctmap.ReadTx) error) error {
	return b.s.View(ctx, func(tx acctmap.ReadTx) error { return fn(bareRead{tx}) })
}

func (b bareStore) Update(ctx context.Context, fn func(acctmap.Tx) error) error {
	return b.s.Update(ctx, func(tx acctmap.Tx) error { return fn(bareTx{tx}) })
}

func run(ctx context.Context, csvPath, dsn string, inMemory bool) error {
	fi, err := os.Stat(csvPath)
	if err != nil {
		return err
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "streamimport_" + hex.EncodeToString(b)
	s, err := pgstore.Open(ctx, dsn, pgstore.WithSchema(schema))
	if err != nil {
		return err
	}
	defer dropSchema(dsn, schema)
	defer s.Close()
	var store acctmap.Store = s
	path := "streamed"
	if inMemory {
		store, path = bareStore{s}, "in memory"
	}
	net := acctmap.New(store)
	if _, err := net.CreateOrg(ctx, acctmap.Org{ID: "org", Name: "Org"}); err != nil {
		return err
	}
	if _, err := net.AddUser(ctx, acctmap.User{ID: "admin", OrgID: "org", Name: "Admin", Role: acctmap.RoleAdmin}); err != nil {
		return err
	}
	a := net.As("admin")
	ds, err := a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM export"})
	if err != nil {
		return err
	}
	runtime.GC()
	base := peakRSS()
	f, err := os.Open(csvPath)
	if err != nil {
		return err
	}
	defer f.Close()
	start := time.Now()
	sum, err := a.ImportCSV(ctx, ds.ID, f, acctmap.CSVImport{
		Mapping:  csvsource.Mapping{ID: "Record ID", Name: "Company Name", Website: "Website"},
		FileName: csvPath,
	})
	if err != nil {
		return err
	}
	took := time.Since(start)
	peak := peakRSS()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("import (%s) of %s: %d rows, %.0f MB, in %.1f s on %d CPUs, GOMEMLIMIT=%s\n", path, csvPath, sum.Accepted, float64(fi.Size())/1e6,
		took.Seconds(), runtime.NumCPU(), os.Getenv("GOMEMLIMIT"))
	fmt.Printf("peak RSS %.0f MiB (%.0f MiB before the import): %.0f bytes per record; Go heap at the end %.0f MiB, %d GCs\n",
		float64(peak)/(1<<20), float64(base)/(1<<20), float64(peak-base)/float64(max(sum.Accepted, 1)), float64(ms.HeapInuse)/(1<<20), ms.NumGC)
	n, err := a.DataSource(ctx, ds.ID)
	if err != nil {
		return err
	}
	var count int
	err = s.View(ctx, func(tx acctmap.ReadTx) (err error) { count, err = tx.CountRecords(n.ID); return err })
	if err != nil {
		return err
	}
	if count != sum.Accepted {
		return fmt.Errorf("the store holds %d records, the summary says %d", count, sum.Accepted)
	}
	return nil
}

// peakRSS is the process's peak resident set, in bytes (Linux: KiB).
func peakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss * 1024
}

// dropSchema removes the run's schema.
func dropSchema(dsn, schema string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	_, _ = conn.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
}
