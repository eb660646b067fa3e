package boltstore

import (
	"bytes"
	"errors"

	bolt "go.etcd.io/bbolt"
)

// The file's top-level buckets. Primary buckets map idKey(id) to the
// encoded item; index buckets map a tuple key to nothing, so that a prefix
// scan lists the children of one parent in id order.
var (
	bucketMeta     = []byte("meta")
	bucketOrgs     = []byte("orgs")
	bucketUsers    = []byte("users")
	bucketPartners = []byte("partnerships") // tupleKey(lo, hi), lo ≤ hi
	bucketSources  = []byte("data_sources")
	bucketPops     = []byte("populations")
	bucketRecords  = []byte("records") // one nested bucket per data source, named idKey(id)

	indexOrgOwner   = []byte("orgs_by_owner")       // tupleKey(OfflineOf, id), for OfflineOf != ""
	indexUserOrg    = []byte("users_by_org")        // tupleKey(OrgID, id)
	indexPartnerOrg = []byte("partnerships_by_org") // tupleKey(org, other), both ways
	indexSourceOrg  = []byte("data_sources_by_org") // tupleKey(OrgID, id)
	indexPopOrg     = []byte("populations_by_org")  // tupleKey(OrgID, id)
	indexPopSource  = []byte("populations_by_ds")   // tupleKey(DataSourceID, id)

	allBuckets = [][]byte{bucketMeta, bucketOrgs, bucketUsers, bucketPartners, bucketSources, bucketPops, bucketRecords,
		indexOrgOwner, indexUserOrg, indexPartnerOrg, indexSourceOrg, indexPopOrg, indexPopSource}
)

// idKeyTag is the first byte of every primary key. bbolt refuses empty
// keys and the empty string is a valid id; one constant byte in front
// keeps every key non-empty and the keys in the ids' byte order.
const idKeyTag = 0x01

// idKey is the key of an item in a primary bucket (and of a record in its
// data source's bucket, and of that bucket in bucketRecords).
func idKey(id string) []byte {
	k := make([]byte, 1+len(id))
	k[0] = idKeyTag
	copy(k[1:], id)
	return k
}

// appendIDKey appends idKey(id) to b.
func appendIDKey(b []byte, id string) []byte {
	b = append(b, idKeyTag)
	return append(b, id...)
}

var errBadKey = errors.New("malformed key")

// Tuple keys encode several ids so that they sort as the tuples do, id by
// id, byte-wise: each id with its 0x00 bytes escaped as 0x00 0xFF, then
// the terminator 0x00 0x01. The terminator sorts before anything that can
// follow it, so a shorter id comes first, and no id's encoding is a
// prefix of another's: the encoding of (a) is a prefix exactly of the keys
// of the tuples that start with a, which is what a prefix scan needs.
const (
	tupleEsc  = 0xFF
	tupleTerm = 0x01
)

// appendTuplePart appends one id of a tuple key to b.
func appendTuplePart(b []byte, id string) []byte {
	for i := 0; i < len(id); i++ {
		if id[i] == 0 {
			b = append(b, 0, tupleEsc)
		} else {
			b = append(b, id[i])
		}
	}
	return append(b, 0, tupleTerm)
}

// tupleKey encodes ids as one key.
func tupleKey(ids ...string) []byte {
	n := 0
	for _, id := range ids {
		n += len(id) + 2
	}
	b := make([]byte, 0, n)
	for _, id := range ids {
		b = appendTuplePart(b, id)
	}
	return b
}

// splitTuplePart decodes the first id of a tuple key and returns the rest.
func splitTuplePart(k []byte) (id string, rest []byte, err error) {
	i := bytes.IndexByte(k, 0)
	if i < 0 || i+1 >= len(k) {
		return "", nil, errBadKey
	}
	if k[i+1] == tupleTerm {
		return string(k[:i]), k[i+2:], nil // the common case: no NUL in the id
	}
	var b []byte
	for {
		if i < 0 || i+1 >= len(k) {
			return "", nil, errBadKey
		}
		b = append(b, k[:i]...)
		switch k[i+1] {
		case tupleTerm:
			return string(b), k[i+2:], nil
		case tupleEsc:
			b = append(b, 0)
		default:
			return "", nil, errBadKey
		}
		k = k[i+2:]
		i = bytes.IndexByte(k, 0)
	}
}

// keyFits reports whether bbolt takes k as a key.
func keyFits(k []byte) bool { return len(k) <= bolt.MaxKeySize }
