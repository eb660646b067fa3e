package pgstore

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/acctmap/acctmap"
)

// The overlap pushdown: reader implements acctmap.OverlapTx, so that a
// Network computes matrices with the data in the database.
var _ acctmap.OverlapTx = (*reader)(nil)

// overlapQuery is the overlap of data sources $1 (X) and $2 (Y), leaving
// out the private records of X if $3 and of Y if $4, with the pairs of
// record ids ($5[i], $6[i]) marked not the same company, and pairs of which
// a record's name keys match the regular expression $7 (the whole words of
// KeyJoin.ComplexWords; NULL for none) treated as complex. It returns rows
// of three parts:
//
//   - part 0: the isolated pairs that match, counted by (xm, ym, xp): the
//     populations of x and of y, and whether x is private;
//   - part 1: the key rows of the complex records of X (id, kind, value,
//     populations, private, reg), a record's rows possibly repeated;
//   - part 2: the same for Y.
//
// c joins the two data sources' domain and registration id rows on key
// (the hash), in one hash join; same says whether the hit is a real shared
// key (kind and value equal: a hash collision is not). Joining on key alone
// keeps the planner's estimate of the join sane (with kind and value in
// the join condition it expects one row, and plans nested loops over the
// 400,000 rows of a 1M × 1M overlap). pairs are the candidate pairs of
// records, one row each: those with a real shared key. A pair is isolated
// when neither record has another candidate (fx, fy) nor is linked (shares
// a key with a record of its own data source: the linked column, kept by
// the writes of records). Isolated pairs are counted unless their
// registration ids have one scheme and different values (vetoed: they
// share none, as a record has one) or they are marked not the same. The
// records of the other pairs are the seeds of cx and cy, which add the
// records linked to them within their data source, recursively, through
// the linked rows (lx, ly: a few percent of the rows, read through the
// partial index record_keys_linked). Linking on the hash alone there can
// only add records, which the Network resolves exactly.
const overlapQuery = `WITH RECURSIVE c AS MATERIALIZED (
		SELECT x.record_id AS xr, y.record_id AS yr, x.kind = y.kind AND x.value = y.value AS same,
			x.kind AS xk, y.kind AS yk, x.value AS xv, y.value AS yv,
			x.populations AS xm, y.populations AS ym, x.private AS xp, y.private AS yp,
			x.linked OR y.linked AS linked, x.reg AS xreg, y.reg AS yreg
		FROM {s}.record_keys x JOIN {s}.record_keys y ON y.key = x.key
		WHERE x.data_source_id = $1 AND y.data_source_id = $2 AND x.kind < 3 AND y.kind < 3
		  AND NOT (x.private AND $3) AND NOT (y.private AND $4)
	), pairs AS MATERIALIZED (
		SELECT xr, yr, bool_or(linked) AS linked, min(xm) AS xm, min(ym) AS ym, bool_or(xp) AS xp,
			coalesce(bool_or(split_part(xreg, ':', 1) = split_part(yreg, ':', 1)), false)
				AND NOT bool_or(same AND xk = 2) AS vetoed
		FROM c GROUP BY xr, yr HAVING bool_or(same)
	), fx AS (
		SELECT xr, count(*) > 1 OR bool_or(linked) AS complex FROM pairs GROUP BY xr
	), fy AS (
		SELECT yr, count(*) > 1 OR bool_or(linked) AS complex FROM pairs GROUP BY yr
	), sp AS MATERIALIZED (
		SELECT p.xr, p.yr, p.xm, p.ym, p.xp, p.vetoed, fx.complex OR fy.complex OR ($7::text IS NOT NULL AND (
				EXISTS (SELECT FROM {s}.records r WHERE r.data_source_id = $1 AND r.id = p.xr
					AND (r.name_key ~ $7 OR array_to_string(r.other_name_keys, ' ') ~ $7))
				OR EXISTS (SELECT FROM {s}.records r WHERE r.data_source_id = $2 AND r.id = p.yr
					AND (r.name_key ~ $7 OR array_to_string(r.other_name_keys, ' ') ~ $7)))) AS complex
		FROM pairs p JOIN fx USING (xr) JOIN fy USING (yr)
	), cc AS MATERIALIZED (
		SELECT c.xr, c.xk, c.xv, c.xm, c.xp, c.xreg, c.yr, c.yk, c.yv, c.ym, c.yp, c.yreg
		FROM c JOIN sp USING (xr, yr) WHERE sp.complex
	), lx AS MATERIALIZED (
		SELECT record_id, key, kind, value, populations, private, reg FROM {s}.record_keys
		WHERE data_source_id = $1 AND linked AND kind < 3 AND NOT (private AND $3)
	), ly AS MATERIALIZED (
		SELECT record_id, key, kind, value, populations, private, reg FROM {s}.record_keys
		WHERE data_source_id = $2 AND linked AND kind < 3 AND NOT (private AND $4)
	), cx (id) AS (
		SELECT xr FROM sp WHERE complex
		UNION
		SELECT l2.record_id FROM cx JOIN lx l1 ON l1.record_id = cx.id JOIN lx l2 ON l2.key = l1.key
	), cy (id) AS (
		SELECT yr FROM sp WHERE complex
		UNION
		SELECT l2.record_id FROM cy JOIN ly l1 ON l1.record_id = cy.id JOIN ly l2 ON l2.key = l1.key
	)
	SELECT 0 AS part, s.xm, s.ym, s.xp, count(*) AS n,
		NULL::bytea AS id, NULL::smallint AS kind, NULL::text AS value, NULL::bigint AS populations, NULL::boolean AS private, NULL::text AS reg
	FROM sp s
	WHERE NOT s.complex AND NOT s.vetoed
	  AND NOT EXISTS (SELECT FROM unnest($5::bytea[], $6::bytea[]) AS m (x, y) WHERE m.x = s.xr AND m.y = s.yr)
	GROUP BY s.xm, s.ym, s.xp
	UNION ALL
	SELECT DISTINCT 1, NULL::bigint, NULL::bigint, NULL::boolean, NULL::bigint, xr, xk, xv, xm, xp, xreg FROM cc
	UNION ALL
	SELECT 1, NULL, NULL, NULL, NULL, l.record_id, l.kind, l.value, l.populations, l.private, l.reg FROM lx l JOIN cx ON cx.id = l.record_id
	UNION ALL
	SELECT DISTINCT 2, NULL::bigint, NULL::bigint, NULL::boolean, NULL::bigint, yr, yk, yv, ym, yp, yreg FROM cc
	UNION ALL
	SELECT 2, NULL, NULL, NULL, NULL, l.record_id, l.kind, l.value, l.populations, l.private, l.reg FROM ly l JOIN cy ON cy.id = l.record_id`

// JoinKeys implements acctmap.OverlapTx with overlapQuery: one statement,
// in the transaction's snapshot, whose join reads the two data sources'
// domain and registration id rows in record_keys once (a hash join) and
// whose result is a few thousand counts and the complex records' keys; and
// accountsQuery, for the records named in NotSame. For the time of these
// statements it changes a few settings (overlapSettings).
func (r *reader) JoinKeys(req acctmap.KeyJoin) (acctmap.KeyJoinResult, error) {
	var res acctmap.KeyJoinResult
	if err := r.check(); err != nil {
		return res, err
	}
	if req.X == req.Y {
		return res, fmt.Errorf("pgstore: join keys: data source %.60q with itself: %w", req.X, acctmap.ErrInvalidInput)
	}
	var n int
	if _, err := r.queryRow("join keys", `SELECT count(*) FROM {s}.data_sources WHERE id = $1 OR id = $2`, []any{id(req.X), id(req.Y)}, &n); err != nil {
		return res, err
	}
	if n < 2 {
		var ok bool
		if _, err := r.queryRow("join keys", `SELECT EXISTS (SELECT FROM {s}.data_sources WHERE id = $1)`, []any{id(req.X)}, &ok); err != nil {
			return res, err
		}
		if !ok {
			return res, notFound("data source", req.X)
		}
		return res, notFound("data source", req.Y)
	}
	restore, err := r.setLocal(r.s.overlapSettings())
	if err != nil {
		return res, err
	}
	if err := r.joinKeys(req, &res); err != nil {
		return acctmap.KeyJoinResult{}, err
	}
	if err := restore(); err != nil {
		return acctmap.KeyJoinResult{}, err
	}
	return res, nil
}

// overlapSettings are the settings of the overlap statements: every join
// of their plans is an equality join of large sets, or of sets the planner
// cannot estimate (CTEs), which a misestimate must not turn into nested
// loops (quadratic) nor into merge joins (sorts of unsorted sets, slower
// than hashing by a second at 1M × 1M); no JIT (compiling the plan took
// longer than it saved); and a work_mem that holds the hash tables of a
// 1M × 1M overlap.
func (s *Store) overlapSettings() map[string]string {
	return map[string]string{
		"enable_mergejoin": "off",
		"enable_nestloop":  "off",
		"jit":              "off",
		"work_mem":         strconv.FormatInt(max(s.overlapWorkMem/1024, 64), 10) + "kB",
	}
}

// setLocal sets configuration parameters for the rest of the transaction
// and returns a function that sets them back.
func (r *reader) setLocal(params map[string]string) (restore func() error, err error) {
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	slices.Sort(names)
	old := make([]string, len(names))
	set := func(values []string) error {
		if err := r.check(); err != nil {
			return err
		}
		var b strings.Builder
		args := make([]any, 0, 2*len(names))
		b.WriteString("SELECT ")
		for i, name := range names {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "set_config($%d, $%d, true)", 2*i+1, 2*i+2)
			args = append(args, name, values[i])
		}
		rows, err := r.tx.Query(r.ctx, b.String(), args...)
		if err == nil {
			rows.Close()
			err = rows.Err()
		}
		if err != nil {
			return r.fail("join keys: settings", err)
		}
		return nil
	}
	for i, name := range names {
		if _, err := r.queryRow("join keys: settings", `SELECT current_setting($1)`, []any{name}, &old[i]); err != nil {
			return nil, err
		}
	}
	values := make([]string, len(names))
	for i, name := range names {
		values[i] = params[name]
	}
	if err := set(values); err != nil {
		return nil, err
	}
	return func() error { return set(old) }, nil
}

// complexNames sets the name keys of the complex records recs of data
// source ds, which the engine needs to resolve them (umbrella domains,
// names that make another entity): one query through the primary key.
func (r *reader) complexNames(ds string, recs map[string]*acctmap.Record) error {
	if len(recs) == 0 {
		return nil
	}
	recIDs := make([]id, 0, len(recs))
	for rid := range recs {
		recIDs = append(recIDs, id(rid))
	}
	rows, err := r.tx.Query(r.ctx, r.s.sql(`SELECT id, name_key, other_name_keys FROM {s}.records WHERE data_source_id = $1 AND id = ANY($2)`), id(ds), recIDs)
	if err != nil {
		return r.fail("join keys: names", err)
	}
	defer rows.Close()
	for rows.Next() {
		var rid id
		var key string
		var others []string
		if err := rows.Scan(&rid, &key, &others); err != nil {
			return r.fail("join keys: names", err)
		}
		if rec := recs[string(rid)]; rec != nil {
			rec.NameKey = fromText(key)
			fromTextSlice(others)
			rec.OtherNameKeys = others
		}
	}
	if err := rows.Err(); err != nil {
		return r.fail("join keys: names", err)
	}
	return nil
}

// joinKeys runs overlapQuery into res.
func (r *reader) joinKeys(req acctmap.KeyJoin, res *acctmap.KeyJoinResult) error {
	xs, ys := make([]id, len(req.NotSame)), make([]id, len(req.NotSame))
	for i, m := range req.NotSame {
		xs[i], ys[i] = id(m[0]), id(m[1])
	}
	var words *string
	if len(req.ComplexWords) > 0 {
		quoted := make([]string, len(req.ComplexWords))
		for i, w := range req.ComplexWords {
			quoted[i] = regexp.QuoteMeta(w)
		}
		re := `\m(` + strings.Join(quoted, "|") + `)\M`
		words = &re
	}
	rows, err := r.tx.Query(r.ctx, r.s.sql(overlapQuery), id(req.X), id(req.Y), req.PublicX, req.PublicY, xs, ys, words)
	if err != nil {
		return r.fail("join keys", err)
	}
	defer rows.Close()
	res.Simple, res.SimplePrivateX = map[[2]uint64]int64{}, map[[2]uint64]int64{}
	sides := [2]map[string]*acctmap.Record{{}, {}}
	var (
		part              int16
		xm, ym, pops, cnt *int64
		xp, private       *bool
		rid               id
		kind              *int16
		value, reg        *string
	)
	for rows.Next() {
		if err := rows.Scan(&part, &xm, &ym, &xp, &cnt, &rid, &kind, &value, &pops, &private, &reg); err != nil {
			return r.fail("join keys", err)
		}
		if part == 0 {
			k := [2]uint64{uint64(*xm), uint64(*ym)}
			res.Simple[k] += *cnt
			if *xp {
				res.SimplePrivateX[k] += *cnt
			}
			continue
		}
		recs := sides[part-1]
		rec := recs[string(rid)]
		if rec == nil {
			rec = &acctmap.Record{ID: string(rid), Populations: uint64(*pops), Private: *private}
			if reg != nil {
				scheme, v, _ := strings.Cut(fromText(*reg), ":")
				rec.RegistrationID = acctmap.RegistrationID{Scheme: scheme, Value: v}
			}
			recs[rec.ID] = rec
		}
		if *kind == kindDomain {
			if d := fromText(*value); !slices.Contains(rec.Domains, d) {
				rec.Domains = append(rec.Domains, d)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return r.fail("join keys", err)
	}
	for i, recs := range sides {
		if err := r.complexNames([]string{req.X, req.Y}[i], recs); err != nil {
			return err
		}
		out := make([]acctmap.Record, 0, len(recs))
		for _, rec := range recs {
			out = append(out, *rec)
		}
		slices.SortFunc(out, func(a, b acctmap.Record) int { return strings.Compare(a.ID, b.ID) })
		if i == 0 {
			res.ComplexX = out
		} else {
			res.ComplexY = out
		}
	}
	return nil
}
