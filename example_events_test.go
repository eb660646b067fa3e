package acctmap_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"time"

	"github.com/acctmap/acctmap"
)

// An org's feed tells it what its partners did that concerns it, read
// from a cursor: here Bolt shares its customers with Acme, and Acme asks
// for its prospects too, which Bolt approves.
func ExampleActor_Events() {
	ctx := context.Background()
	ann, bob, pops := exampleNetwork()
	if err := bob.SetShareRule(ctx, pops["bolt/customers"].ID, "acme", acctmap.SharingRule{Level: acctmap.OverlappingRecords, Fields: []string{"name"}}); err != nil {
		log.Fatal(err)
	}
	req, err := ann.RequestShare(ctx, "bolt", pops["bolt/prospects"].ID, acctmap.OverlappingRecords, []string{"name"}, "for the Q3 plan")
	if err != nil {
		log.Fatal(err)
	}
	if _, err := bob.ApproveShareRequest(ctx, "acme", req.ID); err != nil {
		log.Fatal(err)
	}
	var cursor acctmap.EventCursor // persisted by the app to resume from
	for e, err := range ann.Events(ctx, cursor) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Print(e.Kind, " from ", e.PartnerName)
		if e.Population != nil {
			fmt.Printf(": %s shared at %s", e.Population.Name, e.Population.Level)
		}
		fmt.Println()
		cursor = e.Cursor
	}
	for e, err := range bob.Events(ctx, 0) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("bolt: %s from %s", e.Kind, e.Partner)
		if e.Request != nil {
			fmt.Printf(" (%q)", e.Request.Message)
		}
		fmt.Println()
	}
	// Output:
	// partnership.accepted from bolt
	// sharing_rule.changed from bolt: Customers shared at overlapping_records
	// share_request.approved from bolt: Prospects shared at overlapping_records
	// bolt: partnership.invited from acme
	// bolt: share_request.received from acme ("for the Q3 plan")
}

// WaitEvents blocks until something new is in the feed, for a loop that
// reacts to partners as they act (examples/webhooks turns it into
// webhooks).
func ExampleActor_WaitEvents() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ann, bob, _ := exampleNetwork()
	var cursor acctmap.EventCursor
	for e := range bob.Events(ctx, 0) {
		cursor = e.Cursor // what bolt has seen already
	}
	go func() {
		time.Sleep(10 * time.Millisecond)
		ann.Revoke(ctx, "bolt")
	}()
	if err := bob.WaitEvents(ctx, cursor); err != nil {
		log.Fatal(err)
	}
	for e := range bob.Events(ctx, cursor) {
		fmt.Println(e.Kind, e.Partner)
	}
	// Output:
	// partnership.revoked acme
}

// The audit trail shows a data owner's admins who changed its sharing and
// who exported which of its records.
func ExampleActor_AuditLog() {
	ctx := context.Background()
	ann, bob, pops := exampleNetwork()
	if err := bob.SetShareRule(ctx, pops["bolt/customers"].ID, "acme", acctmap.SharingRule{Level: acctmap.OverlappingRecords, Fields: []string{"name"}}); err != nil {
		log.Fatal(err)
	}
	var csv bytes.Buffer
	spec := acctmap.ReportSpec{Partner: "bolt", Population: pops["acme/customers"].ID, PartnerPopulation: pops["bolt/customers"].ID}
	if _, err := ann.ExportReport(ctx, spec, &csv); err != nil {
		log.Fatal(err)
	}
	for e, err := range bob.AuditLog(ctx, acctmap.AuditFilter{}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s by %s of %s: partner %q", e.Action, e.UserID, e.OrgID, e.Partner)
		if e.Action == acctmap.AuditExport {
			fmt.Printf(", records %v", e.RecordIDs)
		}
		fmt.Println()
	}
	// Output:
	// partnership.accepted by bolt-admin of bolt: partner "acme"
	// sharing_rule.set by bolt-admin of bolt: partner "acme"
	// export by acme-admin of acme: partner "acme", records [B1]
}
