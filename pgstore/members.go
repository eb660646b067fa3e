package pgstore

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/acctmap/acctmap"
)

var _ acctmap.FilterMembersTx = (*writer)(nil)

// sqlArgs collects the parameters of a statement being built.
type sqlArgs struct{ args []any }

// add appends a parameter and returns its placeholder.
func (a *sqlArgs) add(v any) string {
	a.args = append(a.args, v)
	return "$" + strconv.Itoa(len(a.args))
}

// filterSQL translates f into a boolean SQL expression over the records
// row r that is true, false, or NULL where f is unknown (see
// acctmap.StoreFilter): SQL's AND and OR are the Kleene logic the filter
// combines with. ascii is true when the database's encoding is UTF8, where
// a text value is ASCII exactly when it has as many bytes as characters
// (text holds no NUL); otherwise every value is unknown.
func filterSQL(f acctmap.StoreFilter, a *sqlArgs, ascii bool) string {
	var parts []string
	for _, c := range f.All {
		parts = append(parts, conditionSQL(c, a, ascii))
	}
	for _, g := range f.AnyOf {
		var alts []string
		for _, c := range g {
			alts = append(alts, conditionSQL(c, a, ascii))
		}
		parts = append(parts, "("+strings.Join(alts, " OR ")+")")
	}
	if len(parts) == 0 {
		return "true"
	}
	return "(" + strings.Join(parts, " AND ") + ")"
}

// conditionSQL translates one condition: CASE WHEN the value is ASCII THEN
// the test END, NULL (unknown) otherwise.
func conditionSQL(c acctmap.StoreCondition, a *sqlArgs, ascii bool) string {
	var v string
	switch c.Field {
	case acctmap.FieldName:
		v = "r.name"
	case acctmap.FieldWebsite:
		v = "r.website"
	default:
		// Field names are stored as toText maps them, as keys of the
		// fields object.
		v = "coalesce(r.fields ->> " + a.add(toText(c.Field)) + "::text, '')"
	}
	isASCII := "octet_length(" + v + ") = char_length(" + v + ")"
	if !ascii {
		isASCII = "false"
	}
	// btrim's set is Go's ASCII spaces: ' ', \t, \n, \v, \f, \r; lower
	// under the "C" collation lowers A–Z only.
	t := "btrim(" + v + ", E' \\t\\n\\x0b\\f\\r')"
	lower := func(s string) string { return "lower(" + s + ` COLLATE "C")` }
	var test string
	switch c.Op {
	case acctmap.Equals:
		test = lower(t) + " = " + a.add(c.Value) + "::text"
	case acctmap.NotEquals:
		test = lower(t) + " <> " + a.add(c.Value) + "::text"
	case acctmap.Contains:
		test = "strpos(" + lower(v) + ", " + a.add(c.Value) + "::text) > 0"
	case acctmap.StartsWith:
		test = "starts_with(" + lower(t) + ", " + a.add(c.Value) + "::text)"
	case acctmap.In:
		test = lower(t) + " = ANY(" + a.add(c.Values) + "::text[])"
	case acctmap.NotIn:
		test = "NOT (" + lower(t) + " = ANY(" + a.add(c.Values) + "::text[]))"
	case acctmap.GreaterThan, acctmap.LessThan:
		u := "replace(" + t + ", ',', '')"
		cmp := " > "
		if c.Op == acctmap.LessThan {
			cmp = " < "
		}
		// The cast runs only on a value the pattern admits: CASE
		// evaluates a THEN only when its WHEN holds.
		return "(CASE WHEN NOT (" + isASCII + ") THEN NULL" +
			" WHEN octet_length(" + u + ") <= 100 AND " + u + " ~ " + a.add(acctmap.NumberPattern) + "::text THEN " + u + "::float8" + cmp + a.add(c.Number) + "::float8" +
			" WHEN " + u + " !~ '[0-9]' AND " + lower(u) + ` !~ '^[+-]?(inf|infinity|nan)$' THEN false END)`
	case acctmap.IsEmpty:
		test = t + " = ''"
	case acctmap.IsNotEmpty:
		test = t + " <> ''"
	default:
		// pushFilter gives no other operator; unknown is always right.
		return "NULL::boolean"
	}
	return "(CASE WHEN " + isASCII + " THEN " + test + " END)"
}

// SetMembersByFilter computes a population's membership in the database: the
// records on which f is unknown (values that are not ASCII, numbers in
// other syntaxes: few, in CRM exports) are read and decided first, then
// one UPDATE flips the slot bit of the records whose bit is wrong, and a
// second brings the populations column of their keys' rows in line, as
// SetMembers does. No other record leaves the database.
func (w *writer) SetMembersByFilter(dsID string, slot int, f acctmap.StoreFilter, decide func(*acctmap.Record) bool) error {
	if slot < 0 || slot >= acctmap.MaxPopulationsPerDataSource {
		if _, err := w.dataSourceState("set members", dsID); err != nil {
			return err
		}
		return fmt.Errorf("pgstore: population slot %d is not in 0 to %d: %w", slot, acctmap.MaxPopulationsPerDataSource-1, acctmap.ErrInvalidInput)
	}
	var encoding string
	if _, err := w.queryRow("set members: encoding", `SELECT current_setting('server_encoding')`, nil, &encoding); err != nil {
		return err
	}
	build := w.s.membersSQL
	if build == nil {
		build = filterSQL
	}
	var a sqlArgs
	a.add(id(dsID))
	pred := build(f, &a, encoding == "UTF8")
	var members []string
	err := w.streamRecords("set members: undecided", dsID, `SELECT `+recordColumns+` FROM {s}.records r WHERE r.data_source_id = $1 AND (`+pred+`) IS NULL`,
		a.args, scanRecord, func(r *acctmap.Record) error {
			if decide(r) {
				members = append(members, r.ID)
			}
			return nil
		})
	if err != nil {
		return err
	}
	mask := a.add(int64(uint64(1) << uint(slot)))
	decided := a.add(ids(members))
	if _, err := w.exec("set members", `UPDATE {s}.records r SET populations = r.populations # `+mask+`::bigint
		WHERE r.data_source_id = $1
		  AND (r.populations & `+mask+`::bigint <> 0) <> coalesce(`+pred+`, r.id = ANY(`+decided+`::bytea[]))`, a.args...); err != nil {
		return err
	}
	_, err = w.exec("set members: keys", `UPDATE {s}.record_keys k SET populations = k.populations # $2
		FROM {s}.records r
		WHERE k.data_source_id = $1 AND k.kind < 3 AND r.data_source_id = $1 AND r.id = k.record_id
		  AND (k.populations & $2 <> 0) <> (r.populations & $2 <> 0)`, id(dsID), int64(uint64(1)<<uint(slot)))
	return err
}
