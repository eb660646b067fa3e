package pgstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/fieldtype"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// reader is the ReadTx of a View, and the read half of a writer.
type reader struct {
	s   *Store
	ctx context.Context
	tx  pgx.Tx
	// err is the first error of a statement. PostgreSQL aborts the
	// transaction on any error, so every later call fails with it, and
	// Update does not commit.
	err  error
	done bool // set when fn returns
}

// writer is the Tx of an Update.
type writer struct {
	reader
}

// check reports why the transaction may not run a statement.
func (r *reader) check() error {
	if r.done {
		return errTxDone
	}
	if r.err != nil {
		return fmt.Errorf("pgstore: the transaction was aborted by an earlier error: %w", r.err)
	}
	if err := r.ctx.Err(); err != nil {
		r.err = err
		return err
	}
	return nil
}

// fail records err, the error of a statement of operation op, as the
// transaction's, and returns it with context. A foreign key violation is a
// missing parent: it wraps acctmap.ErrNotFound too (pgstore checks parents
// before writing, so this only happens when a concurrent transaction
// deleted one).
func (r *reader) fail(op string, err error) error {
	if r.err == nil {
		r.err = err
	}
	if cerr := r.ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w: %w", cerr, err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == codeForeignKeyViolation {
		return fmt.Errorf("pgstore: %s: %w: %w", op, acctmap.ErrNotFound, err)
	}
	return fmt.Errorf("pgstore: %s: %w", op, err)
}

func (r *reader) exec(op, sql string, args ...any) (pgconn.CommandTag, error) {
	if err := r.check(); err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := r.tx.Exec(r.ctx, r.s.sql(sql), args...)
	if err != nil {
		return tag, r.fail(op, err)
	}
	return tag, nil
}

// queryRow runs a query of at most one row and scans it into dest. It
// returns found == false, and no error, when there is no row.
func (r *reader) queryRow(op, sql string, args []any, dest ...any) (found bool, err error) {
	if err := r.check(); err != nil {
		return false, err
	}
	err = r.tx.QueryRow(r.ctx, r.s.sql(sql), args...).Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, r.fail(op, err)
	}
	return true, nil
}

// queryList runs a query and returns one item per row, made by scan.
func queryList[T any](r *reader, op, sql string, args []any, scan func(pgx.Rows) (T, error)) ([]T, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	rows, err := r.tx.Query(r.ctx, r.s.sql(sql), args...)
	if err != nil {
		return nil, r.fail(op, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, r.fail(op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, r.fail(op, err)
	}
	return out, nil
}

func notFound(kind, id string) error {
	return fmt.Errorf("pgstore: %s %.60q: %w", kind, id, acctmap.ErrNotFound)
}

// id is a string stored as bytea: an id, which may hold any bytes. As a
// query argument it is a BytesValuer, and as a scan destination a
// BytesScanner, for which SQL NULL is "".
type id string

// BytesValue implements pgtype.BytesValuer. The empty id is an empty
// bytea, not NULL, which pgx makes of a nil slice.
func (s id) BytesValue() ([]byte, error) {
	if s == "" {
		return []byte{}, nil
	}
	return []byte(s), nil
}

// ScanBytes implements pgtype.BytesScanner.
func (s *id) ScanBytes(b []byte) error {
	*s = id(b)
	return nil
}

// ids converts a list of ids to a bytea[] argument.
func ids(list []string) []id {
	out := make([]id, len(list))
	for i, s := range list {
		out[i] = id(s)
	}
	return out
}

// nullID is id(s) as an argument, or NULL for "".
func nullID(s string) any {
	if s == "" {
		return nil
	}
	return id(s)
}

// utc returns t in UTC, as the contract's times are compared and shown.
func utc(t time.Time) time.Time { return t.UTC() }

// checkText reports whether s can be stored as PostgreSQL text: valid
// UTF-8 without NUL bytes.
func checkText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// Orgs.

const orgColumns = `id, name, offline_of, max_offline_partners, max_exported_records, exported_records, field_presets, created_at, extra`

// orgExtra holds the org attributes of the extra column (migration 0005).
type orgExtra struct {
	Counts       acctmap.CountPolicy            `json:",omitzero"`
	CountsFor    map[string]acctmap.CountPolicy `json:",omitempty"`
	CountLedgers map[string]acctmap.CountLedger `json:",omitempty"`
	CountKey     []byte                         `json:",omitempty"`
}

func scanOrg(row pgx.Row) (acctmap.Org, error) {
	var o acctmap.Org
	var oid, off id
	var extra orgExtra
	err := row.Scan(&oid, &o.Name, &off, &o.Limits.MaxOfflinePartners, &o.Limits.MaxExportedRecords, &o.ExportedRecords, jsonScan(&o.FieldPresets), &o.CreatedAt, jsonScan(&extra))
	o.ID, o.Name, o.OfflineOf, o.CreatedAt = string(oid), fromText(o.Name), string(off), utc(o.CreatedAt)
	o.Counts, o.CountsFor, o.CountLedgers, o.CountKey = extra.Counts, extra.CountsFor, extra.CountLedgers, extra.CountKey
	for k, l := range o.CountLedgers {
		l.PeriodStart = utc(l.PeriodStart)
		o.CountLedgers[k] = l
	}
	return o, err
}

func (r *reader) Org(orgID string) (acctmap.Org, error) {
	var o acctmap.Org
	if err := r.check(); err != nil {
		return o, err
	}
	o, err := scanOrg(r.tx.QueryRow(r.ctx, r.s.sql(`SELECT `+orgColumns+` FROM {s}.orgs WHERE id = $1`), id(orgID)))
	if errors.Is(err, pgx.ErrNoRows) {
		return acctmap.Org{}, notFound("org", orgID)
	}
	if err != nil {
		return acctmap.Org{}, r.fail("org", err)
	}
	return o, nil
}

func (r *reader) Orgs() ([]acctmap.Org, error) {
	return queryList(r, "orgs", `SELECT `+orgColumns+` FROM {s}.orgs ORDER BY id`, nil,
		func(rows pgx.Rows) (acctmap.Org, error) { return scanOrg(rows) })
}

// OfflinePartners lists the orgs whose OfflineOf is ownerID; none for "",
// which is the OfflineOf of an org on the network (NULL in the table).
func (r *reader) OfflinePartners(ownerID string) ([]acctmap.Org, error) {
	if ownerID == "" {
		if err := r.check(); err != nil {
			return nil, err
		}
		return []acctmap.Org{}, nil
	}
	return queryList(r, "offline partners", `SELECT `+orgColumns+` FROM {s}.orgs WHERE offline_of = $1 ORDER BY id`, []any{id(ownerID)},
		func(rows pgx.Rows) (acctmap.Org, error) { return scanOrg(rows) })
}

// Users.

const userColumns = `id, org_id, name, email, role, permissions, created_at`

func scanUser(row pgx.Row) (acctmap.User, error) {
	var u acctmap.User
	var uid, org id
	var role string
	var perm int16
	err := row.Scan(&uid, &org, &u.Name, &u.Email, &role, &perm, &u.CreatedAt)
	u.ID, u.OrgID, u.Name, u.Email = string(uid), string(org), fromText(u.Name), fromText(u.Email)
	u.Role, u.Permissions, u.CreatedAt = acctmap.Role(fromText(role)), acctmap.Permission(perm), utc(u.CreatedAt)
	return u, err
}

func (r *reader) User(userID string) (acctmap.User, error) {
	if err := r.check(); err != nil {
		return acctmap.User{}, err
	}
	u, err := scanUser(r.tx.QueryRow(r.ctx, r.s.sql(`SELECT `+userColumns+` FROM {s}.users WHERE id = $1`), id(userID)))
	if errors.Is(err, pgx.ErrNoRows) {
		return acctmap.User{}, notFound("user", userID)
	}
	if err != nil {
		return acctmap.User{}, r.fail("user", err)
	}
	return u, nil
}

func (r *reader) Users(orgID string) ([]acctmap.User, error) {
	return queryList(r, "users", `SELECT `+userColumns+` FROM {s}.users WHERE org_id = $1 ORDER BY id`, []any{id(orgID)},
		func(rows pgx.Rows) (acctmap.User, error) { return scanUser(rows) })
}

// Partnerships.

// pairOf orders the ids of an unordered pair: the partnerships key.
func pairOf(a, b string) (lo, hi string) {
	if b < a {
		return b, a
	}
	return a, b
}

const partnershipColumns = `org_lo, org_hi, inviter_is_lo, status, invited_at, updated_at, requests`

func scanPartnership(row pgx.Row) (acctmap.Partnership, error) {
	var p acctmap.Partnership
	var lo, hi id
	var loInvited bool
	var status string
	err := row.Scan(&lo, &hi, &loInvited, &status, &p.InvitedAt, &p.UpdatedAt, jsonScan(&p.Requests))
	p.Inviter, p.Invitee = string(lo), string(hi)
	if !loInvited {
		p.Inviter, p.Invitee = p.Invitee, p.Inviter
	}
	p.Status, p.InvitedAt, p.UpdatedAt = acctmap.PartnershipStatus(fromText(status)), utc(p.InvitedAt), utc(p.UpdatedAt)
	return p, err
}

func partnershipNotFound(a, b string) error {
	return fmt.Errorf("pgstore: partnership of %.60q and %.60q: %w", a, b, acctmap.ErrNotFound)
}

func (r *reader) Partnership(a, b string) (acctmap.Partnership, error) {
	if err := r.check(); err != nil {
		return acctmap.Partnership{}, err
	}
	lo, hi := pairOf(a, b)
	p, err := scanPartnership(r.tx.QueryRow(r.ctx, r.s.sql(`SELECT `+partnershipColumns+` FROM {s}.partnerships WHERE org_lo = $1 AND org_hi = $2`), id(lo), id(hi)))
	if errors.Is(err, pgx.ErrNoRows) {
		return acctmap.Partnership{}, partnershipNotFound(a, b)
	}
	if err != nil {
		return acctmap.Partnership{}, r.fail("partnership", err)
	}
	return p, nil
}

func (r *reader) Partnerships(orgID string) ([]acctmap.Partnership, error) {
	// Ordered by the other org's id, then the inviter's.
	return queryList(r, "partnerships", `SELECT `+partnershipColumns+` FROM {s}.partnerships
		WHERE org_lo = $1 OR org_hi = $1
		ORDER BY CASE WHEN org_lo = $1 THEN org_hi ELSE org_lo END, CASE WHEN inviter_is_lo THEN org_lo ELSE org_hi END`,
		[]any{id(orgID)}, func(rows pgx.Rows) (acctmap.Partnership, error) { return scanPartnership(rows) })
}

// Data sources.

const dataSourceColumns = `id, org_id, name, kind, fields, version, not_same, created_at, updated_at, extra`

// dataSourceExtra holds the data source attributes of the extra column
// (migration 0004).
type dataSourceExtra struct {
	PrivateTombstones []string `json:",omitempty"`
	// FieldTypes and Locale: see fieldtypes.go.
	FieldTypes map[string]fieldtype.Type `json:",omitempty"`
	Locale     *fieldtype.Locale         `json:",omitempty"`
	// Subject is DataSource.Subject ("" for accounts data sources
	// written before subjects, which read as accounts).
	Subject acctmap.Subject `json:",omitempty"`
}

func scanDataSource(row pgx.Row) (acctmap.DataSource, error) {
	var d acctmap.DataSource
	var did, org id
	var kind string
	var extra dataSourceExtra
	err := row.Scan(&did, &org, &d.Name, &kind, &d.Fields, &d.Version, jsonScan(&d.NotSame), &d.CreatedAt, &d.UpdatedAt, jsonScan(&extra))
	d.PrivateTombstones, d.Subject = extra.PrivateTombstones, extra.Subject
	d.FieldTypes, d.Locale = extra.fieldTypes()
	d.ID, d.OrgID, d.Name, d.Kind = string(did), string(org), fromText(d.Name), acctmap.DataSourceKind(fromText(kind))
	d.CreatedAt, d.UpdatedAt = utc(d.CreatedAt), utc(d.UpdatedAt)
	fromTextSlice(d.Fields)
	return d, err
}

func (r *reader) DataSource(dsID string) (acctmap.DataSource, error) {
	if err := r.check(); err != nil {
		return acctmap.DataSource{}, err
	}
	d, err := scanDataSource(r.tx.QueryRow(r.ctx, r.s.sql(`SELECT `+dataSourceColumns+` FROM {s}.data_sources WHERE id = $1`), id(dsID)))
	if errors.Is(err, pgx.ErrNoRows) {
		return acctmap.DataSource{}, notFound("data source", dsID)
	}
	if err != nil {
		return acctmap.DataSource{}, r.fail("data source", err)
	}
	return d, nil
}

func (r *reader) DataSources(orgID string) ([]acctmap.DataSource, error) {
	return queryList(r, "data sources", `SELECT `+dataSourceColumns+` FROM {s}.data_sources WHERE org_id = $1 ORDER BY id`, []any{id(orgID)},
		func(rows pgx.Rows) (acctmap.DataSource, error) { return scanDataSource(rows) })
}

// Populations.

const populationColumns = `id, org_id, data_source_id, kind, name, description, filter, slot, sharing, created_at, updated_at`

func scanPopulation(row pgx.Row) (acctmap.Population, error) {
	var p acctmap.Population
	var pid, org, ds id
	var kind string
	err := row.Scan(&pid, &org, &ds, &kind, &p.Name, &p.Description, jsonScan(&p.Filter), &p.Slot, jsonScan(&p.Sharing), &p.CreatedAt, &p.UpdatedAt)
	p.ID, p.OrgID, p.DataSourceID, p.Kind = string(pid), string(org), string(ds), acctmap.PopulationKind(fromText(kind))
	p.Name, p.Description, p.CreatedAt, p.UpdatedAt = fromText(p.Name), fromText(p.Description), utc(p.CreatedAt), utc(p.UpdatedAt)
	return p, err
}

func (r *reader) Population(popID string) (acctmap.Population, error) {
	if err := r.check(); err != nil {
		return acctmap.Population{}, err
	}
	p, err := scanPopulation(r.tx.QueryRow(r.ctx, r.s.sql(`SELECT `+populationColumns+` FROM {s}.populations WHERE id = $1`), id(popID)))
	if errors.Is(err, pgx.ErrNoRows) {
		return acctmap.Population{}, notFound("population", popID)
	}
	if err != nil {
		return acctmap.Population{}, r.fail("population", err)
	}
	return p, nil
}

func (r *reader) Populations(orgID string) ([]acctmap.Population, error) {
	return queryList(r, "populations", `SELECT `+populationColumns+` FROM {s}.populations WHERE org_id = $1 ORDER BY id`, []any{id(orgID)},
		func(rows pgx.Rows) (acctmap.Population, error) { return scanPopulation(rows) })
}

// Writes of entities. Each checks its parents in the statement itself
// (INSERT … SELECT … WHERE EXISTS), so that a missing parent is no row
// written, not an error that would abort the transaction: the contract
// lets fn go on after ErrNotFound.

// excludedSet returns the SET list of an upsert that replaces every
// column of cols but the key columns (the conflict target) with the
// proposed row's.
func excludedSet(cols string, key ...string) string {
	var set []string
	for c := range strings.SplitSeq(cols, ",") {
		c = strings.TrimSpace(c)
		if !slices.Contains(key, c) {
			set = append(set, c+" = EXCLUDED."+c)
		}
	}
	return strings.Join(set, ", ")
}

// An offline partner's owner must exist, unless it is the org itself.
var putOrg = `INSERT INTO {s}.orgs (` + orgColumns + `)
	SELECT $1::bytea, $2::text, $3::bytea, $4::bigint, $5::bigint, $6::bigint, $7::jsonb, $8::timestamptz, $9::jsonb
	WHERE $3::bytea IS NULL OR $3::bytea = $1::bytea OR EXISTS (SELECT FROM {s}.orgs WHERE id = $3::bytea)
	ON CONFLICT (id) DO UPDATE SET ` + excludedSet(orgColumns, "id")

func (w *writer) PutOrg(o acctmap.Org) error {
	presets, err := jsonArg(o.FieldPresets)
	if err != nil {
		return fmt.Errorf("pgstore: org %.60q: field presets: %w", o.ID, err)
	}
	extra, err := jsonArg(orgExtra{Counts: o.Counts, CountsFor: o.CountsFor, CountLedgers: o.CountLedgers, CountKey: o.CountKey})
	if err != nil {
		return fmt.Errorf("pgstore: org %.60q: %w", o.ID, err)
	}
	tag, err := w.exec("put org", putOrg, id(o.ID), toText(o.Name), nullID(o.OfflineOf),
		o.Limits.MaxOfflinePartners, o.Limits.MaxExportedRecords, o.ExportedRecords, presets, o.CreatedAt, extra)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: offline partner %.60q: owner org %.60q: %w", o.ID, o.OfflineOf, acctmap.ErrNotFound)
	}
	return nil
}

// DeleteOrg deletes the org and, through ownership at any depth, the
// offline partners it owns, in one statement. The foreign keys would
// cascade to the offline partners by themselves; the statement collects
// them first (recursively, with UNION so that an ownership cycle ends) to
// delete their data sources' records and keys, which have no foreign key.
// Foreign keys delete the rest: users, partnerships, data sources and
// populations.
func (w *writer) DeleteOrg(orgID string) error {
	tag, err := w.exec("delete org", `WITH RECURSIVE gone (id) AS (
			SELECT id FROM {s}.orgs WHERE id = $1
			UNION
			SELECT o.id FROM {s}.orgs o JOIN gone g ON o.offline_of = g.id
		), ds AS MATERIALIZED (
			SELECT d.id FROM {s}.data_sources d WHERE d.org_id IN (SELECT id FROM gone)
		), keys AS (
			DELETE FROM {s}.record_keys WHERE data_source_id IN (SELECT id FROM ds)
		), recs AS (
			DELETE FROM {s}.records WHERE data_source_id IN (SELECT id FROM ds)
		)
		DELETE FROM {s}.orgs WHERE id IN (SELECT id FROM gone)`, id(orgID))
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return notFound("org", orgID)
	}
	return nil
}

var putUser = `INSERT INTO {s}.users (` + userColumns + `)
	SELECT $1::bytea, $2::bytea, $3::text, $4::text, $5::text, $6::smallint, $7::timestamptz
	WHERE EXISTS (SELECT FROM {s}.orgs WHERE id = $2)
	ON CONFLICT (id) DO UPDATE SET ` + excludedSet(userColumns, "id")

func (w *writer) PutUser(u acctmap.User) error {
	tag, err := w.exec("put user", putUser,
		id(u.ID), id(u.OrgID), toText(u.Name), toText(u.Email), toText(string(u.Role)), int16(u.Permissions), u.CreatedAt)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: user %.60q: org %.60q: %w", u.ID, u.OrgID, acctmap.ErrNotFound)
	}
	return nil
}

func (w *writer) DeleteUser(userID string) error {
	tag, err := w.exec("delete user", `DELETE FROM {s}.users WHERE id = $1`, id(userID))
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return notFound("user", userID)
	}
	return nil
}

var putPartnership = `INSERT INTO {s}.partnerships (` + partnershipColumns + `)
	SELECT $1::bytea, $2::bytea, $3::boolean, $4::text, $5::timestamptz, $6::timestamptz, $7::jsonb
	WHERE EXISTS (SELECT FROM {s}.orgs WHERE id = $1) AND EXISTS (SELECT FROM {s}.orgs WHERE id = $2)
	ON CONFLICT (org_lo, org_hi) DO UPDATE SET ` + excludedSet(partnershipColumns, "org_lo", "org_hi")

func (w *writer) PutPartnership(p acctmap.Partnership) error {
	requests, err := jsonArg(p.Requests)
	if err != nil {
		return fmt.Errorf("pgstore: partnership of %.60q and %.60q: requests: %w", p.Inviter, p.Invitee, err)
	}
	lo, hi := pairOf(p.Inviter, p.Invitee)
	tag, err := w.exec("put partnership", putPartnership,
		id(lo), id(hi), p.Inviter == lo, toText(string(p.Status)), p.InvitedAt, p.UpdatedAt, requests)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: partnership of %.60q and %.60q: an org does not exist: %w", p.Inviter, p.Invitee, acctmap.ErrNotFound)
	}
	return nil
}

func (w *writer) DeletePartnership(a, b string) error {
	lo, hi := pairOf(a, b)
	tag, err := w.exec("delete partnership", `DELETE FROM {s}.partnerships WHERE org_lo = $1 AND org_hi = $2`, id(lo), id(hi))
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return partnershipNotFound(a, b)
	}
	return nil
}

// Replacing a data source keeps its records and populations: an upsert.
var putDataSource = `INSERT INTO {s}.data_sources (` + dataSourceColumns + `)
	SELECT $1::bytea, $2::bytea, $3::text, $4::text, $5::text[], $6::bigint, $7::jsonb, $8::timestamptz, $9::timestamptz, $10::jsonb
	WHERE EXISTS (SELECT FROM {s}.orgs WHERE id = $2)
	ON CONFLICT (id) DO UPDATE SET ` + excludedSet(dataSourceColumns, "id")

func (w *writer) PutDataSource(d acctmap.DataSource) error {
	notSame, err := jsonArg(d.NotSame)
	if err != nil {
		return fmt.Errorf("pgstore: data source %.60q: not-same marks: %w", d.ID, err)
	}
	extra, err := jsonArg(withFieldTypes(dataSourceExtra{PrivateTombstones: d.PrivateTombstones, Subject: d.Subject}, d))
	if err != nil {
		return fmt.Errorf("pgstore: data source %.60q: %w", d.ID, err)
	}
	tag, err := w.exec("put data source", putDataSource,
		id(d.ID), id(d.OrgID), toText(d.Name), toText(string(d.Kind)), textSlice(d.Fields), d.Version, notSame, d.CreatedAt, d.UpdatedAt, extra)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: data source %.60q: org %.60q: %w", d.ID, d.OrgID, acctmap.ErrNotFound)
	}
	return nil
}

func (w *writer) DeleteDataSource(dsID string) error {
	// Its records and keys here, its populations by foreign key.
	tag, err := w.exec("delete data source", `WITH keys AS (
			DELETE FROM {s}.record_keys WHERE data_source_id = $1
		), recs AS (
			DELETE FROM {s}.records WHERE data_source_id = $1
		)
		DELETE FROM {s}.data_sources WHERE id = $1`, id(dsID))
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return notFound("data source", dsID)
	}
	return nil
}

// PutPopulation never changes Record.Populations, as the contract says,
// not even when the slot changes.
var putPopulation = `INSERT INTO {s}.populations (` + populationColumns + `)
	SELECT $1::bytea, $2::bytea, $3::bytea, $4::text, $5::text, $6::text, $7::jsonb, $8::integer, $9::jsonb, $10::timestamptz, $11::timestamptz
	WHERE EXISTS (SELECT FROM {s}.data_sources WHERE id = $3)
	ON CONFLICT (id) DO UPDATE SET ` + excludedSet(populationColumns, "id")

func (w *writer) PutPopulation(p acctmap.Population) error {
	filter, err := jsonArg(p.Filter)
	if err != nil {
		return fmt.Errorf("pgstore: population %.60q: filter: %w", p.ID, err)
	}
	sharing, err := jsonArg(p.Sharing)
	if err != nil {
		return fmt.Errorf("pgstore: population %.60q: sharing: %w", p.ID, err)
	}
	tag, err := w.exec("put population", putPopulation, id(p.ID), id(p.OrgID), id(p.DataSourceID),
		toText(string(p.Kind)), toText(p.Name), toText(p.Description), filter, p.Slot, sharing, p.CreatedAt, p.UpdatedAt)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: population %.60q: data source %.60q: %w", p.ID, p.DataSourceID, acctmap.ErrNotFound)
	}
	return nil
}

// DeletePopulation deletes the population and clears its slot bit in the
// records of its data source and their keys' populations column, in one
// statement. Only the rows whose bit is set are written.
func (w *writer) DeletePopulation(popID string) error {
	var n int
	_, err := w.queryRow("delete population", `WITH p AS (
			DELETE FROM {s}.populations WHERE id = $1 RETURNING data_source_id, slot
		), cleared AS (
			UPDATE {s}.records r SET populations = r.populations & ~(1::bigint << p.slot)
			FROM p
			WHERE p.slot BETWEEN 0 AND 63 AND r.data_source_id = p.data_source_id AND r.populations & (1::bigint << p.slot) <> 0
		), cleared_keys AS (
			UPDATE {s}.record_keys k SET populations = k.populations & ~(1::bigint << p.slot)
			FROM p
			WHERE p.slot BETWEEN 0 AND 63 AND k.data_source_id = p.data_source_id AND k.kind < 3 AND k.populations & (1::bigint << p.slot) <> 0
		)
		SELECT count(*) FROM p`, []any{id(popID)}, &n)
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound("population", popID)
	}
	return nil
}
