// Package normalize turns the messy website, name and id columns of real
// account lists into canonical keys, so that two companies' records of the
// same account meet on the same key.
package normalize

import "errors"

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

// Normalizer is a configured set of normalization rules. STUB: being written.
type Normalizer struct{}

// Option configures a Normalizer.
type Option func(*Normalizer)

// New returns a Normalizer with the default rules, changed by opts.
func New(opts ...Option) *Normalizer { return &Normalizer{} }

// Domain returns the registrable domain of raw. STUB.
func (n *Normalizer) Domain(raw string) (string, error) { return raw, nil }

// Domains splits a list of domains and normalizes each. STUB.
func (n *Normalizer) Domains(raw string) ([]string, error) { return nil, nil }

// CompanyName returns the name key of raw. STUB.
func (n *Normalizer) CompanyName(raw string) string { return raw }

// RegistrationID normalizes a registration id of the given scheme. STUB.
func RegistrationID(scheme, raw string) (string, error) { return raw, nil }

var defaultNormalizer = New()

// Domain is Default rules' Domain.
func Domain(raw string) (string, error) { return defaultNormalizer.Domain(raw) }

// CompanyName is Default rules' CompanyName.
func CompanyName(raw string) string { return defaultNormalizer.CompanyName(raw) }
