package memstore_test

import (
	"context"
	"fmt"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
)

// Using a Store directly, as a Network does: writes in an Update, which
// commits them all or none, and reads in a View.
func Example() {
	ctx := context.Background()
	s := memstore.New()

	err := s.Update(ctx, func(tx acctmap.Tx) error {
		if err := tx.PutOrg(acctmap.Org{ID: "acme", Name: "Acme"}); err != nil {
			return err
		}
		if err := tx.PutDataSource(acctmap.DataSource{ID: "crm", OrgID: "acme", Name: "CRM"}); err != nil {
			return err
		}
		return tx.PutRecords("crm", []acctmap.Record{
			{ID: "001", Name: "Initech", Website: "initech.example"},
			{ID: "002", Name: "Globex", Website: "globex.example"},
		})
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	// A failed Update leaves nothing behind.
	err = s.Update(ctx, func(tx acctmap.Tx) error {
		if err := tx.DeleteOrg("acme"); err != nil {
			return err
		}
		return tx.PutUser(acctmap.User{ID: "u1", OrgID: "acme"}) // acme is gone
	})
	fmt.Println("update:", err)

	_ = s.View(ctx, func(tx acctmap.ReadTx) error {
		org, err := tx.Org("acme")
		if err != nil {
			return err
		}
		n, err := tx.CountRecords("crm")
		if err != nil {
			return err
		}
		fmt.Printf("%s has %d records\n", org.Name, n)
		return nil
	})
	// Output:
	// update: memstore: user "u1": memstore: org "acme": not found
	// Acme has 2 records
}

// Values cross the Store boundary as copies: writing into a map after Put,
// or into one a read returned, changes nothing stored. A scan that keeps
// nothing can use ScanRecords (acctmap.ScanTx), which reuses one Record and
// one map for the whole scan instead of making new ones per record.
func Example_copies() {
	ctx := context.Background()
	s := memstore.New()
	fields := map[string]string{"stage": "Closed Won"}
	_ = s.Update(ctx, func(tx acctmap.Tx) error {
		if err := tx.PutOrg(acctmap.Org{ID: "acme"}); err != nil {
			return err
		}
		if err := tx.PutDataSource(acctmap.DataSource{ID: "crm", OrgID: "acme"}); err != nil {
			return err
		}
		return tx.PutRecords("crm", []acctmap.Record{
			{ID: "001", Name: "Initech", Fields: fields},
			{ID: "002", Name: "Globex", Fields: map[string]string{"stage": "Discovery"}},
		})
	})
	fields["stage"] = "Closed Lost" // the caller's map, not the store's

	_ = s.View(ctx, func(tx acctmap.ReadTx) error {
		r, err := tx.Record("crm", "001")
		if err != nil {
			return err
		}
		r.Fields["stage"] = "written" // a copy too
		won := 0
		err = tx.(acctmap.ScanTx).ScanRecords("crm", func(r *acctmap.Record) error {
			if r.Fields["stage"] == "Closed Won" {
				won++
			}
			return nil
		})
		fmt.Println("closed won:", won, err)
		return nil
	})
	// Output:
	// closed won: 1 <nil>
}
