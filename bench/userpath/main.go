// Command userpath measures what a user of acctmap runs, beside the same
// work done in DuckDB and in plain PostgreSQL, in one run:
//
//	go run ./bench/userpath [-rows 1000000] [-runs 3] [-systems memstore,duckdb]
//
// Two generated CSV exports of -rows accounts each (the data of
// ../shared/bench/gen, cached in -out) go through the public API: two
// partnered orgs, CreateDataSource and ImportCSV for each, eight
// populations per side defined by filters, the first and the second
// Matrix, and the Report of one cell (a page of 10 rows, then the whole
// cell). The peers run the same flow in SQL: DuckDB through its npm
// package (installed into -out with npm), PostgreSQL through psql. Every
// system runs in a subprocess of its own, so that its peak RSS is its own
// (wait4's Maxrss), and the systems alternate over -runs runs. The program
// prints each step's median and range, the ratio to the peer and the peak
// RSS, and fails when a system's matrix disagrees with another's in any
// cell. See README.md.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/boltstore"
	"github.com/acctmap/acctmap/memstore"
	"github.com/acctmap/acctmap/pgstore"
	"github.com/jackc/pgx/v5"
)

//go:embed duckdb_matrix.js
var duckdbScript []byte

//go:embed postgres_matrix.sql
var postgresScript []byte

// The systems, and the peer each acctmap store is compared with.
const (
	sysMem      = "memstore"
	sysBolt     = "boltstore"
	sysPG       = "pgstore"
	sysDuckDB   = "duckdb"
	sysPostgres = "postgres"
)

var peerOf = map[string]string{sysMem: sysDuckDB, sysBolt: sysDuckDB, sysPG: sysPostgres}

// duckdbPackage is the npm package the DuckDB peer runs on (its versions
// carry an "-r.N" suffix, which npm ranges do not match: pinned exactly).
const duckdbPackage = "@duckdb/node-api@1.5.6-r.1"

type config struct {
	rows       int
	runs       int
	systems    []string
	out        string
	pgDSN      string
	cpuprofile string
	seed       uint64
	overlap    float64
	verbose    bool
	// Set in a subprocess only.
	system, cells string
}

func main() {
	log.SetFlags(0)
	var c config
	var systems string
	flag.IntVar(&c.rows, "rows", 1_000_000, "accounts (rows) per CSV file")
	flag.IntVar(&c.runs, "runs", 3, "runs; each runs every system once, in an order rotated by one from the run before")
	flag.StringVar(&systems, "systems", "", "comma-separated systems among memstore, boltstore, pgstore, duckdb, postgres (default memstore,boltstore,duckdb, plus pgstore,postgres with a PostgreSQL DSN)")
	flag.StringVar(&c.out, "out", filepath.Join(os.TempDir(), "acctmap-userpath"), "folder for the generated CSVs, the npm cache and the peer scripts")
	flag.StringVar(&c.pgDSN, "pg", os.Getenv("ACCTMAP_TEST_POSTGRES_DSN"), "PostgreSQL DSN for pgstore and the postgres peer (default $ACCTMAP_TEST_POSTGRES_DSN)")
	flag.StringVar(&c.cpuprofile, "cpuprofile", "", "write a CPU profile of each acctmap subprocess to FILE.SYSTEM.RUN")
	flag.Uint64Var(&c.seed, "seed", 7, "generator seed (the shared generator's default)")
	flag.Float64Var(&c.overlap, "overlap", 0.3, "fraction of the partner's accounts that the first org also has")
	flag.BoolVar(&c.verbose, "v", false, "print every step of the acctmap and DuckDB subprocesses as it ends")
	flag.StringVar(&c.system, "system", "", "internal: run one acctmap system's flow in this process")
	flag.StringVar(&c.cells, "cells", "", "internal: write the matrix cells to this file")
	flag.Parse()
	if c.rows < 10 || c.runs < 1 {
		log.Fatal("userpath: -rows must be at least 10 and -runs at least 1")
	}
	if c.system != "" {
		if err := child(c); err != nil {
			log.Fatalf("userpath %s: %v", c.system, err)
		}
		return
	}
	if systems == "" {
		systems = "memstore,boltstore,duckdb"
		if c.pgDSN != "" {
			systems += ",pgstore,postgres"
		}
	}
	for _, s := range strings.Split(systems, ",") {
		s = strings.TrimSpace(s)
		switch s {
		case sysMem, sysBolt, sysDuckDB:
		case sysPG, sysPostgres:
			if c.pgDSN == "" {
				log.Fatalf("userpath: system %s needs -pg or ACCTMAP_TEST_POSTGRES_DSN", s)
			}
		default:
			log.Fatalf("userpath: unknown system %.40q (want memstore, boltstore, pgstore, duckdb or postgres)", s)
		}
		if !slices.Contains(c.systems, s) {
			c.systems = append(c.systems, s)
		}
	}
	if err := parent(c); err != nil {
		log.Fatalf("userpath: %v", err)
	}
}

// runResult is one system's run, as its subprocess reported it.
type runResult struct {
	system string
	steps  []step
	cells  map[cellKey]int64
	// report10 and reportTotal: rows of the 10-row page and of the whole
	// cell (-1 when the system does not say).
	report10, reportTotal int
	// maxRSS is wait4's Maxrss of the subprocess, in bytes, plus for
	// the PostgreSQL peer the server backend's VmHWM (backendRSS).
	maxRSS, backendRSS int64
	extraRSS           string
	wall               time.Duration
}

func (r runResult) bucket(b string) (time.Duration, bool) {
	var d time.Duration
	ok := false
	for _, s := range r.steps {
		if s.bucket == b {
			d += s.d
			ok = true
		}
	}
	return d, ok
}

// total sums the buckets through the second matrix (toMatrix) or all.
func (r runResult) total(toMatrix bool) time.Duration {
	var d time.Duration
	for _, s := range r.steps {
		if toMatrix && (s.bucket == bucketReport10 || s.bucket == bucketReportAll) {
			continue
		}
		d += s.d
	}
	return d
}

func parent(c config) error {
	ctx := context.Background()
	dataDir, err := ensureData(c)
	if err != nil {
		return err
	}
	if slices.Contains(c.systems, sysDuckDB) {
		if err := ensureDuckDB(ctx, c.out); err != nil {
			return err
		}
	}
	for name, b := range map[string][]byte{"duckdb_matrix.js": duckdbScript, "postgres_matrix.sql": postgresScript} {
		if err := os.WriteFile(filepath.Join(c.out, name), b, 0o644); err != nil {
			return err
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Printf("userpath: %d + %d rows (%s), systems %s, %d runs; %d CPUs, %s, load %s\n",
		c.rows, c.rows, dataDir, strings.Join(c.systems, ","), c.runs, runtime.NumCPU(), runtime.Version(), loadAvg())
	results := map[string][]runResult{}
	for run := 0; run < c.runs; run++ {
		order := slices.Clone(c.systems)
		k := run % len(order)
		order = append(order[k:], order[:k]...)
		var this []runResult
		for _, sys := range order {
			r, err := runSystem(ctx, c, exe, sys, dataDir, run)
			if err != nil {
				return fmt.Errorf("run %d, %s: %w", run+1, sys, err)
			}
			fmt.Printf("run %d %-9s %8.3f s to the matrix, %8.3f s in all, peak RSS %s%s; %d cells, report %s rows\n", run+1, sys,
				r.total(true).Seconds(), r.total(false).Seconds(), mib(r.maxRSS), r.extraRSS, len(r.cells), rows(r.reportTotal))
			results[sys] = append(results[sys], r)
			this = append(this, r)
		}
		if err := agree(this); err != nil {
			return fmt.Errorf("run %d: %w", run+1, err)
		}
	}
	fmt.Printf("load after the runs: %s\n\n", loadAvg())
	printTable(os.Stdout, c.systems, results)
	return nil
}

// agree fails when two systems' matrices differ in a cell, or their
// report totals differ.
func agree(rs []runResult) error {
	for i := 1; i < len(rs); i++ {
		if d := cellDiff(rs[0].cells, rs[i].cells); d != "" {
			return fmt.Errorf("MATRICES DISAGREE: %s vs %s: %s", rs[0].system, rs[i].system, d)
		}
	}
	for i := range rs {
		for j := i + 1; j < len(rs); j++ {
			a, b := rs[i], rs[j]
			if a.reportTotal >= 0 && b.reportTotal >= 0 && (a.reportTotal != b.reportTotal || a.report10 != b.report10) {
				return fmt.Errorf("REPORTS DISAGREE: %s has %d rows (page %d), %s %d (page %d)", a.system, a.reportTotal, a.report10, b.system, b.reportTotal, b.report10)
			}
		}
	}
	return nil
}

// cellDiff describes how two matrices (non-zero cells) differ, or "".
func cellDiff(a, b map[cellKey]int64) string {
	var keys []cellKey
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].a < keys[j].a || keys[i].a == keys[j].a && keys[i].b < keys[j].b
	})
	var diffs []string
	for _, k := range keys {
		if a[k] != b[k] {
			diffs = append(diffs, fmt.Sprintf("%s × %s: %d vs %d", populations[k.a].name, populations[k.b].name, a[k], b[k]))
		}
	}
	if len(diffs) == 0 {
		return ""
	}
	return fmt.Sprintf("%d cells differ: %s", len(diffs), strings.Join(diffs, "; "))
}

// ensureData generates the two CSV files into out/rows-N unless a complete
// earlier generation is there.
func ensureData(c config) (string, error) {
	dir := filepath.Join(c.out, fmt.Sprintf("data-%d-seed%d-overlap%g", c.rows, c.seed, c.overlap))
	done := filepath.Join(dir, "complete")
	if _, err := os.Stat(done); err == nil {
		return dir, nil
	}
	t := time.Now()
	if err := generate(dir, c.rows, c.overlap, c.seed); err != nil {
		return "", fmt.Errorf("generate: %w", err)
	}
	fmt.Printf("generated %s in %.1f s\n", dir, time.Since(t).Seconds())
	return dir, os.WriteFile(done, nil, 0o644)
}

// ensureDuckDB installs the DuckDB npm package into out/npm once.
func ensureDuckDB(ctx context.Context, out string) error {
	dir := filepath.Join(out, "npm")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@duckdb", "node-api", "package.json")); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	fmt.Printf("installing %s into %s\n", duckdbPackage, dir)
	cmd := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--prefix", dir, duckdbPackage)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm install %s (needs node and npm): %w", duckdbPackage, err)
	}
	return nil
}

// runSystem runs one system's flow in a subprocess and parses what it
// printed.
func runSystem(ctx context.Context, c config, exe, sys, dataDir string, run int) (runResult, error) {
	r := runResult{system: sys, report10: -1, reportTotal: -1}
	cells := filepath.Join(c.out, fmt.Sprintf("cells-%s-%d.tsv", sys, os.Getpid()))
	defer os.Remove(cells)
	var cmd *exec.Cmd
	switch sys {
	case sysDuckDB:
		cmd = exec.CommandContext(ctx, "node", filepath.Join(c.out, "duckdb_matrix.js"), dataDir)
		cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(c.out, "npm", "node_modules"), "CELLS="+cells)
	case sysPostgres:
		schema := "userpath_" + randomHex()
		cmd = exec.CommandContext(ctx, "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", "dir="+dataDir, "-v", "schema="+schema,
			"-f", filepath.Join(c.out, "postgres_matrix.sql"), c.pgDSN)
	default:
		args := []string{"-system", sys, "-rows", strconv.Itoa(c.rows), "-out", c.out, "-pg", c.pgDSN, "-cells", cells}
		if c.cpuprofile != "" {
			args = append(args, "-cpuprofile", fmt.Sprintf("%s.%s.%d", c.cpuprofile, sys, run+1))
		}
		cmd = exec.CommandContext(ctx, exe, append(args, dataDir)...)
	}
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return r, err
	}
	t := time.Now()
	if err := cmd.Start(); err != nil {
		return r, err
	}
	var out io.Reader = stdout
	if c.verbose {
		out = io.TeeReader(stdout, prefixWriter{sys})
	}
	perr := parseOutput(out, sys, &r)
	_, _ = io.Copy(io.Discard, stdout)
	if err := cmd.Wait(); err != nil {
		return r, err
	}
	if perr != nil {
		return r, perr
	}
	r.wall = time.Since(t)
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.maxRSS = ru.Maxrss << 10 // KiB on Linux
	}
	r.maxRSS += r.backendRSS
	if sys != sysPostgres {
		if r.cells, err = readCells(cells); err != nil {
			return r, err
		}
	}
	if len(r.cells) == 0 {
		return r, fmt.Errorf("%s returned an empty matrix", sys)
	}
	return r, nil
}

// parseOutput reads a subprocess's lines: "step\tBUCKET\tLABEL\tSECONDS"
// and "report\tPAGE\tTOTAL" from acctmap and DuckDB; psql's "@step
// BUCKET|LABEL", "Time: N ms", the cells after "@cells" and "@backend
// VmHWM: N kB" from the PostgreSQL script.
func parseOutput(rd io.Reader, sys string, r *runResult) error {
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	cur := -1 // the psql step that "Time:" lines add to
	inCells := false
	for sc.Scan() {
		line := sc.Text()
		f := strings.Split(line, "\t")
		switch {
		case f[0] == "step" && len(f) == 4:
			secs, err := strconv.ParseFloat(f[3], 64)
			if err != nil {
				return fmt.Errorf("%s: bad line %.80q", sys, line)
			}
			r.steps = append(r.steps, step{f[1], f[2], time.Duration(secs * 1e9)})
		case f[0] == "report" && len(f) == 3:
			r.report10, _ = strconv.Atoi(f[1])
			r.reportTotal, _ = strconv.Atoi(f[2])
		case strings.HasPrefix(line, "@step "):
			inCells = false
			b, l, _ := strings.Cut(strings.TrimPrefix(line, "@step "), "|")
			if b == "end" {
				cur = -1
				continue
			}
			r.steps = append(r.steps, step{bucket: b, name: l})
			cur = len(r.steps) - 1
		case line == "@cells":
			inCells = true
			if r.cells == nil {
				r.cells = map[cellKey]int64{}
			}
		case strings.HasPrefix(line, "Time: "):
			inCells = false
			ms, err := strconv.ParseFloat(strings.Fields(line)[1], 64)
			if err != nil {
				return fmt.Errorf("%s: bad line %.80q", sys, line)
			}
			if cur >= 0 {
				r.steps[cur].d += time.Duration(ms * 1e6)
			}
		case strings.HasPrefix(line, "@backend "):
			if kb := strings.Fields(line); len(kb) >= 3 {
				if n, err := strconv.ParseInt(kb[2], 10, 64); err == nil {
					r.backendRSS = n << 10
					r.extraRSS = fmt.Sprintf(" (psql + server backend %s)", mib(r.backendRSS))
				}
			}
		case inCells && len(f) == 3:
			k, err := parseCell(f)
			if err != nil {
				return fmt.Errorf("%s: %w", sys, err)
			}
			r.cells[k.key] = k.n
		}
	}
	return sc.Err()
}

type cellLine struct {
	key cellKey
	n   int64
}

func parseCell(f []string) (cellLine, error) {
	a, err1 := strconv.Atoi(f[0])
	b, err2 := strconv.Atoi(f[1])
	n, err3 := strconv.ParseInt(f[2], 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil || a < 0 || b < 0 || a >= len(populations) || b >= len(populations) {
		return cellLine{}, fmt.Errorf("bad matrix cell %.80q", strings.Join(f, "\t"))
	}
	return cellLine{cellKey{a, b}, n}, nil
}

func readCells(path string) (map[cellKey]int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[cellKey]int64{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line == "" {
			continue
		}
		c, err := parseCell(strings.Split(line, "\t"))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if c.n != 0 {
			out[c.key] = c.n
		}
	}
	return out, nil
}

func writeCells(path string, cells map[cellKey]int64) error {
	var b strings.Builder
	for a := range populations {
		for p := range populations {
			if n := cells[cellKey{a, p}]; n != 0 {
				fmt.Fprintf(&b, "%d\t%d\t%d\n", a, p, n)
			}
		}
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// child runs one acctmap system's flow (the subprocess side).
func child(c config) error {
	ctx := context.Background()
	if flag.NArg() != 1 {
		return errors.New("want the data folder as the argument")
	}
	dir := flag.Arg(0)
	var store acctmap.Store
	switch c.system {
	case sysMem:
		store = memstore.New()
	case sysBolt:
		path := filepath.Join(c.out, fmt.Sprintf("bolt-%d.db", os.Getpid()))
		s, err := boltstore.Open(path)
		if err != nil {
			return err
		}
		defer os.Remove(path)
		defer s.Close()
		store = s
	case sysPG:
		schema := "userpath_" + randomHex()
		s, err := pgstore.Open(ctx, c.pgDSN, pgstore.WithSchema(schema))
		if err != nil {
			return err
		}
		defer dropSchema(ctx, c.pgDSN, schema)
		defer s.Close()
		store = s
	default:
		return fmt.Errorf("unknown system %.40q", c.system)
	}
	if c.cpuprofile != "" {
		f, err := os.Create(c.cpuprofile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	res, err := runFlow(ctx, store, dir, func(s step) {
		fmt.Printf("step\t%s\t%s\t%.6f\n", s.bucket, s.name, s.d.Seconds())
	})
	if err != nil {
		return err
	}
	fmt.Printf("report\t%d\t%d\n", res.report10, res.reportTotal)
	return writeCells(c.cells, res.cells)
}

func dropSchema(ctx context.Context, dsn, schema string) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		log.Printf("drop schema %s: %v", schema, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
		log.Printf("drop schema %s: %v", schema, err)
	}
}

func randomHex() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

// prefixWriter echoes a subprocess's step lines to stderr.
type prefixWriter struct{ sys string }

func (p prefixWriter) Write(b []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if strings.HasPrefix(line, "step\t") {
			fmt.Fprintf(os.Stderr, "  %s: %s\n", p.sys, strings.ReplaceAll(strings.TrimPrefix(line, "step\t"), "\t", "  "))
		}
	}
	return len(b), nil
}

func rows(n int) string {
	if n < 0 {
		return "?"
	}
	return strconv.Itoa(n)
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// printTable prints, per bucket, each system's median and range over the
// runs and the ratio of each acctmap store's median to its peer's.
func printTable(w io.Writer, systems []string, results map[string][]runResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "step\t")
	for _, s := range systems {
		fmt.Fprintf(tw, "%s\t", s)
		if p := peerOf[s]; p != "" && slices.Contains(systems, p) {
			fmt.Fprintf(tw, "÷ %s\t", p)
		}
	}
	fmt.Fprintln(tw)
	row := func(label string, get func(runResult) (time.Duration, bool)) {
		fmt.Fprintf(tw, "%s\t", label)
		for _, s := range systems {
			med, lo, hi, ok := stats(results[s], get)
			if ok {
				fmt.Fprintf(tw, "%s [%s–%s]\t", dur(med), dur(lo), dur(hi))
			} else {
				fmt.Fprint(tw, "—\t")
			}
			if p := peerOf[s]; p != "" && slices.Contains(systems, p) {
				pm, _, _, pok := stats(results[p], get)
				if ok && pok && pm > 0 {
					fmt.Fprintf(tw, "%.2f×\t", float64(med)/float64(pm))
				} else {
					fmt.Fprint(tw, "—\t")
				}
			}
		}
		fmt.Fprintln(tw)
	}
	for _, b := range buckets {
		row(b, func(r runResult) (time.Duration, bool) { return r.bucket(b) })
	}
	row("TO THE MATRIX", func(r runResult) (time.Duration, bool) { return r.total(true), true })
	row("END TO END", func(r runResult) (time.Duration, bool) { return r.total(false), true })
	fmt.Fprint(tw, "peak RSS\t")
	for _, s := range systems {
		var rss []int64
		for _, r := range results[s] {
			rss = append(rss, r.maxRSS)
		}
		slices.Sort(rss)
		fmt.Fprintf(tw, "%s [%s–%s]\t", mib(rss[len(rss)/2]), mib(rss[0]), mib(rss[len(rss)-1]))
		if p := peerOf[s]; p != "" && slices.Contains(systems, p) {
			var prss []int64
			for _, r := range results[p] {
				prss = append(prss, r.maxRSS)
			}
			slices.Sort(prss)
			fmt.Fprintf(tw, "%.2f×\t", float64(rss[len(rss)/2])/float64(prss[len(prss)/2]))
		}
	}
	fmt.Fprintln(tw)
	tw.Flush()
	fmt.Fprintln(w, "\nsteps, median over the runs (steps of one name summed within a run):")
	for _, s := range systems {
		var order []string
		perRun := make([]map[string]time.Duration, len(results[s]))
		counts := map[string]int{}
		for i, r := range results[s] {
			perRun[i] = map[string]time.Duration{}
			for _, st := range r.steps {
				k := st.bucket + "\x00" + st.name
				if _, ok := perRun[i][k]; !ok && i == 0 {
					order = append(order, k)
				}
				if i == 0 {
					counts[k]++
				}
				perRun[i][k] += st.d
			}
		}
		fmt.Fprintf(w, "  %s:\n", s)
		for _, k := range order {
			var ds []time.Duration
			for _, m := range perRun {
				ds = append(ds, m[k])
			}
			slices.Sort(ds)
			b, n, _ := strings.Cut(k, "\x00")
			times := ""
			if counts[k] > 1 {
				times = fmt.Sprintf(" (%d calls)", counts[k])
			}
			fmt.Fprintf(w, "    %-20s %-34s %9s%s\n", b, n, dur(ds[len(ds)/2]), times)
		}
	}
}

func stats(rs []runResult, get func(runResult) (time.Duration, bool)) (med, lo, hi time.Duration, ok bool) {
	var ds []time.Duration
	for _, r := range rs {
		if d, ok := get(r); ok {
			ds = append(ds, d)
		}
	}
	if len(ds) == 0 {
		return 0, 0, 0, false
	}
	slices.Sort(ds)
	return ds[len(ds)/2], ds[0], ds[len(ds)-1], true
}

func dur(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.0f ms", float64(d)/1e6)
	default:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	}
}
