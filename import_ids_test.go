package acctmap_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/memstore"
)

// ImportCSV's records, read back, are those of a plain reference reading
// of the rows: a repeated id replaces the record of the row before (the
// summary counting it), an empty cell leaves the field out, and every
// record keeps its fields; with and without ColumnsTx in the store (a
// store wrapper hides it), on files large enough to grow the id set.
func TestImportMatchesReference(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for seed := uint64(1); seed <= 4; seed++ {
		for _, hide := range []bool{false, true} {
			t.Run(fmt.Sprintf("seed%d/hideColumns=%v", seed, hide), func(t *testing.T) {
				t.Parallel()
				rng := rand.New(rand.NewPCG(seed, 3))
				rows := 500 + rng.IntN(3000)
				var b strings.Builder
				b.WriteString("Id,Company,Website,Stage,Owner\n")
				want := map[string]acctmap.Record{}
				dups := 0
				for i := range rows {
					id := fmt.Sprint("r", rng.IntN(rows*2/3))
					stage := []string{"", "Customer", "Prospect"}[rng.IntN(3)]
					owner := []string{"", "ann", "bob", "cy"}[rng.IntN(4)]
					fmt.Fprintf(&b, "%s,Company %d,company%d.com,%s,%s\n", id, i, i, stage, owner)
					if _, ok := want[id]; ok {
						dups++
					}
					r := acctmap.Record{ID: id, Name: fmt.Sprint("Company ", i), Fields: map[string]string{}}
					if stage != "" {
						r.Fields["Stage"] = stage
					}
					if owner != "" {
						r.Fields["Owner"] = owner
					}
					want[id] = r
				}
				var store acctmap.Store = memstore.New()
				if hide {
					store = plainStore{store}
				}
				net := acctmap.New(store)
				_, err := net.CreateOrg(ctx, acctmap.Org{ID: "o", Name: "O"})
				wantErr(t, "org", err, nil)
				_, err = net.AddUser(ctx, acctmap.User{ID: "u", OrgID: "o", Name: "u", Role: acctmap.RoleAdmin})
				wantErr(t, "user", err, nil)
				a := net.As("u")
				ds, err := a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM"})
				wantErr(t, "ds", err, nil)
				sum, err := a.ImportCSV(ctx, ds.ID, strings.NewReader(b.String()), acctmap.CSVImport{
					Mapping: csvsource.Mapping{ID: "Id", Name: "Company", Website: "Website"}})
				wantErr(t, "import", err, nil)
				if sum.Accepted != len(want) || sum.DuplicatesMerged != dups {
					t.Fatalf("summary: %d accepted, %d duplicates merged; want %d and %d", sum.Accepted, sum.DuplicatesMerged, len(want), dups)
				}
				got := map[string]acctmap.Record{}
				for r, err := range a.Records(ctx, ds.ID, acctmap.Filter{}) {
					wantErr(t, "records", err, nil)
					got[r.ID] = acctmap.Record{ID: r.ID, Name: r.Name, Fields: r.Fields}
				}
				for id, r := range want {
					if len(r.Fields) == 0 {
						r.Fields = nil
						want[id] = r
					}
				}
				for id, r := range got {
					if len(r.Fields) == 0 {
						r.Fields = nil
						got[id] = r
					}
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("records read back differ from the reference (-want +got):\n%s", d)
				}
			})
		}
	}
}

// plainStore hides the optional capabilities of a store's transactions
// (ColumnsTx, ProjectTx, ScanTx): the Network then takes the paths every
// store has.
type plainStore struct{ s acctmap.Store }

func (p plainStore) View(ctx context.Context, fn func(acctmap.ReadTx) error) error {
	return p.s.View(ctx, func(tx acctmap.ReadTx) error { return fn(plainReadTx{tx}) })
}

func (p plainStore) Update(ctx context.Context, fn func(acctmap.Tx) error) error {
	return p.s.Update(ctx, func(tx acctmap.Tx) error { return fn(plainTx{tx}) })
}

type plainReadTx struct{ acctmap.ReadTx }
type plainTx struct{ acctmap.Tx }
