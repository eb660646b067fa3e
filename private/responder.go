package private

import (
	"bytes"
	"cmp"
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bits-and-blooms/bloom/v3"
	"golang.org/x/sync/errgroup"
)

// ResponderConfig is the responder's side: its data and its count policy.
type ResponderConfig struct {
	// Side is the responder's data; its populations are the matrix's
	// columns, in slot order.
	Side Side
	// MinCellSize is the owner's minimum cell size k: a count below k (0
	// included) is released to the initiator only as "fewer than k". The
	// responder computes the counts, so the initiator cannot bypass it;
	// see the package documentation for what it does and does not stop.
	// 0 or 1: every count is released.
	MinCellSize int64
	// FalsePositiveRate is the Bloom filter's rate per test (default
	// DefaultFalsePositiveRate), in [1e-12, 0.5].
	FalsePositiveRate float64
	// MaxClockSkew is how far a hello's time may be from the responder's
	// clock (default DefaultMaxClockSkew). Nonces are remembered for
	// twice as long, so a replayed hello is refused either way.
	MaxClockSkew time.Duration
	// MaxSessions bounds the sessions running at once (default 2).
	MaxSessions int
	// MaxSessionTime bounds one session (default 1 h), so that a peer
	// that stops sending cannot hold a session slot forever.
	MaxSessionTime time.Duration
	Limits         Limits
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// OnSession, when set, is called after every session served over
	// HTTP with what the responder learned, or the error.
	OnSession func(*Result, error)
	// UplinkTimeout bounds the wait, over HTTP, between the start of a
	// session and its uplink request (default 30 s).
	UplinkTimeout time.Duration
}

// Responder answers sessions for one data source. It is safe for
// concurrent use; it implements http.Handler (see ServeHTTP).
type Responder struct {
	cfg     ResponderConfig
	lim     Limits
	p       *prepared
	groups  []yGroup
	keys    uint64
	entries uint64

	mu      sync.Mutex
	seen    map[[16]byte]time.Time // hello nonces, for replays
	active  int
	pending map[[sidLen]byte]*uplink // HTTP sessions waiting for their uplink
	used    map[[sidLen]byte]time.Time
}

// yGroup is the responder's keys of one kind whose accounts share a
// population mask and registration-id schemes.
type yGroup struct {
	h    yHeader // count unset
	keys []string
}

// NewResponder resolves the responder's accounts once, for every session.
func NewResponder(cfg ResponderConfig) (*Responder, error) {
	if cfg.FalsePositiveRate == 0 {
		cfg.FalsePositiveRate = DefaultFalsePositiveRate
	}
	if !(cfg.FalsePositiveRate >= minFPRate && cfg.FalsePositiveRate <= maxFPRate) {
		return nil, fmt.Errorf("private: false-positive rate %g outside [%g, %g]: %w", cfg.FalsePositiveRate, minFPRate, maxFPRate, ErrInvalidInput)
	}
	if cfg.MinCellSize < 0 {
		return nil, fmt.Errorf("private: minimum cell size %d: %w", cfg.MinCellSize, ErrInvalidInput)
	}
	if cfg.MaxClockSkew <= 0 {
		cfg.MaxClockSkew = DefaultMaxClockSkew
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = 2
	}
	if cfg.MaxSessionTime <= 0 {
		cfg.MaxSessionTime = time.Hour
	}
	if cfg.UplinkTimeout <= 0 {
		cfg.UplinkTimeout = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	r := &Responder{cfg: cfg, lim: cfg.Limits.withDefaults(), seen: map[[16]byte]time.Time{},
		pending: map[[sidLen]byte]*uplink{}, used: map[[sidLen]byte]time.Time{}}
	p, err := prepare(&cfg.Side, r.lim)
	if err != nil {
		return nil, err
	}
	r.p = p
	type gkey struct {
		mask    uint64
		kind    byte
		schemes string
	}
	idx := map[gkey]int{}
	add := func(mask uint64, kind byte, schemes []string, key string) {
		k := gkey{mask, kind, strings.Join(schemes, "\x00")}
		i, ok := idx[k]
		if !ok {
			i = len(r.groups)
			idx[k] = i
			r.groups = append(r.groups, yGroup{h: yHeader{mask: mask, kind: kind, schemes: schemes}})
		}
		r.groups[i].keys = append(r.groups[i].keys, key)
		r.keys++
		r.entries += uint64(bits.OnesCount64(mask))
		if kind == kindDomain {
			r.entries += uint64(len(schemes))
		}
	}
	for _, a := range p.accounts {
		for _, d := range a.domains {
			add(a.mask, kindDomain, a.schemes, d)
		}
		for _, reg := range a.regs {
			add(a.mask, kindReg, nil, reg)
		}
	}
	if r.keys > uint64(r.lim.MaxKeys) {
		return nil, fmt.Errorf("private: %d keys, more than %d: %w", r.keys, r.lim.MaxKeys, ErrLimit)
	}
	slices.SortFunc(r.groups, func(a, b yGroup) int {
		return cmp.Or(cmp.Compare(a.h.mask, b.h.mask), cmp.Compare(a.h.kind, b.h.kind),
			cmp.Compare(strings.Join(a.h.schemes, "\x00"), strings.Join(b.h.schemes, "\x00")))
	})
	if m, _ := bloomParams(r.entries, cfg.FalsePositiveRate); m/8 > uint64(r.lim.maxBloomBytes()) {
		return nil, fmt.Errorf("private: a filter of %d bytes for %d entries, more than %d: %w", m/8, r.entries, r.lim.maxBloomBytes(), ErrLimit)
	}
	return r, nil
}

// Serve answers one session over conn and returns what the responder
// learned: the exact matrix (never thresholded: the responder computes
// it). On failure or cancellation it tells the peer why, then unblocks
// conn as Initiate does.
func (r *Responder) Serve(ctx context.Context, conn io.ReadWriter) (*Result, error) {
	return r.serve(ctx, connChannel(conn))
}

func (r *Responder) serve(ctx context.Context, ch channel) (*Result, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, r.cfg.MaxSessionTime,
		fmt.Errorf("private: session longer than %s: %w", r.cfg.MaxSessionTime, ErrStale))
	defer cancel()
	s := newSession(ctx, ch)
	res, err := r.respond(s)
	if err = s.finish(err); err != nil {
		return nil, err
	}
	s.stats(&res.Stats)
	return res, nil
}

// admit checks a hello's time and nonce and takes a session slot; the
// returned func releases it.
func (r *Responder) admit(h hello) (func(), error) {
	now := r.cfg.Now()
	t := time.Unix(h.unix, 0)
	if d := now.Sub(t); d > r.cfg.MaxClockSkew || d < -r.cfg.MaxClockSkew {
		return nil, fmt.Errorf("private: hello: time %s is %s from the responder's clock, more than %s: %w",
			t.UTC().Format(time.RFC3339), d.Round(time.Second), r.cfg.MaxClockSkew, ErrStale)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for n, at := range r.seen {
		if now.Sub(at) > 2*r.cfg.MaxClockSkew {
			delete(r.seen, n)
		}
	}
	if _, ok := r.seen[h.nonce]; ok {
		return nil, fmt.Errorf("private: hello: nonce %x already used: %w", h.nonce, ErrReplay)
	}
	if len(r.seen) >= 1<<16 {
		return nil, fmt.Errorf("private: hello: %d sessions started within %s: %w", len(r.seen), 2*r.cfg.MaxClockSkew, ErrLimit)
	}
	if r.active >= r.cfg.MaxSessions {
		return nil, fmt.Errorf("private: hello: %d sessions running, at most %d: %w", r.active, r.cfg.MaxSessions, ErrLimit)
	}
	r.seen[h.nonce] = now
	r.active++
	return func() {
		r.mu.Lock()
		r.active--
		r.mu.Unlock()
	}, nil
}

// xRecv is one received frame of the initiator's accounts, blinded twice.
type xRecv struct {
	h      xHeader
	offset int    // index of its first account
	pts    []byte // count×keys points, the initiator's order
}

func (r *Responder) respond(s *session) (*Result, error) {
	_, payload, err := s.fr.expect(msgHello)
	if err != nil {
		return nil, err
	}
	h, err := decodeHello(payload)
	if err != nil {
		return nil, err
	}
	if h.accounts > uint64(r.lim.MaxAccounts) || h.keys > uint64(r.lim.MaxKeys) || h.keys < h.accounts {
		return nil, fmt.Errorf("private: hello: %d accounts and %d keys (limits %d, %d): %w",
			h.accounts, h.keys, r.lim.MaxAccounts, r.lim.MaxKeys, ErrLimit)
	}
	release, err := r.admit(h)
	if err != nil {
		return nil, err
	}
	defer release()
	nonce, err := randomNonce()
	if err != nil {
		return nil, err
	}
	scalar, err := newScalar(crand.Reader)
	if err != nil {
		return nil, err
	}
	rng, err := cryptoRand()
	if err != nil {
		return nil, err
	}
	sid := sessionID(h.nonce, nonce)
	acc := accept{nonce: nonce, sid: sid, minCell: uint64(r.cfg.MinCellSize), fpRate: r.cfg.FalsePositiveRate,
		cols: r.p.pops, keys: r.keys, bloomEntries: r.entries}
	if err := s.fw.write(msgAccept, acc.encode()); err != nil {
		return nil, err
	}
	if s.ch.accepted != nil {
		if err := s.ch.accepted(sid); err != nil {
			return nil, err
		}
	}
	var rowSlots uint64
	for _, p := range h.rows {
		rowSlots |= 1 << p.Slot
	}
	// This session's order of our keys: each group shuffled, cut in frames.
	type yBatch struct {
		keys   []string
		kinds  []byte
		header yHeader
	}
	var ybatches []yBatch
	for gi := range r.groups {
		g := &r.groups[gi]
		keys := slices.Clone(g.keys)
		rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		for lo := 0; lo < len(keys); lo += framePoints {
			hi := min(lo+framePoints, len(keys))
			hd := g.h
			hd.count = hi - lo
			ybatches = append(ybatches, yBatch{keys: keys[lo:hi], kinds: bytes.Repeat([]byte{g.h.kind}, hi-lo), header: hd})
		}
	}
	keysStart := time.Now()
	b := &blinder{s: scalar, sid: sid, ops: &s.ops}
	w := workers()
	var xs []xRecv
	g := new(errgroup.Group)
	g.Go(func() error {
		err := ordered(context.Background(), w, len(ybatches), func(i int) ([]byte, error) {
			yb := &ybatches[i]
			pts := b.hashBlind(make([]byte, 0, len(yb.keys)*pointLen), yb.kinds, yb.keys)
			return yb.header.encode(sid, pts), nil
		}, func(_ int, frame []byte) error {
			return s.fw.write(msgYKeys, frame)
		})
		if err == nil {
			err = s.fw.write(msgYEnd, encodeEnd(sid, r.keys, r.entries))
		}
		if err != nil {
			return s.fail(err)
		}
		return nil
	})
	g.Go(func() error {
		var err error
		if xs, err = r.receiveX(s, b, h, rowSlots, w); err != nil {
			return s.fail(err)
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	keysDone := time.Now()
	if err := checkDuplicates(xs); err != nil {
		return nil, err
	}
	filter, err := r.receiveBloom(s, sid)
	if err != nil {
		return nil, err
	}
	// Test every account of the initiator against the filter.
	var colSlots uint64
	for _, p := range r.p.pops {
		colSlots |= 1 << p.Slot
	}
	n := int(h.accounts)
	var revealCols []int
	if h.wantMatches {
		for j, p := range r.p.pops {
			if p.RevealMatches {
				revealCols = append(revealCols, j)
			}
		}
	}
	matched := make([]uint64, n) // per account, in the initiator's order: our slots it matches
	var tests int64
	var tmu sync.Mutex
	tg := new(errgroup.Group)
	tg.SetLimit(w)
	for i := range xs {
		x := &xs[i]
		tg.Go(func() error {
			t := testAccounts(filter, x, colSlots, matched[x.offset:x.offset+x.h.count])
			tmu.Lock()
			tests += t
			tmu.Unlock()
			return nil
		})
	}
	_ = tg.Wait()
	// The histogram, then the cells.
	type cell struct{ mx, my uint64 }
	hist := map[cell]int64{}
	for i := range xs {
		x := &xs[i]
		for a := 0; a < x.h.count; a++ {
			if m := matched[x.offset+a]; m != 0 {
				hist[cell{x.h.mask, m}]++
			}
		}
	}
	exact := make([][]int64, len(h.rows))
	for i := range exact {
		exact[i] = make([]int64, len(r.p.pops))
	}
	colIdx := map[int]int{}
	for j, p := range r.p.pops {
		colIdx[p.Slot] = j
	}
	rowIdx := map[int]int{}
	for i, p := range h.rows {
		rowIdx[p.Slot] = i
	}
	for c, cnt := range hist {
		for mx := c.mx; mx != 0; mx &= mx - 1 {
			i := rowIdx[bits.TrailingZeros64(mx)]
			for my := c.my; my != 0; my &= my - 1 {
				exact[i][colIdx[bits.TrailingZeros64(my)]] += cnt
			}
		}
	}
	bloomDone := time.Now()
	// Phase 2: the bitmaps of the revealing columns.
	for _, j := range revealCols {
		bit := uint64(1) << r.p.pops[j].Slot
		bm := make([]byte, (n+7)/8)
		for a, m := range matched {
			if m&bit != 0 {
				bm[a/8] |= 1 << (a % 8)
			}
		}
		const chunk = 1 << 20
		for lo := 0; lo < len(bm); lo += chunk {
			mc := matchesChunk{col: j, offset: lo * 8, bitmap: bm[lo:min(lo+chunk, len(bm))]}
			if err := s.fw.write(msgMatches, mc.encode(sid)); err != nil {
				return nil, err
			}
		}
	}
	rel := result{cells: make([][]uint64, len(h.rows))}
	for i := range rel.cells {
		rel.cells[i] = make([]uint64, len(r.p.pops))
		for j, c := range exact[i] {
			if r.cfg.MinCellSize <= 1 || c >= r.cfg.MinCellSize {
				rel.cells[i][j] = uint64(c) + 1
			}
		}
	}
	if err := s.fw.write(msgResult, rel.encode(sid)); err != nil {
		return nil, err
	}
	out := &Result{SessionID: sidString(sid)}
	out.Matrix = Matrix{Rows: h.rows, Cols: r.p.pops, Counts: exact, Suppressed: make([][]bool, len(h.rows)),
		MinCellSize: r.cfg.MinCellSize, FalsePositiveRate: r.cfg.FalsePositiveRate}
	for i := range out.Matrix.Suppressed {
		out.Matrix.Suppressed[i] = make([]bool, len(r.p.pops))
	}
	out.Stats = Stats{BloomTests: tests, MyKeys: int64(r.keys), MyAccounts: int64(len(r.p.accounts)),
		PeerAccounts: int64(h.accounts), PeerKeys: int64(h.keys), Keys: keysDone.Sub(keysStart), Bloom: bloomDone.Sub(keysDone)}
	return out, nil
}

// receiveX reads the initiator's account frames until their end and
// blinds each point again, on w goroutines.
func (r *Responder) receiveX(s *session, b *blinder, h hello, rowSlots uint64, w int) ([]xRecv, error) {
	var xs []xRecv
	var accounts, keys uint64
	g := new(errgroup.Group)
	g.SetLimit(w)
	for {
		t, payload, err := s.fr.expect(msgXKeys, msgXEnd)
		if err != nil {
			if werr := g.Wait(); werr != nil {
				return nil, werr // the cause; the read failed because of it
			}
			return nil, err
		}
		if t == msgXEnd {
			if err := g.Wait(); err != nil {
				return nil, err
			}
			a, k, err := decodeEnd(payload, "end of initiator keys", b.sid)
			if err != nil {
				return nil, err
			}
			if a != accounts || a != h.accounts || k != keys || k != h.keys {
				return nil, fmt.Errorf("private: end of initiator keys: %d accounts and %d keys announced, %d and %d at the end, %d and %d received: %w",
					h.accounts, h.keys, a, k, accounts, keys, ErrMalformed)
			}
			return xs, nil
		}
		hd, pts, err := decodeXKeys(payload, b.sid, rowSlots, r.lim.MaxKeysPerAccount)
		if err != nil {
			_ = g.Wait()
			return nil, err
		}
		x := xRecv{h: hd, offset: int(accounts), pts: make([]byte, len(pts))}
		accounts += uint64(hd.count)
		keys += uint64(hd.count * hd.keys())
		if accounts > h.accounts || keys > h.keys {
			_ = g.Wait()
			return nil, fmt.Errorf("private: initiator keys: more accounts (%d) or keys (%d) than announced (%d, %d): %w",
				accounts, keys, h.accounts, h.keys, ErrMalformed)
		}
		xs = append(xs, x)
		g.Go(func() error {
			if err := b.reblind(x.pts, pts); err != nil {
				return s.fail(fmt.Errorf("private: initiator keys: %w", err))
			}
			return nil
		})
	}
}

// checkDuplicates refuses a key that the initiator sent twice: in honest
// data every key belongs to one account, and a repeated key would count
// one of our accounts several times.
func checkDuplicates(xs []xRecv) error {
	var n int
	for _, x := range xs {
		n += len(x.pts) / pointLen
	}
	prefixes := make([]uint64, 0, n)
	for _, x := range xs {
		for i := 0; i < len(x.pts); i += pointLen {
			prefixes = append(prefixes, binary.LittleEndian.Uint64(x.pts[i:]))
		}
	}
	slices.Sort(prefixes)
	var dup map[uint64]bool
	for i := 1; i < len(prefixes); i++ {
		if prefixes[i] == prefixes[i-1] {
			if dup == nil {
				dup = map[uint64]bool{}
			}
			dup[prefixes[i]] = true
		}
	}
	if dup == nil {
		return nil
	}
	seen := map[[pointLen]byte]bool{}
	for _, x := range xs {
		for i := 0; i < len(x.pts); i += pointLen {
			if !dup[binary.LittleEndian.Uint64(x.pts[i:])] {
				continue
			}
			k := [pointLen]byte(x.pts[i : i+pointLen])
			if seen[k] {
				return fmt.Errorf("private: initiator keys: a key sent twice: %w", ErrDuplicate)
			}
			seen[k] = true
		}
	}
	return nil
}

// receiveBloom reads the filter and checks it has the parameters our own
// key count and false-positive rate call for.
func (r *Responder) receiveBloom(s *session, sid [sidLen]byte) (*bloom.BloomFilter, error) {
	_, payload, err := s.fr.expect(msgBloomHeader)
	if err != nil {
		return nil, err
	}
	bh, err := decodeBloomHeader(payload, sid)
	if err != nil {
		return nil, err
	}
	m, k := bloomParams(r.entries, r.cfg.FalsePositiveRate)
	if bh.m != m || bh.k != k || bh.n != r.entries {
		return nil, fmt.Errorf("private: filter header: %d bits, %d hash functions, %d entries; want %d, %d, %d: %w",
			bh.m, bh.k, bh.n, m, k, r.entries, ErrMalformed)
	}
	words := make([]uint64, 0, (m+63)/64)
	for uint64(len(words)) < (m+63)/64 {
		_, payload, err := s.fr.expect(msgBloomChunk)
		if err != nil {
			return nil, err
		}
		wb, err := decodeWords(payload, sid)
		if err != nil {
			return nil, err
		}
		if uint64(len(words)+len(wb)/8) > (m+63)/64 {
			return nil, fmt.Errorf("private: filter chunk: more than %d words: %w", (m+63)/64, ErrMalformed)
		}
		for i := 0; i < len(wb); i += 8 {
			words = append(words, binary.LittleEndian.Uint64(wb[i:]))
		}
	}
	return bloom.FromWithM(words, uint(m), uint(k)), nil
}

// testAccounts decides, for each account of a frame, which of our slots
// it matches, and returns the number of filter tests. An account matches
// slot j when one of its registration ids is the key of an account of
// ours in j, or one of its domains is, unless that account of ours has a
// registration-id scheme in common with it (then, in acctmap's semantics,
// the registration ids decide, and they differ: no match on the domain).
func testAccounts(f *bloom.BloomFilter, x *xRecv, colSlots uint64, out []uint64) int64 {
	var tests int64
	key := make([]byte, 0, 2+pointLen+MaxSchemeLen)
	nk := x.h.keys()
	for a := 0; a < x.h.count; a++ {
		pts := x.pts[a*nk*pointLen : (a+1)*nk*pointLen]
		var m uint64
		for r := 0; r < x.h.nr; r++ {
			pt := pts[(x.h.nd+r)*pointLen : (x.h.nd+r+1)*pointLen]
			for s := colSlots &^ m; s != 0; s &= s - 1 {
				j := bits.TrailingZeros64(s)
				key = append(append(key[:0], tagSlot, byte(j)), pt...)
				tests++
				if f.Test(key) {
					m |= 1 << j
				}
			}
		}
		for d := 0; d < x.h.nd; d++ {
			pt := pts[d*pointLen : (d+1)*pointLen]
			var cand uint64
			for s := colSlots &^ m; s != 0; s &= s - 1 {
				j := bits.TrailingZeros64(s)
				key = append(append(key[:0], tagSlot, byte(j)), pt...)
				tests++
				if f.Test(key) {
					cand |= 1 << j
				}
			}
			if cand == 0 {
				continue
			}
			vetoed := false
			for _, sc := range x.h.schemes {
				key = append(append(append(key[:0], tagScheme), pt...), sc...)
				tests++
				if f.Test(key) {
					vetoed = true
					break
				}
			}
			if !vetoed {
				m |= cand
			}
		}
		out[a] = m
	}
	return tests
}
