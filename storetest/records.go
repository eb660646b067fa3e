package storetest

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/acctmap/acctmap"
)

// withDataSources puts org "acme" and a data source for each of ids.
func withDataSources(t *testing.T, s acctmap.Store, ids ...string) {
	t.Helper()
	withOrgs(t, s, "acme")
	update(t, s, func(tx acctmap.Tx) error {
		for _, id := range ids {
			if err := tx.PutDataSource(dataSource(id, "acme", 1)); err != nil {
				return err
			}
		}
		return nil
	})
}

// scan returns the records of a data source, ordered by id.
func scan(t *testing.T, tx acctmap.ReadTx, ds string) []acctmap.Record {
	t.Helper()
	var recs []acctmap.Record
	noErr(t, fmt.Sprintf("Records(%q)", ds), tx.Records(ds, func(r *acctmap.Record) error {
		recs = append(recs, *r)
		return nil
	}))
	sortRecords(recs)
	return recs
}

func sortRecords(recs []acctmap.Record) {
	slices.SortFunc(recs, func(a, b acctmap.Record) int { return cmp.Compare(a.ID, b.ID) })
}

// wantRecords checks a data source's whole content through Records,
// CountRecords and Record.
func wantRecords(t *testing.T, s acctmap.Store, ds string, want []acctmap.Record) {
	t.Helper()
	want = slices.Clone(want)
	sortRecords(want)
	view(t, s, func(tx acctmap.ReadTx) error {
		diff(t, fmt.Sprintf("Records(%q)", ds), want, scan(t, tx, ds))
		n, err := tx.CountRecords(ds)
		noErr(t, "CountRecords", err)
		if n != len(want) {
			t.Errorf("CountRecords(%q) = %d, want %d", ds, n, len(want))
		}
		for _, w := range want {
			got, err := tx.Record(ds, w.ID)
			noErr(t, fmt.Sprintf("Record(%q, %q)", ds, w.ID), err)
			diff(t, fmt.Sprintf("Record(%q, %q)", ds, w.ID), w, got)
		}
		// RecordKeys: the same records, with at least what matching reads.
		var keys []acctmap.Record
		noErr(t, fmt.Sprintf("RecordKeys(%q)", ds), tx.RecordKeys(ds, func(r *acctmap.Record) error {
			keys = append(keys, acctmap.Record{ID: r.ID, Domains: r.Domains, RegistrationID: r.RegistrationID, NameKey: r.NameKey, OtherNameKeys: r.OtherNameKeys,
				EmailKey: r.EmailKey, Populations: r.Populations, Private: r.Private})
			return nil
		}))
		sortRecords(keys)
		wantKeys := make([]acctmap.Record, len(want))
		for i, r := range want {
			wantKeys[i] = acctmap.Record{ID: r.ID, Domains: r.Domains, RegistrationID: r.RegistrationID, NameKey: r.NameKey, OtherNameKeys: r.OtherNameKeys,
				EmailKey: r.EmailKey, Populations: r.Populations, Private: r.Private}
		}
		diff(t, fmt.Sprintf("RecordKeys(%q)", ds), wantKeys, keys)
		// Every id, backwards, each twice, and ids of no record.
		var ids []string
		for i := len(want) - 1; i >= 0; i-- {
			ids = append(ids, want[i].ID, "\x00no such record", want[i].ID)
		}
		diff(t, fmt.Sprintf("RecordsByID(%q, every id)", ds), want, byID(t, tx, ds, ids))
		return nil
	})
}

// byID returns the records RecordsByID visits, ordered by id.
func byID(t *testing.T, tx acctmap.ReadTx, ds string, ids []string) []acctmap.Record {
	t.Helper()
	var recs []acctmap.Record
	noErr(t, fmt.Sprintf("RecordsByID(%q, %q)", ds, ids), tx.RecordsByID(ds, ids, func(r *acctmap.Record) error {
		recs = append(recs, *r)
		return nil
	}))
	sortRecords(recs)
	return recs
}

// recordsOf returns records i of ds for each i in is.
func recordsOf(ds string, is ...int) []acctmap.Record {
	out := make([]acctmap.Record, len(is))
	for j, i := range is {
		out[j] = record(ds, i)
	}
	return out
}

var recordTests = []test{
	{"RecordsByID", func(t *testing.T, s acctmap.Store) {
		withDataSources(t, s, "ds1", "ds2")
		update(t, s, func(tx acctmap.Tx) error {
			if err := tx.PutRecords("ds1", recordsOf("ds1", 1, 2, 3, 4)); err != nil {
				return err
			}
			if err := tx.PutRecords("ds2", recordsOf("ds2", 1, 5)); err != nil {
				return err
			}
			// The Tx sees its own writes.
			if err := tx.DeleteRecords("ds1", []string{record("ds1", 4).ID}); err != nil {
				return err
			}
			got := byID(t, tx, "ds1", []string{record("ds1", 4).ID, record("ds1", 2).ID})
			diff(t, "RecordsByID in the Tx that deleted one", recordsOf("ds1", 2), got)
			return nil
		})
		view(t, s, func(tx acctmap.ReadTx) error {
			// A subset, another data source's ids, and none.
			diff(t, "RecordsByID of a subset", recordsOf("ds1", 1, 3), byID(t, tx, "ds1", []string{record("ds1", 3).ID, record("ds1", 1).ID}))
			diff(t, "RecordsByID of an id of ds2 only, in ds1", []acctmap.Record(nil), byID(t, tx, "ds1", []string{record("ds2", 5).ID}))
			diff(t, "RecordsByID of ds2", recordsOf("ds2", 5), byID(t, tx, "ds2", []string{record("ds2", 5).ID, record("ds1", 3).ID}))
			diff(t, "RecordsByID of no ids", []acctmap.Record(nil), byID(t, tx, "ds1", nil))
			wantNotFound(t, "RecordsByID of a missing data source", tx.RecordsByID("nope", []string{"x"}, func(*acctmap.Record) error { return nil }))
			wantNotFound(t, "RecordsByID of a missing data source, no ids", tx.RecordsByID("nope", nil, func(*acctmap.Record) error { return nil }))
			// fn's error stops the scan and comes back as it is.
			stop := errors.New("stop")
			calls := 0
			err := tx.RecordsByID("ds1", []string{record("ds1", 1).ID, record("ds1", 2).ID, record("ds1", 3).ID}, func(*acctmap.Record) error {
				calls++
				return stop
			})
			if !errors.Is(err, stop) || calls != 1 {
				t.Errorf("RecordsByID with fn failing: %v after %d calls, want fn's error after 1", err, calls)
			}
			return nil
		})
	}},
	{"PutGet", func(t *testing.T, s acctmap.Store) {
		withDataSources(t, s, "ds1")
		recs := recordsOf("ds1", 1, 2, 3, 4, 5, 6)
		recs[0].Populations = 1<<63 | 1<<32 | 1
		recs[1].Fields = map[string]string{"owner": "", "notes": "multi\nline, \"quoted\" — ünïcode"}
		recs[2].ID = "" // the empty id is an id
		update(t, s, func(tx acctmap.Tx) error { return tx.PutRecords("ds1", recs) })
		wantRecords(t, s, "ds1", recs)
	}},
	{"Upsert", func(t *testing.T, s acctmap.Store) {
		withDataSources(t, s, "ds1")
		update(t, s, func(tx acctmap.Tx) error { return tx.PutRecords("ds1", recordsOf("ds1", 1, 2, 3)) })
		changed := record("ds1", 2)
		changed.Name, changed.Domains, changed.Fields, changed.Populations = "Changed", []string{"changed.example"}, map[string]string{"x": "y"}, 1<<7
		update(t, s, func(tx acctmap.Tx) error {
			return tx.PutRecords("ds1", append([]acctmap.Record{changed}, recordsOf("ds1", 4)...))
		})
		want := recordsOf("ds1", 1, 3, 4)
		wantRecords(t, s, "ds1", append(want, changed))
		// An empty batch changes nothing.
		update(t, s, func(tx acctmap.Tx) error { return tx.PutRecords("ds1", nil) })
		wantRecords(t, s, "ds1", append(want, changed))
	}},
	{"PerDataSource", func(t *testing.T, s acctmap.Store) {
		// Record ids are unique within a data source only.
		withDataSources(t, s, "ds1", "ds2")
		update(t, s, func(tx acctmap.Tx) error {
			if err := tx.PutRecords("ds1", recordsOf("ds1", 1, 2)); err != nil {
				return err
			}
			return tx.PutRecords("ds2", recordsOf("ds2", 1, 2, 3))
		})
		update(t, s, func(tx acctmap.Tx) error {
			if err := tx.DeleteRecords("ds1", []string{"r1"}); err != nil {
				return err
			}
			return tx.SetMembers("ds1", 4, []string{"r2"})
		})
		wantRecords(t, s, "ds2", recordsOf("ds2", 1, 2, 3))
		r2 := record("ds1", 2)
		r2.Populations = 1 << 4
		wantRecords(t, s, "ds1", []acctmap.Record{r2})
	}},
	{"OddIDs", func(t *testing.T, s acctmap.Store) {
		withDataSources(t, s, "ds1")
		var recs []acctmap.Record
		for i, id := range oddIDs {
			r := record("ds1", i)
			r.ID = id
			recs = append(recs, r)
		}
		update(t, s, func(tx acctmap.Tx) error { return tx.PutRecords("ds1", recs) })
		wantRecords(t, s, "ds1", recs)
		update(t, s, func(tx acctmap.Tx) error { return tx.SetMembers("ds1", 2, []string{"a|b", ""}) })
		update(t, s, func(tx acctmap.Tx) error { return tx.DeleteRecords("ds1", []string{"a", "b|"}) })
		var want []acctmap.Record
		for _, r := range recs {
			switch r.ID {
			case "a", "b|":
				continue
			case "a|b", "":
				r.Populations = 1 << 2
			}
			want = append(want, r)
		}
		wantRecords(t, s, "ds1", want)
	}},
	{"ScanStopsAtError", func(t *testing.T, s acctmap.Store) {
		withDataSources(t, s, "ds1")
		update(t, s, func(tx acctmap.Tx) error { return tx.PutRecords("ds1", recordsOf("ds1", 1, 2, 3, 4, 5, 6)) })
		errStop := errors.New("stop here")
		view(t, s, func(tx acctmap.ReadTx) error {
			calls := 0
			err := tx.Records("ds1", func(*acctmap.Record) error {
				calls++
				if calls == 3 {
					return fmt.Errorf("third: %w", errStop)
				}
				return nil
			})
			if !errors.Is(err, errStop) {
				t.Errorf("Records returned %v, want fn's error", err)
			}
			if calls != 3 {
				t.Errorf("Records called fn %d times, want 3: it must stop at fn's first error", calls)
			}
			return nil
		})
	}},
	{"DeleteIgnoresUnknown", func(t *testing.T, s acctmap.Store) {
		withDataSources(t, s, "ds1")
		update(t, s, func(tx acctmap.Tx) error { return tx.PutRecords("ds1", recordsOf("ds1", 1, 2, 3, 4, 5, 6)) })
		update(t, s, func(tx acctmap.Tx) error {
			return tx.DeleteRecords("ds1", []string{"r2", "nope", "r5", "r2", "R1"})
		})
		wantRecords(t, s, "ds1", recordsOf("ds1", 1, 3, 4, 6))
		update(t, s, func(tx acctmap.Tx) error { return tx.DeleteRecords("ds1", nil) })
		wantRecords(t, s, "ds1", recordsOf("ds1", 1, 3, 4, 6))
		update(t, s, func(tx acctmap.Tx) error { return tx.DeleteRecords("ds1", []string{"r1", "r3", "r4", "r6"}) })
		wantRecords(t, s, "ds1", nil)
		// The data source itself stays.
		view(t, s, func(tx acctmap.ReadTx) error {
			_, err := tx.DataSource("ds1")
			noErr(t, "DataSource after deleting all its records", err)
			return nil
		})
	}},
	{"Replace", func(t *testing.T, s acctmap.Store) {
		withDataSources(t, s, "ds1", "ds2")
		update(t, s, func(tx acctmap.Tx) error {
			if err := tx.PutRecords("ds1", recordsOf("ds1", 1, 2, 3)); err != nil {
				return err
			}
			if err := tx.SetMembers("ds1", 0, []string{"r1", "r2"}); err != nil {
				return err
			}
			return tx.PutRecords("ds2", recordsOf("ds2", 1))
		})
		// r2 comes back as given: Populations 0, not its old bits.
		next := recordsOf("ds1", 2, 7, 8)
		update(t, s, func(tx acctmap.Tx) error { return tx.ReplaceRecords("ds1", next) })
		wantRecords(t, s, "ds1", next)
		wantRecords(t, s, "ds2", recordsOf("ds2", 1))
		view(t, s, func(tx acctmap.ReadTx) error {
			_, err := tx.Record("ds1", "r1")
			wantNotFound(t, "Record replaced away", err)
			return nil
		})
		update(t, s, func(tx acctmap.Tx) error { return tx.ReplaceRecords("ds1", nil) })
		wantRecords(t, s, "ds1", nil)
	}},
	{"SetMembers", func(t *testing.T, s acctmap.Store) {
		withDataSources(t, s, "ds1", "ds2")
		recs := recordsOf("ds1", 1, 2, 3, 4, 5, 6)
		recs[0].Populations = 1<<0 | 1<<2 | 1<<63 // r1: in slots 0, 2 and 63
		recs[4].Populations = 1 << 2              // r5: in slot 2
		update(t, s, func(tx acctmap.Tx) error {
			if err := tx.PutRecords("ds1", recs); err != nil {
				return err
			}
			return tx.PutRecords("ds2", recordsOf("ds2", 1, 2, 3, 4, 5, 6))
		})
		pops := func(bits ...uint64) []acctmap.Record {
			out := slices.Clone(recs)
			for i := range out {
				out[i].Populations = bits[i]
			}
			return out
		}
		// Slot 2 becomes exactly {r3, r4}: r1 and r5 leave it, unknown ids
		// are ignored, other slots are kept.
		update(t, s, func(tx acctmap.Tx) error { return tx.SetMembers("ds1", 2, []string{"r3", "nope", "r4", "r3"}) })
		wantRecords(t, s, "ds1", pops(1|1<<63, 0, 1<<2, 1<<2, 0, 0))
		update(t, s, func(tx acctmap.Tx) error { return tx.SetMembers("ds1", 63, []string{"r6"}) })
		wantRecords(t, s, "ds1", pops(1, 0, 1<<2, 1<<2, 0, 1<<63))
		update(t, s, func(tx acctmap.Tx) error {
			return tx.SetMembers("ds1", 0, []string{"r1", "r2", "r3", "r4", "r5", "r6"})
		})
		wantRecords(t, s, "ds1", pops(1, 1, 1|1<<2, 1|1<<2, 1, 1|1<<63))
		update(t, s, func(tx acctmap.Tx) error { return tx.SetMembers("ds1", 0, nil) })
		wantRecords(t, s, "ds1", pops(0, 0, 1<<2, 1<<2, 0, 1<<63))
		// Another data source with the same record ids is not touched.
		wantRecords(t, s, "ds2", recordsOf("ds2", 1, 2, 3, 4, 5, 6))
	}},
	{"SetMembersSlotRange", func(t *testing.T, s acctmap.Store) {
		withDataSources(t, s, "ds1")
		update(t, s, func(tx acctmap.Tx) error { return tx.PutRecords("ds1", recordsOf("ds1", 1)) })
		update(t, s, func(tx acctmap.Tx) error {
			for _, slot := range []int{-1, 64, 1 << 20} {
				if err := tx.SetMembers("ds1", slot, []string{"r1"}); err == nil {
					t.Errorf("SetMembers with slot %d returned no error; slots are 0 to 63", slot)
				}
			}
			return nil
		})
	}},
	{"NotFound", func(t *testing.T, s acctmap.Store) {
		withDataSources(t, s, "ds1")
		update(t, s, func(tx acctmap.Tx) error { return tx.PutRecords("ds1", recordsOf("ds1", 1)) })
		view(t, s, func(tx acctmap.ReadTx) error {
			_, err := tx.Record("ds1", "r2")
			wantNotFound(t, "Record of a missing record", err)
			_, err = tx.Record("nope", "r1")
			wantNotFound(t, "Record of a missing data source", err)
			wantNotFound(t, "Records of a missing data source", tx.Records("nope", func(*acctmap.Record) error {
				t.Error("Records of a missing data source called fn")
				return nil
			}))
			_, err = tx.CountRecords("nope")
			wantNotFound(t, "CountRecords of a missing data source", err)
			return nil
		})
		update(t, s, func(tx acctmap.Tx) error {
			wantNotFound(t, "PutRecords of a missing data source", tx.PutRecords("nope", recordsOf("nope", 1)))
			wantNotFound(t, "DeleteRecords of a missing data source", tx.DeleteRecords("nope", []string{"r1"}))
			wantNotFound(t, "ReplaceRecords of a missing data source", tx.ReplaceRecords("nope", recordsOf("nope", 1)))
			wantNotFound(t, "SetMembers of a missing data source", tx.SetMembers("nope", 0, []string{"r1"}))
			return nil
		})
		view(t, s, func(tx acctmap.ReadTx) error {
			_, err := tx.DataSource("nope")
			wantNotFound(t, "DataSource after writing records to it", err)
			return nil
		})
	}},
	{"Aliasing", func(t *testing.T, s acctmap.Store) {
		// A store may keep the values it is given and return them without
		// copying, but SetMembers and DeletePopulation must not change a
		// Record anyone already holds: the slice given to PutRecords or
		// ReplaceRecords, or a Record returned before.
		withDataSources(t, s, "ds1", "ds2")
		put := recordsOf("ds1", 1, 2, 3)
		put[0].Populations = 1 << 9
		replace := recordsOf("ds2", 1, 2)
		update(t, s, func(tx acctmap.Tx) error {
			if err := tx.PutRecords("ds1", put); err != nil {
				return err
			}
			if err := tx.ReplaceRecords("ds2", replace); err != nil {
				return err
			}
			return tx.PutPopulation(population("p9", "ds1", "acme", 9))
		})
		putCopy, replaceCopy := slices.Clone(put), slices.Clone(replace)
		var got1 acctmap.Record
		var scanned []acctmap.Record
		view(t, s, func(tx acctmap.ReadTx) error {
			var err error
			got1, err = tx.Record("ds1", "r1")
			noErr(t, "Record", err)
			scanned = scan(t, tx, "ds1")
			return nil
		})
		update(t, s, func(tx acctmap.Tx) error {
			// Within the transaction too: a Record read before SetMembers
			// keeps its value.
			before, err := tx.Record("ds1", "r2")
			noErr(t, "Record", err)
			if err := tx.SetMembers("ds1", 3, []string{"r1", "r2", "r3"}); err != nil {
				return err
			}
			if before.Populations != 0 {
				t.Errorf("a Record read in a Tx changed with SetMembers: Populations = %b, want 0", before.Populations)
			}
			return tx.SetMembers("ds2", 3, []string{"r1", "r2"})
		})
		var got1Again acctmap.Record
		view(t, s, func(tx acctmap.ReadTx) error {
			var err error
			got1Again, err = tx.Record("ds1", "r1")
			noErr(t, "Record", err)
			if got1Again.Populations != 1<<9|1<<3 {
				t.Errorf("Record after SetMembers: Populations = %b, want %b", got1Again.Populations, 1<<9|1<<3)
			}
			return nil
		})
		update(t, s, func(tx acctmap.Tx) error { return tx.DeletePopulation("p9") })
		diff(t, "records given to PutRecords, after SetMembers", putCopy, put)
		diff(t, "records given to ReplaceRecords, after SetMembers", replaceCopy, replace)
		if got1.Populations != 1<<9 {
			t.Errorf("a Record returned before SetMembers changed: Populations = %b, want %b", got1.Populations, 1<<9)
		}
		diff(t, "records scanned before SetMembers", putCopy, scanned)
		if got1Again.Populations != 1<<9|1<<3 {
			t.Errorf("a Record returned before DeletePopulation changed: Populations = %b, want %b", got1Again.Populations, 1<<9|1<<3)
		}
		view(t, s, func(tx acctmap.ReadTx) error {
			r1, err := tx.Record("ds1", "r1")
			noErr(t, "Record", err)
			if r1.Populations != 1<<3 {
				t.Errorf("Record after DeletePopulation of slot 9: Populations = %b, want %b", r1.Populations, 1<<3)
			}
			return nil
		})
	}},
}
