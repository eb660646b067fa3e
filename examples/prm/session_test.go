package main

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSessionRoundTrip(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{7}, 32)
	now := time.Unix(1_700_000_000, 0)
	s, err := newSession("ann", now)
	if err != nil {
		t.Fatal(err)
	}
	v, err := encodeSession(key, s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeSession(key, v, now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	other, _ := newSession("ann", now)
	if other.CSRF == s.CSRF {
		t.Errorf("two sessions share a CSRF token")
	}
	for name, c := range map[string]struct {
		key   []byte
		value string
		at    time.Time
	}{
		"another key":          {bytes.Repeat([]byte{8}, 32), v, now},
		"expired":              {key, v, now.Add(sessionTTL)},
		"a flipped MAC byte":   {key, v[:len(v)-2] + flip(v[len(v)-2]) + v[len(v)-1:], now},
		"a flipped payload":    {key, flip(v[0]) + v[1:], now},
		"no separator":         {key, strings.ReplaceAll(v, ".", ""), now},
		"empty":                {key, "", now},
		"too long":             {key, v + strings.Repeat("A", maxCookieBytes), now},
		"padding in base64":    {key, v + "==", now},
		"the MAC of nothing":   {key, "." + strings.SplitN(v, ".", 2)[1], now},
		"a second dot":         {key, v + ".x", now},
		"percent-encoded dots": {key, url.QueryEscape(v + "."), now},
	} {
		if _, err := decodeSession(c.key, c.value, c.at); err == nil {
			t.Errorf("%s: a cookie that must not verify did", name)
		}
	}
}

// flip changes one base64url character into another.
func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

// FuzzDecodeSession: any cookie value, from an attacker, is refused or
// verifies; it never panics, and what verifies encodes back to a value
// that verifies too.
func FuzzDecodeSession(f *testing.F) {
	key := bytes.Repeat([]byte{7}, 32)
	now := time.Unix(1_700_000_000, 0)
	good, _ := encodeSession(key, session{UserID: "ann", CSRF: "tok", Expires: now.Add(time.Hour).Unix()})
	for _, s := range []string{good, "", ".", "a.b", "eyJ1IjoiYW5uIn0.", good + "x", strings.Repeat(".", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		s, err := decodeSession(key, v, now)
		if err != nil {
			return
		}
		if s.CSRF == "" || s.Expires <= now.Unix() {
			t.Fatalf("verified a session without a token or expired: %+v", s)
		}
		again, err := encodeSession(key, s)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := decodeSession(key, again, now); err != nil {
			t.Fatalf("re-encoded session does not verify: %v", err)
		}
	})
}

// FuzzReportSpec: the API's report query parser never panics, and what it
// accepts is within the API's bounds.
func FuzzReportSpec(f *testing.F) {
	for _, q := range []string{
		"partner=bolt&population=p&partner_population=q",
		"offset=10&limit=1000&column=my.name&column=partner.name&sort=-match.confidence",
		"limit=-1", "limit=99999999999999999999", "offset=1e3", "sort=-", "sort=&sort=--x", "%zz",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		spec, err := reportSpec(q)
		if err != nil {
			if !strings.Contains(err.Error(), "is not a number") {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if spec.Limit < 0 || spec.Limit > maxAPIRows || spec.Offset < 0 {
			t.Fatalf("out of bounds: limit %d offset %d", spec.Limit, spec.Offset)
		}
		if len(spec.Sort) != len(q["sort"]) || len(spec.Columns) != len(q["column"]) {
			t.Fatalf("sort or columns lost: %+v from %q", spec, raw)
		}
	})
}
