package normalize

import (
	"errors"
	"testing"
)

// TestDomainPastedURLs is item 12 of issue 19: ASCII tab, LF and CR inside
// a website are removed before parsing, as the WHATWG URL standard does,
// unless the lines are separate websites.
func TestDomainPastedURLs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		err      error
		reason   string
	}{
		{in: "http://acme\t.\ncom", want: "acme.com"},
		{in: "https://www.acme.\r\ncom/about", want: "acme.com"},
		{in: "ac\tme.com", want: "acme.com"},
		{in: "ht\ttp://acme.com", want: "acme.com"},
		{in: "https://\nacme.com", want: "acme.com"},
		{in: "http://www.acmecorpor\nation.com/x", want: "acmecorporation.com"},
		{in: "https://acme.co\nm", want: "acme.com"}, // "acme.co" is valid alone, "m" is not: one broken URL
		{in: "jane@acme.\ncom", want: "acme.com"},
		{in: "WWW.ACME.COM\r\n/about", want: "acme.com"},
		{in: "acme.com\nwww.acme.com", want: "acme.com"},          // two lines, one company
		{in: "acme.com\r\nhttps://acme.com/\t", want: "acme.com"}, // same, with a trailing tab
		{in: "acme.com\nacme.de", err: ErrNoDomain, reason: "several websites on separate lines (a list belongs in an aliases column)"},
		{in: "acme.com\tbeta.io\tgamma.org", err: ErrNoDomain, reason: "several websites on separate lines (a list belongs in an aliases column)"},
		{in: "n/\ta", err: ErrNoDomain, reason: "placeholder"},
		{in: "\t\n\r", err: ErrNoDomain, reason: "empty"},
		{in: "gmail\n.com", want: "gmail.com"}, // the provider's own website
		{in: "facebook.com/\nacme", err: ErrPlatformPage, reason: "page on facebook.com"},
		{in: "acme.com acme.de", err: ErrNoDomain, reason: "invalid character ' '"}, // spaces are not removed
	}
	for _, tt := range tests {
		got, err := Domain(tt.in)
		if tt.err == nil {
			if err != nil || got != tt.want {
				t.Errorf("Domain(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			continue
		}
		var de *DomainError
		if got != "" || !errors.Is(err, tt.err) || !errors.As(err, &de) || de.Reason != tt.reason || de.Value != tt.in {
			t.Errorf("Domain(%q) = %q, %v; want %v with reason %q", tt.in, got, err, tt.err, tt.reason)
		}
	}
}

// TestDomainsListsKeepLineBreaks: Domains reads tabs and line breaks as
// separators, as before; only a single website is joined.
func TestDomainsListsKeepLineBreaks(t *testing.T) {
	t.Parallel()
	got, err := New().Domains("acme.com\nacme.de\tacme.fr")
	if err != nil || len(got) != 3 || got[0] != "acme.com" || got[1] != "acme.de" || got[2] != "acme.fr" {
		t.Errorf("Domains = %q, %v", got, err)
	}
}
