package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The quickstart is the first thing a newcomer runs: it must keep working
// and keep showing a matrix and a report of shared accounts.
func TestQuickstart(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("run: %v", err)
	}
	for _, want := range []string{
		"Acme Analytics and Bolt Warehouse are partners.",
		"ours.csv: 12 rows, 12 accepted, 0 rejected",
		"Account mapping matrix (Acme × Bolt):",
		"Report: Acme Customers × Bolt Customers, 2 shared:",
		"Stripe, Inc.      Dana Reyes        Stripe        Kim Novak    stripe.com",
		"xn--bckerei-mnchen-5hb60b.de", // the same IDN domain written two ways
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// A contact's gmail address and a Facebook page identify no company.
	for _, never := range []string{"gmail.com", "facebook.com"} {
		if strings.Contains(out.String(), never) {
			t.Errorf("output mentions %q: it must never be a match key", never)
		}
	}
}
