package boltstore

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/storetest"
)

// The tests in this file start the test binary again as a child process
// that runs TestChild, with childEnv saying what it does.
const childEnv = "BOLTSTORE_TEST_CHILD"

// TestChild is the child process's side of the tests below; run alone,
// it skips.
func TestChild(t *testing.T) {
	mode, ok := os.LookupEnv(childEnv)
	if !ok {
		t.Skip("the child process of TestCrashDuringImport and TestSecondProcessLocked")
	}
	path := os.Getenv("BOLTSTORE_TEST_PATH")
	switch mode {
	case "lock":
		timeout, _ := time.ParseDuration(os.Getenv("BOLTSTORE_TEST_TIMEOUT"))
		start := time.Now()
		s, err := Open(path, WithLockTimeout(timeout))
		res := lockResult{ElapsedMS: time.Since(start).Milliseconds()}
		if err != nil {
			res.Err, res.Locked = err.Error(), errors.Is(err, ErrLocked)
		} else {
			res.Opened = true
			_ = s.Close()
		}
		b, _ := json.Marshal(res)
		fmt.Println(string(b))
	case "import":
		n, _ := strconv.Atoi(os.Getenv("BOLTSTORE_TEST_RECORDS"))
		recs := genRecords("new", 0, n)
		// With fsync, as in production: the parent kills the process,
		// and what the kernel has taken must make a consistent file.
		s, err := Open(path)
		if err != nil {
			fmt.Println("error", err)
			return
		}
		fmt.Println("opened")
		start := time.Now()
		var committing time.Time
		err = s.Update(context.Background(), func(tx acctmap.Tx) error {
			fmt.Println("writing")
			if err := tx.ReplaceRecords(crashDS, recs); err != nil {
				return err
			}
			if err := tx.PutOrg(acctmap.Org{ID: "written-by-child"}); err != nil {
				return err
			}
			committing = time.Now()
			fmt.Println("committing", committing.Sub(start).Microseconds())
			return nil
		})
		if err != nil {
			fmt.Println("error", err)
			return
		}
		fmt.Println("committed", time.Since(committing).Microseconds())
		// Wait to be killed, so that every round ends the same way.
		time.Sleep(time.Minute)
	default:
		t.Fatalf("unknown %s=%q", childEnv, mode)
	}
}

type lockResult struct {
	Opened    bool
	Locked    bool
	Err       string
	ElapsedMS int64
}

// child returns the command that runs TestChild in mode.
func child(t *testing.T, mode, path string, env ...string) *exec.Cmd {
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), append([]string{childEnv + "=" + mode, "BOLTSTORE_TEST_PATH=" + path}, env...)...)
	cmd.Stderr = os.Stderr
	return cmd
}

// TestSecondProcessLocked opens a file and checks that another process
// cannot: its Open fails with ErrLocked once the lock timeout has passed,
// and succeeds once the first closed the file. One process at a time is
// the limit of bbolt's file lock (flock).
func TestSecondProcessLocked(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "locked.db")
	s, err := Open(path, WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	run := func() lockResult {
		t.Helper()
		out, err := child(t, "lock", path, "BOLTSTORE_TEST_TIMEOUT=300ms").Output()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		var res lockResult
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if err := json.Unmarshal([]byte(lines[0]), &res); err != nil {
			t.Fatalf("child's output %q: %v", out, err)
		}
		return res
	}
	res := run()
	if res.Opened || !res.Locked {
		t.Fatalf("a second process opened the file, or failed otherwise: %+v", res)
	}
	if res.ElapsedMS < 250 {
		t.Errorf("the second process gave up after %d ms, before its lock timeout (300 ms)", res.ElapsedMS)
	}
	for _, want := range []string{path, "in use by another process", "300ms"} {
		if !strings.Contains(res.Err, want) {
			t.Errorf("the error %q does not say %q", res.Err, want)
		}
	}
	t.Logf("second process: %s (after %d ms)", res.Err, res.ElapsedMS)
	// In this process too: the lock is per open file, not per process.
	if s2, err := Open(path, WithLockTimeout(100*time.Millisecond)); !errors.Is(err, ErrLocked) {
		if err == nil {
			_ = s2.Close()
		}
		t.Errorf("a second Open in the same process: %v, want ErrLocked", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if res := run(); !res.Opened {
		t.Errorf("after Close, another process could not open the file: %+v", res)
	}
}

// crashDS is the data source the child process imports into.
const crashDS = "ds-acme-crm"

// TestCrashDuringImport kills (SIGKILL) a process in the middle of an
// import of many records in one Update, at points spread over the writes
// and the commit, and reopens the file: it holds exactly what it held
// before (storetest.Dump), bbolt's consistency check passes, and the store
// takes writes. A first round lets the commit finish, to time it and to
// check that a committed import is all there after the kill.
func TestCrashDuringImport(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes and imports 200,000 records")
	}
	t.Parallel()
	n := 200_000
	if raceEnabled {
		n = 50_000 // the child runs with the race detector too
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(t.Context(), storetest.Seed); err != nil {
		t.Fatal(err)
	}
	old := genRecords("old", 0, 1000)
	if err := s.Update(t.Context(), func(tx acctmap.Tx) error { return tx.PutRecords(crashDS, old) }); err != nil {
		t.Fatal(err)
	}
	before := mustDump(t, s)
	orig := before.Records[crashDS]
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// runChild starts an import and kills it when kill, given each line
	// the child prints, says so. It returns the child's lines.
	runChild := func(kill func(line string) (time.Duration, bool)) []string {
		t.Helper()
		cmd := child(t, "import", path, "BOLTSTORE_TEST_RECORDS="+strconv.Itoa(n))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var lines []string
		sc := bufio.NewScanner(out)
		killed := false
		for sc.Scan() {
			line := sc.Text()
			lines = append(lines, line)
			if strings.HasPrefix(line, "error") {
				t.Errorf("child: %s", line)
			}
			if d, ok := kill(line); ok && !killed {
				time.Sleep(d)
				if err := cmd.Process.Kill(); err != nil {
					t.Fatal(err)
				}
				killed = true
			}
		}
		err = cmd.Wait()
		if !killed {
			t.Fatalf("the child ended unkilled (%v): %q", err, lines)
		}
		return lines
	}
	committed := func(lines []string) (time.Duration, bool) {
		for _, l := range lines {
			if us, ok := strings.CutPrefix(l, "committed "); ok {
				v, _ := strconv.Atoi(us)
				return time.Duration(v) * time.Microsecond, true
			}
		}
		return 0, false
	}

	// restore brings the file back to the state before after an import
	// that committed.
	restore := func(s *Store) {
		t.Helper()
		err := s.Update(t.Context(), func(tx acctmap.Tx) error {
			if got, err := tx.CountRecords(crashDS); err != nil || got != n {
				return fmt.Errorf("after a committed import, CountRecords = %d, %v; want %d", got, err, n)
			}
			if err := tx.DeleteOrg("written-by-child"); err != nil {
				return err
			}
			return tx.ReplaceRecords(crashDS, orig)
		})
		if err != nil {
			t.Fatal(err)
		}
		if d := before.Diff(mustDump(t, s)); d != "" {
			t.Fatalf("restoring the state before: %s", d)
		}
	}

	// Calibration, twice: the first commit grows the file, the later ones
	// reuse the pages freed by the restore, and are faster. Kill only once
	// committed.
	var (
		commit time.Duration
		after  storetest.Snapshot // the committed import
	)
	for range 2 {
		lines := runChild(func(line string) (time.Duration, bool) { return 0, strings.HasPrefix(line, "committed") })
		var ok bool
		if commit, ok = committed(lines); !ok {
			t.Fatalf("the calibration round did not commit: %q", lines)
		}
		t.Logf("child: %q; the commit of %d records took %v", lines, n, commit)
		s = openAt(t, path)
		checkFile(t, s)
		after = mustDump(t, s)
		restore(s)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}

	type point struct {
		at    string // the line after which the kill comes
		delay time.Duration
	}
	points := []point{{"writing", 0}, {"writing", 20 * time.Millisecond}, {"committing", 0}}
	for _, f := range []float64{0.05, 0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95} {
		points = append(points, point{"committing", time.Duration(f * float64(commit))})
	}
	midCommit := 0
	for _, p := range points {
		lines := runChild(func(line string) (time.Duration, bool) { return p.delay, strings.HasPrefix(line, p.at) })
		info, _ := os.Stat(path)
		s := openAt(t, path)
		checkFile(t, s)
		if _, ok := committed(lines); ok {
			// Too late: the commit won the race. Then it must be whole.
			t.Logf("kill %v after %q came after the commit", p.delay, p.at)
			restore(s)
		} else {
			if p.at == "committing" {
				midCommit++
			}
			got := mustDump(t, s)
			switch d := before.Diff(got); {
			case d == "":
			case after.Diff(got) == "":
				// The commit was whole before the child could say so.
				t.Logf("kill %v after %q came after the commit, before its line", p.delay, p.at)
				restore(s)
			default:
				t.Fatalf("killed %v after %q, the file is neither the old data nor the import (-before +after):\n%.4000s", p.delay, p.at, d)
			}
		}
		// The store takes writes, and keeps them.
		if err := s.Update(t.Context(), func(tx acctmap.Tx) error { return tx.PutOrg(acctmap.Org{ID: "after-crash"}) }); err != nil {
			t.Fatalf("Update after the crash: %v", err)
		}
		if err := s.Update(t.Context(), func(tx acctmap.Tx) error { return tx.DeleteOrg("after-crash") }); err != nil {
			t.Fatalf("Update after the crash: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("killed %v after %q: file of %d bytes, intact", p.delay, p.at, info.Size())
	}
	if midCommit == 0 {
		t.Error("no kill landed in the commit: the test proved nothing about it")
	}
}
