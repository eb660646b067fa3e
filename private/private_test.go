package private_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/private"
	"github.com/google/go-cmp/cmp"
)

// genRecords draws n records of companies from a universe of u: a
// website, sometimes an alias (sometimes another company's domain, which
// merges accounts), sometimes a registration id (sometimes a wrong one,
// which vetoes a domain match), and membership of npops populations.
func genRecords(r *rand.Rand, prefix string, n, u, npops int, messy float64) []acctmap.RecordInput {
	out := make([]acctmap.RecordInput, n)
	for i := range out {
		c := r.IntN(u)
		// One name for every record: names are out of the protocol's
		// scope, and names that disagree on one domain would make it an
		// umbrella for acctmap (see the package doc).
		_ = c
		in := acctmap.RecordInput{ID: fmt.Sprintf("%s%05d", prefix, i), Name: "Company", Fields: map[string]string{}}
		switch x := r.Float64(); {
		case messy == 0:
			in.Website = fmt.Sprintf("co%d.com", c) // one key per company: nothing links two accounts
		case x < 0.05:
			// no website: a registration id only, or nothing
		case x < 0.15:
			in.Website = fmt.Sprintf("https://www.co%d-alt.io/about", c)
		default:
			in.Website = fmt.Sprintf("co%d.com", c)
		}
		if r.Float64() < messy {
			in.Aliases = []string{fmt.Sprintf("co%d.com", r.IntN(u))}
		}
		if r.Float64() < messy/2 {
			in.Aliases = append(in.Aliases, fmt.Sprintf("co%d-alt.io", c))
		}
		switch x := r.Float64(); {
		case x < 0.15:
			in.RegistrationID = acctmap.RegistrationID{Scheme: "duns", Value: fmt.Sprintf("%09d", c)}
		case x < 0.15+messy/2:
			in.RegistrationID = acctmap.RegistrationID{Scheme: "duns", Value: fmt.Sprintf("%09d", r.IntN(u))}
		case x < 0.25+messy/2:
			in.RegistrationID = acctmap.RegistrationID{Scheme: "vat", Value: fmt.Sprintf("EU%d", c)}
		}
		for k := 0; k < npops; k++ {
			if r.Float64() < 0.5 {
				in.Fields[fmt.Sprintf("p%d", k)] = "1"
			}
		}
		out[i] = in
	}
	return out
}

// TestRandomAgainstNetwork builds two orgs in a real Network from random
// data, reads their keys from the store, runs the protocol and checks:
// the clear-text oracle of acctmap's semantics equals Actor.Matrix (so the
// oracle is right); the protocol equals the oracle of its own documented
// semantics; and the two agree whenever no account of the responder links
// two of the initiator's (the documented difference).
func TestRandomAgainstNetwork(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		nx, ny, u  int
		px, py     int
		messy      float64
		wantNoDiff bool
	}{
		{"clean", 300, 400, 500, 3, 2, 0, true},
		{"aliases and ids", 400, 300, 400, 2, 4, 0.2, false},
		{"dense", 500, 500, 200, 4, 3, 0.1, false},
		{"one population each", 200, 200, 150, 1, 1, 0.05, false},
	}
	for ci, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(uint64(ci), 17))
			p := newPair(t)
			p.ini.pushed(t, genRecords(r, "x", tc.nx, tc.u, tc.px, tc.messy), tc.px)
			p.res.pushed(t, genRecords(r, "y", tc.ny, tc.u, tc.py, tc.messy), tc.py)
			xs, ys := p.ini.side(t, false), p.res.side(t, false)
			o := newOracle(xs, ys)
			comps, multi := o.components()
			// The oracle of acctmap's semantics is acctmap.
			inproc := p.inProcess(t)
			xslot, yslot := nameToSlot(xs), nameToSlot(ys)
			got := map[[2]int]int64{}
			for k, v := range inproc {
				if v != 0 {
					got[[2]int{xslot[k[0]], yslot[k[1]]}] = v
				}
			}
			if d := cmp.Diff(comps, got); d != "" {
				t.Fatalf("oracle of components vs Actor.Matrix (-oracle +acctmap):\n%s", d)
			}
			ir, rr := run(t, private.InitiatorConfig{Side: xs},
				private.ResponderConfig{Side: ys, FalsePositiveRate: 1e-9})
			want := o.private()
			if d := cmp.Diff(want, bySlot(ir.Matrix)); d != "" {
				t.Errorf("protocol vs its oracle (-want +got):\n%s", d)
			}
			if d := cmp.Diff(ir.Matrix.Counts, rr.Matrix.Counts); d != "" {
				t.Errorf("initiator and responder disagree (-ini +res):\n%s", d)
			}
			if multi == 0 {
				if d := cmp.Diff(got, bySlot(ir.Matrix)); d != "" {
					t.Errorf("no linking component, yet protocol != Actor.Matrix (-acctmap +protocol):\n%s", d)
				}
			}
			if tc.wantNoDiff && multi != 0 {
				t.Errorf("%d components link several initiator accounts in the clean case", multi)
			}
			t.Logf("%d accounts × %d, %d linking components; session %s; %d+%d bytes",
				len(o.xs), len(o.ys), multi, ir.SessionID, ir.Stats.Sent.Total(), rr.Stats.Sent.Total())
		})
	}
}

// TestRandomSeeds repeats the comparison on many small random networks,
// with some of the responder's records private (acctmap leaves them out
// of the initiator's view; the protocol never sends them).
func TestRandomSeeds(t *testing.T) {
	t.Parallel()
	for seed := uint64(0); seed < 20; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(seed, 99))
			u := 20 + r.IntN(80)
			p := newPair(t)
			px, py := 1+r.IntN(3), 1+r.IntN(3)
			p.ini.pushed(t, genRecords(r, "x", 10+r.IntN(60), u, px, r.Float64()*0.3), px)
			yrecs := genRecords(r, "y", 10+r.IntN(60), u, py, r.Float64()*0.3)
			p.res.pushed(t, yrecs, py)
			var priv []string
			for _, rec := range yrecs {
				if r.IntN(5) == 0 {
					priv = append(priv, rec.ID)
				}
			}
			if _, err := p.res.actor.SetPrivate(context.Background(), p.res.ds.ID, priv, true); err != nil {
				t.Fatal(err)
			}
			xs, ys := p.ini.side(t, false), p.res.side(t, false)
			o := newOracle(xs, ys)
			comps, multi := o.components()
			xslot, yslot := nameToSlot(xs), nameToSlot(ys)
			got := map[[2]int]int64{}
			for k, v := range p.inProcess(t) {
				if v != 0 {
					got[[2]int{xslot[k[0]], yslot[k[1]]}] = v
				}
			}
			if d := cmp.Diff(comps, got); d != "" {
				t.Fatalf("oracle of components vs Actor.Matrix (-oracle +acctmap):\n%s", d)
			}
			ir, _ := run(t, private.InitiatorConfig{Side: xs}, private.ResponderConfig{Side: ys, FalsePositiveRate: 1e-9})
			if d := cmp.Diff(o.private(), bySlot(ir.Matrix)); d != "" {
				t.Errorf("protocol vs its oracle (-want +got):\n%s", d)
			}
			if multi == 0 {
				if d := cmp.Diff(got, bySlot(ir.Matrix)); d != "" {
					t.Errorf("protocol vs Actor.Matrix (-acctmap +protocol):\n%s", d)
				}
			}
			t.Logf("%d × %d accounts, %d private, %d linking components", len(o.xs), len(o.ys), len(priv), multi)
		})
	}
}
