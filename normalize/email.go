package normalize

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
	"golang.org/x/text/unicode/norm"
)

// ErrInvalidEmail reports a value that is not a usable e-mail address.
var ErrInvalidEmail = errors.New("invalid e-mail address")

// EmailError describes why a value is not a usable e-mail address. Use
// errors.As to show Reason to users and errors.Is(err, ErrInvalidEmail) to
// branch; when the domain part was the problem, Cause is the
// *DomainError Domain gave for it, and errors.Is matches its sentinel too.
type EmailError struct {
	Value  string // the input as given
	Reason string // short human-readable reason, e.g. "no @"
	Cause  error  // the domain part's *DomainError, or nil
}

// Error names the value (truncated for huge inputs) and the reason.
func (e *EmailError) Error() string {
	return "normalize: e-mail " + quoteTrunc(e.Value) + ": " + e.Reason + " (" + ErrInvalidEmail.Error() + ")"
}

// Unwrap returns ErrInvalidEmail and, when set, the domain's error.
func (e *EmailError) Unwrap() []error {
	if e.Cause != nil {
		return []error{ErrInvalidEmail, e.Cause}
	}
	return []error{ErrInvalidEmail}
}

// Email is the normalized form of an e-mail address.
type Email struct {
	// Key is the canonical address, the person's matching key: the local
	// part lower-cased and, at providers that document them as
	// equivalent, without +tags or dots; the host lower-cased ASCII (IDNs
	// in punycode): "ann.lee@acme.com", "annlee@gmail.com".
	Key string
	// Domain is the registrable domain of the key's host, as
	// Normalizer.Domain keys it: "acme.com" for ann@mail.acme.com,
	// "gmail.com" for a Gmail address.
	Domain string
	// Generic reports that Domain is a free-mail or other generic
	// provider (the Normalizer's generic-domain list): the person has no
	// company domain.
	Generic bool
}

// CompanyDomain returns the person's company domain: Domain, or "" when it
// is generic.
func (e Email) CompanyDomain() string {
	if e.Generic {
		return ""
	}
	return e.Domain
}

// Limits of RFC 5321 §4.5.3.1: a local part of 64 octets, an address of
// 254 (the 256 of a path less its angle brackets, RFC 3696 erratum 1690).
// maxEmailInput bounds a whole cell, display name included, so that the
// work per value stays small whatever a file holds.
const (
	maxLocalLen   = 64
	maxEmailLen   = 254
	maxEmailInput = 1024
)

// ParseEmail normalizes an e-mail address under the default rules; see
// Normalizer.Email.
func ParseEmail(raw string) (Email, error) { return defaultNormalizer.Email(raw) }

// Email normalizes an e-mail address as CRM exports hold it: surrounding
// white space, a display name ("Ann Lee" <Ann@Acme.com>), a "mailto:"
// prefix with its ?subject= tail and percent-encoding, a trailing comma or
// semicolon and a root dot are removed.
//
// The host is lower-cased, IDNs are converted to ASCII, and Domain and
// Generic come from Normalizer.Domain and its generic-domain list. The
// local part is lower-cased too, although RFC 5321 lets a server tell
// Ann@ from ann@: no major provider does (Gmail, Outlook.com, Yahoo,
// iCloud and Proton document or behave case-insensitively), people type
// the same address in any case, and a key that split them would hide the
// same person from a partner far more often than it would merge two.
// Unicode local parts (RFC 6531) are put in NFC before lower-casing.
//
// Plus-tags, dots and other characters are dropped, and provider domains
// merged, only where the provider documents them as equivalent; see
// mailboxRule for the list and its sources. Everywhere else the local part
// is kept as written: ann.lee+crm@acme.com stays as is.
//
// Quoted local parts ("ann lee"@acme.com) are accepted; the quotes are
// dropped when the content needs none. Address literals (ann@[192.0.2.1]),
// comments, several addresses in one cell, addresses over the RFC 5321
// limits (64-octet local part, 254-octet address, checked on the input and
// on the key) and domains that Domain rejects (reserved names such as
// example.com, unknown top-level domains, hosts like bit.ly that nobody
// has a mailbox at) are errors: an *EmailError wrapping ErrInvalidEmail
// and, for the domain, Domain's *DomainError and its sentinel.
//
// Email is idempotent: Email(e.Key) returns e again.
func (n *Normalizer) Email(raw string) (Email, error) {
	if n == nil {
		n = defaultNormalizer
	}
	e, reason, cause := n.email(raw)
	if reason != "" {
		return Email{}, &EmailError{Value: raw, Reason: reason, Cause: cause}
	}
	return e, nil
}

func (n *Normalizer) email(raw string) (e Email, reason string, cause error) {
	if len(raw) > maxEmailInput {
		return e, "longer than 1024 bytes", nil
	}
	if !utf8.ValidString(raw) {
		return e, "invalid UTF-8", nil
	}
	s := strings.TrimRightFunc(strings.TrimFunc(raw, isEmailSpace), func(r rune) bool {
		return r == ',' || r == ';' || isEmailSpace(r)
	})
	// "Ann Lee <ann@acme.com>" keeps what is inside the last brackets.
	if strings.HasSuffix(s, ">") {
		i := strings.LastIndexByte(s, '<')
		if i < 0 {
			return e, "unbalanced angle brackets", nil
		}
		s = strings.TrimFunc(s[i+1:len(s)-1], isEmailSpace)
	} else if strings.HasPrefix(s, "<") {
		return e, "unbalanced angle brackets", nil
	}
	if len(s) >= 7 && strings.EqualFold(s[:7], "mailto:") {
		// RFC 6068: the address is percent-encoded and the header
		// fields follow a '?', which an address itself would encode.
		s = s[7:]
		if i := strings.IndexByte(s, '?'); i >= 0 {
			s = s[:i]
		}
		u, err := url.PathUnescape(s)
		if err != nil || !utf8.ValidString(u) {
			return e, "invalid percent-encoding in mailto: URI", nil
		}
		s = u
	}
	if s == "" {
		return e, "empty", nil
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return e, "no @", nil
	}
	rawLocal, host := s[:at], s[at+1:]
	if rawLocal == "" {
		return e, "empty local part", nil
	}
	if host == "" {
		return e, "empty domain", nil
	}
	if len(rawLocal) > maxLocalLen {
		return e, "local part longer than 64 bytes", nil
	}
	local, r := parseLocal(rawLocal)
	if r != "" {
		if strings.Count(s, "@") > 1 && strings.ContainsAny(s, ",; ") {
			return e, "more than one address", nil
		}
		return e, r, nil
	}
	host, r = emailHost(host)
	if r != "" {
		return e, r, nil
	}
	if len(rawLocal)+1+len(host) > maxEmailLen {
		return e, "address longer than 254 bytes", nil
	}

	// The domain as Domain keys it, and whether it is generic.
	company, err := n.Domain(host)
	generic := false
	switch {
	case err == nil:
		// A bare host is keyed as a website: a free-mail provider's
		// domain is its own key there, and generic in an address.
		generic = n.Generic(company)
	case errors.Is(err, ErrGenericDomain):
		generic = true
	default:
		var de *DomainError
		if errors.As(err, &de) {
			return e, "domain: " + de.Reason, err
		}
		return e, "invalid domain", err
	}

	local = lowerLocal(local)
	if rule, ok := mailboxRule(host); ok {
		local = rule.apply(local)
		if rule.domain != "" {
			host = rule.domain
		}
	}
	if !isDotAtom(local) {
		local = quoteLocal(local)
	}
	if len(local) > maxLocalLen {
		return e, "local part longer than 64 bytes", nil
	}
	key := local + "@" + host
	if len(key) > maxEmailLen {
		return e, "address longer than 254 bytes", nil
	}
	dom := company
	if generic {
		// Generic domains are registrable domains of valid hosts: Domain
		// checked the host before it looked the domain up.
		if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
			dom = d
		} else {
			dom = host
		}
	}
	return Email{Key: key, Domain: dom, Generic: generic}, "", nil
}

// parseLocal checks a local part, a dot-atom or a quoted string, and
// returns its content (quotes and escapes removed).
func parseLocal(s string) (string, string) {
	if s[0] != '"' {
		if !isDotAtom(s) {
			return "", localReason(s)
		}
		return s, ""
	}
	if len(s) < 2 || s[len(s)-1] != '"' {
		return "", "unbalanced quotes in local part"
	}
	var b strings.Builder
	body := s[1 : len(s)-1]
	for i := 0; i < len(body); {
		r, size := utf8.DecodeRuneInString(body[i:])
		switch {
		case r == '\\':
			if i+size >= len(body) {
				return "", "unbalanced quotes in local part"
			}
			r, size = utf8.DecodeRuneInString(body[i+1:])
			i++
		case r == '"':
			return "", "unescaped quote in local part"
		}
		if !quotedRune(r) {
			return "", "invalid character " + strconv.QuoteRune(r) + " in local part"
		}
		b.WriteRune(r)
		i += size
	}
	if b.Len() == 0 {
		return "", "empty local part"
	}
	return b.String(), ""
}

// isDotAtom reports whether s is an RFC 5322 dot-atom of atext, with the
// non-ASCII characters RFC 6531 allows: no leading, trailing or doubled
// dot.
func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c != '.' && !isAtext(c) {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !quotedRune(r) || unicode.IsSpace(r) {
			return false
		}
		i += size
	}
	return true
}

// localReason says why an unquoted local part is not a dot-atom.
func localReason(s string) string {
	switch {
	case s[0] == '.' || s[len(s)-1] == '.':
		return "local part starts or ends with a dot"
	case strings.Contains(s, ".."):
		return "two dots in a row in local part"
	}
	for _, r := range s {
		if r < utf8.RuneSelf && r != '.' && !isAtext(byte(r)) || r >= utf8.RuneSelf && (!quotedRune(r) || unicode.IsSpace(r)) {
			return "invalid character " + strconv.QuoteRune(r) + " in local part"
		}
	}
	return "invalid local part" // not reached
}

// isAtext reports the ASCII atext characters of RFC 5322 §3.2.3.
func isAtext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// quotedRune reports the characters allowed in a quoted local part once
// unescaped: printable ASCII, space, and non-ASCII characters other than
// controls and invisible formatting (RFC 6532 allows UTF-8; a zero-width
// or bidi control would make two keys look alike).
func quotedRune(r rune) bool {
	switch {
	case r == utf8.RuneError:
		return false
	case r < utf8.RuneSelf:
		return r >= 0x20 && r < 0x7f
	}
	return !unicode.Is(unicode.Cc, r) && !unicode.Is(unicode.Cf, r) &&
		!unicode.Is(unicode.Zl, r) && !unicode.Is(unicode.Zp, r)
}

// quoteLocal writes content that is no dot-atom as a quoted string.
func quoteLocal(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// lowerLocal lower-cases a local part; non-ASCII ones are put in NFC first
// and after, so that equal-looking addresses get one key.
func lowerLocal(s string) string {
	ascii, upper := true, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		upper = upper || 'A' <= c && c <= 'Z'
	}
	switch {
	case ascii && !upper:
		return s
	case ascii:
		return strings.ToLower(s)
	}
	return norm.NFC.String(strings.ToLower(norm.NFC.String(s)))
}

// emailHost checks the domain part of an address and returns it in
// lower-case ASCII.
func emailHost(h string) (string, string) {
	if h[0] == '[' {
		return "", "address literal: no domain name"
	}
	if len(h) > 1 && h[len(h)-1] == '.' {
		h = h[:len(h)-1] // root dot
	}
	ascii := true
	for i := 0; i < len(h); i++ {
		if h[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		h = strings.ToLower(h)
		if strings.Contains(h, "xn--") {
			// A typed punycode label must be one idna produces, or one
			// name would get two keys.
			if a, err := idna.Lookup.ToASCII(h); err != nil || a != h {
				return "", "invalid punycode label in domain"
			}
		}
	} else {
		if len(h) > 4*253 {
			// Punycode encoding is quadratic in the label length; no
			// valid name is this long even in 4-byte characters.
			return "", "domain longer than 253 characters"
		}
		a, err := idna.Lookup.ToASCII(h)
		if err != nil {
			return "", "invalid internationalized domain"
		}
		h = a
	}
	// Domain stops at '/', '?', ':' and the like; an address may hold
	// none of them.
	for i := 0; i < len(h); i++ {
		if c := h[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return "", "invalid character " + strconv.QuoteRune(rune(c)) + " in domain"
		}
	}
	return h, ""
}

// isEmailSpace reports the white space and invisible characters that
// spreadsheets leave around values.
func isEmailSpace(r rune) bool { return unicode.IsSpace(r) || r == '\ufeff' || r == '\u200b' }

// A mailRule says which spellings of a local part one provider documents
// as the same mailbox.
type mailRule struct {
	domain   string // the provider's canonical domain, "" to keep the host
	plusTags bool   // a "+tag" suffix is ignored
	ignore   string // characters ignored anywhere in the local part
}

// mailboxRule returns the documented equivalences of a host's mailboxes.
// Only providers whose own documentation states a rule are listed; a
// provider that merely behaves so, or that a third party says does, keeps
// its local part as written. Checked against the pages below (2025):
//
//   - gmail.com, googlemail.com: dots are ignored — "Dots don't matter in
//     Gmail addresses", https://support.google.com/mail/answer/7436150
//     (which also says that dots do matter for work and school accounts
//     at other domains, so the rule is for these two domains only);
//     "+anything" reaches the same inbox — Gmail's alias help,
//     https://support.google.com/mail/answer/12096; googlemail.com and
//     gmail.com are the same mailboxes —
//     https://support.google.com/mail/answer/10313.
//   - proton.me, protonmail.com, protonmail.ch, pm.me: "+aliases" —
//     https://proton.me/support/addresses-and-aliases; ".", "_" and "-"
//     are "treated as transparent by our service. That is, username is
//     the same as user_name and user.name" —
//     https://proton.me/support/change-username. The four domains are
//     not merged: Proton lets a user hold the same name at some and not
//     others.
//   - fastmail.com, fastmail.fm: "any email sent to
//     username+whateveryoulike@domain.tld is still sent to your
//     account" — https://www.fastmail.help/hc/en-us/articles/360060591053.
//   - icloud.com, me.com, mac.com: every @me.com and @mac.com address is
//     also the account's @icloud.com address —
//     https://support.apple.com/en-us/118230. Apple documents no
//     plus-tags, so they are kept.
//
// Not listed, for want of the provider's own page: Outlook.com, Hotmail,
// Live and MSN (Microsoft documents plus addressing for Exchange Online
// organizations, which may turn it off, not clearly for consumer
// mailboxes), Yahoo (its disposable addresses use a chosen base name, not
// the mailbox name), Yandex, Zoho, GMX, Tuta.
func mailboxRule(host string) (mailRule, bool) {
	switch host {
	case "gmail.com", "googlemail.com":
		return mailRule{domain: "gmail.com", plusTags: true, ignore: "."}, true
	case "proton.me", "protonmail.com", "protonmail.ch", "pm.me":
		return mailRule{plusTags: true, ignore: "._-"}, true
	case "fastmail.com", "fastmail.fm":
		return mailRule{plusTags: true}, true
	case "icloud.com", "me.com", "mac.com":
		return mailRule{domain: "icloud.com"}, true
	}
	return mailRule{}, false
}

// apply returns the provider's canonical spelling of a lower-cased local
// part, or the local part unchanged when the rule would leave no valid
// dot-atom ("+tag" alone, "ann.+x" cut to "ann.").
func (r mailRule) apply(local string) string {
	if !isDotAtom(local) {
		return local // a quoted local part is no mailbox name of these providers
	}
	out := local
	if r.plusTags {
		if i := strings.IndexByte(out, '+'); i > 0 {
			out = out[:i]
		}
	}
	if r.ignore != "" && strings.ContainsAny(out, r.ignore) {
		out = strings.Map(func(c rune) rune {
			if strings.ContainsRune(r.ignore, c) {
				return -1
			}
			return c
		}, out)
	}
	if !isDotAtom(out) {
		return local
	}
	return out
}
