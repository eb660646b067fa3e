package private

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error the package returns wraps one of them;
// check with errors.Is. An error that the peer reported (an abort message)
// is a *PeerError, which wraps the sentinel of its code as well as
// ErrPeer.
var (
	// ErrInvalidInput: a caller's Side or configuration is not usable.
	ErrInvalidInput = errors.New("private: invalid input")
	// ErrVersion: a message of an unknown magic or protocol version.
	ErrVersion = errors.New("private: unsupported protocol version")
	// ErrTruncated: the stream ended inside a message or before the
	// protocol was complete.
	ErrTruncated = errors.New("private: truncated message")
	// ErrTooLarge: a message longer than its type allows.
	ErrTooLarge = errors.New("private: message too large")
	// ErrMalformed: a message whose content does not parse, or disagrees
	// with what the session announced (counts, lengths, parameters).
	ErrMalformed = errors.New("private: malformed message")
	// ErrUnexpected: a message of a type the protocol does not allow at
	// this point.
	ErrUnexpected = errors.New("private: unexpected message")
	// ErrBadPoint: a group element that is not a canonical ristretto255
	// encoding, or is the identity.
	ErrBadPoint = errors.New("private: invalid group element")
	// ErrDuplicate: the initiator sent the same blinded key twice (for
	// one account or two): refused, since repeating a key would multiply
	// its weight in the counts.
	ErrDuplicate = errors.New("private: duplicate blinded key")
	// ErrSession: a message of another session.
	ErrSession = errors.New("private: wrong session")
	// ErrReplay: a session start (hello) already seen.
	ErrReplay = errors.New("private: replayed session")
	// ErrStale: a session start whose time is outside the responder's
	// window, or a session that expired.
	ErrStale = errors.New("private: stale session")
	// ErrLimit: more accounts, keys or sessions than the limits allow.
	ErrLimit = errors.New("private: limit exceeded")
	// ErrPeer: the peer aborted the session; the error is a *PeerError.
	ErrPeer = errors.New("private: peer aborted")
)

// errCodes numbers the sentinels for abort messages (an array value, so
// that nothing at package level can change it).
func errCodes() [13]error {
	return [13]error{nil, ErrInvalidInput, ErrVersion, ErrTruncated, ErrTooLarge, ErrMalformed,
		ErrUnexpected, ErrBadPoint, ErrDuplicate, ErrSession, ErrReplay, ErrStale, ErrLimit}
}

func codeOf(err error) uint64 {
	for i, e := range errCodes() {
		if e != nil && errors.Is(err, e) {
			return uint64(i)
		}
	}
	return 0
}

// PeerError is an abort the peer sent: its reason and message.
type PeerError struct {
	// Reason is the sentinel matching the peer's code, or nil when the
	// code is unknown.
	Reason  error
	Message string // the peer's message, at most maxAbortMessage bytes
}

func (e *PeerError) Error() string {
	return fmt.Sprintf("private: peer aborted: %.200q", e.Message)
}

// Unwrap returns ErrPeer and the reason's sentinel.
func (e *PeerError) Unwrap() []error {
	if e.Reason == nil {
		return []error{ErrPeer}
	}
	return []error{ErrPeer, e.Reason}
}
