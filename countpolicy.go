package acctmap

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"time"
)

// CountPolicy is a data owner's defence of its counts against partners
// that probe them. A partner that sees a population at counts only can
// still test whether the owner has an account it can name: a one-record
// population reads 1 or 0 against the owner's; two large populations that
// differ by one record read 103 or 102; editing a population and reading
// again does the same. A count policy stops those probes for the cells of
// the owner's populations shared at counts only (a population shared at a
// record level shows its overlapping records, and so their number):
//
//   - MinCellSize k releases a count below k, 0 included, as "fewer than
//     k" (CountReleasedBelow; the cell reads -1), never as a number. It
//     alone stops the one-record probe.
//   - Epsilon turns on noise: each released count gets discrete Laplace
//     noise of scale 1/Epsilon, drawn from a keyed hash (the org's
//     CountKey) of the cell's inputs — the digests of the viewer's records
//     in its population and of the owner's records in its own, and the two
//     populations — so reading the same cell again returns the same number
//     and averaging re-reads learns nothing. Budget bounds what a viewer
//     can learn by changing its populations instead: each cell with inputs
//     not released before in the current Period spends Epsilon, and once
//     Budget is spent, new cells are withheld (CountReleasedWithheld; the
//     cell reads -1) until the period ends. The threshold then applies to
//     the noisy count.
//
// With noise, what any one viewer can learn about whether the owner has
// one given account is bounded in the sense of differential privacy: the
// outputs of a period with and without that account differ in probability
// by a factor of at most e^Budget, for an account whose presence changes
// each count by at most one. A record that links several of the viewer's
// accounts into one match can change a count by more than one; it is
// protected at a correspondingly weaker level. What the policy does not
// stop: a viewer that is also partner to itself under another org (the
// budget is per viewer org); several colluding partners pooling what they
// learn; record-level sharing, which reveals records by design; and the
// counts of the viewer's own populations, which are its own.
//
// The zero CountPolicy releases exact counts, the default: then a partner
// that sees a population at counts only learns, for any set of accounts it
// can put in a population of its own, exactly how many the owner's
// population holds (the probes above work), and nothing of the owner's
// records beyond that.
type CountPolicy struct {
	// MinCellSize is the smallest count released as a number; 0 (or 1)
	// releases every count.
	MinCellSize int64
	// Epsilon is the privacy cost of one released cell; 0 adds no noise.
	Epsilon float64
	// Budget is the total cost one viewer may spend in a Period; required
	// with Epsilon.
	Budget float64
	// Period is how long a budget lasts; required with Epsilon.
	Period time.Duration
}

// Bounds on a count policy's values.
const (
	maxMinCellSize = 1_000_000
	maxEpsilon     = 10
)

// check validates a policy.
func (p CountPolicy) check() error {
	switch {
	case p.MinCellSize < 0 || p.MinCellSize > maxMinCellSize:
		return fmt.Errorf("acctmap: count policy: MinCellSize %d is not between 0 and %d: %w", p.MinCellSize, maxMinCellSize, ErrInvalidInput)
	case math.IsNaN(p.Epsilon) || p.Epsilon < 0 || p.Epsilon > maxEpsilon:
		return fmt.Errorf("acctmap: count policy: Epsilon %v is not between 0 and %d: %w", p.Epsilon, maxEpsilon, ErrInvalidInput)
	case p.Epsilon == 0 && (p.Budget != 0 || p.Period != 0):
		return fmt.Errorf("acctmap: count policy: a budget needs an Epsilon: %w", ErrInvalidInput)
	case p.Epsilon > 0 && (math.IsNaN(p.Budget) || math.IsInf(p.Budget, 0) || p.Budget < p.Epsilon):
		return fmt.Errorf("acctmap: count policy: Budget %v must be at least Epsilon %v: %w", p.Budget, p.Epsilon, ErrInvalidInput)
	case p.Epsilon > 0 && p.Period < time.Hour:
		return fmt.Errorf("acctmap: count policy: Period %v is shorter than an hour: %w", p.Period, ErrInvalidInput)
	}
	return nil
}

// active reports whether the policy changes any count.
func (p CountPolicy) active() bool { return p.MinCellSize > 1 || p.Epsilon > 0 }

// CountRelease tells how a count was released to a partner.
type CountRelease uint8

// How counts are released.
const (
	// CountExact: the count is exact (no count policy applies to it).
	CountExact CountRelease = iota
	// CountNoisy: the count has noise added (CountPolicy.Epsilon).
	CountNoisy
	// CountReleasedBelow: the count is below CountPolicy.MinCellSize; the
	// cell reads -1.
	CountReleasedBelow
	// CountReleasedWithheld: the viewer's budget for the period is spent;
	// the cell reads -1.
	CountReleasedWithheld
)

// String names the release.
func (r CountRelease) String() string {
	switch r {
	case CountNoisy:
		return "noisy"
	case CountReleasedBelow:
		return "below the minimum cell size"
	case CountReleasedWithheld:
		return "withheld: budget spent"
	}
	return "exact"
}

// CountLedger is what an org released to one partner under its count
// policy in the current period. The Network keeps it in the org
// (Org.CountLedgers).
type CountLedger struct {
	PeriodStart time.Time
	Spent       float64
	// Released are the digests of the cells released in the period.
	Released []string
}

// SetCountPolicy sets the count policy of the acting user's org for one
// partner, or the default for every partner without one of its own when
// partnerID is "". The zero policy removes a partner's policy (it then
// falls back to the default) or, as the default, releases exact counts.
// It needs ManageSharing, and applies from the next read.
func (a *Actor) SetCountPolicy(ctx context.Context, partnerID string, p CountPolicy) error {
	if err := p.check(); err != nil {
		return err
	}
	if err := checkID("partner", partnerID); err != nil {
		return err
	}
	return a.n.store.Update(ctx, func(tx Tx) error {
		org, err := a.ownOrg(tx, ManageSharing)
		if err != nil {
			return err
		}
		if partnerID == org.ID {
			return fmt.Errorf("acctmap: count policy: an org is not its own partner: %w", ErrInvalidInput)
		}
		if partnerID == "" {
			org.Counts = p
		} else {
			counts := map[string]CountPolicy{}
			for k, v := range org.CountsFor {
				counts[k] = v
			}
			if p == (CountPolicy{}) {
				delete(counts, partnerID)
			} else {
				counts[partnerID] = p
			}
			if len(counts) == 0 {
				counts = nil
			}
			org.CountsFor = counts
		}
		if p.Epsilon > 0 && len(org.CountKey) == 0 {
			key := make([]byte, 32)
			if _, err := rand.Read(key); err != nil {
				return fmt.Errorf("acctmap: count policy: %w", err)
			}
			org.CountKey = key
		}
		return tx.PutOrg(org)
	})
}

// CountPolicyFor returns the count policy of the acting user's org for a
// partner: its own, else the default.
func (a *Actor) CountPolicyFor(ctx context.Context, partnerID string) (CountPolicy, error) {
	var p CountPolicy
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		org, err := a.ownOrg(tx, 0)
		p = policyFor(org, partnerID)
		return err
	})
	return p, err
}

// policyFor is the policy org applies to viewer.
func policyFor(org Org, viewer string) CountPolicy {
	if p, ok := org.CountsFor[viewer]; ok {
		return p
	}
	return org.Counts
}

// cellDraw is one count of a matrix under a count policy, before release.
type cellDraw struct {
	i, j   int
	count  int64
	digest string // what the cell's noise is drawn from; its ledger entry
}

// cellDigest names a cell by its inputs: the two populations and the
// digests of the records the count reads on each side.
func cellDigest(viewerPop, ownerPop string, xDigest, yDigest uint64) string {
	h := sha256.New()
	var b [8]byte
	for _, s := range []string{viewerPop, ownerPop} {
		binary.LittleEndian.PutUint64(b[:], uint64(len(s)))
		h.Write(b[:])
		h.Write([]byte(s))
	}
	binary.LittleEndian.PutUint64(b[:], xDigest)
	h.Write(b[:])
	binary.LittleEndian.PutUint64(b[:], yDigest)
	h.Write(b[:])
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// laplaceNoise draws discrete Laplace noise of scale 1/epsilon (a
// two-sided geometric variable, P(k) ∝ e^(−epsilon·|k|)) from the keyed
// hash of digest: the same key and digest give the same noise.
func laplaceNoise(key []byte, digest string, epsilon float64) int64 {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(digest))
	sum := m.Sum(nil)
	uniform := func(b []byte) float64 {
		// 53 random bits, in (0, 1].
		return (float64(binary.LittleEndian.Uint64(b)>>11) + 1) / (1 << 53)
	}
	// Geometric on {0, 1, …} with P(k) = (1−α)α^k, by inversion: the
	// difference of two is the two-sided geometric.
	lnAlpha := -epsilon
	geo := func(u float64) int64 { return int64(math.Floor(math.Log(u) / lnAlpha)) }
	return geo(uniform(sum[0:8])) - geo(uniform(sum[8:16]))
}

// releaseCounts applies owner's count policy for viewer to the cells of m
// that draws lists, in one transaction that records what it releases in
// the owner's ledger for the viewer (only with noise: a threshold alone
// needs no memory). It sets m.Release and m.Policy, and Counts and
// HiddenFromPartner of the cells it does not release exactly.
func (n *Network) releaseCounts(ctx context.Context, ownerID, viewer string, m *OverlapMatrix, draws []cellDraw) error {
	if len(draws) == 0 {
		return nil
	}
	var decided []CountRelease
	var values []int64
	var policy CountPolicy
	decide := func(owner Org, ledger *CountLedger, now time.Time) bool {
		policy = policyFor(owner, viewer)
		decided, values = make([]CountRelease, len(draws)), make([]int64, len(draws))
		changed := false
		if policy.Epsilon > 0 && (ledger.PeriodStart.IsZero() || !now.Before(ledger.PeriodStart.Add(policy.Period))) {
			*ledger = CountLedger{PeriodStart: now}
			changed = true
		}
		for k, d := range draws {
			c, how := d.count, CountExact
			if policy.Epsilon > 0 {
				if !slices.Contains(ledger.Released, d.digest) {
					if ledger.Spent+policy.Epsilon > policy.Budget+1e-9 {
						decided[k], values[k] = CountReleasedWithheld, -1
						continue
					}
					ledger.Spent += policy.Epsilon
					ledger.Released = append(ledger.Released, d.digest)
					changed = true
				}
				c, how = max(0, c+laplaceNoise(owner.CountKey, d.digest, policy.Epsilon)), CountNoisy
			}
			if policy.MinCellSize > 1 && c < policy.MinCellSize {
				c, how = -1, CountReleasedBelow
			}
			decided[k], values[k] = how, c
		}
		return changed
	}
	err := n.store.Update(ctx, func(tx Tx) error {
		owner, err := tx.Org(ownerID)
		if err != nil {
			return err
		}
		ledger := owner.CountLedgers[viewer]
		ledger.Released = slices.Clone(ledger.Released)
		if !decide(owner, &ledger, n.now()) {
			return nil // nothing to write: a threshold, or cells released before
		}
		ledgers := make(map[string]CountLedger, len(owner.CountLedgers)+1)
		for k, v := range owner.CountLedgers {
			ledgers[k] = v
		}
		ledgers[viewer] = ledger
		owner.CountLedgers = ledgers
		return tx.PutOrg(owner)
	})
	if err != nil {
		return err
	}
	m.Policy = policy
	if m.Release == nil {
		m.Release = make([][]CountRelease, len(m.Counts))
		for i := range m.Release {
			m.Release[i] = make([]CountRelease, len(m.Counts[i]))
		}
	}
	for k, d := range draws {
		m.Counts[d.i][d.j] = values[k]
		m.Release[d.i][d.j] = decided[k]
		// What the viewer's own records hide from the partner is
		// computed from the partner's records too: not released apart.
		m.HiddenFromPartner[d.i][d.j] = -1
	}
	return nil
}

// orgKey returns the org's secret key (Org.CountKey), which keys noisy
// counts and the content-derived ids of imports; when the org has none
// yet, a fresh one, with made true: the caller stores it (storeOrgKey) in
// the transaction that uses it, so that a failed call changes nothing.
func (n *Network) orgKey(ctx context.Context, orgID string) (key []byte, made bool, err error) {
	if err := n.store.View(ctx, func(tx ReadTx) error {
		org, err := tx.Org(orgID)
		key = org.CountKey
		return err
	}); err != nil || len(key) > 0 {
		return key, false, err
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, false, err
	}
	return key, true, nil
}

// storeOrgKey stores a key orgKey made, unless a concurrent call stored
// another meanwhile: then what was computed with it is stale (ErrConflict).
func storeOrgKey(tx Tx, orgID string, key []byte) error {
	org, err := tx.Org(orgID)
	if err != nil {
		return err
	}
	switch {
	case len(org.CountKey) == 0:
		org.CountKey = key
		return tx.PutOrg(org)
	case !bytes.Equal(org.CountKey, key):
		return fmt.Errorf("acctmap: the org's secret key was made by a concurrent call; try again: %w", ErrConflict)
	}
	return nil
}
