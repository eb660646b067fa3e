package match

import (
	"strings"
	"unicode/utf8"
)

// Kind tells what a match was made on.
type Kind uint8

// Match kinds.
const (
	// RegistrationID: both accounts carry the same registration id.
	RegistrationID Kind = iota + 1
	// Domain: the accounts share a canonical domain.
	Domain
	// Name: the accounts share a company-name key, and at least one of
	// them has no domain (only with Options.NameMatching).
	Name
)

// String returns "registration_id", "domain" or "name".
func (k Kind) String() string {
	switch k {
	case RegistrationID:
		return "registration_id"
	case Domain:
		return "domain"
	case Name:
		return "name"
	}
	return "none"
}

// Confidence levels of a match, highest first.
const (
	// ConfRegistrationID: the registration ids agree.
	ConfRegistrationID = 100
	// ConfDomainAndName: a shared domain, and the names agree (equal, or
	// equal without spaces: "dr chrono" = "drchrono").
	ConfDomainAndName = 90
	// ConfDomain: a shared domain; the names are unknown on one side or
	// agree partially (a shared word of 3+ characters, or one name
	// contains the other: "crohnology by healthy labs" / "crohnology").
	ConfDomain = 70
	// ConfDomainNameMismatch: a shared domain with names that clearly
	// disagree: renamed companies, funds on their sponsor's site, agencies.
	ConfDomainNameMismatch = 50
	// ConfNameOnly: equal name keys, at least one side without a domain.
	ConfNameOnly = 30
)

// DefaultMinConfidence is the threshold used when Options.MinConfidence is
// 0: every domain and registration id match counts, name-only ones do not.
const DefaultMinConfidence = ConfDomainNameMismatch

// Options control which candidate pairs are matches.
type Options struct {
	// NameMatching lets accounts without a domain match on their name key.
	// Off by default: "Delta" is an airline and a faucet maker.
	NameMatching bool
	// MinConfidence is the lowest confidence that counts as a match; 0
	// means DefaultMinConfidence. Name-only matches need NameMatching and
	// a MinConfidence of at most ConfNameOnly.
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
func (o Options) nameMerge() bool { return o.NameMatching && o.minConf() <= ConfNameOnly }

// Name agreement levels, as nameLevel returns them.
const (
	namesDisagree = iota
	namesPartial
	namesAgree
)

// stopWord reports words of 3+ letters that say nothing about a company's
// identity, so sharing one is not a partial agreement.
func stopWord(w string) bool {
	switch w {
	case "and", "the", "for", "und", "les", "des", "der", "die", "von":
		return true
	}
	return false
}

// nameLevel compares two name keys (normalized: lower case, words separated
// by single spaces).
func nameLevel(a, b string) int {
	if a == b {
		return namesAgree
	}
	ca, cb := compact(a), compact(b)
	if ca == cb {
		return namesAgree
	}
	// German names are written with umlauts or spelled out: the name keys
	// of "Bäckerei München" (accents stripped) and "Baeckerei Muenchen"
	// differ by an e after a, o or u. Folding that spelling on both sides
	// makes them agree; on these candidate pairs only (they share a domain
	// or an id already), so "Michael" agreeing with "Michal" costs
	// nothing.
	if fa, fb := foldUmlautSpelling(ca), foldUmlautSpelling(cb); (fa != ca || fb != cb) && fa == fb {
		return namesAgree
	}
	if len(ca) > len(cb) {
		ca, cb = cb, ca
	}
	if utf8.RuneCountInString(ca) >= 3 && strings.Contains(cb, ca) {
		return namesPartial
	}
	for wa := range strings.FieldsSeq(a) {
		if utf8.RuneCountInString(wa) < 3 || stopWord(wa) {
			continue
		}
		for wb := range strings.FieldsSeq(b) {
			if wa == wb {
				return namesPartial
			}
		}
	}
	return namesDisagree
}

// foldUmlautSpelling turns "ae", "oe" and "ue" into "a", "o" and "u".
func foldUmlautSpelling(s string) string {
	if !strings.Contains(s, "ae") && !strings.Contains(s, "oe") && !strings.Contains(s, "ue") {
		return s
	}
	return umlautSpelling.Replace(s)
}

// umlautSpelling is immutable: safe to share.
var umlautSpelling = strings.NewReplacer("ae", "a", "oe", "o", "ue", "u")

// compact removes spaces.
func compact(s string) string {
	if strings.IndexByte(s, ' ') < 0 {
		return s
	}
	return strings.ReplaceAll(s, " ", "")
}
