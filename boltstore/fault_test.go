package boltstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/storetest"
)

// TestFaultAtEveryCall runs Scribble, which touches every write method, in
// an Update with a fault at each of its calls in turn, an injected error
// and then a cancelled context: the Update returns that error and the file
// holds what it held before.
func TestFaultAtEveryCall(t *testing.T) {
	t.Parallel()
	errMine := errors.New("disk full")
	for _, cancel := range []bool{false, true} {
		s, before := seeded(t)
		fs := storetest.NewFaultStore(s)
		seen := map[string]bool{}
		for n := 1; ; n++ {
			if cancel {
				fs.CancelAt(n)
			} else {
				fs.FailAt(n, errMine)
			}
			err := fs.Update(t.Context(), storetest.Scribble)
			c, hit := fs.Injected()
			if !hit {
				if err != nil {
					t.Fatalf("Update with no fault fired (%d calls): %v", fs.Calls(), err)
				}
				if n < 20 {
					t.Fatalf("Scribble made only %d calls", n-1)
				}
				break
			}
			seen[c.Op] = true
			want := errMine
			if cancel {
				want = context.Canceled
			}
			if !errors.Is(err, want) {
				t.Fatalf("fault at %v: Update returned %v, want %v", c, err, want)
			}
			if d := before.Diff(mustDump(t, s)); d != "" {
				t.Fatalf("fault at %v changed the store (-before +after):\n%s", c, d)
			}
		}
		for _, op := range []string{"Update", "Update.commit", "Tx.DeleteOrg", "Tx.PutRecords", "Tx.ReplaceRecords", "Tx.SetMembers", "Tx.DeletePopulation"} {
			if !seen[op] {
				t.Errorf("no fault was injected at %s", op)
			}
		}
	}
}

// faultCSV is a CSV of n accounts, every other one a customer.
func faultCSV(n int) string {
	var b strings.Builder
	b.WriteString("Id,Company,Website,Stage\n")
	for i := range n {
		fmt.Fprintf(&b, "a%d,Company %d,company%d.example,%s\n", i, i, i%(n/2+1), []string{"Customer", "Prospect"}[i%2])
	}
	return b.String()
}

// TestFaultNetworkWorkflow drives a Network on a boltstore through a
// FaultStore: an import, a population, a sync, private marks and a
// matrix, each call with a fault (error, then cancellation) at each of
// its store calls. Each faulted call fails with the fault's error and
// leaves the file as it was; then it runs without one and must succeed.
func TestFaultNetworkWorkflow(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := openTemp(t)
	fs := storetest.NewFaultStore(s)
	net := acctmap.New(fs)
	imp := acctmap.CSVImport{Mapping: csvsource.Mapping{Name: "Company", Website: "Website", ID: "Id"}, FileName: "a.csv"}
	var dsA, dsB acctmap.DataSource
	steps := []struct {
		name string
		run  func() error
	}{
		{"CreateOrg acme", func() error { _, err := net.CreateOrg(ctx, acctmap.Org{ID: "acme", Name: "Acme"}); return err }},
		{"CreateOrg bolt", func() error { _, err := net.CreateOrg(ctx, acctmap.Org{ID: "bolt", Name: "Bolt"}); return err }},
		{"AddUser ann", func() error {
			_, err := net.AddUser(ctx, acctmap.User{ID: "ann", OrgID: "acme", Name: "Ann", Role: acctmap.RoleAdmin})
			return err
		}},
		{"AddUser bob", func() error {
			_, err := net.AddUser(ctx, acctmap.User{ID: "bob", OrgID: "bolt", Name: "Bob", Role: acctmap.RoleAdmin})
			return err
		}},
		{"Invite", func() error { _, err := net.As("ann").Invite(ctx, "bolt"); return err }},
		{"Accept", func() error { _, err := net.As("bob").Accept(ctx, "acme"); return err }},
		{"CreateDataSource acme", func() error {
			var err error
			dsA, err = net.As("ann").CreateDataSource(ctx, acctmap.NewDataSource{Name: "Upload"})
			return err
		}},
		{"CreateDataSource bolt", func() error {
			var err error
			dsB, err = net.As("bob").CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})
			return err
		}},
		{"ImportCSV", func() error {
			_, err := net.As("ann").ImportCSV(ctx, dsA.ID, strings.NewReader(faultCSV(40)), imp)
			return err
		}},
		{"CreatePopulation", func() error {
			_, err := net.As("ann").CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: dsA.ID, Kind: acctmap.Customers,
				Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Stage", Op: acctmap.Equals, Value: "Customer"}}}})
			return err
		}},
		{"UpsertRecords", func() error {
			var in []acctmap.RecordInput
			for i := range 30 {
				in = append(in, acctmap.RecordInput{ID: fmt.Sprint("b", i), Name: fmt.Sprint("Co ", i), Website: fmt.Sprintf("company%d.example", i)})
			}
			_, err := net.As("bob").UpsertRecords(ctx, dsB.ID, in)
			return err
		}},
		{"CreatePopulation bolt", func() error {
			_, err := net.As("bob").CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: dsB.ID, Kind: acctmap.Custom, Name: "All"})
			return err
		}},
		{"SetPrivate", func() error { _, err := net.As("ann").SetPrivate(ctx, dsA.ID, []string{"a1", "a2"}, true); return err }},
		{"ImportCSV again", func() error {
			_, err := net.As("ann").ImportCSV(ctx, dsA.ID, strings.NewReader(faultCSV(50)), imp)
			return err
		}},
		{"DeleteRecords", func() error { _, err := net.As("bob").DeleteRecords(ctx, dsB.ID, []string{"b1", "b7"}); return err }},
		{"Matrix", func() error { _, err := acctmap.New(fs).As("ann").Matrix(ctx, "bolt"); return err }},
	}
	errMine := errors.New("injected")
	faults := 0
	// check runs a step with a fault armed and checks what it did; it
	// reports whether the fault fired.
	check := func(name string, run func() error, arm func(), want error) bool {
		t.Helper()
		before := mustDump(t, s)
		arm()
		err := run()
		c, hit := fs.Injected()
		if !hit {
			// Fewer calls than the one armed: the step ran whole.
			if err != nil {
				t.Fatalf("%s without a fault: %v", name, err)
			}
			return false
		}
		faults++
		if !errors.Is(err, want) {
			t.Fatalf("%s, fault at %v: %v, want %v", name, c, err, want)
		}
		if d := before.Diff(mustDump(t, s)); d != "" {
			t.Fatalf("%s, fault at %v changed the store (-before +after):\n%s", name, c, d)
		}
		return true
	}
	for _, st := range steps {
		for n := 1; ; n++ {
			if !check(st.name, st.run, func() { fs.FailAt(n, errMine) }, errMine) {
				break
			}
			if !check(st.name, st.run, func() { fs.CancelAt(n) }, context.Canceled) {
				break
			}
		}
	}
	fs.Reset()
	if faults < 100 {
		t.Errorf("only %d faults injected", faults)
	}
	t.Logf("%d faults injected", faults)
}
