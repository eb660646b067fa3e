package boltstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/boltstore"
)

// A Network on a file: what it writes is there when the file is opened
// again, and no other process may open the file meanwhile.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "acctmap-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "workspace.acctmap")

	s, err := boltstore.Open(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	net := acctmap.New(s)
	if _, err := net.CreateOrg(ctx, acctmap.Org{ID: "acme", Name: "Acme"}); err != nil {
		fmt.Println(err)
		return
	}

	// The file is locked while s has it open.
	_, err = boltstore.Open(path, boltstore.WithLockTimeout(100*time.Millisecond))
	fmt.Println("second open locked:", errors.Is(err, boltstore.ErrLocked))

	if err := s.Close(); err != nil {
		fmt.Println(err)
		return
	}

	s, err = boltstore.Open(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	org, err := acctmap.New(s).Org(ctx, "acme")
	fmt.Println(org.Name, err)
	// Output:
	// second open locked: true
	// Acme <nil>
}

// Using the Store directly, as a Network does: an Update commits all its
// writes or none.
func ExampleStore_Update() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "acctmap-example")
	defer os.RemoveAll(dir)
	s, err := boltstore.Open(filepath.Join(dir, "store.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	err = s.Update(ctx, func(tx acctmap.Tx) error {
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
		n, err := tx.CountRecords("crm")
		fmt.Println(n, "records", err)
		return nil
	})
	// Output:
	// update: boltstore: user "u1": boltstore: org "acme": not found
	// 2 records <nil>
}
