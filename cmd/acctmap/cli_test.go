package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/boltstore"
	"github.com/acctmap/acctmap/pgstore"
)

// twoOrgs sets up a workspace with Acme (ann) and Bolt (bob) as partners,
// each with its CSV and populations, in process.
func twoOrgs(t *testing.T, r procRunner) {
	t.Helper()
	ok(t, r, "init", "--org", "Acme Analytics", "--id", "acme", "--user", "ann")
	ok(t, r, "org", "add", "Bolt Warehouse", "--id", "bolt", "--admin", "bob")
	ok(t, r, "partner", "invite", "bolt")
	ok(t, r, "partner", "accept", "acme", "--as", "bob")
	ok(t, r, "import", "testdata/ours.csv", "--yes")
	ok(t, r, "import", "testdata/partner.csv", "--yes", "--name", "Company", "--website", "Domain", "--as", "bob")
	ok(t, r, "population", "add", "Customers", "--where", "Stage = Customer")
	ok(t, r, "population", "add", "Prospects", "--where", "Stage = Prospect")
	ok(t, r, "population", "add", "Customers", "--where", "Status = Customer", "--as", "bob")
}

func newProc(t *testing.T) (procRunner, string) {
	ws := filepath.Join(t.TempDir(), "work.db")
	return procRunner{vars: map[string]string{"ACCTMAP_WORKSPACE": ws}}, ws
}

// Every command answers --help with examples, and exits 0.
func TestHelpEverywhere(t *testing.T) {
	t.Parallel()
	root := (&app{env: env{getenv: func(string) string { return "" }}}).rootCmd()
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			return
		}
		path := strings.Fields(c.CommandPath())[1:]
		// In process: 35 runs of the race-built binary take a minute.
		res := procRunner{}.run(t, "", append(path, "--help")...)
		if !c.Runnable() { // a help topic: its text only
			if res.code != 0 || !strings.Contains(res.stdout, c.Long[:40]) {
				t.Errorf("acctmap %s --help: exit %d:\n%s%s", strings.Join(path, " "), res.code, res.stdout, res.stderr)
			}
			return
		}
		if res.code != 0 || !strings.Contains(res.stdout, "Examples:") || !strings.Contains(res.stdout, "Usage:") {
			t.Errorf("acctmap %s --help: exit %d, no examples or usage:\n%s%s", strings.Join(path, " "), res.code, res.stdout, res.stderr)
		}
		n++
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if n < 30 {
		t.Errorf("only %d commands have help", n)
	}
	// Without a command: the help, exit 0.
	if res := (procRunner{}).run(t, "", ""); res.code != 2 {
		t.Errorf("acctmap '': exit %d, want 2 (an empty command name)", res.code)
	}
	if res := (binRunner{env: os.Environ()}).run(t, ""); res.code != 0 || !strings.Contains(res.stdout, "Exit codes: 0 success") {
		t.Errorf("acctmap: exit %d:\n%s", res.code, res.stdout)
	}
}

func TestConfirmOnTerminal(t *testing.T) {
	t.Parallel()
	r, _ := newProc(t)
	r.stdinTTY = true
	ok(t, r, "init", "--org", "Acme", "--user", "ann")
	res := r.run(t, "n\n", "import", "testdata/ours.csv")
	if res.code != 1 || !strings.Contains(res.stdout, `Import testdata/ours.csv into a new source "ours.csv" of Acme? [y/N]`) ||
		!strings.Contains(res.stderr, "import cancelled; nothing was changed") {
		t.Fatalf("answering n: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if got := ok(t, r, "source", "list"); !strings.Contains(got, "no sources yet") {
		t.Errorf("a cancelled import left a source:\n%s", got)
	}
	if res := r.run(t, "", "import", "testdata/ours.csv"); res.code != 1 {
		t.Errorf("no answer (end of input) imported: exit %d", res.code)
	}
	if res := r.run(t, "yes\n", "import", "testdata/ours.csv"); res.code != 0 || !strings.Contains(res.stdout, "12 accepted") {
		t.Fatalf("answering yes: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	// Re-importing says it replaces the source.
	res = r.run(t, "y\n", "import", "testdata/ours.csv")
	if res.code != 0 || !strings.Contains(res.stdout, `into source "ours.csv" of Acme, replacing its records?`) {
		t.Errorf("re-import: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	// Off a terminal, nothing is asked.
	r.stdinTTY = false
	if res := r.run(t, "", "import", "testdata/ours.csv"); res.code != 0 || strings.Contains(res.stdout, "[y/N]") {
		t.Errorf("off a terminal: exit %d\n%s", res.code, res.stdout)
	}
}

// bigCSV writes a CSV of n accounts, a third of them customers.
func bigCSV(t *testing.T, n int) string {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("Id,Name,Website,Stage\n")
	for i := range n {
		stage := "Prospect"
		if i%3 == 0 {
			stage = "Customer"
		}
		fmt.Fprintf(&b, "%d,Company %d,company%d.com,%s\n", i, i, i, stage)
	}
	path := filepath.Join(t.TempDir(), "big.csv")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestProgress(t *testing.T) {
	t.Parallel()
	r, _ := newProc(t)
	ok(t, r, "init", "--org", "Acme", "--user", "ann")
	big := bigCSV(t, 20000)

	// Not a terminal: lines, with rows/s, the share of the file and the time left.
	res := r.run(t, "", "import", big, "--yes", "--progress-every", "5000", "--progress-interval", "0")
	lines := regexp.MustCompile(`(?m)^importing big\.csv: [0-9,]+ rows, [0-9,]+ rows/s, \d+% of [0-9.]+ KiB(, about \S+ left)?$`).FindAllString(res.stderr, -1)
	if res.code != 0 || len(lines) < 4 || !strings.HasSuffix(res.stderr, "importing big.csv: saving to the workspace\n") {
		t.Errorf("progress lines: exit %d, %d lines:\n%s", res.code, len(lines), res.stderr)
	}
	if !strings.Contains(res.stdout, "20,000 rows read, 20,000 accepted, 0 rejected, 0 duplicates merged, 0 warnings.") {
		t.Errorf("summary:\n%s", res.stdout)
	}
	// The default interval prints nothing for an import this short.
	if res := r.run(t, "", "import", big, "--yes", "--progress-every", "5000"); res.stderr != "" {
		t.Errorf("a short import printed progress lines:\n%s", res.stderr)
	}
	// A terminal: the bar, on stderr; stdout keeps the summary only.
	r.stderrTTY = true
	res = r.run(t, "", "import", big, "--yes", "--progress-every", "5000")
	if res.code != 0 || !strings.Contains(res.stderr, "importing big.csv: 20,000 rows") || !strings.Contains(res.stderr, "100%") ||
		!strings.Contains(res.stderr, "saving to the workspace") || strings.Contains(res.stdout, "rows/s") {
		t.Errorf("progress bar: exit %d\nstderr: %q\nstdout: %s", res.code, res.stderr, res.stdout)
	}
	// Off: nothing.
	if res := r.run(t, "", "import", big, "--yes", "--progress", "off", "--progress-every", "5000"); res.stderr != "" {
		t.Errorf("--progress off printed: %q", res.stderr)
	}
}

func TestRejectedRows(t *testing.T) {
	t.Parallel()
	r, _ := newProc(t)
	ok(t, r, "init", "--org", "Acme", "--user", "ann")
	dir := t.TempDir()
	rows := "Name,Website,Stage\nAcme,acme.com,Customer\n,n/a,Prospect\nBolt,bolt.io,Customer\nAcme,acme.com,Customer\nNobody,nobody@gmail.com,Prospect\n"
	path := filepath.Join(dir, "accounts.csv")
	if err := os.WriteFile(path, []byte(rows), 0o600); err != nil {
		t.Fatal(err)
	}
	out := ok(t, r, "import", path, "--yes")
	for _, want := range []string{
		"5 rows read, 3 accepted, 1 rejected, 1 duplicates merged, 1 warning.",
		"Rejected rows (not imported):\n  line 3  no company name and website \"n/a\"",
		"Warnings (imported; worth fixing in the source system):\n  line 6  website \"nobody@gmail.com\"",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("import summary lacks %q:\n%s", want, out)
		}
	}
	// A file no row of which is usable: an error, the rejections shown, and
	// no source left behind.
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("Name,Website\n,n/a\n,-\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res := r.run(t, "", "import", bad, "--yes")
	if res.code != 1 || !strings.Contains(res.stdout, "line 2") || !strings.Contains(res.stderr, "none of the 2 rows of bad.csv gave a usable key") {
		t.Errorf("unusable file: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if got := ok(t, r, "source", "list"); strings.Contains(got, "bad.csv") {
		t.Errorf("a failed first import left its source:\n%s", got)
	}
	// Not a CSV at all: the library's advice, one line.
	xlsx := filepath.Join(dir, "accounts.xlsx")
	if err := os.WriteFile(xlsx, []byte("PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml"), 0o600); err != nil {
		t.Fatal(err)
	}
	fails(t, r, 1, "accounts.xlsx: not a CSV file: this is a zip archive: extract the CSV file from it and import that", "import", xlsx, "--yes")
	// --new-partner: a failed import takes the new partner away again.
	fails(t, r, 1, "gave a usable key", "import", bad, "--yes", "--new-partner", "Cobalt")
	if got := ok(t, r, "partner", "list"); strings.Contains(got, "Cobalt") {
		t.Errorf("a failed import left its new partner:\n%s", got)
	}
	ok(t, r, "import", path, "--yes", "--new-partner", "Cobalt", "--populations-from", "stage")
	if got := ok(t, r, "population", "list", "--partner", "Cobalt"); !regexp.MustCompile(`Customers\s+customers\s+accounts\.csv\s+2\s+Stage in \(Customer, Customers\)`).MatchString(got) {
		t.Errorf("--populations-from:\n%s", got)
	}
	fails(t, r, 1, "Cobalt exists already: import into it with --partner", "import", path, "--yes", "--new-partner", "cobalt")
	fails(t, r, 1, `--populations-from "Name": not a column of`, "import", path, "--yes", "--populations-from", "Name")
	fails(t, r, 2, "exclude each other", "import", path, "--partner", "Cobalt", "--new-partner", "X")
	out = ok(t, r, "import", path, "--yes", "--partner", "Cobalt", "--populations-from", "Stage")
	if !strings.Contains(out, `Population "Customers" exists already: kept as it is.`) {
		t.Errorf("--populations-from again:\n%s", out)
	}
	// Long lists are cut to --show rows.
	var many strings.Builder
	many.WriteString("Name,Website\n")
	for i := range 30 {
		fmt.Fprintf(&many, "Person %d,person%d@gmail.com\n", i, i)
	}
	warned := filepath.Join(dir, "warned.csv")
	if err := os.WriteFile(warned, []byte(many.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := ok(t, r, "import", warned, "--yes"); strings.Count(out, "\n  line ") != 20 || !strings.Contains(out, "  … and 10 more (--show N lists more, up to the first 30)\n") {
		t.Errorf("default --show:\n%s", out)
	}
	if out := ok(t, r, "import", warned, "--yes", "--show", "2"); strings.Count(out, "\n  line ") != 2 || !strings.Contains(out, "  … and 28 more (--show N lists more, up to the first 30)\n") {
		t.Errorf("--show 2:\n%s", out)
	}
	// Overrides that move a suggested column to another role.
	out = ok(t, r, "import", "testdata/ours.csv", "--yes", "--website", "", "--other-website", "Website", "--other-name", "Account Owner", "--id", "")
	for _, want := range []string{`Website\s+https://www\.stripe\.… \| WWW\.NOTION\.SO \| shopify\.…\s+other website`,
		`Account Owner\s+Dana Reyes \| Dana Reyes \| Lee Park\s+other name\n`, `Account ID\s+A-001 \| A-002 \| A-003\s+field\s+text`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("mapping overrides: no %s in\n%s", want, out)
		}
	}
	// A DUNS list: names and registration ids, no website.
	duns := filepath.Join(dir, "duns.csv")
	if err := os.WriteFile(duns, []byte("Legal Name;DUNS\nAcme Inc;123456789\nBolt GmbH;12345\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out = ok(t, r, "import", duns, "--yes", "--name", "Legal Name", "--registration-id", "DUNS", "--scheme", "duns")
	if !regexp.MustCompile(`DUNS\s+123456789 \| 12345\s+registration id \(duns\)`).MatchString(out) || !strings.Contains(out, "2 rows read, 2 accepted") ||
		!strings.Contains(out, `line 3  duns "12345": invalid registration id`) || !strings.Contains(out, `population add Customers --source "duns.csv"`+"\n") {
		t.Errorf("DUNS import:\n%s", out)
	}
	fails(t, r, 2, "invalid --delimiter", "import", path, "--delimiter", "ab")
	fails(t, r, 2, "needs --scheme", "import", path, "--registration-id", "Stage")
}

// A partner's field holding terminal escapes is shown escaped.
func TestTerminalEscapesInData(t *testing.T) {
	t.Parallel()
	r, _ := newProc(t)
	ok(t, r, "init", "--org", "Acme", "--user", "ann")
	path := filepath.Join(t.TempDir(), "evil.csv")
	if err := os.WriteFile(path, []byte("Name,Website,Note\n\"Evil\x1b[2J\",evil.com,\"\u202eabc\x07\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := ok(t, r, "import", path, "--yes") + ok(t, r, "population", "preview")
	if strings.ContainsAny(out, "\x1b\x07\u202e") {
		t.Errorf("control characters reached the terminal: %q", out)
	}
	if !strings.Contains(out, `Evil\x1b[2J`) || !strings.Contains(out, `\u202eabc\a`) {
		t.Errorf("escaped values not shown:\n%s", out)
	}
	// Another org's name, in messages and on stderr.
	ok(t, r, "org", "add", "Evil\x1b]0;owned\x07 Corp", "--id", "evil", "--admin", "eve")
	res := r.run(t, "", "partner", "invite", "evil")
	res2 := r.run(t, "", "partner", "invite", "evil")
	all := res.stdout + res.stderr + res2.stdout + res2.stderr + ok(t, r, "org", "list") + ok(t, r, "partner", "list")
	if strings.ContainsAny(all, "\x1b\x07") || !strings.Contains(all, `Invited Evil\x1b]0;owned\a Corp.`) {
		t.Errorf("an org's name reached the terminal unescaped: %q", all)
	}
}

func TestExportLimitAndAtomicity(t *testing.T) {
	t.Parallel()
	r, ws := newProc(t)
	twoOrgs(t, r)
	ok(t, r, "share", "Customers", "--default", "--level", "full", "--fields", "name", "--as", "bob")
	dir := t.TempDir()
	out := filepath.Join(dir, "x.csv")
	ok(t, r, "export", "bolt", "--population", "Customers", "--partner-population", "Customers", "-o", out)
	before, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// The embedding app's plan: one more record.
	s, err := boltstore.Open(ws)
	if err != nil {
		t.Fatal(err)
	}
	if err := acctmap.New(s).SetLimits(context.Background(), "acme", acctmap.Limits{MaxExportedRecords: 3}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	fails(t, r, 1, "plan limit reached", "export", "bolt", "--population", "Customers", "--partner-population", "Customers", "-o", out)
	after, err := os.ReadFile(out)
	if err != nil || !bytes.Equal(before, after) {
		t.Errorf("a refused export changed the file: %v\n%s", err, after)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	fails(t, r, 1, "plan limit reached", "report", "bolt", "--population", "Customers", "--partner-population", "Customers", "--format", "csv")
	fails(t, r, 1, "cannot write", "export", "bolt", "--population", "Customers", "--partner-population", "Customers", "-o", filepath.Join(dir, "no", "such", "dir.csv"))
	fails(t, r, 2, "missing -o FILE", "export", "bolt", "--population", "Customers", "--partner-population", "Customers")
}

// The commands the scenario does not reach.
func TestMoreCommands(t *testing.T) {
	t.Parallel()
	r, ws := newProc(t)
	twoOrgs(t, r)
	if got := ok(t, r, "use", "bob"); !strings.Contains(got, "You are now bob (admin) of Bolt Warehouse") {
		t.Errorf("use: %s", got)
	}
	if b, err := os.ReadFile(ws + ".user"); err != nil || string(b) != "bob\n" {
		t.Errorf("state file: %q, %v", b, err)
	}
	if got := ok(t, r, "whoami"); !strings.HasPrefix(got, "bob, admin of Bolt Warehouse") {
		t.Errorf("whoami after use: %s", got)
	}
	r.vars["ACCTMAP_USER"] = "ann" // the environment overrides the file
	if got := ok(t, r, "whoami"); !strings.HasPrefix(got, "ann, ") {
		t.Errorf("whoami with ACCTMAP_USER: %s", got)
	}
	if got := ok(t, r, "org", "list"); !regexp.MustCompile(`acme\s+Acme Analytics\s+\(you\)`).MatchString(got) {
		t.Errorf("org list:\n%s", got)
	}
	ok(t, r, "user", "add", "dana", "--role", "partner_manager", "--permissions", "partners,sharing")
	if got := ok(t, r, "user", "list"); !regexp.MustCompile(`dana\s+dana\s+partner_manager\s+manage partnerships\+manage sharing`).MatchString(got) {
		t.Errorf("user list:\n%s", got)
	}
	fails(t, r, 1, "only an admin", "user", "add", "eve", "--as", "dana")
	fails(t, r, 2, "unknown permission", "user", "add", "eve", "--permissions", "root")
	fails(t, r, 1, "not allowed: user \"dana\" lacks the manage data sources permission; ask an admin of your org", "population", "add", "X", "--where", "Stage = x", "--as", "dana")

	// Sharing by default, removing rules, the partner's view of them.
	ok(t, r, "share", "Prospects", "--default", "--level", "hidden")
	if got := ok(t, r, "partner", "populations", "acme", "--as", "bob"); strings.Contains(got, "Prospects") {
		t.Errorf("a hidden population is listed to the partner:\n%s", got)
	}
	ok(t, r, "share", "Prospects", "--default", "--remove")
	ok(t, r, "share", "set", "Customers", "--with", "bolt", "--level", "overlapping", "--fields", "name,website")
	if got := ok(t, r, "population", "list"); !strings.Contains(got, "default: counts; Bolt Warehouse: overlapping (name, website)") {
		t.Errorf("population list sharing:\n%s", got)
	}
	if got := ok(t, r, "partner", "populations", "acme", "--as", "bob"); !regexp.MustCompile(`Customers\s+customers\s+overlapping\s+name, website`).MatchString(got) {
		t.Errorf("partner populations:\n%s", got)
	}
	ok(t, r, "share", "Customers", "--with", "bolt", "--remove")

	// What the partner does not see is noted in the matrix.
	before := ok(t, r, "matrix", "bolt")
	fails(t, r, 1, `record "A-999" of data source "ours.csv" not found`, "source", "private", "ours.csv", "A-001", "A-999")
	if got := ok(t, r, "source", "private", "ours.csv", "A-001", "A-001"); !strings.Contains(got, "1 record of source \"ours.csv\" made private (1 already was).") {
		t.Errorf("source private: %s", got)
	}
	out := ok(t, r, "matrix", "bolt")
	if !regexp.MustCompile(`(?m)^Customers\s+2 \(1 hidden\)$`).MatchString(out) || !strings.Contains(out, "(n hidden): accounts Bolt Warehouse does not see") {
		t.Errorf("matrix with a private record:\nbefore:\n%s\nafter:\n%s", before, out)
	}
	var mj matrixJSON
	if err := json.Unmarshal([]byte(ok(t, r, "matrix", "bolt", "-f", "json")), &mj); err != nil || mj.HiddenFromPartner[0][0] != 1 {
		t.Errorf("matrix json hidden: %v %v", mj.HiddenFromPartner, err)
	}
	if got := ok(t, r, "matrix", "acme", "--as", "bob"); !regexp.MustCompile(`(?m)^Customers\s+1\s+2$`).MatchString(got) {
		t.Errorf("the partner counts a private record:\n%s", got)
	}
	ok(t, r, "source", "private", "ours.csv", "A-001", "--undo")
	fails(t, r, 2, "missing RECORD-ID", "source", "private", "ours.csv")
	fails(t, r, 2, "shares no fields", "share", "Customers", "--with", "bolt", "--level", "counts", "--fields", "name")
	fails(t, r, 2, "--remove takes no --level", "share", "Customers", "--with", "bolt", "--remove", "--level", "full")

	// A share request declined.
	out = ok(t, r, "share", "request", "bolt", "--population", "customers", "--fields", "name")
	id := regexp.MustCompile(`request (\S+)\.`).FindStringSubmatch(out)[1]
	if got := ok(t, r, "share", "decline", id, "--as", "bob", "--partner", "acme"); !strings.Contains(got, "Declined the request of Acme Analytics") {
		t.Errorf("decline: %s", got)
	}
	fails(t, r, 1, "no share request", "share", "approve", "req_nope", "--as", "bob")

	// Offline partners and their data.
	ok(t, r, "partner", "add-offline", "Cobalt")
	ok(t, r, "import", "testdata/partner.csv", "--partner", "Cobalt", "--yes", "--name", "Company", "--website", "Domain")
	if got := ok(t, r, "source", "list", "--partner", "Cobalt"); !regexp.MustCompile(`partner\.csv\s+csv\s+11`).MatchString(got) {
		t.Errorf("source list --partner:\n%s", got)
	}
	fails(t, r, 1, "custom populations are not available to offline partners", "population", "add", "Big", "--partner", "Cobalt", "--where", "Status = x")
	fails(t, r, 1, "is a network org, not an offline partner", "import", "testdata/ours.csv", "--partner", "bolt", "--yes")
	fails(t, r, 1, "is an offline partner: there is nothing to invite", "partner", "invite", "Cobalt")
	ok(t, r, "partner", "remove-offline", "Cobalt")

	// Deleting.
	ok(t, r, "population", "delete", "Prospects")
	fails(t, r, 1, `no population "Prospects"`, "population", "preview", "Prospects")
	ok(t, r, "source", "delete", "ours.csv")
	if got := ok(t, r, "matrix", "bolt"); !strings.Contains(got, "You have no populations yet") {
		t.Errorf("matrix without populations:\n%s", got)
	}
	if got := ok(t, r, "partner", "revoke", "bolt"); !strings.Contains(got, "Ended the partnership with Bolt Warehouse") {
		t.Errorf("revoke: %s", got)
	}
	fails(t, r, 1, "not an accepted partner; invite the org with 'acctmap partner invite ORG'", "matrix", "bolt")
}

func TestInterrupted(t *testing.T) {
	t.Parallel()
	r, ws := newProc(t)
	twoOrgs(t, r)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut bytes.Buffer
	code := run(ctx, []string{"matrix", "bolt"}, env{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut,
		getenv: func(k string) string { return map[string]string{"ACCTMAP_WORKSPACE": ws}[k] }})
	if code != exitInterrupted || !strings.Contains(errOut.String(), "interrupted") {
		t.Errorf("exit %d, %q", code, errOut.String())
	}
}

func TestNoWorkspace(t *testing.T) {
	t.Parallel()
	r, ws := newProc(t)
	fails(t, r, 1, "no workspace at "+ws+": run 'acctmap init", "matrix", "bolt")
	if _, err := os.Stat(ws); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a command other than init created the workspace: %v", err)
	}
	ok(t, r, "init", "--org", "Acme", "--user", "ann")
	fails(t, r, 1, `user "ann" exists already`, "init", "--org", "Other", "--user", "ann")
	fails(t, r, 1, `id "acme" is taken`, "org", "add", "ACME", "--admin", "zed")
	fails(t, r, 2, "missing --user", "org", "add", "Zed")
	delete(r.vars, "ACCTMAP_USER")
	if err := os.Remove(ws + ".user"); err != nil {
		t.Fatal(err)
	}
	fails(t, r, 1, "no current user", "matrix", "bolt")
	// A file that is not a workspace.
	other := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(other, []byte(strings.Repeat("not a workspace\n", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	fails(t, r, 1, "not an acctmap workspace", "--workspace", other, "whoami")
}

func TestExplain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("acctmap: invite: already partners with %q: %w", "bolt", acctmap.ErrConflict), `invite: already partners with "bolt"`},
		{fmt.Errorf("acctmap: org %q: %w", "x", acctmap.ErrNotFound), `org "x" not found`},
		{fmt.Errorf("acctmap: user %q lacks the ExportRecords permission: %w", "sam", acctmap.ErrPermissionDenied),
			`not allowed: user "sam" lacks the ExportRecords permission; ask an admin of your org`},
		{fmt.Errorf("acctmap: export: %w", acctmap.ErrLimitExceeded), "plan limit reached: export"},
		{fmt.Errorf("acctmap: org %q is not an accepted partner: %w", "b", acctmap.ErrNotPartners),
			`org "b" is not an accepted partner; invite the org with 'acctmap partner invite ORG'`},
		{fmt.Errorf("acctmap: report: counts only: %w", acctmap.ErrNotShared), "report: counts only; ask the partner for its records"},
		{fmt.Errorf("boltstore: open: %w", boltstore.ErrLocked), "in use by another acctmap command"},
		{fmt.Errorf("x: %w", pgstore.ErrCommitUnknown), "lost while saving"},
		{failf("my own words"), "my own words"},
		{fmt.Errorf("acctmap: field preset %q: acctmap: field %q is not a field: %w", "p", "f", acctmap.ErrInvalidInput), `field preset "p": field "f" is not a field`},
	}
	for _, tt := range tests {
		if got := explain(tt.err); !strings.HasPrefix(got, tt.want) && !strings.Contains(got, tt.want) {
			t.Errorf("explain(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestHelpers(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Acme Analytics, Inc.": "acme-analytics-inc", "  Bolt  ": "bolt", "Bäckerei München": "b-ckerei-m-nchen", "--": "", "A1 b2": "a1-b2",
	} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
	if got := clean("a\x1b[31mb\u202ec\nd\te"); got != `a\x1b[31mb\u202ec\nd\te` {
		t.Errorf("clean = %q", got)
	}
	if got := cut("日本語のテキスト", 7); got != "日本語…" {
		t.Errorf("cut wide = %q", got)
	}
	if got := cut("short", 7); got != "short" {
		t.Errorf("cut short = %q", got)
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
	keys, err := sortKeys(&cobra.Command{Use: "x"}, []string{"a", "-b", "my.Account Owner desc", "c asc"})
	if err != nil {
		t.Fatal(err)
	}
	want := []acctmap.SortKey{{Column: "a"}, {Column: "b", Desc: true}, {Column: "my.Account Owner", Desc: true}, {Column: "c"}}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("sortKeys (-want +got):\n%s", diff)
	}
	if _, err := sortKeys(&cobra.Command{Use: "x"}, []string{"-"}); err == nil {
		t.Error("sortKeys(-) did not fail")
	}
	if got := oneLine("a\n  b\tc"); got != "a b c" {
		t.Errorf("oneLine = %q", got)
	}
	if got := shellQuote("it's"); got != `'it'\''s'` {
		t.Errorf("shellQuote = %q", got)
	}
}
