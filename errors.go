package acctmap

import "errors"

// Sentinel errors. Every error the package returns wraps at most one of them
// with context; branch on them with errors.Is. Messages of permission errors
// never contain data of the org that was asked about.
var (
	// ErrNotFound reports an org, user, data source, population, record or
	// partnership that does not exist (or that the caller may not know of).
	ErrNotFound = errors.New("not found")
	// ErrPermissionDenied reports a call the user's role does not allow.
	ErrPermissionDenied = errors.New("permission denied")
	// ErrNotPartners reports a call that needs an accepted partnership
	// between the two orgs.
	ErrNotPartners = errors.New("not partners")
	// ErrInvalidInput reports a malformed argument: a bad filter, an empty
	// name, a CSV that cannot be read. The message names the input.
	ErrInvalidInput = errors.New("invalid input")
	// ErrConflict reports a call that conflicts with the current state: a
	// duplicate id or invite, accepting an invite that is not pending.
	ErrConflict = errors.New("conflict")
	// ErrLimitExceeded reports a call that would exceed a plan limit.
	ErrLimitExceeded = errors.New("plan limit exceeded")
)
