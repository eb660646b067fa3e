package private

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fuzzSID is the session id the fuzzed frames are decoded against.
var fuzzSID = [sidLen]byte{0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, 0xb0}

func frame(t msgType, payload []byte) []byte {
	var b bytes.Buffer
	fw := &frameWriter{w: &b}
	_ = fw.write(t, payload)
	return b.Bytes()
}

// seedFrames are valid frames of every type.
func seedFrames() [][]byte {
	h := hello{nonce: [16]byte{1}, unix: 1700000000, wantMatches: true, rows: []Population{{Slot: 0, Name: "customers"}, {Slot: 5, Name: "prospects"}}, accounts: 2, keys: 3}
	a := accept{nonce: [16]byte{2}, sid: fuzzSID, minCell: 5, fpRate: 1e-6, cols: []Population{{Slot: 1, Name: "theirs", RevealMatches: true}}, keys: 2, bloomEntries: 3}
	pt := point("seed")
	yh := yHeader{mask: 2, kind: kindDomain, schemes: []string{"duns"}, count: 1}
	xh := xHeader{mask: 1, nd: 1, nr: 1, schemes: []string{"duns"}, count: 1}
	mc := matchesChunk{col: 0, offset: 8, bitmap: []byte{0x81}}
	res := result{cells: [][]uint64{{0, 7}}}
	return [][]byte{
		frame(msgHello, h.encode()),
		frame(msgAccept, a.encode()),
		frame(msgYKeys, yh.encode(fuzzSID, pt)),
		frame(msgYEnd, encodeEnd(fuzzSID, 2, 3)),
		frame(msgXKeys, xh.encode(fuzzSID, append(pt, point("other")...))),
		frame(msgXEnd, encodeEnd(fuzzSID, 2, 3)),
		frame(msgBloomHeader, bloomHeader{128, 3, 3}.encode(fuzzSID)),
		frame(msgBloomChunk, append(fuzzSID[:], make([]byte, 16)...)),
		frame(msgMatches, mc.encode(fuzzSID)),
		frame(msgResult, res.encode(fuzzSID)),
		frame(msgAbort, []byte{5, 'n', 'o'}),
	}
}

// FuzzFrames reads frames from arbitrary bytes and decodes each with
// every decoder: errors are named, nothing panics, and what decodes
// re-encodes to the same message.
func FuzzFrames(f *testing.F) {
	seeds := seedFrames()
	for _, s := range seeds {
		f.Add(s)
	}
	f.Add(bytes.Join(seeds, nil))
	named := []error{ErrVersion, ErrTruncated, ErrTooLarge, ErrMalformed, ErrUnexpected, ErrSession, ErrPeer}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr := &frameReader{r: bytes.NewReader(data)}
		for {
			_, p, err := fr.next()
			if err != nil {
				if !slices1(named, err) {
					t.Fatalf("unnamed error: %v", err)
				}
				return
			}
			check := func(err error) {
				if err != nil && !slices1(named, err) {
					t.Fatalf("unnamed error: %v", err)
				}
			}
			if h, err := decodeHello(p); err == nil {
				h2, err := decodeHello(h.encode())
				if err != nil || !cmp.Equal(h, h2, cmp.AllowUnexported(hello{})) {
					t.Fatalf("hello does not round-trip: %v", err)
				}
			} else {
				check(err)
			}
			if a, err := decodeAccept(p); err == nil {
				a2, err := decodeAccept(a.encode())
				if err != nil || !cmp.Equal(a, a2, cmp.AllowUnexported(accept{})) {
					t.Fatalf("accept does not round-trip: %v", err)
				}
			} else {
				check(err)
			}
			if h, pts, err := decodeYKeys(p, fuzzSID, 0xff); err == nil {
				if len(pts) != h.count*pointLen || !bytes.Equal(h.encode(fuzzSID, pts), p) {
					t.Fatal("responder keys do not round-trip")
				}
			} else {
				check(err)
			}
			if h, pts, err := decodeXKeys(p, fuzzSID, 0xff, 64); err == nil {
				if len(pts) != h.count*h.keys()*pointLen || !bytes.Equal(h.encode(fuzzSID, pts), p) {
					t.Fatal("initiator keys do not round-trip")
				}
			} else {
				check(err)
			}
			_, _, err = decodeEnd(p, "end", fuzzSID)
			check(err)
			_, err = decodeBloomHeader(p, fuzzSID)
			check(err)
			_, err = decodeWords(p, fuzzSID)
			check(err)
			_, err = decodeMatches(p, fuzzSID)
			check(err)
			_, err = decodeResult(p, fuzzSID, 2, 3)
			check(err)
		}
	})
}

func slices1(named []error, err error) bool {
	for _, e := range named {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// FuzzPoints decodes and blinds arbitrary 32-byte strings: a canonical
// non-identity encoding is blinded, anything else is ErrBadPoint.
func FuzzPoints(f *testing.F) {
	f.Add(point("a"))
	f.Add(make([]byte, pointLen))
	f.Add(bytes.Repeat([]byte{0xff}, pointLen))
	f.Add(append(point("b"), 1))
	s, err := newScalar(bytes.NewReader(bytes.Repeat([]byte{7}, 64)))
	if err != nil {
		f.Fatal(err)
	}
	b := &blinder{s: s, ops: &ops{}}
	f.Fuzz(func(t *testing.T, in []byte) {
		in = in[:len(in)/pointLen*pointLen]
		out := make([]byte, len(in))
		if err := b.reblind(out, in); err != nil {
			if !errors.Is(err, ErrBadPoint) {
				t.Fatalf("unnamed error: %v", err)
			}
			return
		}
		for i := 0; i < len(out); i += pointLen {
			if isZero(out[i : i+pointLen]) {
				t.Fatal("blinded to the identity")
			}
		}
	})
}
