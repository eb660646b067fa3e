package private

import (
	"math"
	"time"
)

// Defaults and bounds of the configuration.
const (
	// DefaultFalsePositiveRate is the Bloom filter's false-positive rate
	// per test when ResponderConfig.FalsePositiveRate is 0.
	DefaultFalsePositiveRate = 1e-6
	minFPRate                = 1e-12
	maxFPRate                = 0.5
	// DefaultMaxClockSkew is how far a hello's time may be from the
	// responder's clock when ResponderConfig.MaxClockSkew is 0.
	DefaultMaxClockSkew = 5 * time.Minute
)

// Limits bound what one session handles; a zero field takes its default.
// Both sides apply them to their own data and to what the peer announces.
type Limits struct {
	MaxAccounts       int // accounts one side sends; default 1<<23
	MaxKeys           int // keys (blinded points) one side sends; default 1<<24
	MaxKeysPerAccount int // domains plus registration ids of one account; default 1024
	MaxBloomBytes     int // the Bloom filter's size; default 256 MiB
}

func (l Limits) maxBloomBytes() int {
	if l.MaxBloomBytes <= 0 {
		return 256 << 20
	}
	return l.MaxBloomBytes
}

func (l Limits) withDefaults() Limits {
	if l.MaxAccounts <= 0 {
		l.MaxAccounts = 1 << 23
	}
	if l.MaxKeys <= 0 {
		l.MaxKeys = 1 << 24
	}
	if l.MaxKeysPerAccount <= 0 {
		l.MaxKeysPerAccount = 1024
	}
	l.MaxKeysPerAccount = min(l.MaxKeysPerAccount, framePoints)
	return l
}

// Matrix is the overlap matrix one party learned.
type Matrix struct {
	// Rows are the initiator's populations, Cols the responder's
	// populations it shares, both in slot order.
	Rows, Cols []Population
	// Counts[i][j] is the number of the initiator's accounts in Rows[i]
	// that match an account of the responder in Cols[j] (see the package
	// documentation for how that relates to acctmap's Matrix). It is 0
	// where Suppressed[i][j].
	Counts [][]int64
	// Suppressed[i][j] says the count is fewer than MinCellSize (0
	// included) and was not released. Always false on the responder's
	// side, which computes the counts.
	Suppressed [][]bool
	// MinCellSize is the responder's minimum cell size (0 or 1: none).
	MinCellSize int64
	// FalsePositiveRate is the Bloom filter's rate per test.
	FalsePositiveRate float64
	// RowTests[i] bounds the number of filter tests behind any cell of
	// row i: see CountErrorBound. Known to the initiator only (it is a
	// count of its own keys); nil on the responder's side.
	RowTests []int64
}

// Match is one of the initiator's accounts that the second phase
// revealed as matching.
type Match struct {
	// Records are the ids of the account's records (its public ones),
	// sorted.
	Records []string
	// Cols are the indexes (into Matrix.Cols) of the responder's
	// populations, among those that reveal matches, that the account
	// matches.
	Cols []int
}

// Stats describe one party's run of a session.
type Stats struct {
	Sent, Received Traffic
	// Group operations this party did.
	HashToGroup, ScalarMults, Decodes, Encodes int64
	BloomAdds, BloomTests                      int64
	// Wall times: Keys from the accept to the end of both key streams,
	// Bloom for the filter (built by the initiator, tested by the
	// responder) and Total for the whole session.
	Keys, Bloom, Total time.Duration
	// Accounts and Keys this side sent, and the peer's.
	MyAccounts, MyKeys, PeerAccounts, PeerKeys int64
}

// Result is what one party learned from a session.
type Result struct {
	// SessionID names the session (hex), the same on both sides.
	SessionID string
	Matrix    Matrix
	// Matches are the second phase's answer, on the initiator's side
	// only, when it asked for them and the responder reveals some of its
	// populations' matches; sorted by first record id.
	Matches []Match
	Stats   Stats
}

// CountErrorBound returns c such that, with probability at least 1−delta,
// a count differs from the exact one by at most c, when tests filter tests
// lie behind it (Matrix.RowTests) at a false-positive rate fpRate. Each
// test is wrong with probability at most fpRate; the bound is the
// Chernoff bound on a sum of such tests: the smallest c ≥ μ = tests·fpRate
// with e^−μ·(e·μ/(c+1))^(c+1) ≤ delta, a bound on the probability that
// more than c tests are wrong.
func CountErrorBound(tests int64, fpRate, delta float64) int64 {
	if tests <= 0 || fpRate <= 0 {
		return 0
	}
	if delta <= 0 || delta >= 1 {
		delta = 1e-9
	}
	mu := float64(tests) * fpRate
	logDelta := math.Log(delta)
	for c := math.Max(1, math.Ceil(mu)); c <= float64(tests); c++ {
		// P[W ≥ c] ≤ e^−μ (eμ/c)^c; its log is −μ + c(1 + log μ − log c).
		if -mu+c*(1+math.Log(mu)-math.Log(c)) <= logDelta {
			return int64(c) - 1
		}
	}
	return tests
}
