package acctmap

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// PopulationSpec describes a population to create or update.
type PopulationSpec struct {
	DataSourceID string
	// Kind is a standard kind (Customers, Prospects, OpenOpportunities),
	// which an org has at most once and whose name is fixed, or Custom.
	// Offline partners have standard populations only.
	Kind        PopulationKind
	Name        string // required for Custom; standard kinds take their standard name
	Description string
	Filter      Filter
}

// CreatePopulation saves a population over one data source. The filter is
// validated against the data source's fields (an error names the
// condition), and membership is computed at once.
func (a *Actor) CreatePopulation(ctx context.Context, spec PopulationSpec) (Population, error) {
	var pop Population
	var sw slotWrite // the membership committed, for the cached index
	err := a.n.store.Update(ctx, func(tx Tx) error {
		_, ds, err := a.dataSourceFor(tx, ManageDataSources, spec.DataSourceID)
		if err != nil {
			return err
		}
		org, pops, err := populationContext(tx, ds)
		if err != nil {
			return err
		}
		pop = Population{ID: newID("pop"), OrgID: ds.OrgID, DataSourceID: ds.ID, CreatedAt: a.n.now()}
		pop.UpdatedAt = pop.CreatedAt
		if err := a.n.fillPopulation(&pop, spec, org, ds, pops); err != nil {
			return err
		}
		slot, err := freeSlot(pops, ds.ID)
		if err != nil {
			return err
		}
		pop.Slot = slot
		if err := tx.PutPopulation(pop); err != nil {
			return err
		}
		sw, err = a.n.computeMembers(tx, pop)
		return err
	})
	if err != nil {
		return Population{}, err
	}
	a.n.rewriteSlot(sw)
	return pop, nil
}

// UpdatePopulation changes a population's name, description and filter;
// spec.DataSourceID and spec.Kind must be empty or unchanged. Only this
// population's membership is recomputed.
func (a *Actor) UpdatePopulation(ctx context.Context, id string, spec PopulationSpec) (Population, error) {
	var pop Population
	var sw slotWrite // the membership committed, for the cached index
	err := a.n.store.Update(ctx, func(tx Tx) error {
		old, err := a.populationFor(tx, ManageDataSources, id)
		if err != nil {
			return err
		}
		if spec.DataSourceID == "" {
			spec.DataSourceID = old.DataSourceID
		}
		if spec.Kind == "" {
			spec.Kind = old.Kind
		}
		if spec.DataSourceID != old.DataSourceID || spec.Kind != old.Kind {
			return fmt.Errorf("acctmap: update population %.60q: its data source and kind cannot change: %w", old.Name, ErrInvalidInput)
		}
		ds, err := tx.DataSource(old.DataSourceID)
		if err != nil {
			return err
		}
		org, pops, err := populationContext(tx, ds)
		if err != nil {
			return err
		}
		pops = slices.DeleteFunc(pops, func(p Population) bool { return p.ID == id })
		pop = old
		pop.UpdatedAt = a.n.now()
		if err := a.n.fillPopulation(&pop, spec, org, ds, pops); err != nil {
			return err
		}
		if err := tx.PutPopulation(pop); err != nil {
			return err
		}
		sw, err = a.n.computeMembers(tx, pop)
		return err
	})
	if err != nil {
		return Population{}, err
	}
	a.n.rewriteSlot(sw)
	return pop, nil
}

// populationContext loads what a population of ds is checked against: the
// data source's org and that org's populations.
func populationContext(tx ReadTx, ds DataSource) (Org, []Population, error) {
	org, err := tx.Org(ds.OrgID)
	if err != nil {
		return Org{}, nil, err
	}
	pops, err := tx.Populations(ds.OrgID)
	return org, pops, err
}

// fillPopulation validates spec against the org, the data source and the
// org's other populations, and sets pop's name, description and filter.
func (n *Network) fillPopulation(pop *Population, spec PopulationSpec, org Org, ds DataSource, others []Population) error {
	switch spec.Kind {
	case Customers, Prospects, OpenOpportunities, Leads, Contacts, CustomerContacts:
		if err := kindFits(spec.Kind, ds); err != nil {
			return err
		}
		std := spec.Kind.StandardName()
		if name := strings.TrimSpace(spec.Name); name != "" && !strings.EqualFold(name, std) {
			return fmt.Errorf("acctmap: population: a %s population is named %.60q, not %.80q: %w", spec.Kind, std, name, ErrInvalidInput)
		}
		spec.Name = std
		for _, o := range others {
			if o.Kind == spec.Kind {
				return fmt.Errorf("acctmap: population: the org already has a %.60q population: %w", std, ErrConflict)
			}
		}
	case Custom:
		if org.Offline() {
			return fmt.Errorf("acctmap: population: custom populations are not available to offline partners; use Customers, Prospects or Open Opportunities: %w", ErrInvalidInput)
		}
	default:
		return fmt.Errorf("acctmap: population: unknown kind %.60q: %w", spec.Kind, ErrInvalidInput)
	}
	name, err := checkName("population", spec.Name)
	if err != nil {
		return err
	}
	for _, o := range others {
		if strings.EqualFold(o.Name, name) {
			return fmt.Errorf("acctmap: population: the org already has a population named %.60q: %w", o.Name, ErrConflict)
		}
	}
	if len(spec.Description) > 2000 {
		return fmt.Errorf("acctmap: population %.60q: description longer than 2000 bytes: %w", name, ErrInvalidInput)
	}
	_, canon, err := compileDataSourceFilter(spec.Filter, &ds)
	if err != nil {
		return fmt.Errorf("acctmap: population %.60q: %w", name, err)
	}
	pop.Kind, pop.Name, pop.Description, pop.Filter = spec.Kind, name, strings.TrimSpace(spec.Description), canon
	return nil
}

// freeSlot returns the lowest membership bit not used by a population of
// the data source.
func freeSlot(pops []Population, dataSourceID string) (int, error) {
	var used uint64
	for _, p := range pops {
		if p.DataSourceID == dataSourceID {
			used |= 1 << uint(p.Slot)
		}
	}
	for s := 0; s < MaxPopulationsPerDataSource; s++ {
		if used&(1<<uint(s)) == 0 {
			return s, nil
		}
	}
	return 0, fmt.Errorf("acctmap: population: a data source has at most %d populations: %w", MaxPopulationsPerDataSource, ErrLimitExceeded)
}

// computeMembers evaluates one population's filter over its data source
// and stores the membership; other populations are not touched. It
// returns the change, for rewriteSlot once committed.
func (n *Network) computeMembers(tx Tx, pop Population) (slotWrite, error) {
	ds, err := tx.DataSource(pop.DataSourceID)
	if err != nil {
		return slotWrite{}, err
	}
	prog, err := compileMembers(ds, []Population{pop})
	if err != nil {
		return slotWrite{}, err
	}
	if pushed, err := pushMembers(tx, ds, pop, prog); pushed || err != nil {
		if err != nil {
			return slotWrite{}, err
		}
		// The members stay in the store (filtersql.go): the next read
		// builds the index or pushes the matrix down.
		return slotWrite{}, n.touch(tx, ds)
	}
	ids, err := setMembers(tx, ds.ID, pop.Slot, prog)
	if err != nil {
		return slotWrite{}, err
	}
	sw := slotWrite{dataSourceID: ds.ID, from: ds.Version, slot: pop.Slot, members: ids, known: true}
	return sw, n.touch(tx, ds)
}

// assignMembership sets Populations on records about to be written to ds,
// evaluating every population of ds on these records only, in one pass.
func (n *Network) assignMembership(tx Tx, ds DataSource, recs []Record) error {
	pops, err := tx.Populations(ds.OrgID)
	if err != nil {
		return err
	}
	prog, err := compileMembers(ds, pops)
	if err != nil {
		return err
	}
	for i := range recs {
		recs[i].Populations = prog.eval(&recs[i])
	}
	return nil
}

// memberProgram evaluates the filters of populations of one data source
// over records in one pass. The filters are compiled once; a field that
// several conditions or populations name is looked up once per record (on
// first use, so a condition that fails early spares the others'), and the
// loop allocates nothing. It is not safe for concurrent use.
type memberProgram struct {
	bits    []uint64
	filters []compiled[*memberRow]
	row     memberRow
}

// memberRow is the record being evaluated and its fields read so far.
type memberRow struct {
	r      *Record
	loaded uint64   // bit i: vals[i] holds r.Fields[names[i]]
	vals   []string // by slot
	names  []string // the fields the filters name, but built-ins
	// proj, when set, holds the value of every field of names (from
	// ScanProjected or an import's columns): r.Fields is not read.
	proj []string
	typedRow
}

// maxSlots is how many distinct fields get a slot (one bit of loaded
// each); conditions on further fields read the map every time.
const maxSlots = 64

// compileMembers compiles the filters of the populations of ds among pops.
// A field a filter names that the data source no longer has (a later
// import dropped it) reads as empty.
func compileMembers(ds DataSource, pops []Population) (*memberProgram, error) {
	p := &memberProgram{}
	// Only a field that two or more conditions name gets a slot: for one
	// condition the slot's bookkeeping costs more than it saves.
	uses := map[string]int{}
	for _, pop := range pops {
		if pop.DataSourceID == ds.ID {
			fields := mergeFields(ds.Fields, filterFields(pop.Filter))
			for _, name := range filterFields(pop.Filter) {
				if canon, ok := resolveField(name, fields); ok && !isBuiltin(canon) {
					uses[canon]++
				}
			}
		}
	}
	slot, typedSlot := map[string]int{}, map[string]int{}
	for _, pop := range pops {
		if pop.DataSourceID != ds.ID {
			continue
		}
		fields := mergeFields(ds.Fields, filterFields(pop.Filter))
		resolve := func(name string) (string, func(*memberRow) string, bool) {
			canon, ok := resolveField(name, fields)
			switch {
			case !ok:
				return "", nil, false
			case isBuiltin(canon):
				return canon, func(m *memberRow) string { return fieldValue(m.r, canon) }, true
			}
			i, seen := slot[canon]
			if !seen {
				i = len(p.row.names)
				slot[canon] = i
				p.row.names = append(p.row.names, canon)
			}
			if uses[canon] < 2 || i >= maxSlots {
				return canon, func(m *memberRow) string {
					if m.proj != nil {
						return m.proj[i]
					}
					return m.r.Fields[canon]
				}, true
			}
			bit := uint64(1) << uint(i)
			return canon, func(m *memberRow) string {
				if m.proj != nil {
					return m.proj[i]
				}
				if m.loaded&bit == 0 {
					m.vals[i] = m.r.Fields[canon]
					m.loaded |= bit
				}
				return m.vals[i]
			}, true
		}
		f, _, err := compileTyped(pop.Filter, resolve, p.typer(&ds, typedSlot), func(name string) string { return unknownFieldError(name, fields) })
		if err != nil {
			if pop.Name == "" { // a preview's filter: the caller names it
				return nil, err
			}
			return nil, fmt.Errorf("acctmap: population %.60q: %w", pop.Name, err)
		}
		p.bits = append(p.bits, 1<<uint(pop.Slot))
		p.filters = append(p.filters, f)
	}
	p.row.vals = make([]string, min(len(p.row.names), maxSlots))
	return p, nil
}

// eval returns the population bits of the program's filters that r
// matches.
func (p *memberProgram) eval(r *Record) uint64 {
	p.row.r, p.row.loaded, p.row.parsed = r, 0, 0
	var m uint64
	for i := range p.filters {
		if p.filters[i].match(&p.row) {
			m |= p.bits[i]
		}
	}
	p.row.r = nil // the record is the caller's: do not pin it
	return m
}

// fields lists the fields, built-ins left out, that the program's filters
// read: the projection evalProjected takes the values of.
func (p *memberProgram) fields() []string { return p.row.names }

// evalProjected is eval on a record whose values of p.fields() are vals
// (r.Fields is not read).
func (p *memberProgram) evalProjected(r *Record, vals []string) uint64 {
	p.row.proj = vals
	m := p.eval(r)
	p.row.proj = nil
	return m
}

// memberFilter compiles a population filter for evaluating membership:
// the one evaluation that previews, saved populations and imports share.
func memberFilter(f Filter, ds DataSource) (*memberProgram, error) {
	return compileMembers(ds, []Population{{DataSourceID: ds.ID, Filter: f}})
}

// filterFields lists the fields a filter names.
func filterFields(f Filter) []string {
	var out []string
	for _, c := range f.All {
		out = append(out, c.Field)
	}
	for _, g := range f.AnyOf {
		for _, c := range g {
			out = append(out, c.Field)
		}
	}
	return out
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// populationFor loads a population and checks the acting user may act on
// its org with perm (0: read).
func (a *Actor) populationFor(tx ReadTx, perm Permission, id string) (Population, error) {
	u, err := a.user(tx, perm)
	if err != nil {
		return Population{}, err
	}
	notFound := fmt.Errorf("acctmap: population %.80q: %w", id, ErrNotFound)
	pop, err := tx.Population(id)
	if errors.Is(err, ErrNotFound) {
		return Population{}, notFound
	}
	if err != nil {
		return Population{}, err
	}
	// Another org's population is answered as one that does not exist.
	if _, ok, err := ownedOrg(tx, u, pop.OrgID); err != nil || !ok {
		return Population{}, cmp.Or(err, notFound)
	}
	return pop, nil
}

// Population returns a population of the acting user's org or of one of its
// offline partners.
func (a *Actor) Population(ctx context.Context, id string) (Population, error) {
	var pop Population
	err := a.n.store.View(ctx, func(tx ReadTx) (err error) {
		pop, err = a.populationFor(tx, 0, id)
		return err
	})
	return pop, err
}

// Populations lists the populations of an org, in creation order: the
// acting user's own (orgID "") or one of its offline partners'.
func (a *Actor) Populations(ctx context.Context, orgID string) ([]Population, error) {
	var pops []Population
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		org, err := a.readableOrg(tx, orgID)
		if err != nil {
			return err
		}
		pops, err = tx.Populations(org)
		sortByCreation(pops)
		return err
	})
	return pops, err
}

// sortByCreation orders populations as users built them.
func sortByCreation(pops []Population) {
	slices.SortStableFunc(pops, func(a, b Population) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// DeletePopulation deletes a population and its membership.
func (a *Actor) DeletePopulation(ctx context.Context, id string) error {
	return a.n.store.Update(ctx, func(tx Tx) error {
		if _, err := a.populationFor(tx, ManageDataSources, id); err != nil {
			return err
		}
		return tx.DeletePopulation(id)
	})
}

// compareIDs orders record ids, numbers by value ("9" before "10", as for
// line-number ids) and everything else as strings, numbers first.
func compareIDs(a, b string) int {
	an, bn := isDigits(a), isDigits(b)
	switch {
	case an && bn:
		ta, tb := strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
		if len(ta) != len(tb) {
			return len(ta) - len(tb)
		}
		if c := strings.Compare(ta, tb); c != 0 {
			return c
		}
	case an:
		return -1
	case bn:
		return 1
	}
	return strings.Compare(a, b)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Preview is a look at the records a filter selects.
type Preview struct {
	Count   int      // records selected
	Records []Record // the first of them, by record id (numeric ids by value)
}

// MaxPreview bounds the records a preview returns.
const MaxPreview = 1000

// PreviewPopulation evaluates a filter over a data source without saving
// anything: how many records it selects, and the first limit of them
// (ordered by record id; at most MaxPreview).
func (a *Actor) PreviewPopulation(ctx context.Context, dataSourceID string, f Filter, limit int) (Preview, error) {
	if limit < 0 || limit > MaxPreview {
		return Preview{}, fmt.Errorf("acctmap: preview: limit %d is not between 0 and %d: %w", limit, MaxPreview, ErrInvalidInput)
	}
	var pv Preview
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		_, ds, err := a.dataSourceFor(tx, 0, dataSourceID)
		if err != nil {
			return err
		}
		_, canon, err := compileDataSourceFilter(f, &ds)
		if err != nil {
			return fmt.Errorf("acctmap: preview: %w", err)
		}
		cf, err := memberFilter(canon, ds)
		if err != nil {
			return fmt.Errorf("acctmap: preview: %w", err)
		}
		first := newFirstByID(limit)
		err = tx.Records(ds.ID, func(r *Record) error {
			if cf.eval(r) != 0 {
				pv.Count++
				first.offer(r)
			}
			return nil
		})
		pv.Records = first.sorted()
		return err
	})
	if err != nil {
		return Preview{}, err
	}
	return pv, nil
}

// firstByID keeps the n records with the smallest ids seen, in O(log n)
// per record, without holding more than n.
type firstByID struct {
	n    int
	heap []Record // max-heap by ID
}

func newFirstByID(n int) *firstByID { return &firstByID{n: n} }

func (f *firstByID) offer(r *Record) {
	if f.n == 0 {
		return
	}
	if len(f.heap) < f.n {
		f.heap = append(f.heap, *r)
		for i := len(f.heap) - 1; i > 0; {
			p := (i - 1) / 2
			if compareIDs(f.heap[p].ID, f.heap[i].ID) >= 0 {
				break
			}
			f.heap[p], f.heap[i] = f.heap[i], f.heap[p]
			i = p
		}
		return
	}
	if compareIDs(r.ID, f.heap[0].ID) >= 0 {
		return
	}
	f.heap[0] = *r
	for i := 0; ; {
		l, big := 2*i+1, i
		if l < len(f.heap) && compareIDs(f.heap[l].ID, f.heap[big].ID) > 0 {
			big = l
		}
		if l+1 < len(f.heap) && compareIDs(f.heap[l+1].ID, f.heap[big].ID) > 0 {
			big = l + 1
		}
		if big == i {
			break
		}
		f.heap[i], f.heap[big] = f.heap[big], f.heap[i]
		i = big
	}
}

func (f *firstByID) sorted() []Record {
	out := slices.Clone(f.heap)
	slices.SortFunc(out, func(a, b Record) int { return compareIDs(a.ID, b.ID) })
	return out
}
