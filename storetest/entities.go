package storetest

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/acctmap/acctmap"
)

var listTests = []test{
	{"EmptyStore", func(t *testing.T, s acctmap.Store) {
		view(t, s, func(tx acctmap.ReadTx) error {
			orgs, err := tx.Orgs()
			wantEmpty(t, "Orgs()", orgs, err)
			off, err := tx.OfflinePartners("x")
			wantEmpty(t, `OfflinePartners("x")`, off, err)
			users, err := tx.Users("x")
			wantEmpty(t, `Users("x")`, users, err)
			ps, err := tx.Partnerships("x")
			wantEmpty(t, `Partnerships("x")`, ps, err)
			dss, err := tx.DataSources("x")
			wantEmpty(t, `DataSources("x")`, dss, err)
			pops, err := tx.Populations("x")
			wantEmpty(t, `Populations("x")`, pops, err)
			return nil
		})
	}},
	{"EmptyOrg", func(t *testing.T, s acctmap.Store) {
		// An org that exists but has nothing gives empty lists too.
		update(t, s, func(tx acctmap.Tx) error { return tx.PutOrg(acctmap.Org{ID: "a", CreatedAt: t0}) })
		view(t, s, func(tx acctmap.ReadTx) error {
			off, err := tx.OfflinePartners("a")
			wantEmpty(t, `OfflinePartners("a")`, off, err)
			users, err := tx.Users("a")
			wantEmpty(t, `Users("a")`, users, err)
			ps, err := tx.Partnerships("a")
			wantEmpty(t, `Partnerships("a")`, ps, err)
			dss, err := tx.DataSources("a")
			wantEmpty(t, `DataSources("a")`, dss, err)
			pops, err := tx.Populations("a")
			wantEmpty(t, `Populations("a")`, pops, err)
			return nil
		})
	}},
	{"Seeded", func(t *testing.T, s acctmap.Store) {
		// Dump checks every list's order and agreement with the getters.
		snap := seeded(t, s)
		if len(snap.Orgs) != len(seedOrgs) || len(snap.Users) != len(seedUsers) ||
			len(snap.Partnerships) != len(seedPartnerships) || len(snap.DataSources) != len(seedDataSources) ||
			len(snap.Populations) != len(seedPopulations) {
			t.Errorf("after Seed, Dump has %d orgs, %d users, %d partnerships, %d data sources, %d populations; want %d, %d, %d, %d, %d",
				len(snap.Orgs), len(snap.Users), len(snap.Partnerships), len(snap.DataSources), len(snap.Populations),
				len(seedOrgs), len(seedUsers), len(seedPartnerships), len(seedDataSources), len(seedPopulations))
		}
		for _, d := range seedDataSources {
			if n := len(snap.Records[d.ID]); n != seedRecordCount {
				t.Errorf("after Seed, data source %q has %d records, want %d", d.ID, n, seedRecordCount)
			}
		}
	}},
}

// oddIDs are ids a store must keep apart: empty, separators, prefixes of
// each other, NUL, case and Unicode; sorted in Go string order.
var oddIDs = slices.Sorted(slices.Values([]string{"", "\x00", "B", "a", "a\x00b", "a:b", "a|b", "ab", "b", "b|", "bc", "c", "|", "é", "日本"}))

var orgTests = []test{
	{"PutGet", func(t *testing.T, s acctmap.Store) {
		want := acctmap.Org{ID: "acme", Name: "Acme", OfflineOf: "", Limits: acctmap.Limits{MaxOfflinePartners: 3, MaxExportedRecords: 1 << 50},
			ExportedRecords: 1<<40 + 7, CreatedAt: t0}
		update(t, s, func(tx acctmap.Tx) error { return tx.PutOrg(want) })
		view(t, s, func(tx acctmap.ReadTx) error {
			got, err := tx.Org("acme")
			noErr(t, "Org", err)
			diff(t, "Org", want, got)
			if !got.CreatedAt.Equal(t0) {
				t.Errorf("CreatedAt = %v, want %v", got.CreatedAt, t0)
			}
			orgs, err := tx.Orgs()
			noErr(t, "Orgs", err)
			diff(t, "Orgs", []acctmap.Org{want}, orgs)
			return nil
		})
	}},
	{"ReplaceKeepsChildren", func(t *testing.T, s acctmap.Store) {
		before := seeded(t, s)
		o := seedOrgs[0]
		o.Name, o.ExportedRecords, o.Limits = "Acme Renamed", 99, acctmap.Limits{}
		update(t, s, func(tx acctmap.Tx) error { return tx.PutOrg(o) })
		after, err := Dump(t.Context(), s)
		noErr(t, "Dump", err)
		// Replacing the org changes it and nothing that belongs to it.
		before.Orgs[slices.IndexFunc(before.Orgs, func(x acctmap.Org) bool { return x.ID == o.ID })] = o
		diff(t, "store after replacing an org", before, after)
	}},
	{"Order", func(t *testing.T, s acctmap.Store) {
		// Put in reverse, so that a store returning insertion order fails.
		update(t, s, func(tx acctmap.Tx) error {
			for i := len(oddIDs) - 1; i >= 0; i-- {
				if err := tx.PutOrg(acctmap.Org{ID: oddIDs[i], Name: "org " + oddIDs[i], CreatedAt: at(i)}); err != nil {
					return err
				}
			}
			return nil
		})
		view(t, s, func(tx acctmap.ReadTx) error {
			orgs, err := tx.Orgs()
			noErr(t, "Orgs", err)
			var ids []string
			for _, o := range orgs {
				ids = append(ids, o.ID)
			}
			diff(t, "Orgs() ids (Go string order)", oddIDs, ids)
			for i, id := range oddIDs {
				o, err := tx.Org(id)
				noErr(t, fmt.Sprintf("Org(%q)", id), err)
				diff(t, fmt.Sprintf("Org(%q)", id), acctmap.Org{ID: id, Name: "org " + id, CreatedAt: at(i)}, o)
			}
			return nil
		})
	}},
	{"NotFound", func(t *testing.T, s acctmap.Store) {
		update(t, s, func(tx acctmap.Tx) error { return tx.PutOrg(acctmap.Org{ID: "a", CreatedAt: t0}) })
		view(t, s, func(tx acctmap.ReadTx) error {
			_, err := tx.Org("b")
			wantNotFound(t, `Org("b")`, err)
			_, err = tx.Org("A")
			wantNotFound(t, `Org("A") (ids are case-sensitive)`, err)
			return nil
		})
		update(t, s, func(tx acctmap.Tx) error {
			wantNotFound(t, `DeleteOrg("b")`, tx.DeleteOrg("b"))
			return nil
		})
	}},
	{"Delete", func(t *testing.T, s acctmap.Store) {
		update(t, s, func(tx acctmap.Tx) error {
			for _, id := range []string{"a", "b"} {
				if err := tx.PutOrg(acctmap.Org{ID: id, CreatedAt: t0}); err != nil {
					return err
				}
			}
			return nil
		})
		update(t, s, func(tx acctmap.Tx) error { return tx.DeleteOrg("a") })
		view(t, s, func(tx acctmap.ReadTx) error {
			_, err := tx.Org("a")
			wantNotFound(t, `Org("a") after DeleteOrg`, err)
			orgs, err := tx.Orgs()
			noErr(t, "Orgs", err)
			diff(t, "Orgs after DeleteOrg", []acctmap.Org{{ID: "b", CreatedAt: t0}}, orgs)
			return nil
		})
		update(t, s, func(tx acctmap.Tx) error {
			wantNotFound(t, `DeleteOrg("a") twice`, tx.DeleteOrg("a"))
			return nil
		})
	}},
	{"OfflinePartners", func(t *testing.T, s acctmap.Store) {
		owner := func(id, of string) acctmap.Org { return acctmap.Org{ID: id, Name: id, OfflineOf: of, CreatedAt: t0} }
		update(t, s, func(tx acctmap.Tx) error {
			for _, o := range []acctmap.Org{owner("acme", ""), owner("globex", ""), owner("z-off", "acme"), owner("b-off", "acme"), owner("B-off", "acme"),
				owner("g-off", "globex"), owner("sub-off", "b-off")} {
				if err := tx.PutOrg(o); err != nil {
					return err
				}
			}
			return nil
		})
		check := func(ownerID string, want ...acctmap.Org) {
			t.Helper()
			view(t, s, func(tx acctmap.ReadTx) error {
				got, err := tx.OfflinePartners(ownerID)
				noErr(t, "OfflinePartners", err)
				diff(t, fmt.Sprintf("OfflinePartners(%q)", ownerID), want, got)
				return nil
			})
		}
		check("acme", owner("B-off", "acme"), owner("b-off", "acme"), owner("z-off", "acme"))
		check("globex", owner("g-off", "globex"))
		check("b-off", owner("sub-off", "b-off"))
		check("z-off")
		check("nobody")
		// Replacing an offline partner with another owner moves it.
		update(t, s, func(tx acctmap.Tx) error { return tx.PutOrg(owner("b-off", "globex")) })
		check("acme", owner("B-off", "acme"), owner("z-off", "acme"))
		check("globex", owner("b-off", "globex"), owner("g-off", "globex"))
		check("b-off", owner("sub-off", "b-off"))
		// An offline partner's owner is its parent: it must exist.
		err := s.Update(t.Context(), func(tx acctmap.Tx) error { return tx.PutOrg(owner("orphan", "ghost")) })
		wantNotFound(t, "PutOrg of an offline partner whose owner does not exist", err)
		view(t, s, func(tx acctmap.ReadTx) error {
			_, err := tx.Org("orphan")
			wantNotFound(t, "Org(orphan) after the failed PutOrg", err)
			return nil
		})
	}},
}

// withOrgs puts an org for each of ids, for tests of their children.
func withOrgs(t *testing.T, s acctmap.Store, ids ...string) {
	t.Helper()
	update(t, s, func(tx acctmap.Tx) error {
		for _, id := range ids {
			if err := tx.PutOrg(acctmap.Org{ID: id, Name: id, CreatedAt: t0}); err != nil {
				return err
			}
		}
		return nil
	})
}

func user(id, org string) acctmap.User {
	return acctmap.User{ID: id, OrgID: org, Name: "User " + id, Email: id + "@" + org + ".test", Role: acctmap.RolePartnerManager,
		Permissions: acctmap.ManagePartnerships, CreatedAt: t0}
}

var userTests = []test{
	{"PutGet", func(t *testing.T, s acctmap.Store) {
		withOrgs(t, s, "acme")
		want := user("u1", "acme")
		update(t, s, func(tx acctmap.Tx) error { return tx.PutUser(want) })
		view(t, s, func(tx acctmap.ReadTx) error {
			got, err := tx.User("u1")
			noErr(t, "User", err)
			diff(t, "User", want, got)
			return nil
		})
	}},
	{"ReplaceMovesOrg", func(t *testing.T, s acctmap.Store) {
		withOrgs(t, s, "acme", "globex")
		update(t, s, func(tx acctmap.Tx) error { return tx.PutUser(user("u1", "acme")) })
		moved := user("u1", "globex")
		moved.Role, moved.Permissions = acctmap.RoleAdmin, acctmap.AllPermissions
		update(t, s, func(tx acctmap.Tx) error { return tx.PutUser(moved) })
		view(t, s, func(tx acctmap.ReadTx) error {
			got, err := tx.User("u1")
			noErr(t, "User", err)
			diff(t, "User after replace", moved, got)
			users, err := tx.Users("acme")
			wantEmpty(t, `Users("acme") after the user moved`, users, err)
			users, err = tx.Users("globex")
			noErr(t, "Users", err)
			diff(t, `Users("globex")`, []acctmap.User{moved}, users)
			return nil
		})
	}},
	{"ListByOrg", func(t *testing.T, s acctmap.Store) {
		withOrgs(t, s, "acme", "globex")
		update(t, s, func(tx acctmap.Tx) error {
			for i := len(oddIDs) - 1; i >= 0; i-- {
				org := []string{"acme", "globex"}[i%2]
				if err := tx.PutUser(user(oddIDs[i], org)); err != nil {
					return err
				}
			}
			return nil
		})
		view(t, s, func(tx acctmap.ReadTx) error {
			for j, org := range []string{"acme", "globex"} {
				var want []acctmap.User
				for i, id := range oddIDs {
					if i%2 == j {
						want = append(want, user(id, org))
					}
				}
				got, err := tx.Users(org)
				noErr(t, "Users", err)
				diff(t, fmt.Sprintf("Users(%q)", org), want, got)
			}
			return nil
		})
	}},
	{"NotFound", func(t *testing.T, s acctmap.Store) {
		withOrgs(t, s, "acme")
		update(t, s, func(tx acctmap.Tx) error {
			wantNotFound(t, "PutUser of a missing org", tx.PutUser(user("u1", "nope")))
			wantNotFound(t, `DeleteUser("u1")`, tx.DeleteUser("u1"))
			_, err := tx.User("u1")
			wantNotFound(t, `User("u1")`, err)
			return nil
		})
		view(t, s, func(tx acctmap.ReadTx) error {
			_, err := tx.User("u1")
			wantNotFound(t, `User("u1") after a failed PutUser`, err)
			return nil
		})
	}},
	{"Delete", func(t *testing.T, s acctmap.Store) {
		withOrgs(t, s, "acme")
		update(t, s, func(tx acctmap.Tx) error {
			if err := tx.PutUser(user("u1", "acme")); err != nil {
				return err
			}
			return tx.PutUser(user("u2", "acme"))
		})
		update(t, s, func(tx acctmap.Tx) error { return tx.DeleteUser("u1") })
		view(t, s, func(tx acctmap.ReadTx) error {
			_, err := tx.User("u1")
			wantNotFound(t, `User("u1") after DeleteUser`, err)
			users, err := tx.Users("acme")
			noErr(t, "Users", err)
			diff(t, "Users after DeleteUser", []acctmap.User{user("u2", "acme")}, users)
			_, err = tx.Org("acme")
			noErr(t, "Org after DeleteUser", err)
			return nil
		})
		update(t, s, func(tx acctmap.Tx) error {
			wantNotFound(t, "DeleteUser twice", tx.DeleteUser("u1"))
			return nil
		})
	}},
}

func partnership(inviter, invitee string, st acctmap.PartnershipStatus, h int) acctmap.Partnership {
	return acctmap.Partnership{Inviter: inviter, Invitee: invitee, Status: st, InvitedAt: at(h), UpdatedAt: at(h + 1)}
}

var partnershipTests = []test{
	{"PutGetSymmetric", func(t *testing.T, s acctmap.Store) {
		withOrgs(t, s, "acme", "globex")
		want := partnership("globex", "acme", acctmap.Pending, 1)
		update(t, s, func(tx acctmap.Tx) error { return tx.PutPartnership(want) })
		view(t, s, func(tx acctmap.ReadTx) error {
			for _, ab := range [][2]string{{"acme", "globex"}, {"globex", "acme"}} {
				got, err := tx.Partnership(ab[0], ab[1])
				noErr(t, "Partnership", err)
				diff(t, fmt.Sprintf("Partnership(%q, %q)", ab[0], ab[1]), want, got)
			}
			for _, org := range []string{"acme", "globex"} {
				got, err := tx.Partnerships(org)
				noErr(t, "Partnerships", err)
				diff(t, fmt.Sprintf("Partnerships(%q)", org), []acctmap.Partnership{want}, got)
			}
			return nil
		})
	}},
	{"ReplaceEitherDirection", func(t *testing.T, s acctmap.Store) {
		withOrgs(t, s, "acme", "globex")
		update(t, s, func(tx acctmap.Tx) error {
			return tx.PutPartnership(partnership("acme", "globex", acctmap.Declined, 1))
		})
		// A new invite the other way replaces the pair's partnership.
		want := partnership("globex", "acme", acctmap.Accepted, 5)
		update(t, s, func(tx acctmap.Tx) error { return tx.PutPartnership(want) })
		view(t, s, func(tx acctmap.ReadTx) error {
			got, err := tx.Partnership("acme", "globex")
			noErr(t, "Partnership", err)
			diff(t, "Partnership after reversed replace", want, got)
			for _, org := range []string{"acme", "globex"} {
				got, err := tx.Partnerships(org)
				noErr(t, "Partnerships", err)
				diff(t, fmt.Sprintf("Partnerships(%q)", org), []acctmap.Partnership{want}, got)
			}
			return nil
		})
	}},
	{"ListOrder", func(t *testing.T, s acctmap.Store) {
		withOrgs(t, s, "m", "z", "a", "k", "B", "é")
		ps := []acctmap.Partnership{
			partnership("m", "z", acctmap.Accepted, 1),
			partnership("a", "m", acctmap.Pending, 2),
			partnership("é", "m", acctmap.Revoked, 3),
			partnership("k", "m", acctmap.Cancelled, 4),
			partnership("m", "B", acctmap.Declined, 5),
			partnership("z", "a", acctmap.Accepted, 6),
		}
		update(t, s, func(tx acctmap.Tx) error {
			for _, p := range ps {
				if err := tx.PutPartnership(p); err != nil {
					return err
				}
			}
			return nil
		})
		view(t, s, func(tx acctmap.ReadTx) error {
			for _, org := range []string{"m", "z", "a", "k", "B", "é"} {
				var want []acctmap.Partnership
				for _, p := range ps {
					if p.Inviter == org || p.Invitee == org {
						want = append(want, p)
					}
				}
				slices.SortFunc(want, func(a, b acctmap.Partnership) int { return cmp.Compare(a.Other(org), b.Other(org)) })
				got, err := tx.Partnerships(org)
				noErr(t, "Partnerships", err)
				diff(t, fmt.Sprintf("Partnerships(%q), by the other org's id", org), want, got)
			}
			return nil
		})
	}},
	{"NotFound", func(t *testing.T, s acctmap.Store) {
		withOrgs(t, s, "acme", "globex", "initech")
		update(t, s, func(tx acctmap.Tx) error { return tx.PutPartnership(partnership("acme", "globex", acctmap.Pending, 1)) })
		update(t, s, func(tx acctmap.Tx) error {
			wantNotFound(t, "PutPartnership with a missing invitee", tx.PutPartnership(partnership("acme", "nope", acctmap.Pending, 2)))
			wantNotFound(t, "PutPartnership with a missing inviter", tx.PutPartnership(partnership("nope", "acme", acctmap.Pending, 2)))
			wantNotFound(t, "DeletePartnership of a pair with none", tx.DeletePartnership("acme", "initech"))
			wantNotFound(t, "DeletePartnership of a missing org", tx.DeletePartnership("acme", "nope"))
			return nil
		})
		view(t, s, func(tx acctmap.ReadTx) error {
			for _, ab := range [][2]string{{"acme", "initech"}, {"initech", "acme"}, {"acme", "nope"}, {"nope", "acme"}, {"acme", "acme"}} {
				_, err := tx.Partnership(ab[0], ab[1])
				wantNotFound(t, fmt.Sprintf("Partnership(%q, %q)", ab[0], ab[1]), err)
			}
			ps, err := tx.Partnerships("initech")
			wantEmpty(t, `Partnerships("initech")`, ps, err)
			ps, err = tx.Partnerships("nope")
			wantEmpty(t, `Partnerships("nope")`, ps, err)
			return nil
		})
	}},
	{"DeleteSymmetric", func(t *testing.T, s acctmap.Store) {
		withOrgs(t, s, "acme", "globex", "initech")
		keep := partnership("initech", "acme", acctmap.Accepted, 2)
		update(t, s, func(tx acctmap.Tx) error {
			if err := tx.PutPartnership(partnership("acme", "globex", acctmap.Accepted, 1)); err != nil {
				return err
			}
			return tx.PutPartnership(keep)
		})
		// Deleted with its orgs given in the other order than the invite's.
		update(t, s, func(tx acctmap.Tx) error { return tx.DeletePartnership("globex", "acme") })
		view(t, s, func(tx acctmap.ReadTx) error {
			_, err := tx.Partnership("acme", "globex")
			wantNotFound(t, "Partnership after DeletePartnership", err)
			ps, err := tx.Partnerships("globex")
			wantEmpty(t, `Partnerships("globex")`, ps, err)
			ps, err = tx.Partnerships("acme")
			noErr(t, "Partnerships", err)
			diff(t, `Partnerships("acme")`, []acctmap.Partnership{keep}, ps)
			orgs, err := tx.Orgs()
			noErr(t, "Orgs", err)
			if len(orgs) != 3 {
				t.Errorf("DeletePartnership deleted orgs: %v", orgs)
			}
			return nil
		})
		update(t, s, func(tx acctmap.Tx) error {
			wantNotFound(t, "DeletePartnership twice", tx.DeletePartnership("acme", "globex"))
			return nil
		})
	}},
	{"OddIDs", func(t *testing.T, s acctmap.Store) {
		// Pairs that a store keying "a"+sep+"b" would confuse.
		withOrgs(t, s, oddIDs...)
		ps := []acctmap.Partnership{
			partnership("a|b", "c", acctmap.Accepted, 1),
			partnership("a", "b|", acctmap.Pending, 2),
			partnership("ab", "c", acctmap.Declined, 3),
			partnership("a", "bc", acctmap.Revoked, 4),
			partnership("", "ab", acctmap.Cancelled, 5),
			partnership("a", "b", acctmap.Accepted, 6),
			partnership("a\x00b", "日本", acctmap.Pending, 7),
			partnership("a", "\x00", acctmap.Pending, 8),
			partnership("|", "", acctmap.Accepted, 9),
			partnership("a:b", "é", acctmap.Accepted, 10),
			partnership("B", "a", acctmap.Declined, 11),
		}
		update(t, s, func(tx acctmap.Tx) error {
			for _, p := range ps {
				if err := tx.PutPartnership(p); err != nil {
					return err
				}
			}
			return nil
		})
		want := map[[2]string]acctmap.Partnership{}
		for _, p := range ps {
			want[[2]string{p.Inviter, p.Invitee}] = p
			want[[2]string{p.Invitee, p.Inviter}] = p
		}
		view(t, s, func(tx acctmap.ReadTx) error {
			for _, a := range oddIDs {
				var wantList []acctmap.Partnership
				for _, b := range oddIDs {
					got, err := tx.Partnership(a, b)
					if p, ok := want[[2]string{a, b}]; ok {
						noErr(t, fmt.Sprintf("Partnership(%q, %q)", a, b), err)
						diff(t, fmt.Sprintf("Partnership(%q, %q)", a, b), p, got)
						wantList = append(wantList, p)
					} else {
						wantNotFound(t, fmt.Sprintf("Partnership(%q, %q)", a, b), err)
					}
				}
				got, err := tx.Partnerships(a)
				noErr(t, "Partnerships", err)
				diff(t, fmt.Sprintf("Partnerships(%q)", a), wantList, got)
			}
			return nil
		})
	}},
}

func dataSource(id, org string, h int) acctmap.DataSource {
	return acctmap.DataSource{ID: id, OrgID: org, Name: "Source " + id, Kind: acctmap.CSVSource, Fields: []string{"owner", "stage", "région"},
		Version: int64(h), CreatedAt: at(h), UpdatedAt: at(h + 1)}
}

var dataSourceTests = []test{
	{"PutGet", func(t *testing.T, s acctmap.Store) {
		withOrgs(t, s, "acme")
		want := dataSource("ds1", "acme", 1)
		want.Kind = acctmap.PushedSource
		update(t, s, func(tx acctmap.Tx) error { return tx.PutDataSource(want) })
		view(t, s, func(tx acctmap.ReadTx) error {
			got, err := tx.DataSource("ds1")
			noErr(t, "DataSource", err)
			diff(t, "DataSource", want, got)
			n, err := tx.CountRecords("ds1")
			noErr(t, "CountRecords of a new data source", err)
			if n != 0 {
				t.Errorf("CountRecords of a new data source = %d, want 0", n)
			}
			calls := 0
			noErr(t, "Records of a new data source", tx.Records("ds1", func(*acctmap.Record) error { calls++; return nil }))
			if calls != 0 {
				t.Errorf("Records of a new data source called fn %d times", calls)
			}
			return nil
		})
	}},
	{"ReplaceKeepsRecords", func(t *testing.T, s acctmap.Store) {
		withOrgs(t, s, "acme", "globex")
		update(t, s, func(tx acctmap.Tx) error {
			if err := tx.PutDataSource(dataSource("ds1", "acme", 1)); err != nil {
				return err
			}
			if err := tx.PutRecords("ds1", seedRecords("ds1")); err != nil {
				return err
			}
			return tx.PutPopulation(population("p1", "ds1", "acme", 0))
		})
		// The Network replaces a data source on every import, to bump its
		// Version: its records and populations must stay. Here it also
		// moves to another org.
		want := dataSource("ds1", "globex", 2)
		want.Fields = nil
		update(t, s, func(tx acctmap.Tx) error { return tx.PutDataSource(want) })
		view(t, s, func(tx acctmap.ReadTx) error {
			got, err := tx.DataSource("ds1")
			noErr(t, "DataSource", err)
			diff(t, "DataSource after replace", want, got)
			n, err := tx.CountRecords("ds1")
			noErr(t, "CountRecords", err)
			if n != seedRecordCount {
				t.Errorf("CountRecords after replacing the data source = %d, want %d", n, seedRecordCount)
			}
			_, err = tx.Population("p1")
			noErr(t, "Population after replacing its data source", err)
			dss, err := tx.DataSources("acme")
			wantEmpty(t, `DataSources("acme") after the data source moved`, dss, err)
			dss, err = tx.DataSources("globex")
			noErr(t, "DataSources", err)
			diff(t, `DataSources("globex")`, []acctmap.DataSource{want}, dss)
			return nil
		})
	}},
	{"ListByOrg", func(t *testing.T, s acctmap.Store) {
		withOrgs(t, s, "acme", "globex")
		update(t, s, func(tx acctmap.Tx) error {
			for i := len(oddIDs) - 1; i >= 0; i-- {
				if err := tx.PutDataSource(dataSource(oddIDs[i], []string{"acme", "globex"}[i%2], i)); err != nil {
					return err
				}
			}
			return nil
		})
		view(t, s, func(tx acctmap.ReadTx) error {
			for j, org := range []string{"acme", "globex"} {
				var want []acctmap.DataSource
				for i, id := range oddIDs {
					if i%2 == j {
						want = append(want, dataSource(id, org, i))
					}
				}
				got, err := tx.DataSources(org)
				noErr(t, "DataSources", err)
				diff(t, fmt.Sprintf("DataSources(%q)", org), want, got)
			}
			return nil
		})
	}},
	{"NotFound", func(t *testing.T, s acctmap.Store) {
		withOrgs(t, s, "acme")
		update(t, s, func(tx acctmap.Tx) error {
			wantNotFound(t, "PutDataSource of a missing org", tx.PutDataSource(dataSource("ds1", "nope", 1)))
			wantNotFound(t, `DeleteDataSource("ds1")`, tx.DeleteDataSource("ds1"))
			return nil
		})
		view(t, s, func(tx acctmap.ReadTx) error {
			_, err := tx.DataSource("ds1")
			wantNotFound(t, `DataSource("ds1")`, err)
			return nil
		})
	}},
	{"DeleteCascades", func(t *testing.T, s acctmap.Store) {
		before := seeded(t, s)
		update(t, s, func(tx acctmap.Tx) error { return tx.DeleteDataSource("ds-acme-crm") })
		view(t, s, func(tx acctmap.ReadTx) error {
			_, err := tx.DataSource("ds-acme-crm")
			wantNotFound(t, "DataSource after DeleteDataSource", err)
			probeDeletedDataSource(t, tx, "ds-acme-crm", "pop-acme-customers", "pop-acme-prospects")
			return nil
		})
		// Everything else is as it was.
		want := before
		want.DataSources = slices.DeleteFunc(slices.Clone(want.DataSources), func(d acctmap.DataSource) bool { return d.ID == "ds-acme-crm" })
		want.Populations = slices.DeleteFunc(slices.Clone(want.Populations), func(p acctmap.Population) bool { return p.DataSourceID == "ds-acme-crm" })
		want.Records = withoutKey(want.Records, "ds-acme-crm")
		after, err := Dump(t.Context(), s)
		noErr(t, "Dump", err)
		diff(t, "store after DeleteDataSource", want, after)
		update(t, s, func(tx acctmap.Tx) error {
			wantNotFound(t, "DeleteDataSource twice", tx.DeleteDataSource("ds-acme-crm"))
			return nil
		})
		// A data source created again with the same id starts empty.
		update(t, s, func(tx acctmap.Tx) error { return tx.PutDataSource(seedDataSources[0]) })
		view(t, s, func(tx acctmap.ReadTx) error {
			n, err := tx.CountRecords("ds-acme-crm")
			noErr(t, "CountRecords", err)
			if n != 0 {
				t.Errorf("CountRecords of a data source deleted and created again = %d, want 0", n)
			}
			_, err = tx.Population("pop-acme-customers")
			wantNotFound(t, "Population of a data source deleted and created again", err)
			return nil
		})
	}},
}

// withoutKey returns a copy of m without key k.
func withoutKey[V any](m map[string]V, k string) map[string]V {
	out := make(map[string]V, len(m))
	for key, v := range m {
		if key != k {
			out[key] = v
		}
	}
	return out
}

// probeDeletedDataSource checks that a deleted data source's records and
// populations are gone.
func probeDeletedDataSource(t *testing.T, tx acctmap.ReadTx, ds string, pops ...string) {
	t.Helper()
	_, err := tx.Record(ds, "r1")
	wantNotFound(t, fmt.Sprintf("Record(%q, \"r1\") of a deleted data source", ds), err)
	wantNotFound(t, fmt.Sprintf("Records(%q) of a deleted data source", ds), tx.Records(ds, func(*acctmap.Record) error { return nil }))
	_, err = tx.CountRecords(ds)
	wantNotFound(t, fmt.Sprintf("CountRecords(%q) of a deleted data source", ds), err)
	for _, p := range pops {
		_, err := tx.Population(p)
		wantNotFound(t, fmt.Sprintf("Population(%q) of a deleted data source", p), err)
	}
}

func population(id, ds, org string, slot int) acctmap.Population {
	return acctmap.Population{ID: id, OrgID: org, DataSourceID: ds, Kind: acctmap.Custom, Name: "Population " + id, Description: "about " + id,
		Filter: acctmap.Filter{
			All: []acctmap.Condition{
				{Field: "stage", Op: acctmap.In, Values: []string{"Discovery", "Négociation"}},
				{Field: "created", Op: acctmap.GreaterThan, Value: "2024-01-31"},
			},
			AnyOf: [][]acctmap.Condition{
				{{Field: "name", Op: acctmap.StartsWith, Value: "A"}, {Field: "owner", Op: acctmap.IsEmpty}},
				{{Field: "id", Op: acctmap.NotEquals, Value: "x"}},
			},
		},
		Slot: slot, CreatedAt: at(slot), UpdatedAt: at(slot + 1)}
}

var populationTests = []test{
	{"PutGet", func(t *testing.T, s acctmap.Store) {
		withOrgs(t, s, "acme")
		want := population("p1", "ds1", "acme", 63)
		update(t, s, func(tx acctmap.Tx) error {
			if err := tx.PutDataSource(dataSource("ds1", "acme", 1)); err != nil {
				return err
			}
			return tx.PutPopulation(want)
		})
		view(t, s, func(tx acctmap.ReadTx) error {
			got, err := tx.Population("p1")
			noErr(t, "Population", err)
			diff(t, "Population", want, got)
			return nil
		})
	}},
	{"ReplaceMovesDataSource", func(t *testing.T, s acctmap.Store) {
		withOrgs(t, s, "acme")
		update(t, s, func(tx acctmap.Tx) error {
			for _, d := range []string{"ds1", "ds2"} {
				if err := tx.PutDataSource(dataSource(d, "acme", 1)); err != nil {
					return err
				}
			}
			return tx.PutPopulation(population("p1", "ds1", "acme", 3))
		})
		want := population("p1", "ds2", "acme", 4)
		want.Filter, want.Kind, want.Name = acctmap.Filter{}, acctmap.Customers, "Customers"
		update(t, s, func(tx acctmap.Tx) error {
			wantNotFound(t, "PutPopulation moving to a missing data source", tx.PutPopulation(population("p1", "nope", "acme", 3)))
			return tx.PutPopulation(want)
		})
		view(t, s, func(tx acctmap.ReadTx) error {
			got, err := tx.Population("p1")
			noErr(t, "Population", err)
			diff(t, "Population after replace", want, got)
			return nil
		})
		// It now belongs to ds2: deleting ds1 leaves it, deleting ds2 takes it.
		update(t, s, func(tx acctmap.Tx) error { return tx.DeleteDataSource("ds1") })
		view(t, s, func(tx acctmap.ReadTx) error {
			_, err := tx.Population("p1")
			noErr(t, "Population after deleting its former data source", err)
			return nil
		})
		update(t, s, func(tx acctmap.Tx) error { return tx.DeleteDataSource("ds2") })
		view(t, s, func(tx acctmap.ReadTx) error {
			_, err := tx.Population("p1")
			wantNotFound(t, "Population after deleting its data source", err)
			pops, err := tx.Populations("acme")
			wantEmpty(t, "Populations after deleting its data source", pops, err)
			return nil
		})
	}},
	{"ListByOrg", func(t *testing.T, s acctmap.Store) {
		withOrgs(t, s, "acme", "globex")
		update(t, s, func(tx acctmap.Tx) error {
			if err := tx.PutDataSource(dataSource("ds-a", "acme", 1)); err != nil {
				return err
			}
			if err := tx.PutDataSource(dataSource("ds-g", "globex", 1)); err != nil {
				return err
			}
			for i := len(oddIDs) - 1; i >= 0; i-- {
				ds, org := "ds-a", "acme"
				if i%2 == 1 {
					ds, org = "ds-g", "globex"
				}
				if err := tx.PutPopulation(population(oddIDs[i], ds, org, i)); err != nil {
					return err
				}
			}
			return nil
		})
		view(t, s, func(tx acctmap.ReadTx) error {
			for j, org := range []string{"acme", "globex"} {
				var want []acctmap.Population
				for i, id := range oddIDs {
					if i%2 == j {
						want = append(want, population(id, []string{"ds-a", "ds-g"}[j], org, i))
					}
				}
				got, err := tx.Populations(org)
				noErr(t, "Populations", err)
				diff(t, fmt.Sprintf("Populations(%q)", org), want, got)
			}
			return nil
		})
	}},
	{"NotFound", func(t *testing.T, s acctmap.Store) {
		withOrgs(t, s, "acme")
		update(t, s, func(tx acctmap.Tx) error {
			wantNotFound(t, "PutPopulation of a missing data source", tx.PutPopulation(population("p1", "nope", "acme", 0)))
			wantNotFound(t, `DeletePopulation("p1")`, tx.DeletePopulation("p1"))
			return nil
		})
		view(t, s, func(tx acctmap.ReadTx) error {
			_, err := tx.Population("p1")
			wantNotFound(t, `Population("p1")`, err)
			return nil
		})
	}},
	{"DeleteClearsOnlyItsBit", func(t *testing.T, s acctmap.Store) {
		before := seeded(t, s)
		// ds-acme-crm: pop-acme-customers is slot 0, pop-acme-prospects
		// slot 1; r3 is in both. ds-globex has a slot 0 population too.
		update(t, s, func(tx acctmap.Tx) error { return tx.DeletePopulation("pop-acme-customers") })
		want := before
		want.Populations = slices.DeleteFunc(slices.Clone(want.Populations), func(p acctmap.Population) bool { return p.ID == "pop-acme-customers" })
		want.Records = maps.Clone(want.Records)
		recs := slices.Clone(want.Records["ds-acme-crm"])
		for i := range recs {
			recs[i].Populations &^= 1
		}
		want.Records["ds-acme-crm"] = recs
		after, err := Dump(t.Context(), s)
		noErr(t, "Dump", err)
		diff(t, "store after DeletePopulation", want, after)
		view(t, s, func(tx acctmap.ReadTx) error {
			r3, err := tx.Record("ds-acme-crm", "r3")
			noErr(t, "Record", err)
			if r3.Populations != 1<<1 {
				t.Errorf("r3's Populations after deleting slot 0 = %b, want %b", r3.Populations, 1<<1)
			}
			return nil
		})
		update(t, s, func(tx acctmap.Tx) error {
			wantNotFound(t, "DeletePopulation twice", tx.DeletePopulation("pop-acme-customers"))
			return nil
		})
	}},
}
