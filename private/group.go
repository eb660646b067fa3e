package private

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"io"
	"runtime"
	"sync/atomic"

	"github.com/gtank/ristretto255"
)

// h2gTag prefixes every hash-to-group input; the session id follows, so
// that the blinded keys of one session say nothing in another.
const h2gTag = "acctmap/private/v1 hash-to-group\x00"

// ops counts group operations, for Stats.
type ops struct {
	hashes, mults, decodes, encodes atomic.Int64
}

// newScalar draws a uniform non-zero scalar from a 64-byte random string.
func newScalar(r io.Reader) (*ristretto255.Scalar, error) {
	var b [64]byte
	zero := ristretto255.NewScalar()
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("private: drawing a scalar: %w", err)
		}
		s := ristretto255.NewScalar().FromUniformBytes(b[:])
		if s.Equal(zero) == 0 {
			return s, nil
		}
	}
}

// sessionID derives the session id from both parties' nonces: neither
// side alone picks it, and a replayed hello meets a fresh responder nonce.
func sessionID(nonceI, nonceR [16]byte) [sidLen]byte {
	h := sha256.New()
	h.Write([]byte("acctmap/private/v1 session\x00"))
	h.Write(nonceI[:])
	h.Write(nonceR[:])
	var sid [sidLen]byte
	copy(sid[:], h.Sum(nil))
	return sid
}

func randomNonce() ([16]byte, error) {
	var n [16]byte
	_, err := io.ReadFull(rand.Reader, n[:])
	return n, err
}

// blinder computes s·H(key) and s·P for one session's scalar s.
type blinder struct {
	s   *ristretto255.Scalar
	sid [sidLen]byte
	ops *ops
}

// hashBlind appends the encoding of s·H(kind, key) for each key, where
// H(kind, key) = FromUniformBytes(SHA-512(tag ‖ session id ‖ kind ‖ key))
// (RFC 9496 §4.3.4's element derivation over a 64-byte hash).
func (b *blinder) hashBlind(out []byte, kinds []byte, keys []string) []byte {
	var buf []byte
	var sum [64]byte
	e := ristretto255.NewElement()
	for i, k := range keys {
		buf = append(buf[:0], h2gTag...)
		buf = append(buf, b.sid[:]...)
		buf = append(buf, kinds[i])
		buf = append(buf, k...)
		sum = sha512.Sum512(buf)
		e.FromUniformBytes(sum[:])
		e.ScalarMult(b.s, e)
		out = e.Encode(out)
	}
	n := int64(len(keys))
	b.ops.hashes.Add(n)
	b.ops.mults.Add(n)
	b.ops.encodes.Add(n)
	return out
}

// reblind writes the encoding of s·P for each encoded point P of in to
// out (same length). A non-canonical encoding or the identity is an
// ErrBadPoint naming its index.
func (b *blinder) reblind(out, in []byte) error {
	e := ristretto255.NewElement()
	n := len(in) / pointLen
	for i := 0; i < n; i++ {
		p := in[i*pointLen : (i+1)*pointLen]
		if isZero(p) {
			return fmt.Errorf("point %d is the identity: %w", i, ErrBadPoint)
		}
		if err := e.Decode(p); err != nil {
			return fmt.Errorf("point %d (%x…): not a canonical ristretto255 encoding: %w", i, p[:8], ErrBadPoint)
		}
		e.ScalarMult(b.s, e)
		e.Encode(out[i*pointLen : i*pointLen : (i+1)*pointLen])
	}
	b.ops.decodes.Add(int64(n))
	b.ops.mults.Add(int64(n))
	b.ops.encodes.Add(int64(n))
	return nil
}

// isZero reports whether an encoding is the identity's (all zero bytes,
// the only encoding of the identity).
func isZero(p []byte) bool {
	var acc byte
	for _, c := range p {
		acc |= c
	}
	return acc == 0
}

// workers is how many goroutines group operations use.
func workers() int { return max(1, runtime.GOMAXPROCS(0)) }

// ordered runs work(i) for i in [0, n) on w goroutines and calls emit(i,
// result) in increasing i, with at most 2w results waiting. The first
// error stops it.
func ordered[T any](ctx context.Context, w, n int, work func(i int) (T, error), emit func(i int, v T) error) error {
	type future struct {
		v    T
		err  error
		done chan struct{}
	}
	type job struct {
		i int
		f *future
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	futures := make(chan *future, 2*w)
	jobs := make(chan job)
	for k := 0; k < w; k++ {
		go func() {
			for j := range jobs {
				j.f.v, j.f.err = work(j.i)
				close(j.f.done)
			}
		}()
	}
	go func() {
		defer close(jobs)
		defer close(futures)
		for i := 0; i < n; i++ {
			f := &future{done: make(chan struct{})}
			select {
			case futures <- f:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- job{i, f}:
			case <-ctx.Done():
				return
			}
		}
	}()
	i := 0
	for f := range futures {
		select {
		case <-f.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if f.err != nil {
			return f.err
		}
		if err := emit(i, f.v); err != nil {
			return err
		}
		i++
	}
	if i < n {
		return ctx.Err()
	}
	return nil
}
