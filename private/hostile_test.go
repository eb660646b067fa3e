package private

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gtank/ristretto255"
)

// smallSide is a side of n accounts with one domain each.
func smallSide(prefix string, n int) Side {
	s := Side{Populations: []Population{{Slot: 0, Name: prefix + " all", RevealMatches: true}}}
	for i := 0; i < n; i++ {
		s.Records = append(s.Records, Record{ID: fmt.Sprintf("%s%d", prefix, i), Domains: []string{fmt.Sprintf("co%d.com", i)}, Mask: 1})
	}
	return s
}

// rawInitiator is a scripted initiator talking to a real responder.
type rawInitiator struct {
	fw     *frameWriter
	accept chan accept
	conn   net.Conn
}

// startRaw serves one session of r and returns the test's end; the
// responder's frames are read in the background (the accept is passed on,
// the rest dropped).
func startRaw(t *testing.T, r *Responder) (*rawInitiator, <-chan error) {
	t.Helper()
	a, b := net.Pipe()
	errc := make(chan error, 1)
	go func() {
		_, err := r.Serve(context.Background(), b)
		b.Close()
		errc <- err
	}()
	p := &rawInitiator{fw: &frameWriter{w: a}, accept: make(chan accept, 1), conn: a}
	go func() {
		fr := &frameReader{r: a}
		for {
			t, payload, err := fr.next()
			if err != nil {
				close(p.accept)
				return
			}
			if t == msgAccept {
				if acc, err := decodeAccept(payload); err == nil {
					p.accept <- acc
				}
			}
		}
	}()
	t.Cleanup(func() { a.Close() })
	return p, errc
}

func (p *rawInitiator) hello(t *testing.T, h hello) accept {
	t.Helper()
	if err := p.fw.write(msgHello, h.encode()); err != nil {
		t.Fatalf("writing the hello: %v", err)
	}
	acc, ok := <-p.accept
	if !ok {
		t.Fatal("no accept")
	}
	return acc
}

func goodHello(accounts, keys int) hello {
	n, _ := randomNonce()
	return hello{nonce: n, unix: time.Now().Unix(), rows: []Population{{Slot: 0, Name: "mine"}}, accounts: uint64(accounts), keys: uint64(keys)}
}

// point returns a valid encoded point for key.
func point(key string) []byte {
	var sum [64]byte
	copy(sum[:], key)
	return ristretto255.NewElement().FromUniformBytes(sum[:]).Encode(nil)
}

func waitErr(t *testing.T, errc <-chan error) error {
	t.Helper()
	select {
	case err := <-errc:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("the responder did not stop")
		return nil
	}
}

// TestHostileInitiator sends the responder broken messages: each ends the
// session with a named error, never a panic or a hang.
func TestHostileInitiator(t *testing.T) {
	t.Parallel()
	r, err := NewResponder(ResponderConfig{Side: smallSide("y", 20), MaxSessions: 64})
	if err != nil {
		t.Fatal(err)
	}
	nonCanonical := make([]byte, pointLen)
	for i := range nonCanonical {
		nonCanonical[i] = 0xff
	}
	twoPoints := append(point("a"), point("b")...)
	xframe := func(sid [sidLen]byte, count int, pts []byte) []byte {
		h := xHeader{mask: 1, nd: 1, count: count}
		return h.encode(sid, pts)
	}
	cases := []struct {
		name   string
		script func(t *testing.T, p *rawInitiator)
		want   error
	}{
		{"bad magic", func(t *testing.T, p *rawInitiator) { p.conn.Write([]byte("GET / HTTP/1.1\r\n\r\n")) }, ErrVersion},
		{"future version", func(t *testing.T, p *rawInitiator) { p.conn.Write([]byte{magic0, magic1, 9, 1, 0, 0, 0, 0}) }, ErrVersion},
		{"unknown type", func(t *testing.T, p *rawInitiator) { p.conn.Write([]byte{magic0, magic1, Version, 99, 0, 0, 0, 0}) }, ErrUnexpected},
		{"oversized hello", func(t *testing.T, p *rawInitiator) {
			p.conn.Write([]byte{magic0, magic1, Version, byte(msgHello), 0x7f, 0xff, 0xff, 0xff})
		}, ErrTooLarge},
		{"truncated header", func(t *testing.T, p *rawInitiator) { p.conn.Write([]byte{magic0, magic1, Version}); p.conn.Close() }, ErrTruncated},
		{"truncated hello", func(t *testing.T, p *rawInitiator) {
			p.conn.Write([]byte{magic0, magic1, Version, byte(msgHello), 0, 0, 0, 50, 1, 2, 3})
			p.conn.Close()
		}, ErrTruncated},
		{"short hello", func(t *testing.T, p *rawInitiator) { p.fw.write(msgHello, []byte{1, 2, 3}) }, ErrMalformed},
		{"keys before hello", func(t *testing.T, p *rawInitiator) { p.fw.write(msgXEnd, make([]byte, 20)) }, ErrUnexpected},
		{"stale hello", func(t *testing.T, p *rawInitiator) {
			h := goodHello(1, 1)
			h.unix -= 3600
			p.fw.write(msgHello, h.encode())
		}, ErrStale},
		{"too many accounts", func(t *testing.T, p *rawInitiator) { h := goodHello(1<<30, 1<<30); p.fw.write(msgHello, h.encode()) }, ErrLimit},
		{"wrong session", func(t *testing.T, p *rawInitiator) {
			p.hello(t, goodHello(1, 1))
			p.fw.write(msgXKeys, xframe([sidLen]byte{1}, 1, point("a")))
		}, ErrSession},
		{"identity point", func(t *testing.T, p *rawInitiator) {
			acc := p.hello(t, goodHello(1, 1))
			p.fw.write(msgXKeys, xframe(acc.sid, 1, make([]byte, pointLen)))
		}, ErrBadPoint},
		{"non-canonical point", func(t *testing.T, p *rawInitiator) {
			acc := p.hello(t, goodHello(1, 1))
			p.fw.write(msgXKeys, xframe(acc.sid, 1, nonCanonical))
		}, ErrBadPoint},
		{"wrong length", func(t *testing.T, p *rawInitiator) {
			acc := p.hello(t, goodHello(2, 2))
			p.fw.write(msgXKeys, xframe(acc.sid, 2, point("a")))
		}, ErrMalformed},
		{"trailing bytes", func(t *testing.T, p *rawInitiator) {
			acc := p.hello(t, goodHello(1, 1))
			p.fw.write(msgXKeys, xframe(acc.sid, 1, twoPoints))
		}, ErrMalformed},
		{"mask outside the rows", func(t *testing.T, p *rawInitiator) {
			acc := p.hello(t, goodHello(1, 1))
			h := xHeader{mask: 2, nd: 1, count: 1}
			p.fw.write(msgXKeys, h.encode(acc.sid, point("a")))
		}, ErrMalformed},
		{"more than announced", func(t *testing.T, p *rawInitiator) {
			acc := p.hello(t, goodHello(1, 1))
			p.fw.write(msgXKeys, xframe(acc.sid, 2, twoPoints))
		}, ErrMalformed},
		{"end disagrees", func(t *testing.T, p *rawInitiator) {
			acc := p.hello(t, goodHello(2, 2))
			p.fw.write(msgXKeys, xframe(acc.sid, 2, twoPoints))
			p.fw.write(msgXEnd, encodeEnd(acc.sid, 1, 1))
		}, ErrMalformed},
		{"duplicate key", func(t *testing.T, p *rawInitiator) {
			acc := p.hello(t, goodHello(2, 2))
			p.fw.write(msgXKeys, xframe(acc.sid, 2, append(point("a"), point("a")...)))
			p.fw.write(msgXEnd, encodeEnd(acc.sid, 2, 2))
		}, ErrDuplicate},
		{"filter of the wrong size", func(t *testing.T, p *rawInitiator) {
			acc := p.hello(t, goodHello(1, 1))
			p.fw.write(msgXKeys, xframe(acc.sid, 1, point("a")))
			p.fw.write(msgXEnd, encodeEnd(acc.sid, 1, 1))
			p.fw.write(msgBloomHeader, bloomHeader{64, 3, acc.bloomEntries}.encode(acc.sid))
		}, ErrMalformed},
		{"filter too long", func(t *testing.T, p *rawInitiator) {
			acc := p.hello(t, goodHello(1, 1))
			p.fw.write(msgXKeys, xframe(acc.sid, 1, point("a")))
			p.fw.write(msgXEnd, encodeEnd(acc.sid, 1, 1))
			m, k := bloomParams(acc.bloomEntries, acc.fpRate)
			p.fw.write(msgBloomHeader, bloomHeader{m, k, acc.bloomEntries}.encode(acc.sid))
			p.fw.write(msgBloomChunk, append(acc.sid[:], make([]byte, 8*((m+63)/64+1))...))
		}, ErrMalformed},
		{"filter before the end of keys", func(t *testing.T, p *rawInitiator) {
			acc := p.hello(t, goodHello(1, 1))
			p.fw.write(msgBloomHeader, bloomHeader{64, 3, 1}.encode(acc.sid))
		}, ErrUnexpected},
		{"abort", func(t *testing.T, p *rawInitiator) {
			p.hello(t, goodHello(1, 1))
			p.fw.abort(fmt.Errorf("changed my mind: %w", ErrLimit))
		}, ErrLimit},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, errc := startRaw(t, r)
			tc.script(t, p)
			err := waitErr(t, errc)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// TestReplayedHello sends the same hello twice: the second is refused.
func TestReplayedHello(t *testing.T) {
	t.Parallel()
	r, err := NewResponder(ResponderConfig{Side: smallSide("y", 3)})
	if err != nil {
		t.Fatal(err)
	}
	h := goodHello(1, 1)
	p, errc := startRaw(t, r)
	p.hello(t, h)
	p.conn.Close()
	if err := waitErr(t, errc); !errors.Is(err, ErrTruncated) {
		t.Fatalf("first session: %v", err)
	}
	p, errc = startRaw(t, r)
	p.fw.write(msgHello, h.encode())
	if err := waitErr(t, errc); !errors.Is(err, ErrReplay) {
		t.Fatalf("replayed hello: got %v, want ErrReplay", err)
	}
}

// hostileResponder answers a hello with acc (its session id fixed up
// unless keepSID) and then the frames of script.
func hostileResponder(t *testing.T, acc accept, keepSID bool, script func(sid [sidLen]byte, fw *frameWriter)) error {
	t.Helper()
	a, b := net.Pipe()
	go func() {
		defer b.Close()
		fr := &frameReader{r: b}
		_, payload, err := fr.expect(msgHello)
		if err != nil {
			return
		}
		h, err := decodeHello(payload)
		if err != nil {
			return
		}
		if !keepSID {
			acc.sid = sessionID(h.nonce, acc.nonce)
		}
		fw := &frameWriter{w: b}
		fw.write(msgAccept, acc.encode())
		go io.Copy(io.Discard, b)
		script(acc.sid, fw)
		time.Sleep(50 * time.Millisecond)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := Initiate(ctx, a, InitiatorConfig{Side: smallSide("x", 5)})
	return err
}

// TestHostileResponder sends the initiator broken messages.
func TestHostileResponder(t *testing.T) {
	t.Parallel()
	good := accept{fpRate: 1e-6, cols: []Population{{Slot: 0, Name: "theirs"}}, keys: 1, bloomEntries: 1}
	ykeys := func(sid [sidLen]byte, pts []byte) []byte {
		h := yHeader{mask: 1, kind: kindDomain, count: len(pts) / pointLen}
		return h.encode(sid, pts)
	}
	cases := []struct {
		name    string
		acc     func() accept
		keepSID bool
		script  func(sid [sidLen]byte, fw *frameWriter)
		want    error
	}{
		{"wrong session id", func() accept { return good }, true, func([sidLen]byte, *frameWriter) {}, ErrSession},
		{"false-positive rate 0", func() accept { a := good; a.fpRate = 0; return a }, false, func([sidLen]byte, *frameWriter) {}, ErrMalformed},
		{"huge filter", func() accept { a := good; a.keys, a.bloomEntries = 1<<24, 1<<28; return a }, false, func([sidLen]byte, *frameWriter) {}, ErrLimit},
		{"identity point", func() accept { return good }, false, func(sid [sidLen]byte, fw *frameWriter) {
			fw.write(msgYKeys, ykeys(sid, make([]byte, pointLen)))
		}, ErrBadPoint},
		{"mask outside the columns", func() accept { return good }, false, func(sid [sidLen]byte, fw *frameWriter) {
			h := yHeader{mask: 4, kind: kindDomain, count: 1}
			fw.write(msgYKeys, h.encode(sid, point("a")))
		}, ErrMalformed},
		{"more keys than announced", func() accept { return good }, false, func(sid [sidLen]byte, fw *frameWriter) {
			fw.write(msgYKeys, ykeys(sid, append(point("a"), point("b")...)))
		}, ErrMalformed},
		{"end disagrees", func() accept { return good }, false, func(sid [sidLen]byte, fw *frameWriter) {
			fw.write(msgYEnd, encodeEnd(sid, 0, 0))
		}, ErrMalformed},
		{"result of the wrong shape", func() accept { return good }, false, func(sid [sidLen]byte, fw *frameWriter) {
			fw.write(msgYKeys, ykeys(sid, point("a")))
			fw.write(msgYEnd, encodeEnd(sid, 1, 1))
			fw.write(msgResult, append(sid[:], 1, 1, 1))
		}, ErrMalformed},
		{"matches not asked for", func() accept { return good }, false, func(sid [sidLen]byte, fw *frameWriter) {
			fw.write(msgYKeys, ykeys(sid, point("a")))
			fw.write(msgYEnd, encodeEnd(sid, 1, 1))
			fw.write(msgMatches, (&matchesChunk{col: 0, bitmap: []byte{1}}).encode(sid))
		}, ErrMalformed},
		{"stream ends", func() accept { return good }, false, func(sid [sidLen]byte, fw *frameWriter) {}, ErrTruncated},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := hostileResponder(t, tc.acc(), tc.keepSID, tc.script)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// TestFrameLimits checks every type's bound is below what a uint32 length
// can claim, and that the writer refuses to exceed it.
func TestFrameLimits(t *testing.T) {
	t.Parallel()
	fw := &frameWriter{w: io.Discard}
	for _, ty := range msgTypes() {
		if err := fw.write(ty, make([]byte, maxPayload(ty)+1)); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: writing past the bound: %v", ty, err)
		}
	}
	var hdr [headerLen]byte
	hdr[0], hdr[1], hdr[2], hdr[3] = magic0, magic1, Version, byte(msgYKeys)
	binary.BigEndian.PutUint32(hdr[4:], uint32(maxPayload(msgYKeys)+1))
	fr := &frameReader{r: bytesReader(hdr[:])}
	if _, _, err := fr.next(); !errors.Is(err, ErrTooLarge) {
		t.Errorf("reading past the bound: %v", err)
	}
}

type sliceReader struct{ b []byte }

func (s *sliceReader) Read(p []byte) (int, error) {
	if len(s.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.b)
	s.b = s.b[n:]
	return n, nil
}

func bytesReader(b []byte) io.Reader { return &sliceReader{b} }

// TestHTTPHostile: a stale hello over HTTP comes back as the responder's
// abort; a session whose uplink never comes ends with ErrStale.
func TestHTTPHostile(t *testing.T) {
	t.Parallel()
	ended := make(chan error, 4)
	r, err := NewResponder(ResponderConfig{Side: smallSide("y", 3), UplinkTimeout: 100 * time.Millisecond,
		OnSession: func(_ *Result, err error) { ended <- err }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(r)
	defer srv.Close()
	c := &Client{URL: srv.URL}
	_, err = c.Initiate(context.Background(), InitiatorConfig{Side: smallSide("x", 2), Now: func() time.Time { return time.Now().Add(-time.Hour) }})
	if !errors.Is(err, ErrPeer) || !errors.Is(err, ErrStale) {
		t.Errorf("stale hello: %v, want a peer's ErrStale", err)
	}
	if err := <-ended; !errors.Is(err, ErrStale) {
		t.Errorf("responder on the stale hello: %v", err)
	}
	h := goodHello(1, 1)
	resp, err := http.Post(srv.URL+"?op=start", "application/octet-stream", bytes.NewReader(frame(msgHello, h.encode())))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	fr := &frameReader{r: resp.Body}
	if _, _, err := fr.expect(msgAccept); err != nil {
		t.Fatalf("accept: %v", err)
	}
	if err := <-ended; !errors.Is(err, ErrStale) {
		t.Errorf("no uplink: %v, want ErrStale", err)
	}
	for _, q := range []string{"?op=start", "?op=nothing", "?op=up&session=zz"} {
		resp, err := http.Post(srv.URL+q, "application/octet-stream", bytes.NewReader(make([]byte, 1<<17)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 4 {
			t.Errorf("%s: %s, want a 4xx", q, resp.Status)
		}
	}
}

// TestSessionTime: an initiator that stops sending loses its session
// after MaxSessionTime.
func TestSessionTime(t *testing.T) {
	t.Parallel()
	r, err := NewResponder(ResponderConfig{Side: smallSide("y", 3), MaxSessionTime: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	p, errc := startRaw(t, r)
	p.hello(t, goodHello(1, 1))
	if err := waitErr(t, errc); !errors.Is(err, ErrStale) {
		t.Fatalf("got %v, want ErrStale", err)
	}
}
