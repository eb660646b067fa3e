package main

import (
	"sync"
	"time"
)

// The CSV upload has two steps, as the column mapping needs the file's
// header first: the upload, answered with csvsource.Preview's headers,
// samples and suggested mapping, then the import with the mapping the user
// chose. Between the two the file waits here. It is the uploading user's
// own file, not yet given to the library: the app holds no partner data
// that came out of the library. A product would park it in its blob store.
const (
	maxUploadBytes = 32 << 20
	uploadTTL      = 30 * time.Minute
	// maxPendingUploads bounds the memory of files waiting for their
	// mapping: each user has at most one, and the whole app this many.
	maxPendingUploads = 16
)

// pendingUpload is a file between its upload and its import.
type pendingUpload struct {
	owner   string // the user who uploaded it: nobody else can use it
	partner string // the offline partner it is for
	name    string // the file name given by the browser, for messages
	data    []byte
	expires time.Time
}

// uploads holds pending uploads by random token.
type uploads struct {
	mu sync.Mutex
	m  map[string]pendingUpload
}

func newUploads() *uploads { return &uploads{m: map[string]pendingUpload{}} }

// put parks u under a new token, replacing the owner's previous upload.
// It reports false when too many uploads are pending.
func (s *uploads) put(u pendingUpload, now time.Time) (string, bool, error) {
	tok, err := randomToken(24)
	if err != nil {
		return "", false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.m {
		if v.owner == u.owner || now.After(v.expires) {
			delete(s.m, k)
		}
	}
	if len(s.m) >= maxPendingUploads {
		return "", false, nil
	}
	u.expires = now.Add(uploadTTL)
	s.m[tok] = u
	return tok, true, nil
}

// get returns the upload under tok if it belongs to owner and partner and
// has not expired. Another user's token is as good as none.
func (s *uploads) get(tok, owner, partner string, now time.Time) (pendingUpload, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.m[tok]
	if !ok || u.owner != owner || u.partner != partner || now.After(u.expires) {
		return pendingUpload{}, false
	}
	return u, true
}

// drop forgets the upload under tok.
func (s *uploads) drop(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, tok)
}
