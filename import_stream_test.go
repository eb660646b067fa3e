package acctmap_test

import (
	"strings"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
)

// TestImportCSVWithoutStreamTx: on a store whose Tx is no StreamTx
// (memstore), ImportCSV takes the in-memory path every time: the probe
// that finds no StreamTx never surfaces as an error (it once did, in one
// import of a few hundred, when the probe's two signals raced).
func TestImportCSVWithoutStreamTx(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ds, err := w.adminA.CreateDataSource(t.Context(), acctmap.NewDataSource{Name: "crm"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 500 {
		csv := "id,name,website\n1,Acme,acme.example\n2,Bolt,bolt.example\n"
		sum, err := w.adminA.ImportCSV(t.Context(), ds.ID, strings.NewReader(csv), acctmap.CSVImport{Mapping: csvsource.Mapping{ID: "id", Name: "name", Website: "website"}})
		if err != nil || sum.Accepted != 2 {
			t.Fatalf("import %d: %+v, %v", i, sum, err)
		}
	}
}
