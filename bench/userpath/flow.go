package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
)

// Buckets group the steps of every system so that they compare: acctmap's
// ImportCSV against the peers' load plus normalization, and so on.
const (
	bucketSetup       = "setup"       // orgs, partnership, data sources, share rule
	bucketImport      = "import"      // ImportCSV × 2 / load + normalize
	bucketPopulations = "populations" // 8 per side
	bucketMatrix1     = "first matrix"
	bucketMatrix2     = "second matrix"
	bucketReport10    = "report, 10 rows"
	bucketReportAll   = "report, whole cell"
)

// buckets in the order they are printed.
var buckets = []string{bucketSetup, bucketImport, bucketPopulations, bucketMatrix1, bucketMatrix2, bucketReport10, bucketReportAll}

// popDef is one population as a user defines it, the same eight on both
// sides as in the peer scripts (their order is the peers' pop number).
type popDef struct {
	name   string
	kind   acctmap.PopulationKind
	filter acctmap.Filter
}

func eq(field, value string) acctmap.Filter {
	return acctmap.Filter{All: []acctmap.Condition{{Field: field, Op: acctmap.Equals, Value: value}}}
}

var populations = []popDef{
	{"Customers", acctmap.Customers, eq("Stage", "Customer")},
	{"Open Opportunities", acctmap.OpenOpportunities, eq("Stage", "Open Opportunity")},
	{"Prospects", acctmap.Prospects, eq("Stage", "Prospect")},
	{"Churned", acctmap.Custom, eq("Stage", "Churned")},
	{"NA", acctmap.Custom, eq("Region", "NA")},
	{"EMEA", acctmap.Custom, eq("Region", "EMEA")},
	{"Enterprise", acctmap.Custom, eq("Segment", "Enterprise")},
	{"Large", acctmap.Custom, acctmap.Filter{All: []acctmap.Condition{{Field: "Employees", Op: acctmap.GreaterThan, Value: "10000"}}}},
}

// step is one timed call of the flow.
type step struct {
	bucket, name string
	d            time.Duration
}

// cellKey is a matrix cell by population number (the index in populations).
type cellKey struct{ a, b int }

// flowResult is what one run of the flow measured and returned.
type flowResult struct {
	steps []step
	cells map[cellKey]int64 // non-zero cells only, as the peers' GROUP BY gives them
	// report10 and reportTotal are the rows of the 10-row page and the
	// whole cell's row count (Customers × Customers).
	report10, reportTotal int
}

// runFlow runs the user's path on a fresh Network over store, with the
// two CSV files in dir. onStep, when set, is called after every step.
func runFlow(ctx context.Context, store acctmap.Store, dir string, onStep func(step)) (flowResult, error) {
	res := flowResult{cells: map[cellKey]int64{}}
	timed := func(bucket, name string, f func() error) error {
		t := time.Now()
		if err := f(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		s := step{bucket, name, time.Since(t)}
		res.steps = append(res.steps, s)
		if onStep != nil {
			onStep(s)
		}
		return nil
	}
	net := acctmap.New(store)
	var ann, bob *acctmap.Actor
	err := timed(bucketSetup, "orgs, users, partnership", func() error {
		for _, o := range []struct{ org, user string }{{"a", "ann"}, {"b", "bob"}} {
			if _, err := net.CreateOrg(ctx, acctmap.Org{ID: o.org, Name: "Org " + o.org}); err != nil {
				return err
			}
			if _, err := net.AddUser(ctx, acctmap.User{ID: o.user, OrgID: o.org, Name: o.user, Role: acctmap.RoleAdmin}); err != nil {
				return err
			}
		}
		ann, bob = net.As("ann"), net.As("bob")
		if _, err := ann.Invite(ctx, "b"); err != nil {
			return err
		}
		_, err := bob.Accept(ctx, "a")
		return err
	})
	if err != nil {
		return res, err
	}
	sides := []struct {
		actor *acctmap.Actor
		file  string
		ds    acctmap.DataSource
		pops  []acctmap.Population
	}{{actor: ann, file: "ours.csv"}, {actor: bob, file: "partner.csv"}}
	for i := range sides {
		s := &sides[i]
		if err := timed(bucketSetup, "CreateDataSource "+s.file, func() error {
			var err error
			s.ds, err = s.actor.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM export"})
			return err
		}); err != nil {
			return res, err
		}
	}
	for i := range sides {
		s := &sides[i]
		if err := timed(bucketImport, "ImportCSV "+s.file, func() error {
			f, err := os.Open(filepath.Join(dir, s.file))
			if err != nil {
				return err
			}
			defer f.Close()
			sum, err := s.actor.ImportCSV(ctx, s.ds.ID, f, acctmap.CSVImport{
				Mapping:  csvsource.Mapping{ID: "Record ID", Name: "Company Name", Website: "Website"},
				FileName: s.file,
			})
			if err == nil && sum.Rejected > 0 {
				err = fmt.Errorf("%d of %d rows rejected", sum.Rejected, sum.Rows)
			}
			return err
		}); err != nil {
			return res, err
		}
	}
	for i := range sides {
		s := &sides[i]
		for _, p := range populations {
			if err := timed(bucketPopulations, "CreatePopulation "+p.name, func() error {
				pop, err := s.actor.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: s.ds.ID, Kind: p.kind, Name: p.name, Filter: p.filter})
				s.pops = append(s.pops, pop)
				return err
			}); err != nil {
				return res, err
			}
		}
	}
	// The partner shows its Customers' overlapping records, so that the
	// report of the Customers × Customers cell has rows.
	if err := timed(bucketSetup, "SetShareRule", func() error {
		return bob.SetShareRule(ctx, sides[1].pops[0].ID, "a", acctmap.SharingRule{
			Level: acctmap.OverlappingRecords, Fields: []string{"id", "name", "website", "Stage", "Owner"}})
	}); err != nil {
		return res, err
	}
	var m acctmap.OverlapMatrix
	for _, b := range []string{bucketMatrix1, bucketMatrix2} {
		if err := timed(b, "Matrix", func() error {
			var err error
			m, err = ann.Matrix(ctx, "b")
			return err
		}); err != nil {
			return res, err
		}
	}
	number := map[string]int{}
	for i, p := range populations {
		number[p.name] = i
	}
	for i, r := range m.Rows {
		for j, c := range m.Cols {
			if n := m.Counts[i][j]; n != 0 {
				res.cells[cellKey{number[r.Name], number[c.Name]}] = n
			}
		}
	}
	spec := acctmap.ReportSpec{Partner: "b", Population: sides[0].pops[0].ID, PartnerPopulation: sides[1].pops[0].ID, Limit: 10}
	if err := timed(bucketReport10, "Report Limit 10", func() error {
		r, err := ann.Report(ctx, spec)
		res.report10 = len(r.Rows)
		return err
	}); err != nil {
		return res, err
	}
	spec.Limit = 0
	if err := timed(bucketReportAll, "Report whole cell", func() error {
		r, err := ann.Report(ctx, spec)
		res.reportTotal = len(r.Rows)
		return err
	}); err != nil {
		return res, err
	}
	return res, nil
}
