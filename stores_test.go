package acctmap_test

import (
	"path/filepath"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/boltstore"
)

// openBolt opens a boltstore in a file of t's temporary directory, closed
// when t ends.
func openBolt(t *testing.T) acctmap.Store {
	t.Helper()
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "acctmap.db"))
	if err != nil {
		t.Fatalf("boltstore.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("boltstore Close: %v", err)
		}
	})
	return s
}
