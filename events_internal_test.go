package acctmap

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// FuzzDecodeEntry: any bytes decode to an entry or an error, never a
// panic; an entry encoded decodes to itself, ids of any bytes included.
func FuzzDecodeEntry(f *testing.F) {
	seed, _ := encodeEntry(entryData{User: "u\x00\xff", Org: "o", Partner: "p", Population: "pop", Level: OverlappingRecords,
		Fields: []string{"name", ""}, Rows: 3, RecordIDs: []string{"r1", "r\xfe"}, Of: 7})
	f.Add(seed)
	f.Add([]byte{entryVersion})
	f.Add([]byte{2, 0})
	f.Add([]byte{entryVersion, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := decodeEntry(EventRecord{Data: data})
		if err != nil {
			return
		}
		b, err := encodeEntry(d)
		if err != nil {
			t.Fatal(err)
		}
		again, err := decodeEntry(EventRecord{Data: b})
		if err != nil {
			t.Fatalf("an entry encoded does not decode: %v", err)
		}
		if diff := cmp.Diff(d, again, cmpopts.EquateEmpty(), cmp.AllowUnexported(entryData{})); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}
