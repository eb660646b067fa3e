package pgstore

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/storetest"
)

// restartEnv turns TestRestart on. It stops and starts the PostgreSQL
// cluster the tests use, which fails every other test using it meanwhile:
// run it alone, e.g. as its own CI step:
//
//	ACCTMAP_TEST_PG_RESTART=1 go test -run '^TestRestart$' ./pgstore
//
// It needs ACCTMAP_TEST_POSTGRES_DSN, root (pg_ctlcluster), and
// ACCTMAP_TEST_PG_CLUSTER naming the cluster behind the DSN, "version
// name" ("15 main" by default).
const restartEnv = "ACCTMAP_TEST_PG_RESTART"

// restartCluster controls the cluster behind the test DSN.
type restartCluster struct {
	t         *testing.T
	ver, name string
	dsn       string
}

func (c *restartCluster) ctl(action string, args ...string) error {
	cmd := exec.Command("pg_ctlcluster", append([]string{"--skip-systemctl-redirect", c.ver, c.name, action}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctlcluster %s %s %s %s: %v: %s", c.ver, c.name, action, strings.Join(args, " "), err, out)
	}
	return nil
}

// stop stops the cluster in a mode: fast (transactions rolled back,
// sessions ended) or immediate (a crash: recovery on the next start).
func (c *restartCluster) stop(mode string) {
	c.t.Helper()
	if err := c.ctl("stop", "-m", mode); err != nil {
		c.t.Fatal(err)
	}
}

// start starts the cluster and waits until it takes connections.
func (c *restartCluster) start() {
	c.t.Helper()
	if err := c.ensureRunning(); err != nil {
		c.t.Fatal(err)
	}
}

func (c *restartCluster) ensureRunning() error {
	if err := c.ctl("status"); err != nil {
		if err := c.ctl("start"); err != nil {
			return err
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		conn, err := pgx.Connect(ctx, c.dsn)
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(ctx)
		}
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the cluster does not take connections 60 s after starting: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestRestart stops and starts the database under a Store: between calls
// (the pool recovers and the data is all there) and in the middle of a
// 50,000-row import (the import fails, the previous content is intact, and the
// next import works), with a clean stop and with a crash. The cluster is
// left running whatever happens.
func TestRestart(t *testing.T) {
	if os.Getenv(restartEnv) != "1" {
		t.Skip("set ACCTMAP_TEST_PG_RESTART=1 to stop and start the PostgreSQL cluster (run alone: it fails other tests meanwhile)")
	}
	dsn := testDSN(t)
	if os.Geteuid() != 0 {
		t.Skip("TestRestart runs pg_ctlcluster: run it as root")
	}
	if _, err := exec.LookPath("pg_ctlcluster"); err != nil {
		t.Skip("TestRestart needs pg_ctlcluster")
	}
	vn := strings.Fields(cmp.Or(os.Getenv("ACCTMAP_TEST_PG_CLUSTER"), "15 main"))
	if len(vn) != 2 {
		t.Fatalf("ACCTMAP_TEST_PG_CLUSTER=%q: want \"version name\"", os.Getenv("ACCTMAP_TEST_PG_CLUSTER"))
	}
	c := &restartCluster{t: t, ver: vn[0], name: vn[1], dsn: dsn}
	c.start()

	s := openTest(t)
	// Registered after openTest's, so it runs before them: the schema is
	// dropped on a running cluster.
	t.Cleanup(func() {
		if err := c.ensureRunning(); err != nil {
			t.Errorf("restarting the cluster after the test: %v", err)
		}
	})

	ctx := context.Background()
	fs := storetest.NewFaultStore(s)
	net := acctmap.New(fs)
	_, err := net.CreateOrg(ctx, acctmap.Org{ID: "acme", Name: "Acme"})
	restartNoErr(t, "CreateOrg", err)
	_, err = net.AddUser(ctx, acctmap.User{ID: "ann", OrgID: "acme", Name: "Ann", Role: acctmap.RoleAdmin})
	restartNoErr(t, "AddUser", err)
	ann := net.As("ann")
	ds, err := ann.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Upload"})
	restartNoErr(t, "CreateDataSource", err)
	imp := acctmap.CSVImport{Mapping: csvsource.Mapping{Name: "Company", Website: "Website", ID: "Id"}, FileName: "accounts.csv"}
	const rows = 50_000
	_, err = ann.ImportCSV(ctx, ds.ID, restartCSV("a", rows), imp)
	restartNoErr(t, "ImportCSV", err)
	_, err = ann.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Customers,
		Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Stage", Op: acctmap.Equals, Value: "Customer"}}}})
	restartNoErr(t, "CreatePopulation", err)
	counting, err := ann.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Counting"})
	restartNoErr(t, "CreateDataSource", err)
	_, err = ann.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: counting.ID, Kind: acctmap.Custom, Name: "All"})
	restartNoErr(t, "CreatePopulation", err)
	before := restartDump(t, s)

	for _, mode := range []string{"fast", "immediate"} {
		t.Run("between calls/"+mode, func(t *testing.T) {
			c.t = t
			t0 := time.Now()
			c.stop(mode)
			t.Logf("stopped in %v", time.Since(t0))
			// Down: calls fail, promptly, with an error.
			t0 = time.Now()
			callCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
			_, err := ann.DataSources(callCtx, "")
			cancel()
			if err == nil {
				t.Error("a call with the database down succeeded")
			}
			t.Logf("a call with the database down failed in %v: %v", time.Since(t0), err)
			t0 = time.Now()
			c.start()
			t.Logf("started in %v", time.Since(t0))
			// Back: the pool replaces its dead connections; the first call
			// works, and the data is all there.
			if _, err := ann.DataSources(ctx, ""); err != nil {
				t.Errorf("the first call after the restart: %v", err)
			}
			if d := before.Diff(restartDump(t, s)); d != "" {
				t.Errorf("the data after the restart differs (-before +after):\n%s", d)
			}
		})
	}

	t.Run("between calls under load", func(t *testing.T) {
		// Calls every 10 ms while the database restarts: the pool's
		// connections are in use, so it does not ping them before handing
		// them out. Once the database is back, each dead connection may
		// fail one call; after that, every call works.
		c.t = t
		stop := make(chan struct{})
		type result struct {
			at  time.Time
			err error
		}
		results := make(chan result, 10000)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				case <-time.After(10 * time.Millisecond):
				}
				callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
				at := time.Now()
				_, err := ann.DataSources(callCtx, "")
				cancel()
				results <- result{at, err}
			}
		}()
		time.Sleep(200 * time.Millisecond)
		c.stop("fast")
		c.start()
		up := time.Now()
		time.Sleep(500 * time.Millisecond)
		close(stop)
		<-done
		close(results)
		failed, after, lastFail := 0, 0, -1
		for r := range results {
			if r.at.Before(up) {
				continue
			}
			if r.err != nil {
				failed++
				lastFail = after
				t.Logf("a call after the restart failed: %v", r.err)
			}
			after++
		}
		maxConns := int(s.pool.Config().MaxConns)
		if failed > maxConns || after == 0 || lastFail == after-1 {
			t.Errorf("after the restart, %d of %d calls failed (the last failing: %d); want at most one per pooled connection (%d), then none",
				failed, after, lastFail, maxConns)
		}
		t.Logf("after the restart, %d of %d calls failed (pool of %d connections)", failed, after, maxConns)
	})

	for _, mode := range []string{"fast", "immediate"} {
		t.Run("during an import/"+mode, func(t *testing.T) {
			c.t = t
			// Find the import's ReplaceRecords call: an import into another
			// data source makes the same calls.
			fs.Reset()
			_, err := ann.ImportCSV(ctx, counting.ID, restartCSV("c", 10), imp)
			restartNoErr(t, "a small import to count calls", err)
			ops := fs.Ops()
			before := restartDump(t, s)
			n := 0
			for i, op := range ops {
				if op == "Tx.ReplaceRecords" {
					n = i + 1
				}
			}
			if n == 0 {
				t.Fatalf("no Tx.ReplaceRecords among the import's calls: %v", fs.Ops())
			}
			// The Update has read the data source and its records; the
			// database stops before the new records are written.
			fs.HookAt(n, func(storetest.Call) {
				if err := c.ctl("stop", "-m", mode); err != nil {
					t.Error(err)
				}
			})
			_, err = ann.ImportCSV(ctx, ds.ID, restartCSV("b", rows), imp)
			if _, hit := fs.Injected(); !hit {
				t.Fatal("the import did not reach ReplaceRecords")
			}
			if err == nil {
				t.Error("the import interrupted by the stop succeeded")
			} else {
				t.Logf("the interrupted import: %v", err)
			}
			c.start()
			if d := before.Diff(restartDump(t, s)); d != "" {
				t.Errorf("the interrupted import changed the data (-before +after):\n%.3000s", d)
			}
			// And the same import works now.
			sum, err := ann.ImportCSV(ctx, ds.ID, restartCSV("b", rows), imp)
			restartNoErr(t, "the import after the restart", err)
			if sum.Accepted != rows {
				t.Errorf("the import after the restart accepted %d rows, want %d", sum.Accepted, rows)
			}
		})
	}
}

// restartCSV returns a CSV of n accounts whose ids start with prefix.
func restartCSV(prefix string, n int) *strings.Reader {
	var b strings.Builder
	b.Grow(n * 60)
	b.WriteString("Id,Company,Website,Stage\n")
	for i := range n {
		fmt.Fprintf(&b, "%s%07d,Company %d,company%d.com,%s\n", prefix, i, i, i, []string{"Customer", "Prospect"}[i%2])
	}
	return strings.NewReader(b.String())
}

// restartDump is a cheap full comparison for many records: the
// snapshot of everything but the records, and the records' count and a
// digest of their content.
type restartSnapshot struct {
	meta    storetest.Snapshot
	records map[string]string
}

func (a restartSnapshot) Diff(b restartSnapshot) string {
	if d := a.meta.Diff(b.meta); d != "" {
		return d
	}
	for ds, digest := range a.records {
		if b.records[ds] != digest {
			return fmt.Sprintf("records of %s: %s, then %s", ds, digest, b.records[ds])
		}
	}
	return ""
}

func restartDump(t *testing.T, s acctmap.Store) restartSnapshot {
	t.Helper()
	snap := restartSnapshot{records: map[string]string{}}
	err := s.View(context.Background(), func(tx acctmap.ReadTx) error {
		orgs, err := tx.Orgs()
		if err != nil {
			return err
		}
		snap.meta.Orgs = orgs
		for _, o := range orgs {
			users, err := tx.Users(o.ID)
			if err != nil {
				return err
			}
			snap.meta.Users = append(snap.meta.Users, users...)
			dss, err := tx.DataSources(o.ID)
			if err != nil {
				return err
			}
			snap.meta.DataSources = append(snap.meta.DataSources, dss...)
			pops, err := tx.Populations(o.ID)
			if err != nil {
				return err
			}
			snap.meta.Populations = append(snap.meta.Populations, pops...)
			for _, d := range dss {
				var n int
				var sum uint64
				err := tx.Records(d.ID, func(r *acctmap.Record) error {
					n++
					for _, v := range []string{r.ID, r.Name, r.Website, r.NameKey, r.Fields["Stage"], fmt.Sprint(r.Populations, r.Private)} {
						sum += fnv(v)
					}
					return nil
				})
				if err != nil {
					return err
				}
				snap.records[d.ID] = fmt.Sprintf("%d records, digest %x", n, sum)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("dump: %v", err)
	}
	return snap
}

// fnv is FNV-1a, summed over records so that their order does not matter.
func fnv(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func restartNoErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
