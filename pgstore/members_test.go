package pgstore

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acctmap/acctmap"
)

// memberPieces are the parts values and operands are made of: the cases
// where SQL and Go could disagree (case, Unicode folding and spaces,
// number syntaxes Go's parser and PostgreSQL's read differently, escaped
// text).
var memberPieces = []string{
	"", " ", "\t", "\n", "\v", "\f", "\r", "acme", "ACME", "Acme Corp", "Closed Won", "closed", "won", "k", "K",
	"\u212a", "ſ", "s", "straße", "STRASSE", "Ä", "ä", "\u00a0", "\u0085", "\u2003", "İ", "i",
	"1,200", "1200", "1e3", "1E+03", "1e400", "1e-400", "-0", ".5", "5.", "+7", "inf", "-Infinity", "NaN", "nan",
	"0x10", "0x1p4", "1_000", "12abc", "1.5e-3", "1,2,3", "++1", "0000000000000000000000000000001", "99999999999999999999",
	"\x00", "\xff", "\uffff", ",", "-", ".", "e5",
}

// randomValue joins one to three pieces.
func randomValue(rng *rand.Rand) string {
	var b strings.Builder
	for range 1 + rng.IntN(3) {
		b.WriteString(memberPieces[rng.IntN(len(memberPieces))])
	}
	return b.String()
}

// randomFilter makes a filter of one to three conditions on the fields of
// the test data source and the built-ins, with random operators and
// operands (some invalid: CreatePopulation refuses those).
func randomFilter(rng *rand.Rand) acctmap.Filter {
	fields := []string{"stage", "Stage", "emp", "note", "name", "website", "gone"}
	numbers := []string{"100", "1,000", "1e3", "-5", ".5", "0", "1200", "2024-01-01", "inf", "1e400", "0x10"}
	ops := []acctmap.Op{acctmap.Equals, acctmap.NotEquals, acctmap.Contains, acctmap.StartsWith, acctmap.In, acctmap.NotIn,
		acctmap.GreaterThan, acctmap.LessThan, acctmap.IsEmpty, acctmap.IsNotEmpty}
	cond := func() acctmap.Condition {
		c := acctmap.Condition{Field: fields[rng.IntN(len(fields))], Op: ops[rng.IntN(len(ops))]}
		switch c.Op {
		case acctmap.In, acctmap.NotIn:
			for range 1 + rng.IntN(3) {
				c.Values = append(c.Values, randomValue(rng))
			}
		case acctmap.GreaterThan, acctmap.LessThan:
			c.Value = numbers[rng.IntN(len(numbers))]
			if rng.IntN(4) == 0 {
				c.Value = randomValue(rng)
			}
		case acctmap.IsEmpty, acctmap.IsNotEmpty:
		default:
			c.Value = randomValue(rng)
			if rng.IntN(3) == 0 {
				c.Value = strings.TrimSpace(c.Value) + "x" // usually valid
			}
		}
		return c
	}
	var f acctmap.Filter
	for range rng.IntN(3) {
		f.All = append(f.All, cond())
	}
	if rng.IntN(2) == 0 {
		g := []acctmap.Condition{cond()}
		for range rng.IntN(2) {
			g = append(g, cond())
		}
		f.AnyOf = append(f.AnyOf, g)
	}
	return f
}

// memberWorld is a network on s with one pushed data source holding n
// random records.
func memberWorld(t *testing.T, s *Store, rng *rand.Rand, n int) (*acctmap.Actor, string) {
	t.Helper()
	ctx := t.Context()
	net := acctmap.New(s)
	if _, err := net.CreateOrg(ctx, acctmap.Org{ID: "org", Name: "Org"}); err != nil {
		t.Fatal(err)
	}
	if _, err := net.AddUser(ctx, acctmap.User{ID: "admin", OrgID: "org", Name: "Admin", Email: "admin@example.test", Role: acctmap.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	a := net.As("admin")
	ds, err := a.CreateDataSource(ctx, acctmap.NewDataSource{Name: "crm", Kind: acctmap.PushedSource})
	if err != nil {
		t.Fatal(err)
	}
	in := make([]acctmap.RecordInput, n)
	for i := range in {
		num := strconv.Itoa(i)
		in[i] = acctmap.RecordInput{ID: "r" + num, Name: randomValue(rng) + " " + num, Website: "https://r" + num + ".example",
			Fields: map[string]string{}}
		if rng.IntN(3) == 0 {
			in[i].Website += "/" + randomValue(rng)
		}
		for _, f := range []string{"stage", "emp", "note"} {
			if rng.IntN(5) > 0 {
				in[i].Fields[f] = randomValue(rng)
			}
		}
	}
	sum, err := a.ReplaceRecords(ctx, ds.ID, in)
	if err != nil {
		t.Fatalf("ReplaceRecords: %v", err)
	}
	if sum.Accepted < n/2 {
		t.Fatalf("ReplaceRecords accepted %d of %d records: %+v", sum.Accepted, n, sum.Rejections[:min(3, len(sum.Rejections))])
	}
	return a, ds.ID
}

// membershipMismatches creates (or updates) a population for each of
// filters and compares its stored membership with the records the Network
// selects in Go (Actor.Records with the filter), returning the filters
// that disagree and how many populations were saved.
func membershipMismatches(t *testing.T, a *acctmap.Actor, dsID string, filters []acctmap.Filter) (bad []string, saved int) {
	t.Helper()
	ctx := t.Context()
	var pop acctmap.Population
	for i, f := range filters {
		var err error
		spec := acctmap.PopulationSpec{DataSourceID: dsID, Kind: acctmap.Custom, Name: "p" + strconv.Itoa(i), Filter: f}
		if i%2 == 1 && pop.ID != "" {
			pop, err = a.UpdatePopulation(ctx, pop.ID, spec) // the update path
		} else {
			if pop.ID != "" {
				if err := a.DeletePopulation(ctx, pop.ID); err != nil {
					t.Fatal(err)
				}
			}
			pop, err = a.CreatePopulation(ctx, spec)
		}
		if err != nil && !errors.Is(err, acctmap.ErrInvalidInput) {
			t.Fatalf("filter %s: %v", strconv.QuoteToASCII(filterString(f)), err)
		}
		if err != nil {
			if i%2 == 1 {
				// The population is unchanged: delete it next time.
				continue
			}
			pop = acctmap.Population{}
			continue // an invalid random filter: refused, nothing changed
		}
		saved++
		want := recordIDs(t, a.Records(ctx, dsID, f), func(acctmap.Record) bool { return true })
		got := recordIDs(t, a.Records(ctx, dsID, acctmap.Filter{}), func(r acctmap.Record) bool { return r.Populations&(1<<uint(pop.Slot)) != 0 })
		if d := cmp.Diff(want, got); d != "" {
			bad = append(bad, strconv.QuoteToASCII(filterString(f))+": "+d)
		}
	}
	return bad, saved
}

func recordIDs(t *testing.T, seq func(func(acctmap.Record, error) bool), keep func(acctmap.Record) bool) []string {
	t.Helper()
	var out []string
	for r, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		if keep(r) {
			out = append(out, r.ID)
		}
	}
	slices.Sort(out)
	return out
}

func filterString(f acctmap.Filter) string {
	var b strings.Builder
	for _, c := range f.All {
		b.WriteString(c.Field + " " + string(c.Op) + " " + c.Value + strings.Join(c.Values, "|") + "; ")
	}
	for _, g := range f.AnyOf {
		b.WriteString("any(")
		for _, c := range g {
			b.WriteString(c.Field + " " + string(c.Op) + " " + c.Value + strings.Join(c.Values, "|") + "; ")
		}
		b.WriteString(")")
	}
	return b.String()
}

// countingSQL wraps a translation, counting the filters it translates:
// the test checks that most filters took the SQL path.
func countingSQL(n *int, build func(acctmap.StoreFilter, *sqlArgs, bool) string) func(acctmap.StoreFilter, *sqlArgs, bool) string {
	return func(f acctmap.StoreFilter, a *sqlArgs, ascii bool) string {
		*n++
		return build(f, a, ascii)
	}
}

// TestSetMembersByFilterDifferential: random filters over random records
// (tricky case, spaces, Unicode, number syntaxes, escaped text): the
// membership pgstore computes in SQL equals the Network's Go evaluation of
// the same filter, through CreatePopulation and UpdatePopulation.
func TestSetMembersByFilterDifferential(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	var pushed int
	s.membersSQL = countingSQL(&pushed, filterSQL)
	rng := rand.New(rand.NewPCG(13, 19))
	a, dsID := memberWorld(t, s, rng, 300)
	filters := make([]acctmap.Filter, 400)
	for i := range filters {
		filters[i] = randomFilter(rng)
	}
	bad, saved := membershipMismatches(t, a, dsID, filters)
	for _, b := range bad[:min(len(bad), 10)] {
		t.Errorf("filter %s", b)
	}
	if saved < 150 || pushed < saved/2 {
		t.Errorf("%d filters saved, %d pushed down: the test does not exercise the SQL path", saved, pushed)
	}
	t.Logf("%d filters saved, %d pushed down, %d disagree", saved, pushed, len(bad))
}

// TestSetMembersByFilterDifferentialTwin plants defects in the translation
// (spaces trimmed on the right only; case compared as it is; non-ASCII
// values trusted): the differential test must catch each.
func TestSetMembersByFilterDifferentialTwin(t *testing.T) {
	t.Parallel()
	defects := map[string]func(string) string{
		"rtrim only": func(s string) string { return strings.ReplaceAll(s, "btrim(", "rtrim(") },
		"no lower":   func(s string) string { return strings.ReplaceAll(s, "lower(", "(") },
		"trust non-ASCII": func(s string) string {
			return strings.ReplaceAll(strings.ReplaceAll(s, "octet_length(", "0 * octet_length("), "= char_length(", "= 0 * char_length(")
		},
	}
	for name, defect := range defects {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := openTest(t)
			s.membersSQL = func(f acctmap.StoreFilter, a *sqlArgs, ascii bool) string { return defect(filterSQL(f, a, ascii)) }
			rng := rand.New(rand.NewPCG(13, 19))
			a, dsID := memberWorld(t, s, rng, 300)
			filters := make([]acctmap.Filter, 150)
			for i := range filters {
				filters[i] = randomFilter(rng)
			}
			if bad, saved := membershipMismatches(t, a, dsID, filters); len(bad) == 0 {
				t.Errorf("%d filters saved: the defect %q went unnoticed", saved, name)
			}
		})
	}
}

// TestSetMembersByFilterErrors: a missing data source is ErrNotFound and a
// slot out of range ErrInvalidInput, as for SetMembers.
func TestSetMembersByFilterErrors(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	withDataSources(t, s, "ds")
	decide := func(*acctmap.Record) bool { return true }
	for _, tc := range []struct {
		ds   string
		slot int
		want error
	}{{"nope", 0, acctmap.ErrNotFound}, {"nope", 64, acctmap.ErrNotFound}, {"ds", 64, acctmap.ErrInvalidInput}, {"ds", -1, acctmap.ErrInvalidInput}} {
		err := s.Update(context.Background(), func(tx acctmap.Tx) error {
			return tx.(acctmap.FilterMembersTx).SetMembersByFilter(tc.ds, tc.slot, acctmap.StoreFilter{}, decide)
		})
		if !errors.Is(err, tc.want) {
			t.Errorf("SetMembersByFilter(%q, %d) = %v, want %v", tc.ds, tc.slot, err, tc.want)
		}
	}
}
