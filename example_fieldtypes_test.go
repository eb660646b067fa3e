package acctmap_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/fieldtype"
)

// A German CRM export: the preview suggests the ARR column's type, the
// import declares it, and a filter compares amounts, not strings. A value
// the type cannot read is a warning with its line and column; an operand
// it cannot read is an error naming the field and the value.
func ExampleCSVImport_fieldTypes() {
	ctx := context.Background()
	ann := exampleActor()
	file := "Nr,Firma,Website,ARR\n" +
		"1,Globex,globex.com,\"1.234,56 €\"\n" +
		"2,Initech,initech.com,999\n" +
		"3,Umbrella,umbrella.com,\"2.000 €\"\n" +
		"4,Stark,stark.com,\"750,50\"\n" +
		"5,Hooli,hooli.com,\"$5,000\"\n"

	sample, err := csvsource.Preview(strings.NewReader(file), 100)
	if err != nil {
		log.Fatal(err)
	}
	suggested := sample.Types()[3]
	fmt.Println("suggested for ARR:", suggested.Type, "reading", suggested.Parsed, "of", suggested.NonEmpty)

	ds, _ := ann.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM export"})
	sum, err := ann.ImportCSV(ctx, ds.ID, strings.NewReader(file), acctmap.CSVImport{
		Mapping:    csvsource.Mapping{ID: "Nr", Name: "Firma", Website: "Website"},
		FieldTypes: map[string]fieldtype.Type{"ARR": {Kind: fieldtype.Money}},
		Locale:     fieldtype.DE, // 1.234,56; 31.12.2024; amounts without a currency in EUR
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, w := range sum.Warnings {
		fmt.Printf("warning: line %d, column %d (%s): %q\n", w.Line, w.Column, w.Field, w.Value)
	}

	big := acctmap.Filter{All: []acctmap.Condition{{Field: "ARR", Op: acctmap.GreaterThan, Value: "1.000"}}}
	pv, err := ann.PreviewPopulation(ctx, ds.ID, big, 10)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range pv.Records {
		fmt.Println("ARR > 1.000:", r.Name, r.Fields["ARR"])
	}

	bad := acctmap.Filter{All: []acctmap.Condition{{Field: "ARR", Op: acctmap.GreaterThan, Value: "1,000.00"}}}
	_, err = ann.PreviewPopulation(ctx, ds.ID, bad, 10)
	var fe *acctmap.FilterError
	if errors.As(err, &fe) {
		fmt.Printf("error: field %s, value %q: %v\n", fe.Field, fe.Value, errors.Is(err, acctmap.ErrInvalidInput))
	}
	// Output:
	// suggested for ARR: money(de-DE, EUR) reading 4 of 5
	// warning: line 6, column 4 (ARR): "$5,000"
	// ARR > 1.000: Globex 1.234,56 €
	// ARR > 1.000: Umbrella 2.000 €
	// error: field ARR, value "1,000.00": true
}

// Types declared after the data arrived: the populations follow them at
// once. Untyped, "$2,000" is not a number; as en-US money it is.
func ExampleActor_SetFieldTypes() {
	ctx := context.Background()
	ann := exampleActor()
	crm, _ := ann.CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource})
	ann.UpsertRecords(ctx, crm.ID, []acctmap.RecordInput{
		{ID: "1", Name: "Globex", Website: "globex.com", Fields: map[string]string{"ARR": "$2,000"}},
		{ID: "2", Name: "Initech", Website: "initech.com", Fields: map[string]string{"ARR": "1500"}},
		{ID: "3", Name: "Hooli", Website: "hooli.com", Fields: map[string]string{"ARR": "$999.99"}},
	})
	big, _ := ann.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: crm.ID, Kind: acctmap.Custom, Name: "Big accounts",
		Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "ARR", Op: acctmap.GreaterThan, Value: "1000"}}}})
	members := func() (names []string) {
		for r, err := range ann.Records(ctx, crm.ID, acctmap.Filter{}) {
			if err == nil && r.Populations&(1<<uint(big.Slot)) != 0 {
				names = append(names, r.Name)
			}
		}
		return names
	}
	fmt.Println("as text:", members())
	ds, err := ann.SetFieldTypes(ctx, crm.ID, fieldtype.US, map[string]fieldtype.Type{"ARR": {Kind: fieldtype.Money}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("as money:", members(), ds.FieldTypes["ARR"].Kind)
	// Output:
	// as text: [Initech]
	// as money: [Globex Initech] money
}
