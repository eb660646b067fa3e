package storetest

import (
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/acctmap/acctmap"
)

// optionalTests cover the optional capabilities of a store's transactions
// (acctmap.StreamTx, acctmap.FilterMembersTx); each is skipped for a store whose
// Tx does not have it.
var optionalTests = []test{
	{"ReplaceRecordsStream", func(t *testing.T, s acctmap.Store) {
		requireTx[acctmap.StreamTx](t, s)
		withDataSources(t, s, "ds1", "ds2")
		update(t, s, func(tx acctmap.Tx) error {
			if err := tx.PutRecords("ds1", recordsOf("ds1", 1, 2, 3)); err != nil {
				return err
			}
			return tx.PutRecords("ds2", recordsOf("ds2", 1))
		})
		// Three batches; r5 comes again in the third, which wins.
		r5 := record("ds1", 5)
		r5.Name, r5.Populations = "Company 5, again", 1<<63|1
		batches := []acctmap.RecordBatch{
			{Records: recordsOf("ds1", 2, 4, 5)},
			{Records: recordsOf("ds1", 6, 9)},
			{Records: []acctmap.Record{record("ds1", 7), r5}, Repeats: []string{"r5"}},
		}
		stream := func(batches []acctmap.RecordBatch, end error) func() (acctmap.RecordBatch, error) {
			return func() (acctmap.RecordBatch, error) {
				if len(batches) == 0 {
					return acctmap.RecordBatch{}, end
				}
				b := batches[0]
				batches = batches[1:]
				return b, nil
			}
		}
		update(t, s, func(tx acctmap.Tx) error {
			return tx.(acctmap.StreamTx).ReplaceRecordsStream("ds1", stream(batches, io.EOF))
		})
		want := append(recordsOf("ds1", 2, 4, 6, 7, 9), r5)
		wantRecords(t, s, "ds1", want)
		wantRecords(t, s, "ds2", recordsOf("ds2", 1))
		// next's error is returned and the transaction keeps nothing.
		boom := errors.New("boom")
		err := s.Update(t.Context(), func(tx acctmap.Tx) error {
			return tx.(acctmap.StreamTx).ReplaceRecordsStream("ds1", stream([]acctmap.RecordBatch{{Records: recordsOf("ds1", 11)}}, boom))
		})
		if !errors.Is(err, boom) {
			t.Errorf("ReplaceRecordsStream with a failing next: got %v, want boom", err)
		}
		wantRecords(t, s, "ds1", want)
		err = s.Update(t.Context(), func(tx acctmap.Tx) error {
			return tx.(acctmap.StreamTx).ReplaceRecordsStream("nope", stream(nil, io.EOF))
		})
		wantNotFound(t, "ReplaceRecordsStream of a missing data source", err)
	}},
	{"SetMembersByFilter", func(t *testing.T, s acctmap.Store) {
		requireTx[acctmap.FilterMembersTx](t, s)
		withDataSources(t, s, "ds1", "ds2")
		recs := recordsOf("ds1", 1, 2, 3, 4, 5, 6)
		recs[0].Populations = 1<<3 | 1 // r1 was in slot 3
		recs[1].Fields = map[string]string{"stage": " closed WON\t", "employees": "1,200"}
		recs[2].Fields = map[string]string{"stage": "Clösed Won", "employees": "n/a"} // not ASCII: decided in Go
		recs[3].Fields = map[string]string{"stage": "Discovery", "employees": "0x10"} // a number Go reads, SQL need not
		update(t, s, func(tx acctmap.Tx) error {
			if err := tx.PutRecords("ds1", recs); err != nil {
				return err
			}
			return tx.PutRecords("ds2", recordsOf("ds2", 1))
		})
		var decided []string
		decide := func(r *acctmap.Record) bool {
			decided = append(decided, r.ID)
			return r.ID == "r3" || r.ID == "r4"
		}
		members := func(slot int) []string {
			var ids []string
			view(t, s, func(tx acctmap.ReadTx) error {
				return tx.Records("ds1", func(r *acctmap.Record) error {
					if r.Populations&(1<<uint(slot)) != 0 {
						ids = append(ids, r.ID)
					}
					return nil
				})
			})
			slices.Sort(ids)
			return ids
		}
		for _, tc := range []struct {
			name    string
			f       acctmap.StoreFilter
			want    []string // decide says r3 and r4 when asked
			decided []string // at least these are asked
		}{
			{"equals, trimmed and folded", acctmap.StoreFilter{All: []acctmap.StoreCondition{{Field: "stage", Op: acctmap.Equals, Value: "closed won"}}},
				[]string{"r2", "r3", "r6"}, []string{"r3"}},
			{"greater than", acctmap.StoreFilter{All: []acctmap.StoreCondition{{Field: "employees", Op: acctmap.GreaterThan, Number: 1000}}},
				[]string{"r2", "r4"}, []string{"r4"}},
			{"any of, built-in", acctmap.StoreFilter{AnyOf: [][]acctmap.StoreCondition{{{Field: acctmap.FieldName, Op: acctmap.StartsWith, Value: "company 1 "},
				{Field: "stage", Op: acctmap.In, Values: []string{"discovery"}}}}}, []string{"r1", "r3", "r4"}, []string{"r3"}},
			{"zero filter", acctmap.StoreFilter{}, []string{"r1", "r2", "r3", "r4", "r5", "r6"}, nil},
		} {
			decided = nil
			update(t, s, func(tx acctmap.Tx) error {
				return tx.(acctmap.FilterMembersTx).SetMembersByFilter("ds1", 3, tc.f, decide)
			})
			diff(t, tc.name+": members", tc.want, members(3))
			for _, id := range tc.decided {
				if !slices.Contains(decided, id) {
					t.Errorf("%s: record %s was not handed to decide (decided: %v)", tc.name, id, decided)
				}
			}
			diff(t, tc.name+": slot 0 untouched", []string{"r1"}, members(0))
		}
		err := s.Update(t.Context(), func(tx acctmap.Tx) error {
			return tx.(acctmap.FilterMembersTx).SetMembersByFilter("nope", 0, acctmap.StoreFilter{}, decide)
		})
		wantNotFound(t, "SetMembersByFilter of a missing data source", err)
		err = s.Update(t.Context(), func(tx acctmap.Tx) error {
			return tx.(acctmap.FilterMembersTx).SetMembersByFilter("ds1", 64, acctmap.StoreFilter{}, decide)
		})
		if !errors.Is(err, acctmap.ErrInvalidInput) {
			t.Errorf("SetMembersByFilter with slot 64: got %v, want ErrInvalidInput", err)
		}
	}},
}

// requireTx skips the test unless the store's Tx implements T.
func requireTx[T any](t *testing.T, s acctmap.Store) {
	t.Helper()
	has := false
	_ = s.Update(t.Context(), func(tx acctmap.Tx) error {
		_, has = tx.(T)
		return errSkip
	})
	if !has {
		t.Skip("the store's Tx does not implement this optional capability")
	}
}

// errSkip rolls back requireTx's transaction.
var errSkip = errors.New("storetest: rolled back")
