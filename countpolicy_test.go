package acctmap_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
	"github.com/google/go-cmp/cmp"
)

// The count policy against the three probes of issue 11: a one-record
// population read against the owner's, two populations that differ by
// one record, and a population edited and read again. B owns the data; A
// probes whether B has the account "target" (target.com) in its
// Customers, shared at counts only.

// probeNet is A and B with B's customers, and with or without the target.
type probeNet struct {
	net        *acctmap.Network
	a, b       *acctmap.Actor
	dsA, dsB   acctmap.DataSource
	customersB acctmap.Population
	clock      *atomic.Int64 // seconds since the epoch of the network's clock
}

func newProbeNet(t *testing.T, targetPresent bool, others int, policy acctmap.CountPolicy) *probeNet {
	t.Helper()
	ctx := context.Background()
	p := &probeNet{clock: &atomic.Int64{}}
	p.clock.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix())
	p.net = acctmap.New(memstore.New(), acctmap.WithClock(func() time.Time { return time.Unix(p.clock.Load(), 0) }))
	for _, org := range []string{"a", "b"} {
		_, err := p.net.CreateOrg(ctx, acctmap.Org{ID: org, Name: org})
		mustDo(t, "CreateOrg", err)
		_, err = p.net.AddUser(ctx, acctmap.User{ID: org, OrgID: org, Name: org, Role: acctmap.RoleAdmin})
		mustDo(t, "AddUser", err)
	}
	p.a, p.b = p.net.As("a"), p.net.As("b")
	must[acctmap.Partnership](t, "Invite")(p.a.Invite(ctx, "b"))
	must[acctmap.Partnership](t, "Accept")(p.b.Accept(ctx, "a"))
	p.dsA = must[acctmap.DataSource](t, "ds A")(p.a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "A", Kind: acctmap.PushedSource}))
	p.dsB = must[acctmap.DataSource](t, "ds B")(p.b.CreateDataSource(ctx, acctmap.NewDataSource{Name: "B", Kind: acctmap.PushedSource}))
	var recs []acctmap.RecordInput
	for i := range others {
		recs = append(recs, acctmap.RecordInput{ID: fmt.Sprint("b", i), Name: fmt.Sprint("Other ", i), Website: fmt.Sprintf("other%d.com", i)})
	}
	if targetPresent {
		recs = append(recs, acctmap.RecordInput{ID: "bt", Name: "Target", Website: "target.com"})
	}
	if len(recs) > 0 {
		must[acctmap.ImportSummary](t, "UpsertRecords")(p.b.UpsertRecords(ctx, p.dsB.ID, recs))
	}
	p.customersB = must[acctmap.Population](t, "Customers")(p.b.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: p.dsB.ID, Kind: acctmap.Customers}))
	mustDo(t, "SetCountPolicy", p.b.SetCountPolicy(ctx, "a", policy))
	return p
}

// probePopulation gives A a population of its records on these sites.
func (p *probeNet) probePopulation(t *testing.T, name string, sites ...string) acctmap.Population {
	t.Helper()
	ctx := context.Background()
	var recs []acctmap.RecordInput
	for _, s := range sites {
		recs = append(recs, acctmap.RecordInput{ID: name + "-" + s, Name: s, Website: s, Fields: map[string]string{"Probe": name}})
	}
	must[acctmap.ImportSummary](t, "UpsertRecords")(p.a.UpsertRecords(ctx, p.dsA.ID, recs))
	return must[acctmap.Population](t, "probe")(p.a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: p.dsA.ID, Kind: acctmap.Custom,
		Name: name, Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Probe", Op: acctmap.Equals, Value: name}}}}))
}

// cell reads A's matrix with B: the cell of A's population row against
// B's Customers, and how it was released.
func (p *probeNet) cell(t *testing.T, row acctmap.Population) (int64, acctmap.CountRelease, []byte) {
	t.Helper()
	m := must[acctmap.OverlapMatrix](t, "Matrix")(p.a.Matrix(context.Background(), "b"))
	i := slices.IndexFunc(m.Rows, func(r acctmap.PopulationInfo) bool { return r.ID == row.ID })
	rel := acctmap.CountExact
	if m.Release != nil {
		rel = m.Release[i][0]
	}
	// What the counts say (the populations' ids differ between networks).
	b, err := json.Marshal([]any{m.Counts, m.HiddenFromPartner, m.Release, m.Policy})
	mustDo(t, "json", err)
	return m.Counts[i][0], rel, b
}

func sites(prefix string, n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("%s%d.com", prefix, i))
	}
	return out
}

// Probe 1: a one-record population reads 1 or 0.
func TestCountProbeOneRecord(t *testing.T) {
	t.Parallel()
	read := func(present bool, policy acctmap.CountPolicy) []byte {
		p := newProbeNet(t, present, 50, policy)
		_, _, b := p.cell(t, p.probePopulation(t, "probe", "target.com"))
		return b
	}
	// Without a policy the probe works: that is what exact counts reveal.
	if d := cmp.Diff(read(true, acctmap.CountPolicy{}), read(false, acctmap.CountPolicy{})); d == "" {
		t.Fatal("without a count policy, the one-record probe tells nothing: the test proves nothing")
	}
	// A threshold: identical outputs.
	threshold := acctmap.CountPolicy{MinCellSize: 5}
	if d := cmp.Diff(read(true, threshold), read(false, threshold)); d != "" {
		t.Errorf("policy %+v: the one-record probe tells present from absent (-present +absent):\n%s", threshold, d)
	}
	// Noise: outputs the best test cannot tell apart beyond the bound of
	// the budget (one cell released).
	noisy := acctmap.CountPolicy{Epsilon: 0.1, Budget: 0.1, Period: 24 * time.Hour}
	checkDP(t, "one-record probe", noisy.Budget, func(present bool) bool {
		p := newProbeNet(t, present, 50, noisy)
		c, _, _ := p.cell(t, p.probePopulation(t, "probe", "target.com"))
		return c >= 1 // the best guess: present when the count reads 1 or more
	})
}

// checkDP runs a probe on networks with and without the target (guess
// says whether the probe thinks it present) and fails if it is right more
// often than differential privacy at total cost eps allows: e^ε/(1+e^ε),
// with four standard deviations of slack.
func checkDP(t *testing.T, what string, eps float64, guess func(present bool) bool) {
	t.Helper()
	const trials = 400
	right := 0
	for k := range trials {
		present := k%2 == 0
		if guess(present) == present {
			right++
		}
	}
	bound := math.Exp(eps) / (1 + math.Exp(eps))
	slack := 4 * math.Sqrt(bound*(1-bound)/trials)
	if acc := float64(right) / trials; acc > bound+slack {
		t.Errorf("%s: right %d of %d times (%.3f), above the bound %.3f + %.3f for ε %v", what, right, trials, acc, bound, slack, eps)
	}
	t.Logf("%s: right %d of %d times (bound %.3f)", what, right, trials, bound)
}

// Probe 2: two populations that differ by one record. With small counts
// (3 vs 2), the threshold makes the outputs identical. With large counts
// (20 vs 21), noise makes present and absent indistinguishable at the
// budget: the best test of the two readings does no better than the
// documented bound, where without noise it is always right.
func TestCountProbeDifferencing(t *testing.T) {
	t.Parallel()
	t.Run("small counts, threshold", func(t *testing.T) {
		t.Parallel()
		read := func(present bool) []byte {
			p := newProbeNet(t, present, 50, acctmap.CountPolicy{MinCellSize: 5})
			base := append(sites("other", 2), "nobody1.com", "nobody2.com")
			p.probePopulation(t, "p1", base...)
			_, _, b := p.cell(t, p.probePopulation(t, "p2", append(base, "target.com")...))
			return b
		}
		if d := cmp.Diff(read(true), read(false)); d != "" {
			t.Errorf("3 vs 2 under a threshold of 5 tells present from absent (-present +absent):\n%s", d)
		}
	})
	t.Run("large counts, noise", func(t *testing.T) {
		t.Parallel()
		// Two cells released, each at Epsilon: the attacker's total cost
		// is the budget.
		policy := acctmap.CountPolicy{Epsilon: 0.05, Budget: 0.1, Period: 24 * time.Hour}
		probe := func(pol acctmap.CountPolicy) func(bool) bool {
			return func(present bool) bool {
				p := newProbeNet(t, present, 20, pol)
				c1, _, _ := p.cell(t, p.probePopulation(t, "p1", sites("other", 20)...))
				c2, _, _ := p.cell(t, p.probePopulation(t, "p2", append(sites("other", 20), "target.com")...))
				return c2 > c1
			}
		}
		exact := probe(acctmap.CountPolicy{})
		if !exact(true) || exact(false) {
			t.Fatal("without noise the differencing probe is wrong: the test proves nothing")
		}
		checkDP(t, "differencing probe", policy.Budget, probe(policy))
	})
}

// Probe 3: a population edited and read again. Reading a cell again
// returns the same noisy count: averaging re-reads learns nothing. Each
// edit makes a new cell, which spends the budget; once spent, new cells
// are withheld until the period ends.
func TestCountProbeEditAndReread(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	policy := acctmap.CountPolicy{Epsilon: 0.5, Budget: 2, Period: 24 * time.Hour}
	p := newProbeNet(t, true, 30, policy)
	probe := p.probePopulation(t, "probe", sites("other", 10)...)
	first, rel, _ := p.cell(t, probe)
	if rel != acctmap.CountNoisy {
		t.Fatalf("release %v, want noisy", rel)
	}
	for range 20 {
		if again, _, _ := p.cell(t, probe); again != first {
			t.Fatalf("a re-read gave %d, the first read %d: re-reads would average the noise away", again, first)
		}
	}
	// Each edit is a new cell: four cells at 0.5 spend the budget of 2
	// (the first read was one of them), and the fifth is withheld.
	var rels []acctmap.CountRelease
	for k := range 4 {
		_, err := p.a.UpdatePopulation(ctx, probe.ID, acctmap.PopulationSpec{Name: "probe", Filter: acctmap.Filter{All: []acctmap.Condition{
			{Field: "Probe", Op: acctmap.Equals, Value: "probe"}, {Field: "name", Op: acctmap.NotEquals, Value: fmt.Sprintf("other%d.com", k)}}}})
		mustDo(t, "UpdatePopulation", err)
		c, rel, _ := p.cell(t, probe)
		rels = append(rels, rel)
		if rel == acctmap.CountReleasedWithheld && c != -1 {
			t.Errorf("a withheld cell reads %d, want -1", c)
		}
	}
	want := []acctmap.CountRelease{acctmap.CountNoisy, acctmap.CountNoisy, acctmap.CountNoisy, acctmap.CountReleasedWithheld}
	if d := cmp.Diff(want, rels); d != "" {
		t.Errorf("releases after edits (-want +got):\n%s", d)
	}
	// Cells released before stay readable once the budget is spent.
	org := must[acctmap.Org](t, "Org")(p.net.Org(ctx, "b"))
	if l := org.CountLedgers["a"]; len(l.Released) != 4 || math.Abs(l.Spent-2) > 1e-9 {
		t.Errorf("ledger %+v, want 4 cells and 2 spent", l)
	}
	// A new period brings a new budget.
	p.clock.Add(int64(25 * time.Hour / time.Second))
	if _, rel, _ := p.cell(t, probe); rel != acctmap.CountNoisy {
		t.Errorf("after the period: release %v, want noisy", rel)
	}
}

// Without a policy counts are exact, and so are the cells of populations
// shared at a record level under one: their reports show the rows anyway.
func TestCountPolicyScope(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newProbeNet(t, true, 10, acctmap.CountPolicy{MinCellSize: 50})
	probe := p.probePopulation(t, "probe", "target.com", "other1.com")
	c, rel, _ := p.cell(t, probe)
	if c != -1 || rel != acctmap.CountReleasedBelow {
		t.Errorf("counts only under a threshold of 50: %d (%v), want -1, below", c, rel)
	}
	m := must[acctmap.OverlapMatrix](t, "Matrix")(p.a.Matrix(ctx, "b"))
	if m.HiddenFromPartner[0][0] != -1 || m.Policy.MinCellSize != 50 {
		t.Errorf("HiddenFromPartner %v, Policy %+v: want -1 where the count is not released, and the policy shown", m.HiddenFromPartner, m.Policy)
	}
	mustDo(t, "share", p.b.SetShareRule(ctx, p.customersB.ID, "a", acctmap.ShareRule{Level: acctmap.OverlappingRecords, Fields: []string{"name"}}))
	if c, rel, _ := p.cell(t, probe); c != 2 || rel != acctmap.CountExact {
		t.Errorf("record-level population: %d (%v), want the exact 2", c, rel)
	}
	// B's own view of A is not under B's policy.
	mb := must[acctmap.OverlapMatrix](t, "Matrix")(p.b.Matrix(ctx, "a"))
	if mb.Release != nil {
		t.Errorf("B's view of A has releases %v: A has no policy", mb.Release)
	}
	// Removing the policy: exact again.
	mustDo(t, "SetCountPolicy", p.b.SetCountPolicy(ctx, "a", acctmap.CountPolicy{}))
	mustDo(t, "share", p.b.SetShareRule(ctx, p.customersB.ID, "a", acctmap.ShareRule{Level: acctmap.CountsOnly}))
	if c, rel, _ := p.cell(t, probe); c != 2 || rel != acctmap.CountExact {
		t.Errorf("without a policy: %d (%v), want the exact 2", c, rel)
	}
}

func TestCountPolicyValidation(t *testing.T) {
	t.Parallel()
	p := newProbeNet(t, false, 1, acctmap.CountPolicy{})
	for _, bad := range []acctmap.CountPolicy{
		{MinCellSize: -1},
		{MinCellSize: 10_000_000},
		{Epsilon: -0.1},
		{Epsilon: math.NaN()},
		{Epsilon: 0.5}, // no budget
		{Epsilon: 0.5, Budget: 0.1, Period: time.Hour}, // budget below epsilon
		{Epsilon: 0.5, Budget: 1, Period: time.Minute}, // period too short
		{Budget: 1}, // a budget without noise
	} {
		wantErr(t, fmt.Sprintf("SetCountPolicy(%+v)", bad), p.b.SetCountPolicy(context.Background(), "a", bad), acctmap.ErrInvalidInput)
	}
	wantErr(t, "a read-only user", p.net.As("nobody").SetCountPolicy(context.Background(), "a", acctmap.CountPolicy{MinCellSize: 5}), acctmap.ErrPermissionDenied)
}
