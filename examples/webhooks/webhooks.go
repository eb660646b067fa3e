// Package webhooks is an example of turning an org's acctmap event feed
// into webhooks: a Dispatcher reads the feed of one user's org
// (acctmap.Actor.Events, waiting with WaitEvents), POSTs each event as
// JSON to one URL, signed with HMAC-SHA256, retries with exponential
// backoff and jitter, and keeps its cursor in a CursorStore, so that it
// resumes where it stopped after a restart.
//
// # Delivery
//
// Events are delivered in the feed's order, one at a time, at least once:
// the cursor is saved after the receiver acknowledges an event (any 2xx
// status), so an event is sent again when the receiver did not answer in
// time (it may have handled it), or when the process stopped between the
// acknowledgement and the save, or while a request was in flight. A
// receiver deduplicates by the
// Acctmap-Event-Id header (the event's cursor, unique within the org's
// feed). An event is never skipped: a failure is retried until it is
// acknowledged, MaxAttempts is reached (Run then returns the error,
// without moving the cursor) or ctx ends.
//
// # Verifying a delivery
//
// Each request carries
//
//	Content-Type: application/json
//	Acctmap-Event-Id: 42
//	Acctmap-Signature: t=1767323045,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd
//
// where t is the Unix time of the attempt and v1 the hex HMAC-SHA256, keyed
// with the shared secret, of the string t + "." + body. A receiver
// recomputes the HMAC over the raw body it read (before parsing it),
// compares it in constant time (hmac.Equal), and refuses a t further than
// a few minutes from its clock, so that a recorded request cannot be
// replayed later; Verify does all three. Each retry is signed afresh.
package webhooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/acctmap/acctmap"
)

// The headers of a delivery.
const (
	HeaderEventID   = "Acctmap-Event-Id"
	HeaderSignature = "Acctmap-Signature"
)

// CursorStore keeps a Dispatcher's position in the feed.
type CursorStore interface {
	// Load returns the saved cursor, or the zero cursor when none was
	// saved yet.
	Load(ctx context.Context) (acctmap.EventCursor, error)
	// Save records c durably before returning.
	Save(ctx context.Context, c acctmap.EventCursor) error
}

// FileCursor is a CursorStore in a file holding the cursor in decimal. Save
// writes a temporary file in the same directory, syncs it and renames it
// over the old one, so that a crash leaves the old cursor or the new one,
// never a torn write.
type FileCursor struct{ Path string }

// Load implements CursorStore.
func (f FileCursor) Load(ctx context.Context) (acctmap.EventCursor, error) {
	b, err := os.ReadFile(f.Path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("webhooks: cursor file %s: %q is not a cursor", f.Path, b)
	}
	return acctmap.EventCursor(n), nil
}

// Save implements CursorStore.
func (f FileCursor) Save(ctx context.Context, c acctmap.EventCursor) error {
	tmp, err := os.CreateTemp(filepath.Dir(f.Path), filepath.Base(f.Path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename, nothing to remove
	if _, err := tmp.WriteString(strconv.FormatInt(int64(c), 10) + "\n"); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), f.Path)
}

// Dispatcher delivers the feed of Actor's org to URL. Set the fields
// before Run; a Dispatcher runs one Run at a time.
type Dispatcher struct {
	Actor  *acctmap.Actor
	URL    string
	Secret []byte
	Cursor CursorStore
	// Client sends the requests; its Timeout bounds one attempt (default:
	// a client with a 10 s timeout).
	Client *http.Client
	// BaseDelay is the wait before the first retry (default 1 s); each
	// retry doubles it, up to MaxDelay (default 5 min). The wait is
	// chosen at random between half of that and all of it (jitter), so
	// that dispatchers failing together do not retry together.
	BaseDelay, MaxDelay time.Duration
	// MaxAttempts bounds the attempts at one event (0: until ctx ends).
	MaxAttempts int
	// Now is the clock of the signatures (default time.Now).
	Now func() time.Time
}

// Run delivers events from the saved cursor on, waiting for new ones,
// until ctx ends (it returns ctx's error) or an event fails MaxAttempts
// times, or the feed or the cursor store fails (it returns that error;
// the cursor is where the last acknowledged event left it).
func (d *Dispatcher) Run(ctx context.Context) error {
	if d.Actor == nil || d.URL == "" || len(d.Secret) == 0 || d.Cursor == nil {
		return errors.New("webhooks: a Dispatcher needs an Actor, a URL, a Secret and a Cursor")
	}
	after, err := d.Cursor.Load(ctx)
	if err != nil {
		return fmt.Errorf("webhooks: load cursor: %w", err)
	}
	for {
		for e, err := range d.Actor.Events(ctx, after) {
			if err != nil {
				return fmt.Errorf("webhooks: read the feed: %w", err)
			}
			if err := d.deliver(ctx, e); err != nil {
				return err
			}
			if err := d.Cursor.Save(ctx, e.Cursor); err != nil {
				return fmt.Errorf("webhooks: save cursor %d: %w", e.Cursor, err)
			}
			after = e.Cursor
		}
		if err := d.Actor.WaitEvents(ctx, after); err != nil {
			return err
		}
	}
}

// deliver POSTs e until the receiver acknowledges it.
func (d *Dispatcher) deliver(ctx context.Context, e acctmap.Event) error {
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("webhooks: event %d: %w", e.Cursor, err)
	}
	for attempt := 0; ; attempt++ {
		err := d.post(ctx, e.Cursor, body)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if d.MaxAttempts > 0 && attempt+1 >= d.MaxAttempts {
			return fmt.Errorf("webhooks: event %d: %d attempts: %w", e.Cursor, attempt+1, err)
		}
		t := time.NewTimer(d.backoff(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// backoff is the wait after failed attempt n (from 0): BaseDelay·2ⁿ,
// capped at MaxDelay, less a random part of up to half of it.
func (d *Dispatcher) backoff(n int) time.Duration {
	base, maxDelay := d.BaseDelay, d.MaxDelay
	if base <= 0 {
		base = time.Second
	}
	if maxDelay <= 0 {
		maxDelay = 5 * time.Minute
	}
	delay := maxDelay
	if n < 40 && base<<n > 0 && base<<n < maxDelay {
		delay = base << n
	}
	return delay/2 + rand.N(delay/2+1)
}

// post makes one attempt at delivering body, the event of cursor c.
func (d *Dispatcher) post(ctx context.Context, c acctmap.EventCursor, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderEventID, strconv.FormatInt(int64(c), 10))
	req.Header.Set(HeaderSignature, Sign(d.Secret, now(), body))
	client := d.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhooks: %s answered %s", d.URL, resp.Status)
	}
	return nil
}

// Sign returns the Acctmap-Signature header of body sent at t.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// ErrBadSignature is returned by Verify for a delivery that is not signed
// with the secret, or not recently.
var ErrBadSignature = errors.New("webhooks: bad signature")

// Verify checks a delivery as a receiver must: header is its
// Acctmap-Signature, body the raw bytes read, and the signature's time
// must be within tolerance of now.
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts, sig string
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: no time", ErrBadSignature)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: signed at %s, %s from now", ErrBadSignature, time.Unix(sec, 0).UTC().Format(time.RFC3339), d.Round(time.Second))
	}
	got, err := hex.DecodeString(sig)
	if err != nil || !hmac.Equal(got, mac(secret, ts, body)) {
		return fmt.Errorf("%w: the HMAC does not match", ErrBadSignature)
	}
	return nil
}
