package private_test

import (
	"context"
	"fmt"
	"math/bits"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
	"github.com/acctmap/acctmap/private"
)

// deployment is one org's data in a real Network: the data source and its
// populations, imported through the public API.
type deployment struct {
	net   *acctmap.Network
	store *memstore.Store
	actor *acctmap.Actor
	org   string
	ds    acctmap.DataSource
	pops  []acctmap.Population
	// partnerView: this side plays the partner in the in-process
	// reference, which matches only its records in a population.
	partnerView bool
}

// pair is two partner orgs in one Network, "ini" and "res": the
// in-process reference for the private protocol.
type pair struct {
	store    *memstore.Store
	net      *acctmap.Network
	ini, res *deployment
}

func newPair(t *testing.T) *pair {
	t.Helper()
	ctx := context.Background()
	st := memstore.New()
	n := acctmap.New(st)
	p := &pair{store: st, net: n}
	mk := func(org string) *deployment {
		if _, err := n.CreateOrg(ctx, acctmap.Org{ID: org, Name: org}); err != nil {
			t.Fatal(err)
		}
		if _, err := n.AddUser(ctx, acctmap.User{ID: org + "-admin", OrgID: org, Name: org, Role: acctmap.RoleAdmin}); err != nil {
			t.Fatal(err)
		}
		return &deployment{net: n, store: st, actor: n.As(org + "-admin"), org: org}
	}
	p.ini, p.res = mk("ini"), mk("res")
	p.res.partnerView = true
	if _, err := p.ini.actor.Invite(ctx, "res"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.res.actor.Accept(ctx, "ini"); err != nil {
		t.Fatal(err)
	}
	return p
}

// pushed creates a pushed data source with records and one custom
// population per filter field "p0".."p<npops-1>" (value "1").
func (d *deployment) pushed(t *testing.T, recs []acctmap.RecordInput, npops int) {
	t.Helper()
	ctx := context.Background()
	ds, err := d.actor.CreateDataSource(ctx, acctmap.NewDataSource{Name: d.org + " CRM", Kind: acctmap.PushedSource})
	if err != nil {
		t.Fatal(err)
	}
	d.ds = ds
	if _, err := d.actor.UpsertRecords(ctx, ds.ID, recs); err != nil {
		t.Fatal(err)
	}
	for k := 0; k < npops; k++ {
		pop, err := d.actor.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Custom,
			Name:   fmt.Sprintf("%s pop %d", d.org, k),
			Filter: acctmap.Filter{All: []acctmap.Condition{{Field: fmt.Sprintf("p%d", k), Op: acctmap.Equals, Value: "1"}}}})
		if err != nil {
			t.Fatal(err)
		}
		d.pops = append(d.pops, pop)
	}
}

// side reads the data source's keys from the store, independently of
// SideFrom (which TestSideFrom checks against it), and its populations.
func (d *deployment) side(t *testing.T, reveal bool) private.Side {
	t.Helper()
	var s private.Side
	for _, p := range d.pops {
		s.Populations = append(s.Populations, private.Population{Slot: p.Slot, Name: p.Name, RevealMatches: reveal})
	}
	err := d.store.View(context.Background(), func(tx acctmap.ReadTx) error {
		return tx.RecordKeys(d.ds.ID, func(r *acctmap.Record) error {
			if d.partnerView && r.Populations == 0 {
				// In no population: a partner's matching never sees it.
				return nil
			}
			pr := private.Record{ID: r.ID, Domains: slices.Clone(r.Domains), Mask: r.Populations, Private: r.Private}
			if !r.RegistrationID.IsZero() {
				pr.RegID = r.RegistrationID.Scheme + ":" + r.RegistrationID.Value
			}
			s.Records = append(s.Records, pr)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// inProcess returns acctmap's matrix of ini against res, as
// [ini population name][res population name].
func (p *pair) inProcess(t *testing.T) map[[2]string]int64 {
	t.Helper()
	m, err := p.ini.actor.Matrix(context.Background(), "res")
	if err != nil {
		t.Fatal(err)
	}
	out := map[[2]string]int64{}
	for i, r := range m.Rows {
		for j, c := range m.Cols {
			out[[2]string{r.Name, c.Name}] = m.Counts[i][j]
		}
	}
	return out
}

// run runs one session over an in-memory connection and returns both
// sides' results.
func run(t *testing.T, ini private.InitiatorConfig, res private.ResponderConfig) (*private.Result, *private.Result) {
	t.Helper()
	r, err := private.NewResponder(res)
	if err != nil {
		t.Fatalf("NewResponder: %v", err)
	}
	ir, rr, ierr, rerr := runWith(r, ini)
	if ierr != nil || rerr != nil {
		t.Fatalf("session: initiator: %v; responder: %v", ierr, rerr)
	}
	return ir, rr
}

func runWith(r *private.Responder, ini private.InitiatorConfig) (ir, rr *private.Result, ierr, rerr error) {
	a, b := net.Pipe()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		rr, rerr = r.Serve(ctx, b)
		b.Close()
	}()
	ir, ierr = private.Initiate(ctx, a, ini)
	a.Close()
	<-done
	return
}

// oracle computes, in the clear, both the private protocol's counts and
// acctmap's component counts from two sides' records.
type oracle struct {
	xs, ys []oacct
}

type oacct struct {
	doms, regs map[string]bool
	schemes    map[string]bool
	mask       uint64
	records    []string
}

func resolve(s private.Side) []oacct {
	parent := map[int]int{}
	var find func(int) int
	find = func(i int) int {
		if p, ok := parent[i]; ok && p != i {
			r := find(p)
			parent[i] = r
			return r
		}
		return i
	}
	owner := map[string]int{}
	for i, r := range s.Records {
		if r.Private {
			continue
		}
		keys := []string{}
		for _, d := range r.Domains {
			keys = append(keys, "d"+d)
		}
		if r.RegID != "" {
			keys = append(keys, "r"+r.RegID)
		}
		for _, k := range keys {
			if j, ok := owner[k]; ok {
				a, b := find(i), find(j)
				if a != b {
					parent[a] = b
				}
			} else {
				owner[k] = i
			}
		}
	}
	var slots uint64
	for _, p := range s.Populations {
		slots |= 1 << p.Slot
	}
	idx := map[int]int{}
	var out []oacct
	for i, r := range s.Records {
		if r.Private || (len(r.Domains) == 0 && r.RegID == "") {
			continue
		}
		root := find(i)
		k, ok := idx[root]
		if !ok {
			k = len(out)
			idx[root] = k
			out = append(out, oacct{doms: map[string]bool{}, regs: map[string]bool{}, schemes: map[string]bool{}})
		}
		a := &out[k]
		a.mask |= r.Mask & slots
		a.records = append(a.records, r.ID)
		for _, d := range r.Domains {
			a.doms[d] = true
		}
		if r.RegID != "" {
			a.regs[r.RegID] = true
			a.schemes[strings.SplitN(r.RegID, ":", 2)[0]] = true
		}
	}
	return out
}

func newOracle(x, y private.Side) *oracle { return &oracle{xs: resolve(x), ys: resolve(y)} }

// matches is acctmap's rule: a shared registration id, or a shared domain
// when no scheme is on both sides.
func matches(x, y *oacct) bool {
	for r := range x.regs {
		if y.regs[r] {
			return true
		}
	}
	for s := range x.schemes {
		if y.schemes[s] {
			return false
		}
	}
	for d := range x.doms {
		if y.doms[d] {
			return true
		}
	}
	return false
}

// private returns the protocol's semantics: [x slot][y slot] the number
// of x accounts matching a y account of that slot.
func (o *oracle) private() map[[2]int]int64 {
	out := map[[2]int]int64{}
	for i := range o.xs {
		var my uint64
		for j := range o.ys {
			if matches(&o.xs[i], &o.ys[j]) {
				my |= o.ys[j].mask
			}
		}
		for mx := o.xs[i].mask; mx != 0; mx &= mx - 1 {
			for m := my; m != 0; m &= m - 1 {
				out[[2]int{bits.TrailingZeros64(mx), bits.TrailingZeros64(m)}]++
			}
		}
	}
	return out
}

// components returns acctmap's semantics (connected components of
// matches, masks ORed over each) and how many components hold two or
// more x accounts.
func (o *oracle) components() (map[[2]int]int64, int) {
	n := len(o.xs) + len(o.ys)
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	linked := make([]bool, n)
	for i := range o.xs {
		for j := range o.ys {
			if matches(&o.xs[i], &o.ys[j]) {
				a, b := find(i), find(len(o.xs)+j)
				parent[a] = b
				linked[i], linked[len(o.xs)+j] = true, true
			}
		}
	}
	type comp struct {
		mx, my uint64
		nx     int
	}
	comps := map[int]*comp{}
	for i := 0; i < n; i++ {
		if !linked[i] {
			continue
		}
		r := find(i)
		c := comps[r]
		if c == nil {
			c = &comp{}
			comps[r] = c
		}
		if i < len(o.xs) {
			c.mx |= o.xs[i].mask
			c.nx++
		} else {
			c.my |= o.ys[i-len(o.xs)].mask
		}
	}
	out := map[[2]int]int64{}
	multi := 0
	for _, c := range comps {
		if c.nx > 1 {
			multi++
		}
		for mx := c.mx; mx != 0; mx &= mx - 1 {
			for m := c.my; m != 0; m &= m - 1 {
				out[[2]int{bits.TrailingZeros64(mx), bits.TrailingZeros64(m)}]++
			}
		}
	}
	return out, multi
}

// bySlot turns a private matrix into [row slot][col slot] counts.
func bySlot(m private.Matrix) map[[2]int]int64 {
	out := map[[2]int]int64{}
	for i, r := range m.Rows {
		for j, c := range m.Cols {
			if m.Counts[i][j] != 0 {
				out[[2]int{r.Slot, c.Slot}] = m.Counts[i][j]
			}
		}
	}
	return out
}

// slotsByName maps population names to slots for two sides.
func nameToSlot(s private.Side) map[string]int {
	out := map[string]int{}
	for _, p := range s.Populations {
		out[p.Name] = p.Slot
	}
	return out
}
