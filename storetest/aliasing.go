package storetest

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acctmap/acctmap"
)

// The aliasing suite checks the contract's rule that values crossing the
// Store boundary are copied: a caller writing into the maps and slices of
// a value after Put, or into those of a value a Tx returned, changes
// nothing stored. Each test writes everything reachable, through
// reflection, so that a field added to a type later is covered too.

// deepCopy returns a copy of v sharing no map, slice or pointer with it.
// time.Time is copied as a value: it is immutable.
func deepCopy[T any](v T) T {
	src := reflect.ValueOf(&v).Elem()
	dst := reflect.New(src.Type()).Elem()
	copyInto(dst, src)
	return dst.Interface().(T)
}

var timeType = reflect.TypeFor[time.Time]()

func copyInto(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := range src.Len() {
			copyInto(s.Index(i), src.Index(i))
		}
		dst.Set(s)
	case reflect.Map:
		if src.IsNil() {
			return
		}
		m := reflect.MakeMapWithSize(src.Type(), src.Len())
		it := src.MapRange()
		for it.Next() {
			e := reflect.New(src.Type().Elem()).Elem()
			copyInto(e, it.Value())
			m.SetMapIndex(it.Key(), e)
		}
		dst.Set(m)
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		p := reflect.New(src.Type().Elem())
		copyInto(p.Elem(), src.Elem())
		dst.Set(p)
	case reflect.Struct:
		if src.Type() == timeType {
			dst.Set(src)
			return
		}
		for i := range src.NumField() {
			copyInto(dst.Field(i), src.Field(i))
		}
	default:
		dst.Set(src)
	}
}

// scribble writes into everything v points to: every element of its
// slices, every value of its maps (and one key more), every pointee. It
// leaves v's own top-level fields alone where v is not addressable, since
// those are copies anyway.
func scribble(v any) {
	scribbleValue(reflect.ValueOf(v))
}

func scribbleValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			scribbleValue(v.Elem())
		}
	case reflect.Slice:
		for i := range v.Len() {
			scribbleValue(v.Index(i))
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		it := v.MapRange()
		type kv struct{ k, v reflect.Value }
		var changed []kv
		for it.Next() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(it.Value())
			scribbleValue(e)
			changed = append(changed, kv{it.Key(), e})
		}
		for _, c := range changed {
			v.SetMapIndex(c.k, c.v)
		}
		if v.Type().Key().Kind() == reflect.String {
			v.SetMapIndex(reflect.ValueOf("aliasing-probe").Convert(v.Type().Key()), reflect.New(v.Type().Elem()).Elem())
		}
	case reflect.Struct:
		if v.Type() == timeType {
			if v.CanSet() {
				v.Set(reflect.ValueOf(v.Interface().(time.Time).Add(time.Hour)))
			}
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				scribbleValue(v.Field(i))
			}
		}
	default:
		if !v.CanSet() {
			return
		}
		switch v.Kind() {
		case reflect.String:
			v.SetString(v.String() + "!scribbled")
		case reflect.Bool:
			v.SetBool(!v.Bool())
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			v.SetInt(v.Int() + 1)
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			v.SetUint(v.Uint() + 1)
		case reflect.Float32, reflect.Float64:
			v.SetFloat(v.Float() + 1)
		}
	}
}

// seedCopies are deep copies of the standard network, for a test to put
// and then scribble on.
type seedCopies struct {
	orgs     []acctmap.Org
	users    []acctmap.User
	partners []acctmap.Partnership
	sources  []acctmap.DataSource
	pops     []acctmap.Population
	records  map[string][]acctmap.Record
	members  [][]string
}

func newSeedCopies() *seedCopies {
	c := &seedCopies{
		orgs: deepCopy(seedOrgs), users: deepCopy(seedUsers), partners: deepCopy(seedPartnerships),
		sources: deepCopy(seedDataSources), pops: deepCopy(seedPopulations), records: map[string][]acctmap.Record{},
	}
	for _, d := range seedDataSources {
		c.records[d.ID] = seedRecords(d.ID)
	}
	for _, m := range seedMembers {
		c.members = append(c.members, deepCopy(m.ids))
	}
	return c
}

// put writes c as Seed writes the standard network; replace uses
// ReplaceRecords instead of PutRecords for the records.
func (c *seedCopies) put(tx acctmap.Tx, replace bool) error {
	for _, o := range c.orgs {
		if err := tx.PutOrg(o); err != nil {
			return err
		}
	}
	for _, u := range c.users {
		if err := tx.PutUser(u); err != nil {
			return err
		}
	}
	for _, p := range c.partners {
		if err := tx.PutPartnership(p); err != nil {
			return err
		}
	}
	for _, d := range c.sources {
		if err := tx.PutDataSource(d); err != nil {
			return err
		}
		put := tx.PutRecords
		if replace {
			put = tx.ReplaceRecords
		}
		if err := put(d.ID, c.records[d.ID]); err != nil {
			return err
		}
	}
	for _, p := range c.pops {
		if err := tx.PutPopulation(p); err != nil {
			return err
		}
	}
	for i, m := range seedMembers {
		if err := tx.SetMembers(m.ds, m.slot, c.members[i]); err != nil {
			return err
		}
	}
	return nil
}

func (c *seedCopies) scribble() {
	scribble(c.orgs)
	scribble(c.users)
	scribble(c.partners)
	scribble(c.sources)
	scribble(c.pops)
	for _, recs := range c.records {
		scribble(recs)
	}
	scribble(c.members)
}

// frozenDump is a Dump that shares nothing with the store, so that a store
// handing out its own maps cannot make the reference move with it.
func frozenDump(t *testing.T, s acctmap.Store) Snapshot {
	t.Helper()
	snap, err := Dump(t.Context(), s)
	noErr(t, "Dump", err)
	return deepCopy(snap)
}

// putThenScribble puts the standard network from copies and scribbles on
// them inside the Update and after it.
func putThenScribble(t *testing.T, s acctmap.Store, replace bool) {
	c := newSeedCopies()
	var inside Snapshot
	update(t, s, func(tx acctmap.Tx) error {
		if err := c.put(tx, replace); err != nil {
			return err
		}
		snap, err := DumpTx(tx)
		if err != nil {
			return err
		}
		inside = deepCopy(snap)
		c.scribble()
		snap, err = DumpTx(tx)
		if err != nil {
			return err
		}
		diff(t, "store read in the Update after the caller wrote into what it put", inside, snap)
		return nil
	})
	diff(t, "store after the caller wrote into what it put", inside, frozenDump(t, s))
	c.scribble()
	diff(t, "store after the caller wrote into what it put, after the commit", inside, frozenDump(t, s))
}

// readThenScribble scribbles on every value each read method returns, in a
// View and in an Update, and checks that the store did not change.
func readThenScribble(t *testing.T, s acctmap.Store) {
	before := seeded(t, s)
	before = deepCopy(before)
	reads := func(tx acctmap.ReadTx) error {
		for _, o := range seedOrgs {
			v, err := tx.Org(o.ID)
			noErr(t, "Org", err)
			scribble(&v)
			l, err := tx.OfflinePartners(o.ID)
			noErr(t, "OfflinePartners", err)
			scribble(l)
			us, err := tx.Users(o.ID)
			noErr(t, "Users", err)
			scribble(us)
			ps, err := tx.Partnerships(o.ID)
			noErr(t, "Partnerships", err)
			scribble(ps)
			ds, err := tx.DataSources(o.ID)
			noErr(t, "DataSources", err)
			scribble(ds)
			pops, err := tx.Populations(o.ID)
			noErr(t, "Populations", err)
			scribble(pops)
		}
		orgs, err := tx.Orgs()
		noErr(t, "Orgs", err)
		scribble(orgs)
		for _, u := range seedUsers {
			v, err := tx.User(u.ID)
			noErr(t, "User", err)
			scribble(&v)
		}
		for _, p := range seedPartnerships {
			v, err := tx.Partnership(p.Inviter, p.Invitee)
			noErr(t, "Partnership", err)
			scribble(&v)
		}
		for _, p := range seedPopulations {
			v, err := tx.Population(p.ID)
			noErr(t, "Population", err)
			scribble(&v)
		}
		for _, d := range seedDataSources {
			v, err := tx.DataSource(d.ID)
			noErr(t, "DataSource", err)
			scribble(&v)
			for _, r := range seedRecords(d.ID) {
				v, err := tx.Record(d.ID, r.ID)
				noErr(t, "Record", err)
				scribble(&v)
			}
			// The slices and maps of a *Record may be kept, and so
			// written into, after fn returns; the Record itself only
			// during the call.
			var kept []acctmap.Record
			keep := func(r *acctmap.Record) error {
				kept = append(kept, *r)
				scribble(*r) // what it points to, not the Record itself
				return nil
			}
			noErr(t, "Records", tx.Records(d.ID, keep))
			noErr(t, "RecordKeys", tx.RecordKeys(d.ID, keep))
			noErr(t, "RecordsByID", tx.RecordsByID(d.ID, []string{"r1", "r2", "r3", "r4", "r5", "r6"}, keep))
			scribble(kept)
		}
		return nil
	}
	view(t, s, reads)
	diff(t, "store after the caller wrote into values a View returned", before, frozenDump(t, s))
	update(t, s, func(tx acctmap.Tx) error {
		if err := reads(tx); err != nil {
			return err
		}
		snap, err := DumpTx(tx)
		noErr(t, "DumpTx", err)
		diff(t, "store read in the Update after the caller wrote into values it returned", before, snap)
		return nil
	})
	diff(t, "store after the caller wrote into values an Update returned", before, frozenDump(t, s))
}

var aliasingTests = []test{
	{"PutThenScribble", func(t *testing.T, s acctmap.Store) { putThenScribble(t, s, false) }},
	{"ReplaceThenScribble", func(t *testing.T, s acctmap.Store) { putThenScribble(t, s, true) }},
	{"UpsertThenScribble", func(t *testing.T, s acctmap.Store) {
		// PutRecords into a data source that has records takes another
		// path in some stores than a first load.
		seeded(t, s)
		recs := []acctmap.Record{record("ds-globex", 2), record("ds-globex", 40)}
		update(t, s, func(tx acctmap.Tx) error { return tx.PutRecords("ds-globex", recs) })
		want := frozenDump(t, s)
		scribble(recs)
		diff(t, "store after the caller wrote into the records it upserted", want, frozenDump(t, s))
	}},
	{"ReadThenScribble", readThenScribble},
	{"ScanRecords", func(t *testing.T, s acctmap.Store) {
		// A store whose transactions implement acctmap.ScanTx gives the
		// records of Records through ScanRecords too, in Views and in
		// Updates (after writes of its own).
		before := seeded(t, s)
		scan := func(tx acctmap.ReadTx, want map[string][]acctmap.Record) {
			st, ok := tx.(acctmap.ScanTx)
			if !ok {
				t.Skip("the store's transactions do not implement acctmap.ScanTx")
			}
			for ds, recs := range want {
				var got []acctmap.Record
				noErr(t, "ScanRecords", st.ScanRecords(ds, func(r *acctmap.Record) error {
					got = append(got, deepCopy(*r)) // the *Record and its map are the store's to reuse
					return nil
				}))
				slices.SortFunc(got, func(a, b acctmap.Record) int { return strings.Compare(a.ID, b.ID) })
				diff(t, "ScanRecords("+ds+")", recs, got)
			}
			wantNotFound(t, "ScanRecords of a missing data source", st.ScanRecords("no-such-ds", func(*acctmap.Record) error { return nil }))
		}
		view(t, s, func(tx acctmap.ReadTx) error { scan(tx, before.Records); return nil })
		update(t, s, func(tx acctmap.Tx) error {
			if err := tx.PutRecords("ds-globex", []acctmap.Record{record("ds-globex", 40)}); err != nil {
				return err
			}
			snap, err := DumpTx(tx)
			noErr(t, "DumpTx", err)
			scan(tx, snap.Records)
			return nil
		})
	}},
	{"SnapshotsDoNotShare", func(t *testing.T, s acctmap.Store) {
		// Two reads of one value share nothing either: writing into the
		// first does not show in the second.
		seeded(t, s)
		view(t, s, func(tx acctmap.ReadTx) error {
			a, err := tx.Record("ds-acme-crm", "r3")
			noErr(t, "Record", err)
			want := deepCopy(a)
			scribble(&a)
			b, err := tx.Record("ds-acme-crm", "r3")
			noErr(t, "Record", err)
			diff(t, "Record read again after writing into the first read", want, b)
			return nil
		})
	}},
}
