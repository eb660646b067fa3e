// Package normalize turns the messy website, name and id columns of real
// account lists into canonical keys, so that two companies' records of the
// same account meet on the same key.
//
// Three kinds of key are produced:
//
//   - [Normalizer.Domain]: the registrable domain (eTLD+1 by the Public Suffix
//     List) of whatever people type in a website or e-mail column, with
//     free-mail domains, pages on platforms (social networks, app stores,
//     link shorteners) and non-domains rejected with a reason.
//   - [Normalizer.CompanyName]: a case-, accent- and punctuation-insensitive
//     name key with leading "the" and trailing legal forms removed.
//   - [RegistrationID]: a registry number (DUNS, VAT, SIRET, ...) with
//     formatting removed.
//
// The default generic-domain, platform and hosting lists are in lists.go,
// each with the reasoning behind it; options replace or extend them.
//
// All functions are safe for concurrent use, never panic, and are
// idempotent: normalizing a key again returns the same key.
package normalize

import (
	"errors"
	"strconv"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Sentinel errors; every error returned by this package wraps one of them.
var (
	// ErrNoDomain reports a value that identifies no company domain.
	ErrNoDomain = errors.New("no company domain")
	// ErrGenericDomain reports a domain shared by many unrelated companies
	// (free-mail and similar).
	ErrGenericDomain = errors.New("generic domain shared by unrelated companies")
	// ErrPlatformPage reports a URL of a page on a platform rather than a
	// company's own site.
	ErrPlatformPage = errors.New("page on a platform, not a company's own site")
	// ErrInvalidID reports a malformed registration id.
	ErrInvalidID = errors.New("invalid registration id")
)

// DomainError describes why a value yields no domain key. Domain and
// Domains return it (Domains wrapped); use errors.As to show Reason to users
// and errors.Is with the sentinels to branch.
type DomainError struct {
	Value  string // the input as given
	Reason string // short human-readable reason, e.g. "IP address"
	Err    error  // ErrNoDomain, ErrGenericDomain or ErrPlatformPage
}

// Error names the value (truncated for huge inputs), the reason and the
// sentinel's message.
func (e *DomainError) Error() string {
	return "normalize: " + quoteTrunc(e.Value) + ": " + e.Reason + " (" + e.Err.Error() + ")"
}

// Unwrap returns the sentinel, so errors.Is(err, ErrNoDomain) etc. work.
func (e *DomainError) Unwrap() error { return e.Err }

// maxQuoted bounds how much of a value error messages repeat, so a
// multi-megabyte garbage cell does not end up in a log line.
const maxQuoted = 80

// quoteTrunc quotes s, truncated at a rune boundary to about maxQuoted bytes.
func quoteTrunc(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}

// Flags stored per domain in Normalizer.rules. One map lookup on the
// registrable domain answers every list question for the common case.
const (
	flagGeneric       uint8 = 1 << iota // free-mail or similar: ErrGenericDomain
	flagPlatform                        // a URL with a path here is a platform page
	flagPlatformHosts                   // some host at or under it is always a platform page
	flagHosting                         // tenants get their own key: acme.wordpress.com
)

// Normalizer is a configured set of normalization rules. Build one with New;
// it is immutable afterwards and safe for concurrent use. A nil *Normalizer
// uses the default rules. The zero Normalizer has no generic, platform or
// hosting lists.
type Normalizer struct {
	rules         map[string]uint8    // registrable domain (or tenant key) → flags
	filter        [64]uint64          // bit set of ruleHash(k) for k in rules
	platformHosts map[string]struct{} // hosts that are platform pages whatever the path
	cfg           *config             // non-nil only while New applies options
}

// ruleHash indexes Normalizer.filter. Most keys are in no list; the filter
// answers that for them in a few instructions instead of a map lookup.
func ruleHash(k string) uint {
	h := uint(len(k))
	for i := 0; i < 4 && i < len(k); i++ {
		h = h*31 + uint(k[i])
	}
	return h & 4095
}

// lookup returns the flags of a key.
func (n *Normalizer) lookup(k string) uint8 {
	if h := ruleHash(k); n.filter[h>>6]&(1<<(h&63)) == 0 {
		return 0
	}
	return n.rules[k]
}

// config collects option values; New turns it into the lookup maps.
type config struct {
	generic       []string
	platforms     []string
	platformHosts []string
	hosting       []string
}

// Option configures a Normalizer in New. Options have no effect on a
// Normalizer that has already been built.
type Option func(*Normalizer)

// WithGenericDomains replaces the generic-domain list (default:
// DefaultGenericDomains) by domains. Entries are compared with the
// registrable domain, so "yahoo.co.uk" matches "mail.yahoo.co.uk"; give
// registrable domains. With no arguments, no domain is generic.
func WithGenericDomains(domains ...string) Option {
	return func(n *Normalizer) {
		if n.cfg != nil {
			n.cfg.generic = append([]string(nil), domains...)
		}
	}
}

// WithExtraGenericDomains adds domains to the generic-domain list.
func WithExtraGenericDomains(domains ...string) Option {
	return func(n *Normalizer) {
		if n.cfg != nil {
			n.cfg.generic = append(n.cfg.generic, domains...)
		}
	}
}

// WithExtraPlatforms adds registrable domains whose URLs with a path are
// pages on a platform (like "facebook.com/acme"), while the bare domain
// stays the platform company's own key.
func WithExtraPlatforms(domains ...string) Option {
	return func(n *Normalizer) {
		if n.cfg != nil {
			n.cfg.platforms = append(n.cfg.platforms, domains...)
		}
	}
}

// WithExtraPlatformHosts adds hosts that are platform pages whatever the
// path (like "apps.apple.com" or a link shortener). A host also covers its
// subdomains.
func WithExtraPlatformHosts(hosts ...string) Option {
	return func(n *Normalizer) {
		if n.cfg != nil {
			n.cfg.platformHosts = append(n.cfg.platformHosts, hosts...)
		}
	}
}

// WithExtraHostingSuffixes adds hosting platforms whose subdomains are
// separate tenants missing from the Public Suffix List, so that
// "acme.example-host.com" keys as itself rather than "example-host.com".
// Entries must be registrable domains; others are ignored.
func WithExtraHostingSuffixes(domains ...string) Option {
	return func(n *Normalizer) {
		if n.cfg != nil {
			n.cfg.hosting = append(n.cfg.hosting, domains...)
		}
	}
}

// New returns a Normalizer with the default rules, changed by opts.
// List entries are lower-cased and IDNA-converted; entries that are not
// valid host names are ignored.
func New(opts ...Option) *Normalizer {
	n := &Normalizer{cfg: &config{
		generic:       append([]string(nil), defaultGeneric...),
		platforms:     defaultPlatforms,
		platformHosts: defaultPlatformHosts,
		hosting:       defaultHosting,
	}}
	for _, o := range opts {
		if o != nil {
			o(n)
		}
	}
	c := n.cfg
	n.cfg = nil
	n.rules = make(map[string]uint8, len(c.generic)+len(c.platforms)+len(c.platformHosts)+len(c.hosting))
	n.platformHosts = make(map[string]struct{}, len(c.platformHosts))
	for _, d := range c.generic {
		if h, ok := canonHost(d); ok {
			n.rules[h] |= flagGeneric
		}
	}
	for _, d := range c.platforms {
		if h, ok := canonHost(d); ok {
			n.rules[h] |= flagPlatform
		}
	}
	for _, d := range c.platformHosts {
		h, ok := canonHost(d)
		if !ok {
			continue
		}
		n.platformHosts[h] = struct{}{}
		// Flag the registrable domain so that only hosts under it pay for
		// the label walk in Domain.
		if reg, err := publicsuffix.EffectiveTLDPlusOne(h); err == nil {
			n.rules[reg] |= flagPlatformHosts
		} else {
			n.rules[h] |= flagPlatformHosts
		}
	}
	for _, d := range c.hosting {
		if h, ok := canonHost(d); ok {
			if reg, err := publicsuffix.EffectiveTLDPlusOne(h); err == nil && reg == h {
				n.rules[h] |= flagHosting
			}
		}
	}
	for k := range n.rules {
		h := ruleHash(k)
		n.filter[h>>6] |= 1 << (h & 63)
	}
	return n
}

// canonHost lower-cases and IDNA-converts a list entry and checks that it is
// a valid host name, so entries match the keys Domain produces.
func canonHost(s string) (string, bool) {
	s = trimSpaceASCII(s)
	if len(s) > 0 && s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	h, err := idna.Lookup.ToASCII(s)
	if err != nil || validHost(h) != "" {
		return "", false
	}
	return h, true
}

// DefaultGenericDomains returns a copy of the default generic-domain list:
// free-mail providers, ISP mailboxes and disposable-mail services whose
// addresses many unrelated companies use.
func DefaultGenericDomains() []string {
	return append([]string(nil), defaultGeneric...)
}

// defaultNormalizer holds the default rules; it is never modified after init.
var defaultNormalizer = New()

// Domain returns the registrable domain of raw under the default rules; see
// Normalizer.Domain.
func Domain(raw string) (string, error) { return defaultNormalizer.Domain(raw) }

// CompanyName returns the name key of raw under the default rules; see
// Normalizer.CompanyName.
func CompanyName(raw string) string { return defaultNormalizer.CompanyName(raw) }
