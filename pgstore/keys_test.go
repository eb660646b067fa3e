package pgstore

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/acctmap/acctmap"
	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jackc/pgx/v5"
)

// keyRow is a row of record_keys, less the data source.
type keyRow struct {
	Record  string
	Kind    int16
	Key     int64
	Value   string
	Pops    uint64
	Private bool
	Linked  bool
	Reg     *string
}

func sortKeys(ks []keyRow) {
	slices.SortFunc(ks, func(a, b keyRow) int {
		return cmp.Or(cmp.Compare(a.Record, b.Record), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Value, b.Value))
	})
}

// keysOf returns the key rows of recs, a data source's whole content.
// Linked is computed the slow way: a record is linked when another record
// has one of its domains or its registration id.
func keysOf(recs []acctmap.Record) []keyRow {
	var out []keyRow
	var buf []recordKey
	for i := range recs {
		buf = appendKeys(buf[:0], &recs[i])
		linked := false
		for j := range recs {
			if j == i {
				continue
			}
			other := appendKeys(nil, &recs[j])
			for _, k := range buf {
				if k.kind != kindName && slices.Contains(other, k) {
					linked = true
				}
			}
		}
		for _, k := range buf {
			row := keyRow{Record: recs[i].ID, Kind: k.kind, Key: hashKey(k.value), Value: k.value, Private: recs[i].Private}
			if k.kind != kindName {
				row.Pops, row.Linked = recs[i].Populations, linked
				if !recs[i].RegistrationID.IsZero() {
					reg := recs[i].RegistrationID.Scheme + ":" + recs[i].RegistrationID.Value
					row.Reg = &reg
				}
			}
			out = append(out, row)
		}
	}
	sortKeys(out)
	return out
}

// wantKeys checks that record_keys holds exactly the keys of the records
// of data source ds.
func wantKeys(t *testing.T, s *Store, ds string) {
	t.Helper()
	err := s.View(t.Context(), func(tx acctmap.ReadTx) error {
		var recs []acctmap.Record
		if err := tx.Records(ds, func(r *acctmap.Record) error { recs = append(recs, *r); return nil }); err != nil {
			return err
		}
		rows, err := tx.(*reader).tx.Query(t.Context(), s.sql(`SELECT record_id, kind, key, value, populations, private, linked, reg
			FROM {s}.record_keys WHERE data_source_id = $1`), id(ds))
		if err != nil {
			return err
		}
		got, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (keyRow, error) {
			var k keyRow
			var rid id
			var pops int64
			err := row.Scan(&rid, &k.Kind, &k.Key, &k.Value, &pops, &k.Private, &k.Linked, &k.Reg)
			k.Record, k.Value, k.Pops = string(rid), fromText(k.Value), uint64(pops)
			if k.Reg != nil {
				reg := fromText(*k.Reg)
				k.Reg = &reg
			}
			return k, err
		})
		if err != nil {
			return err
		}
		sortKeys(got)
		if d := gocmp.Diff(keysOf(recs), got, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("record_keys of %q (-want +got):\n%s", ds, d)
		}
		// records.keys lists the key column of each record's rows.
		rows, err = tx.(*reader).tx.Query(t.Context(), s.sql(`SELECT id, keys FROM {s}.records WHERE data_source_id = $1`), id(ds))
		if err != nil {
			return err
		}
		colKeys := map[string][]int64{}
		_, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (struct{}, error) {
			var rid id
			var keys []int64
			err := row.Scan(&rid, &keys)
			slices.Sort(keys)
			colKeys[string(rid)] = keys
			return struct{}{}, err
		})
		if err != nil {
			return err
		}
		wantCol := map[string][]int64{}
		for _, r := range recs {
			wantCol[r.ID] = nil
		}
		for _, k := range keysOf(recs) {
			wantCol[k.Record] = append(wantCol[k.Record], k.Key)
		}
		for _, keys := range wantCol {
			slices.Sort(keys)
		}
		if d := gocmp.Diff(wantCol, colKeys, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("records.keys of %q (-want +got):\n%s", ds, d)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestKeysFollowRecords(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	withDataSources(t, s, "ds1", "ds2")
	steps := []struct {
		name string
		fn   func(tx acctmap.Tx) error
	}{
		{"PutRecords", func(tx acctmap.Tx) error {
			if err := tx.PutRecords("ds1", genRecords("r", 0, 30)); err != nil {
				return err
			}
			return tx.PutRecords("ds2", genRecords("r", 0, 30))
		}},
		{"PutRecords upsert", func(tx acctmap.Tx) error {
			recs := genRecords("r", 20, 20) // 20 to 29 replaced, 30 to 39 new
			for i := range recs {
				recs[i].Domains = []string{"changed.example", "changed.example", "other.example"}
				recs[i].NameKey = ""
				recs[i].RegistrationID = acctmap.RegistrationID{Scheme: "a:b", Value: "c"}
			}
			return tx.PutRecords("ds1", recs)
		}},
		{"DeleteRecords", func(tx acctmap.Tx) error { return tx.DeleteRecords("ds1", []string{"r0000000", "r0000025", "nope"}) }},
		{"SetMembers", func(tx acctmap.Tx) error {
			return tx.SetMembers("ds1", 5, []string{"r0000001", "r0000021", "r0000022"})
		}},
		{"DeleteRecords unlinks", func(tx acctmap.Tx) error {
			// r0000021 and r0000022 are left sharing changed.example, then r0000021 alone.
			gone := []string{"r0000020"}
			for i := 23; i < 40; i++ {
				gone = append(gone, "r00000"+strconv.Itoa(i))
			}
			if err := tx.DeleteRecords("ds1", gone); err != nil {
				return err
			}
			return tx.DeleteRecords("ds1", []string{"r0000022"})
		}},
		{"PutRecords links", func(tx acctmap.Tx) error {
			recs := genRecords("r", 1, 2) // r0000001 and r0000002, private, share a domain with r0000021
			for i := range recs {
				recs[i].Private = true
				recs[i].Domains = append(recs[i].Domains, "changed.example")
			}
			return tx.PutRecords("ds1", recs)
		}},
		{"PutRecords unlinks", func(tx acctmap.Tx) error {
			return tx.PutRecords("ds1", genRecords("r", 1, 2)) // changed.example is r0000021's alone again
		}},
		{"DeletePopulation", func(tx acctmap.Tx) error {
			if err := tx.PutPopulation(acctmap.Population{ID: "p5", OrgID: "acme", DataSourceID: "ds1", Slot: 5}); err != nil {
				return err
			}
			if err := tx.SetMembers("ds1", 6, []string{"r0000003", "r0000021"}); err != nil {
				return err
			}
			return tx.DeletePopulation("p5")
		}},
		{"ReplaceRecords", func(tx acctmap.Tx) error { return tx.ReplaceRecords("ds2", genRecords("q", 0, 10)) }},
		{"ReplaceRecords empty", func(tx acctmap.Tx) error { return tx.ReplaceRecords("ds1", nil) }},
		{"PutRecords after", func(tx acctmap.Tx) error { return tx.PutRecords("ds1", genRecords("r", 5, 3)) }},
	}
	for _, st := range steps {
		if err := s.Update(t.Context(), st.fn); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		wantKeys(t, s, "ds1")
		wantKeys(t, s, "ds2")
	}
	// Deleting a data source, or its org, deletes its records and keys
	// (neither table has a foreign key to cascade).
	count := func(table string) int {
		t.Helper()
		var n int
		if err := s.pool.QueryRow(t.Context(), s.sql(`SELECT count(*) FROM {s}.`+table)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if err := s.Update(t.Context(), func(tx acctmap.Tx) error { return tx.DeleteDataSource("ds1") }); err != nil {
		t.Fatal(err)
	}
	if n := count("record_keys"); n != len(keysOf(genRecords("q", 0, 10))) {
		t.Errorf("record_keys after deleting ds1: %d rows, want the keys of ds2 only", n)
	}
	if n := count("records"); n != 10 {
		t.Errorf("records after deleting ds1: %d rows, want the 10 of ds2 only", n)
	}
	// A data source made again with the id finds none of the old records.
	withDataSources(t, s, "ds1")
	var n int
	if err := s.View(t.Context(), func(tx acctmap.ReadTx) (err error) { n, err = tx.CountRecords("ds1"); return err }); err != nil || n != 0 {
		t.Errorf("a new data source with a deleted one's id: %d records, %v; want 0", n, err)
	}
	if err := s.Update(t.Context(), func(tx acctmap.Tx) error {
		if err := tx.PutOrg(acctmap.Org{ID: "off", OfflineOf: "acme"}); err != nil {
			return err
		}
		if err := tx.PutDataSource(acctmap.DataSource{ID: "ds3", OrgID: "off"}); err != nil {
			return err
		}
		return tx.PutRecords("ds3", genRecords("z", 0, 5))
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(t.Context(), func(tx acctmap.Tx) error { return tx.DeleteOrg("acme") }); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"records", "record_keys"} {
		if n := count(table); n != 0 {
			t.Errorf("%s after deleting their org and its offline partner: %d rows, want 0", table, n)
		}
	}
}

func TestRegIDValue(t *testing.T) {
	// The string the in-memory matcher keys registration ids by.
	if got := regIDValue(acctmap.RegistrationID{Scheme: "duns", Value: "001234567"}); got != "duns:001234567" {
		t.Errorf("regIDValue = %q, want duns:001234567", got)
	}
}

// keyJoin is the join of two data sources' keys that TestExplainKeyJoin
// plans: the core of the overlap query.
const keyJoin = `SELECT count(*) FROM {s}.record_keys a JOIN {s}.record_keys b
	ON b.key = a.key AND b.kind = a.kind AND b.value = a.value
	WHERE a.data_source_id = $1 AND b.data_source_id = $2`

func TestExplainKeyJoin(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	withDataSources(t, s, "ds1", "ds2")
	const n = 5_000
	err := s.Update(t.Context(), func(tx acctmap.Tx) error {
		if err := tx.ReplaceRecords("ds1", genRecords("a", 0, n)); err != nil {
			return err
		}
		return tx.ReplaceRecords("ds2", genRecords("b", n/2, n)) // half overlap
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(t.Context(), s.sql(`ANALYZE {s}.record_keys`)); err != nil {
		t.Fatal(err)
	}
	rows, err := s.pool.Query(t.Context(), "EXPLAIN "+s.sql(keyJoin), id("ds1"), id("ds2"))
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	plan := strings.Join(lines, "\n")
	t.Logf("plan of the join of two data sources' keys:\n%s", plan)
	if !strings.Contains(plan, "Merge Join") && !strings.Contains(plan, "Hash Join") {
		t.Errorf("the key join is neither a merge join nor a hash join")
	}
	// The overlap query, with the settings JoinKeys gives it.
	err = s.View(t.Context(), func(tx acctmap.ReadTx) error {
		r := tx.(*reader)
		if _, err := r.setLocal(s.overlapSettings()); err != nil {
			return err
		}
		rows, err := r.tx.Query(t.Context(), "EXPLAIN "+s.sql(overlapQuery), id("ds1"), id("ds2"), false, true, []id{}, []id{}, `\m(fund|trust)\M`)
		if err != nil {
			return err
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		plan := strings.Join(lines, "\n")
		t.Logf("plan of the overlap query:\n%s", plan)
		join := plan[strings.Index(plan, "CTE c"):strings.Index(plan, "CTE pairs")]
		if !strings.Contains(join, "Hash Join") && !strings.Contains(join, "Merge Join") {
			t.Errorf("the overlap query's key join is neither a merge join nor a hash join")
		}
		if strings.Contains(plan, "Nested Loop") {
			t.Errorf("the overlap query has a nested loop")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var got int
	if err := s.pool.QueryRow(t.Context(), s.sql(keyJoin), id("ds1"), id("ds2")).Scan(&got); err != nil {
		t.Fatal(err)
	}
	// Records n/2 to n-1 are in both: each shares its domain and name
	// key, every third its alias too, and every fifth its DUNS number.
	want := 0
	for i := n / 2; i < n; i++ {
		want += 2
		if i%3 == 0 {
			want++
		}
		if i%5 == 0 {
			want++
		}
	}
	if got != want {
		t.Errorf("the key join counts %d matching keys, want %d", got, want)
	}
}
