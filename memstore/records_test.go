package memstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// randomRecord draws a record with any subset of six fields (so that
// consecutive records have the same number of fields under other names,
// and empty values), optional strings set or not, and lists of 0 to 3.
func randomRecord(rng *rand.Rand, id string) acctmap.Record {
	list := func(prefix string) []string {
		var l []string
		for i := range rng.IntN(4) {
			l = append(l, fmt.Sprintf("%s%d-%d", prefix, i, rng.IntN(3)))
		}
		return l
	}
	opt := func(s string) string {
		if rng.IntN(2) == 0 {
			return ""
		}
		return s
	}
	r := acctmap.Record{
		ID: id, Name: opt("Name " + id), Website: opt("w.example"), NameKey: opt("name " + id),
		Domains: list("d"), OtherNames: list("o"), OtherNameKeys: list("k"),
		Email: opt("e@x.example"), EmailKey: opt("e@x.example"),
		RegistrationID: acctmap.RegistrationID{Scheme: opt("duns"), Value: opt("000000001")},
		Populations:    rng.Uint64(), Private: rng.IntN(2) == 0,
	}
	for _, f := range []string{"stage", "owner", "region", "a", "b", "c"} {
		if rng.IntN(2) == 0 {
			if r.Fields == nil {
				r.Fields = map[string]string{}
			}
			r.Fields[f] = []string{"", "x", "Closed Won", f}[rng.IntN(4)]
		}
	}
	return r
}

// TestEncodeRoundTrip writes random records in random batches and checks
// that every one reads back exactly, through Record, Records, ScanRecords and RecordKeys.
func TestEncodeRoundTrip(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	s := New()
	ctx := context.Background()
	model := map[string]acctmap.Record{}
	err := s.Update(ctx, func(tx acctmap.Tx) error {
		if err := tx.PutOrg(acctmap.Org{ID: "o"}); err != nil {
			return err
		}
		return tx.PutDataSource(acctmap.DataSource{ID: "ds", OrgID: "o"})
	})
	if err != nil {
		t.Fatal(err)
	}
	opts := cmpopts.EquateEmpty()
	for round := range 50 {
		recs := make([]acctmap.Record, rng.IntN(40))
		for i := range recs {
			recs[i] = randomRecord(rng, fmt.Sprint(rng.IntN(60)))
		}
		replace := rng.IntN(5) == 0
		if replace {
			clear(model)
		}
		for _, r := range recs {
			model[r.ID] = r
		}
		err := s.Update(ctx, func(tx acctmap.Tx) error {
			if replace {
				return tx.ReplaceRecords("ds", recs)
			}
			return tx.PutRecords("ds", recs)
		})
		if err != nil {
			t.Fatal(err)
		}
		err = s.View(ctx, func(tx acctmap.ReadTx) error {
			for id, want := range model {
				got, err := tx.Record("ds", id)
				if err != nil {
					return err
				}
				if d := cmp.Diff(want, got, opts); d != "" {
					t.Fatalf("round %d: Record(%q) (-want +got):\n%s", round, id, d)
				}
			}
			n := 0
			if err := tx.Records("ds", func(r *acctmap.Record) error {
				n++
				if d := cmp.Diff(model[r.ID], *r, opts); d != "" {
					t.Fatalf("round %d: Records gave %q (-want +got):\n%s", round, r.ID, d)
				}
				return nil
			}); err != nil {
				return err
			}
			if n != len(model) {
				t.Fatalf("round %d: Records gave %d records, want %d", round, n, len(model))
			}
			n = 0
			if err := tx.(acctmap.ScanTx).ScanRecords("ds", func(r *acctmap.Record) error {
				n++
				if d := cmp.Diff(model[r.ID], *r, opts); d != "" {
					t.Fatalf("round %d: ScanRecords gave %q (-want +got):\n%s", round, r.ID, d)
				}
				return nil
			}); err != nil {
				return err
			}
			if n != len(model) {
				t.Fatalf("round %d: ScanRecords gave %d records, want %d", round, n, len(model))
			}
			return tx.RecordKeys("ds", func(r *acctmap.Record) error {
				want := model[r.ID]
				want.Fields = nil
				if d := cmp.Diff(want, *r, opts); d != "" {
					t.Fatalf("round %d: RecordKeys gave %q (-want +got):\n%s", round, r.ID, d)
				}
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
