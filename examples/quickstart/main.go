// Command quickstart is acctmap's first run: two companies, Acme Analytics
// (ours.csv) and its partner Bolt Warehouse (partner.csv), each with a messy
// CRM export. It sets up a network with both orgs, makes them partners,
// imports each org's CSV, defines populations, and prints the accounts the
// two share.
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
	"sort"
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

	// The accounts both orgs have, by canonical domain.
	return printShared(ctx, out, ann, acmeDS, bob, boltDS)
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

// printShared lists the accounts whose canonical domains both orgs hold.
func printShared(ctx context.Context, out io.Writer, ann *acctmap.Actor, acmeDS string, bob *acctmap.Actor, boltDS string) error {
	names := func(a *acctmap.Actor, ds string) (map[string]string, error) {
		pv, err := a.PreviewPopulation(ctx, ds, acctmap.Filter{}, acctmap.MaxPreview)
		if err != nil {
			return nil, err
		}
		byDomain := map[string]string{}
		for _, r := range pv.Records {
			for _, d := range r.Domains {
				byDomain[d] = r.Name
			}
		}
		return byDomain, nil
	}
	ours, err := names(ann, acmeDS)
	if err != nil {
		return err
	}
	theirs, err := names(bob, boltDS)
	if err != nil {
		return err
	}
	var shared []string
	for d := range ours {
		if _, ok := theirs[d]; ok {
			shared = append(shared, d)
		}
	}
	sort.Strings(shared)
	fmt.Fprintf(out, "\nShared accounts (%d):\n", len(shared))
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  DOMAIN\tACME'S RECORD\tBOLT'S RECORD")
	for _, d := range shared {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", d, ours[d], theirs[d])
	}
	return tw.Flush()
}
