package match

// Kind tells what a match was made on.
type Kind uint8

// Match kinds.
const (
	// RegistrationID: both accounts carry the same registration id.
	RegistrationID Kind = iota + 1
	// Domain: the accounts share a canonical domain.
	Domain
	// Name: the accounts' names agree, without a shared domain or
	// registration id (only with Options.NameMatching).
	Name
	// Listing: a security's listing (its name ends in a share class,
	// "preferred", "depositary shares"…) and a record whose name is the
	// issuer's, without a shared key (only with Options.NameMatching). It
	// reads "name" outside the engine.
	Listing
)

// String returns "registration_id", "domain" or "name".
func (k Kind) String() string {
	switch k {
	case RegistrationID:
		return "registration_id"
	case Domain:
		return "domain"
	case Name, Listing:
		return "name"
	}
	return "none"
}

// Confidence of a pair of records (or of accounts), from the evidence
// they share, highest first. This table is the documented rule; package
// acctmap exports it.
//
//	evidence                                                 confidence
//	the same registration id (same scheme, same value)              100
//	a shared domain, names agree                                     90
//	a shared domain, one name the acronym of the other               80
//	a shared domain, a name missing or agreeing in part              70
//	names only: distinctive, equal entity keys, no shared domain     60
//	a shared domain, names that disagree (a rename)                  50
//	a shared domain, one name the other's plus "fund", "trust"…;
//	  an umbrella domain with names in part or missing               40
//	names only: equal entity keys, not distinctive                   30
//	an umbrella domain, names that disagree                          20
//
// Registration ids of the same scheme that differ veto the pair whatever
// else agrees. An umbrella domain is one that several records of a data
// source carry under names that disagree (a sponsor's funds, a parent's
// subsidiaries): there the domain is no identity by itself, and only the
// record whose name agrees matches well.
const (
	ConfRegistrationID     = 100
	ConfDomainAndName      = 90
	ConfDomainAcronym      = 80
	ConfDomain             = 70
	ConfDistinctiveName    = 60
	ConfDomainNameMismatch = 50
	ConfDomainOtherEntity  = 40
	ConfNameOnly           = 30
	ConfUmbrellaMismatch   = 20
)

// DefaultMinConfidence is the threshold used when Options.MinConfidence is
// 0: a shared domain counts unless names say it is another entity on the
// sponsor's or parent's site, a registration id counts, and names alone
// count when distinctive (with NameMatching).
const DefaultMinConfidence = ConfDomainNameMismatch

// Options control which candidate pairs are matches.
type Options struct {
	// NameMatching lets accounts match on their names alone, across
	// domains: distinctive names at ConfDistinctiveName, others at
	// ConfNameOnly. Off by default: "Delta" is an airline and a faucet
	// maker.
	NameMatching bool
	// MinConfidence is the lowest confidence that counts as a match; 0
	// means DefaultMinConfidence.
	MinConfidence int
	// Exclude, if set, reports whether the pair of records (xID from the
	// first index, yID from the second) was marked "not the same company";
	// such a pair removes the match between their accounts. It is called
	// only on candidate pairs and must be safe for concurrent calls. The
	// caller swaps the arguments when it swaps the indexes.
	Exclude func(xID, yID string) bool
}

func (o Options) minConf() int {
	if o.MinConfidence == 0 {
		return DefaultMinConfidence
	}
	return o.MinConfidence
}

// nameMerge reports whether name-only candidates can count at all.
func (o Options) nameMerge() bool { return o.NameMatching && o.minConf() <= ConfDistinctiveName }
