package storetest

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/acctmap/acctmap"
	gocmp "github.com/google/go-cmp/cmp"
)

// Snapshot is the whole content of a store as its ReadTx API shows it,
// in a canonical order, so that two snapshots compare with Diff.
//
// Only what can be reached from Orgs() is in it: the read API has no way
// to list a user, data source or record whose org does not exist.
type Snapshot struct {
	// Orgs is Orgs().
	Orgs []acctmap.Org
	// OfflinePartners maps each org that owns offline partners to their
	// ids, as OfflinePartners lists them.
	OfflinePartners map[string][]string
	// Users are the users of each org, orgs in id order, then by id.
	Users []acctmap.User
	// Partnerships holds each partnership once, ordered by the pair of
	// its org ids, smaller id first.
	Partnerships []acctmap.Partnership
	// DataSources are the data sources of each org, in org then id order.
	DataSources []acctmap.DataSource
	// Populations are the populations of each org, in org then id order.
	Populations []acctmap.Population
	// Records maps every data source's id to its records, ordered by id.
	Records map[string][]acctmap.Record
	// Threads are the threads of every org, each once, by id; Messages
	// maps a thread's id to its messages (threads.go).
	Threads  []acctmap.ThreadRecord
	Messages map[string][]acctmap.MessageRecord
	// OrgItems are the items of every org, orgs in id order, then by
	// kind and id.
	OrgItems []acctmap.OrgItem
}

// Diff returns the differences between two snapshots, in cmp.Diff's
// format (-s +other), or "" if they are equal. Nil and empty slices and
// maps are equal.
func (s Snapshot) Diff(other Snapshot) string {
	return gocmp.Diff(s, other, cmpOpts...)
}

// Dump reads the whole store in one View; see DumpTx.
func Dump(ctx context.Context, s acctmap.Store) (Snapshot, error) {
	var snap Snapshot
	err := s.View(ctx, func(tx acctmap.ReadTx) error {
		var err error
		snap, err = DumpTx(tx)
		return err
	})
	return snap, err
}

// DumpTx reads everything tx can reach from Orgs(). It also checks that
// the API agrees with itself and returns an error describing the first
// disagreement: each listed item is what its getter returns, lists are in
// the contract's order and hold only items of the org asked about, each
// partnership is listed by both of its orgs, and CountRecords, Record and
// Records agree. It calls Record once per record: it is meant for the small
// stores of tests.
func DumpTx(tx acctmap.ReadTx) (Snapshot, error) {
	snap := Snapshot{
		OfflinePartners: map[string][]string{},
		Records:         map[string][]acctmap.Record{},
	}
	orgs, err := tx.Orgs()
	if err != nil {
		return snap, fmt.Errorf("Orgs(): %w", err)
	}
	if err := sortedBy(orgs, func(o acctmap.Org) string { return o.ID }); err != nil {
		return snap, fmt.Errorf("Orgs(): %w", err)
	}
	snap.Orgs = orgs
	type side struct {
		p     acctmap.Partnership
		count int // how many org lists held it
	}
	pairs := map[[2]string]*side{}
	threads := map[string]acctmap.ThreadRecord{}
	for _, o := range orgs {
		if err := dumpThreads(tx, o.ID, threads); err != nil {
			return snap, err
		}
		items, err := tx.OrgItems(o.ID, "")
		if err != nil {
			return snap, fmt.Errorf("OrgItems(%q): %w", o.ID, err)
		}
		snap.OrgItems = append(snap.OrgItems, items...)
		if err := sameAs(o, func() (acctmap.Org, error) { return tx.Org(o.ID) }); err != nil {
			return snap, fmt.Errorf("Org(%q): %w", o.ID, err)
		}

		off, err := tx.OfflinePartners(o.ID)
		if err := listOf(off, err, o.ID, func(p acctmap.Org) (string, string) { return p.ID, p.OfflineOf }); err != nil {
			return snap, fmt.Errorf("OfflinePartners(%q): %w", o.ID, err)
		}
		for _, p := range off {
			snap.OfflinePartners[o.ID] = append(snap.OfflinePartners[o.ID], p.ID)
		}

		users, err := tx.Users(o.ID)
		if err := listOf(users, err, o.ID, func(u acctmap.User) (string, string) { return u.ID, u.OrgID }); err != nil {
			return snap, fmt.Errorf("Users(%q): %w", o.ID, err)
		}
		for _, u := range users {
			if err := sameAs(u, func() (acctmap.User, error) { return tx.User(u.ID) }); err != nil {
				return snap, fmt.Errorf("User(%q): %w", u.ID, err)
			}
		}
		snap.Users = append(snap.Users, users...)

		ps, err := tx.Partnerships(o.ID)
		if err != nil {
			return snap, fmt.Errorf("Partnerships(%q): %w", o.ID, err)
		}
		if !slices.IsSortedFunc(ps, func(a, b acctmap.Partnership) int {
			return cmp.Or(cmp.Compare(a.Other(o.ID), b.Other(o.ID)), cmp.Compare(a.Inviter, b.Inviter))
		}) {
			return snap, fmt.Errorf("Partnerships(%q): not ordered by the other org's id, then inviter", o.ID)
		}
		for _, p := range ps {
			if p.Inviter != o.ID && p.Invitee != o.ID {
				return snap, fmt.Errorf("Partnerships(%q) lists %q–%q", o.ID, p.Inviter, p.Invitee)
			}
			for _, ab := range [][2]string{{p.Inviter, p.Invitee}, {p.Invitee, p.Inviter}} {
				if err := sameAs(p, func() (acctmap.Partnership, error) { return tx.Partnership(ab[0], ab[1]) }); err != nil {
					return snap, fmt.Errorf("Partnership(%q, %q): %w", ab[0], ab[1], err)
				}
			}
			key := [2]string{min(p.Inviter, p.Invitee), max(p.Inviter, p.Invitee)}
			if pairs[key] == nil {
				pairs[key] = &side{p: p}
			}
			pairs[key].count++
		}

		dss, err := tx.DataSources(o.ID)
		if err := listOf(dss, err, o.ID, func(d acctmap.DataSource) (string, string) { return d.ID, d.OrgID }); err != nil {
			return snap, fmt.Errorf("DataSources(%q): %w", o.ID, err)
		}
		for _, d := range dss {
			if err := sameAs(d, func() (acctmap.DataSource, error) { return tx.DataSource(d.ID) }); err != nil {
				return snap, fmt.Errorf("DataSource(%q): %w", d.ID, err)
			}
			recs, err := dumpRecords(tx, d.ID)
			if err != nil {
				return snap, err
			}
			snap.Records[d.ID] = recs
		}
		snap.DataSources = append(snap.DataSources, dss...)

		pops, err := tx.Populations(o.ID)
		if err := listOf(pops, err, o.ID, func(p acctmap.Population) (string, string) { return p.ID, p.OrgID }); err != nil {
			return snap, fmt.Errorf("Populations(%q): %w", o.ID, err)
		}
		for _, p := range pops {
			if err := sameAs(p, func() (acctmap.Population, error) { return tx.Population(p.ID) }); err != nil {
				return snap, fmt.Errorf("Population(%q): %w", p.ID, err)
			}
		}
		snap.Populations = append(snap.Populations, pops...)
	}
	keys := make([][2]string, 0, len(pairs))
	for k, s := range pairs {
		// A partnership of an org with itself is listed once; any other is
		// listed by both of its orgs, unless one of them does not exist.
		_, errA := tx.Org(k[0])
		_, errB := tx.Org(k[1])
		want := 2
		if k[0] == k[1] || errA != nil || errB != nil {
			want = 1
		}
		if s.count != want {
			return snap, fmt.Errorf("partnership %q–%q is listed by %d of its orgs, want %d", k[0], k[1], s.count, want)
		}
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]string) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
	for _, k := range keys {
		snap.Partnerships = append(snap.Partnerships, pairs[k].p)
	}
	for _, id := range slices.Sorted(maps.Keys(threads)) {
		snap.Threads = append(snap.Threads, threads[id])
		ms, err := tx.Messages(id)
		if err != nil {
			return snap, fmt.Errorf("Messages(%q): %w", id, err)
		}
		if len(ms) > 0 {
			if snap.Messages == nil {
				snap.Messages = map[string][]acctmap.MessageRecord{}
			}
			snap.Messages[id] = ms
		}
	}
	return snap, nil
}

// dumpThreads adds the threads of org to threads, checking them against
// Thread and the list's order.
func dumpThreads(tx acctmap.ReadTx, org string, threads map[string]acctmap.ThreadRecord) error {
	ts, err := tx.Threads(org)
	if err != nil {
		return fmt.Errorf("Threads(%q): %w", org, err)
	}
	if err := sortedBy(ts, func(t acctmap.ThreadRecord) string { return t.ID }); err != nil {
		return fmt.Errorf("Threads(%q): %w", org, err)
	}
	for _, t := range ts {
		if t.OrgA != org && t.OrgB != org {
			return fmt.Errorf("Threads(%q) lists thread %q of %q and %q", org, t.ID, t.OrgA, t.OrgB)
		}
		if err := sameAs(t, func() (acctmap.ThreadRecord, error) { return tx.Thread(t.ID) }); err != nil {
			return fmt.Errorf("Thread(%q): %w", t.ID, err)
		}
		threads[t.ID] = t
	}
	return nil
}

// dumpRecords reads a data source's records and checks them against
// CountRecords and Record.
func dumpRecords(tx acctmap.ReadTx, dsID string) ([]acctmap.Record, error) {
	var recs []acctmap.Record
	if err := tx.Records(dsID, func(r *acctmap.Record) error {
		recs = append(recs, *r) // *r is valid only during the call
		return nil
	}); err != nil {
		return nil, fmt.Errorf("Records(%q): %w", dsID, err)
	}
	slices.SortFunc(recs, func(a, b acctmap.Record) int { return cmp.Compare(a.ID, b.ID) })
	for i := 1; i < len(recs); i++ {
		if recs[i].ID == recs[i-1].ID {
			return nil, fmt.Errorf("Records(%q) visits record %q more than once", dsID, recs[i].ID)
		}
	}
	n, err := tx.CountRecords(dsID)
	if err != nil {
		return nil, fmt.Errorf("CountRecords(%q): %w", dsID, err)
	}
	if n != len(recs) {
		return nil, fmt.Errorf("CountRecords(%q) = %d, but Records visits %d", dsID, n, len(recs))
	}
	for _, r := range recs {
		if err := sameAs(r, func() (acctmap.Record, error) { return tx.Record(dsID, r.ID) }); err != nil {
			return nil, fmt.Errorf("Record(%q, %q): %w", dsID, r.ID, err)
		}
	}
	return recs, nil
}

// sameAs checks that get returns want.
func sameAs[T any](want T, get func() (T, error)) error {
	got, err := get()
	if err != nil {
		return err
	}
	if d := gocmp.Diff(want, got, cmpOpts...); d != "" {
		return fmt.Errorf("differs from the listed value (-listed +got):\n%s", d)
	}
	return nil
}

// listOf checks a list of the items of parent: no error, ordered by id,
// and every item's parent is parent.
func listOf[T any](items []T, err error, parent string, ids func(T) (id, parent string)) error {
	if err != nil {
		return err
	}
	if err := sortedBy(items, func(x T) string { id, _ := ids(x); return id }); err != nil {
		return err
	}
	for _, x := range items {
		if id, p := ids(x); p != parent {
			return fmt.Errorf("lists %q, which belongs to %q", id, p)
		}
	}
	return nil
}

// sortedBy checks that items are in strictly increasing id order.
func sortedBy[T any](items []T, id func(T) string) error {
	for i := 1; i < len(items); i++ {
		if a, b := id(items[i-1]), id(items[i]); a >= b {
			return fmt.Errorf("not in increasing id order: %q then %q", a, b)
		}
	}
	return nil
}

// without returns the snapshot the store should have after DeleteOrg of
// each of orgs, given the closure of what DeleteOrg deletes.
func (s Snapshot) without(orgs ...string) Snapshot {
	gone := map[string]bool{}
	var visit func(id string)
	visit = func(id string) {
		if gone[id] {
			return
		}
		gone[id] = true
		for _, off := range s.OfflinePartners[id] {
			visit(off)
		}
	}
	for _, o := range orgs {
		visit(o)
	}
	out := Snapshot{OfflinePartners: map[string][]string{}, Records: map[string][]acctmap.Record{}}
	for _, o := range s.Orgs {
		if !gone[o.ID] {
			out.Orgs = append(out.Orgs, o)
		}
	}
	for owner, ids := range s.OfflinePartners {
		if gone[owner] {
			continue
		}
		var kept []string
		for _, id := range ids {
			if !gone[id] {
				kept = append(kept, id)
			}
		}
		if len(kept) > 0 {
			out.OfflinePartners[owner] = kept
		}
	}
	for _, u := range s.Users {
		if !gone[u.OrgID] {
			out.Users = append(out.Users, u)
		}
	}
	for _, p := range s.Partnerships {
		if !gone[p.Inviter] && !gone[p.Invitee] {
			out.Partnerships = append(out.Partnerships, p)
		}
	}
	goneDS := map[string]bool{}
	for _, d := range s.DataSources {
		if gone[d.OrgID] {
			goneDS[d.ID] = true
		} else {
			out.DataSources = append(out.DataSources, d)
			out.Records[d.ID] = s.Records[d.ID]
		}
	}
	for _, p := range s.Populations {
		if !goneDS[p.DataSourceID] {
			out.Populations = append(out.Populations, p)
		}
	}
	return out
}
