package boltstore

import (
	"path/filepath"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/storetest"
)

func TestEventsSurviveReopen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "acctmap.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	storetest.EventsSurviveReopen(t, s, func() acctmap.Store {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		return openAt(t, path)
	})
}
