package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/acctmap/acctmap"
)

// projectTests cover acctmap.ProjectTx, for stores whose transactions
// implement it: ScanProjected gives, for every record Records gives, its
// ID, Name, Website, Populations and Private, and the values of the named
// fields (fields it lacks and fields no record has read ""), in Views and
// in Updates after writes of their own.
var projectTests = []test{
	{"ScanProjected", func(t *testing.T, s acctmap.Store) {
		before := seeded(t, s)
		fields := []string{"stage", "no-such-field", "owner", "stage"}
		type row struct {
			ID, Name, Website string
			Populations       uint64
			Private           bool
			Vals              []string
		}
		scan := func(tx acctmap.ReadTx, want map[string][]acctmap.Record) {
			pt, ok := tx.(acctmap.ProjectTx)
			if !ok {
				t.Skip("the store's transactions do not implement acctmap.ProjectTx")
			}
			for ds, recs := range want {
				var exp, got []row
				for _, r := range recs {
					vals := make([]string, len(fields))
					for i, f := range fields {
						vals[i] = r.Fields[f]
					}
					exp = append(exp, row{r.ID, r.Name, r.Website, r.Populations, r.Private, vals})
				}
				noErr(t, "ScanProjected", pt.ScanProjected(ds, fields, func(r *acctmap.Record, vals []string) error {
					got = append(got, row{r.ID, r.Name, r.Website, r.Populations, r.Private, slices.Clone(vals)})
					return nil
				}))
				slices.SortFunc(got, func(a, b row) int { return strings.Compare(a.ID, b.ID) })
				diff(t, "ScanProjected("+ds+")", exp, got)
			}
			wantNotFound(t, "ScanProjected of a missing data source", pt.ScanProjected("no-such-ds", fields, func(*acctmap.Record, []string) error { return nil }))
		}
		view(t, s, func(tx acctmap.ReadTx) error { scan(tx, before.Records); return nil })
		update(t, s, func(tx acctmap.Tx) error {
			r := record("ds-globex", 40)
			r.Fields = map[string]string{"stage": "New", "region": "EMEA"} // a layout of its own
			if err := tx.PutRecords("ds-globex", []acctmap.Record{r}); err != nil {
				return err
			}
			if err := tx.SetMembers("ds-globex", 3, []string{"r40"}); err != nil {
				return err
			}
			snap, err := DumpTx(tx)
			noErr(t, "DumpTx", err)
			scan(tx, snap.Records)
			return nil
		})
	}},
	{"SetMembersWhere", func(t *testing.T, s acctmap.Store) {
		// SetMembersWhere leaves the store as SetMembers of the records
		// match selects does, and returns their ids; a bad slot or a
		// missing data source changes nothing.
		seeded(t, s)
		pick := func(r *acctmap.Record, vals []string) bool { return vals[0] == "Discovery" || r.Private }
		fields := []string{"stage"}
		var want []string
		view(t, s, func(tx acctmap.ReadTx) error {
			return tx.Records("ds-acme-crm", func(r *acctmap.Record) error {
				if pick(r, []string{r.Fields["stage"]}) {
					want = append(want, r.ID)
				}
				return nil
			})
		})
		skipped := false
		var got []string
		var afterWhere Snapshot
		update(t, s, func(tx acctmap.Tx) error {
			mt, ok := tx.(acctmap.MembersTx)
			if !ok {
				skipped = true
				return nil
			}
			before, err := DumpTx(tx)
			noErr(t, "DumpTx", err)
			if _, err := mt.SetMembersWhere("ds-acme-crm", 64, fields, pick); !errors.Is(err, acctmap.ErrInvalidInput) {
				t.Errorf("SetMembersWhere slot 64: error %v, want one wrapping acctmap.ErrInvalidInput", err)
			}
			_, err = mt.SetMembersWhere("no-such-ds", 1, fields, pick)
			wantNotFound(t, "SetMembersWhere of a missing data source", err)
			snap, err := DumpTx(tx)
			noErr(t, "DumpTx", err)
			diff(t, "store after refused SetMembersWhere", before, snap)
			got, err = mt.SetMembersWhere("ds-acme-crm", 5, fields, pick)
			noErr(t, "SetMembersWhere", err)
			afterWhere, err = DumpTx(tx)
			noErr(t, "DumpTx", err)
			// SetMembers of the same ids leaves the same store.
			noErr(t, "SetMembers", tx.SetMembers("ds-acme-crm", 5, want))
			snap, err = DumpTx(tx)
			noErr(t, "DumpTx", err)
			diff(t, "store after SetMembersWhere against SetMembers of the ids it selects", snap, afterWhere)
			return nil
		})
		if skipped {
			t.Skip("the store's transactions do not implement acctmap.MembersTx")
		}
		slices.Sort(got)
		slices.Sort(want)
		diff(t, "ids SetMembersWhere returned", want, got)
	}},
}
