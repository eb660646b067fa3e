package pgstore

import (
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/storetest"
)

func TestEventsSurviveReopen(t *testing.T) {
	schema := testSchema(t)
	s, err := Open(t.Context(), testDSN(t), WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	storetest.EventsSurviveReopen(t, s, func() acctmap.Store {
		s.Close()
		s2, err := Open(t.Context(), testDSN(t), WithSchema(schema))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s2.Close)
		return s2
	})
}
