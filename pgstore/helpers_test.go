package pgstore

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/acctmap/acctmap"
)

// t0 is the time of the test fixtures: UTC, in microseconds.
var t0 = time.Date(2024, time.March, 14, 15, 9, 26, 535897000, time.UTC)

// genRecords returns n records like those of a CRM export: ids
// prefix0000000 on, a website and its domain, an alias domain for every
// third, a DUNS number for every fifth, and three fields.
func genRecords(prefix string, from, n int) []acctmap.Record {
	// strconv and concatenation, not fmt: the race detector makes fmt slow,
	// and the import tests generate 200,000 records.
	stages := []string{"Closed Won", "Discovery", "Closed Lost", "Negotiation"}
	industries := []string{"Software", "Retail", "Manufacturing"}
	recs := make([]acctmap.Record, n)
	for j := range recs {
		i := from + j
		num := strconv.Itoa(i)
		domain := "company" + num + ".example"
		r := acctmap.Record{
			ID:      prefix + strings.Repeat("0", max(0, 7-len(num))) + num,
			Name:    "Company " + num + " Inc.",
			Website: "https://www." + domain + "/",
			Domains: []string{domain},
			NameKey: "company " + num,
			Fields: map[string]string{
				"owner":    "owner" + strconv.Itoa(i%97) + "@example.com",
				"stage":    stages[i%4],
				"industry": industries[i%3],
			},
		}
		if i%3 == 0 {
			r.Domains = append(r.Domains, "company"+num+"-alias.example")
		}
		if i%5 == 0 {
			r.RegistrationID = acctmap.RegistrationID{Scheme: "duns", Value: strings.Repeat("0", max(0, 9-len(num))) + num}
		}
		recs[j] = r
	}
	return recs
}

// withDataSources writes org "acme" and a data source for each of dss.
func withDataSources(t testing.TB, s *Store, dss ...string) {
	t.Helper()
	err := s.Update(t.Context(), func(tx acctmap.Tx) error {
		if err := tx.PutOrg(acctmap.Org{ID: "acme", Name: "Acme", CreatedAt: t0}); err != nil {
			return err
		}
		for _, ds := range dss {
			if err := tx.PutDataSource(acctmap.DataSource{ID: ds, OrgID: "acme", Name: ds, Kind: acctmap.CSVSource, CreatedAt: t0, UpdatedAt: t0}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
}
