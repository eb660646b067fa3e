package private_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/private"
)

// SideFrom reads, through the public API, the very side the tests read
// from the store: every record of the initiator, the responder's records in
// a listed population, their keys, membership and private marks; and the
// protocol on those sides gives acctmap's own matrix on clean data.
func TestSideFrom(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(7, 7))
	p := newPair(t)
	p.ini.pushed(t, genRecords(r, "x", 300, 500, 3, 0), 3)
	p.res.pushed(t, genRecords(r, "y", 400, 500, 2, 0), 2)
	ids := func(d *deployment) []string {
		var out []string
		for _, pop := range d.pops {
			out = append(out, pop.ID)
		}
		return out
	}
	byID := func(s private.Side) private.Side {
		slices.SortFunc(s.Records, func(a, b private.Record) int { return strings.Compare(a.ID, b.ID) })
		return s
	}
	xs, err := private.SideFrom(ctx, p.ini.actor, private.SideSpec{DataSource: p.ini.ds.ID, Populations: ids(p.ini), Partner: "res"})
	if err != nil {
		t.Fatal(err)
	}
	ys, err := private.SideFrom(ctx, p.res.actor, private.SideSpec{DataSource: p.res.ds.ID, Populations: ids(p.res), Partner: "ini", Responder: true})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(byID(p.ini.side(t, false)), byID(xs)); d != "" {
		t.Errorf("initiator's side (-store +SideFrom):\n%s", d)
	}
	if d := cmp.Diff(byID(p.res.side(t, false)), byID(ys)); d != "" {
		t.Errorf("responder's side (-store +SideFrom):\n%s", d)
	}
	ir, _ := run(t, private.InitiatorConfig{Side: xs}, private.ResponderConfig{Side: ys, FalsePositiveRate: 1e-9})
	want := map[[2]int]int64{}
	xslot, yslot := nameToSlot(xs), nameToSlot(ys)
	for k, v := range p.inProcess(t) {
		if v != 0 {
			want[[2]int{xslot[k[0]], yslot[k[1]]}] = v
		}
	}
	if d := cmp.Diff(want, bySlot(ir.Matrix)); d != "" {
		t.Errorf("protocol on SideFrom's sides vs Actor.Matrix (-acctmap +protocol):\n%s", d)
	}

	// The owner's sharing rules decide: a record-level rule lets the
	// second phase reveal matches, a hidden population is refused.
	mustRule := func(pop acctmap.Population, level acctmap.ShareLevel, fields ...string) {
		t.Helper()
		if err := p.res.actor.SetShareRule(ctx, pop.ID, "ini", acctmap.SharingRule{Level: level, Fields: fields}); err != nil {
			t.Fatal(err)
		}
	}
	mustRule(p.res.pops[0], acctmap.OverlappingRecords, "name")
	ys, err = private.SideFrom(ctx, p.res.actor, private.SideSpec{DataSource: p.res.ds.ID, Populations: ids(p.res), Partner: "ini", Responder: true})
	if err != nil {
		t.Fatal(err)
	}
	if !ys.Populations[0].RevealMatches || ys.Populations[1].RevealMatches {
		t.Errorf("RevealMatches %v, %v; want true for the population shared at record level only", ys.Populations[0].RevealMatches, ys.Populations[1].RevealMatches)
	}
	mustRule(p.res.pops[1], acctmap.Hidden)
	_, err = private.SideFrom(ctx, p.res.actor, private.SideSpec{DataSource: p.res.ds.ID, Populations: ids(p.res), Partner: "ini", Responder: true})
	if !errors.Is(err, acctmap.ErrInvalidInput) {
		t.Errorf("a hidden population listed: %v, want ErrInvalidInput", err)
	}
	// Only the acting user's own data: the partner's data source and
	// population are not found, as for an unknown id.
	_, err = private.SideFrom(ctx, p.ini.actor, private.SideSpec{DataSource: p.res.ds.ID, Populations: ids(p.res)[:1], Partner: "res"})
	if !errors.Is(err, acctmap.ErrNotFound) {
		t.Errorf("another org's population: %v, want ErrNotFound", err)
	}
	_, err = private.SideFrom(ctx, p.ini.actor, private.SideSpec{DataSource: p.res.ds.ID, Partner: "res"})
	if !errors.Is(err, acctmap.ErrNotFound) {
		t.Errorf("another org's data source: %v, want ErrNotFound", err)
	}
	_, err = private.SideFrom(ctx, p.ini.actor, private.SideSpec{DataSource: p.ini.ds.ID, Populations: ids(p.res)[:1]})
	if !errors.Is(err, acctmap.ErrNotFound) {
		t.Errorf("a population of another data source: %v, want ErrNotFound", err)
	}
}
