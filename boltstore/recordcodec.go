package boltstore

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/acctmap/acctmap"
)

// A record is stored under idKey(Record.ID) in its data source's bucket;
// its value is
//
//	[0]     codecVersion
//	[1:9]   Populations, little-endian: at a fixed place, so that
//	        SetMembers and DeletePopulation flip bits without decoding
//	[9]     flags: 1 if Private
//	        uvarint length of the keys section, then the keys section:
//	        NameKey, RegistrationID.Scheme, RegistrationID.Value, Domains,
//	        OtherNameKeys, EmailKey
//	        Name, Website, OtherNames, Email, Fields
//
// The keys section holds what matching reads, so that RecordKeys decodes
// only that; its length lets it skip the rest. The id is not repeated in
// the value.
const (
	recPopsOff  = 1
	recFlagsOff = 9
	recHeader   = 10

	flagPrivate = 1
)

// uvarintLen is the length of v as a uvarint.
func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

func strLen(s string) int { return uvarintLen(uint64(len(s))) + len(s) }

// recordKeysLen is the length of the keys section of r.
func recordKeysLen(r *acctmap.Record) int {
	n := strLen(r.NameKey) + strLen(r.RegistrationID.Scheme) + strLen(r.RegistrationID.Value) + strsLen(r.Domains) +
		strsLen(r.OtherNameKeys) + strLen(r.EmailKey)
	return n
}

func strsLen(list []string) int {
	n := uvarintLen(uint64(len(list)))
	for _, s := range list {
		n += strLen(s)
	}
	return n
}

// recordSize is the exact length of r's encoding, given its keys
// section's length.
func recordSize(r *acctmap.Record, keysLen int) int {
	n := recHeader + uvarintLen(uint64(keysLen)) + keysLen + strLen(r.Name) + strLen(r.Website) + strsLen(r.OtherNames) + strLen(r.Email) +
		uvarintLen(uint64(len(r.Fields)))
	for k, v := range r.Fields {
		n += strLen(k) + strLen(v)
	}
	return n
}

// appendRecord appends the encoding of r to b.
func appendRecord(b []byte, r *acctmap.Record, keysLen int) []byte {
	b = append(b, codecVersion)
	b = binary.LittleEndian.AppendUint64(b, r.Populations)
	var flags byte
	if r.Private {
		flags |= flagPrivate
	}
	b = append(b, flags)
	b = appendUvarint(b, uint64(keysLen))
	b = appendStr(b, r.NameKey)
	b = appendStr(b, r.RegistrationID.Scheme)
	b = appendStr(b, r.RegistrationID.Value)
	b = appendStrs(b, r.Domains)
	b = appendStrs(b, r.OtherNameKeys)
	b = appendStr(b, r.EmailKey)
	b = appendStr(b, r.Name)
	b = appendStr(b, r.Website)
	b = appendStrs(b, r.OtherNames)
	b = appendStr(b, r.Email)
	b = appendUvarint(b, uint64(len(r.Fields)))
	// Map order: the same record may encode differently twice, which
	// nothing depends on; sorting would cost a fifth of the encoding.
	for k, v := range r.Fields {
		b = appendStr(b, k)
		b = appendStr(b, v)
	}
	return b
}

// checkRecordHeader checks what SetMembers reads of a value without
// decoding it.
func checkRecordHeader(v []byte) error {
	if len(v) < recHeader {
		return fmt.Errorf("%d bytes, shorter than a record's header", len(v))
	}
	if v[0] != codecVersion {
		return fmt.Errorf("encoding version %d, this package reads %d", v[0], codecVersion)
	}
	return nil
}

// decodeRecord decodes the record stored under key k with value v into
// *r, all of it or, with keysOnly, what RecordKeys returns. Every string,
// slice and map of *r is new: none aliases v, k or another record.
func decodeRecord(k, v []byte, r *acctmap.Record, keysOnly bool) error {
	if len(k) == 0 || k[0] != idKeyTag {
		return errBadKey
	}
	if err := checkRecordHeader(v); err != nil {
		return err
	}
	pops := binary.LittleEndian.Uint64(v[recPopsOff:])
	flags := v[recFlagsOff]
	if flags&^flagPrivate != 0 {
		return fmt.Errorf("unknown flags %#x", flags)
	}
	keysLen, n := binary.Uvarint(v[recHeader:])
	if n <= 0 || keysLen > uint64(len(v)-recHeader-n) {
		return fmt.Errorf("keys section length past the end")
	}
	body := v[recHeader+n:]
	if keysOnly {
		body = body[:keysLen]
	}
	// One allocation holds the id and every string of the record.
	var sb strings.Builder
	sb.Grow(len(k) - 1 + len(body))
	sb.Write(k[1:])
	sb.Write(body)
	s := sb.String()

	*r = acctmap.Record{ID: s[:len(k)-1], Populations: pops, Private: flags&flagPrivate != 0}
	d := decoder{s: s[:len(k)-1+int(keysLen)], off: len(k) - 1}
	r.NameKey = d.str()
	r.RegistrationID.Scheme = d.str()
	r.RegistrationID.Value = d.str()
	r.Domains = d.strs()
	r.OtherNameKeys = d.strs()
	r.EmailKey = d.str()
	if err := d.finish(); err != nil {
		return fmt.Errorf("keys section: %w", err)
	}
	if keysOnly {
		return nil
	}
	d = decoder{s: s, off: d.off}
	r.Name = d.str()
	r.Website = d.str()
	r.OtherNames = d.strs()
	r.Email = d.str()
	if nf := d.count(2); nf > 0 {
		r.Fields = make(map[string]string, nf)
		for range nf {
			k := d.str()
			r.Fields[k] = d.str()
		}
	}
	return d.finish()
}

// arena hands out the buffers values are encoded into. bbolt keeps a
// reference to every value given to Put until the commit, so a buffer is
// never reused within a transaction; carving them out of large chunks
// saves an allocation per record.
type arena struct {
	chunk []byte
}

const arenaChunk = 1 << 20

// alloc returns an empty slice with capacity n.
func (a *arena) alloc(n int) []byte {
	if n > arenaChunk/4 {
		return make([]byte, 0, n)
	}
	if cap(a.chunk)-len(a.chunk) < n {
		a.chunk = make([]byte, 0, arenaChunk)
	}
	b := a.chunk[len(a.chunk) : len(a.chunk) : len(a.chunk)+n]
	a.chunk = a.chunk[:len(a.chunk)+n]
	return b
}

// record encodes r into the arena.
func (a *arena) record(r *acctmap.Record) []byte {
	kl := recordKeysLen(r)
	return appendRecord(a.alloc(recordSize(r, kl)), r, kl)
}

// key returns idKey(id) in the arena.
func (a *arena) key(id string) []byte {
	return appendIDKey(a.alloc(1+len(id)), id)
}
