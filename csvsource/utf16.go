package csvsource

import (
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/transform"
)

// invalidUnit is what utf16Decoder writes for a code unit it cannot decode:
// a byte that is never valid in UTF-8, so the guard reports it at its line
// and column, while a U+FFFD that the text really holds passes (x/text's
// decoder writes U+FFFD for both, and one cannot tell them apart after).
const invalidUnit = 0xFF

// utf16Decoder decodes UTF-16 (without a byte order mark: the caller skips
// it) to UTF-8, writing invalidUnit for an unpaired surrogate or an odd
// trailing byte.
type utf16Decoder struct{ bigEndian bool }

func (utf16Decoder) Reset() {}

func (d utf16Decoder) unit(b []byte) rune {
	if d.bigEndian {
		return rune(b[0])<<8 | rune(b[1])
	}
	return rune(b[1])<<8 | rune(b[0])
}

func (d utf16Decoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc+1 < len(src) {
		r, size := d.unit(src[nSrc:]), 2
		switch {
		case r < utf8.RuneSelf:
			if nDst >= len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			dst[nDst] = byte(r)
			nDst++
			nSrc += 2
			continue
		case utf16.IsSurrogate(r) && r < 0xDC00: // a high surrogate: needs a low one
			if nSrc+4 > len(src) {
				if !atEOF {
					return nDst, nSrc, transform.ErrShortSrc
				}
				r = -1
			} else if lo := d.unit(src[nSrc+2:]); 0xDC00 <= lo && lo <= 0xDFFF {
				r, size = utf16.DecodeRune(r, lo), 4
			} else {
				r = -1
			}
		case utf16.IsSurrogate(r): // a low surrogate alone
			r = -1
		}
		if r < 0 {
			if nDst >= len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			dst[nDst] = invalidUnit
			nDst++
			nSrc += 2
			continue
		}
		if nDst+utf8.RuneLen(r) > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += utf8.EncodeRune(dst[nDst:], r)
		nSrc += size
	}
	if nSrc < len(src) { // one byte left
		if !atEOF {
			return nDst, nSrc, transform.ErrShortSrc
		}
		if nDst >= len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		dst[nDst] = invalidUnit
		nDst++
		nSrc++
	}
	return nDst, nSrc, nil
}
