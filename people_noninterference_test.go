package acctmap_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
)

// The non-interference test extended to people (issue 16). observe calls
// observePeople, which reads V's people outputs: the people matrix and the
// people × accounts matrix with every partner, and the report of every
// cell of both with P (errors included). In TestNonInterference the
// networks have no people and these outputs are empty matrices and
// errors, which must not change either; TestNonInterferencePeople adds
// people data sources to V and P (niPeople) and changes, besides what
// TestNonInterference changes, what V may not see of P's people:
//
//   - values of fields P shares with V in no rule (Secret, Note);
//   - people of P in no population visible to V, and P's private people:
//     their addresses, names and new ones;
//   - record ids where no rule of P for V shares "id";
//   - spellings of addresses that keep their key ("Ann <ann@x>", case,
//     mailto:) where no rule shares "email", and of names where no rule
//     shares "name";
//   - people populations P hides from V, and P's rules for Q.
//
// Its twins: a visible change to P's people shows, and a store that hands
// the Network P's private people as public ones is caught.

// observePeople adds V's people outputs to an observation.
func (w *niNet) observePeople(a *acctmap.Actor, add func(string, any, error)) {
	w.t.Helper()
	var mine []acctmap.PopulationInfo
	for _, partner := range []string{niP, niQ, niS, w.offP, "nobody"} {
		pm, err := a.PeopleMatrix(w.ctx, partner)
		add("PeopleMatrix "+partner, pm, err)
		pa, err := a.PeopleAtPartnerAccounts(w.ctx, partner)
		add("PeopleAtPartnerAccounts "+partner, pa, err)
		if partner != niP {
			continue
		}
		mine = pm.Rows
		for _, row := range mine {
			for _, col := range pm.Cols {
				rep, err := a.PeopleReport(w.ctx, acctmap.ReportSpec{Partner: niP, Population: row.ID, PartnerPopulation: col.ID})
				add("PeopleReport "+row.Name+" "+col.ID, rep, err)
			}
			for _, col := range pa.Cols {
				spec := acctmap.ReportSpec{Partner: niP, Population: row.ID, PartnerPopulation: col.ID, Sort: []acctmap.SortKey{{Column: "match.key", Desc: true}}}
				rep, err := a.PeopleAtPartnerAccountsReport(w.ctx, spec)
				add("PeopleAtPartnerAccountsReport "+row.Name+" "+col.ID, rep, err)
			}
		}
		for _, col := range pm.Cols {
			rep, err := a.PartnerRecords(w.ctx, acctmap.ReportSpec{Partner: niP, PartnerPopulation: col.ID})
			add("PartnerRecords people "+col.ID, rep, err)
		}
	}
}

// niPeople is the people of one random network: a people data source of
// V's and one of P's, with populations and P's rules for V.
type niPeople struct {
	w         *niNet
	vDS, pDS  acctmap.DataSource
	pPops     []acctmap.Population
	rulesForV map[string]acctmap.SharingRule
	recs      map[string]*niPerson // P's people, by record id
	vRecs     map[string]*niPerson // V's
}

// niPerson is one of P's people as the generator wrote it.
type niPerson struct {
	in      acctmap.RecordInput
	person  int // index in niPersonNames: the e-mail key
	private bool
}

// People: first names, each at a company of niNames (the domains of
// niWebsite, so that people × accounts finds some) or at Gmail.
var niPersonNames = []string{"ann", "bob", "cy", "dee", "eli", "fay", "gus", "hal", "ivy", "jo", "kai", "lu"}

// niEmail spells person p's address in one of several forms with one key.
func niEmail(p, form int) string {
	name := niPersonNames[p]
	host := fmt.Sprintf("co%d%s", p%len(niNames), niTLDs[(p%len(niNames))%len(niTLDs)])
	if p%5 == 4 {
		host = "gmail.com"
		if form%2 == 1 {
			name = name[:1] + "." + name[1:] // Gmail ignores dots
		}
	}
	addr := name + "@" + host
	switch form % 4 {
	case 1:
		return strings.ToUpper(name[:1]) + name[1:] + "@" + strings.ToUpper(host)
	case 2:
		return fmt.Sprintf("%q <%s>", "Person "+name, addr)
	case 3:
		return "mailto:" + addr
	}
	return addr
}

func (pp *niPeople) newPerson(org string, stage string) *niPerson {
	w := pp.w
	p := w.rnd.IntN(len(niPersonNames))
	r := &niPerson{person: p, in: acctmap.RecordInput{ID: w.id(org + "-person"), Email: niEmail(p, w.rnd.IntN(4)),
		Name: []string{"Ann", "ANN", "Ann L."}[w.rnd.IntN(3)] + " " + niPersonNames[p],
		Fields: map[string]string{"Stage": stage, "title": fmt.Sprintf("title-%d", w.rnd.IntN(3)),
			"Secret": fmt.Sprintf("secret-%d", w.rnd.IntN(1000)), "Note": fmt.Sprintf("note %d", w.rnd.IntN(1000))}}}
	if p%5 == 4 && w.rnd.IntN(2) == 0 {
		r.in.Website = niWebsite(p%len(niNames), 0) // a free-mail address with its company's website
	}
	return r
}

func (pp *niPeople) upsert(org string, ds acctmap.DataSource, recs ...*niPerson) {
	w := pp.w
	w.t.Helper()
	in := make([]acctmap.RecordInput, len(recs))
	for i, r := range recs {
		in[i] = r.in
		if ds.ID == pp.pDS.ID {
			pp.recs[r.in.ID] = r
		} else {
			pp.vRecs[r.in.ID] = r
		}
	}
	sum, err := w.admin(org).UpsertRecords(w.ctx, ds.ID, in)
	w.must(err, "UpsertRecords people")
	if sum.Rejected > 0 {
		w.t.Fatalf("UpsertRecords people rejected %v", sum.Rejections)
	}
}

func (pp *niPeople) population(org string, ds acctmap.DataSource, kind acctmap.PopulationKind) acctmap.Population {
	w := pp.w
	w.t.Helper()
	var vals []string
	for _, s := range niStages {
		if w.rnd.IntN(2) == 0 {
			vals = append(vals, s)
		}
	}
	if len(vals) == 0 {
		vals = []string{w.stage()}
	}
	spec := acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: kind, Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Stage", Op: acctmap.In, Values: vals}}}}
	if kind == acctmap.Custom {
		spec.Name = w.id("people pop")
	}
	p, err := w.admin(org).CreatePopulation(w.ctx, spec)
	w.must(err, "CreatePopulation people")
	return p
}

// randomPeopleRule is randomRule for people: "email" among the fields a
// rule may share; Secret and Note never.
func (pp *niPeople) randomRule() acctmap.SharingRule {
	w := pp.w
	levels := []acctmap.ShareLevel{acctmap.Hidden, acctmap.CountsOnly, acctmap.OverlappingRecords, acctmap.FullPopulation}
	r := acctmap.SharingRule{Level: levels[w.rnd.IntN(len(levels))]}
	if r.Level == acctmap.OverlappingRecords || r.Level == acctmap.FullPopulation {
		for _, f := range []string{"name", "id", "email", "title", "Stage"} {
			if w.rnd.IntN(2) == 0 {
				r.Fields = append(r.Fields, f)
			}
		}
		if len(r.Fields) == 0 {
			r.Fields = []string{"title"}
		}
	}
	return r
}

// addPeople gives a network's V and P people data sources, populations,
// rules and private people.
func addPeople(w *niNet) *niPeople {
	w.t.Helper()
	pp := &niPeople{w: w, rulesForV: map[string]acctmap.SharingRule{}, recs: map[string]*niPerson{}, vRecs: map[string]*niPerson{}}
	mk := func(org string) acctmap.DataSource {
		ds, err := w.admin(org).CreateDataSource(w.ctx, acctmap.NewDataSource{Name: w.id("people"), Kind: acctmap.PushedSource, Subject: acctmap.People})
		w.must(err, "CreateDataSource people")
		return ds
	}
	pp.vDS, pp.pDS = mk(niV), mk(niP)
	for _, side := range []struct {
		org string
		ds  acctmap.DataSource
	}{{niV, pp.vDS}, {niP, pp.pDS}} {
		var recs []*niPerson
		for range 4 + w.rnd.IntN(8) {
			recs = append(recs, pp.newPerson(side.org, w.stage()))
		}
		pp.upsert(side.org, side.ds, recs...)
	}
	kinds := []acctmap.PopulationKind{acctmap.Leads, acctmap.Contacts, acctmap.CustomerContacts, acctmap.Custom}
	for i := range 1 + w.rnd.IntN(2) {
		pp.population(niV, pp.vDS, kinds[i])
	}
	for i := range 1 + w.rnd.IntN(3) {
		p := pp.population(niP, pp.pDS, kinds[i])
		pp.pPops = append(pp.pPops, p)
		r := pp.randomRule()
		w.must(w.admin(niP).SetShareRule(w.ctx, p.ID, niV, r), "people rule for V")
		w.must(w.admin(niP).SetShareRule(w.ctx, p.ID, niQ, pp.randomRule()), "people rule for Q")
		pp.rulesForV[p.ID] = r
	}
	for _, id := range pp.ids() {
		if w.rnd.IntN(6) == 0 {
			_, err := w.admin(niP).SetPrivate(w.ctx, pp.pDS.ID, []string{id}, true)
			w.must(err, "SetPrivate person")
			pp.recs[id].private = true
		}
	}
	return pp
}

func (pp *niPeople) ids() []string {
	ids := make([]string, 0, len(pp.recs))
	for id := range pp.recs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// seenOf says what V may see of P's person id.
func (pp *niPeople) seenOf(id string) (visible bool, fields map[string]bool) {
	w := pp.w
	r, err := w.admin(niP).Record(w.ctx, pp.pDS.ID, id)
	w.must(err, "Record person")
	fields = map[string]bool{}
	if r.Private {
		return false, fields
	}
	for _, p := range pp.pPops {
		rule := pp.rulesForV[p.ID]
		if rule.Level == acctmap.Hidden || r.Populations&(1<<uint(p.Slot)) == 0 {
			continue
		}
		visible = true
		for _, f := range rule.Fields {
			fields[f] = true
		}
	}
	return visible, fields
}

// mutateInvisible makes one random change to P's people that V may not
// see, or returns "".
func (pp *niPeople) mutateInvisible() string {
	w := pp.w
	w.t.Helper()
	ids := pp.ids()
	id := ids[w.rnd.IntN(len(ids))]
	r := pp.recs[id]
	switch w.rnd.IntN(7) {
	case 0:
		r.in.Fields["Secret"], r.in.Fields["Note"] = w.id("changed secret"), w.id("changed note")
		pp.upsert(niP, pp.pDS, r)
		return "unshared fields of person " + id
	case 1:
		if visible, _ := pp.seenOf(id); visible {
			return ""
		}
		r.person = (r.person + 1) % len(niPersonNames)
		r.in.Email, r.in.Name = niEmail(r.person, 0), "Someone Else"
		r.in.Fields["title"] = w.id("new title")
		pp.upsert(niP, pp.pDS, r)
		return "address and values of unseen person " + id
	case 2:
		n := pp.newPerson(niP, niDormant)
		pp.upsert(niP, pp.pDS, n)
		if visible, _ := pp.seenOf(n.in.ID); visible {
			_, err := w.admin(niP).DeleteRecords(w.ctx, pp.pDS.ID, []string{n.in.ID})
			w.must(err, "DeleteRecords person")
			delete(pp.recs, n.in.ID)
			return ""
		}
		return "new dormant person " + n.in.ID
	case 3:
		n := pp.newPerson(niP, w.stage())
		pp.upsert(niP, pp.pDS, n)
		_, err := w.admin(niP).SetPrivate(w.ctx, pp.pDS.ID, []string{n.in.ID}, true)
		w.must(err, "SetPrivate person")
		n.private = true
		return "new private person " + n.in.ID
	case 4:
		if _, f := pp.seenOf(id); f["id"] || r.private {
			return ""
		}
		_, err := w.admin(niP).DeleteRecords(w.ctx, pp.pDS.ID, []string{id})
		w.must(err, "DeleteRecords person")
		delete(pp.recs, id)
		r.in.ID = w.id("renamed person")
		pp.upsert(niP, pp.pDS, r)
		return "id of person " + id
	case 5:
		_, f := pp.seenOf(id)
		if f["email"] && f["name"] {
			return ""
		}
		if !f["email"] {
			r.in.Email = niEmail(r.person, w.rnd.IntN(4))
		}
		if !f["name"] {
			r.in.Name = w.id("respelled")
		}
		pp.upsert(niP, pp.pDS, r)
		return "spelling of person " + id
	case 6:
		if len(pp.pPops) < 3 {
			p := pp.population(niP, pp.pDS, acctmap.Custom)
			w.must(w.admin(niP).SetShareRule(w.ctx, p.ID, niV, acctmap.SharingRule{Level: acctmap.Hidden}), "hide people")
			pp.pPops = append(pp.pPops, p)
			pp.rulesForV[p.ID] = acctmap.SharingRule{Level: acctmap.Hidden}
			return "new hidden people population " + p.Name
		}
		p := pp.pPops[w.rnd.IntN(len(pp.pPops))]
		w.must(w.admin(niP).SetShareRule(w.ctx, p.ID, niQ, pp.randomRule()), "people rule for Q")
		return "people rule for Q on " + p.Name
	}
	return ""
}

// mutateVisible makes a change to P's people that V sees, or returns "".
// sure says the change must show: a new person V has in a population may
// still be released as "fewer than" by P's count policy.
func (pp *niPeople) mutateVisible() (what string, sure bool) {
	w := pp.w
	w.t.Helper()
	switch w.rnd.IntN(2) {
	case 0: // a person V has in a population, new in one V sees of P's
		for _, pop := range pp.pPops {
			if pp.rulesForV[pop.ID].Level == acctmap.Hidden {
				continue
			}
			for _, vid := range sortedPersonIDs(pp.vRecs) {
				v := pp.vRecs[vid]
				if rec, err := w.admin(niV).Record(w.ctx, pp.vDS.ID, vid); err != nil || rec.Populations == 0 {
					continue
				}
				if slices.ContainsFunc(pp.ids(), func(id string) bool { return pp.recs[id].person == v.person }) {
					continue
				}
				n := pp.newPerson(niP, pop.Filter.All[0].Values[0])
				n.person, n.in.Email = v.person, niEmail(v.person, 0)
				pp.upsert(niP, pp.pDS, n)
				return "new visible person " + n.in.ID, false
			}
		}
	case 1: // a rule for V that shows or hides a population
		p := pp.pPops[w.rnd.IntN(len(pp.pPops))]
		old, r := pp.rulesForV[p.ID], pp.randomRule()
		if (old.Level == acctmap.Hidden) == (r.Level == acctmap.Hidden) {
			return "", false
		}
		w.must(w.admin(niP).SetShareRule(w.ctx, p.ID, niV, r), "people rule for V")
		pp.rulesForV[p.ID] = r
		return "people rule for V on " + p.Name, true
	}
	return "", false
}

func sortedPersonIDs(m map[string]*niPerson) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func TestNonInterferencePeople(t *testing.T) {
	t.Parallel()
	n := niNetworks(t, 400)
	changed, positives, unseen := 0, 0, 0
	for seed := range uint64(n) {
		w := newNINet(t, seed, memstore.New())
		pp := addPeople(w)
		pPops := slices.Clone(w.pops[niP])
		before := w.observe(pPops)
		var did []string
		for range 1 + w.rnd.IntN(4) {
			d := ""
			if w.rnd.IntN(3) == 0 {
				d = w.mutateInvisible()
			} else {
				d = pp.mutateInvisible()
			}
			if d != "" {
				did = append(did, d)
			}
		}
		after := w.observe(pPops)
		if !bytes.Equal(before, after) {
			t.Fatalf("seed %d: V's view changed after %q:\n%s", seed, did, niDiff(before, after))
		}
		if seed%4 == 0 {
			w.reopen()
			if cold := w.observe(pPops); !bytes.Equal(before, cold) {
				t.Fatalf("seed %d: V's view, from cold caches, changed after %q:\n%s", seed, did, niDiff(before, cold))
			}
		}
		changed += len(did)
		if d, sure := pp.mutateVisible(); d != "" {
			positives++
			if bytes.Equal(after, w.observe(pPops)) {
				if sure {
					t.Fatalf("seed %d: V's view did not change after %s: the test cannot see a change", seed, d)
				}
				unseen++
			}
		}
	}
	t.Logf("%d networks with people, %d invisible changes, %d visible ones (%d not shown by a count policy)", n, changed, positives, unseen)
	if unseen > positives/4 {
		t.Errorf("%d of %d visible changes did not show", unseen, positives)
	}
	if positives < n/4 {
		t.Errorf("only %d visible changes in %d networks: the positive twin tests too little", positives, n)
	}
}

// TestNonInterferencePeopleCatchesLeaks: P's new private people with V's
// addresses, on a store that hands them over as public, must show.
func TestNonInterferencePeopleCatchesLeaks(t *testing.T) {
	t.Parallel()
	caught := 0
	for seed := range uint64(100) {
		w := newNINet(t, seed, leakyStore{memstore.New()})
		pp := addPeople(w)
		pPops := slices.Clone(w.pops[niP])
		before := w.observe(pPops)
		for p := range niPersonNames {
			for _, stage := range niStages {
				n := pp.newPerson(niP, stage)
				n.person, n.in.Email = p, niEmail(p, 0)
				pp.upsert(niP, pp.pDS, n)
				_, err := w.admin(niP).SetPrivate(w.ctx, pp.pDS.ID, []string{n.in.ID}, true)
				w.must(err, "SetPrivate person")
			}
		}
		w.reopen()
		if !bytes.Equal(before, w.observe(pPops)) {
			caught++
		}
	}
	if caught == 0 {
		t.Fatal("a store that leaks private people went unnoticed in 100 networks")
	}
	t.Logf("the leak showed in %d of 100 networks", caught)
}
