package pgstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
)

// bareStore is a Store whose transactions have only the methods of
// ReadTx and Tx: no StreamTx, FilterMembersTx, OverlapTx or ScanTx, so that a
// Network over it takes the in-memory paths (import read whole, then
// written; membership evaluated in Go).
type bareStore struct{ s *Store }

type bareRead struct{ acctmap.ReadTx }

type bareTx struct{ acctmap.Tx }

func (p bareStore) View(ctx context.Context, fn func(acctmap.ReadTx) error) error {
	return p.s.View(ctx, func(tx acctmap.ReadTx) error { return fn(bareRead{tx}) })
}

func (p bareStore) Update(ctx context.Context, fn func(acctmap.Tx) error) error {
	return p.s.Update(ctx, func(tx acctmap.Tx) error { return fn(bareTx{tx}) })
}

// streamCSV generates an export of n rows with an id column (or none):
// ids repeated far apart (in other batches), rows repeated whole, websites
// shared by records of different batches (linked accounts), non-ASCII
// names, empty fields.
func streamCSV(n int, withID bool, variant int) []byte {
	var b bytes.Buffer
	if withID {
		b.WriteString("Record ID,")
	}
	b.WriteString("Company Name,Website,Stage,Region,Employees\n")
	stages := []string{"Closed Won", "Discovery", "closed won ", "Négociation", ""}
	for i := range n {
		j := i
		if i%97 == 5 {
			j = i / 3 // repeats an earlier row's id (or content)
		}
		num := strconv.Itoa(j)
		if withID {
			b.WriteString("id" + num + ",")
		}
		site := "https://c" + num + ".example"
		if j%41 == 0 {
			site = "https://shared" + strconv.Itoa(j%7) + ".example/" + num // one domain, many records
		}
		stage := stages[(j+variant)%len(stages)]
		if i%97 == 5 && withID {
			stage = stages[(j+1)%len(stages)] // the replacing row differs
		}
		fmt.Fprintf(&b, "\"Company %s Ünïcode\",%s,%s,R%d,%d\n", num, site, stage, j%5, (j*37)%20000)
	}
	return b.Bytes()
}

// streamWorld is a network on s (streaming) and one on bareStore{s} for
// the same org, with a data source each.
type streamWorld struct {
	stream, plain     *acctmap.Actor
	streamDS, plainDS string
}

func newStreamWorld(t *testing.T, s *Store) streamWorld {
	t.Helper()
	ctx := t.Context()
	net := acctmap.New(s)
	if _, err := net.CreateOrg(ctx, acctmap.Org{ID: "org", Name: "Org"}); err != nil {
		t.Fatal(err)
	}
	if _, err := net.AddUser(ctx, acctmap.User{ID: "admin", OrgID: "org", Name: "Admin", Email: "a@example.test", Role: acctmap.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	w := streamWorld{stream: net.As("admin"), plain: acctmap.New(bareStore{s}).As("admin")}
	for _, d := range []*string{&w.streamDS, &w.plainDS} {
		ds, err := w.stream.CreateDataSource(ctx, acctmap.NewDataSource{Name: "crm " + strconv.Itoa(len(w.streamDS))})
		if err != nil {
			t.Fatal(err)
		}
		*d = ds.ID
	}
	return w
}

// summaryText makes a summary comparable: errors by their text.
func summaryText(s acctmap.ImportSummary) string {
	return fmt.Sprintf("%+v", s)
}

// content is what a data source holds: its records and what the data
// source says of them, comparable across the two data sources.
func content(t *testing.T, a *acctmap.Actor, dsID string) ([]acctmap.Record, acctmap.DataSource) {
	t.Helper()
	var recs []acctmap.Record
	for r, err := range a.Records(t.Context(), dsID, acctmap.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	ds, err := a.DataSource(t.Context(), dsID)
	if err != nil {
		t.Fatal(err)
	}
	ds.ID, ds.Name, ds.CreatedAt, ds.UpdatedAt, ds.Version = "", "", ds.CreatedAt.UTC().Truncate(1), ds.UpdatedAt.UTC().Truncate(1), 0
	return recs, ds
}

// importBoth imports data into both data sources, the streamed and the
// in-memory way, and fails the test unless the summaries, errors and
// contents agree.
func importBoth(t *testing.T, w streamWorld, name string, data []byte, m csvsource.Mapping) {
	t.Helper()
	ctx := t.Context()
	sumS, errS := w.stream.ImportCSV(ctx, w.streamDS, bytes.NewReader(data), acctmap.CSVImport{Mapping: m, FileName: name})
	sumP, errP := w.plain.ImportCSV(ctx, w.plainDS, bytes.NewReader(data), acctmap.CSVImport{Mapping: m, FileName: name})
	if fmt.Sprint(errS) != fmt.Sprint(errP) {
		t.Fatalf("%s: streamed import: %v; in memory: %v", name, errS, errP)
	}
	if d := cmp.Diff(summaryText(sumP), summaryText(sumS)); d != "" {
		t.Errorf("%s: summary (-in memory +streamed):\n%s", name, d)
	}
	recsS, dsS := content(t, w.stream, w.streamDS)
	recsP, dsP := content(t, w.plain, w.plainDS)
	dsS.CreatedAt, dsS.UpdatedAt = dsP.CreatedAt, dsP.UpdatedAt
	if d := cmp.Diff(dsP, dsS); d != "" {
		t.Errorf("%s: data source (-in memory +streamed):\n%s", name, d)
	}
	if d := cmp.Diff(recsP, recsS); d != "" {
		t.Errorf("%s: records (-in memory +streamed):\n%.3000s", name, d)
	}
	if len(recsS) == 0 {
		t.Errorf("%s: no records", name)
	}
}

// TestStreamedImportEqualsInMemory: on real exports and generated ones
// (tens of thousands of rows: several batches, ids and whole rows repeated
// across batches, accounts linked across batches), a streamed import
// gives what the in-memory import gives: the summary, the records with
// their populations and private marks, the data source's fields and
// tombstones; and again on a second import over populations and private
// records.
func TestStreamedImportEqualsInMemory(t *testing.T) {
	t.Parallel()
	real := func(name string) []byte {
		b, err := os.ReadFile("/work/shared/testdata/real/" + name)
		if err != nil {
			b, err = os.ReadFile("../../shared/testdata/real/" + name)
		}
		if err != nil {
			t.Skipf("real data: %v", err)
		}
		return b
	}
	yc := real("yc_companies.csv")
	seed := real("yc_startups_seeddb_2014.csv")
	repeat := func(b []byte, n int) []byte {
		header, body, _ := bytes.Cut(b, []byte("\n"))
		out := append(append([]byte{}, header...), '\n')
		for range n {
			out = append(out, body...)
		}
		return out
	}
	cases := []struct {
		name         string
		first, again []byte
		m            csvsource.Mapping
		pops         []acctmap.Filter
	}{
		{"yc_companies.csv", yc, repeat(yc, 3), csvsource.Mapping{ID: "id", Name: "name", Website: "website"},
			[]acctmap.Filter{{All: []acctmap.Condition{{Field: "status", Op: acctmap.Equals, Value: "active"}}},
				{All: []acctmap.Condition{{Field: "team_size", Op: acctmap.GreaterThan, Value: "50"}}},
				{All: []acctmap.Condition{{Field: "name", Op: acctmap.Contains, Value: "ai"}}}}},
		{"yc_startups_seeddb_2014.csv", seed, repeat(seed, 20), csvsource.Mapping{Name: "Company", Website: "Website"},
			[]acctmap.Filter{{All: []acctmap.Condition{{Field: "Satus", Op: acctmap.Equals, Value: "operating"}}},
				{All: []acctmap.Condition{{Field: "Year Founded", Op: acctmap.LessThan, Value: "2012"}}}}},
		{"generated with ids", streamCSV(26000, true, 0), streamCSV(31000, true, 1), csvsource.Mapping{ID: "Record ID", Name: "Company Name", Website: "Website"},
			[]acctmap.Filter{{All: []acctmap.Condition{{Field: "Stage", Op: acctmap.Equals, Value: "closed won"}}},
				{AnyOf: [][]acctmap.Condition{{{Field: "Stage", Op: acctmap.StartsWith, Value: "né"}, {Field: "Employees", Op: acctmap.GreaterThan, Value: "15000"}}}}}},
		{"generated without ids", streamCSV(24000, false, 0), streamCSV(24000, false, 2), csvsource.Mapping{Name: "Company Name", Website: "Website"},
			[]acctmap.Filter{{All: []acctmap.Condition{{Field: "Region", Op: acctmap.In, Values: []string{"r1", "R2"}}}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newStreamWorld(t, openTest(t))
			ctx := t.Context()
			importBoth(t, w, tc.name, tc.first, tc.m)
			for i, f := range tc.pops {
				for _, side := range []struct {
					a  *acctmap.Actor
					ds string
				}{{w.stream, w.streamDS}, {w.plain, w.plainDS}} {
					if _, err := side.a.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: side.ds, Kind: acctmap.Custom, Name: side.ds + " p" + strconv.Itoa(i), Filter: f}); err != nil {
						t.Fatal(err)
					}
				}
			}
			// Private marks on some records, one of which the next file
			// may not have (a tombstone), on both sides.
			recs, _ := content(t, w.stream, w.streamDS)
			var priv []string
			for i := 0; i < len(recs); i += len(recs)/7 + 1 {
				priv = append(priv, recs[i].ID)
			}
			for _, side := range []struct {
				a  *acctmap.Actor
				ds string
			}{{w.stream, w.streamDS}, {w.plain, w.plainDS}} {
				if _, err := side.a.SetPrivate(ctx, side.ds, priv, true); err != nil {
					t.Fatal(err)
				}
			}
			importBoth(t, w, tc.name+" again", tc.again, tc.m)
			importBoth(t, w, tc.name+" once more", tc.first, tc.m)
		})
	}
}

// failingReader returns its data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

// TestStreamedImportFailureKeepsData: an import that fails after several
// batches were written in its transaction (cancelled, a failing reader, a
// file rejected at a late line) leaves the previous content, and its
// error says why (the line, for the file).
func TestStreamedImportFailureKeepsData(t *testing.T) {
	t.Parallel()
	m := csvsource.Mapping{ID: "Record ID", Name: "Company Name", Website: "Website"}
	big := streamCSV(60000, true, 3)
	broken := append(append([]byte{}, big...), "x,\"unterminated\n"...)
	for _, tc := range []struct {
		name   string
		reader func(cancel context.CancelFunc) (io.Reader, func(acctmap.Progress))
		want   func(error) bool
	}{
		{"cancelled", func(cancel context.CancelFunc) (io.Reader, func(acctmap.Progress)) {
			return bytes.NewReader(big), func(p acctmap.Progress) {
				if p.Rows >= 35000 {
					cancel()
				}
			}
		}, func(err error) bool { return errors.Is(err, context.Canceled) }},
		{"failing reader", func(context.CancelFunc) (io.Reader, func(acctmap.Progress)) {
			return &failingReader{data: big[:len(big)*2/3], err: io.ErrUnexpectedEOF}, nil
		}, func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) }},
		{"rejected file", func(context.CancelFunc) (io.Reader, func(acctmap.Progress)) {
			return bytes.NewReader(broken), nil
		}, func(err error) bool {
			return errors.Is(err, acctmap.ErrInvalidInput) && strings.Contains(err.Error(), "60002")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newStreamWorld(t, openTest(t))
			before := streamCSV(12000, true, 0)
			if _, err := w.stream.ImportCSV(t.Context(), w.streamDS, bytes.NewReader(before), acctmap.CSVImport{Mapping: m}); err != nil {
				t.Fatal(err)
			}
			want, wantDS := content(t, w.stream, w.streamDS)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			r, progress := tc.reader(cancel)
			_, err := w.stream.ImportCSV(ctx, w.streamDS, r, acctmap.CSVImport{Mapping: m, FileName: "big.csv", Progress: progress, ProgressEvery: 1000})
			if !tc.want(err) {
				t.Fatalf("ImportCSV = %v", err)
			}
			got, gotDS := content(t, w.stream, w.streamDS)
			if d := cmp.Diff(wantDS, gotDS); d != "" {
				t.Errorf("data source changed (-before +after):\n%s", d)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("records changed (-before +after):\n%.2000s", d)
			}
		})
	}
}
