package boltstore

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/storetest"
)

// rawUpdate writes into a store's file with bbolt directly, as a damaged
// file or another program would.
func rawUpdate(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage")
	if err := os.WriteFile(garbage, make([]byte, 64<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(dir, "foreign")
	rawUpdate(t, foreign, func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("someone else's")); return err })
	newer := filepath.Join(dir, "newer")
	s := openAt(t, newer)
	_ = s.Close()
	rawUpdate(t, newer, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(formatKey, binary.AppendUvarint(nil, fileFormat+1))
	})
	missing := filepath.Join(dir, "missing")
	s = openAt(t, missing)
	_ = s.Close()
	rawUpdate(t, missing, func(tx *bolt.Tx) error { return tx.DeleteBucket(indexPopOrg) })
	noFormat := filepath.Join(dir, "noformat")
	s = openAt(t, noFormat)
	_ = s.Close()
	rawUpdate(t, noFormat, func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Delete(formatKey) })

	for _, tc := range []struct {
		name string
		path string
		opts []Option
		want error
	}{
		{"not a bbolt file", garbage, nil, ErrCorrupt},
		{"another program's bbolt file", foreign, nil, ErrCorrupt},
		{"a newer format", newer, nil, ErrCorrupt},
		{"a bucket missing", missing, nil, ErrCorrupt},
		{"no format", noFormat, nil, ErrCorrupt},
		{"empty path", "", nil, acctmap.ErrInvalidInput},
		{"negative timeout", filepath.Join(dir, "x"), []Option{WithLockTimeout(-1)}, acctmap.ErrInvalidInput},
		{"a directory", dir, nil, nil},
	} {
		s, err := Open(tc.path, tc.opts...)
		if err == nil {
			_ = s.Close()
			t.Errorf("Open of %s succeeded", tc.name)
			continue
		}
		if tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("Open of %s: %v, want %v", tc.name, err, tc.want)
		}
		t.Logf("%s: %v", tc.name, err)
	}
}

func TestCorruptValues(t *testing.T) {
	// Damaged values are errors wrapping ErrCorrupt that name the item,
	// from every read and write that meets them; nothing panics.
	t.Parallel()
	path := filepath.Join(t.TempDir(), "corrupt.db")
	s := openAt(t, path)
	if err := s.Update(t.Context(), storetest.Seed); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	bad := []byte{codecVersion, 0xff}
	rawUpdate(t, path, func(tx *bolt.Tx) error {
		for _, kv := range []struct {
			bucket []byte
			key    []byte
		}{
			{bucketOrgs, idKey("globex")}, {bucketUsers, idKey("u-alice")}, {bucketPartners, pairKey("acme", "globex")},
			{bucketSources, idKey("ds-acme-csv")}, {bucketPops, idKey("pop-acme-leads")},
		} {
			if err := tx.Bucket(kv.bucket).Put(kv.key, bad); err != nil {
				return err
			}
		}
		if err := tx.Bucket(indexUserOrg).Put(append(tupleKey("no"), "no terminator"...), nil); err != nil {
			return err
		}
		return tx.Bucket(bucketRecords).Bucket(idKey("ds-globex")).Put(idKey("r2"), []byte{codecVersion, 1, 2})
	})
	s = openAt(t, path)
	reads := map[string]func(tx acctmap.ReadTx) error{
		"Org":           func(tx acctmap.ReadTx) error { _, err := tx.Org("globex"); return err },
		"Orgs":          func(tx acctmap.ReadTx) error { _, err := tx.Orgs(); return err },
		"User":          func(tx acctmap.ReadTx) error { _, err := tx.User("u-alice"); return err },
		"Users":         func(tx acctmap.ReadTx) error { _, err := tx.Users("acme"); return err },
		"Users (index)": func(tx acctmap.ReadTx) error { _, err := tx.Users("no"); return err },
		"Partnership":   func(tx acctmap.ReadTx) error { _, err := tx.Partnership("globex", "acme"); return err },
		"Partnerships":  func(tx acctmap.ReadTx) error { _, err := tx.Partnerships("acme"); return err },
		"DataSource":    func(tx acctmap.ReadTx) error { _, err := tx.DataSource("ds-acme-csv"); return err },
		"DataSources":   func(tx acctmap.ReadTx) error { _, err := tx.DataSources("acme"); return err },
		"Population":    func(tx acctmap.ReadTx) error { _, err := tx.Population("pop-acme-leads"); return err },
		"Populations":   func(tx acctmap.ReadTx) error { _, err := tx.Populations("acme"); return err },
		"Record":        func(tx acctmap.ReadTx) error { _, err := tx.Record("ds-globex", "r2"); return err },
		"Records": func(tx acctmap.ReadTx) error {
			return tx.Records("ds-globex", func(*acctmap.Record) error { return nil })
		},
		"RecordKeys": func(tx acctmap.ReadTx) error {
			return tx.RecordKeys("ds-globex", func(*acctmap.Record) error { return nil })
		},
		"RecordsByID": func(tx acctmap.ReadTx) error {
			return tx.RecordsByID("ds-globex", []string{"r1", "r2"}, func(*acctmap.Record) error { return nil })
		},
	}
	for name, read := range reads {
		err := s.View(t.Context(), read)
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s of a damaged value: %v, want ErrCorrupt", name, err)
		}
	}
	writes := map[string]func(tx acctmap.Tx) error{
		"PutOrg":          func(tx acctmap.Tx) error { return tx.PutOrg(acctmap.Org{ID: "globex"}) },
		"DeleteOrg":       func(tx acctmap.Tx) error { return tx.DeleteOrg("globex") },
		"DeleteOrg owner": func(tx acctmap.Tx) error { return tx.DeleteOrg("acme") },
		"PutUser":         func(tx acctmap.Tx) error { return tx.PutUser(acctmap.User{ID: "u-alice", OrgID: "acme"}) },
		"DeleteUser":      func(tx acctmap.Tx) error { return tx.DeleteUser("u-alice") },
		"PutDataSource": func(tx acctmap.Tx) error {
			return tx.PutDataSource(acctmap.DataSource{ID: "ds-acme-csv", OrgID: "acme"})
		},
		"DeleteDataSource": func(tx acctmap.Tx) error { return tx.DeleteDataSource("ds-acme-csv") },
		"PutPopulation": func(tx acctmap.Tx) error {
			return tx.PutPopulation(acctmap.Population{ID: "pop-acme-leads", DataSourceID: "ds-acme-csv"})
		},
		"DeletePopulation": func(tx acctmap.Tx) error { return tx.DeletePopulation("pop-acme-leads") },
		"SetMembers":       func(tx acctmap.Tx) error { return tx.SetMembers("ds-globex", 1, []string{"r1"}) },
	}
	before := map[string]int{}
	_ = s.View(t.Context(), func(tx acctmap.ReadTx) error {
		for _, ds := range []string{"ds-globex", "ds-acme-crm"} {
			before[ds], _ = tx.CountRecords(ds)
		}
		return nil
	})
	for name, write := range writes {
		err := s.Update(t.Context(), write)
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s over a damaged value: %v, want ErrCorrupt", name, err)
		}
	}
	// The healthy parts still read, and nothing was committed.
	_ = s.View(t.Context(), func(tx acctmap.ReadTx) error {
		if _, err := tx.Org("acme"); err != nil {
			t.Errorf("Org(acme) next to damaged values: %v", err)
		}
		for ds, n := range before {
			if got, _ := tx.CountRecords(ds); got != n {
				t.Errorf("CountRecords(%s) = %d after refused writes, want %d", ds, got, n)
			}
		}
		return nil
	})
}
