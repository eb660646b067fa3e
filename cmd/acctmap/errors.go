package main

import (
	"context"
	"errors"
	"strings"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/boltstore"
	"github.com/acctmap/acctmap/pgstore"
)

// explain turns an error into the line a partner manager reads: the
// library's message without its package prefixes and sentinel suffix, and
// what to do about it.
func explain(err error) string {
	var ue *userErr
	if errors.As(err, &ue) {
		return ue.msg
	}
	msg := libraryMessage(err)
	switch {
	case errors.Is(err, boltstore.ErrLocked):
		return "the workspace is in use by another acctmap command; wait for it to finish and try again"
	case errors.Is(err, boltstore.ErrCorrupt):
		return "the workspace file is not an acctmap workspace, or it is damaged (" + msg + "); check --workspace"
	case errors.Is(err, pgstore.ErrSchemaVersion):
		return msg + "; use the acctmap version that matches the database"
	case errors.Is(err, pgstore.ErrCommitUnknown):
		return "the database connection was lost while saving; check with a list command whether the change was made"
	case errors.Is(err, acctmap.ErrNotShared):
		return msg + "; ask the partner for its records with 'acctmap share request PARTNER --population NAME --level overlapping --fields name'"
	case errors.Is(err, acctmap.ErrNotPartners):
		return msg + "; invite the org with 'acctmap partner invite ORG', and have one of its admins run 'acctmap partner accept YOUR-ORG'"
	case errors.Is(err, acctmap.ErrPermissionDenied):
		return "not allowed: " + msg + "; ask an admin of your org"
	case errors.Is(err, acctmap.ErrLimitExceeded):
		return "plan limit reached: " + msg
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out: " + msg
	}
	return msg
}

// sentinels whose text ends the library's messages; the CLI's own words
// replace them.
var sentinels = []error{
	acctmap.ErrPermissionDenied, acctmap.ErrNotPartners, acctmap.ErrInvalidInput,
	acctmap.ErrConflict, acctmap.ErrLimitExceeded, acctmap.ErrNotShared,
	boltstore.ErrCorrupt,
}

// libraryMessage returns err's message without "acctmap: " prefixes and
// without the text of the sentinel it wraps ("…: conflict"), which the
// message's own words say better. "not found" stays: it is the message.
func libraryMessage(err error) string {
	msg := strings.ReplaceAll(err.Error(), "acctmap: ", "")
	for _, s := range sentinels {
		if errors.Is(err, s) {
			msg = strings.TrimSuffix(msg, ": "+s.Error())
		}
	}
	if strings.HasSuffix(msg, ": "+acctmap.ErrNotFound.Error()) {
		msg = strings.TrimSuffix(msg, ": "+acctmap.ErrNotFound.Error()) + " not found"
	}
	return msg
}
