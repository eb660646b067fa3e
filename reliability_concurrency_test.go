package acctmap_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/memstore"
	"github.com/acctmap/acctmap/normalize"
	"github.com/acctmap/acctmap/pgstore"
)

// TestConcurrentSerializable runs many goroutines over four partnered orgs,
// on memstore and on pgstore: per org, a writer of its data (CRM syncs by
// upserts and full replaces, CSV imports, sharing rules, private marks), two
// partnership churners racing each other on one pair (revoke, re-invite,
// accept), and three readers of matrices, ecosystems, cell reports, partner
// records, account mappings and partner population lists. Every sync or
// import writes one version number into the "ver" field of every record of
// its data source.
//
// A logging Store (logStore) numbers the commits in their serial order and
// tells each View how many of them it sees. Then:
//
//   - no read is torn: a report or partner listing never shows two
//     versions of one data source;
//   - a serial replay of the committed operations, in commit order, on a
//     copy of the starting state gives every operation the same result, and
//     every read, made at the point of the order it saw by a fresh Network
//     (cold index caches), the same result (counts, rows, errors) as it got
//     concurrently: reads are consistent with the serial order, whatever
//     the index caches did meanwhile;
//   - the final state equals the replay's (storetest.Dump).
//
// On pgstore, writes run in SERIALIZABLE transactions that PostgreSQL
// retries, and the matrices are pushed down to SQL: the replay, on
// memstore, checks both against the in-memory engine.
//
// ACCTMAP_TEST_CONCURRENCY_ROUNDS sets the operations per goroutine (default 25).
func TestConcurrentSerializable(t *testing.T) {
	t.Parallel()
	for _, ts := range testStores {
		t.Run(ts.name, func(t *testing.T) {
			t.Parallel()
			var store acctmap.Store
			if ts.name == "pgstore" {
				// Every two Updates conflict on the commit counter: enough
				// attempts that none gives up, which the replay could not
				// reproduce.
				store = openPGWith(t, pgstore.WithMaxAttempts(1000))
			} else {
				store = ts.open(t)
			}
			testConcurrentSerializable(t, store)
		})
	}
}

func testConcurrentSerializable(t *testing.T, store acctmap.Store) {
	ctx := context.Background()
	rounds := 25
	if v, err := strconv.Atoi(os.Getenv("ACCTMAP_TEST_CONCURRENCY_ROUNDS")); err == nil && v > 0 {
		rounds = v
	}
	norm := normalize.New()
	newNet := func(s acctmap.Store) *acctmap.Network {
		return acctmap.New(s, acctmap.WithClock(constClock()), acctmap.WithNormalizer(norm))
	}

	// The starting state, built serially.
	start := memstore.New()
	cw := buildConcWorld(t, newNet(start))
	base := snapshot(t, start)

	ls := &logStore{Store: store}
	mustDo(t, "restore", restore(ctx, ls.Store, base))
	net := newNet(ls)

	var (
		mu  sync.Mutex
		ops []*concOp
	)
	run := func(op *concOp) {
		op.res, op.err = op.do(context.WithValue(ctx, concOpKey{}, op), net)
		mu.Lock()
		ops = append(ops, op)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for i := range cw.orgs {
		me, next := cw.orgs[i], cw.orgs[(i+1)%len(cw.orgs)]
		seed := uint64(i)
		wg.Go(func() { // data: CRM syncs, CSV imports, sharing rules, private marks
			r := rand.New(rand.NewPCG(seed, 1))
			for v := 1; v <= 2*rounds; v++ {
				switch k := r.IntN(10); {
				case k < 3:
					run(cw.syncOp(me, v, r))
				case k < 5:
					run(cw.importOp(me, v, r))
				case k < 7:
					run(cw.privateOp(me, r))
				default:
					run(cw.sharingOp(me, cw.orgs[r.IntN(len(cw.orgs))], r))
				}
				// A read after each write caches the data source's indexes at
				// its new version, so that the next change advances them
				// incrementally, while other orgs read them concurrently.
				run(cw.readOp(me, cw.orgs[r.IntN(len(cw.orgs))], r))
			}
		})
		wg.Go(func() { // revoke, re-invite, accept
			for k := range rounds {
				run(cw.churnOp(me, next, k%3))
			}
		})
		wg.Go(func() { // the same from the other side, racing the first
			for k := range rounds {
				run(cw.churnOp(next, me, (k+1)%3))
			}
		})
		for g := range 3 {
			wg.Go(func() { // readers
				r := rand.New(rand.NewPCG(seed, uint64(4+g)))
				for range 2 * rounds {
					run(cw.readOp(me, cw.orgs[r.IntN(len(cw.orgs))], r))
				}
			})
		}
	}
	wg.Wait()

	// Sort out what committed, in commit order, and what each read saw.
	var writes []*concOp
	byPrefix := map[int64][]*concOp{}
	for _, op := range ops {
		switch {
		case op.lost:
			t.Errorf("%s: its function succeeded but the Update failed: %v", op.name, op.err)
		case op.write && op.err == nil:
			if op.commits != 1 {
				t.Fatalf("%s committed %d Updates, want 1", op.name, op.commits)
			}
			writes = append(writes, op)
		case op.write:
			if op.commits != 0 {
				t.Errorf("%s failed (%v) after committing", op.name, op.err)
			}
		default:
			if op.views != 1 {
				t.Fatalf("%s made %d Views, want 1", op.name, op.views)
			}
			byPrefix[op.prefix] = append(byPrefix[op.prefix], op)
			checkNotTorn(t, op)
		}
	}
	slices.SortFunc(writes, func(a, b *concOp) int { return int(a.seq - b.seq) })
	for i, op := range writes {
		if op.seq != int64(i+1) {
			t.Fatalf("commit order has a gap: the %d-th committed write has position %d", i+1, op.seq)
		}
	}

	// The serial replay.
	replay := memstore.New()
	mustDo(t, "restore", restore(ctx, replay, base))
	rnet := newNet(replay)
	reads := 0
	check := func(k int64) {
		// A fresh Network per point of the order: its reads build their
		// indexes from the store, so the reference owes nothing to caches.
		cold := newNet(replay)
		for _, op := range byPrefix[k] {
			reads++
			res, err := op.do(ctx, cold)
			compareConc(t, op, fmt.Sprintf("after %d commits", k), res, err)
		}
	}
	check(0)
	for _, op := range writes {
		res, err := op.do(ctx, rnet)
		compareConc(t, op, fmt.Sprintf("as commit %d", op.seq), res, err)
		check(op.seq)
	}
	final := snapshot(t, ls.Store)
	final.Orgs = slices.DeleteFunc(final.Orgs, func(o acctmap.Org) bool { return o.ID == seqOrg })
	if d := diffSnapshots(snapshot(t, replay), final); d != "" {
		t.Errorf("the final state differs from the serial replay's (-replay +concurrent):\n%s", d)
	}
	failedWrites := 0
	for _, op := range ops {
		if op.write && op.err != nil {
			failedWrites++
		}
	}
	rows := 0
	for _, op := range ops {
		if rep, ok := op.res.(acctmap.Report); ok {
			rows += len(rep.Rows)
		}
	}
	if len(writes) < 4*rounds || reads < 4*rounds || rows == 0 {
		t.Errorf("only %d writes committed, %d reads checked, %d report rows read", len(writes), reads, rows)
	}
	t.Logf("%d operations: %d writes committed, %d refused by the state of the moment, %d reads replayed (%d report rows)", len(ops), len(writes), failedWrites, reads, rows)
}

// concOp is one API call of the concurrent run.
type concOp struct {
	name  string
	write bool
	do    func(ctx context.Context, n *acctmap.Network) (any, error)

	res any
	err error
	// Set by logStore from the context.
	seq     int64 // writes: the commit's position, from 1
	prefix  int64 // reads: the commits the View saw
	commits int
	views   int
	lost    bool // fn succeeded, Update failed
}

type concOpKey struct{}

// seqOrg is the org whose name holds logStore's commit counter. No API
// call lists all orgs, so it is invisible to the operations; the final
// state is compared without it.
const seqOrg = "\x00commit-counter"

// logStore numbers commits and tells each View how many it sees, with a
// counter kept in the store itself (the name of org seqOrg), so that the
// store's own isolation orders them: every Update reads and writes it,
// just before returning to commit, so any two Updates conflict on it and
// commit in the order of their numbers (memstore runs Updates one at a
// time; PostgreSQL aborts and pgstore retries the later of two
// overlapping SERIALIZABLE transactions); every View reads it first, in
// its snapshot, which holds exactly the commits numbered up to the value
// it reads.
type logStore struct {
	acctmap.Store
}

// readSeq reads the commit counter: 0 before the first commit.
func readSeq(tx acctmap.ReadTx) (int64, error) {
	o, err := tx.Org(seqOrg)
	if errors.Is(err, acctmap.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(o.Name, 10, 64)
}

func (s *logStore) Update(ctx context.Context, fn func(tx acctmap.Tx) error) error {
	op, _ := ctx.Value(concOpKey{}).(*concOp)
	var seq int64
	err := s.Store.Update(ctx, func(tx acctmap.Tx) error {
		seq = 0 // fn may run again
		if err := fn(tx); err != nil {
			return err
		}
		n, err := readSeq(tx)
		if err != nil {
			return err
		}
		if err := tx.PutOrg(acctmap.Org{ID: seqOrg, Name: strconv.FormatInt(n+1, 10)}); err != nil {
			return err
		}
		seq = n + 1
		return nil
	})
	if op != nil {
		switch {
		case err == nil:
			op.seq = seq
			op.commits++
		case seq != 0:
			op.lost = true
		}
	}
	return err
}

func (s *logStore) View(ctx context.Context, fn func(tx acctmap.ReadTx) error) error {
	op, _ := ctx.Value(concOpKey{}).(*concOp)
	return s.Store.View(ctx, func(tx acctmap.ReadTx) error {
		if op != nil {
			// The first read of the View: PostgreSQL takes the snapshot
			// here; memstore holds its shared lock throughout.
			n, err := readSeq(tx)
			if err != nil {
				return err
			}
			op.prefix = n
			op.views++
		}
		return fn(tx)
	})
}

// compareConc checks a replayed result against the concurrent one.
func compareConc(t *testing.T, op *concOp, when string, res any, err error) {
	t.Helper()
	if errString(err) != errString(op.err) {
		t.Errorf("%s %s: the replay returned error %q, the concurrent run %q", op.name, when, errString(err), errString(op.err))
		return
	}
	if d := cmp.Diff(res, op.res, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("%s %s: the concurrent result differs from the serial replay's (-replay +concurrent):\n%s", op.name, when, d)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// checkNotTorn checks that a read shows one version of each data source.
func checkNotTorn(t *testing.T, op *concOp) {
	t.Helper()
	rep, ok := op.res.(acctmap.Report)
	if !ok || op.err != nil {
		return
	}
	for i, c := range rep.Columns {
		if !strings.HasSuffix(c, ".ver") {
			continue
		}
		vers := map[string]bool{}
		for _, r := range rep.Rows {
			vers[r.Values[i]] = true
		}
		if len(vers) > 1 {
			t.Errorf("%s: torn read: column %s shows versions %v", op.name, c, vers)
		}
	}
}

// concWorld is the starting network of the concurrency test.
type concWorld struct {
	orgs []*concOrg
}

type concOrg struct {
	id, admin     string
	crm, upload   string // data sources: pushed, CSV
	cust, pros    string // populations of crm
	uploaded      string // population of upload
	crmIDs        []string
	domainsOffset int
}

const concDomains = 40

func concDomain(i int) string { return fmt.Sprintf("shared%02d.com", i%concDomains) }

func buildConcWorld(t *testing.T, net *acctmap.Network) *concWorld {
	t.Helper()
	ctx := context.Background()
	cw := &concWorld{}
	for i := range 4 {
		o := &concOrg{id: fmt.Sprintf("org%d", i), admin: fmt.Sprintf("org%d-admin", i), domainsOffset: 7 * i}
		must[acctmap.Org](t, "CreateOrg")(net.CreateOrg(ctx, acctmap.Org{ID: o.id, Name: o.id}))
		must[acctmap.User](t, "AddUser")(net.AddUser(ctx, acctmap.User{ID: o.admin, OrgID: o.id, Name: o.admin, Role: acctmap.RoleAdmin}))
		a := net.As(o.admin)
		o.crm = must[acctmap.DataSource](t, "CreateDataSource")(a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})).ID
		o.upload = must[acctmap.DataSource](t, "CreateDataSource")(a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Upload"})).ID
		for j := range 30 {
			o.crmIDs = append(o.crmIDs, fmt.Sprintf("%s-%02d", o.id, j))
		}
		must[acctmap.ImportSummary](t, "UpsertRecords")(a.UpsertRecords(ctx, o.crm, o.crmRecords(0, rand.New(rand.NewPCG(1, 1)), len(o.crmIDs))))
		must[acctmap.ImportSummary](t, "ImportCSV")(a.ImportCSV(ctx, o.upload, strings.NewReader(o.csv(0, rand.New(rand.NewPCG(1, 2)))), concImport))
		stage := func(v string) acctmap.Filter {
			return acctmap.Filter{All: []acctmap.Condition{{Field: "Stage", Op: acctmap.Equals, Value: v}}}
		}
		o.cust = must[acctmap.Population](t, "CreatePopulation")(a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: o.crm, Kind: acctmap.Customers, Filter: stage("Customer")})).ID
		o.pros = must[acctmap.Population](t, "CreatePopulation")(a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: o.crm, Kind: acctmap.Prospects, Filter: stage("Prospect")})).ID
		o.uploaded = must[acctmap.Population](t, "CreatePopulation")(a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: o.upload, Kind: acctmap.Custom, Name: "Uploaded"})).ID
		full := acctmap.ShareRule{Level: acctmap.FullPopulation, Fields: []string{"name", "id", "ver"}}
		for _, p := range []string{o.cust, o.uploaded} {
			mustDo(t, "SetShareRule", a.SetShareRule(ctx, p, "", full))
		}
		cw.orgs = append(cw.orgs, o)
	}
	for i, x := range cw.orgs {
		for _, y := range cw.orgs[i+1:] {
			partner(t, net.As(x.admin), net.As(y.admin), y.id, x.id)
		}
	}
	// The data overlaps: a test of consistency over empty matrices
	// proves nothing.
	m := must[acctmap.OverlapMatrix](t, "Matrix")(net.As(cw.orgs[0].admin).Matrix(ctx, cw.orgs[1].id))
	if m.Counts[0][0] == 0 || m.Counts[0][2] == 0 {
		t.Fatalf("the orgs' data does not overlap: %v", m.Counts)
	}
	return cw
}

var concImport = acctmap.CSVImport{Mapping: csvsource.Mapping{Name: "Company", Website: "Website", ID: "Id"}, FileName: "upload.csv"}

// crmRecords returns the first n CRM records at version v.
func (o *concOrg) crmRecords(v int, r *rand.Rand, n int) []acctmap.RecordInput {
	var in []acctmap.RecordInput
	for j, id := range o.crmIDs[:n] {
		d := concDomain(o.domainsOffset + j)
		in = append(in, acctmap.RecordInput{ID: id, Name: "Company " + d, Website: d,
			Fields: map[string]string{"Stage": []string{"Customer", "Prospect", "Churned"}[r.IntN(3)], "ver": strconv.Itoa(v)}})
	}
	return in
}

// csv returns an upload at version v.
func (o *concOrg) csv(v int, r *rand.Rand) string {
	var b strings.Builder
	b.WriteString("Id,Company,Website,Owner,ver\n")
	for j := range 20 + r.IntN(10) {
		d := concDomain(3*j + o.domainsOffset)
		fmt.Fprintf(&b, "u%02d,Company %s,https://www.%s/,owner%d,%d\n", j, d, d, r.IntN(3), v)
	}
	return b.String()
}

func (cw *concWorld) syncOp(o *concOrg, v int, r *rand.Rand) *concOp {
	if v%4 == 0 {
		in := o.crmRecords(v, r, 20+r.IntN(len(o.crmIDs)-20))
		return &concOp{name: fmt.Sprintf("%s ReplaceRecords v%d", o.id, v), write: true,
			do: func(ctx context.Context, n *acctmap.Network) (any, error) {
				return n.As(o.admin).ReplaceRecords(ctx, o.crm, in)
			}}
	}
	// Upserting every record keeps one version in the data source even
	// after a replace dropped some.
	in := o.crmRecords(v, r, len(o.crmIDs))
	return &concOp{name: fmt.Sprintf("%s UpsertRecords v%d", o.id, v), write: true,
		do: func(ctx context.Context, n *acctmap.Network) (any, error) {
			return n.As(o.admin).UpsertRecords(ctx, o.crm, in)
		}}
}

func (cw *concWorld) importOp(o *concOrg, v int, r *rand.Rand) *concOp {
	data := o.csv(v, r)
	return &concOp{name: fmt.Sprintf("%s ImportCSV v%d", o.id, v), write: true,
		do: func(ctx context.Context, n *acctmap.Network) (any, error) {
			return n.As(o.admin).ImportCSV(ctx, o.upload, strings.NewReader(data), concImport)
		}}
}

func (cw *concWorld) sharingOp(o, p *concOrg, r *rand.Rand) *concOp {
	switch k := r.IntN(3); {
	case k == 0 && o != p:
		return &concOp{name: fmt.Sprintf("%s RemoveShareRule for %s", o.id, p.id), write: true,
			do: func(ctx context.Context, n *acctmap.Network) (any, error) {
				return nil, n.As(o.admin).RemoveShareRule(ctx, o.cust, p.id)
			}}
	}
	rules := []acctmap.ShareRule{
		{Level: acctmap.Hidden}, {Level: acctmap.CountsOnly},
		{Level: acctmap.OverlappingRecords, Fields: []string{"name", "ver"}},
		{Level: acctmap.FullPopulation, Fields: []string{"id", "ver"}},
	}
	rule := rules[r.IntN(len(rules))]
	partnerID := p.id
	if o == p {
		partnerID = "" // the default rule
	}
	pop := []string{o.cust, o.uploaded}[r.IntN(2)]
	return &concOp{name: fmt.Sprintf("%s SetShareRule %s for %q", o.id, rule.Level, partnerID), write: true,
		do: func(ctx context.Context, n *acctmap.Network) (any, error) {
			return nil, n.As(o.admin).SetShareRule(ctx, pop, partnerID, rule)
		}}
}

func (cw *concWorld) privateOp(o *concOrg, r *rand.Rand) *concOp {
	ids := []string{o.crmIDs[r.IntN(len(o.crmIDs))], o.crmIDs[r.IntN(len(o.crmIDs))]}
	private := r.IntN(3) > 0
	return &concOp{name: fmt.Sprintf("%s SetPrivate %v %v", o.id, ids, private), write: true,
		do: func(ctx context.Context, n *acctmap.Network) (any, error) {
			return n.As(o.admin).SetPrivate(ctx, o.crm, ids, private)
		}}
}

func (cw *concWorld) churnOp(o, p *concOrg, step int) *concOp {
	switch step {
	case 0:
		return &concOp{name: fmt.Sprintf("%s Revoke %s", o.id, p.id), write: true,
			do: func(ctx context.Context, n *acctmap.Network) (any, error) { return n.As(o.admin).Revoke(ctx, p.id) }}
	case 1:
		return &concOp{name: fmt.Sprintf("%s Invite %s", o.id, p.id), write: true,
			do: func(ctx context.Context, n *acctmap.Network) (any, error) { return n.As(o.admin).Invite(ctx, p.id) }}
	}
	return &concOp{name: fmt.Sprintf("%s Accept %s", p.id, o.id), write: true,
		do: func(ctx context.Context, n *acctmap.Network) (any, error) { return n.As(p.admin).Accept(ctx, o.id) }}
}

func (cw *concWorld) readOp(o, p *concOrg, r *rand.Rand) *concOp {
	read := func(name string, do func(ctx context.Context, a *acctmap.Actor) (any, error)) *concOp {
		return &concOp{name: o.id + " " + name + " " + p.id,
			do: func(ctx context.Context, n *acctmap.Network) (any, error) { return do(ctx, n.As(o.admin)) }}
	}
	switch r.IntN(7) {
	case 0:
		return read("Matrix", func(ctx context.Context, a *acctmap.Actor) (any, error) { return a.Matrix(ctx, p.id) })
	case 1:
		return read("Ecosystem", func(ctx context.Context, a *acctmap.Actor) (any, error) { return a.Ecosystem(ctx) })
	case 2:
		return read("Report", func(ctx context.Context, a *acctmap.Actor) (any, error) {
			return a.Report(ctx, acctmap.ReportSpec{Partner: p.id, Population: o.cust, PartnerPopulation: p.cust})
		})
	case 3:
		return read("Report uploads", func(ctx context.Context, a *acctmap.Actor) (any, error) {
			return a.Report(ctx, acctmap.ReportSpec{Partner: p.id, Population: o.uploaded, PartnerPopulation: p.uploaded})
		})
	case 4:
		pop := []string{p.cust, p.uploaded}[r.IntN(2)] // chosen once: the replay makes the same call
		return read("PartnerRecords", func(ctx context.Context, a *acctmap.Actor) (any, error) {
			return a.PartnerRecords(ctx, acctmap.ReportSpec{Partner: p.id, PartnerPopulation: pop})
		})
	case 5:
		return read("AccountMapping", func(ctx context.Context, a *acctmap.Actor) (any, error) { return a.AccountMapping(ctx, o.cust) })
	}
	return read("PartnerPopulations", func(ctx context.Context, a *acctmap.Actor) (any, error) { return a.PartnerPopulations(ctx, p.id) })
}
