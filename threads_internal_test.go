package acctmap

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// FuzzDecodeThread: a stored thread or message that decodes encodes back
// to what decodes the same; anything else is an error, never a panic.
func FuzzDecodeThread(f *testing.F) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	f.Add(encodeThread(&threadData{Subject: "s\x00\xff", StartedBy: "u", Mine: RecordRef{"d", "r"}, Theirs: RecordRef{"e", "\xfe"},
		OwnerA: "a", Status: ThreadClosed, ClosedBy: "o", CreatedAt: at, UpdatedAt: at}))
	f.Add(encodeMessage(&messageData{Author: "u", Body: "b\x00", Internal: true}))
	f.Add([]byte{threadVersion})
	f.Add([]byte{threadVersion, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		if d, err := decodeThread(ThreadRecord{Data: data}); err == nil {
			again, err := decodeThread(ThreadRecord{Data: encodeThread(&d)})
			if err != nil {
				t.Fatalf("a thread encoded does not decode: %v", err)
			}
			if diff := cmp.Diff(d, again); diff != "" {
				t.Fatalf("thread round trip (-first +second):\n%s", diff)
			}
		}
		if m, err := decodeMessage(MessageRecord{Data: data}); err == nil {
			again, err := decodeMessage(MessageRecord{Data: encodeMessage(&m)})
			if err != nil {
				t.Fatalf("a message encoded does not decode: %v", err)
			}
			if diff := cmp.Diff(m, again); diff != "" {
				t.Fatalf("message round trip (-first +second):\n%s", diff)
			}
		}
	})
}
