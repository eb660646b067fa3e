package storetest

import (
	"testing"

	"github.com/acctmap/acctmap"
)

// person is record i of a people data source: an e-mail address and its
// key, a person's name, a company website and domain, and fields.
func person(i int) acctmap.Record {
	emails := []struct{ raw, key, domain string }{
		{`"Ann Lee" <Ann.Lee@Acme.com>`, "ann.lee@acme.com", "acme.com"},
		{"mailto:bob+crm@gmail.com", "bob@gmail.com", ""},
		{"Jörg@Bücher.de", "jörg@xn--bcher-kva.de", "xn--bcher-kva.de"},
		{`"ann lee"@acme.com`, `"ann lee"@acme.com`, "acme.com"},
	}
	e := emails[i%len(emails)]
	r := acctmap.Record{ID: "p" + string(rune('0'+i)), Name: "Person " + string(rune('A'+i)), Email: e.raw, EmailKey: e.key,
		Fields: map[string]string{"email": e.raw, "title": "VP Sales"}, Populations: 1<<uint(i%3) | 1<<63}
	if e.domain != "" {
		r.Domains = []string{e.domain}
	} else {
		r.Website = "https://bob.example.net"
	}
	return r
}

// peopleTests cover what people data sources add to the contract: the
// data source's Subject, and records whose key is EmailKey (no company
// name key, perhaps no domain), read back whole by every read and with
// EmailKey by RecordKeys.
var peopleTests = []test{
	{"Subject", func(t *testing.T, s acctmap.Store) {
		withOrgs(t, s, "acme")
		people := dataSource("people", "acme", 1)
		people.Subject = acctmap.People
		accounts := dataSource("accounts", "acme", 2)
		accounts.Subject = acctmap.Accounts
		old := dataSource("old", "acme", 3) // written before subjects: ""
		update(t, s, func(tx acctmap.Tx) error {
			for _, d := range []acctmap.DataSource{people, accounts, old} {
				if err := tx.PutDataSource(d); err != nil {
					return err
				}
			}
			return nil
		})
		view(t, s, func(tx acctmap.ReadTx) error {
			for _, want := range []acctmap.DataSource{people, accounts, old} {
				got, err := tx.DataSource(want.ID)
				noErr(t, "DataSource", err)
				diff(t, "DataSource "+want.ID, want, got)
			}
			list, err := tx.DataSources("acme")
			noErr(t, "DataSources", err)
			diff(t, "DataSources", []acctmap.DataSource{accounts, old, people}, list)
			return nil
		})
		// A later write of the data source keeps what it is given.
		people.Version, people.Fields = 7, []string{"email", "title"}
		update(t, s, func(tx acctmap.Tx) error { return tx.PutDataSource(people) })
		view(t, s, func(tx acctmap.ReadTx) error {
			got, err := tx.DataSource("people")
			noErr(t, "DataSource", err)
			diff(t, "DataSource after an update", people, got)
			return nil
		})
	}},
	{"Records", func(t *testing.T, s acctmap.Store) {
		withOrgs(t, s, "acme")
		ds := dataSource("people", "acme", 1)
		ds.Subject = acctmap.People
		update(t, s, func(tx acctmap.Tx) error { return tx.PutDataSource(ds) })
		var recs []acctmap.Record
		for i := range 4 {
			recs = append(recs, person(i))
		}
		recs[3].Private = true
		update(t, s, func(tx acctmap.Tx) error { return tx.ReplaceRecords("people", recs) })
		wantRecords(t, s, "people", recs)
		// An upsert changes one person's address, and so its key.
		changed := recs[0]
		changed.Email, changed.EmailKey, changed.Fields = "ann@acme.io", "ann@acme.io", map[string]string{"email": "ann@acme.io"}
		changed.Domains = []string{"acme.io"}
		update(t, s, func(tx acctmap.Tx) error { return tx.PutRecords("people", []acctmap.Record{changed}) })
		wantRecords(t, s, "people", append([]acctmap.Record{changed}, recs[1:]...))
		// Membership is set as for accounts.
		update(t, s, func(tx acctmap.Tx) error { return tx.SetMembers("people", 5, []string{recs[1].ID}) })
		recs[1].Populations |= 1 << 5
		wantRecords(t, s, "people", append([]acctmap.Record{changed}, recs[1:]...))
		// Deleting a person leaves the others.
		update(t, s, func(tx acctmap.Tx) error { return tx.DeleteRecords("people", []string{recs[2].ID}) })
		wantRecords(t, s, "people", []acctmap.Record{changed, recs[1], recs[3]})
	}},
}
