package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/acctmap/acctmap"
)

// noContext returns a nil context, as a careless caller passes one.
func noContext() context.Context { return nil }

// callNoPanic runs f and reports a panic as a test failure.
func callNoPanic(t *testing.T, what string, f func() error) (err error) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Errorf("%s panicked: %v", what, p)
			err = errors.New("panicked")
		}
	}()
	return f()
}

// putEmptyOrg writes a network org whose id is the empty string, with something of
// everything: "" is an id like any other, and also what OfflineOf holds for
// every org that is not an offline partner.
func putEmptyOrg(tx acctmap.Tx) error {
	for _, step := range []func() error{
		func() error { return tx.PutOrg(acctmap.Org{ID: "", Name: "Nameless", CreatedAt: t0}) },
		func() error {
			return tx.PutOrg(acctmap.Org{ID: "empty-off", Name: "Nameless's", OfflineOf: "", CreatedAt: t0})
		},
		func() error {
			return tx.PutUser(acctmap.User{ID: "u-empty", OrgID: "", Role: acctmap.RoleAdmin, CreatedAt: t0})
		},
		func() error {
			return tx.PutPartnership(acctmap.Partnership{Inviter: "", Invitee: "acme", Status: acctmap.Pending, InvitedAt: t0, UpdatedAt: t0})
		},
		func() error {
			return tx.PutDataSource(acctmap.DataSource{ID: "ds-empty", OrgID: "", Name: "Nameless data", Kind: acctmap.CSVSource, CreatedAt: t0, UpdatedAt: t0})
		},
		func() error { return tx.PutRecords("ds-empty", recordsOf("ds-empty", 1, 2)) },
		func() error {
			return tx.PutPopulation(acctmap.Population{ID: "pop-empty", OrgID: "", DataSourceID: "ds-empty", Kind: acctmap.Custom, Name: "All", CreatedAt: t0, UpdatedAt: t0})
		},
	} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

var inputTests = []test{
	{"NilContext", func(t *testing.T, s acctmap.Store) {
		seeded(t, s)
		ran := false
		err := callNoPanic(t, "View(nil ctx)", func() error {
			return s.View(noContext(), func(acctmap.ReadTx) error { ran = true; return nil })
		})
		if !errors.Is(err, acctmap.ErrInvalidInput) {
			t.Errorf("View(nil ctx) = %v, want an error wrapping acctmap.ErrInvalidInput", err)
		}
		err = callNoPanic(t, "Update(nil ctx)", func() error {
			return s.Update(noContext(), func(tx acctmap.Tx) error { ran = true; return tx.DeleteOrg("acme") })
		})
		if !errors.Is(err, acctmap.ErrInvalidInput) {
			t.Errorf("Update(nil ctx) = %v, want an error wrapping acctmap.ErrInvalidInput", err)
		}
		if ran {
			t.Error("fn ran with a nil ctx")
		}
		// And the store still works.
		view(t, s, func(tx acctmap.ReadTx) error { _, err := tx.Org("acme"); return err })
	}},
	{"EmptyOwnerID", func(t *testing.T, s acctmap.Store) {
		// OfflineOf is "" for every org on the network: asking for the
		// offline partners of "" must not list them.
		seeded(t, s)
		view(t, s, func(tx acctmap.ReadTx) error {
			off, err := tx.OfflinePartners("")
			wantEmpty(t, `OfflinePartners("") without an org ""`, off, err)
			for name, list := range map[string]func(string) (int, error){
				"Users":        func(id string) (int, error) { l, err := tx.Users(id); return len(l), err },
				"Partnerships": func(id string) (int, error) { l, err := tx.Partnerships(id); return len(l), err },
				"DataSources":  func(id string) (int, error) { l, err := tx.DataSources(id); return len(l), err },
				"Populations":  func(id string) (int, error) { l, err := tx.Populations(id); return len(l), err },
			} {
				n, err := list("")
				noErr(t, name+`("")`, err)
				if n != 0 {
					t.Errorf(`%s("") without an org "" lists %d items`, name, n)
				}
			}
			return nil
		})
		err := s.Update(t.Context(), func(tx acctmap.Tx) error { return tx.DeleteOrg("") })
		wantNotFound(t, `DeleteOrg("") without an org ""`, err)
	}},
	{"EmptyOrgID", func(t *testing.T, s acctmap.Store) {
		// An org whose id is "" is an org like any other: its lists hold
		// its own items only, and deleting it deletes nothing else.
		before := seeded(t, s)
		update(t, s, putEmptyOrg)
		view(t, s, func(tx acctmap.ReadTx) error {
			off, err := tx.OfflinePartners("")
			wantEmpty(t, `OfflinePartners("")`, off, err)
			for name, want := range map[string]int{"Users": 1, "Partnerships": 1, "DataSources": 1, "Populations": 1} {
				var n int
				var err error
				switch name {
				case "Users":
					l, e := tx.Users("")
					n, err = len(l), e
				case "Partnerships":
					l, e := tx.Partnerships("")
					n, err = len(l), e
				case "DataSources":
					l, e := tx.DataSources("")
					n, err = len(l), e
				case "Populations":
					l, e := tx.Populations("")
					n, err = len(l), e
				}
				noErr(t, name+`("")`, err)
				if n != want {
					t.Errorf(`%s("") lists %d items, want %d`, name, n, want)
				}
			}
			return nil
		})
		update(t, s, func(tx acctmap.Tx) error {
			if err := tx.DeleteOrg(""); err != nil {
				return err
			}
			if _, err := tx.Org("empty-off"); err != nil {
				t.Errorf(`Org("empty-off"), a network org, after DeleteOrg(""): %v`, err)
			}
			return tx.DeleteOrg("empty-off")
		})
		after, err := Dump(t.Context(), s)
		noErr(t, "Dump", err)
		diff(t, `store after DeleteOrg("")`, before, after)
		view(t, s, func(tx acctmap.ReadTx) error {
			for _, o := range seedOrgs {
				if _, err := tx.Org(o.ID); err != nil {
					t.Errorf(`Org(%q) after DeleteOrg(""): %v`, o.ID, err)
				}
			}
			n, err := tx.CountRecords("ds-acme-crm")
			noErr(t, "CountRecords", err)
			if n != seedRecordCount {
				t.Errorf(`ds-acme-crm has %d records after DeleteOrg(""), want %d`, n, seedRecordCount)
			}
			return nil
		})
	}},
}
