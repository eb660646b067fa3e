package match

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Names are compared as evidence about a pair of records: do they name the
// same legal entity? Name keys come normalized (package normalize: lower
// case, diacritics removed, punctuation splitting words, a leading "the"
// and trailing legal forms removed). Comparing them goes through their
// entity tokens:
//
//   - runs of single letters are one word: "r r donnelley" = "rr donnelley";
//   - a listing tail is cut: the words from the first share-class or
//     security word on ("class b", "series a", "common stock", "depositary
//     shares", "preferred", "warrants"… but not "stock" or "shares", which
//     fund names hold: "Total Stock Market"), with the numbers of a coupon just
//     before it, "5 75 series a"), unless that word starts the name
//     ("Preferred Bank");
//   - words that say what kind of organization it is, not which one, are
//     dropped: "group", "holdings", "company", "corporation", "inc", "and"…
//     ("Acme Group" = "Acme Holdings" = "Acme"), never down to nothing.
//
// What remains is the entity key. Two names agree when their entity keys
// are equal, also without spaces ("dr chrono" = "drchrono") or with German
// umlauts spelled out ("muenchen" = "munchen").

// nameRel is how two names relate, from least to most agreement.
type nameRel uint8

const (
	// relMissing: a side has no name.
	relMissing nameRel = iota
	// relConflict: the names disagree: another company, or a rename.
	relConflict
	// relEntity: one name is the other's plus words that make it another
	// entity on the same site: a fund or trust on its sponsor's domain
	// ("acme" / "acme municipal income trust").
	relEntity
	// relPartial: the names share a distinctive word or one contains the
	// other ("crohnology" / "crohnology by healthy labs").
	relPartial
	// relAcronym: one name is the initials of the other ("ibm" /
	// "international business machines").
	relAcronym
	// relAgree: the entity keys are equal.
	relAgree
)

// String names the relation, as explanations show it.
func (r nameRel) String() string {
	switch r {
	case relConflict:
		return "conflict"
	case relEntity:
		return "another entity"
	case relPartial:
		return "agree in part"
	case relAcronym:
		return "acronym"
	case relAgree:
		return "agree"
	}
	return "missing"
}

// genericWord reports words that say what kind of organization a name is,
// not which one: dropped from entity keys.
func genericWord(w string) bool {
	switch w {
	case "group", "groups", "holding", "holdings", "company", "companies", "co", "corp", "corporation",
		"incorporated", "inc", "limited", "ltd", "llc", "plc", "and", "the", "of":
		return true
	}
	return false
}

// listingWord reports words that start a security's description after the
// company name: "class b", "common stock", "depositary shares".
func listingWord(w string) bool {
	switch w {
	case "class", "cl", "series", "ser", "common", "ordinary", "preferred", "pref", "pfd", "prf", "depositary",
		"depository", "dep", "shs", "adr", "ads", "gdr", "units", "unit", "warrant", "warrants", "wts", "rights",
		"notes", "debentures", "cumulative", "noncumulative", "redeemable", "perpetual", "subordinated",
		"conv", "convertible":
		return true
	}
	return false
}

// entityTypeWord reports words that make a name another kind of entity
// than the company whose name it extends: a fund or a trust on its
// sponsor's site.
func entityTypeWord(w string) bool {
	return slices.Contains(entityTypeWords[:], w)
}

// entityTypeWords are the words entityTypeWord accepts.
var entityTypeWords = [...]string{"fund", "funds", "trust", "etf", "etfs", "portfolio", "portfolios", "reit", "bdc", "spac"}

// EntityTypeWords returns the words that make a name a fund or a trust:
// a pair on one domain whose names differ by such a word is another entity
// (ConfDomainOtherEntity), so its confidence needs the names.
func EntityTypeWords() []string { return slices.Clone(entityTypeWords[:]) }

func isNumber(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return w != ""
}

// entityTokens returns the entity tokens of a name key (see the comment at
// the top of the file). It appends to out.
func entityTokens(key string, out []string) []string {
	start := len(out)
	// Words, runs of single letters joined.
	single := -1 // index in out of the word being built from single letters
	for w := range strings.FieldsSeq(key) {
		if len(w) == 1 && !isNumber(w) {
			if single >= 0 {
				out[single] += w
				continue
			}
			single = len(out)
			out = append(out, w)
			continue
		}
		single = -1
		out = append(out, w)
	}
	words := out[start:]
	// The listing tail, with the coupon's numbers and a "non" (as in
	// "non cumulative") before its first word.
	for i := 1; i < len(words); i++ {
		if !listingWord(words[i]) {
			continue
		}
		j := i
		for j > 1 && (isNumber(words[j-1]) || words[j-1] == "non") {
			j--
		}
		words = words[:j]
		break
	}
	// An issuer's name written twice ("wells fargo and company wells fargo
	// and company 7 50 …"), as listings often do.
	if h := len(words) / 2; len(words) >= 2 && len(words)%2 == 0 && slices.Equal(words[:h], words[h:]) {
		words = words[:h]
	}
	// Generic words, never all of them.
	kept := words[:0]
	for _, w := range words {
		if !genericWord(w) {
			kept = append(kept, w)
		}
	}
	if len(kept) == 0 && len(words) > 0 {
		return append(out[:start], words...)
	}
	return out[:start+len(kept)]
}

// hasListingTail reports whether a name key names a security of its
// issuer: a share-class or listing word after the first word ("berkshire
// hathaway class b", "bank of america depositary shares").
func hasListingTail(key string) bool {
	first := true
	for w := range strings.FieldsSeq(key) {
		if !first && listingWord(w) {
			return true
		}
		first = false
	}
	return false
}

// entityKey returns the entity tokens of a name key joined by spaces.
func entityKey(key string) string {
	var arr [8]string
	toks := entityTokens(key, arr[:0])
	if len(toks) == 1 {
		return toks[0]
	}
	return strings.Join(toks, " ")
}

// compareNames relates two name keys.
func compareNames(a, b string) nameRel {
	if a == "" || b == "" {
		return relMissing
	}
	if a == b {
		return relAgree
	}
	var arrA, arrB [8]string
	ta, tb := entityTokens(a, arrA[:0]), entityTokens(b, arrB[:0])
	ca, cb := strings.Join(ta, ""), strings.Join(tb, "")
	if ca == cb {
		return relAgree
	}
	// German names are written with umlauts or spelled out: the name keys
	// of "Bäckerei München" (accents stripped) and "Baeckerei Muenchen"
	// differ by an e after a, o or u. Folding that spelling on both sides
	// makes them agree; on candidate pairs only (they share a domain or an
	// id already), so "Michael" agreeing with "Michal" costs little.
	if fa, fb := foldUmlautSpelling(ca), foldUmlautSpelling(cb); (fa != ca || fb != cb) && fa == fb {
		return relAgree
	}
	if acronymOf(ta, tb) || acronymOf(tb, ta) {
		return relAcronym
	}
	short, long, ls, ll := ca, cb, ta, tb
	if len(short) > len(long) {
		short, long, ls, ll = long, short, tb, ta
	}
	// One name extended by words that make it a fund or a trust.
	if extendsWith(ls, ll) {
		return relEntity
	}
	if utf8.RuneCountInString(short) >= 3 && strings.Contains(long, short) {
		return relPartial
	}
	for _, wa := range ta {
		if utf8.RuneCountInString(wa) < 3 || stopWord(wa) {
			continue
		}
		for _, wb := range tb {
			if wa == wb {
				return relPartial
			}
		}
	}
	return relConflict
}

// extendsWith reports whether long is short's words followed or preceded
// by more, among them a word that makes it another kind of entity.
func extendsWith(short, long []string) bool {
	if len(short) == 0 || len(long) <= len(short) {
		return false
	}
	for off := 0; off+len(short) <= len(long); off++ {
		match := true
		for i, w := range short {
			if long[off+i] != w {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		for i, w := range long {
			if (i < off || i >= off+len(short)) && entityTypeWord(w) {
				return true
			}
		}
	}
	return false
}

// acronymOf reports whether short is one word of at least two letters that
// spells the initials of long's words (at least two, "and" and "of"
// skipped): "ibm" for "international business machines".
func acronymOf(short, long []string) bool {
	if len(short) != 1 || len(short[0]) < 2 || len(long) < 2 {
		return false
	}
	s := short[0]
	i := 0
	for _, w := range long {
		if w == "and" || w == "of" || w == "for" {
			continue
		}
		if i >= len(s) || w[0] != s[i] {
			return false
		}
		i++
	}
	return i == len(s) && i >= 2
}

// stopWord reports words of 3+ letters that say nothing about a company's
// identity, so sharing one is not a partial agreement.
func stopWord(w string) bool {
	switch w {
	case "and", "the", "for", "und", "les", "des", "der", "die", "von":
		return true
	}
	return genericWord(w) || entityTypeWord(w)
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

// bestNames relates two sets of name keys (a record's names, an account's):
// the most agreeing pair.
func bestNames(as, bs []string) nameRel {
	if len(as) == 0 || len(bs) == 0 {
		return relMissing
	}
	best := relMissing
	for _, a := range as {
		for _, b := range bs {
			if r := compareNames(a, b); r > best {
				best = r
				if r == relAgree {
					return r
				}
			}
		}
	}
	return best
}

// distinctiveName reports whether an entity key is distinctive enough to
// match on alone, across domains: at least 8 letters, and either two or
// more words or one long word, with a word that is rare in both data
// sources (rare reports it). "Delta", "Target Group" and "First National
// Bank" are not; "Salesforce" and "Delta Air Lines" are, when rare.
func distinctiveName(entity string, rare func(word string) bool) bool {
	letters, words, hasRare := 0, 0, false
	for w := range strings.FieldsSeq(entity) {
		if stopWord(w) {
			continue
		}
		words++
		letters += utf8.RuneCountInString(w)
		if !hasRare && utf8.RuneCountInString(w) >= 3 && rare(w) {
			hasRare = true
		}
	}
	if letters < 8 || !hasRare {
		return false
	}
	return words >= 2 || letters >= 8
}

// hasEntityTypeWord reports whether names (name keys joined by nameSep)
// hold a word that makes a name a fund or a trust. It looks at words of
// three to ten letters only, without allocating: it runs on every record
// an index holds.
func hasEntityTypeWord(names string) bool {
	for i := 0; i < len(names); {
		j := i
		for j < len(names) && names[j] != ' ' && names[j] != '\n' {
			j++
		}
		if l := j - i; l >= 3 && l <= 10 && entityTypeWord(names[i:j]) {
			return true
		}
		i = j + 1
	}
	return false
}

// NameRelation is how two sets of names relate, from least to most
// agreement: the relations a pair's explanation names.
type NameRelation = nameRel

// The name relations, exported for explanations.
const (
	NamesMissing  = relMissing
	NamesConflict = relConflict
	NamesEntity   = relEntity
	NamesPartial  = relPartial
	NamesAcronym  = relAcronym
	NamesAgree    = relAgree
)

// CompareNames relates two sets of name keys: the most agreeing pair.
func CompareNames(as, bs []string) NameRelation { return bestNames(as, bs) }
