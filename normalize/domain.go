package normalize

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Domain returns the registrable domain (eTLD+1 by the Public Suffix List,
// private section included) of a website or e-mail value, in lower-case
// ASCII with IDNs in punycode: "https://www.Acme.com/about" → "acme.com",
// "jane@shop.acme.co.uk" → "acme.co.uk", "münchen.de" → "xn--mnchen-3ya.de".
//
// It accepts URLs (any scheme, missing or mistyped: "//acme.com",
// "http//acme.com", "https:/acme.com", backslashes), user info and ports,
// e-mail addresses ("mailto:", "Jane <jane@acme.com>"), a root dot and
// trailing punctuation. Tenants of hosting platforms missing from the PSL
// keep their label ("acme.wordpress.com").
//
// ASCII tabs, LFs and CRs inside the value are removed before parsing, as
// the WHATWG URL standard does, so that a URL pasted from an e-mail or
// wrapped in a cell still parses ("http://acme\t.\ncom" → "acme.com"),
// except when every line is a website of its own: "acme.com\nacme.de" is a
// list in one cell and an ErrNoDomain error (Domains reads such lists), and
// lines that all give one key give it.
//
// The error is a *DomainError wrapping ErrNoDomain (empty, placeholder like
// "n/a", IP address, reserved or unknown top-level domain, public suffix,
// invalid host name), ErrGenericDomain (an e-mail address at a free-mail or
// similar provider, "jane@gmail.com"; the provider's own website,
// "yahoo.com", is its key) or
// ErrPlatformPage (a page on a platform such as "facebook.com/acme", or
// anything at a host like "apps.apple.com" or "bit.ly"; the bare platform
// domain and e-mail addresses at it, "jane@facebook.com", are the platform
// company's own and are fine).
func (n *Normalizer) Domain(raw string) (string, error) {
	if n == nil {
		n = defaultNormalizer
	}
	key, owned, reason, err := n.domain(raw)
	if err != nil {
		return "", &DomainError{Value: raw, Reason: reason, Err: err}
	}
	return ownKey(key, owned, raw), nil
}

// ownKey returns a key the caller may keep without pinning raw, which key
// may be a substring of: readers such as encoding/csv slice all fields of a
// record from one string. A key that is all of raw needs no copy.
func ownKey(key string, owned bool, raw string) string {
	if owned || len(key) == len(raw) {
		return key
	}
	return strings.Clone(key)
}

// domain does Domain's work without allocating an error. The key is either
// freshly allocated (owned) or a substring of raw.
func (n *Normalizer) domain(raw string) (key string, owned bool, reason string, err error) {
	s := trimJunk(raw)
	if s == "" {
		return "", false, "empty", ErrNoDomain
	}
	joined := false
	if hasTabOrNewline(s) {
		if k, r, ok := n.lines(s); ok {
			return k, false, r, nil
		} else if r != "" {
			return "", false, r, ErrNoDomain
		}
		s, joined = trimJunk(removeTabsAndNewlines(s)), true
	}
	key, owned, reason, err = n.parse(s)
	owned = owned || joined // key is then a substring of a string of our own
	// Placeholders ("n/a", "none", "-") are never valid domains, so they are
	// recognized only on the error path, for a clearer reason.
	if err == ErrNoDomain && isPlaceholder(s) {
		reason = "placeholder"
	}
	return key, owned, reason, err
}

// hasTabOrNewline reports whether s holds an ASCII tab, LF or CR.
func hasTabOrNewline(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= '\r' && (c == '\t' || c == '\n' || c == '\r') {
			return true
		}
	}
	return false
}

func isTabOrNewline(r rune) bool { return r == '\t' || r == '\n' || r == '\r' }

// removeTabsAndNewlines removes every ASCII tab, LF and CR from s, as the
// WHATWG URL parser does before parsing: a URL pasted from an e-mail or a
// wrapped cell ("http://acme\t.\ncom") is the URL without them.
func removeTabsAndNewlines(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '\t' && c != '\n' && c != '\r' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// lines handles a value split by tabs or line breaks whose every piece is a
// website by itself: a list typed into one cell, not a broken URL, since
// joining "acme.com\nacme.de" would give a domain nobody owns
// ("comacme.de"). Pieces that all give one key give that key (ok); pieces
// that give different keys give a reason for ErrNoDomain. Otherwise ("",
// "", false) tells the caller to join the pieces.
func (n *Normalizer) lines(s string) (key, reason string, ok bool) {
	pieces := 0
	for rest := s; rest != ""; {
		i := strings.IndexFunc(rest, isTabOrNewline)
		piece := rest
		if i >= 0 {
			piece, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		if piece = trimJunk(piece); piece == "" {
			continue
		}
		k, _, _, err := n.parse(piece)
		if err != nil {
			return "", "", false
		}
		pieces++
		switch {
		case key == "":
			key = k
		case k != key:
			reason = "several websites on separate lines (a list belongs in an aliases column)"
		}
	}
	if reason != "" || pieces < 2 {
		return "", reason, false
	}
	return key, "", true
}

// parse extracts and checks the host of a trimmed value.
func (n *Normalizer) parse(s string) (key string, owned bool, reason string, err error) {
	// Scheme, including the common typos. Loop for doubled prefixes such as
	// "https://http://acme.com".
	isURL, isEmail := false, false
	for range 3 {
		i := 0
		for i < len(s) && i <= 10 && isAlpha(s[i]) {
			i++
		}
		if i == 0 || i > 10 || i+1 >= len(s) {
			break
		}
		sch, rest := s[:i], s[i:]
		switch {
		case rest[0] == ':' && (rest[1] == '/' || rest[1] == '\\'):
			s = rest[1:] // "http://", "https:/", "htp://", "http:\\"
		case rest[0] == ':' && equalFoldASCII(sch, "mailto"):
			s, isEmail = rest[1:], true
		case rest[0] == ':' && isHTTP(sch):
			s = rest[1:] // "http:acme.com"
		case rest[0] == '/' && rest[1] == '/' && isHTTP(sch):
			s = rest // "http//acme.com"
		default:
			i = -1
		}
		if i < 0 || isEmail {
			break
		}
		isURL = true
		s = trimSlashes(s)
	}
	if !isEmail && len(s) > 0 && (s[0] == '/' || s[0] == '\\') {
		isURL = true // scheme-relative "//acme.com"
		s = trimSlashes(s)
	}

	// The authority ends at the path, query or fragment. One pass notes
	// the last '@' (user info, e-mail) and the first ':' after it (port).
	end, at, colon := len(s), -1, -1
scan:
	for i := 0; i < len(s); i++ {
		c := hostClass[s[i]]
		if c < classEnd {
			continue // most bytes: one test
		}
		switch c {
		case classEnd:
			end = i
			break scan
		case classAt:
			at, colon = i, -1
		case classColon:
			if colon < 0 {
				colon = i
			}
		}
	}
	host, rest := s[at+1:end], s[end:]
	if at >= 0 {
		isEmail = isEmail || !isURL
	}
	if host == "" {
		return "", false, "empty host", ErrNoDomain
	}
	if host[0] == '[' {
		return "", false, "IP address", ErrNoDomain // "[2001:db8::1]:443"
	}
	if colon >= 0 {
		c := colon - at - 1
		if strings.IndexByte(host[c+1:], ':') >= 0 {
			if _, perr := netip.ParseAddr(host); perr == nil {
				return "", false, "IP address", ErrNoDomain
			}
			return "", false, "invalid port or unsupported scheme", ErrNoDomain
		}
		if !allDigits(host[c+1:]) {
			return "", false, "invalid port or unsupported scheme", ErrNoDomain
		}
		host = host[:c]
	}
	if len(host) > 1 && host[len(host)-1] == '.' {
		host = host[:len(host)-1] // root dot: "acme.com.:443"
	}

	// Lower-case ASCII, IDNA for anything else. Only these allocate.
	r, upper, nonASCII, puny := scanHost(host)
	switch {
	case nonASCII:
		// idna turns invalid UTF-8 into U+FFFD without complaint.
		if !utf8.ValidString(host) {
			return "", false, "invalid UTF-8", ErrNoDomain
		}
		// Punycode encoding is quadratic in the label length; no valid
		// name is this long even in 4-byte characters.
		if len(host) > maxIDNBytes {
			return "", false, "host name longer than 253 characters", ErrNoDomain
		}
		h, ierr := idna.Lookup.ToASCII(host)
		if ierr != nil {
			return "", false, "invalid internationalized host name", ErrNoDomain
		}
		host, owned = h, true
		r = validHost(host)
	case upper:
		host, owned = strings.ToLower(host), true
	}
	if r != "" {
		return "", false, r, ErrNoDomain
	}

	dot := strings.LastIndexByte(host, '.')
	tld := host[dot+1:]
	if isReservedTLD(tld) {
		return "", false, "reserved name", ErrNoDomain
	}
	if allDigits(tld) {
		if _, perr := netip.ParseAddr(host); perr == nil {
			return "", false, "IP address", ErrNoDomain
		}
		return "", false, "numeric top-level label", ErrNoDomain
	}
	if dot < 0 {
		if _, icann := publicsuffix.PublicSuffix(host); icann {
			return "", false, "public suffix", ErrNoDomain // "com"
		}
		return "", false, "no dot: not a domain name", ErrNoDomain
	}

	ps, icann := publicsuffix.PublicSuffix(host)
	if len(ps) >= len(host) {
		return "", false, "public suffix", ErrNoDomain
	}
	if !icann && strings.IndexByte(ps, '.') < 0 {
		// No PSL rule matched at all: "acme.con", "www.acme".
		return "", false, "unknown top-level domain", ErrNoDomain
	}
	i := len(host) - len(ps) - 1
	if host[i] != '.' {
		return "", false, "invalid public suffix", ErrNoDomain // not reached with a sane PSL
	}
	start := strings.LastIndexByte(host[:i], '.') + 1
	key = host[start:]
	flags := n.lookup(key)
	if flags&flagHosting != 0 && start > 0 {
		j := strings.LastIndexByte(host[:start-1], '.') + 1
		if label := host[j : start-1]; label != "www" {
			key = host[j:]
			flags = n.lookup(key)
		}
	}
	switch key {
	case "example.com", "example.net", "example.org":
		return "", false, "reserved name", ErrNoDomain
	}
	if puny && !nonASCII && strings.Contains(key, "xn--") {
		// An ASCII-typed punycode label must be one idna produces, or the
		// same name would get two keys.
		if h, ierr := idna.Lookup.ToASCII(key); ierr != nil || h != key {
			return "", false, "invalid punycode label", ErrNoDomain
		}
	}
	// Platform hosts are rejected even in e-mail form: nobody has a mailbox
	// at bit.ly, and accepting "jane@bit.ly" would produce the key "bit.ly"
	// that Domain itself rejects. A mailbox at a platform domain
	// (jane@facebook.com) is the platform company's.
	if flags&flagPlatformHosts != 0 && n.isPlatformHost(host, len(key)) {
		return "", false, "page on " + host, ErrPlatformPage
	}
	if flags&flagPlatform != 0 && !isEmail && hasPath(rest) {
		return "", false, "page on " + key, ErrPlatformPage
	}
	// A generic domain is no company's key in an e-mail address
	// (jane@gmail.com); as a website it is its owner's (yahoo.com is
	// Yahoo's).
	if flags&flagGeneric != 0 && isEmail {
		return "", false, "listed generic domain " + key, ErrGenericDomain
	}
	return key, owned, "", nil
}

// Generic reports whether domain, a registrable domain as Domain returns
// it, is on the generic-domain list (free-mail and similar): a company's
// key in a website, never in an e-mail address.
func (n *Normalizer) Generic(domain string) bool {
	if n == nil {
		n = defaultNormalizer
	}
	return n.lookup(domain)&flagGeneric != 0
}

// maxIDNBytes bounds the UTF-8 length of a host passed to IDNA: 253
// characters of up to 4 bytes.
const maxIDNBytes = 4 * 253

// isPlatformHost reports whether host or one of its parent domains down to
// the registrable domain (of length keyLen) is a platform host.
func (n *Normalizer) isPlatformHost(host string, keyLen int) bool {
	for h := host; ; {
		if _, ok := n.platformHosts[h]; ok {
			return true
		}
		i := strings.IndexByte(h, '.')
		if i < 0 || len(h) <= keyLen {
			return false
		}
		h = h[i+1:]
	}
}

// hasPath reports whether the rest of a URL after the host names a page:
// a non-empty path, or an old "#!/acme" fragment route.
func hasPath(rest string) bool {
	i := 0
	for i < len(rest) && (rest[i] == '/' || rest[i] == '\\') {
		i++
	}
	if i < len(rest) && rest[i] != '?' && rest[i] != '#' {
		return true
	}
	if j := strings.IndexByte(rest, '#'); j >= 0 && strings.HasPrefix(rest[j+1:], "!") {
		return strings.Trim(rest[j+2:], "/") != ""
	}
	return false
}

// scanHost checks an ASCII host name in one pass: LDH labels of 1 to 63
// bytes, not starting or ending with a hyphen, 253 bytes in all; upper case
// is allowed and reported, and so is a label starting with "xn--"
// (punycode). It stops at the first non-ASCII byte, leaving validation to
// validHost after IDNA. reason is "" for a valid name.
//
// puny is meaningful only for a valid ASCII name: it is noted where each
// label starts, rather than tested at every byte.
func scanHost(h string) (reason string, upper, nonASCII, puny bool) {
	puny = punyAt(h, 0) // checked exactly later, on the registrable part only
	labelStart := 0
	for i := 0; i < len(h); i++ {
		c := hostClass[h[i]]
		if c == classLDH {
			continue // most bytes: one test
		}
		switch c {
		case classDot:
			if r := checkLabel(h, labelStart, i); r != "" {
				return r, upper, false, puny
			}
			labelStart = i + 1
			puny = puny || punyAt(h, labelStart)
		case classUpper:
			upper = true
		case classHigh:
			return "", upper, true, puny
		default:
			return "invalid character " + strconv.QuoteRune(rune(h[i])), upper, false, puny
		}
	}
	if r := checkLabel(h, labelStart, len(h)); r != "" {
		return r, upper, false, puny
	}
	if len(h) > 253 {
		return "host name longer than 253 characters", upper, false, puny
	}
	return "", upper, false, puny
}

// punyAt reports whether the label starting at h[i] looks like punycode
// ("xn--"; any "??--" is taken, and checked exactly later).
func punyAt(h string, i int) bool { return i+3 < len(h) && h[i+2] == '-' && h[i+3] == '-' }

// checkLabel checks the label h[start:end].
func checkLabel(h string, start, end int) string {
	switch l := end - start; {
	case l == 0:
		return "empty label"
	case l > 63:
		return "label longer than 63 characters"
	case h[start] == '-' || h[end-1] == '-':
		return "label starts or ends with a hyphen"
	}
	return ""
}

// Byte classes for the authority scan and scanHost: a table lookup per
// byte instead of a chain of comparisons, since these loops run over every
// value.
const (
	classInvalid = iota
	classLDH     // a-z, 0-9, '-'
	classUpper   // A-Z
	classDot
	classHigh  // a byte of a multi-byte UTF-8 sequence
	classEnd   // '/', '\\', '?', '#': the authority ends
	classAt    // '@': user info or e-mail address before it
	classColon // ':': a port after it
)

var hostClass = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = classLDH, classUpper
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = classLDH
	}
	t['-'], t['.'] = classLDH, classDot
	for c := utf8.RuneSelf; c < 256; c++ {
		t[c] = classHigh
	}
	t['/'], t['\\'], t['?'], t['#'] = classEnd, classEnd, classEnd, classEnd
	t['@'], t[':'] = classAt, classColon
	return t
}()

// isHTTP reports whether a scheme name is "http" or "https", any case.
func isHTTP(s string) bool {
	return equalFoldASCII(s, "http") || equalFoldASCII(s, "https")
}

// validHost checks a lower-case ASCII host name as scanHost does and
// returns the reason it is invalid, or "".
func validHost(h string) string {
	r, upper, nonASCII, _ := scanHost(h)
	switch {
	case r != "":
		return r
	case upper || nonASCII:
		return "not a lower-case ASCII host name"
	}
	return ""
}

// isReservedTLD reports special-use names (RFC 2606, RFC 6761, RFC 6762,
// ICANN's .internal) that never belong to a company.
func isReservedTLD(tld string) bool {
	switch tld {
	case "localhost", "test", "invalid", "example", "local", "internal", "arpa", "onion", "lan", "home", "localdomain":
		return true
	}
	return false
}

// isPlaceholder reports the values people type to say "no website".
func isPlaceholder(s string) bool {
	if len(s) > 16 {
		return false
	}
	var buf [16]byte
	b := buf[:len(s)]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	switch string(b) {
	case "-", "--", "---", "_", "?", "??", "???", "0", "x", "xx", "xxx", "#",
		"n/a", "n.a", "na", "#n/a", "none", "no", "null", "nil", "undefined",
		"unknown", "tbd", "tba", "missing", "empty", "blank", "pending",
		"not available", "not applicable", "no website", "no site",
		"stealth", "stealth mode", "coming soon", "private", "confidential":
		return true
	}
	return false
}

// trimJunk removes what surrounds a value in a spreadsheet cell: spaces
// (including Unicode ones and BOMs), quotes, brackets, an e-mail display
// name, and trailing punctuation such as "acme.com," or a root dot.
func trimJunk(s string) string {
	for len(s) > 0 {
		c := s[0]
		if c <= ' ' || c == '"' || c == '\'' || c == '`' || c == '<' || c == '(' {
			s = s[1:]
			continue
		}
		if c >= utf8.RuneSelf {
			if r, size := utf8.DecodeRuneInString(s); isSpaceRune(r) {
				s = s[size:]
				continue
			}
		}
		break
	}
	angle := false
	for len(s) > 0 {
		c := s[len(s)-1]
		switch c {
		case '"', '\'', '`', ')', ',', ';', ':', '.', '!':
			s = s[:len(s)-1]
			continue
		case '>':
			s, angle = s[:len(s)-1], true
			continue
		}
		if c <= ' ' {
			s = s[:len(s)-1]
			continue
		}
		if c >= utf8.RuneSelf {
			if r, size := utf8.DecodeLastRuneInString(s); isSpaceRune(r) {
				s = s[:len(s)-size]
				continue
			}
		}
		break
	}
	if angle {
		// "Jane Doe <jane@acme.com>" keeps only the address. What follows
		// the last '<' has none, so this recurses once at most.
		if i := strings.LastIndexByte(s, '<'); i >= 0 {
			return trimJunk(s[i+1:])
		}
	}
	return s
}

// isSpaceRune reports Unicode white space and the invisible characters that
// spreadsheets leave around values (BOM, zero-width space).
func isSpaceRune(r rune) bool {
	return unicode.IsSpace(r) || r == '\uFEFF' || r == '\u200B'
}

// trimSlashes removes leading slashes and backslashes.
func trimSlashes(s string) string {
	for len(s) > 0 && (s[0] == '/' || s[0] == '\\') {
		s = s[1:]
	}
	return s
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// allDigits reports whether s consists of ASCII digits only ("" included:
// an empty port as in "acme.com:" is harmless).
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// equalFoldASCII compares s with a lower-case ASCII word, ignoring case.
func equalFoldASCII(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// trimSpaceASCII trims ASCII white space; list entries need no more.
func trimSpaceASCII(s string) string {
	for len(s) > 0 && s[0] <= ' ' {
		s = s[1:]
	}
	for len(s) > 0 && s[len(s)-1] <= ' ' {
		s = s[:len(s)-1]
	}
	return s
}

// Domains normalizes a list of domains in one cell, such as
// "acme.com; acme.de, https://acme.fr": entries are separated by ';', ',',
// '|' or white space. It returns the distinct keys in input order, skipping
// entries Domain rejects; it fails only if no entry is usable, with an
// error wrapping the first entry's error (or a *DomainError for an empty
// list).
func (n *Normalizer) Domains(raw string) ([]string, error) {
	if n == nil {
		n = defaultNormalizer
	}
	var (
		out   []string
		seen  map[string]struct{} // only for long lists; linear search is faster below
		first error
	)
	for rest := raw; ; {
		i := 0
		for i < len(rest) {
			size := listSep(rest[i:])
			if size == 0 {
				break
			}
			i += size
		}
		rest = rest[i:]
		if rest == "" {
			break
		}
		j := 0
		for j < len(rest) && listSep(rest[j:]) == 0 {
			if rest[j] < utf8.RuneSelf {
				j++
			} else {
				_, size := utf8.DecodeRuneInString(rest[j:])
				j += size
			}
		}
		item := rest[:j]
		rest = rest[j:]
		key, owned, reason, err := n.domain(item)
		if err != nil {
			if first == nil {
				first = &DomainError{Value: item, Reason: reason, Err: err}
			}
			continue
		}
		if containsKey(out, seen, key) {
			continue
		}
		out = append(out, ownKey(key, owned, raw))
		if seen != nil {
			seen[key] = struct{}{}
		} else if len(out) == 16 {
			seen = make(map[string]struct{}, 32)
			for _, k := range out {
				seen[k] = struct{}{}
			}
		}
	}
	if len(out) == 0 {
		if first == nil {
			return nil, &DomainError{Value: raw, Reason: "empty list", Err: ErrNoDomain}
		}
		return nil, fmt.Errorf("normalize: no usable domain in %s: %w", quoteTrunc(raw), first)
	}
	return out, nil
}

// containsKey reports whether key is in out (or seen, once lists get long).
func containsKey(out []string, seen map[string]struct{}, key string) bool {
	if seen != nil {
		_, ok := seen[key]
		return ok
	}
	for _, k := range out {
		if k == key {
			return true
		}
	}
	return false
}

// listSep returns the byte length of the list separator at the start of s,
// or 0: ASCII ';' ',' '|' and white space, Unicode white space, and the
// full-width and ideographic commas and semicolon.
func listSep(s string) int {
	c := s[0]
	if c < utf8.RuneSelf {
		if c == ';' || c == ',' || c == '|' || c <= ' ' {
			return 1
		}
		return 0
	}
	r, size := utf8.DecodeRuneInString(s)
	if isSpaceRune(r) || r == '，' || r == '、' || r == '；' || r == '｜' {
		return size
	}
	return 0
}
