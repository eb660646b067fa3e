package pgstore

import (
	"bytes"
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/acctmap/acctmap"
)

// A commitFault is what happens to the next COMMIT a faultDialer's
// connections send.
type commitFault int32

const (
	faultNone commitFault = iota
	// faultRefuse: writing the COMMIT fails before a byte is sent.
	faultRefuse
	// faultSwallow: the COMMIT is never delivered; the connection is then
	// lost.
	faultSwallow
	// faultLoseAnswer: the COMMIT is delivered and done; the connection is
	// lost before its answer is read.
	faultLoseAnswer
)

var errInjected = errors.New("injected fault: connection lost")

// faultDialer makes connections that lose the COMMIT or its answer when
// armed, and fail altogether while the database is down.
type faultDialer struct {
	armed atomic.Int32 // a commitFault for the next COMMIT
	hit   atomic.Int32 // the commitFault injected last
	// downAfter: once the fault is injected, every connection fails, new
	// and old, until down is cleared.
	downAfter atomic.Bool
	down      atomic.Bool
}

func (d *faultDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if d.down.Load() {
		return nil, errInjected
	}
	c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &faultConn{Conn: c, d: d}, nil
}

type faultConn struct {
	net.Conn
	d *faultDialer
	// lost is the fault in progress; atomic, as pgconn may read while it
	// writes.
	lost atomic.Int32
}

func (c *faultConn) Write(b []byte) (int, error) {
	if c.d.down.Load() {
		return 0, errInjected
	}
	// The simple-protocol Query message of pgx's COMMIT.
	if bytes.Contains(b, []byte("commit\x00")) {
		f := commitFault(c.d.armed.Swap(int32(faultNone)))
		if f != faultNone {
			c.d.hit.Store(int32(f))
			c.lost.Store(int32(f))
		}
		switch f {
		case faultRefuse:
			return 0, errInjected
		case faultSwallow:
			return len(b), nil
		case faultLoseAnswer:
			n, err := c.Conn.Write(b)
			if c.d.downAfter.Load() {
				c.d.down.Store(true)
			}
			return n, err
		}
	}
	return c.Conn.Write(b)
}

func (c *faultConn) Read(b []byte) (int, error) {
	if c.d.down.Load() {
		return 0, errInjected
	}
	switch commitFault(c.lost.Load()) {
	case faultSwallow:
		return 0, errInjected
	case faultLoseAnswer:
		// The answer arrives once the commit is done: read it, and lose it.
		_, _ = c.Conn.Read(b)
		return 0, errInjected
	}
	return c.Conn.Read(b)
}

// TestCommitConnectionLost loses the connection at the COMMIT of an Update
// that increments a counter: before anything is sent, with the COMMIT
// never delivered, or with it delivered and done but its answer lost, and
// then with the database out of reach. Update runs fn again exactly when
// the commit did not happen, returns nil when it did, and ErrCommitUnknown
// when it cannot find out: no increment is lost, none doubled.
func TestCommitConnectionLost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		fault    commitFault
		readOnly bool // fn writes nothing
		down     bool // the database is out of reach after the fault
		wantRuns int
		wantErr  error
	}{
		{name: "refused", fault: faultRefuse, wantRuns: 2},
		{name: "never delivered", fault: faultSwallow, wantRuns: 2},
		{name: "answer lost", fault: faultLoseAnswer, wantRuns: 1},
		{name: "answer lost, read-only", fault: faultLoseAnswer, readOnly: true, wantRuns: 2},
		{name: "answer lost, database down", fault: faultLoseAnswer, down: true, wantRuns: 1, wantErr: ErrCommitUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := pgxpool.ParseConfig(testDSN(t))
			if err != nil {
				t.Fatal(err)
			}
			d := &faultDialer{}
			cfg.ConnConfig.DialFunc = d.dial
			pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
			s, err := Open(t.Context(), "", WithPool(pool), WithSchema(testSchema(t)))
			if err != nil {
				t.Fatal(err)
			}
			if tc.down {
				// Not the 10 s of the default: the database stays down.
				s.commitCheckTimeout = 300 * time.Millisecond
			}
			if err := s.Update(t.Context(), func(tx acctmap.Tx) error { return tx.PutOrg(acctmap.Org{ID: "x", CreatedAt: t0}) }); err != nil {
				t.Fatal(err)
			}
			d.downAfter.Store(tc.down)
			runs := 0
			err = s.Update(t.Context(), func(tx acctmap.Tx) error {
				runs++
				if runs == 1 {
					d.armed.Store(int32(tc.fault))
				}
				o, err := tx.Org("x")
				if err != nil || tc.readOnly {
					return err
				}
				o.ExportedRecords++
				return tx.PutOrg(o)
			})
			if commitFault(d.hit.Load()) != tc.fault {
				t.Fatalf("the fault was not injected (a TLS connection?): hit %d", d.hit.Load())
			}
			d.down.Store(false)
			if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Errorf("Update: %v, want %v", err, tc.wantErr)
			}
			if runs != tc.wantRuns {
				t.Errorf("fn ran %d times, want %d", runs, tc.wantRuns)
			}
			if tc.down {
				return // the commit may or may not have happened: that is the point
			}
			var got int64
			err = s.View(t.Context(), func(tx acctmap.ReadTx) error {
				o, err := tx.Org("x")
				got = o.ExportedRecords
				return err
			})
			if want := int64(1); tc.readOnly {
				want = 0
				if err != nil || got != want {
					t.Errorf("counter = %d (%v), want %d", got, err, want)
				}
			} else if err != nil || got != want {
				t.Errorf("counter = %d (%v) after one acknowledged increment, want %d", got, err, want)
			}
		})
	}
}
