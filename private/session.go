package private

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"sync"
	"time"
)

// channel is a session's transport: a downlink and an uplink (one
// connection for Initiate and Serve, two HTTP requests for the HTTP
// transport).
type channel struct {
	r io.Reader
	w io.Writer
	// flush, when set, runs after every frame written.
	flush func() error
	// accepted, when set, runs once the session id is known, before the
	// first key frame (the HTTP client opens its uplink then).
	accepted func(sid [sidLen]byte) error
	// unblock makes blocked reads and writes return, on failure or
	// cancellation.
	unblock func()
}

// connChannel is the channel of one io.ReadWriter. On failure it sets a
// past deadline when rw has SetDeadline (a net.Conn), else closes it when
// it is an io.Closer; otherwise it cannot interrupt blocked I/O.
func connChannel(rw io.ReadWriter) channel {
	ch := channel{r: rw, w: rw, unblock: func() {}}
	if d, ok := rw.(interface{ SetDeadline(time.Time) error }); ok {
		ch.unblock = func() { _ = d.SetDeadline(time.Unix(1, 0)) }
	} else if c, ok := rw.(io.Closer); ok {
		ch.unblock = func() { _ = c.Close() }
	}
	return ch
}

// session is what both parties' runs share: the framing, the first
// error, and the statistics.
type session struct {
	ch    channel
	fr    *frameReader
	fw    *frameWriter
	ops   ops
	start time.Time

	once sync.Once
	err  error
	stop func() bool // stops the context's AfterFunc
}

func newSession(ctx context.Context, ch channel) *session {
	s := &session{ch: ch, start: time.Now()}
	s.fr = &frameReader{r: ch.r}
	s.fw = &frameWriter{w: ch.w, flush: ch.flush}
	s.stop = context.AfterFunc(ctx, func() { s.fail(context.Cause(ctx)) })
	return s
}

// fail records the session's first error, tells the peer (unless the
// peer is what failed) and unblocks the transport. It returns the first
// error.
func (s *session) fail(err error) error {
	s.once.Do(func() {
		s.err = err
		if !errors.Is(err, ErrPeer) {
			done := make(chan struct{})
			go func() {
				s.fw.abort(err)
				close(done)
			}()
			select {
			case <-done:
			case <-time.After(time.Second):
			}
		}
		s.ch.unblock()
	})
	return s.err
}

// finish ends a run: the first error if any (a later error is a
// consequence of the first), else nil.
func (s *session) finish(err error) error {
	s.stop()
	if err != nil {
		return s.fail(err)
	}
	s.once.Do(func() {}) // later failures are not recorded
	return s.err
}

// stats fills the statistics common to both sides.
func (s *session) stats(st *Stats) {
	st.Sent = s.fw.traffic()
	st.Received = s.fr.bytes
	st.HashToGroup = s.ops.hashes.Load()
	st.ScalarMults = s.ops.mults.Load()
	st.Decodes = s.ops.decodes.Load()
	st.Encodes = s.ops.encodes.Load()
	st.Total = time.Since(s.start)
}

func sidString(sid [sidLen]byte) string { return hex.EncodeToString(sid[:]) }
