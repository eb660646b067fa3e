package boltstore

import (
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) acctmap.Store { return openTemp(t) })
}
