// Command quickstart is acctmap's first run: two companies, Acme Analytics
// (ours.csv) and its partner Bolt Warehouse (partner.csv), each with a messy
// CRM export. It sets up a network with both orgs, makes them partners,
// imports each org's CSV, defines populations, and prints the account
// mapping matrix and a report of the accounts Bolt chose to share.
//
//	go run ./examples/quickstart
package main

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/memstore"
)

var (
	//go:embed ours.csv
	oursCSV []byte
	//go:embed partner.csv
	partnerCSV []byte
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, out io.Writer) error {
	net := acctmap.New(memstore.New())

	// Two orgs join the network, each with an admin.
	for _, o := range []struct{ org, name, user string }{
		{"acme", "Acme Analytics", "ann"}, {"bolt", "Bolt Warehouse", "bob"},
	} {
		if _, err := net.CreateOrg(ctx, acctmap.Org{ID: o.org, Name: o.name}); err != nil {
			return err
		}
		if _, err := net.AddUser(ctx, acctmap.User{ID: o.user, OrgID: o.org, Name: o.user, Role: acctmap.RoleAdmin}); err != nil {
			return err
		}
	}
	ann, bob := net.As("ann"), net.As("bob")

	// Acme invites Bolt; Bolt accepts.
	if _, err := ann.Invite(ctx, "bolt"); err != nil {
		return err
	}
	if _, err := bob.Accept(ctx, "acme"); err != nil {
		return err
	}
	fmt.Fprintln(out, "Acme Analytics and Bolt Warehouse are partners.")

	// Each org uploads its CRM export and defines its populations.
	acmeDS, err := upload(ctx, out, ann, "ours.csv", oursCSV, csvsource.Mapping{Name: "Account Name", Website: "Website", ID: "Account ID"})
	if err != nil {
		return err
	}
	boltDS, err := upload(ctx, out, bob, "partner.csv", partnerCSV, csvsource.Mapping{Name: "Company", Website: "Domain"})
	if err != nil {
		return err
	}
	for _, p := range []struct {
		actor *acctmap.Actor
		ds    string
		kind  acctmap.PopulationKind
		field string
		value string
	}{
		{ann, acmeDS, acctmap.Customers, "Stage", "Customer"},
		{ann, acmeDS, acctmap.Prospects, "Stage", "Prospect"},
		{ann, acmeDS, acctmap.OpenOpportunities, "Stage", "Open Opportunity"},
		{bob, boltDS, acctmap.Customers, "Status", "Customer"},
		{bob, boltDS, acctmap.Prospects, "Status", "Prospect"},
	} {
		filter := acctmap.Filter{All: []acctmap.Condition{{Field: p.field, Op: acctmap.Equals, Value: p.value}}}
		pv, err := p.actor.PreviewPopulation(ctx, p.ds, filter, 0)
		if err != nil {
			return err
		}
		pop, err := p.actor.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: p.ds, Kind: p.kind, Filter: filter})
		if err != nil {
			return err
		}
		me, _ := p.actor.Me(ctx)
		fmt.Fprintf(out, "  %s population %-18q %d accounts\n", me.OrgID, pop.Name, pv.Count)
	}

	// The account mapping matrix, as Acme sees it: overlap counts for
	// every pair of populations (Bolt shares counts by default).
	mx, err := ann.Matrix(ctx, "bolt")
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "\nAccount mapping matrix (Acme × Bolt):")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "\t")
	for _, c := range mx.Cols {
		fmt.Fprintf(tw, "Bolt %s\t", c.Name)
	}
	fmt.Fprintln(tw)
	for i, r := range mx.Rows {
		fmt.Fprintf(tw, "Acme %s\t", r.Name)
		for j := range mx.Cols {
			fmt.Fprintf(tw, "%d\t", mx.Counts[i][j])
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	// Record level needs the owner's consent: Bolt shares its overlapping
	// customers with their company name and CSM — nothing else.
	boltPops, err := bob.Populations(ctx, "")
	if err != nil {
		return err
	}
	rule := acctmap.SharingRule{Level: acctmap.OverlappingRecords, Fields: []string{"name", "CSM"}}
	if err := bob.SetShareRule(ctx, boltPops[0].ID, "acme", rule); err != nil {
		return err
	}
	acmePops, err := ann.Populations(ctx, "")
	if err != nil {
		return err
	}
	for _, mine := range acmePops {
		rep, err := ann.Report(ctx, acctmap.ReportSpec{
			Partner: "bolt", Population: mine.ID, PartnerPopulation: boltPops[0].ID,
			Columns: []string{"my.name", "my.Account Owner", "partner.name", "partner.CSM", acctmap.ColumnMatchKey, acctmap.ColumnConfidence},
		})
		if err != nil {
			return err
		}
		if len(rep.Rows) == 0 {
			continue
		}
		fmt.Fprintf(out, "\nReport: Acme %s × Bolt %s, %d shared:\n", mine.Name, boltPops[0].Name, rep.Total)
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  "+strings.Join(rep.Columns, "\t"))
		for _, r := range rep.Rows {
			fmt.Fprintln(tw, "  "+strings.Join(r.Values, "\t"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func upload(ctx context.Context, out io.Writer, a *acctmap.Actor, file string, data []byte, m csvsource.Mapping) (string, error) {
	ds, err := a.CreateDataSource(ctx, acctmap.NewDataSource{Name: file})
	if err != nil {
		return "", err
	}
	sum, err := a.ImportCSV(ctx, ds.ID, bytes.NewReader(data), acctmap.CSVImport{Mapping: m, FileName: file})
	if err != nil {
		return "", err
	}
	fmt.Fprintf(out, "%s: %d rows, %d accepted, %d rejected\n", file, sum.Rows, sum.Accepted, sum.Rejected)
	for _, r := range sum.Rejections {
		fmt.Fprintf(out, "  line %d refused: %s\n", r.Line, r.Reason)
	}
	return ds.ID, nil
}
