package acctmap_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/pgstore"
)

// TestTerminationsUnderLoad runs partners' everyday calls through the
// public API on pgstore, from several goroutines, while the database
// server terminates the Network's connections every 150 ms, as a failover,
// an administrator or a pooler would. B replaces its CRM records again and
// again (each sync writes one version number into every record) and keeps
// some of them private; A syncs its own records and reads the matrix and
// B's shared records.
//
// Then:
//   - every read either fails or is whole: the matrix count is the one the
//     data gives, B's shared listing has every public record of one sync,
//     never a torn mix, and never a private one;
//   - a write that returned nil is stored; a write that failed is not,
//     unless its error says the commit is unknown (pgstore.ErrCommitUnknown);
//   - no error says the caller did something wrong (ErrInvalidInput,
//     ErrNotFound, ErrPermissionDenied, ErrNotPartners) when only the
//     connection failed;
//   - B's private marks survive every sync.
//
// The store runs with connections that are never pinged when acquired, so
// that dead ones reach it, as under load; the test fails if no
// connection was ended (it would prove nothing).
func TestTerminationsUnderLoad(t *testing.T) {
	t.Parallel()
	dsn := os.Getenv(pgDSNEnv)
	if dsn == "" {
		t.Skip("set ACCTMAP_TEST_POSTGRES_DSN=postgres:///acctmap_test?host=/var/run/postgresql to run on pgstore")
	}
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	app := "acctmap_root_term_" + hex.EncodeToString(b)
	cfg.ConnConfig.RuntimeParams["application_name"] = app
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	cfg.MaxConns = 8
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	schema := "acctmap_term_" + hex.EncodeToString(b)
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
		admin.Close(context.Background())
	})
	store, err := pgstore.Open(ctx, "", pgstore.WithPool(pool), pgstore.WithSchema(schema), pgstore.WithMaxAttempts(50))
	if err != nil {
		t.Fatalf("pgstore.Open: %v", err)
	}
	net := acctmap.New(store)

	// The data: B has 300 accounts, every tenth private; A has the even
	// ones. A sees B's customers in full, so the matrix counts the 120
	// public even accounts.
	const nB, wantOverlap, wantShared = 300, 120, 270
	for _, org := range []string{"org-a", "org-b"} {
		mustOrg(t, net, org, strings.ToUpper(org))
		must[acctmap.User](t, "AddUser")(net.AddUser(ctx, acctmap.User{ID: "admin-" + org, OrgID: org, Name: org, Role: acctmap.RoleAdmin}))
	}
	adminA, adminB := net.As("admin-org-a"), net.As("admin-org-b")
	partner(t, adminA, adminB, "org-b", "org-a")
	dsA := must[acctmap.DataSource](t, "A's data source")(adminA.CreateDataSource(ctx, acctmap.NewDataSource{Name: "A CRM", Kind: acctmap.PushedSource}))
	dsB := must[acctmap.DataSource](t, "B's data source")(adminB.CreateDataSource(ctx, acctmap.NewDataSource{Name: "B CRM", Kind: acctmap.PushedSource}))
	recordsB := func(ver int) []acctmap.RecordInput {
		in := make([]acctmap.RecordInput, nB)
		for i := range in {
			name := fmt.Sprintf("Public %d", i)
			if i%10 == 0 {
				name = fmt.Sprintf("Secret %d", i)
			}
			in[i] = acctmap.RecordInput{ID: "b" + strconv.Itoa(i), Name: name, Website: fmt.Sprintf("bacct%d.com", i),
				Fields: map[string]string{"ver": strconv.Itoa(ver)}}
		}
		return in
	}
	recordsA := func(ver int) []acctmap.RecordInput {
		var in []acctmap.RecordInput
		for i := 0; i < nB; i += 2 {
			in = append(in, acctmap.RecordInput{ID: "a" + strconv.Itoa(i), Name: fmt.Sprintf("A %d", i), Website: fmt.Sprintf("https://www.bacct%d.com/", i),
				Fields: map[string]string{"ver": strconv.Itoa(ver)}})
		}
		return in
	}
	must[acctmap.ImportSummary](t, "B's records")(adminB.ReplaceRecords(ctx, dsB.ID, recordsB(0)))
	must[acctmap.ImportSummary](t, "A's records")(adminA.ReplaceRecords(ctx, dsA.ID, recordsA(0)))
	var secret []string
	for i := 0; i < nB; i += 10 {
		secret = append(secret, "b"+strconv.Itoa(i))
	}
	must[int](t, "SetPrivate")(adminB.SetPrivate(ctx, dsB.ID, secret, true))
	popB := must[acctmap.Population](t, "B's population")(adminB.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: dsB.ID, Kind: acctmap.Customers}))
	must[acctmap.Population](t, "A's population")(adminA.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: dsA.ID, Kind: acctmap.Customers}))
	mustDo(t, "SetShareRule", adminB.SetShareRule(ctx, popB.ID, "org-a", acctmap.ShareRule{Level: acctmap.FullPopulation, Fields: []string{"name", "ver"}}))

	// wrongSentinel names a sentinel that blames the caller for what was a
	// lost connection.
	wrongSentinel := func(err error) string {
		for _, s := range []error{acctmap.ErrInvalidInput, acctmap.ErrNotFound, acctmap.ErrPermissionDenied, acctmap.ErrNotPartners} {
			if errors.Is(err, s) {
				return s.Error()
			}
		}
		return ""
	}
	type outcome struct {
		ver int
		err error
	}
	var (
		mu       sync.Mutex
		problems []string
		writesB  []outcome
		reads    atomic.Int64
		readErrs atomic.Int64
		writeErr atomic.Int64
	)
	problem := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(problems) < 20 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	stop := make(chan struct{})
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() { // B's CRM sync
		for v := 1; !stopped(); v++ {
			_, err := adminB.ReplaceRecords(ctx, dsB.ID, recordsB(v))
			if err != nil {
				writeErr.Add(1)
				if s := wrongSentinel(err); s != "" {
					problem("B's sync %d failed with %q: %v", v, s, err)
				}
			}
			mu.Lock()
			writesB = append(writesB, outcome{v, err})
			mu.Unlock()
		}
	})
	wg.Go(func() { // A's CRM sync
		for v := 1; !stopped(); v++ {
			if _, err := adminA.UpsertRecords(ctx, dsA.ID, recordsA(v)); err != nil {
				writeErr.Add(1)
				if s := wrongSentinel(err); s != "" {
					problem("A's sync %d failed with %q: %v", v, s, err)
				}
			}
		}
	})
	for g := range 3 {
		wg.Go(func() { // A reads
			for i := 0; !stopped(); i++ {
				reads.Add(1)
				if (g+i)%2 == 0 {
					m, err := adminA.Matrix(ctx, "org-b")
					if err != nil {
						if readErrs.Add(1) < 3 {
							t.Logf("Matrix: %v", err)
						}
						if s := wrongSentinel(err); s != "" {
							problem("Matrix failed with %q: %v", s, err)
						}
						continue
					}
					if len(m.Counts) != 1 || len(m.Counts[0]) != 1 || m.Counts[0][0] != wantOverlap {
						problem("Matrix counts %v, want [[%d]]", m.Counts, wantOverlap)
					}
					continue
				}
				rep, err := adminA.PartnerRecords(ctx, acctmap.ReportSpec{Partner: "org-b", PartnerPopulation: popB.ID})
				if err != nil {
					readErrs.Add(1)
					if s := wrongSentinel(err); s != "" {
						problem("PartnerRecords failed with %q: %v", s, err)
					}
					continue
				}
				vers := map[string]int{}
				for _, row := range rep.Rows {
					for k, c := range rep.Columns {
						switch c {
						case "partner.name":
							if strings.HasPrefix(row.Values[k], "Secret") {
								problem("a private record reached the partner: %q", row.Values[k])
							}
						case "partner.ver":
							vers[row.Values[k]]++
						}
					}
				}
				if len(rep.Rows) != wantShared || len(vers) != 1 {
					problem("PartnerRecords: %d rows of versions %v, want %d rows of one version", len(rep.Rows), vers, wantShared)
				}
			}
		})
	}
	terminations, ended := 0, 0
	deadline := time.After(4 * time.Second)
	tick := time.NewTicker(150 * time.Millisecond)
loop:
	for {
		select {
		case <-deadline:
			break loop
		case <-tick.C:
		}
		rows, err := admin.Query(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid()`, app)
		if err != nil {
			t.Errorf("terminate: %v", err)
			break
		}
		for rows.Next() {
			ended++
		}
		rows.Close()
		terminations++
	}
	tick.Stop()
	close(stop)
	wg.Wait()
	for _, p := range problems {
		t.Error(p)
	}

	// What B's records hold now is the last acknowledged sync, or a later
	// one whose commit was reported unknown.
	rec := must[acctmap.Record](t, "Record")(adminB.Record(ctx, dsB.ID, "b1"))
	final, _ := strconv.Atoi(rec.Fields["ver"])
	lastAcked := 0
	for _, o := range writesB {
		if o.err == nil {
			lastAcked = o.ver
		}
	}
	switch {
	case final == lastAcked:
	case final > lastAcked && errors.Is(writesB[final-1].err, pgstore.ErrCommitUnknown):
	default:
		t.Errorf("B's records hold sync %d; the last acknowledged was %d, and sync %d reported %v", final, lastAcked, final, writesB[max(final-1, 0)].err)
	}
	for _, id := range secret {
		if r := must[acctmap.Record](t, "Record")(adminB.Record(ctx, dsB.ID, id)); !r.Private || r.Fields["ver"] != rec.Fields["ver"] {
			t.Errorf("record %s: private %v, ver %q; want private, ver %q", id, r.Private, r.Fields["ver"], rec.Fields["ver"])
		}
	}
	if ended == 0 {
		t.Fatalf("%d terminations ended no connection: the test proves nothing", terminations)
	}
	t.Logf("%d terminations ended %d connections; %d of B's syncs (%d failed writes in all), %d reads (%d failed)",
		terminations, ended, len(writesB), writeErr.Load(), reads.Load(), readErrs.Load())
}
