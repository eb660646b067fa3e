package private

import (
	"cmp"
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bits-and-blooms/bloom/v3"
	"golang.org/x/sync/errgroup"
)

// InitiatorConfig is the initiator's side of a session.
type InitiatorConfig struct {
	// Side is the initiator's data; its populations are the matrix's rows.
	Side Side
	// WantMatches asks for the second phase: which of the initiator's
	// accounts match the responder's populations that reveal matches.
	WantMatches bool
	Limits      Limits
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Initiate runs a session as the initiator over conn, against a
// Responder serving the other end, and returns what the initiator
// learned. On failure or cancellation it tells the peer why, then unblocks
// conn: a past deadline when conn has SetDeadline (a net.Conn), else Close
// when it is an io.Closer.
func Initiate(ctx context.Context, conn io.ReadWriter, cfg InitiatorConfig) (*Result, error) {
	return initiate(ctx, connChannel(conn), cfg)
}

// xBatch is one frame of the initiator's accounts.
type xBatch struct {
	h      xHeader
	accts  []int // indexes into prepared.accounts, in sending order
	offset int   // index of its first account in the whole sending order
}

// planX groups accounts of the same shape (mask, key counts, schemes),
// shuffles each group, and cuts the groups into frames. The order of the
// groups is sorted, so the responder learns the histogram of shapes and
// nothing of the order of the initiator's data.
func planX(p *prepared, rng *rand.Rand) []xBatch {
	type gkey struct {
		mask    uint64
		nd, nr  int
		schemes string
	}
	groups := map[gkey][]int{}
	for i, a := range p.accounts {
		k := gkey{a.mask, len(a.domains), len(a.regs), strings.Join(a.schemes, "\x00")}
		groups[k] = append(groups[k], i)
	}
	keys := make([]gkey, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b gkey) int {
		return cmp.Or(cmp.Compare(a.mask, b.mask), cmp.Compare(a.nd, b.nd), cmp.Compare(a.nr, b.nr), cmp.Compare(a.schemes, b.schemes))
	})
	var out []xBatch
	offset := 0
	for _, k := range keys {
		g := groups[k]
		rng.Shuffle(len(g), func(i, j int) { g[i], g[j] = g[j], g[i] })
		per := max(1, framePoints/(k.nd+k.nr))
		for lo := 0; lo < len(g); lo += per {
			hi := min(lo+per, len(g))
			a := &p.accounts[g[lo]]
			out = append(out, xBatch{
				h:      xHeader{mask: k.mask, nd: k.nd, nr: k.nr, schemes: a.schemes, count: hi - lo},
				accts:  g[lo:hi],
				offset: offset,
			})
			offset += hi - lo
		}
	}
	return out
}

// cryptoRand returns a ChaCha8 generator seeded from crypto/rand, so that
// shuffles are unpredictable to the peer.
func cryptoRand() (*rand.Rand, error) {
	var seed [32]byte
	if _, err := io.ReadFull(crand.Reader, seed[:]); err != nil {
		return nil, fmt.Errorf("private: seeding a shuffle: %w", err)
	}
	return rand.New(rand.NewChaCha8(seed)), nil
}

// bloomParams are the filter's bits and hash functions for n entries.
func bloomParams(n uint64, fp float64) (m, k uint64) {
	mm, kk := bloom.EstimateParameters(uint(max(n, 1)), fp)
	return uint64(mm), uint64(kk)
}

// Bloom-filter keys: a tag byte, then a responder slot and a point (T),
// or a point and a scheme (V).
const (
	tagSlot   = 1
	tagScheme = 2
)

func initiate(ctx context.Context, ch channel, cfg InitiatorConfig) (*Result, error) {
	lim := cfg.Limits.withDefaults()
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	p, err := prepare(&cfg.Side, lim)
	if err != nil {
		return nil, err
	}
	rng, err := cryptoRand()
	if err != nil {
		return nil, err
	}
	batches := planX(p, rng)
	var nkeys int
	for _, a := range p.accounts {
		nkeys += len(a.domains) + len(a.regs)
	}
	if nkeys > lim.MaxKeys {
		return nil, fmt.Errorf("private: %d keys, more than %d: %w", nkeys, lim.MaxKeys, ErrLimit)
	}
	s := newSession(ctx, ch)
	res, err := s.initiate(p, batches, nkeys, cfg, lim, now)
	if err = s.finish(err); err != nil {
		return nil, err
	}
	s.stats(&res.Stats)
	return res, nil
}

func (s *session) initiate(p *prepared, batches []xBatch, nkeys int, cfg InitiatorConfig, lim Limits, now func() time.Time) (*Result, error) {
	nonce, err := randomNonce()
	if err != nil {
		return nil, err
	}
	scalar, err := newScalar(crand.Reader)
	if err != nil {
		return nil, err
	}
	h := hello{nonce: nonce, unix: now().Unix(), wantMatches: cfg.WantMatches, rows: p.pops,
		accounts: uint64(len(p.accounts)), keys: uint64(nkeys)}
	if err := s.fw.write(msgHello, h.encode()); err != nil {
		return nil, err
	}
	_, payload, err := s.fr.expect(msgAccept)
	if err != nil {
		return nil, err
	}
	acc, err := decodeAccept(payload)
	if err != nil {
		return nil, err
	}
	sid := sessionID(nonce, acc.nonce)
	if acc.sid != sid {
		return nil, fmt.Errorf("private: accept: session id %x, derived %x: %w", acc.sid, sid, ErrSession)
	}
	var colSlots uint64
	for _, c := range acc.cols {
		colSlots |= 1 << c.Slot
	}
	perKey := uint64(bits.OnesCount64(colSlots) + MaxSchemes)
	if acc.keys > uint64(lim.MaxKeys) || acc.bloomEntries > acc.keys*perKey {
		return nil, fmt.Errorf("private: accept: %d responder keys (at most %d), %d filter entries (at most %d): %w",
			acc.keys, lim.MaxKeys, acc.bloomEntries, acc.keys*perKey, ErrLimit)
	}
	m, k := bloomParams(acc.bloomEntries, acc.fpRate)
	if m/8 > uint64(lim.maxBloomBytes()) {
		return nil, fmt.Errorf("private: accept: a filter of %d bytes, more than %d: %w", m/8, lim.maxBloomBytes(), ErrLimit)
	}
	if s.ch.accepted != nil {
		if err := s.ch.accepted(sid); err != nil {
			return nil, err
		}
	}
	keysStart := time.Now()
	filter := bloom.New(uint(m), uint(k))
	b := &blinder{s: scalar, sid: sid, ops: &s.ops}
	w := workers()
	var adds int64
	g := new(errgroup.Group)
	// Send our accounts, blinded.
	g.Go(func() error {
		err := ordered(context.Background(), w, len(batches), func(i int) ([]byte, error) {
			bt := &batches[i]
			kinds := make([]byte, 0, bt.h.count*bt.h.keys())
			keys := make([]string, 0, cap(kinds))
			for _, ai := range bt.accts {
				a := &p.accounts[ai]
				for _, d := range a.domains {
					kinds, keys = append(kinds, kindDomain), append(keys, d)
				}
				for _, r := range a.regs {
					kinds, keys = append(kinds, kindReg), append(keys, r)
				}
			}
			pts := b.hashBlind(make([]byte, 0, len(keys)*pointLen), kinds, keys)
			return bt.h.encode(sid, pts), nil
		}, func(_ int, frame []byte) error {
			return s.fw.write(msgXKeys, frame)
		})
		if err == nil {
			err = s.fw.write(msgXEnd, encodeEnd(sid, uint64(len(p.accounts)), uint64(nkeys)))
		}
		if err != nil {
			return s.fail(err)
		}
		return nil
	})
	// Receive the responder's keys, blind them again, and fill the filter.
	g.Go(func() error {
		err := s.receiveY(b, acc, colSlots, filter, &adds, w)
		if err != nil {
			return s.fail(err)
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	keysDone := time.Now()
	// The filter.
	words := filter.BitSet().Words()
	if err := s.fw.write(msgBloomHeader, bloomHeader{m, k, acc.bloomEntries}.encode(sid)); err != nil {
		return nil, err
	}
	const chunkWords = 1 << 17
	for lo := 0; lo < len(words); lo += chunkWords {
		hi := min(lo+chunkWords, len(words))
		buf := make([]byte, 0, sidLen+8*(hi-lo))
		buf = append(buf, sid[:]...)
		for _, wd := range words[lo:hi] {
			buf = binary.LittleEndian.AppendUint64(buf, wd)
		}
		if err := s.fw.write(msgBloomChunk, buf); err != nil {
			return nil, err
		}
	}
	bloomDone := time.Now()
	// Matches (phase 2), then the matrix.
	n := len(p.accounts)
	reveal := map[int][]byte{} // column → bitmap over the accounts in sending order
	if cfg.WantMatches {
		for j, c := range acc.cols {
			if c.RevealMatches {
				reveal[j] = make([]byte, (n+7)/8)
			}
		}
	}
	var res result
	for {
		t, payload, err := s.fr.expect(msgMatches, msgResult)
		if err != nil {
			return nil, err
		}
		if t == msgResult {
			if res, err = decodeResult(payload, sid, len(p.pops), len(acc.cols)); err != nil {
				return nil, err
			}
			break
		}
		mc, err := decodeMatches(payload, sid)
		if err != nil {
			return nil, err
		}
		bm, ok := reveal[mc.col]
		if !ok || mc.offset%8 != 0 || mc.offset/8+len(mc.bitmap) > len(bm) {
			return nil, fmt.Errorf("private: matches: column %d at account %d, %d bytes: not a revealing column or out of range: %w",
				mc.col, mc.offset, len(mc.bitmap), ErrMalformed)
		}
		for i, v := range mc.bitmap {
			bm[mc.offset/8+i] |= v
		}
	}
	out := &Result{SessionID: sidString(sid)}
	out.Matrix = Matrix{Rows: p.pops, Cols: acc.cols, MinCellSize: int64(acc.minCell), FalsePositiveRate: acc.fpRate,
		Counts: make([][]int64, len(p.pops)), Suppressed: make([][]bool, len(p.pops)), RowTests: make([]int64, len(p.pops))}
	for i := range p.pops {
		out.Matrix.Counts[i] = make([]int64, len(acc.cols))
		out.Matrix.Suppressed[i] = make([]bool, len(acc.cols))
		for j, c := range res.cells[i] {
			if c == 0 {
				out.Matrix.Suppressed[i][j] = true
			} else {
				out.Matrix.Counts[i][j] = int64(c - 1)
			}
		}
	}
	for _, a := range p.accounts {
		t := int64(len(a.domains) + len(a.regs) + len(a.domains)*len(a.schemes))
		for i, pop := range p.pops {
			if a.mask&(1<<pop.Slot) != 0 {
				out.Matrix.RowTests[i] += t
			}
		}
	}
	if len(reveal) > 0 {
		pos := 0
		for _, bt := range batches {
			for _, ai := range bt.accts {
				var cols []int
				for j := range acc.cols {
					if bm := reveal[j]; bm != nil && bm[pos/8]&(1<<(pos%8)) != 0 {
						cols = append(cols, j)
					}
				}
				if cols != nil {
					a := &p.accounts[ai]
					ids := make([]string, len(a.records))
					for r, ri := range a.records {
						ids[r] = p.records[ri].ID
					}
					slices.Sort(ids)
					out.Matches = append(out.Matches, Match{Records: ids, Cols: cols})
				}
				pos++
			}
		}
		slices.SortFunc(out.Matches, func(a, b Match) int { return cmp.Compare(a.Records[0], b.Records[0]) })
	}
	out.Stats = Stats{BloomAdds: adds, MyAccounts: int64(n), MyKeys: int64(nkeys),
		PeerKeys: int64(acc.keys), Keys: keysDone.Sub(keysStart), Bloom: bloomDone.Sub(keysDone)}
	return out, nil
}

// receiveY reads the responder's key frames until their end, blinds each
// point again on w goroutines and adds the filter's entries.
func (s *session) receiveY(b *blinder, acc accept, colSlots uint64, filter *bloom.BloomFilter, adds *int64, w int) error {
	var mu sync.Mutex
	var points, entries uint64
	g := new(errgroup.Group)
	g.SetLimit(w)
	for {
		t, payload, err := s.fr.expect(msgYKeys, msgYEnd)
		if err != nil {
			if werr := g.Wait(); werr != nil {
				return werr // the cause; the read failed because of it
			}
			return err
		}
		if t == msgYEnd {
			if err := g.Wait(); err != nil {
				return err
			}
			a, e, err := decodeEnd(payload, "end of responder keys", b.sid)
			if err != nil {
				return err
			}
			if a != points || a != acc.keys || e != entries || e != acc.bloomEntries {
				return fmt.Errorf("private: end of responder keys: %d keys and %d entries announced, %d and %d at the end, %d and %d received: %w",
					acc.keys, acc.bloomEntries, a, e, points, entries, ErrMalformed)
			}
			*adds = int64(entries)
			return nil
		}
		h, pts, err := decodeYKeys(payload, b.sid, colSlots)
		if err != nil {
			_ = g.Wait()
			return err
		}
		points += uint64(h.count)
		entries += uint64(h.count) * uint64(bits.OnesCount64(h.mask)+len(h.schemes)*boolInt(h.kind == kindDomain))
		if points > acc.keys || entries > acc.bloomEntries {
			_ = g.Wait()
			return fmt.Errorf("private: responder keys: more keys (%d) or filter entries (%d) than announced (%d, %d): %w",
				points, entries, acc.keys, acc.bloomEntries, ErrMalformed)
		}
		g.Go(func() error {
			out := make([]byte, len(pts))
			if err := b.reblind(out, pts); err != nil {
				return s.fail(fmt.Errorf("private: responder keys: %w", err))
			}
			slots := slotList(h.mask)
			var key []byte
			mu.Lock()
			defer mu.Unlock()
			for i := 0; i < h.count; i++ {
				pt := out[i*pointLen : (i+1)*pointLen]
				for _, j := range slots {
					key = append(append(key[:0], tagSlot, byte(j)), pt...)
					filter.Add(key)
				}
				if h.kind == kindDomain {
					for _, sc := range h.schemes {
						key = append(append(append(key[:0], tagScheme), pt...), sc...)
						filter.Add(key)
					}
				}
			}
			return nil
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
