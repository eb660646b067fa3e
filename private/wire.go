package private

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"unicode/utf8"
)

// The framing: every message is an 8-byte header — magic 'A' 'M', the
// protocol version, the message type, the payload length as a big-endian
// uint32 — and the payload. Every type has a maximum length, checked
// before anything is allocated, so a peer cannot make the other side
// buffer more than one bounded frame.
const (
	magic0, magic1 = 'A', 'M'
	// Version is the protocol version this package speaks.
	Version   = 1
	headerLen = 8
	// pointLen is the length of an encoded ristretto255 element.
	pointLen = 32
	// framePoints bounds the points of one key frame (1 MiB of points).
	framePoints = 1 << 15
	// maxAbortMessage bounds the text of an abort.
	maxAbortMessage = 256
	sidLen          = 16
)

// msgType is a message's type byte.
type msgType byte

const (
	msgHello       msgType = 1  // initiator: nonce, time, rows, sizes
	msgAccept      msgType = 2  // responder: nonce, session id, policy, columns, sizes
	msgYKeys       msgType = 3  // responder: a batch of its blinded keys
	msgYEnd        msgType = 4  // responder: end of its keys
	msgXKeys       msgType = 5  // initiator: a batch of its blinded accounts
	msgXEnd        msgType = 6  // initiator: end of its accounts
	msgBloomHeader msgType = 7  // initiator: the filter's parameters
	msgBloomChunk  msgType = 8  // initiator: a part of the filter's words
	msgMatches     msgType = 9  // responder: phase 2, a part of one column's bitmap
	msgResult      msgType = 10 // responder: the released matrix
	msgAbort       msgType = 15 // either: the sender gives up, with a reason
)

// msgTypes lists the message types.
func msgTypes() []msgType {
	return []msgType{msgHello, msgAccept, msgYKeys, msgYEnd, msgXKeys, msgXEnd, msgBloomHeader, msgBloomChunk, msgMatches, msgResult, msgAbort}
}

func (t msgType) String() string {
	switch t {
	case msgHello:
		return "hello"
	case msgAccept:
		return "accept"
	case msgYKeys:
		return "responder keys"
	case msgYEnd:
		return "end of responder keys"
	case msgXKeys:
		return "initiator keys"
	case msgXEnd:
		return "end of initiator keys"
	case msgBloomHeader:
		return "filter header"
	case msgBloomChunk:
		return "filter chunk"
	case msgMatches:
		return "matches"
	case msgResult:
		return "result"
	case msgAbort:
		return "abort"
	}
	return fmt.Sprintf("type %d", byte(t))
}

// maxPayload is the longest payload a message type may have.
func maxPayload(t msgType) int {
	switch t {
	case msgHello, msgAccept:
		return 64 << 10
	case msgYKeys, msgXKeys:
		return framePoints*pointLen + 4<<10
	case msgBloomChunk, msgMatches:
		return 1<<20 + 64
	case msgResult:
		return 128 << 10
	case msgYEnd, msgXEnd, msgBloomHeader:
		return 64
	case msgAbort:
		return maxAbortMessage + 16
	}
	return -1
}

// Traffic is a byte count split by phase: session start (hello, accept),
// blinded keys (both key streams), the Bloom filter, and the result
// (matches and matrix).
type Traffic struct {
	Start, Keys, Bloom, Result int64
}

// Total is the sum of the phases.
func (t Traffic) Total() int64 { return t.Start + t.Keys + t.Bloom + t.Result }

func (t *Traffic) add(m msgType, n int64) {
	switch m {
	case msgHello, msgAccept, msgAbort:
		t.Start += n
	case msgYKeys, msgYEnd, msgXKeys, msgXEnd:
		t.Keys += n
	case msgBloomHeader, msgBloomChunk:
		t.Bloom += n
	default:
		t.Result += n
	}
}

// frameReader reads frames from a stream.
type frameReader struct {
	r      io.Reader
	frames int
	bytes  Traffic
	hdr    [headerLen]byte
}

// next reads one frame. An abort from the peer comes back as a
// *PeerError. The payload is freshly allocated: the caller may keep it.
func (f *frameReader) next() (msgType, []byte, error) {
	f.frames++
	if _, err := io.ReadFull(f.r, f.hdr[:]); err != nil {
		return 0, nil, f.readErr(err, "header")
	}
	if f.hdr[0] != magic0 || f.hdr[1] != magic1 {
		return 0, nil, fmt.Errorf("private: frame %d: bad magic %q: %w", f.frames, f.hdr[:2], ErrVersion)
	}
	if f.hdr[2] != Version {
		return 0, nil, fmt.Errorf("private: frame %d: protocol version %d, this side speaks %d: %w", f.frames, f.hdr[2], Version, ErrVersion)
	}
	t := msgType(f.hdr[3])
	n := binary.BigEndian.Uint32(f.hdr[4:])
	limit := maxPayload(t)
	if limit < 0 {
		return 0, nil, fmt.Errorf("private: frame %d: unknown message type %d: %w", f.frames, f.hdr[3], ErrUnexpected)
	}
	if int64(n) > int64(limit) {
		return 0, nil, fmt.Errorf("private: frame %d (%s): %d bytes, at most %d allowed: %w", f.frames, t, n, limit, ErrTooLarge)
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(f.r, p); err != nil {
		return 0, nil, f.readErr(err, t.String())
	}
	f.bytes.add(t, int64(headerLen)+int64(n))
	if t == msgAbort {
		return 0, nil, decodeAbort(p)
	}
	return t, p, nil
}

func (f *frameReader) readErr(err error, what string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("private: frame %d (%s): stream ended: %w", f.frames, what, ErrTruncated)
	}
	return fmt.Errorf("private: frame %d (%s): %w", f.frames, what, err)
}

// expect reads the next frame and checks its type.
func (f *frameReader) expect(want ...msgType) (msgType, []byte, error) {
	t, p, err := f.next()
	if err != nil {
		return 0, nil, err
	}
	for _, w := range want {
		if t == w {
			return t, p, nil
		}
	}
	return 0, nil, fmt.Errorf("private: frame %d: got %s, want %s: %w", f.frames, t, want[0], ErrUnexpected)
}

// frameWriter writes whole frames; safe for concurrent use.
type frameWriter struct {
	mu    sync.Mutex
	w     io.Writer
	flush func() error // after each frame, when the transport buffers
	bytes Traffic
	buf   []byte
}

func (f *frameWriter) write(t msgType, payload []byte) error {
	if len(payload) > maxPayload(t) {
		// A bug of this package, not of the peer.
		return fmt.Errorf("private: writing %s: %d bytes, at most %d: %w", t, len(payload), maxPayload(t), ErrTooLarge)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.buf = append(f.buf[:0], magic0, magic1, Version, byte(t), 0, 0, 0, 0)
	binary.BigEndian.PutUint32(f.buf[4:], uint32(len(payload)))
	f.buf = append(f.buf, payload...)
	if _, err := f.w.Write(f.buf); err != nil {
		return fmt.Errorf("private: writing %s: %w", t, err)
	}
	f.bytes.add(t, int64(len(f.buf)))
	if f.flush != nil {
		if err := f.flush(); err != nil {
			return fmt.Errorf("private: writing %s: %w", t, err)
		}
	}
	return nil
}

// traffic returns the bytes written so far.
func (f *frameWriter) traffic() Traffic {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.bytes
}

// abort tells the peer why this side stops; errors are ignored (the
// connection may be what failed).
func (f *frameWriter) abort(err error) {
	msg := err.Error()
	if len(msg) > maxAbortMessage {
		msg = msg[:maxAbortMessage]
		for !utf8.ValidString(msg) {
			msg = msg[:len(msg)-1]
		}
	}
	p := binary.AppendUvarint(nil, codeOf(err))
	p = append(p, msg...)
	_ = f.write(msgAbort, p)
}

func decodeAbort(p []byte) error {
	code, n := binary.Uvarint(p)
	if n <= 0 {
		return &PeerError{Message: "(an abort that does not parse)"}
	}
	e := &PeerError{Message: string(p[n:])}
	if codes := errCodes(); code > 0 && code < uint64(len(codes)) {
		e.Reason = codes[code]
	}
	return e
}

// dec reads the fields of a payload; the first error sticks.
type dec struct {
	b    []byte
	what string
	err  error
}

func (d *dec) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("private: %s: %s: %w", d.what, fmt.Sprintf(format, args...), ErrMalformed)
	}
}

func (d *dec) bytes(n int, field string) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || len(d.b) < n {
		d.fail("%s: %d bytes left, %d needed", field, len(d.b), n)
		return nil
	}
	out := d.b[:n:n]
	d.b = d.b[n:]
	return out
}

func (d *dec) uvarint(max uint64, field string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 || n != uvarintLen(v) {
		d.fail("%s: not a minimal varint", field)
		return 0
	}
	if v > max {
		d.fail("%s: %d, at most %d", field, v, max)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) byte1(field string) byte {
	b := d.bytes(1, field)
	if b == nil {
		return 0
	}
	return b[0]
}

func (d *dec) u64(field string) uint64 {
	b := d.bytes(8, field)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func (d *dec) str(max int, field string) string {
	n := d.uvarint(uint64(max), field+" length")
	b := d.bytes(int(n), field)
	if d.err != nil {
		return ""
	}
	if !utf8.Valid(b) {
		d.fail("%s: not UTF-8", field)
		return ""
	}
	return string(b)
}

func (d *dec) sid(want [sidLen]byte) {
	b := d.bytes(sidLen, "session id")
	if d.err == nil && [sidLen]byte(b) != want {
		d.err = fmt.Errorf("private: %s: session id %x, this session is %x: %w", d.what, b, want, ErrSession)
	}
}

// done fails unless the payload was read to its end.
func (d *dec) done() error {
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d trailing bytes", len(d.b))
	}
	return d.err
}

func uvarintLen(v uint64) int {
	n := 1
	for ; v >= 0x80; v >>= 7 {
		n++
	}
	return n
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// hello starts a session (initiator → responder).
type hello struct {
	nonce       [16]byte
	unix        int64 // the initiator's clock, seconds
	wantMatches bool
	rows        []Population // the initiator's populations (slot, name)
	accounts    uint64       // accounts it will send
	keys        uint64       // keys (points) it will send
}

func (h *hello) encode() []byte {
	b := append([]byte(nil), h.nonce[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(h.unix))
	flags := byte(0)
	if h.wantMatches {
		flags = 1
	}
	b = append(b, flags)
	b = binary.AppendUvarint(b, uint64(len(h.rows)))
	for _, p := range h.rows {
		b = append(b, byte(p.Slot))
		b = appendStr(b, p.Name)
	}
	b = binary.AppendUvarint(b, h.accounts)
	return binary.AppendUvarint(b, h.keys)
}

func decodeHello(p []byte) (hello, error) {
	d := &dec{b: p, what: "hello"}
	var h hello
	copy(h.nonce[:], d.bytes(16, "nonce"))
	h.unix = int64(d.u64("time"))
	switch f := d.byte1("flags"); f {
	case 0, 1:
		h.wantMatches = f == 1
	default:
		d.fail("flags %#x", f)
	}
	h.rows = decodePops(d, false)
	h.accounts = d.uvarint(math.MaxUint32, "accounts")
	h.keys = d.uvarint(math.MaxUint32, "keys")
	return h, d.done()
}

// decodePops reads a population list: distinct slots below MaxSlots.
func decodePops(d *dec, withReveal bool) []Population {
	n := d.uvarint(MaxSlots, "populations")
	var seen uint64
	out := make([]Population, 0, n)
	for i := uint64(0); i < n && d.err == nil; i++ {
		p := Population{Slot: int(d.byte1("slot"))}
		if withReveal {
			switch r := d.byte1("reveal"); r {
			case 0, 1:
				p.RevealMatches = r == 1
			default:
				d.fail("population %d: reveal %#x", i, r)
			}
		}
		p.Name = d.str(MaxNameLen, "population name")
		if d.err != nil {
			break
		}
		if p.Slot >= MaxSlots || seen&(1<<p.Slot) != 0 {
			d.fail("population %d: slot %d out of range or repeated", i, p.Slot)
			break
		}
		seen |= 1 << p.Slot
		out = append(out, p)
	}
	return out
}

// accept answers a hello (responder → initiator).
type accept struct {
	nonce        [16]byte
	sid          [sidLen]byte
	minCell      uint64
	fpRate       float64
	cols         []Population
	keys         uint64 // responder keys it will send
	bloomEntries uint64 // entries the initiator's filter will hold
}

func (a *accept) encode() []byte {
	b := append([]byte(nil), a.nonce[:]...)
	b = append(b, a.sid[:]...)
	b = binary.AppendUvarint(b, a.minCell)
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(a.fpRate))
	b = binary.AppendUvarint(b, uint64(len(a.cols)))
	for _, p := range a.cols {
		r := byte(0)
		if p.RevealMatches {
			r = 1
		}
		b = append(b, byte(p.Slot), r)
		b = appendStr(b, p.Name)
	}
	b = binary.AppendUvarint(b, a.keys)
	return binary.AppendUvarint(b, a.bloomEntries)
}

func decodeAccept(p []byte) (accept, error) {
	d := &dec{b: p, what: "accept"}
	var a accept
	copy(a.nonce[:], d.bytes(16, "nonce"))
	copy(a.sid[:], d.bytes(sidLen, "session id"))
	a.minCell = d.uvarint(math.MaxUint32, "minimum cell size")
	a.fpRate = math.Float64frombits(d.u64("false-positive rate"))
	if d.err == nil && !(a.fpRate >= minFPRate && a.fpRate <= maxFPRate) {
		d.fail("false-positive rate %g outside [%g, %g]", a.fpRate, minFPRate, maxFPRate)
	}
	a.cols = decodePops(d, true)
	a.keys = d.uvarint(math.MaxUint32, "keys")
	a.bloomEntries = d.uvarint(math.MaxUint32, "filter entries")
	return a, d.done()
}

// Key kinds, also the hash-to-group tag of a key.
const (
	kindDomain = 'd'
	kindReg    = 'r'
)

// yHeader heads a batch of the responder's keys: count keys of one kind
// whose accounts have population mask mask and, for domains, the
// registration-id schemes schemes.
type yHeader struct {
	mask    uint64
	kind    byte
	schemes []string
	count   int
}

func (h *yHeader) encode(sid [sidLen]byte, points []byte) []byte {
	b := make([]byte, 0, sidLen+64+len(points))
	b = append(b, sid[:]...)
	b = binary.AppendUvarint(b, h.mask)
	b = append(b, h.kind)
	b = appendSchemes(b, h.schemes)
	b = binary.AppendUvarint(b, uint64(h.count))
	return append(b, points...)
}

func appendSchemes(b []byte, schemes []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(schemes)))
	for _, s := range schemes {
		b = appendStr(b, s)
	}
	return b
}

func decodeSchemes(d *dec) []string {
	n := d.uvarint(MaxSchemes, "schemes")
	out := make([]string, 0, n)
	for i := uint64(0); i < n && d.err == nil; i++ {
		s := d.str(MaxSchemeLen, "scheme")
		if d.err == nil && (s == "" || (len(out) > 0 && out[len(out)-1] >= s)) {
			d.fail("schemes not distinct, sorted and non-empty")
		}
		out = append(out, s)
	}
	return out
}

// decodeYKeys parses a batch of responder keys; cols is the mask of the
// announced columns' slots.
func decodeYKeys(p []byte, sid [sidLen]byte, cols uint64) (yHeader, []byte, error) {
	d := &dec{b: p, what: "responder keys"}
	d.sid(sid)
	var h yHeader
	h.mask = d.uvarint(math.MaxUint64, "mask")
	if d.err == nil && (h.mask == 0 || h.mask&^cols != 0) {
		d.fail("mask %#x: empty or outside the columns %#x", h.mask, cols)
	}
	h.kind = d.byte1("kind")
	if d.err == nil && h.kind != kindDomain && h.kind != kindReg {
		d.fail("kind %#x", h.kind)
	}
	h.schemes = decodeSchemes(d)
	if d.err == nil && h.kind == kindReg && len(h.schemes) != 0 {
		d.fail("schemes on registration-id keys")
	}
	h.count = int(d.uvarint(framePoints, "count"))
	if d.err == nil && h.count == 0 {
		d.fail("no keys")
	}
	pts := d.bytes(h.count*pointLen, "points")
	return h, pts, d.done()
}

// xHeader heads a batch of the initiator's accounts: count accounts with
// population mask mask, nd domains, nr registration ids and the
// registration-id schemes schemes each.
type xHeader struct {
	mask    uint64
	nd, nr  int
	schemes []string
	count   int
}

func (h *xHeader) keys() int { return h.nd + h.nr }

func (h *xHeader) encode(sid [sidLen]byte, points []byte) []byte {
	b := make([]byte, 0, sidLen+64+len(points))
	b = append(b, sid[:]...)
	b = binary.AppendUvarint(b, h.mask)
	b = binary.AppendUvarint(b, uint64(h.nd))
	b = binary.AppendUvarint(b, uint64(h.nr))
	b = appendSchemes(b, h.schemes)
	b = binary.AppendUvarint(b, uint64(h.count))
	return append(b, points...)
}

func decodeXKeys(p []byte, sid [sidLen]byte, rows uint64, maxKeys int) (xHeader, []byte, error) {
	d := &dec{b: p, what: "initiator keys"}
	d.sid(sid)
	var h xHeader
	h.mask = d.uvarint(math.MaxUint64, "mask")
	if d.err == nil && (h.mask == 0 || h.mask&^rows != 0) {
		d.fail("mask %#x: empty or outside the rows %#x", h.mask, rows)
	}
	h.nd = int(d.uvarint(uint64(maxKeys), "domains"))
	h.nr = int(d.uvarint(uint64(maxKeys), "registration ids"))
	if d.err == nil && (h.keys() == 0 || h.keys() > maxKeys) {
		d.fail("%d keys per account, want 1..%d", h.keys(), maxKeys)
	}
	h.schemes = decodeSchemes(d)
	if d.err == nil && (len(h.schemes) > h.nr || (h.nr > 0) != (len(h.schemes) > 0)) {
		d.fail("%d schemes for %d registration ids", len(h.schemes), h.nr)
	}
	h.count = int(d.uvarint(framePoints, "count"))
	if d.err == nil && (h.count == 0 || h.count*h.keys() > framePoints) {
		d.fail("%d accounts of %d keys: none, or more than %d keys", h.count, h.keys(), framePoints)
	}
	pts := d.bytes(h.count*h.keys()*pointLen, "points")
	return h, pts, d.done()
}

// endMsg closes a key stream with its totals.
func encodeEnd(sid [sidLen]byte, a, b uint64) []byte {
	p := append([]byte(nil), sid[:]...)
	p = binary.AppendUvarint(p, a)
	return binary.AppendUvarint(p, b)
}

func decodeEnd(p []byte, what string, sid [sidLen]byte) (uint64, uint64, error) {
	d := &dec{b: p, what: what}
	d.sid(sid)
	a := d.uvarint(math.MaxUint32, "total")
	b := d.uvarint(math.MaxUint32, "total")
	return a, b, d.done()
}

// bloomHeader announces the filter: m bits, k hash functions, n entries.
type bloomHeader struct{ m, k, n uint64 }

func (h bloomHeader) encode(sid [sidLen]byte) []byte {
	p := append([]byte(nil), sid[:]...)
	p = binary.AppendUvarint(p, h.m)
	p = binary.AppendUvarint(p, h.k)
	return binary.AppendUvarint(p, h.n)
}

func decodeBloomHeader(p []byte, sid [sidLen]byte) (bloomHeader, error) {
	d := &dec{b: p, what: "filter header"}
	d.sid(sid)
	var h bloomHeader
	h.m = d.uvarint(math.MaxUint32*64, "bits")
	h.k = d.uvarint(64, "hash functions")
	h.n = d.uvarint(math.MaxUint32, "entries")
	return h, d.done()
}

// decodeWords parses a filter chunk: the session id and whole words.
func decodeWords(p []byte, sid [sidLen]byte) ([]byte, error) {
	d := &dec{b: p, what: "filter chunk"}
	d.sid(sid)
	if d.err == nil && (len(d.b) == 0 || len(d.b)%8 != 0) {
		d.fail("%d bytes, not a positive number of 8-byte words", len(d.b))
	}
	w := d.b
	d.b = nil
	return w, d.done()
}

// matchesChunk is a part of one column's bitmap over the initiator's
// accounts, in the order they were sent: bit i of the bitmap is account
// offset+i.
type matchesChunk struct {
	col    int
	offset int
	bitmap []byte
}

func (m *matchesChunk) encode(sid [sidLen]byte) []byte {
	p := append([]byte(nil), sid[:]...)
	p = binary.AppendUvarint(p, uint64(m.col))
	p = binary.AppendUvarint(p, uint64(m.offset))
	return append(p, m.bitmap...)
}

func decodeMatches(p []byte, sid [sidLen]byte) (matchesChunk, error) {
	d := &dec{b: p, what: "matches"}
	d.sid(sid)
	var m matchesChunk
	m.col = int(d.uvarint(MaxSlots, "column"))
	m.offset = int(d.uvarint(math.MaxUint32, "offset"))
	m.bitmap = d.b
	d.b = nil
	return m, d.done()
}

// result is the released matrix: for each row (the hello's order) and
// column (the accept's order), 0 for "fewer than the minimum cell size"
// or the count plus one.
type result struct {
	cells [][]uint64
}

func (r *result) encode(sid [sidLen]byte) []byte {
	p := append([]byte(nil), sid[:]...)
	for _, row := range r.cells {
		for _, c := range row {
			p = binary.AppendUvarint(p, c)
		}
	}
	return p
}

func decodeResult(p []byte, sid [sidLen]byte, rows, cols int) (result, error) {
	d := &dec{b: p, what: "result"}
	d.sid(sid)
	r := result{cells: make([][]uint64, rows)}
	for i := range r.cells {
		r.cells[i] = make([]uint64, cols)
		for j := range r.cells[i] {
			r.cells[i][j] = d.uvarint(math.MaxUint32+1, "cell")
		}
	}
	return r, d.done()
}
