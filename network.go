package acctmap

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/acctmap/acctmap/normalize"
)

// Network is everything one embedding app manages: orgs, their users, data
// and partnerships. It is the API's entry point and is safe for concurrent
// use. Its own methods are the embedding app's trusted calls (provisioning
// orgs and users); everything a user does goes through As, which checks the
// user's role on every call.
type Network struct {
	store   Store
	cfg     config
	indexes indexCache
	people  peopleCache // people.go: people and domain indexes, apart from indexes
	feed    notifier    // wakes WaitEvents (events.go)
}

type config struct {
	now           func() time.Time
	normalizer    *normalize.Normalizer
	nameMatching  bool
	minConfidence int
	cacheBytes    int64
	noPushdown    bool
	logger        *slog.Logger
	eventPoll     time.Duration // WithEventPolling (events.go)
}

// Option configures a Network. An option given a value out of its range
// makes Open fail (and New panic) with an error wrapping ErrInvalidInput:
// nothing is clamped silently.
type Option func(*config) error

// WithClock sets the clock used for timestamps (tests use a fixed one).
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return fmt.Errorf("acctmap: WithClock(nil): %w", ErrInvalidInput)
		}
		c.now = now
		return nil
	}
}

// WithNormalizer sets the rules that turn websites and names into keys, for
// example with a longer list of generic domains.
func WithNormalizer(n *normalize.Normalizer) Option {
	return func(c *config) error {
		if n == nil {
			return fmt.Errorf("acctmap: WithNormalizer(nil): %w", ErrInvalidInput)
		}
		c.normalizer = n
		return nil
	}
}

// WithNameMatching lets records match on their names alone, across
// domains: a distinctive name (rare in both data sources, long enough, not
// a generic word: see the confidence table) at ConfidenceDistinctiveName,
// which counts at the default threshold, and other equal names at
// ConfidenceNameOnly, which counts only with WithMinConfidence at or below
// it. It does not change the threshold: the two options compose. Off by
// default: "Delta" is an airline and a faucet maker.
func WithNameMatching() Option {
	return func(c *config) error { c.nameMatching = true; return nil }
}

// WithMinConfidence sets the lowest match confidence that counts as an
// overlap, from ConfidenceUmbrellaMismatch (20) to
// ConfidenceRegistrationID (100); another value is an error. The
// default, ConfidenceDomainNameMismatch (50), counts a shared domain
// unless the names say the records are different entities on one site (a
// fund on its sponsor's domain), and every registration id.
func WithMinConfidence(c int) Option {
	return func(cfg *config) error {
		if c < ConfidenceUmbrellaMismatch || c > ConfidenceRegistrationID {
			return fmt.Errorf("acctmap: WithMinConfidence(%d): want %d to %d: %w", c, ConfidenceUmbrellaMismatch, ConfidenceRegistrationID, ErrInvalidInput)
		}
		cfg.minConfidence = c
		return nil
	}
}

// WithIndexCache bounds the memory of the matcher indexes a Network keeps
// between calls (default 1 GiB; at least 1 MiB); the least recently used
// are rebuilt from the store when needed again. Indexes hold keys and
// membership, about 30 bytes per record, never field values.
func WithIndexCache(bytes int64) Option {
	return func(c *config) error {
		if bytes < 1<<20 {
			return fmt.Errorf("acctmap: WithIndexCache(%d): want at least 1 MiB: %w", bytes, ErrInvalidInput)
		}
		c.cacheBytes = bytes
		return nil
	}
}

// WithoutPushdown computes every overlap matrix in memory, from indexes
// the Network builds and caches, even when the store could compute it
// where the data is (see OverlapTx). With pgstore, the first matrix of a
// pair of 1M-record data sources then loads their keys (about 4.5 s; the
// indexes then hold some 30 bytes per record), and the next ones take a fraction of a second
// while the indexes stay cached; with the pushdown, which is the default,
// each matrix takes a few seconds of the database's time and none of the
// process's memory. Choose this for a long-lived process with memory for
// the indexes (WithIndexCache) that reads matrices often.
func WithoutPushdown() Option {
	return func(c *config) error { c.noPushdown = true; return nil }
}

// WithLogger sends structured records of what users change to l, at
// slog.LevelInfo, one per change once it is stored: partnership changes
// (message "partnership"), offline partners created and deleted ("offline
// partner"), sharing rules set and removed ("sharing rule"), field presets
// ("field preset"), share requests made and decided ("share request") and
// private marks ("private marks"). Records carry ids, levels and counts
// (attributes such as org, user, partner, population, level, fields,
// records), never a record's values nor the names of orgs or fields: a log
// is read by more people than the data. Without this option nothing is
// logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return fmt.Errorf("acctmap: WithLogger(nil): %w", ErrInvalidInput)
		}
		c.logger = l
		return nil
	}
}

// log writes one record of a stored change (see WithLogger).
func (n *Network) log(ctx context.Context, msg string, attrs ...slog.Attr) {
	n.cfg.logger.LogAttrs(ctx, slog.LevelInfo, msg, attrs...)
	n.feed.notify() // every stored change that may have written events is logged
}

// Open returns a Network persisted in store, or an error wrapping
// ErrInvalidInput for a nil store or an option out of its range.
func Open(store Store, opts ...Option) (*Network, error) {
	if store == nil {
		return nil, fmt.Errorf("acctmap: Open with a nil Store: %w", ErrInvalidInput)
	}
	cfg := config{now: time.Now, normalizer: normalize.New(), minConfidence: ConfidenceDomainNameMismatch, cacheBytes: 1 << 30,
		logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("acctmap: Open with a nil Option: %w", ErrInvalidInput)
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	return &Network{store: store, cfg: cfg, indexes: newIndexCache(cfg.cacheBytes)}, nil
}

// New is Open for options written in code: it panics where Open returns
// an error (a nil store, an option out of range), as regexp.MustCompile
// does. Use Open when options come from configuration.
func New(store Store, opts ...Option) *Network {
	n, err := Open(store, opts...)
	if err != nil {
		panic(err)
	}
	return n
}

func (n *Network) now() time.Time { return n.cfg.now().UTC().Truncate(time.Microsecond) }

// newID returns a random id with a prefix that tells what it names.
func newID(prefix string) string {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("acctmap: crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	return prefix + "_" + hex.EncodeToString(b[:])
}

// maxNameLen bounds names of orgs, data sources and populations.
const maxNameLen = 200

// checkName validates a display name: non-empty after trimming, bounded.
func checkName(what, name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", fmt.Errorf("acctmap: %s name is empty: %w", what, ErrInvalidInput)
	case len(name) > maxNameLen:
		return "", fmt.Errorf("acctmap: %s name is longer than %d bytes: %w", what, maxNameLen, ErrInvalidInput)
	}
	return name, nil
}

// checkID validates a caller-supplied id; "" means "generate one".
func checkID(what, id string) error {
	if len(id) > maxNameLen || strings.ContainsFunc(id, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return fmt.Errorf("acctmap: %s id %.40q is too long or has control characters: %w", what, id, ErrInvalidInput)
	}
	return nil
}

// CreateOrg adds an org to the network. org.ID may be set to the embedding
// app's own tenant id, or left empty to have one generated; org.Name is
// required. Offline partners are created by users (Actor.CreateOfflinePartner).
func (n *Network) CreateOrg(ctx context.Context, org Org) (Org, error) {
	name, err := checkName("org", org.Name)
	if err != nil {
		return Org{}, err
	}
	if err := checkID("org", org.ID); err != nil {
		return Org{}, err
	}
	if org.OfflineOf != "" {
		return Org{}, fmt.Errorf("acctmap: create org: offline partners are created with Actor.CreateOfflinePartner: %w", ErrInvalidInput)
	}
	if org.ID == "" {
		org.ID = newID("org")
	}
	org.Name, org.ExportedRecords, org.CreatedAt = name, 0, n.now()
	err = n.store.Update(ctx, func(tx Tx) error {
		if _, err := tx.Org(org.ID); err == nil {
			return fmt.Errorf("acctmap: create org: id %.60q is taken: %w", org.ID, ErrConflict)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		return tx.PutOrg(org)
	})
	if err != nil {
		return Org{}, err
	}
	return org, nil
}

// Org returns an org.
func (n *Network) Org(ctx context.Context, id string) (Org, error) {
	var org Org
	err := n.store.View(ctx, func(tx ReadTx) (err error) {
		org, err = tx.Org(id)
		return err
	})
	return org, err
}

// SetLimits sets an org's plan limits.
func (n *Network) SetLimits(ctx context.Context, orgID string, limits Limits) error {
	if limits.MaxOfflinePartners < 0 || limits.MaxExportedRecords < 0 {
		return fmt.Errorf("acctmap: set limits: negative limit: %w", ErrInvalidInput)
	}
	return n.store.Update(ctx, func(tx Tx) error {
		org, err := tx.Org(orgID)
		if err != nil {
			return err
		}
		org.Limits = limits
		return tx.PutOrg(org)
	})
}

// DeleteOrg deletes an org with everything it owns: users, partnerships,
// data sources, populations and offline partners.
func (n *Network) DeleteOrg(ctx context.Context, id string) error {
	return n.store.Update(ctx, func(tx Tx) error { return tx.DeleteOrg(id) })
}

// AddUser adds a user to an org. user.ID may be the app's own user id or
// empty; OrgID, Name and a valid Role are required.
func (n *Network) AddUser(ctx context.Context, user User) (User, error) {
	if err := checkUser(&user); err != nil {
		return User{}, err
	}
	if user.ID == "" {
		user.ID = newID("usr")
	}
	user.CreatedAt = n.now()
	err := n.store.Update(ctx, func(tx Tx) error {
		org, err := tx.Org(user.OrgID)
		if err != nil {
			return err
		}
		if org.Offline() {
			return fmt.Errorf("acctmap: add user: org %.60q is an offline partner and has no users: %w", org.ID, ErrInvalidInput)
		}
		if _, err := tx.User(user.ID); err == nil {
			return fmt.Errorf("acctmap: add user: id %.60q is taken: %w", user.ID, ErrConflict)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		return tx.PutUser(user)
	})
	if err != nil {
		return User{}, err
	}
	return user, nil
}

func checkUser(u *User) error {
	if err := checkID("user", u.ID); err != nil {
		return err
	}
	name, err := checkName("user", u.Name)
	if err != nil {
		return err
	}
	u.Name, u.Email = name, strings.TrimSpace(u.Email)
	switch u.Role {
	case RoleAdmin:
		u.Permissions = AllPermissions
	case RolePartnerManager:
		if u.Permissions&^AllPermissions != 0 {
			return fmt.Errorf("acctmap: user %.60q: unknown permission bits %#x: %w", u.Name, uint8(u.Permissions), ErrInvalidInput)
		}
	case RoleReadOnly:
		u.Permissions = 0
	default:
		return fmt.Errorf("acctmap: user %.60q: unknown role %.60q: %w", u.Name, u.Role, ErrInvalidInput)
	}
	return nil
}

// SetRole changes a user's role and, for a partner manager, permissions.
// It takes effect on the user's next call.
func (n *Network) SetRole(ctx context.Context, userID string, role Role, perms Permission) error {
	return n.store.Update(ctx, func(tx Tx) error {
		u, err := tx.User(userID)
		if err != nil {
			return err
		}
		u.Role, u.Permissions = role, perms
		if err := checkUser(&u); err != nil {
			return err
		}
		return tx.PutUser(u)
	})
}

// RemoveUser deletes a user; calls made as that user fail from then on.
func (n *Network) RemoveUser(ctx context.Context, userID string) error {
	return n.store.Update(ctx, func(tx Tx) error { return tx.DeleteUser(userID) })
}

// Actor makes calls as one user. Every call loads the user afresh and checks
// its role and org, so changes of role or membership apply at once.
type Actor struct {
	n      *Network
	userID string
}

// As returns an Actor that acts as the user with this id. It does no I/O:
// an unknown user gets ErrPermissionDenied on every call.
func (n *Network) As(userID string) *Actor { return &Actor{n: n, userID: userID} }

// user loads the acting user and checks it holds perm (0: any role may).
func (a *Actor) user(tx ReadTx, perm Permission) (User, error) {
	u, err := tx.User(a.userID)
	if errors.Is(err, ErrNotFound) {
		return User{}, fmt.Errorf("acctmap: unknown user: %w", ErrPermissionDenied)
	}
	if err != nil {
		return User{}, err
	}
	if perm != 0 && !effectivePermissions(u).Has(perm) {
		return User{}, fmt.Errorf("acctmap: user %.60q lacks the %s permission: %w", u.ID, perm, ErrPermissionDenied)
	}
	return u, nil
}

// effectivePermissions applies the role over the stored permission bits.
func effectivePermissions(u User) Permission {
	switch u.Role {
	case RoleAdmin:
		return AllPermissions
	case RolePartnerManager:
		return u.Permissions & AllPermissions
	}
	return 0
}

// String names the permissions in p.
func (p Permission) String() string {
	var names []string
	for _, x := range []struct {
		p    Permission
		name string
	}{{ManageDataSources, "manage data sources"}, {ManagePartnerships, "manage partnerships"}, {ManageSharing, "manage sharing"}, {ExportRecords, "export records"}} {
		if p&x.p != 0 {
			names = append(names, x.name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, "+")
}

// actOn loads the acting user, checks perm, and checks that the user may
// act on the data of org orgID: its own org, or an offline partner its org
// owns. It returns the user and the target org. Any other org, existing or
// not, is ErrNotFound with the same message: an id of another org tells
// the caller nothing (the id is the caller's own input).
func (a *Actor) actOn(tx ReadTx, perm Permission, orgID string) (User, Org, error) {
	u, err := a.user(tx, perm)
	if err != nil {
		return User{}, Org{}, err
	}
	org, ok, err := ownedOrg(tx, u, orgID)
	if err != nil {
		return User{}, Org{}, err
	}
	if !ok {
		return User{}, Org{}, fmt.Errorf("acctmap: org %.80q: %w", orgID, ErrNotFound)
	}
	return u, org, nil
}

// ownedOrg loads org orgID if user u may act on its data: u's own org or
// an offline partner of it. ok is false for any other org, existing or
// not: callers answer both the same way.
func ownedOrg(tx ReadTx, u User, orgID string) (Org, bool, error) {
	org, err := tx.Org(orgID)
	if errors.Is(err, ErrNotFound) {
		return Org{}, false, nil
	}
	if err != nil {
		return Org{}, false, err
	}
	return org, org.ID == u.OrgID || org.OfflineOf == u.OrgID, nil
}

// readableOrg resolves orgID ("" for the acting user's own org) and checks
// that the user may read that org's data: its own org's or an offline
// partner's of it.
func (a *Actor) readableOrg(tx ReadTx, orgID string) (string, error) {
	u, err := a.user(tx, 0)
	if err != nil {
		return "", err
	}
	if orgID == "" {
		orgID = u.OrgID
	}
	_, _, err = a.actOn(tx, 0, orgID)
	return orgID, err
}

// ownOrg loads the acting user's org, checking the user holds perm.
func (a *Actor) ownOrg(tx ReadTx, perm Permission) (Org, error) {
	u, err := a.user(tx, perm)
	if err != nil {
		return Org{}, err
	}
	return tx.Org(u.OrgID)
}

// Me returns the acting user.
func (a *Actor) Me(ctx context.Context) (User, error) {
	var u User
	err := a.n.store.View(ctx, func(tx ReadTx) (err error) {
		u, err = a.user(tx, 0)
		return err
	})
	return u, err
}

// Users lists the users of the acting user's org.
func (a *Actor) Users(ctx context.Context) ([]User, error) {
	var users []User
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		u, err := a.user(tx, 0)
		if err != nil {
			return err
		}
		users, err = tx.Users(u.OrgID)
		return err
	})
	return users, err
}

// logged logs a change made by the acting user once it is stored (err is
// nil), with the user's id, and returns err.
func (a *Actor) logged(ctx context.Context, msg string, err error, attrs ...slog.Attr) error {
	if err == nil {
		a.n.log(ctx, msg, append([]slog.Attr{slog.String("user", a.userID)}, attrs...)...)
	}
	return err
}
