package pgstore

import (
	"testing"
	"time"
	"unicode/utf8"

	"github.com/acctmap/acctmap"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// oddStrings are strings PostgreSQL text cannot hold as they are, or that
// look like what toText makes of them.
var oddStrings = []string{"", "plain", "é日本", "a\x00b", "\x00", "\xff\xfe", "a\xc3", escStr, escStr + "0", escStr + "x41", escStr + "e", "\ufffd", "x" + escStr + "\x00" + "\x80"}

func TestTextRoundTrip(t *testing.T) {
	for _, s := range oddStrings {
		enc := toText(s)
		if !utf8.ValidString(enc) || !plainTextOrEsc(enc) {
			t.Errorf("toText(%q) = %q: not storable as text", s, enc)
		}
		if got := fromText(enc); got != s {
			t.Errorf("fromText(toText(%q)) = %q", s, got)
		}
		if plainText(s) && enc != s {
			t.Errorf("toText(%q) = %q, want it unchanged", s, enc)
		}
	}
	// toText is injective: distinct strings stay distinct.
	seen := map[string]string{}
	for _, s := range oddStrings {
		if o, ok := seen[toText(s)]; ok {
			t.Errorf("toText(%q) = toText(%q)", s, o)
		}
		seen[toText(s)] = s
	}
}

// plainTextOrEsc reports whether s has no NUL byte.
func plainTextOrEsc(s string) bool {
	for i := range len(s) {
		if s[i] == 0 {
			return false
		}
	}
	return true
}

func TestOddStringsRoundTrip(t *testing.T) {
	// Every string field of every item keeps its bytes through the store.
	t.Parallel()
	s := openTest(t)
	odd := func(i int) string { return oddStrings[i%len(oddStrings)] }
	org := acctmap.Org{ID: "o", Name: odd(3), CreatedAt: t0,
		FieldPresets: []acctmap.FieldPreset{{Name: odd(4), Fields: oddStrings}, {Name: odd(5)}}}
	user := acctmap.User{ID: "u", OrgID: "o", Name: odd(4), Email: odd(5), Role: acctmap.Role(odd(6)), CreatedAt: t0}
	ds := acctmap.DataSource{ID: "ds", OrgID: "o", Name: odd(7), Kind: acctmap.DataSourceKind(odd(8)), Fields: oddStrings, CreatedAt: t0, UpdatedAt: t0,
		NotSame: []acctmap.NotSameMark{{RecordID: odd(3), OtherDataSourceID: odd(4), OtherRecordID: odd(5), MarkedBy: odd(6), MarkedAt: t0}}}
	pop := acctmap.Population{ID: "p", OrgID: "o", DataSourceID: "ds", Kind: acctmap.PopulationKind(odd(9)), Name: odd(10), Description: odd(11),
		Filter: acctmap.Filter{
			All:   []acctmap.Condition{{Field: odd(3), Op: acctmap.Op(odd(4)), Value: odd(5)}, {Field: "f", Op: acctmap.In, Values: oddStrings}},
			AnyOf: [][]acctmap.Condition{{{Field: odd(6), Op: acctmap.Equals, Value: odd(12)}}},
		},
		Sharing: acctmap.Sharing{
			Default: &acctmap.SharingRule{Level: acctmap.ShareLevel(odd(3)), Fields: oddStrings, Preset: odd(4), UpdatedAt: t0},
			Partners: map[string]acctmap.SharingRule{
				odd(3): {Level: acctmap.OverlappingRecords, Fields: []string{odd(5)}, UpdatedAt: t0},
				odd(4): {Level: acctmap.Hidden},
			},
		},
		CreatedAt: t0, UpdatedAt: t0}
	var recs []acctmap.Record
	for i := range oddStrings {
		fields := map[string]string{}
		for j := range oddStrings {
			fields[odd(i+j)] = odd(i * j)
		}
		recs = append(recs, acctmap.Record{ID: odd(i), Name: odd(i + 1), Website: odd(i + 2), Domains: []string{odd(i + 3), odd(i + 4)}, NameKey: odd(i + 5),
			RegistrationID: acctmap.RegistrationID{Scheme: odd(i + 6), Value: odd(i + 7)}, Fields: fields, Populations: 1<<63 | uint64(i), Private: i%2 == 0})
	}
	p := acctmap.Partnership{Inviter: "o", Invitee: "o", Status: acctmap.PartnershipStatus(odd(3)), InvitedAt: t0, UpdatedAt: t0,
		Requests: []acctmap.ShareRequest{{ID: odd(3), From: odd(4), To: odd(5), PopulationID: odd(6), Level: acctmap.ShareLevel(odd(7)),
			Fields: oddStrings, Message: odd(8), Status: acctmap.ShareRequestStatus(odd(9)), CreatedAt: t0, DecidedAt: t0.Add(1e9)}}}
	err := s.Update(t.Context(), func(tx acctmap.Tx) error {
		for _, err := range []error{tx.PutOrg(org), tx.PutUser(user), tx.PutDataSource(ds), tx.PutPopulation(pop), tx.PutPartnership(p), tx.PutRecords("ds", recs)} {
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	opts := cmpopts.EquateEmpty()
	err = s.View(t.Context(), func(tx acctmap.ReadTx) error {
		gotOrg, err := tx.Org("o")
		if err != nil {
			return err
		}
		gotUser, err := tx.User("u")
		if err != nil {
			return err
		}
		gotDS, err := tx.DataSource("ds")
		if err != nil {
			return err
		}
		gotPop, err := tx.Population("p")
		if err != nil {
			return err
		}
		gotP, err := tx.Partnership("o", "o")
		if err != nil {
			return err
		}
		for _, c := range []struct{ want, got any }{{org, gotOrg}, {user, gotUser}, {ds, gotDS}, {pop, gotPop}, {p, gotP}} {
			if d := cmp.Diff(c.want, c.got, opts); d != "" {
				t.Errorf("round trip (-want +got):\n%s", d)
			}
		}
		for _, r := range recs {
			got, err := tx.Record("ds", r.ID)
			if err != nil {
				return err
			}
			if d := cmp.Diff(r, got, opts); d != "" {
				t.Errorf("record %q round trip (-want +got):\n%s", r.ID, d)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wantKeys(t, s, "ds")
}

func TestMapStrings(t *testing.T) {
	type inner struct {
		S  string
		P  *string
		M  map[string][]string
		T  time.Time
		n  string // unexported: copied as it is
		Is []int
	}
	str := "p"
	in := inner{S: "s", P: &str, M: map[string][]string{"k": {"a", "b"}, "z": nil}, T: t0, n: "n", Is: []int{1}}
	got := mapStrings(in, func(s string) string { return s + "!" })
	want := inner{S: "s!", M: map[string][]string{"k!": {"a!", "b!"}, "z!": nil}, T: t0, n: "n", Is: []int{1}}
	if got.P == nil || *got.P != "p!" || str != "p" {
		t.Errorf("pointer: got %v, original %q", got.P, str)
	}
	got.P = nil
	if d := cmp.Diff(want, got, cmp.AllowUnexported(inner{})); d != "" {
		t.Errorf("mapStrings (-want +got):\n%s", d)
	}
	if in.S != "s" || in.M["k"][0] != "a" {
		t.Errorf("mapStrings changed its argument: %+v", in)
	}
}
