package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/boltstore"
	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/memstore"
	"github.com/acctmap/acctmap/pgstore"
)

const dsnEnv = "ACCTMAP_TEST_POSTGRES_DSN"

// binary is the acctmap command built by TestMain for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "acctmap-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "acctmap")
	args := []string{"build", "-o", binary}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, ".")...)
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building acctmap:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is one run of the command.
type result struct {
	stdout, stderr string
	code           int
}

// runner runs the command line: the built binary, or run in this process.
type runner interface {
	run(t *testing.T, stdin string, args ...string) result
}

// binRunner runs the built binary with a clean environment of its own.
type binRunner struct {
	env []string
	dir string // the working directory; the package's when empty
}

func newBinRunner(t *testing.T, vars ...string) binRunner {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ACCTMAP_") {
			env = append(env, kv)
		}
	}
	dir := t.TempDir()
	env = append(env, "HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
	return binRunner{env: append(env, vars...)}
}

func (r binRunner) run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env, cmd.Dir = r.env, r.dir
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("running acctmap %s: %v", strings.Join(args, " "), err)
	}
	return result{stdout: out.String(), stderr: errOut.String(), code: code}
}

// procRunner calls run in this process: the same code, measured by -cover.
type procRunner struct {
	vars      map[string]string
	stdinTTY  bool
	stderrTTY bool
}

func (r procRunner) run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, env{
		stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut,
		getenv: func(k string) string { return r.vars[k] }, stdinTTY: r.stdinTTY, stderrTTY: r.stderrTTY,
	})
	return result{stdout: out.String(), stderr: errOut.String(), code: code}
}

// ok runs a command that must succeed and returns its standard output.
func ok(t *testing.T, r runner, args ...string) string {
	t.Helper()
	res := r.run(t, "", args...)
	if res.code != 0 {
		t.Fatalf("acctmap %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), res.code, res.stdout, res.stderr)
	}
	return res.stdout
}

// fails runs a command that must fail with code and one line on stderr
// holding want.
func fails(t *testing.T, r runner, code int, want string, args ...string) {
	t.Helper()
	res := r.run(t, "", args...)
	if res.code != code {
		t.Errorf("acctmap %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), res.code, code, res.stdout, res.stderr)
		return
	}
	if n := strings.Count(res.stderr, "\n"); n != 1 || !strings.HasSuffix(res.stderr, "\n") {
		t.Errorf("acctmap %s: stderr has %d lines, want one:\n%s", strings.Join(args, " "), n, res.stderr)
	}
	if !strings.Contains(res.stderr, want) {
		t.Errorf("acctmap %s: stderr %q lacks %q", strings.Join(args, " "), res.stderr, want)
	}
	for _, chain := range []string{"acctmap: acctmap:", "invalid input", "goroutine ", ".go:"} {
		if strings.Contains(res.stderr, chain) {
			t.Errorf("acctmap %s: stderr shows %q, the library's or Go's words: %s", strings.Join(args, " "), chain, res.stderr)
		}
	}
}

func TestEndToEndBolt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ws := filepath.Join(dir, "work.db")
	r := newBinRunner(t, "ACCTMAP_WORKSPACE="+ws)
	sn := scenario(t, r)
	s, err := boltstore.Open(ws)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkAgainstLibrary(t, s, sn)
}

func TestEndToEndPostgres(t *testing.T) {
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		t.Skip("set " + dsnEnv + "=postgres:///acctmap_test?host=/var/run/postgresql to run the command line against PostgreSQL")
	}
	t.Parallel()
	ctx := context.Background()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "acctmap_cli_" + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("%s is set but PostgreSQL is not reachable: %v", dsnEnv, err)
	}
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
		_ = conn.Close(context.Background())
	})
	r := newBinRunner(t, "ACCTMAP_DB="+dsn, "ACCTMAP_SCHEMA="+schema)
	sn := scenario(t, r)
	s, err := pgstore.Open(ctx, dsn, pgstore.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkAgainstLibrary(t, s, sn)
}

// TestInProcess runs the scenario through run, for coverage and for what
// only a test can fake: terminals.
func TestInProcess(t *testing.T) {
	t.Parallel()
	ws := filepath.Join(t.TempDir(), "work.db")
	r := procRunner{vars: map[string]string{"ACCTMAP_WORKSPACE": ws}}
	sn := scenario(t, r)
	s, err := boltstore.Open(ws)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkAgainstLibrary(t, s, sn)
}

// scenario is the partner managers' path: two orgs, a partnership, the two
// quickstart CSVs, populations, sharing, a matrix, a report, an export,
// share requests, an offline partner, and the errors a person makes on the
// way.
func scenario(t *testing.T, r runner) seen {
	out := ok(t, r, "init", "--org", "Acme Analytics", "--id", "acme", "--user", "ann")
	if !strings.Contains(out, "you are now ann") {
		t.Errorf("init: %s", out)
	}
	ok(t, r, "org", "add", "Bolt Warehouse", "--id", "bolt", "--admin", "bob")
	if got := ok(t, r, "whoami"); !strings.HasPrefix(got, "ann, admin of Acme Analytics") {
		t.Errorf("whoami: %q", got)
	}
	ok(t, r, "partner", "invite", "Bolt Warehouse") // by name
	if got := ok(t, r, "partner", "list", "--as", "bob"); !strings.Contains(got, "invited you: 'acctmap partner accept acme'") {
		t.Errorf("partner list before accepting:\n%s", got)
	}
	ok(t, r, "partner", "accept", "acme", "--as", "bob")
	if got := ok(t, r, "partner", "list"); !regexp.MustCompile(`bolt\s+Bolt Warehouse\s+accepted`).MatchString(got) {
		t.Errorf("partner list:\n%s", got)
	}

	// The mapping step, the import and its summary; progress as lines.
	out = ok(t, r, "import", "testdata/ours.csv", "--yes", "--source", "CRM", "--progress", "lines", "--progress-interval", "0")
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`Account Name\s+Stripe, Inc\. \| Notion Labs Inc\. \| Shopify\s+company name`),
		regexp.MustCompile(`Account ID\s+A-001 \| A-002 \| A-003\s+record id`),
		regexp.MustCompile(`Stage\s+Customer \| Customer \| Open Opportunity\s+field\s+text`),
		regexp.MustCompile(`12 rows read, 12 accepted, 0 rejected, 0 duplicates merged, 2 warnings`),
		regexp.MustCompile(`line 11\s+website "jane.consulting@gmail.com"`),
	} {
		if !want.MatchString(out) {
			t.Errorf("import ours.csv: output does not match %s:\n%s", want, out)
		}
	}
	// Bob maps partner.csv's columns himself.
	out = ok(t, r, "import", "testdata/partner.csv", "--yes", "--name", "Company", "--website", "Domain", "--as", "bob", "--progress", "off")
	if !strings.Contains(out, "11 rows read, 11 accepted") {
		t.Errorf("import partner.csv:\n%s", out)
	}

	// Populations with filters.
	for _, p := range [][]string{
		{"Customers", "--where", "Stage = Customer"},
		{"Prospects", "--where", "stage = prospect"},
		{"Open Opportunities", "--source", "CRM", "--where", "Stage = Open Opportunity"},
		{"Pipeline", "--any", "Stage = Prospect or Stage = Open Opportunity", "--where", "Industry != Banking"},
	} {
		ok(t, r, append([]string{"population", "add"}, p...)...)
	}
	ok(t, r, "population", "add", "Customers", "--where", "Status = Customer", "--as", "bob")
	ok(t, r, "population", "add", "Prospects", "--where", "Status in (Prospect)", "--as", "bob")
	out = ok(t, r, "population", "list")
	if !regexp.MustCompile(`Pipeline\s+custom\s+CRM\s+7\s+Industry != Banking and \(Stage = Prospect or Stage = Open Opportunity\)`).MatchString(out) {
		t.Errorf("population list:\n%s", out)
	}
	out = ok(t, r, "population", "preview", "Customers", "--limit", "2")
	if !strings.Contains(out, "4 records of source \"CRM\" match Stage = Customer; the first 2") || !strings.Contains(out, "A-001") {
		t.Errorf("population preview:\n%s", out)
	}

	// Sharing: Bob shares his customers' overlapping records, two fields.
	out = ok(t, r, "share", "Customers", "--with", "acme", "--level", "overlapping", "--fields", "name,CSM", "--as", "bob")
	if !strings.Contains(out, "Acme Analytics now sees the overlapping records, with name, CSM") {
		t.Errorf("share: %s", out)
	}

	// The matrix as a table.
	out = ok(t, r, "matrix", "bolt")
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^\s+Customers\s+Prospects$`),
		regexp.MustCompile(`(?m)^\s+\(overlapping: 2 fields\)\s+\(counts\)$`),
		regexp.MustCompile(`(?m)^Customers\s+2\s+1$`),
		regexp.MustCompile(`(?m)^Open Opportunities\s+1\s+1$`),
	} {
		if !want.MatchString(out) {
			t.Errorf("matrix: output does not match %s:\n%s", want, out)
		}
	}
	if got := ok(t, r, "matrix", "bolt", "--format", "csv"); !strings.HasPrefix(got, "population,partner_population,partner_shares,accounts,hidden_from_partner\nCustomers,Customers,overlapping,2,0\n") {
		t.Errorf("matrix csv:\n%s", got)
	}

	// A report of the shared cell, a filter and a sort on its columns.
	out = ok(t, r, "report", "bolt", "--population", "Customers", "--partner-population", "Customers",
		"--columns", "my.name,partner.name,partner.CSM,match.confidence", "--sort", "-match.confidence")
	if !regexp.MustCompile(`(?s)my\.name\s+partner\.name\s+partner\.CSM\s+match\.confidence\n` +
		`Stripe, Inc\.\s+Stripe\s+Kim Novak\s+90\nNotion Labs Inc\.\s+Notion\s+Kim Novak\s+70\n\n2 accounts\.`).MatchString(out) {
		t.Errorf("report:\n%s", out)
	}
	out = ok(t, r, "report", "bolt", "--population", "Customers", "--partner-population", "Customers", "--where", "match.confidence > 80", "--columns", "my.name")
	if !strings.Contains(out, "Stripe") || strings.Contains(out, "Notion") {
		t.Errorf("report --where:\n%s", out)
	}

	// An export, into a file.
	exp := filepath.Join(t.TempDir(), "overlap.csv")
	if out = ok(t, r, "export", "bolt", "--population", "Customers", "--partner-population", "Customers", "-o", exp); !strings.Contains(out, "Exported 2 rows") {
		t.Errorf("export: %s", out)
	}

	// A share request, approved.
	out = ok(t, r, "share", "request", "bolt", "--population", "Prospects", "--fields", "name", "--message", "co-sell")
	id := regexp.MustCompile(`request (\S+)\.`).FindStringSubmatch(out)
	if id == nil {
		t.Fatalf("share request: %s", out)
	}
	if got := ok(t, r, "share", "requests", "--as", "bob"); !strings.Contains(got, id[1]) || !strings.Contains(got, "co-sell") {
		t.Errorf("share requests:\n%s", got)
	}
	fails(t, r, 1, `the partner shares population "Prospects" as counts only; ask the partner for its records with 'acctmap share request`, "report", "bolt", "--population", "Customers", "--partner-population", "Prospects")
	ok(t, r, "share", "approve", id[1], "--as", "bob")
	if got := ok(t, r, "report", "bolt", "--population", "Customers", "--partner-population", "Prospects", "--columns", "partner.name"); !strings.Contains(got, "1 account.") {
		t.Errorf("report after approval:\n%s", got)
	}

	// An offline partner with its upload.
	ok(t, r, "partner", "add-offline", "Cobalt Consulting")
	ok(t, r, "import", "testdata/partner.csv", "--partner", "cobalt consulting", "--yes", "--name", "Company", "--website", "Domain", "--id", "")
	ok(t, r, "population", "add", "Customers", "--partner", "Cobalt Consulting", "--where", "Status = Customer")
	if got := ok(t, r, "matrix", "Cobalt Consulting"); !regexp.MustCompile(`(?m)^Customers\s+2$`).MatchString(got) {
		t.Errorf("offline matrix:\n%s", got)
	}

	// A read-only user may read, not export.
	ok(t, r, "user", "add", "sam", "--role", "read_only")
	ok(t, r, "report", "bolt", "--population", "Customers", "--partner-population", "Customers", "--as", "sam")
	fails(t, r, 1, "not allowed", "export", "bolt", "--population", "Customers", "--partner-population", "Customers", "-o", exp, "--as", "sam")

	// Usage errors: exit 2, one line, naming what to fix.
	fails(t, r, 2, "unknown flag --bogus", "matrix", "bolt", "--bogus")
	fails(t, r, 2, `unknown command "bogus"`, "bogus")
	fails(t, r, 2, `unknown command "bogus" for "acctmap partner"`, "partner", "bogus")
	fails(t, r, 2, "missing PARTNER", "matrix")
	fails(t, r, 2, "want one of table, csv, json", "matrix", "bolt", "--format", "xml")
	fails(t, r, 2, "want a whole number", "report", "bolt", "--population", "Customers", "--partner-population", "Customers", "--limit", "many")
	fails(t, r, 2, `--where "Stage ~ Customer": '~' is not an operator`, "population", "add", "X", "--where", "Stage ~ Customer")
	fails(t, r, 2, "at position 7", "population", "add", "X", "--where", "Stage ~ Customer")
	fails(t, r, 2, `missing value after "=" at position 8`, "population", "preview", "--where", "Stage =")
	fails(t, r, 2, "--with ORG or --default", "share", "Customers", "--level", "full")
	// Failures: exit 1, one line.
	fails(t, r, 1, `Acme Analytics has no population "Nope" (populations: "Customers", "Prospects", "Open Opportunities", "Pipeline")`,
		"report", "bolt", "--population", "Nope", "--partner-population", "Customers")
	fails(t, r, 1, `--where "Stag = x": field "Stag" is not a field`, "population", "add", "X", "--where", "Stage = x", "--where", "Stag = x")
	fails(t, r, 1, `no org or offline partner "nobody"`, "matrix", "nobody")
	fails(t, r, 1, "already partners", "partner", "invite", "bolt")
	fails(t, r, 1, `user "eve" is not in`, "matrix", "bolt", "--as", "eve")
	fails(t, r, 1, "no column of", "import", "testdata/partner.csv", "--yes", "--name", "")
	fails(t, r, 1, `has no column "Nope"`, "import", "testdata/partner.csv", "--yes", "--website", "Nope")

	var sn seen
	sn.matrix = cliMatrix(t, r)
	if err := json.Unmarshal([]byte(ok(t, r, "report", "bolt", "--population", "Customers", "--partner-population", "Customers", "--format", "json")), &sn.report); err != nil {
		t.Fatal(err)
	}
	var err error
	if sn.export, err = os.ReadFile(exp); err != nil {
		t.Fatal(err)
	}
	return sn
}

// seen is what the command printed, to compare with the library's answers.
type seen struct {
	matrix map[[2]string]int64
	report reportJSON
	export []byte
}

// checkAgainstLibrary compares what the command printed with the library's
// own answers on the same workspace, and with an independent network built
// in Go from the same files and filters.
func checkAgainstLibrary(t *testing.T, store acctmap.Store, sn seen) {
	t.Helper()
	ctx := context.Background()
	ann := acctmap.New(store).As("ann")
	lib, err := ann.Matrix(ctx, "bolt")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(matrixByName(lib), sn.matrix); diff != "" {
		t.Errorf("matrix --format json differs from the library's Matrix (-library +command):\n%s", diff)
	}
	if diff := cmp.Diff(referenceMatrix(t), sn.matrix); diff != "" {
		t.Errorf("the command's matrix differs from one built in Go from the same CSVs and filters (-go +command):\n%s", diff)
	}
	if len(sn.matrix) != 8 || sn.matrix[[2]string{"Customers", "Customers"}] != 2 {
		t.Errorf("matrix: %v, want 4 × 2 cells with Customers × Customers = 2", sn.matrix)
	}

	mine, err := ann.Populations(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := ann.PartnerPopulations(ctx, "bolt")
	if err != nil {
		t.Fatal(err)
	}
	spec := acctmap.ReportSpec{Partner: "bolt", Population: mine[0].ID, PartnerPopulation: theirs[0].ID}
	rep, err := ann.Report(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	want := reportJSON{Partner: "bolt", Columns: rep.Columns, Total: rep.Total, Rows: []reportRowJSON{}}
	for _, row := range rep.Rows {
		want.Rows = append(want.Rows, reportRowJSON{Values: row.Values, MatchedOn: row.MatchedOn, Key: row.Key, Confidence: row.Confidence,
			Explanation: row.Explanation, RecordID: row.RecordID, PartnerRecordID: row.PartnerRecordID})
	}
	if diff := cmp.Diff(want, sn.report); diff != "" {
		t.Errorf("report --format json differs from the library's Report (-library +command):\n%s", diff)
	}
	var buf bytes.Buffer
	if _, err := ann.ExportReport(ctx, spec, &buf); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(buf.String(), string(sn.export)); diff != "" {
		t.Errorf("export differs from the library's ExportReport (-library +command):\n%s", diff)
	}
}

// cliMatrix is the matrix the command prints as JSON, by population names.
func cliMatrix(t *testing.T, r runner) map[[2]string]int64 {
	t.Helper()
	var m matrixJSON
	if err := json.Unmarshal([]byte(ok(t, r, "matrix", "bolt", "--format", "json")), &m); err != nil {
		t.Fatal(err)
	}
	out := map[[2]string]int64{}
	for i, row := range m.Rows {
		for j, col := range m.Columns {
			out[[2]string{row.Name, col.Name}] = m.Counts[i][j]
		}
	}
	return out
}

func matrixByName(mx acctmap.OverlapMatrix) map[[2]string]int64 {
	out := map[[2]string]int64{}
	for i, row := range mx.Rows {
		for j, col := range mx.Cols {
			out[[2]string{row.Name, col.Name}] = mx.Counts[i][j]
		}
	}
	return out
}

// referenceMatrix builds the scenario's network in Go, on memstore.
func referenceMatrix(t *testing.T) map[[2]string]int64 {
	t.Helper()
	ctx := context.Background()
	n := acctmap.New(memstore.New())
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(n.CreateOrg(ctx, acctmap.Org{ID: "acme", Name: "Acme"}))
	must(n.CreateOrg(ctx, acctmap.Org{ID: "bolt", Name: "Bolt"}))
	must(n.AddUser(ctx, acctmap.User{ID: "ann", OrgID: "acme", Name: "ann", Role: acctmap.RoleAdmin}))
	must(n.AddUser(ctx, acctmap.User{ID: "bob", OrgID: "bolt", Name: "bob", Role: acctmap.RoleAdmin}))
	ann, bob := n.As("ann"), n.As("bob")
	must(ann.Invite(ctx, "bolt"))
	must(bob.Accept(ctx, "acme"))
	load := func(a *acctmap.Actor, file string, m csvsource.Mapping) string {
		ds, err := a.CreateDataSource(ctx, acctmap.NewDataSource{Name: file})
		must(ds, err)
		f, err := os.Open(filepath.Join("testdata", file))
		must(f, err)
		defer f.Close()
		must(a.ImportCSV(ctx, ds.ID, f, acctmap.CSVImport{Mapping: m}))
		return ds.ID
	}
	acmeDS := load(ann, "ours.csv", csvsource.Mapping{Name: "Account Name", Website: "Website", ID: "Account ID"})
	boltDS := load(bob, "partner.csv", csvsource.Mapping{Name: "Company", Website: "Domain"})
	eq := func(field, value string) acctmap.Condition {
		return acctmap.Condition{Field: field, Op: acctmap.Equals, Value: value}
	}
	for _, p := range []struct {
		a    *acctmap.Actor
		spec acctmap.PopulationSpec
	}{
		{ann, acctmap.PopulationSpec{DataSourceID: acmeDS, Kind: acctmap.Customers, Filter: acctmap.Filter{All: []acctmap.Condition{eq("Stage", "Customer")}}}},
		{ann, acctmap.PopulationSpec{DataSourceID: acmeDS, Kind: acctmap.Prospects, Filter: acctmap.Filter{All: []acctmap.Condition{eq("Stage", "Prospect")}}}},
		{ann, acctmap.PopulationSpec{DataSourceID: acmeDS, Kind: acctmap.OpenOpportunities, Filter: acctmap.Filter{All: []acctmap.Condition{eq("Stage", "Open Opportunity")}}}},
		{ann, acctmap.PopulationSpec{DataSourceID: acmeDS, Kind: acctmap.Custom, Name: "Pipeline", Filter: acctmap.Filter{
			All:   []acctmap.Condition{{Field: "Industry", Op: acctmap.NotEquals, Value: "Banking"}},
			AnyOf: [][]acctmap.Condition{{eq("Stage", "Prospect"), eq("Stage", "Open Opportunity")}}}}},
		{bob, acctmap.PopulationSpec{DataSourceID: boltDS, Kind: acctmap.Customers, Filter: acctmap.Filter{All: []acctmap.Condition{eq("Status", "Customer")}}}},
		{bob, acctmap.PopulationSpec{DataSourceID: boltDS, Kind: acctmap.Prospects, Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Status", Op: acctmap.In, Values: []string{"Prospect"}}}}}},
	} {
		must(p.a.CreatePopulation(ctx, p.spec))
	}
	mx, err := ann.Matrix(ctx, "bolt")
	must(mx, err)
	return matrixByName(mx)
}
