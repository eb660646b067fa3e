package acctmap_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/memstore"
	"github.com/acctmap/acctmap/normalize"
)

// FuzzPeopleImportCSV: any input to a people import is an error wrapping
// ErrInvalidInput that changes nothing, or a summary whose rows add up and
// whose records carry a normalized key of their address; never a panic,
// never an unbounded message or rejected value.
func FuzzPeopleImportCSV(f *testing.F) {
	for _, s := range []string{
		"Email,Name\nann@acme.com,Ann\n",
		"Id,Email,Title\n1,\"\"\"Ann\"\" <ANN@acme.com>\",CFO\n2,mailto:bob@bolt.io,CTO\n1,cy@cirrus.dev,\n",
		"Email;Company\nnot an address;Acme\n;Bolt\n",
		"Email\n\n\nEmail\nkim.park+x@gmail.com\n",
		"\xef\xbb\xbfEmail,email\nann@acme.com,x\n",
		"Email,Name\n\"unterminated,x\n",
	} {
		f.Add([]byte(s))
	}
	ctx := context.Background()
	net := acctmap.New(memstore.New())
	if _, err := net.CreateOrg(ctx, acctmap.Org{ID: "o", Name: "O"}); err != nil {
		f.Fatal(err)
	}
	if _, err := net.AddUser(ctx, acctmap.User{ID: "u", OrgID: "o", Name: "u", Role: acctmap.RoleAdmin}); err != nil {
		f.Fatal(err)
	}
	a := net.As("u")
	ds, err := a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "People", Subject: acctmap.People})
	if err != nil {
		f.Fatal(err)
	}
	m := acctmap.PeopleMapping{Email: "Email", ID: "Id", Name: "Name", Title: "Title", Company: "Company"}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, mapping := range []acctmap.PeopleMapping{m, {Email: "Email"}} {
			sum, err := a.ImportCSV(ctx, ds.ID, bytes.NewReader(data), acctmap.CSVImport{People: mapping})
			for _, r := range append(sum.Rejections, sum.Warnings...) {
				if len(r.Value) > 48+len("…") || len(r.Reason) > 2000 {
					t.Fatalf("unbounded rejection: %+v", r)
				}
			}
			if err != nil {
				if !errors.Is(err, acctmap.ErrInvalidInput) || len(err.Error()) > 2000 {
					t.Fatalf("ImportCSV: %v", err)
				}
				continue
			}
			if sum.Accepted+sum.Rejected+sum.DuplicatesMerged != sum.Rows || sum.Accepted == 0 {
				t.Fatalf("summary does not add up: %+v", sum)
			}
			n := 0
			for r, err := range a.Records(ctx, ds.ID, acctmap.Filter{}) {
				if err != nil {
					t.Fatal(err)
				}
				n++
				e, err := normalize.ParseEmail(r.Email)
				if err != nil || e.Key != r.EmailKey || r.Fields[acctmap.FieldEmail] != r.Email {
					t.Fatalf("record %+v: key %q, %v", r, e.Key, err)
				}
			}
			if n != sum.Accepted {
				t.Fatalf("%d records, %d accepted", n, sum.Accepted)
			}
		}
	})
}
