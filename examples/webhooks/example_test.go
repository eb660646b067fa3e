package webhooks_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/acctmap/acctmap/examples/webhooks"
)

// A receiver checks each delivery before trusting it: the HMAC over the
// raw body, with the shared secret, and the time it was signed.
func ExampleVerify() {
	secret := []byte("whsec_shared")
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "read", http.StatusBadRequest)
			return
		}
		if err := webhooks.Verify(secret, r.Header.Get(webhooks.HeaderSignature), body, time.Now(), 5*time.Minute); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		// Deduplicate by r.Header.Get(webhooks.HeaderEventID), then handle
		// the event; any 2xx acknowledges it.
		w.WriteHeader(http.StatusNoContent)
	})
	body := `{"cursor":1,"kind":"partnership.invited"}`
	for _, key := range [][]byte{secret, []byte("someone else's")} {
		req := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(body))
		req.Header.Set(webhooks.HeaderSignature, webhooks.Sign(key, time.Now(), []byte(body)))
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		fmt.Println(rec.Code)
	}
	// Output:
	// 204
	// 401
}
