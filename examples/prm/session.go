package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
)

// The session is a signed cookie, not a server-side table: the app stays
// stateless, so an embedding product can run several replicas behind a load
// balancer. It holds the signed-in user's id (empty before sign-in) and the
// CSRF token that every POST must echo.
const (
	sessionCookie = "prm_session"
	sessionTTL    = 8 * time.Hour
	// maxCookieBytes bounds what is decoded from a client: a cookie is
	// attacker input.
	maxCookieBytes = 2048
	// sessionContext separates this MAC from any other use of the key.
	sessionContext = "acctmap-prm-session-v1\x00"
	csrfField      = "csrf"
	csrfHeader     = "X-CSRF-Token"
)

// session is what the cookie carries.
type session struct {
	UserID  string `json:"u,omitempty"`
	CSRF    string `json:"c"`
	Expires int64  `json:"e"` // Unix seconds
}

// sessionKey is the context key of the request's session.
type sessionKey struct{}

// sessionFrom returns the session the middleware put in ctx.
func sessionFrom(ctx context.Context) session {
	s, _ := ctx.Value(sessionKey{}).(session)
	return s
}

// newSession starts a session for userID ("" for a visitor not signed in)
// with a fresh CSRF token: signing in rotates the token, so a token seen
// before sign-in is worthless after it.
func newSession(userID string, now time.Time) (session, error) {
	tok, err := randomToken(32)
	if err != nil {
		return session{}, err
	}
	return session{UserID: userID, CSRF: tok, Expires: now.Add(sessionTTL).Unix()}, nil
}

// randomToken returns n random bytes, base64url-encoded.
func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// sign returns the MAC of payload under key: HMAC-SHA256, from the standard
// library.
func sign(key, payload []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(sessionContext))
	m.Write(payload)
	return m.Sum(nil)
}

// encodeSession returns the cookie value: payload "." MAC, both base64url.
func encodeSession(key []byte, s session) (string, error) {
	payload, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(payload) + "." +
		base64.RawURLEncoding.EncodeToString(sign(key, payload)), nil
}

// errBadSession is any cookie that does not verify; its reason is not
// told to the client.
var errBadSession = errors.New("invalid session cookie")

// decodeSession verifies a cookie value and returns its session. The MAC
// is checked (in constant time, by hmac.Equal) before the payload is parsed.
func decodeSession(key []byte, value string, now time.Time) (session, error) {
	if len(value) > maxCookieBytes {
		return session{}, errBadSession
	}
	p64, m64, ok := strings.Cut(value, ".")
	if !ok {
		return session{}, errBadSession
	}
	payload, err := base64.RawURLEncoding.DecodeString(p64)
	if err != nil {
		return session{}, errBadSession
	}
	mac, err := base64.RawURLEncoding.DecodeString(m64)
	if err != nil || !hmac.Equal(mac, sign(key, payload)) {
		return session{}, errBadSession
	}
	var s session
	if err := json.Unmarshal(payload, &s); err != nil || s.CSRF == "" || now.Unix() >= s.Expires {
		return session{}, errBadSession
	}
	return s, nil
}

// setSessionCookie writes s to the response.
func (a *App) setSessionCookie(w http.ResponseWriter, r *http.Request, s session) error {
	v, err := encodeSession(a.key, s)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    v,
		Path:     "/",
		Expires:  time.Unix(s.Expires, 0),
		HttpOnly: true,                 // no script reads it
		Secure:   r.TLS != nil,         // over HTTPS, only over HTTPS
		SameSite: http.SameSiteLaxMode, // not sent on cross-site POSTs
	})
	return nil
}

// withSession puts the request's session in its context: the cookie's,
// when it verifies, or a new visitor session (with its cookie set).
func (a *App) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var s session
		var err error
		if c, cerr := r.Cookie(sessionCookie); cerr == nil {
			s, err = decodeSession(a.key, c.Value, a.now())
		} else {
			err = cerr
		}
		if err != nil {
			if s, err = newSession("", a.now()); err != nil {
				a.internalError(w, r, err)
				return
			}
			if err := a.setSessionCookie(w, r, s); err != nil {
				a.internalError(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, s)))
	})
}

// checkCSRF refuses a request that changes state without the session's
// token: from the form field for pages, from the X-CSRF-Token header for
// the JSON API (api), which never reads a form.
func checkCSRF(r *http.Request, api bool) bool {
	s := sessionFrom(r.Context())
	var got string
	if api {
		got = r.Header.Get(csrfHeader)
	} else {
		got = r.PostFormValue(csrfField)
	}
	return got != "" && s.CSRF != "" && hmac.Equal([]byte(got), []byte(s.CSRF))
}
