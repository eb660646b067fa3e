package main

import (
	"context"
	"errors"
	"net/http"

	"github.com/acctmap/acctmap"
)

// errorClass is how the app answers one of the library's sentinel errors:
// the HTTP status and the stable code the JSON API puts in its error body.
type errorClass struct {
	status int
	code   string
}

// classify maps an error to its status and code. Every library error wraps
// at most one sentinel, so the order of the cases does not matter, except
// that the app's own errors come first.
//
// Two choices worth knowing:
//   - ErrNotPartners is 404, not 403: the library answers the same for an
//     org that does not exist, one that is not a partner (yet, or any more)
//     and another org's offline partner, and the status must not tell them
//     apart either.
//   - ErrLimitExceeded is 429. It covers plan quotas (exported records,
//     offline partners) and size bounds (rows of a report, populations per
//     data source): the client asked for more than it may have, which 429
//     says; 402 would promise that paying lifts every one of them, and is
//     reserved by RFC 9110. No Retry-After is sent: waiting does not help,
//     and the "limit_exceeded" code tells clients not to retry.
func classify(err error) errorClass {
	switch {
	case errors.Is(err, errUnauthenticated):
		return errorClass{http.StatusUnauthorized, "unauthenticated"}
	case errors.Is(err, errCSRF):
		return errorClass{http.StatusForbidden, "csrf"}
	case errors.Is(err, errBadRequest):
		return errorClass{http.StatusBadRequest, "invalid_input"}
	case errors.Is(err, errUnsupportedMedia):
		return errorClass{http.StatusUnsupportedMediaType, "unsupported_media_type"}
	case errors.Is(err, errTooLarge):
		return errorClass{http.StatusRequestEntityTooLarge, "too_large"}
	case errors.Is(err, acctmap.ErrNotShared):
		return errorClass{http.StatusForbidden, "not_shared"}
	case errors.Is(err, acctmap.ErrNotFound):
		return errorClass{http.StatusNotFound, "not_found"}
	case errors.Is(err, acctmap.ErrNotPartners):
		return errorClass{http.StatusNotFound, "not_partners"}
	case errors.Is(err, acctmap.ErrPermissionDenied):
		return errorClass{http.StatusForbidden, "permission_denied"}
	case errors.Is(err, acctmap.ErrInvalidInput):
		return errorClass{http.StatusBadRequest, "invalid_input"}
	case errors.Is(err, acctmap.ErrConflict):
		return errorClass{http.StatusConflict, "conflict"}
	case errors.Is(err, acctmap.ErrLimitExceeded):
		return errorClass{http.StatusTooManyRequests, "limit_exceeded"}
	case errors.Is(err, context.DeadlineExceeded):
		return errorClass{http.StatusServiceUnavailable, "timeout"}
	default:
		return errorClass{http.StatusInternalServerError, "internal"}
	}
}

// The app's own errors, classified like the library's.
var (
	errUnauthenticated  = errors.New("sign in first")
	errCSRF             = errors.New("missing or invalid CSRF token: reload the page and try again")
	errBadRequest       = errors.New("bad request")
	errUnsupportedMedia = errors.New("send JSON with Content-Type: application/json")
	errTooLarge         = errors.New("request body too large")
)

// publicMessage is the message shown for err: the library's own (which
// names the input, and never data of an org the caller may not see) for
// classified errors, and nothing of an internal one, which is logged instead.
func publicMessage(err error, c errorClass) string {
	if c.status == http.StatusInternalServerError {
		return "internal error"
	}
	if c.status == http.StatusServiceUnavailable {
		return "the request took too long"
	}
	return err.Error()
}
