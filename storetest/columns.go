package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/acctmap/acctmap"
)

// columnsTests cover acctmap.ColumnsTx, for stores whose transactions
// implement it: ReplaceRecordColumns stores what ReplaceRecords stores
// for the same records with their values as Fields maps (empty values
// left out, the last of a repeated id winning, the records' own Fields
// ignored), keeps nothing it was given, and refuses a table of the wrong
// size or a missing data source, changing nothing.
var columnsTests = []test{
	{"ReplaceRecordColumns", func(t *testing.T, s acctmap.Store) {
		before := seeded(t, s)
		names := []string{"stage", "owner", "region"}
		var recs []acctmap.Record
		var vals []string
		for i := range 7 {
			r := record("ds-globex", 50+i)
			r.Fields = map[string]string{"ignored": "x"}
			row := []string{[]string{"New", "Won", ""}[i%3], "owner" + strings.Repeat("z", i%2), []string{"", "EMEA"}[i%2]}
			if i == 6 {
				r.ID = "r50" // repeats the first id: this one wins
				row = []string{"", "", ""}
			}
			recs = append(recs, r)
			vals = append(vals, row...)
		}
		var want []acctmap.Record
		for i, r := range recs {
			r.Fields = nil
			for j, v := range vals[i*3 : i*3+3] {
				if v != "" {
					if r.Fields == nil {
						r.Fields = map[string]string{}
					}
					r.Fields[names[j]] = v
				}
			}
			if i < 6 && r.ID == "r50" {
				continue // replaced by the last record
			}
			want = append(want, r)
		}
		slices.SortFunc(want, func(a, b acctmap.Record) int { return strings.Compare(a.ID, b.ID) })
		skipped := false
		update(t, s, func(tx acctmap.Tx) error {
			ct, ok := tx.(acctmap.ColumnsTx)
			if !ok {
				skipped = true
				return nil
			}
			err := ct.ReplaceRecordColumns("ds-globex", recs, names, vals[:len(vals)-1])
			if !errors.Is(err, acctmap.ErrInvalidInput) {
				t.Errorf("ReplaceRecordColumns with a short table: error %v, want one wrapping acctmap.ErrInvalidInput", err)
			}
			wantNotFound(t, "ReplaceRecordColumns into a missing data source", ct.ReplaceRecordColumns("no-such-ds", recs, names, vals))
			snap, err := DumpTx(tx)
			noErr(t, "DumpTx", err)
			diff(t, "store after refused ReplaceRecordColumns", before, snap)
			return ct.ReplaceRecordColumns("ds-globex", recs, names, vals)
		})
		if skipped {
			t.Skip("the store's transactions do not implement acctmap.ColumnsTx")
		}
		after := frozenDump(t, s)
		got := slices.Clone(after.Records["ds-globex"])
		slices.SortFunc(got, func(a, b acctmap.Record) int { return strings.Compare(a.ID, b.ID) })
		diff(t, "records after ReplaceRecordColumns", want, got)
		scribble(recs)
		for i := range vals {
			vals[i] = "scribbled"
		}
		diff(t, "store after the caller wrote into what it gave ReplaceRecordColumns", after, frozenDump(t, s))
	}},
}
