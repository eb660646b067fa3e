package private_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"net/http/httptest"

	"github.com/acctmap/acctmap/private"
)

// Two deployments map their customers without sending their domains: the
// responder (Bolt) shares its prospects' counts with a minimum cell size
// of 2 and its customers' matches record by record; the initiator (Acme)
// learns the matrix and which of its own accounts match Bolt's customers.
func Example() {
	acme := private.Side{
		Populations: []private.Population{{Slot: 0, Name: "Acme customers"}},
		Records: []private.Record{
			{ID: "a1", Domains: []string{"globex.com"}, Mask: 1},
			{ID: "a2", Domains: []string{"initech.com"}, RegID: "duns:123456789", Mask: 1},
			{ID: "a3", Domains: []string{"hooli.com"}, Mask: 1},
			{ID: "a4", Domains: []string{"stark.io"}, Mask: 1, Private: true}, // never takes part
		},
	}
	bolt := private.Side{
		Populations: []private.Population{
			{Slot: 0, Name: "Bolt customers", RevealMatches: true}, // shared at OverlappingRecords
			{Slot: 1, Name: "Bolt prospects"},                      // counts only
		},
		Records: []private.Record{
			{ID: "b1", Domains: []string{"globex.com"}, Mask: 1 | 2},
			{ID: "b2", Domains: []string{"initech.net"}, RegID: "duns:123456789", Mask: 1},
			{ID: "b3", Domains: []string{"stark.io"}, Mask: 2},
		},
	}
	responder, err := private.NewResponder(private.ResponderConfig{Side: bolt, MinCellSize: 2})
	if err != nil {
		log.Fatal(err)
	}
	a, b := net.Pipe() // any full-duplex connection; see Client for HTTP
	go responder.Serve(context.Background(), b)
	res, err := private.Initiate(context.Background(), a, private.InitiatorConfig{Side: acme, WantMatches: true})
	if err != nil {
		log.Fatal(err)
	}
	m := res.Matrix
	for j, col := range m.Cols {
		if m.Suppressed[0][j] {
			fmt.Printf("%s × %s: fewer than %d\n", m.Rows[0].Name, col.Name, m.MinCellSize)
		} else {
			fmt.Printf("%s × %s: %d\n", m.Rows[0].Name, col.Name, m.Counts[0][j])
		}
	}
	for _, match := range res.Matches {
		fmt.Printf("%v matches %s\n", match.Records, m.Cols[match.Cols[0]].Name)
	}
	// Output:
	// Acme customers × Bolt customers: 2
	// Acme customers × Bolt prospects: fewer than 2
	// [a1] matches Bolt customers
	// [a2] matches Bolt customers
}

// The same over HTTP: the responder is an http.Handler, the initiator a
// Client.
func ExampleClient() {
	responder, err := private.NewResponder(private.ResponderConfig{Side: private.Side{
		Populations: []private.Population{{Slot: 0, Name: "theirs"}},
		Records:     []private.Record{{ID: "t1", Domains: []string{"globex.com"}, Mask: 1}},
	}})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(responder)
	defer srv.Close()
	c := &private.Client{URL: srv.URL}
	res, err := c.Initiate(context.Background(), private.InitiatorConfig{Side: private.Side{
		Populations: []private.Population{{Slot: 0, Name: "mine"}},
		Records:     []private.Record{{ID: "m1", Domains: []string{"globex.com"}, Mask: 1}},
	}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Matrix.Counts[0][0])
	// Output: 1
}
