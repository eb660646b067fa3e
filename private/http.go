package private

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Over HTTP a session is two POST requests to the responder's URL, so
// that neither side needs a full-duplex HTTP connection:
//
//   - ?op=start carries the hello as its body; its response streams the
//     whole downlink (accept, the responder's keys, matches, result, or an
//     abort);
//   - ?op=up&session=<hex id>, sent once the accept named the session,
//     streams the rest of the uplink (the initiator's keys, the filter) as
//     its body. A session's uplink is accepted once: a second one is
//     refused (409, ErrReplay), an unknown one too (404, ErrSession).

// uplink is a started session waiting for (or receiving) its uplink.
type uplink struct {
	pw   *io.PipeWriter
	done chan struct{} // closed when the session ends
	err  error         // the session's outcome, set before done closes
}

// ServeHTTP serves the two requests of a session (see the package
// documentation). What the responder learned goes to
// ResponderConfig.OnSession.
func (r *Responder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "private: POST only", http.StatusMethodNotAllowed)
		return
	}
	switch req.URL.Query().Get("op") {
	case "start":
		r.serveStart(w, req)
	case "up":
		r.serveUp(w, req)
	default:
		http.Error(w, "private: op must be start or up", http.StatusBadRequest)
	}
}

func (r *Responder) serveStart(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, int64(headerLen+maxPayload(msgHello))+1))
	if err != nil {
		http.Error(w, "private: reading the hello: "+err.Error(), http.StatusBadRequest)
		return
	}
	if len(body) > headerLen+maxPayload(msgHello) {
		http.Error(w, "private: the start request carries the hello only", http.StatusRequestEntityTooLarge)
		return
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "application/octet-stream")
	pr, pw := io.Pipe()
	up := &uplink{pw: pw, done: make(chan struct{})}
	var sid [sidLen]byte
	registered := false
	ch := channel{
		r:     io.MultiReader(bytes.NewReader(body), pr),
		w:     w,
		flush: rc.Flush,
		accepted: func(id [sidLen]byte) error {
			sid = id
			r.mu.Lock()
			r.pending[sid] = up
			registered = true
			r.mu.Unlock()
			time.AfterFunc(r.cfg.UplinkTimeout, func() {
				r.mu.Lock()
				waiting := r.pending[sid] == up
				if waiting {
					delete(r.pending, sid)
				}
				r.mu.Unlock()
				if waiting {
					// Closing the writer makes the session's reads fail with this error.
					pw.CloseWithError(fmt.Errorf("private: no uplink within %s: %w", r.cfg.UplinkTimeout, ErrStale))
				}
			})
			return nil
		},
		unblock: func() {
			pr.CloseWithError(errors.New("private: session ended"))
			_ = rc.SetWriteDeadline(time.Unix(1, 0))
		},
	}
	res, err := r.serve(req.Context(), ch)
	pr.CloseWithError(errors.New("private: session ended"))
	if registered {
		r.mu.Lock()
		if r.pending[sid] == up {
			delete(r.pending, sid)
		}
		r.mu.Unlock()
	}
	up.err = err
	close(up.done)
	if r.cfg.OnSession != nil {
		r.cfg.OnSession(res, err)
	}
}

func (r *Responder) serveUp(w http.ResponseWriter, req *http.Request) {
	raw, err := hex.DecodeString(req.URL.Query().Get("session"))
	if err != nil || len(raw) != sidLen {
		http.Error(w, fmt.Sprintf("private: session %.40q is not %d hex bytes", req.URL.Query().Get("session"), sidLen), http.StatusBadRequest)
		return
	}
	sid := [sidLen]byte(raw)
	now := time.Now()
	r.mu.Lock()
	up := r.pending[sid]
	delete(r.pending, sid)
	_, used := r.used[sid]
	for k, at := range r.used {
		if now.Sub(at) > 2*r.cfg.MaxClockSkew {
			delete(r.used, k)
		}
	}
	if up != nil {
		r.used[sid] = now
	}
	r.mu.Unlock()
	if up == nil {
		if used {
			http.Error(w, fmt.Sprintf("private: session %x: uplink already received: %v", sid, ErrReplay), http.StatusConflict)
		} else {
			http.Error(w, fmt.Sprintf("private: session %x: %v", sid, ErrSession), http.StatusNotFound)
		}
		return
	}
	_, err = io.Copy(up.pw, req.Body)
	if err != nil {
		up.pw.CloseWithError(fmt.Errorf("private: uplink: %w", ErrTruncated))
	} else {
		up.pw.Close()
	}
	<-up.done
	if up.err != nil {
		http.Error(w, up.err.Error(), http.StatusConflict)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Client runs sessions against a Responder served over HTTP.
type Client struct {
	// URL is where the Responder's ServeHTTP is mounted.
	URL string
	// HTTPClient is the client to use (http.DefaultClient when nil). Its
	// Timeout, if any, must cover a whole session.
	HTTPClient *http.Client
}

// Initiate runs a session as the initiator against the responder at
// c.URL.
func (c *Client) Initiate(ctx context.Context, cfg InitiatorConfig) (*Result, error) {
	base, err := url.Parse(c.URL)
	if err != nil {
		return nil, fmt.Errorf("private: responder URL %.80q: %w", c.URL, ErrInvalidInput)
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	hu := &httpConn{ctx: ctx, hc: hc, base: base, started: make(chan struct{})}
	ch := channel{r: hu, w: hu, accepted: hu.openUplink, unblock: func() {
		cancel()
		hu.closeUplink(errors.New("private: session ended"))
	}}
	res, err := initiate(ctx, ch, cfg)
	if hu.down != nil {
		defer hu.down.Close()
	}
	if err != nil {
		return nil, err
	}
	hu.closeUplink(nil)
	if e := <-hu.upDone; e != nil {
		return nil, e
	}
	return res, nil
}

// httpConn is the initiator's side of the two requests: its first write
// (the hello) starts the session, reads come from that response, later
// writes go to the uplink request.
type httpConn struct {
	ctx  context.Context
	hc   *http.Client
	base *url.URL

	started chan struct{} // closed once the start request answered
	down    io.ReadCloser
	startE  error
	once    sync.Once

	mu     sync.Mutex
	pw     *io.PipeWriter
	upDone chan error
}

func (h *httpConn) url(q url.Values) string {
	u := *h.base
	v := u.Query()
	for k, vs := range q {
		v[k] = vs
	}
	u.RawQuery = v.Encode()
	return u.String()
}

func (h *httpConn) Write(p []byte) (int, error) {
	h.mu.Lock()
	pw := h.pw
	h.mu.Unlock()
	if pw != nil {
		return pw.Write(p)
	}
	first := false
	h.once.Do(func() {
		first = true
		defer close(h.started)
		req, err := http.NewRequestWithContext(h.ctx, http.MethodPost, h.url(url.Values{"op": {"start"}}), bytes.NewReader(p))
		if err != nil {
			h.startE = err
			return
		}
		req.Header.Set("Content-Type", "application/octet-stream")
		resp, err := h.hc.Do(req)
		if err != nil {
			h.startE = fmt.Errorf("private: starting the session: %w", err)
			return
		}
		if resp.StatusCode != http.StatusOK {
			msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			resp.Body.Close()
			h.startE = fmt.Errorf("private: starting the session: %s: %.200q", resp.Status, msg)
			return
		}
		h.down = resp.Body
	})
	if !first {
		// A write before the uplink exists and after the hello: the
		// session failed (an abort); nowhere to send it.
		return 0, errors.New("private: no uplink yet")
	}
	if h.startE != nil {
		return 0, h.startE
	}
	return len(p), nil
}

func (h *httpConn) Read(p []byte) (int, error) {
	<-h.started
	if h.startE != nil {
		return 0, h.startE
	}
	return h.down.Read(p)
}

// openUplink starts the uplink request once the session id is known.
func (h *httpConn) openUplink(sid [sidLen]byte) error {
	pr, pw := io.Pipe()
	req, err := http.NewRequestWithContext(h.ctx, http.MethodPost, h.url(url.Values{"op": {"up"}, "session": {sidString(sid)}}), pr)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	done := make(chan error, 1)
	h.mu.Lock()
	h.pw, h.upDone = pw, done
	h.mu.Unlock()
	go func() {
		resp, err := h.hc.Do(req)
		if err != nil {
			pr.CloseWithError(err)
			done <- fmt.Errorf("private: uplink: %w", err)
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			e := fmt.Errorf("private: uplink: %s: %.200q", resp.Status, bytes.TrimSpace(msg))
			pr.CloseWithError(e)
			done <- e
			return
		}
		done <- nil
	}()
	return nil
}

func (h *httpConn) closeUplink(err error) {
	h.mu.Lock()
	pw := h.pw
	h.mu.Unlock()
	if pw == nil {
		return
	}
	if err != nil {
		pw.CloseWithError(err)
	} else {
		pw.Close()
	}
}
