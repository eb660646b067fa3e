package normalize

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxSchemeLen bounds scheme names: they are short tokens like "duns" or
// "siret", and a long one is a column mix-up rather than a scheme.
const maxSchemeLen = 32

// RegistrationID normalizes a company registration number of the given
// scheme and returns it without the scheme. The scheme is case-insensitive
// and must be a token of at most 32 ASCII letters, digits, '-' and '_'
// (surrounding white space is ignored).
//
// For "duns" the id must be exactly 9 digits once dashes, dots and white
// space are removed; leading zeros are kept, and a shorter number (typically
// a spreadsheet that dropped the leading zeros) is an error, not padded,
// since padding could invent a different company's number.
//
// Any other scheme ("vat", "siret", "lei", ...) is an opaque id: white
// space, dashes and dots are removed and ASCII letters upper-cased; other
// characters are kept as they are, except control and invisible format
// characters, which are an error.
//
// Errors wrap ErrInvalidID.
func RegistrationID(scheme, raw string) (string, error) {
	sch, ok := normScheme(scheme)
	if !ok {
		return "", idError(scheme, raw, "invalid scheme name")
	}
	id := raw
	if !isCanonicalID(raw) {
		if !utf8.ValidString(raw) {
			return "", idError(sch, raw, "invalid UTF-8")
		}
		var ok bool
		if id, ok = cleanID(raw); !ok {
			return "", idError(sch, raw, "control character")
		}
	}
	if id == "" {
		return "", idError(sch, raw, "empty")
	}
	if sch == "duns" {
		for i := 0; i < len(id); i++ {
			if id[i] < '0' || id[i] > '9' {
				return "", idError(sch, raw, "DUNS number must be digits only")
			}
		}
		if len(id) != 9 {
			return "", idError(sch, raw, fmt.Sprintf("DUNS number has %d digits, want 9 (leading zeros lost?)", len(id)))
		}
	}
	return id, nil
}

// cleanID removes formatting from a valid UTF-8 id and upper-cases its
// ASCII letters; it reports false for control and format characters.
func cleanID(raw string) (string, bool) {
	var b strings.Builder
	b.Grow(len(raw))
	for _, r := range raw {
		switch {
		case r == '.' || unicode.IsSpace(r) || unicode.Is(unicode.Pd, r) || r == '\u2212':
			// Formatting: "123-456-789", "FR 123 456 789", "12.345.678".
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return "", false
		case 'a' <= r && r <= 'z':
			b.WriteByte(byte(r) - ('a' - 'A'))
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), true
}

// isCanonicalID reports whether raw is already its own normalized form:
// printable ASCII other than the formatting characters removed ('.', '-';
// white space and controls are outside the range) and lower-case letters.
// Most ids in real exports are ("001234567"), and then need no copy and no
// Unicode class lookups per character.
func isCanonicalID(raw string) bool {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c <= ' ' || c >= 0x7f || c == '.' || c == '-' || 'a' <= c && c <= 'z' {
			return false
		}
	}
	return true
}

// normScheme lower-cases and checks a scheme name.
func normScheme(s string) (string, bool) {
	s = trimSpaceASCII(s)
	if s == "" || len(s) > maxSchemeLen {
		return "", false
	}
	lower := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
		case 'A' <= c && c <= 'Z':
			lower = false
		default:
			return "", false
		}
	}
	if !lower {
		s = strings.ToLower(s)
	}
	return s, true
}

// idError builds an error naming the scheme, the (truncated) value and why.
func idError(scheme, raw, reason string) error {
	return fmt.Errorf("normalize: %s id %s: %s: %w", quoteTrunc(scheme), quoteTrunc(raw), reason, ErrInvalidID)
}
