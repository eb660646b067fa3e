package acctmap_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/normalize"
)

var nameWebsite = csvsource.Mapping{Name: "Company", Website: "Website"}

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

func records(t *testing.T, a *acctmap.Actor, s acctmap.Store, dsID string) map[string]acctmap.Record {
	t.Helper()
	out := map[string]acctmap.Record{}
	err := s.View(context.Background(), func(tx acctmap.ReadTx) error {
		return tx.Records(dsID, func(r *acctmap.Record) error { out[r.ID] = *r; return nil })
	})
	if err != nil {
		t.Fatalf("records: %v", err)
	}
	return out
}

func TestCreateDataSource(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	ds, err := w.pmData.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Salesforce"})
	wantErr(t, "create", err, nil)
	if ds.OrgID != "org-a" || ds.Kind != acctmap.CSVSource {
		t.Errorf("data source = %+v, want org-a and the CSV kind by default", ds)
	}
	for _, tc := range []struct {
		name  string
		actor *acctmap.Actor
		spec  acctmap.NewDataSource
		want  error
	}{
		{"duplicate name", w.adminA, acctmap.NewDataSource{Name: "salesforce"}, acctmap.ErrConflict},
		{"empty name", w.adminA, acctmap.NewDataSource{Name: ""}, acctmap.ErrInvalidInput},
		{"bad kind", w.adminA, acctmap.NewDataSource{Name: "X", Kind: "ftp"}, acctmap.ErrInvalidInput},
		{"reader", w.readerA, acctmap.NewDataSource{Name: "X"}, acctmap.ErrPermissionDenied},
		{"sharing manager", w.pmSharing, acctmap.NewDataSource{Name: "X"}, acctmap.ErrPermissionDenied},
		{"other org", w.adminA, acctmap.NewDataSource{OrgID: "org-b", Name: "X"}, acctmap.ErrNotFound},
		{"unknown org", w.adminA, acctmap.NewDataSource{OrgID: "org-zz", Name: "X"}, acctmap.ErrNotFound},
		{"pushed", w.adminA, acctmap.NewDataSource{Name: "HubSpot", Kind: acctmap.PushedSource}, nil},
	} {
		_, err := tc.actor.CreateDataSource(ctx, tc.spec)
		wantErr(t, tc.name, err, tc.want)
	}
	list, err := w.readerA.DataSources(ctx, "")
	wantErr(t, "list", err, nil)
	if len(list) != 2 {
		t.Errorf("DataSources = %d, want 2", len(list))
	}
	_, err = w.adminB.DataSources(ctx, "org-a")
	wantErr(t, "other org lists", err, acctmap.ErrNotFound)
	_, err = w.adminB.DataSource(ctx, ds.ID)
	wantErr(t, "other org reads", err, acctmap.ErrNotFound)
	_, err = w.adminA.DataSource(ctx, "ds_nope")
	wantErr(t, "unknown", err, acctmap.ErrNotFound)
	wantErr(t, "other org deletes", w.adminB.DeleteDataSource(ctx, ds.ID), acctmap.ErrNotFound)
	wantErr(t, "reader deletes", w.readerA.DeleteDataSource(ctx, ds.ID), acctmap.ErrPermissionDenied)
}

func TestUpsertRecordsNormalizesOnceAtIngest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	ds, err := w.adminA.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})
	wantErr(t, "create", err, nil)
	sum, err := w.pmData.UpsertRecords(ctx, ds.ID, []acctmap.RecordInput{
		{ID: "1", Name: "Acme, Inc.", Website: "https://www.Acme.com/about", Aliases: []string{"acme.de; acme.fr", "n/a"},
			RegistrationID: acctmap.RegistrationID{Scheme: "DUNS", Value: "00-123-4567"}, Fields: map[string]string{"Stage": "Customer"}},
		{ID: "2", Name: "Société Générale", Website: "n/a"},
		{ID: "3", Website: "jane@gmail.com"}, // no key at all
		{ID: "", Name: "No id"},              // no id
		{ID: "4", Name: "Short duns", RegistrationID: acctmap.RegistrationID{Scheme: "duns", Value: "1234567"}},
		{ID: "1", Name: "Acme Corporation", Website: "acme.com", Fields: map[string]string{"Owner": "Jane"}}, // later wins
	})
	wantErr(t, "upsert", err, nil)
	wantSum := acctmap.ImportSummary{Rows: 6, Accepted: 3, Rejected: 2, DuplicatesMerged: 1, Duplicates: []acctmap.Rejection{
		{Index: 5, RecordID: "1", Reason: "repeats the record id of index 0: <err>"},
	}, Rejections: []acctmap.Rejection{
		{Index: 2, RecordID: "3", Reason: "no company name, and website: <err>"},
		{Index: 3, Reason: "record has no id"},
	}, Warned: 2, Warnings: []acctmap.Rejection{
		{Index: 1, RecordID: "2", Reason: "website: <err>"},
		// A short DUNS (a number column that lost its leading zeros) is never
		// padded: the record is kept on its other keys, without the id.
		{Index: 4, RecordID: "4", Reason: "registration id: <err>"},
	}}
	maskReasons := cmp.Transformer("maskErr", func(r acctmap.Rejection) acctmap.Rejection {
		if i := strings.Index(r.Reason, ": "); i >= 0 && r.Reason != "record has no id" {
			r.Reason = r.Reason[:i+2] + "<err>"
		}
		return r
	})
	if diff := cmp.Diff(wantSum, sum, maskReasons); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	got := records(t, w.adminA, w.store, ds.ID)
	want := map[string]acctmap.Record{
		"1": {ID: "1", Name: "Acme Corporation", Website: "acme.com", Domains: []string{"acme.com"}, NameKey: "acme", Fields: map[string]string{"Owner": "Jane"}},
		"2": {ID: "2", Name: "Société Générale", Website: "n/a", NameKey: "societe generale"},
		"4": {ID: "4", Name: "Short duns", NameKey: "short duns"},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	_, err = w.adminA.UpsertRecords(ctx, ds.ID, []acctmap.RecordInput{{ID: "5", Name: "Initech", Website: "initech.com",
		Aliases: []string{"acme.de; acme.fr"}, RegistrationID: acctmap.RegistrationID{Scheme: "duns", Value: "001234567"}}})
	wantErr(t, "upsert aliases", err, nil)
	r, err := w.readerA.Record(ctx, ds.ID, "5")
	wantErr(t, "Record", err, nil)
	if diff := cmp.Diff([]string{"initech.com", "acme.de", "acme.fr"}, r.Domains); diff != "" {
		t.Errorf("domains with aliases (-want +got):\n%s", diff)
	}
	if r.RegistrationID != (acctmap.RegistrationID{Scheme: "duns", Value: "001234567"}) {
		t.Errorf("registration id = %+v, want duns 001234567 with leading zeros kept", r.RegistrationID)
	}
	dsNow, err := w.adminA.DataSource(ctx, ds.ID)
	wantErr(t, "DataSource", err, nil)
	if diff := cmp.Diff([]string{"Owner", "Stage"}, dsNow.Fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	if dsNow.Version != 2 {
		t.Errorf("version = %d after two syncs, want 2", dsNow.Version)
	}

	n, err := w.adminA.DeleteRecords(ctx, ds.ID, []string{"1", "nope"})
	wantErr(t, "DeleteRecords", err, nil)
	if n != 1 {
		t.Errorf("DeleteRecords deleted %d, want 1", n)
	}
	_, err = w.adminA.Record(ctx, ds.ID, "1")
	wantErr(t, "deleted record", err, acctmap.ErrNotFound)

	_, err = w.adminA.ReplaceRecords(ctx, ds.ID, []acctmap.RecordInput{{ID: "9", Name: "Umbrella", Fields: map[string]string{"Tier": "1"}}})
	wantErr(t, "ReplaceRecords", err, nil)
	if got := records(t, w.adminA, w.store, ds.ID); len(got) != 1 || got["9"].Name != "Umbrella" {
		t.Errorf("after replace: %v, want only record 9", got)
	}
	dsNow, _ = w.adminA.DataSource(ctx, ds.ID)
	if diff := cmp.Diff([]string{"Tier"}, dsNow.Fields); diff != "" {
		t.Errorf("fields after replace (-want +got):\n%s", diff)
	}

	// Permissions and kinds.
	_, err = w.readerA.UpsertRecords(ctx, ds.ID, []acctmap.RecordInput{{ID: "x", Name: "x"}})
	wantErr(t, "reader upserts", err, acctmap.ErrPermissionDenied)
	_, err = w.adminB.UpsertRecords(ctx, ds.ID, []acctmap.RecordInput{{ID: "x", Name: "x"}})
	wantErr(t, "other org upserts", err, acctmap.ErrNotFound)
	_, err = w.adminB.DeleteRecords(ctx, ds.ID, []string{"9"})
	wantErr(t, "other org deletes", err, acctmap.ErrNotFound)
	csvDS, err := w.adminA.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Upload"})
	wantErr(t, "create csv", err, nil)
	_, err = w.adminA.UpsertRecords(ctx, csvDS.ID, []acctmap.RecordInput{{ID: "x", Name: "x"}})
	wantErr(t, "upsert into csv source", err, acctmap.ErrInvalidInput)
	_, err = w.adminA.DeleteRecords(ctx, csvDS.ID, []string{"x"})
	wantErr(t, "delete from csv source", err, acctmap.ErrInvalidInput)
	_, err = w.adminA.UpsertRecords(ctx, "ds_nope", nil)
	wantErr(t, "unknown source", err, acctmap.ErrNotFound)
}

func TestUpsertRecordsCancelled(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ds, err := w.adminA.CreateDataSource(context.Background(), acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})
	wantErr(t, "create", err, nil)
	before := dumpStore(t, w.store)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = w.adminA.UpsertRecords(ctx, ds.ID, []acctmap.RecordInput{{ID: "1", Name: "Acme"}})
	wantErr(t, "cancelled upsert", err, context.Canceled)
	if diff := cmp.Diff(before, dumpStore(t, w.store)); diff != "" {
		t.Errorf("cancelled upsert changed the store (-before +after):\n%s", diff)
	}
}

const accountsCSV = "Account ID,Company,Website,Stage,ARR,Close Date\r\n" +
	"001,\"Acme, Inc.\",https://www.acme.com,Customer,120000,2026-03-01\r\n" +
	"002,Globex,globex.com/,Prospect,,2026-09-15\r\n" +
	"003,Initech,n/a,Customer,\"1,500\",\r\n" +
	"004,,n/a,Prospect,0,\r\n" +
	"002,Globex Corporation,globex.com,Open Opportunity,5000,2026-10-01\r\n"

func TestImportCSV(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	ds, err := w.adminA.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Upload"})
	wantErr(t, "create", err, nil)
	var progress []acctmap.Progress
	sum, err := w.pmData.ImportCSV(ctx, ds.ID, stringsReader(accountsCSV), acctmap.CSVImport{
		Mapping:       csvsource.Mapping{Name: "company", Website: " WEBSITE ", ID: "Account ID"},
		FileName:      "accounts.csv",
		Progress:      func(p acctmap.Progress) { progress = append(progress, p) },
		ProgressEvery: 2,
	})
	wantErr(t, "import", err, nil)
	if sum.Rows != 5 || sum.Accepted != 3 || sum.Rejected != 1 || sum.DuplicatesMerged != 1 || len(sum.Rejections) != 1 || sum.Rejections[0].Line != 5 {
		t.Errorf("summary = %+v, want 5 rows, 3 accepted, 1 rejected at line 5, 1 duplicate merged", sum)
	}
	if len(progress) < 2 || progress[0].Rows != 2 || progress[len(progress)-1].Rows != 5 || progress[len(progress)-1].TotalBytes != int64(len(accountsCSV)) ||
		progress[len(progress)-1].Bytes != int64(len(accountsCSV)) {
		t.Errorf("progress = %+v, want reports every 2 rows ending at 5 rows and all %d bytes", progress, len(accountsCSV))
	}
	got := records(t, w.adminA, w.store, ds.ID)
	want := map[string]acctmap.Record{
		"001": {ID: "001", Name: "Acme, Inc.", Website: "https://www.acme.com", Domains: []string{"acme.com"}, NameKey: "acme",
			Fields: map[string]string{"Stage": "Customer", "ARR": "120000", "Close Date": "2026-03-01"}},
		"002": {ID: "002", Name: "Globex Corporation", Website: "globex.com", Domains: []string{"globex.com"}, NameKey: "globex",
			Fields: map[string]string{"Stage": "Open Opportunity", "ARR": "5000", "Close Date": "2026-10-01"}},
		"003": {ID: "003", Name: "Initech", Website: "n/a", NameKey: "initech", Fields: map[string]string{"Stage": "Customer", "ARR": "1,500"}},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	dsNow, _ := w.adminA.DataSource(ctx, ds.ID)
	if diff := cmp.Diff([]string{"Stage", "ARR", "Close Date"}, dsNow.Fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}

	// A failed or cancelled import leaves the previous data intact.
	before := dumpStore(t, w.store)
	for _, tc := range []struct {
		name    string
		ctx     func() context.Context
		input   string
		mapping csvsource.Mapping
		want    error
		mention string
	}{
		{"ragged row", context.Background, "Company,Website\nA,a.com\nB,b.com,extra\n", nameWebsite, acctmap.ErrInvalidInput, "accounts.csv:3: row has 3 fields"},
		{"missing column", context.Background, "Name,URL\nA,a.com\n", nameWebsite, acctmap.ErrInvalidInput, `"Name", "URL"`},
		{"unbalanced quote", context.Background, "Company,Website\n\"A,a.com\n", nameWebsite, acctmap.ErrInvalidInput, "accounts.csv"},
		{"cancelled", func() context.Context { c, cancel := context.WithCancel(context.Background()); cancel(); return c },
			"Company,Website\nA,a.com\n", nameWebsite, context.Canceled, ""},
		{"empty id", context.Background, "ID,Company,Website\n,A,a.com\n", csvsource.Mapping{Name: "Company", Website: "Website", ID: "ID"}, nil, ""},
	} {
		_, err := w.adminA.ImportCSV(tc.ctx(), ds.ID, stringsReader(tc.input), acctmap.CSVImport{Mapping: tc.mapping, FileName: "accounts.csv"})
		if tc.want == nil {
			continue // accepted imports are checked elsewhere; this one replaces data, so it runs last
		}
		wantErr(t, tc.name, err, tc.want)
		if !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("%s: error %q does not mention %q", tc.name, err, tc.mention)
		}
		if diff := cmp.Diff(before, dumpStore(t, w.store)); diff != "" {
			t.Fatalf("%s: failed import changed the store (-before +after):\n%s", tc.name, diff)
		}
	}
	_, err = w.readerA.ImportCSV(ctx, ds.ID, stringsReader(accountsCSV), acctmap.CSVImport{Mapping: nameWebsite})
	wantErr(t, "reader imports", err, acctmap.ErrPermissionDenied)
	_, err = w.adminB.ImportCSV(ctx, ds.ID, stringsReader(accountsCSV), acctmap.CSVImport{Mapping: nameWebsite})
	wantErr(t, "other org imports", err, acctmap.ErrNotFound)
}

func TestImportCSVWithoutIDColumnDerivesIDsFromContent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	ds, err := w.adminA.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Upload"})
	wantErr(t, "create", err, nil)
	importIDs := func(input string) (acctmap.ImportSummary, map[string]string) {
		t.Helper()
		sum, err := w.adminA.ImportCSV(ctx, ds.ID, stringsReader(input), acctmap.CSVImport{Mapping: nameWebsite})
		wantErr(t, "import", err, nil)
		ids := map[string]string{} // name and owner → id
		for id, r := range records(t, w.adminA, w.store, ds.ID) {
			ids[r.Name+"/"+r.Fields["Owner"]] = id
		}
		return sum, ids
	}
	sum, first := importIDs("Company,Website,Owner\nAcme,acme.com,Jane\nGlobex,globex.com,Joe\nAcme,acme.com,Jane\nAcme,acme.com,Ann\n")
	if sum.Accepted != 3 || sum.DuplicatesMerged != 1 {
		t.Errorf("summary = %+v, want 3 accepted and the one identical row merged", sum)
	}
	wantDup := []acctmap.Rejection{{Line: 4, RecordID: first["Acme/Jane"], Reason: "repeats every value of line 2: one record"}}
	if d := cmp.Diff(wantDup, sum.Duplicates); d != "" {
		t.Errorf("duplicates (-want +got):\n%s", d)
	}
	for k, id := range first {
		if !strings.HasPrefix(id, "c-") || len(id) != 18 {
			t.Errorf("record %s has id %q, want c- and 16 hex digits", k, id)
		}
	}
	// Rows moved, columns reordered, an empty column added: the same ids,
	// so that marks on the records stay with them.
	_, moved := importIDs("Owner,Notes,Website,Company\nAnn,,acme.com,Acme\nJoe,,globex.com,Globex\nJane,,acme.com,Acme\n")
	if d := cmp.Diff(first, moved); d != "" {
		t.Errorf("ids after moving rows and columns (-before +after):\n%s", d)
	}
	// A changed value is another record.
	_, changed := importIDs("Company,Website,Owner\nAcme,acme.com,Jane\nGlobex,globex.com,Kim\n")
	if changed["Acme/Jane"] != first["Acme/Jane"] || changed["Globex/Kim"] == first["Globex/Joe"] {
		t.Errorf("ids after changing an owner: %v, before %v", changed, first)
	}
}

type failingReader struct{ after int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, errors.New("disk on fire")
	}
	n := copy(p, "Company,Website\nAcme,acme.com\n"[:min(len(p), 30)])
	f.after--
	return n, nil
}

func TestImportCSVReadErrorKeepsData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	ds, err := w.adminA.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Upload"})
	wantErr(t, "create", err, nil)
	_, err = w.adminA.ImportCSV(ctx, ds.ID, stringsReader("Company,Website\nKeep,keep.com\n"), acctmap.CSVImport{Mapping: nameWebsite})
	wantErr(t, "first import", err, nil)
	before := dumpStore(t, w.store)
	_, err = w.adminA.ImportCSV(ctx, ds.ID, &failingReader{after: 1}, acctmap.CSVImport{Mapping: nameWebsite})
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("import from a failing reader: %v, want the reader's error", err)
	}
	if diff := cmp.Diff(before, dumpStore(t, w.store)); diff != "" {
		t.Errorf("failed import changed the store (-before +after):\n%s", diff)
	}
}

// An upload into a source a sync fills, and a push into one uploads fill,
// are both refused, on every store, and change nothing (issue 19, item 4).
func TestImportCSVRefusedOnPushedSource(t *testing.T) {
	t.Parallel()
	for _, ts := range testStores {
		t.Run(ts.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := ts.open(t)
			n := acctmap.New(s, acctmap.WithClock(fixedClock()))
			mustOrg(t, n, "org-a", "Acme Analytics")
			if _, err := n.AddUser(ctx, acctmap.User{ID: "u", OrgID: "org-a", Name: "u", Email: "u@example.test", Role: acctmap.RoleAdmin}); err != nil {
				t.Fatal(err)
			}
			a := n.As("u")
			pushed, err := a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})
			wantErr(t, "create pushed", err, nil)
			uploaded, err := a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Upload"})
			wantErr(t, "create csv", err, nil)
			_, err = a.UpsertRecords(ctx, pushed.ID, []acctmap.RecordInput{{ID: "c1", Name: "Globex", Website: "globex.com", Fields: map[string]string{"Stage": "Customer"}}})
			wantErr(t, "upsert", err, nil)
			before := snapshot(t, s)

			_, err = a.ImportCSV(ctx, pushed.ID, stringsReader("Company,Website\nInitech,initech.com\n"), acctmap.CSVImport{Mapping: nameWebsite})
			wantErr(t, "import into pushed", err, acctmap.ErrInvalidInput)
			_, err = a.UpsertRecords(ctx, uploaded.ID, []acctmap.RecordInput{{ID: "x", Name: "Initech", Website: "initech.com"}})
			wantErr(t, "upsert into uploaded", err, acctmap.ErrInvalidInput)
			if d := diffSnapshots(before, snapshot(t, s)); d != "" {
				t.Errorf("a refused call changed the store (-before +after):\n%s", d)
			}
		})
	}
}

// keylessRows is a CSV input of a header and n rows that give no key, made
// as it is read.
type keylessRows struct {
	header bool
	left   int
}

func (k *keylessRows) Read(p []byte) (int, error) {
	if !k.header {
		k.header = true
		return copy(p, "Company,Website\n"), nil
	}
	const row = ",n/a\n"
	n := 0
	for k.left > 0 && len(p)-n >= len(row) {
		n += copy(p[n:], row)
		k.left--
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// A cancelled import returns soon even while the reader skips rows that
// give no key, and changes nothing (issue 19, item 5: it used to read the
// whole file and report ErrInvalidInput).
func TestImportCSVCancelledWhileSkippingKeylessRows(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ds, err := w.adminA.CreateDataSource(context.Background(), acctmap.NewDataSource{Name: "Upload"})
	wantErr(t, "create", err, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	timer := time.AfterFunc(50*time.Millisecond, cancel)
	defer timer.Stop()
	start := time.Now()
	_, err = w.adminA.ImportCSV(ctx, ds.ID, &keylessRows{left: 5_000_000}, acctmap.CSVImport{Mapping: nameWebsite})
	took := time.Since(start)
	if !errors.Is(err, context.Canceled) || errors.Is(err, acctmap.ErrInvalidInput) {
		t.Errorf("ImportCSV cancelled = %v, want context.Canceled and not ErrInvalidInput", err)
	}
	// 50 ms to the cancellation, then at most 1,024 rows: generous for
	// -race on two busy cores, and far below reading 5M rows.
	if took > 300*time.Millisecond {
		t.Errorf("ImportCSV returned %v after the start, want < 300ms (cancelled at 50ms)", took)
	}
	if got := records(t, w.adminA, w.store, ds.ID); len(got) != 0 {
		t.Errorf("a cancelled import wrote %d records", len(got))
	}
}

// Progress covers the whole import and the whole sync: reads, the start of
// the write, and a last report once it is committed (issue 18).
func TestProgressCoversTheWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	upload, err := w.adminA.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Upload"})
	wantErr(t, "create", err, nil)
	crm, err := w.adminA.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})
	wantErr(t, "create", err, nil)
	type step struct {
		Phase                       acctmap.ProgressPhase
		Rows, Records, TotalRecords int
	}
	var got []step
	record := func(p acctmap.Progress) { got = append(got, step{p.Phase, p.Rows, p.Records, p.TotalRecords}) }

	_, err = w.adminA.ImportCSV(ctx, upload.ID, stringsReader(accountsCSV), acctmap.CSVImport{
		Mapping: csvsource.Mapping{Name: "Company", Website: "Website", ID: "Account ID"}, Progress: record, ProgressEvery: 2})
	wantErr(t, "import", err, nil)
	want := []step{{acctmap.PhaseRead, 2, 0, 0}, {acctmap.PhaseRead, 5, 0, 0}, {acctmap.PhaseWrite, 5, 0, 3}, {acctmap.PhaseDone, 5, 3, 3}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ImportCSV progress (-want +got):\n%s", d)
	}

	got = nil
	in := []acctmap.RecordInput{{ID: "1", Name: "Acme", Website: "acme.com"}, {ID: "2", Name: "Globex", Website: "globex.com"},
		{ID: "3"}, {ID: "1", Name: "Acme Inc", Website: "acme.com"}, {ID: "4", Name: "Initech", Website: "initech.com"}}
	_, err = w.adminA.PushRecords(ctx, crm.ID, in, acctmap.PushOptions{Progress: record, ProgressEvery: 2})
	wantErr(t, "push", err, nil)
	want = []step{{acctmap.PhaseRead, 2, 0, 0}, {acctmap.PhaseRead, 4, 0, 0}, {acctmap.PhaseRead, 5, 0, 0}, {acctmap.PhaseWrite, 5, 0, 3}, {acctmap.PhaseDone, 5, 3, 3}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("PushRecords progress (-want +got):\n%s", d)
	}
	if n := len(records(t, w.adminA, w.store, crm.ID)); n != 3 {
		t.Errorf("PushRecords wrote %d records, want 3", n)
	}
	got = nil
	_, err = w.adminA.PushRecords(ctx, crm.ID, in[:2], acctmap.PushOptions{Replace: true, Progress: record})
	wantErr(t, "replace", err, nil)
	if n := len(records(t, w.adminA, w.store, crm.ID)); n != 2 || len(got) != 3 || got[2].Phase != acctmap.PhaseDone {
		t.Errorf("PushRecords with Replace: %d records and progress %+v, want 2 and read, write, done", n, got)
	}
}

// An option out of range is an error, not silently the default (issue 18).
func TestImportOptionsValidated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	upload, err := w.adminA.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Upload"})
	wantErr(t, "create", err, nil)
	crm, err := w.adminA.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})
	wantErr(t, "create", err, nil)
	before := dumpStore(t, w.store)
	_, err = w.adminA.ImportCSV(ctx, upload.ID, stringsReader(accountsCSV), acctmap.CSVImport{Mapping: nameWebsite, ProgressEvery: -1})
	wantErr(t, "ImportCSV ProgressEvery -1", err, acctmap.ErrInvalidInput)
	_, err = w.adminA.PushRecords(ctx, crm.ID, []acctmap.RecordInput{{ID: "1", Name: "Acme"}}, acctmap.PushOptions{ProgressEvery: -5})
	wantErr(t, "PushRecords ProgressEvery -5", err, acctmap.ErrInvalidInput)
	_, err = w.adminA.ImportCSV(ctx, upload.ID, stringsReader(accountsCSV), acctmap.CSVImport{Mapping: nameWebsite,
		Options: []csvsource.Option{csvsource.WithMaxRejections(-1)}})
	wantErr(t, "WithMaxRejections(-1)", err, acctmap.ErrInvalidInput)
	if d := cmp.Diff(before, dumpStore(t, w.store)); d != "" {
		t.Errorf("a refused option changed the store (-before +after):\n%s", d)
	}
}

// Rejections and warnings keep the reader's typed error: file, line and
// column for errors.As, the normalize cause for errors.Is (issue 18).
func TestImportRejectionsKeepTypedErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	ds, err := w.adminA.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Upload"})
	wantErr(t, "create", err, nil)
	sum, err := w.adminA.ImportCSV(ctx, ds.ID, stringsReader(accountsCSV), acctmap.CSVImport{
		Mapping: csvsource.Mapping{Name: "Company", Website: "Website", ID: "Account ID"}, FileName: "accounts.csv"})
	wantErr(t, "import", err, nil)
	if len(sum.Rejections) != 1 || len(sum.Warnings) != 1 {
		t.Fatalf("summary %+v, want one rejection (line 5) and one warning (line 4)", sum)
	}
	for _, tc := range []struct {
		what string
		rej  acctmap.Rejection
		line int
	}{{"rejection", sum.Rejections[0], 5}, {"warning", sum.Warnings[0], 4}} {
		var ce *csvsource.Error
		if !errors.As(tc.rej.Err, &ce) || ce.File != "accounts.csv" || ce.Line != tc.line || ce.Field != "Website" {
			t.Errorf("%s: Err = %#v, want a *csvsource.Error of accounts.csv line %d, column Website", tc.what, tc.rej.Err, tc.line)
		}
		if !errors.Is(tc.rej.Err, normalize.ErrNoDomain) {
			t.Errorf("%s: Err = %v, want it to wrap normalize.ErrNoDomain", tc.what, tc.rej.Err)
		}
		if tc.rej.Line != tc.line || tc.rej.Column != 3 || tc.rej.Field != "Website" || tc.rej.Value != "n/a" {
			t.Errorf("%s = %+v, want line %d, column 3 (Website), value n/a", tc.what, tc.rej, tc.line)
		}
	}
	if sum.Warnings[0].RecordID != "003" {
		t.Errorf("the warning names record %q, want 003 (Initech's id)", sum.Warnings[0].RecordID)
	}
	// The duplicate id is named, with the line it repeats.
	want := []acctmap.Rejection{{Line: 6, RecordID: "002", Reason: "repeats the record id of line 3: this row replaces it"}}
	if d := cmp.Diff(want, sum.Duplicates); d != "" {
		t.Errorf("duplicates (-want +got):\n%s", d)
	}
}

// A DUNS export (a registration id column, no website column) imports, and
// its records match on the id (issue 18).
func TestImportDUNSExportWithoutWebsite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	ds, err := w.adminA.CreateDataSource(ctx, acctmap.NewDataSource{Name: "D&B"})
	wantErr(t, "create", err, nil)
	sum, err := w.adminA.ImportCSV(ctx, ds.ID, stringsReader("Business Name,DUNS Number,Employees\nAcme Corp,150483782,120\nGlobex,08-146-6849,40\n"),
		acctmap.CSVImport{Mapping: csvsource.Mapping{Name: "Business Name", RegistrationID: "DUNS Number", RegistrationScheme: "DUNS"}})
	wantErr(t, "import", err, nil)
	if sum.Accepted != 2 {
		t.Fatalf("summary %+v, want 2 accepted", sum)
	}
	var got []acctmap.RegistrationID
	for _, r := range records(t, w.adminA, w.store, ds.ID) {
		got = append(got, r.RegistrationID)
	}
	want := []acctmap.RegistrationID{{Scheme: "duns", Value: "081466849"}, {Scheme: "duns", Value: "150483782"}}
	if d := cmp.Diff(want, got, cmpopts.SortSlices(func(a, b acctmap.RegistrationID) bool { return a.Value < b.Value })); d != "" {
		t.Errorf("registration ids (-want +got):\n%s", d)
	}
}

// Content-derived ids are keyed with the owner's secret: two orgs importing
// the same row get different ids, so an id shared with a partner cannot be
// recomputed from guessed values; within one org the id is stable.
func TestContentIDsAreKeyed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	const csv = "Company,Website,Stage\nAcme,acme.com,Customer\n"
	n := 0
	idOf := func(a *acctmap.Actor) string {
		t.Helper()
		n++
		ds, err := a.CreateDataSource(ctx, acctmap.NewDataSource{Name: fmt.Sprint("Upload ", n)})
		wantErr(t, "create", err, nil)
		for range 2 {
			_, err = a.ImportCSV(ctx, ds.ID, strings.NewReader(csv), acctmap.CSVImport{Mapping: csvsource.Mapping{Name: "Company", Website: "Website"}})
			wantErr(t, "import", err, nil)
		}
		recs := records(t, a, w.store, ds.ID)
		if len(recs) != 1 {
			t.Fatalf("records: %v", recs)
		}
		for id := range recs {
			return id
		}
		return ""
	}
	a1, a2, b := idOf(w.adminA), idOf(w.adminA), idOf(w.adminB)
	if a1 != a2 {
		t.Errorf("one org's ids for the same row differ: %q, %q", a1, a2)
	}
	if a1 == b {
		t.Errorf("two orgs got the same id %q for the same row: the id is not keyed", a1)
	}
}
