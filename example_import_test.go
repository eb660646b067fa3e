package acctmap_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/memstore"
	"github.com/acctmap/acctmap/normalize"
)

// exampleActor is an admin of a fresh network.
func exampleActor() *acctmap.Actor {
	ctx := context.Background()
	net := acctmap.New(memstore.New())
	net.CreateOrg(ctx, acctmap.Org{ID: "acme", Name: "Acme Analytics"})
	net.AddUser(ctx, acctmap.User{ID: "ann", OrgID: "acme", Name: "Ann", Role: acctmap.RoleAdmin})
	return net.As("ann")
}

// A CRM sync pushes records with progress reports: while they are checked,
// when the write begins and when it is committed.
func ExampleActor_PushRecords() {
	ctx := context.Background()
	ann := exampleActor()
	crm, _ := ann.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Salesforce", Kind: acctmap.PushedSource})
	sum, err := ann.PushRecords(ctx, crm.ID, []acctmap.RecordInput{
		{ID: "001", Name: "Globex", Website: "globex.com"},
		{ID: "002", Name: "Initech", Website: "initech.com"},
		{ID: "001", Name: "Globex Corporation", Website: "globex.com"},
	}, acctmap.PushOptions{Progress: func(p acctmap.Progress) {
		fmt.Printf("%s: %d checked, %d of %d written\n", p.Phase, p.Rows, p.Records, p.TotalRecords)
	}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("accepted:", sum.Accepted, "duplicate:", sum.Duplicates[0].RecordID, "—", sum.Duplicates[0].Reason)
	// Output:
	// read: 3 checked, 0 of 0 written
	// write: 3 checked, 0 of 2 written
	// done: 3 checked, 2 of 2 written
	// accepted: 2 duplicate: 001 — repeats the record id of index 0: this record replaces it
}

// A rejected row keeps the CSV reader's error: its line and column, and
// the cause to branch on.
func ExampleRejection() {
	ctx := context.Background()
	ann := exampleActor()
	ds, _ := ann.CreateDataSource(ctx, acctmap.NewDataSource{Name: "Upload"})
	sum, err := ann.ImportCSV(ctx, ds.ID, strings.NewReader("Company,Website\nGlobex,globex.com\n,n/a\n"),
		acctmap.CSVImport{Mapping: csvsource.Mapping{Name: "Company", Website: "Website"}, FileName: "accounts.csv"})
	if err != nil {
		log.Fatal(err)
	}
	rej := sum.Rejections[0]
	var ce *csvsource.Error
	if errors.As(rej.Err, &ce) {
		fmt.Println(ce.File, ce.Line, ce.Field, rej.Value, errors.Is(rej.Err, normalize.ErrNoDomain))
	}
	// Output:
	// accounts.csv 3 Website n/a true
}

// A filter that cannot be used is a *FilterError naming the condition,
// the field and the operand.
func ExampleFilterError() {
	ctx := context.Background()
	ann := exampleActor()
	crm, _ := ann.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})
	ann.UpsertRecords(ctx, crm.ID, []acctmap.RecordInput{{ID: "1", Name: "Globex", Website: "globex.com", Fields: map[string]string{"ARR": "120000"}}})
	_, err := ann.PreviewPopulation(ctx, crm.ID, acctmap.Filter{All: []acctmap.Condition{{Field: "arr", Op: acctmap.GreaterThan, Value: "lots"}}}, 10)
	var fe *acctmap.FilterError
	if errors.As(err, &fe) {
		fmt.Println(fe.Path, fe.Field, fe.Op, fe.Value, errors.Is(err, acctmap.ErrInvalidInput))
	}
	// Output:
	// all[0] ARR greater_than lots true
}
