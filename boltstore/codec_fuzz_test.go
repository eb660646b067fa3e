package boltstore

import (
	"bytes"
	"cmp"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/storetest"
)

var equateEmpty = cmpopts.EquateEmpty()

// FuzzRecordRoundTrip encodes a record built from the fuzzer's strings and
// decodes it, in full and keys only.
func FuzzRecordRoundTrip(f *testing.F) {
	f.Add("r1", "Acme", "https://acme.example", "acme", "duns", "000000001", "acme.example\nacme.test", "owner=ann\nstage=Won", uint64(1<<63|5), true)
	f.Add("", "", "", "", "", "", "", "", uint64(0), false)
	f.Add("a\x00b", "\xff\xfe", "é", "日本", "a:b", "c", "\x00", "=\n\x00=\xff", uint64(1), false)
	f.Fuzz(func(t *testing.T, id, name, website, nameKey, scheme, value, domains, fields string, pops uint64, private bool) {
		r := acctmap.Record{ID: id, Name: name, Website: website, NameKey: nameKey, RegistrationID: acctmap.RegistrationID{Scheme: scheme, Value: value},
			Populations: pops, Private: private}
		if domains != "" {
			r.Domains = strings.Split(domains, "\n")
		}
		if fields != "" {
			r.Fields = map[string]string{}
			for _, kv := range strings.Split(fields, "\n") {
				k, v, _ := strings.Cut(kv, "=")
				r.Fields[k] = v
			}
		}
		var a arena
		k, v := a.key(r.ID), a.record(&r)
		if len(v) != cap(v) {
			t.Fatalf("recordSize %d, encoding %d bytes", cap(v), len(v))
		}
		var got acctmap.Record
		if err := decodeRecord(k, v, &got, false); err != nil {
			t.Fatalf("decode: %v", err)
		}
		if d := gocmp.Diff(r, got, equateEmpty); d != "" {
			t.Fatalf("round trip (-put +got):\n%s", d)
		}
		var keys acctmap.Record
		if err := decodeRecord(k, v, &keys, true); err != nil {
			t.Fatalf("decode keys: %v", err)
		}
		want := acctmap.Record{ID: r.ID, Domains: r.Domains, NameKey: r.NameKey, RegistrationID: r.RegistrationID, Populations: r.Populations, Private: r.Private}
		if d := gocmp.Diff(want, keys, equateEmpty); d != "" {
			t.Fatalf("keys only (-want +got):\n%s", d)
		}
	})
}

// FuzzDecodeRecord decodes arbitrary bytes as a stored record: an error
// or a record, never a panic; a record decoded must encode back to one
// that decodes the same, and keys only must agree with it.
func FuzzDecodeRecord(f *testing.F) {
	var a arena
	for _, r := range append(genRecords("x", 0, 6), acctmap.Record{}) {
		f.Add(a.key(r.ID), a.record(&r))
	}
	f.Add([]byte{idKeyTag}, []byte{codecVersion, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, k, v []byte) {
		var r acctmap.Record
		err := decodeRecord(k, v, &r, false)
		var keys acctmap.Record
		kerr := decodeRecord(k, v, &keys, true)
		if err != nil {
			return
		}
		if kerr != nil {
			t.Fatalf("the record decodes, its keys do not: %v", kerr)
		}
		want := acctmap.Record{ID: r.ID, Domains: r.Domains, NameKey: r.NameKey, RegistrationID: r.RegistrationID, Populations: r.Populations, Private: r.Private}
		if d := gocmp.Diff(want, keys, equateEmpty); d != "" {
			t.Fatalf("keys only (-want +got):\n%s", d)
		}
		var b arena
		var again acctmap.Record
		if err := decodeRecord(b.key(r.ID), b.record(&r), &again, false); err != nil {
			t.Fatalf("re-encoded record: %v", err)
		}
		if d := gocmp.Diff(r, again, equateEmpty); d != "" {
			t.Fatalf("re-encoded (-first +again):\n%s", d)
		}
	})
}

// entityCodecs decode and re-encode each kind of item, by the fuzzer's
// kind byte.
var entityCodecs = []func(v []byte) (first, again any, err error){
	func(v []byte) (any, any, error) { return reDecode(v, decodeOrg, encodeOrg) },
	func(v []byte) (any, any, error) { return reDecode(v, decodeUser, encodeUser) },
	func(v []byte) (any, any, error) { return reDecode(v, decodePartnership, encodePartnership) },
	func(v []byte) (any, any, error) { return reDecode(v, decodeDataSource, encodeDataSource) },
	func(v []byte) (any, any, error) { return reDecode(v, decodePopulation, encodePopulation) },
}

func reDecode[T any](v []byte, decode func([]byte) (T, error), encode func(*T) []byte) (any, any, error) {
	x, err := decode(v)
	if err != nil {
		return nil, nil, err
	}
	y, err := decode(encode(&x))
	if err != nil {
		return x, nil, err
	}
	return x, y, nil
}

// FuzzDecodeItem decodes arbitrary bytes as an org, user, partnership,
// data source or population: an error or an item, never a panic; an item
// decoded encodes back to one that decodes the same.
func FuzzDecodeItem(f *testing.F) {
	snap := seedSnapshot(f)
	for _, o := range snap.Orgs {
		f.Add(uint8(0), encodeOrg(&o))
	}
	for _, u := range snap.Users {
		f.Add(uint8(1), encodeUser(&u))
	}
	for _, p := range snap.Partnerships {
		f.Add(uint8(2), encodePartnership(&p))
	}
	for _, d := range snap.DataSources {
		f.Add(uint8(3), encodeDataSource(&d))
	}
	for _, p := range snap.Populations {
		f.Add(uint8(4), encodePopulation(&p))
	}
	f.Fuzz(func(t *testing.T, kind uint8, v []byte) {
		first, again, err := entityCodecs[int(kind)%len(entityCodecs)](v)
		if first == nil {
			return // refused: fine
		}
		if err != nil {
			t.Fatalf("an item decoded, its encoding does not: %v", err)
		}
		if d := gocmp.Diff(first, again, equateEmpty); d != "" {
			t.Fatalf("re-encoded (-first +again):\n%s", d)
		}
	})
}

// seedSnapshot returns the storetest network, read back from a store.
func seedSnapshot(tb testing.TB) storetest.Snapshot {
	s := openTemp(tb)
	if err := s.Update(tb.Context(), storetest.Seed); err != nil {
		tb.Fatal(err)
	}
	return mustDump(tb, s)
}

// FuzzTupleKey checks the tuple encoding: it decodes back, sorts as the
// tuples do, and the key of (a) prefixes exactly the keys of tuples that
// start with a. Arbitrary bytes split without panicking.
func FuzzTupleKey(f *testing.F) {
	f.Add("a", "b", "a\x00", "")
	f.Add("", "", "\x00\x01", "\x00\xff")
	f.Add("a\x00b", "x", "a", "\x00b")
	f.Fuzz(func(t *testing.T, a, b, c, d string) {
		k1, k2 := tupleKey(a, b), tupleKey(c, d)
		x, rest, err := splitTuplePart(k1)
		if err != nil || x != a {
			t.Fatalf("split %q: %q, %v; want %q", k1, x, err, a)
		}
		y, rest, err := splitTuplePart(rest)
		if err != nil || y != b || len(rest) != 0 {
			t.Fatalf("split the rest of %q: %q, %q, %v; want %q", k1, y, rest, err, b)
		}
		if got, want := bytes.Compare(k1, k2), cmp.Or(strings.Compare(a, c), strings.Compare(b, d)); got != want {
			t.Fatalf("(%q, %q) vs (%q, %q): keys compare %d, tuples %d", a, b, c, d, got, want)
		}
		if got := bytes.HasPrefix(k2, tupleKey(a)); got != (a == c) {
			t.Fatalf("key of (%q) prefixes key of (%q, %q): %v", a, c, d, got)
		}
		// Any bytes: an error or a split, never a panic.
		_, _, _ = splitTuplePart([]byte(a + b))
	})
}
