package acctmap_test

import (
	"context"
	"fmt"
	"log"

	"github.com/acctmap/acctmap"
)

// Acme starts a thread with Bolt about Stripe, an account both have,
// which Bolt shares with its id. Bolt answers, and keeps a note for
// itself; Acme reads the thread.
func ExampleActor_StartThread() {
	ctx := context.Background()
	ann, bob, pops := exampleNetwork()
	if err := bob.SetShareRule(ctx, pops["bolt/customers"].ID, "acme", acctmap.SharingRule{Level: acctmap.OverlappingRecords, Fields: []string{"name", "id", "CSM"}}); err != nil {
		log.Fatal(err)
	}
	th, err := ann.StartThread(ctx, acctmap.NewThread{Partner: "bolt", PartnerPopulation: pops["bolt/customers"].ID, PartnerRecordID: "B1",
		Subject: "Stripe renewal", Body: "Can Kim introduce us to their CFO?"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s, about %s (CSM %s), owned by %s\n", th.Subject, th.PartnerFields["name"], th.PartnerFields["CSM"], th.Owner)
	for e, err := range bob.Events(ctx, 0) {
		if err != nil {
			log.Fatal(err)
		}
		if e.Thread != nil {
			fmt.Printf("bolt: %s by %s: %q on its record %s\n", e.Kind, e.User, e.Thread.Subject, e.Thread.Record.RecordID)
		}
	}
	if err := bob.AssignThreadOwner(ctx, th.ID, "bolt-admin"); err != nil {
		log.Fatal(err)
	}
	if _, err := bob.PostMessage(ctx, th.ID, acctmap.MessageInput{Body: "Yes, next week."}); err != nil {
		log.Fatal(err)
	}
	if _, err := bob.PostMessage(ctx, th.ID, acctmap.MessageInput{Body: "Ask for co-marketing in return", Internal: true}); err != nil {
		log.Fatal(err)
	}
	for m, err := range ann.ThreadMessages(ctx, th.ID) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %s\n", m.Org, m.Body)
	}
	for th, err := range ann.Threads(ctx, acctmap.ThreadFilter{Open: true, Partner: "bolt"}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("open with bolt: %s, bolt's owner %s\n", th.Subject, th.PartnerOwner)
	}
	// Output:
	// Stripe renewal, about Stripe (CSM Kim), owned by acme-admin
	// bolt: thread.started by acme-admin: "Stripe renewal" on its record B1
	// acme: Can Kim introduce us to their CFO?
	// bolt: Yes, next week.
	// open with bolt: Stripe renewal, bolt's owner bolt-admin
}

// When the partner stops sharing the account at a record level, the
// thread is hidden from the org that started it and shown to the partner
// as closed; it comes back when the sharing does.
func ExampleActor_Threads_accessEnded() {
	ctx := context.Background()
	ann, bob, pops := exampleNetwork()
	customers := pops["bolt/customers"].ID
	full := acctmap.SharingRule{Level: acctmap.FullPopulation, Fields: []string{"name", "id"}}
	if err := bob.SetShareRule(ctx, customers, "acme", full); err != nil {
		log.Fatal(err)
	}
	th, err := ann.StartThread(ctx, acctmap.NewThread{Partner: "bolt", PartnerPopulation: customers, PartnerRecordID: "B2", Subject: "Notion"})
	if err != nil {
		log.Fatal(err)
	}
	show := func(when string) {
		_, err := ann.Thread(ctx, th.ID)
		theirs, _ := bob.Thread(ctx, th.ID)
		fmt.Printf("%s: acme sees it: %v; bolt: %s %s\n", when, err == nil, theirs.Status, theirs.Reason)
	}
	if err := bob.SetShareRule(ctx, customers, "acme", acctmap.SharingRule{Level: acctmap.CountsOnly}); err != nil {
		log.Fatal(err)
	}
	show("counts only")
	if err := bob.SetShareRule(ctx, customers, "acme", full); err != nil {
		log.Fatal(err)
	}
	show("shared again")
	// Output:
	// counts only: acme sees it: false; bolt: closed access_ended
	// shared again: acme sees it: true; bolt: open
}
