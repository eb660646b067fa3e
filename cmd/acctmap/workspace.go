package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/boltstore"
	"github.com/acctmap/acctmap/pgstore"
)

const defaultWorkspace = "acctmap.db"

// workspace is an opened store and the network in it.
type workspace struct {
	store acctmap.Store
	net   *acctmap.Network
	close func()
	// statePath is the file that remembers the current user.
	statePath string
	// name says which workspace this is, in messages.
	name string
}

// open opens the workspace; create says whether a missing file may be
// created (init does, the other commands refuse to make an empty one).
func (a *app) open(ctx context.Context, create bool) (*workspace, error) {
	if a.ws != nil {
		return a.ws, nil
	}
	dsn := firstNonEmpty(a.db, a.getenv("ACCTMAP_DB"))
	var ws *workspace
	if dsn != "" {
		var opts []pgstore.Option
		schema := firstNonEmpty(a.schema, a.getenv("ACCTMAP_SCHEMA"))
		if schema != "" {
			opts = append(opts, pgstore.WithSchema(schema))
		}
		s, err := pgstore.Open(ctx, dsn, opts...)
		if err != nil {
			return nil, failf("cannot open the PostgreSQL workspace: %s", libraryMessage(err))
		}
		state, err := pgStatePath(dsn, schema)
		if err != nil {
			s.Close()
			return nil, err
		}
		ws = &workspace{store: s, close: s.Close, statePath: state, name: "the PostgreSQL workspace"}
	} else {
		path := firstNonEmpty(a.workspace, a.getenv("ACCTMAP_WORKSPACE"), defaultWorkspace)
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) && !create {
			return nil, failf("no workspace at %s: run 'acctmap init --org NAME --user ID' to create one, or pass --workspace FILE", path)
		}
		s, err := boltstore.Open(path, boltstore.WithLockTimeout(5*time.Second))
		if err != nil {
			if errors.Is(err, boltstore.ErrLocked) || errors.Is(err, boltstore.ErrCorrupt) {
				return nil, err
			}
			return nil, failf("cannot open the workspace %s: %s", path, libraryMessage(err))
		}
		ws = &workspace{store: s, close: func() { _ = s.Close() }, statePath: path + ".user", name: path}
	}
	n, err := acctmap.Open(ws.store)
	if err != nil {
		ws.close()
		return nil, err
	}
	ws.net = n
	a.ws = ws
	return ws, nil
}

// pgStatePath is where the current user of a PostgreSQL workspace is kept:
// in the user's config directory, under a hash of the DSN and schema (the
// DSN may hold a password, which the file name must not).
func pgStatePath(dsn, schema string) (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", failf("cannot find a directory to remember the current user in (%v); pass --as USER", err)
	}
	sum := sha256.Sum256([]byte(dsn + "\x00" + schema))
	return filepath.Join(dir, "acctmap", "pg-"+hex.EncodeToString(sum[:8])+".user"), nil
}

// readState returns the remembered current user, or "".
func (ws *workspace) readState() (string, error) {
	b, err := os.ReadFile(ws.statePath)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", failf("cannot read the current user from %s: %v", ws.statePath, errors.Unwrap(err))
	}
	return strings.TrimSpace(string(b)), nil
}

// writeState remembers the current user, replacing the file atomically.
func (ws *workspace) writeState(userID string) error {
	if err := os.MkdirAll(filepath.Dir(ws.statePath), 0o700); err != nil {
		return failf("cannot remember the current user: %v", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(ws.statePath), ".acctmap-user-*")
	if err != nil {
		return failf("cannot remember the current user: %v", err)
	}
	_, werr := tmp.WriteString(userID + "\n")
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return failf("cannot remember the current user: %v", err)
	}
	if err := os.Rename(tmp.Name(), ws.statePath); err != nil {
		_ = os.Remove(tmp.Name())
		return failf("cannot remember the current user: %v", err)
	}
	return nil
}

// session is the current user, its org and its Actor.
type session struct {
	ws    *workspace
	actor *acctmap.Actor
	user  acctmap.User
	org   acctmap.Org
}

// me opens the workspace and returns the session of the current user.
func (a *app) me(ctx context.Context) (*session, error) {
	ws, err := a.open(ctx, false)
	if err != nil {
		return nil, err
	}
	id := firstNonEmpty(a.as, a.getenv("ACCTMAP_USER"))
	if id == "" {
		if id, err = ws.readState(); err != nil {
			return nil, err
		}
	}
	if id == "" {
		return nil, failf("no current user in %s: run 'acctmap use USER', or pass --as USER", ws.name)
	}
	actor := ws.net.As(id)
	u, err := actor.Me(ctx)
	if errors.Is(err, acctmap.ErrPermissionDenied) {
		return nil, failf("user %.40q is not in %s; see 'acctmap user list', or add one with 'acctmap org add' or 'acctmap user add'", id, ws.name)
	}
	if err != nil {
		return nil, err
	}
	org, err := ws.net.Org(ctx, u.OrgID)
	if err != nil {
		return nil, err
	}
	return &session{ws: ws, actor: actor, user: u, org: org}, nil
}

// partner is an org the session's org maps accounts with: a network org or
// one of its offline partners.
type partner struct {
	ID, Name string
	Offline  bool
}

// resolvePartner finds an org by what the user typed: an offline partner's
// name or id, or a network org's id or name.
func (s *session) resolvePartner(ctx context.Context, arg string) (partner, error) {
	offline, err := s.actor.OfflinePartners(ctx)
	if err != nil {
		return partner{}, err
	}
	for _, o := range offline {
		if o.ID == arg || strings.EqualFold(o.Name, arg) {
			return partner{ID: o.ID, Name: o.Name, Offline: true}, nil
		}
	}
	orgs, err := s.ws.networkOrgs(ctx)
	if err != nil {
		return partner{}, err
	}
	for _, o := range orgs {
		if o.ID == arg {
			return partner{ID: o.ID, Name: o.Name}, nil
		}
	}
	var found []acctmap.Org
	for _, o := range orgs {
		if strings.EqualFold(o.Name, arg) || slug(o.Name) == slug(arg) {
			found = append(found, o)
		}
	}
	switch len(found) {
	case 1:
		return partner{ID: found[0].ID, Name: found[0].Name}, nil
	case 0:
		return partner{}, failf("no org or offline partner %.40q in %s; see 'acctmap org list' and 'acctmap partner list'", arg, s.ws.name)
	default:
		return partner{}, failf("several orgs are named %.40q: use an id (%s)", arg, strings.Join(orgIDs(found), ", "))
	}
}

// networkOrgs lists the orgs on the network (not offline partners). The
// command is the embedding application: it provisions orgs, and lists them
// as its directory of who can be invited.
func (ws *workspace) networkOrgs(ctx context.Context) ([]acctmap.Org, error) {
	var out []acctmap.Org
	err := ws.store.View(ctx, func(tx acctmap.ReadTx) error {
		orgs, err := tx.Orgs()
		if err != nil {
			return err
		}
		out = out[:0]
		for _, o := range orgs {
			if !o.Offline() {
				out = append(out, o)
			}
		}
		return nil
	})
	return out, err
}

func orgIDs(orgs []acctmap.Org) []string {
	ids := make([]string, len(orgs))
	for i, o := range orgs {
		ids[i] = o.ID
	}
	return ids
}

// orgName returns an org's name for display, its id if it cannot be read.
func (s *session) orgName(ctx context.Context, id string) string {
	if id == s.org.ID {
		return s.org.Name
	}
	if o, err := s.ws.net.Org(ctx, id); err == nil {
		return o.Name
	}
	return id
}

// dataOrg returns the org whose data a command works on: the session's own
// ("" for the library's calls) or, with --partner, one of its offline
// partners.
func (s *session) dataOrg(ctx context.Context, offlineArg string) (orgID string, name string, err error) {
	if offlineArg == "" {
		return "", s.org.Name, nil
	}
	p, err := s.resolvePartner(ctx, offlineArg)
	if err != nil {
		return "", "", err
	}
	if !p.Offline {
		return "", "", failf("%s is a network org, not an offline partner: its own users import its data", p.Name)
	}
	return p.ID, p.Name, nil
}

// resolveSource finds a data source by name or id; with arg "" the org's
// only one.
func (s *session) resolveSource(ctx context.Context, orgID, orgName, arg string) (acctmap.DataSource, error) {
	sources, err := s.actor.DataSources(ctx, orgID)
	if err != nil {
		return acctmap.DataSource{}, err
	}
	if arg == "" {
		switch len(sources) {
		case 1:
			return sources[0], nil
		case 0:
			return acctmap.DataSource{}, failf("%s has no data yet: import a CSV with 'acctmap import FILE'", orgName)
		default:
			return acctmap.DataSource{}, failf("%s has several sources (%s): choose one with --source NAME", orgName, sourceNames(sources))
		}
	}
	for _, ds := range sources {
		if ds.ID == arg {
			return ds, nil
		}
	}
	for _, ds := range sources {
		if strings.EqualFold(ds.Name, arg) {
			return ds, nil
		}
	}
	if len(sources) == 0 {
		return acctmap.DataSource{}, failf("%s has no source %.40q, nor any other: import a CSV with 'acctmap import FILE --source %s'", orgName, arg, arg)
	}
	return acctmap.DataSource{}, failf("%s has no source %.40q (sources: %s)", orgName, arg, sourceNames(sources))
}

func sourceNames(sources []acctmap.DataSource) string {
	names := make([]string, len(sources))
	for i, ds := range sources {
		names[i] = fmt.Sprintf("%q", ds.Name)
	}
	return strings.Join(names, ", ")
}

// resolvePopulation finds one of an org's populations by id, name or
// standard kind ("customers").
func (s *session) resolvePopulation(ctx context.Context, orgID, orgName, arg string) (acctmap.Population, error) {
	pops, err := s.actor.Populations(ctx, orgID)
	if err != nil {
		return acctmap.Population{}, err
	}
	i := slices.IndexFunc(pops, func(p acctmap.Population) bool { return p.ID == arg })
	if i < 0 {
		i = slices.IndexFunc(pops, func(p acctmap.Population) bool {
			return strings.EqualFold(p.Name, arg) || (p.Kind != acctmap.Custom && strings.EqualFold(string(p.Kind), arg))
		})
	}
	if i < 0 {
		names := make([]string, len(pops))
		for j, p := range pops {
			names[j] = fmt.Sprintf("%q", p.Name)
		}
		if len(names) == 0 {
			return acctmap.Population{}, failf("%s has no population %.40q, nor any other: create one with 'acctmap population add'", orgName, arg)
		}
		return acctmap.Population{}, failf("%s has no population %.40q (populations: %s)", orgName, arg, strings.Join(names, ", "))
	}
	return pops[i], nil
}

// resolvePartnerPopulation finds a population of a partner that the
// session's org may see.
func (s *session) resolvePartnerPopulation(ctx context.Context, p partner, arg string) (acctmap.PopulationInfo, error) {
	pops, err := s.actor.PartnerPopulations(ctx, p.ID)
	if err != nil {
		return acctmap.PopulationInfo{}, err
	}
	i := slices.IndexFunc(pops, func(q acctmap.PopulationInfo) bool { return q.ID == arg })
	if i < 0 {
		i = slices.IndexFunc(pops, func(q acctmap.PopulationInfo) bool {
			return strings.EqualFold(q.Name, arg) || (q.Kind != acctmap.Custom && strings.EqualFold(string(q.Kind), arg))
		})
	}
	if i < 0 {
		names := make([]string, len(pops))
		for j, q := range pops {
			names[j] = fmt.Sprintf("%q", q.Name)
		}
		return acctmap.PopulationInfo{}, failf("%s shows you no population %.40q (you see: %s)", p.Name, arg, strings.Join(names, ", "))
	}
	return pops[i], nil
}

// slug makes an id from a name: lower-case letters and digits, words joined
// by "-" ("Acme Analytics, Inc." → "acme-analytics-inc").
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		default:
			dash = true
		}
	}
	return b.String()
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
