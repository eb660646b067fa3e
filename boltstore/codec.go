package boltstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/acctmap/acctmap"
)

// The encoding of values. Every value starts with a version byte, so that
// a later release can read what this one wrote; then its fields in a fixed
// order, as
//
//	strings     uvarint length, bytes
//	integers    zig-zag varint (uvarint where never negative)
//	lists       uvarint count, items
//	maps        uvarint count, key and value pairs
//	times       0 for the zero time, or 1, varint Unix seconds, uvarint nanoseconds
//
// A binary encoding, not JSON: encoding/json replaces invalid UTF-8 with
// U+FFFD, and the contract wants strings of any bytes to round-trip; it
// is also smaller (a record takes 57% of its JSON), and decodes without
// reflection. gob would describe its types again in every value.
const codecVersion = 1

// ErrCorrupt is wrapped by the errors of reads that find a value or key
// the store cannot decode: a damaged file, or one written by a newer
// version of this package.
var ErrCorrupt = errors.New("boltstore: corrupt data")

// maxElems bounds the length of any list or map a value may hold, so that
// a damaged length cannot make a decoder allocate gigabytes.
const maxElems = 1 << 24

func appendUvarint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }
func appendVarint(b []byte, v int64) []byte   { return binary.AppendVarint(b, v) }

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendStrs(b []byte, ss []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(ss)))
	for _, s := range ss {
		b = appendStr(b, s)
	}
	return b
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0)
	}
	b = append(b, 1)
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

// decoder reads a value from a string: converting the value to one string
// first makes every string field a substring of it, one allocation for all.
type decoder struct {
	s   string
	off int
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("at byte %d: "+format, append([]any{d.off}, args...)...)
	}
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if d.off >= len(d.s) {
		d.fail("unexpected end")
		return 0
	}
	c := d.s[d.off]
	d.off++
	return c
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	var x uint64
	var shift uint
	for i := 0; ; i++ {
		if d.off >= len(d.s) {
			d.fail("unexpected end in a varint")
			return 0
		}
		c := d.s[d.off]
		d.off++
		if i == binary.MaxVarintLen64-1 && c > 1 {
			d.fail("varint overflows 64 bits")
			return 0
		}
		if c < 0x80 {
			return x | uint64(c)<<shift
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

// int decodes a varint that must fit an int.
func (d *decoder) int() int {
	v := d.varint()
	if v < math.MinInt || v > math.MaxInt {
		d.fail("integer %d out of range", v)
		return 0
	}
	return int(v)
}

func (d *decoder) bool() bool {
	switch d.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail("bad boolean")
	return false
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.s)-d.off) {
		d.fail("string of %d bytes past the end", n)
		return ""
	}
	s := d.s[d.off : d.off+int(n)]
	d.off += int(n)
	return s
}

// count decodes the length of a list whose items take at least minSize
// bytes each, and checks that they can fit in what is left.
func (d *decoder) count(minSize int) int {
	n := d.uvarint()
	if d.err != nil {
		return 0
	}
	if n > maxElems || n*uint64(minSize) > uint64(len(d.s)-d.off) {
		d.fail("%d items past the end", n)
		return 0
	}
	return int(n)
}

func (d *decoder) strs() []string {
	n := d.count(1)
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.str()
	}
	return out
}

func (d *decoder) time() time.Time {
	switch d.byte() {
	case 0:
		return time.Time{}
	case 1:
		sec := d.varint()
		nsec := d.uvarint()
		if nsec >= 1e9 {
			d.fail("%d nanoseconds", nsec)
			return time.Time{}
		}
		return time.Unix(sec, int64(nsec)).UTC()
	}
	d.fail("bad time")
	return time.Time{}
}

// start checks the version byte.
func (d *decoder) start() {
	if v := d.byte(); d.err == nil && v != codecVersion {
		d.fail("encoding version %d, this package reads %d", v, codecVersion)
	}
}

// finish reports trailing bytes, and returns the decoder's error.
func (d *decoder) finish() error {
	if d.err == nil && d.off != len(d.s) {
		d.fail("%d trailing bytes", len(d.s)-d.off)
	}
	return d.err
}

func encodeOrg(o *acctmap.Org) []byte {
	b := make([]byte, 0, 64+len(o.ID)+len(o.Name)+len(o.OfflineOf))
	b = append(b, codecVersion)
	b = appendStr(b, o.ID)
	b = appendStr(b, o.Name)
	b = appendStr(b, o.OfflineOf)
	b = appendVarint(b, int64(o.Limits.MaxOfflinePartners))
	b = appendVarint(b, o.Limits.MaxExportedRecords)
	b = appendVarint(b, o.ExportedRecords)
	b = appendUvarint(b, uint64(len(o.FieldPresets)))
	for _, p := range o.FieldPresets {
		b = appendStr(b, p.Name)
		b = appendStrs(b, p.Fields)
	}
	b = appendTime(b, o.CreatedAt)
	// The count policy, after the fields of the first format.
	b = appendCountPolicy(b, o.Counts)
	b = appendUvarint(b, uint64(len(o.CountsFor)))
	for _, k := range slices.Sorted(maps.Keys(o.CountsFor)) {
		b = appendStr(b, k)
		b = appendCountPolicy(b, o.CountsFor[k])
	}
	b = appendUvarint(b, uint64(len(o.CountLedgers)))
	for _, k := range slices.Sorted(maps.Keys(o.CountLedgers)) {
		l := o.CountLedgers[k]
		b = appendStr(b, k)
		b = appendTime(b, l.PeriodStart)
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(l.Spent))
		b = appendStrs(b, l.Released)
	}
	return appendStr(b, string(o.CountKey))
}

func appendCountPolicy(b []byte, p acctmap.CountPolicy) []byte {
	b = appendVarint(b, p.MinCellSize)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p.Epsilon))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p.Budget))
	return appendVarint(b, int64(p.Period))
}

func (d *decoder) float() float64 {
	if d.err != nil || len(d.s)-d.off < 8 {
		d.fail("a float past the end")
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64([]byte(d.s[d.off : d.off+8])))
	d.off += 8
	return v
}

func (d *decoder) countPolicy() acctmap.CountPolicy {
	var p acctmap.CountPolicy
	p.MinCellSize = d.varint()
	p.Epsilon = d.float()
	p.Budget = d.float()
	p.Period = time.Duration(d.varint())
	return p
}

func decodeOrg(v []byte) (acctmap.Org, error) {
	d := decoder{s: string(v)}
	d.start()
	var o acctmap.Org
	o.ID = d.str()
	o.Name = d.str()
	o.OfflineOf = d.str()
	o.Limits.MaxOfflinePartners = d.int()
	o.Limits.MaxExportedRecords = d.varint()
	o.ExportedRecords = d.varint()
	if n := d.count(2); n > 0 {
		o.FieldPresets = make([]acctmap.FieldPreset, n)
		for i := range o.FieldPresets {
			o.FieldPresets[i].Name = d.str()
			o.FieldPresets[i].Fields = d.strs()
		}
	}
	o.CreatedAt = d.time()
	o.Counts = d.countPolicy()
	if n := d.count(1); n > 0 {
		o.CountsFor = make(map[string]acctmap.CountPolicy, n)
		for range n {
			k := d.str()
			o.CountsFor[k] = d.countPolicy()
		}
	}
	if n := d.count(1); n > 0 {
		o.CountLedgers = make(map[string]acctmap.CountLedger, n)
		for range n {
			k := d.str()
			var l acctmap.CountLedger
			l.PeriodStart = d.time()
			l.Spent = d.float()
			l.Released = d.strs()
			o.CountLedgers[k] = l
		}
	}
	if key := d.str(); key != "" {
		o.CountKey = []byte(key)
	}
	return o, d.finish()
}

func encodeUser(u *acctmap.User) []byte {
	b := make([]byte, 0, 32+len(u.ID)+len(u.OrgID)+len(u.Name)+len(u.Email)+len(u.Role))
	b = append(b, codecVersion)
	b = appendStr(b, u.ID)
	b = appendStr(b, u.OrgID)
	b = appendStr(b, u.Name)
	b = appendStr(b, u.Email)
	b = appendStr(b, string(u.Role))
	b = appendUvarint(b, uint64(u.Permissions))
	return appendTime(b, u.CreatedAt)
}

func decodeUser(v []byte) (acctmap.User, error) {
	d := decoder{s: string(v)}
	d.start()
	var u acctmap.User
	u.ID = d.str()
	u.OrgID = d.str()
	u.Name = d.str()
	u.Email = d.str()
	u.Role = acctmap.Role(d.str())
	p := d.uvarint()
	if p > math.MaxUint8 {
		d.fail("permissions %d", p)
	}
	u.Permissions = acctmap.Permission(p)
	u.CreatedAt = d.time()
	return u, d.finish()
}

func encodePartnership(p *acctmap.Partnership) []byte {
	b := make([]byte, 0, 64+len(p.Inviter)+len(p.Invitee))
	b = append(b, codecVersion)
	b = appendStr(b, p.Inviter)
	b = appendStr(b, p.Invitee)
	b = appendStr(b, string(p.Status))
	b = appendTime(b, p.InvitedAt)
	b = appendTime(b, p.UpdatedAt)
	b = appendUvarint(b, uint64(len(p.Requests)))
	for i := range p.Requests {
		r := &p.Requests[i]
		b = appendStr(b, r.ID)
		b = appendStr(b, r.From)
		b = appendStr(b, r.To)
		b = appendStr(b, r.PopulationID)
		b = appendStr(b, string(r.Level))
		b = appendStrs(b, r.Fields)
		b = appendStr(b, r.Message)
		b = appendStr(b, string(r.Status))
		b = appendTime(b, r.CreatedAt)
		b = appendTime(b, r.DecidedAt)
	}
	return b
}

func decodePartnership(v []byte) (acctmap.Partnership, error) {
	d := decoder{s: string(v)}
	d.start()
	var p acctmap.Partnership
	p.Inviter = d.str()
	p.Invitee = d.str()
	p.Status = acctmap.PartnershipStatus(d.str())
	p.InvitedAt = d.time()
	p.UpdatedAt = d.time()
	if n := d.count(10); n > 0 {
		p.Requests = make([]acctmap.ShareRequest, n)
		for i := range p.Requests {
			r := &p.Requests[i]
			r.ID = d.str()
			r.From = d.str()
			r.To = d.str()
			r.PopulationID = d.str()
			r.Level = acctmap.ShareLevel(d.str())
			r.Fields = d.strs()
			r.Message = d.str()
			r.Status = acctmap.ShareRequestStatus(d.str())
			r.CreatedAt = d.time()
			r.DecidedAt = d.time()
		}
	}
	return p, d.finish()
}

func encodeDataSource(ds *acctmap.DataSource) []byte {
	b := make([]byte, 0, 64+len(ds.ID)+len(ds.OrgID)+len(ds.Name))
	b = append(b, codecVersion)
	b = appendStr(b, ds.ID)
	b = appendStr(b, ds.OrgID)
	b = appendStr(b, ds.Name)
	b = appendStr(b, string(ds.Kind))
	b = appendStrs(b, ds.Fields)
	b = appendVarint(b, ds.Version)
	b = appendUvarint(b, uint64(len(ds.NotSame)))
	for i := range ds.NotSame {
		m := &ds.NotSame[i]
		b = appendStr(b, m.RecordID)
		b = appendStr(b, m.OtherDataSourceID)
		b = appendStr(b, m.OtherRecordID)
		b = appendStr(b, m.MarkedBy)
		b = appendTime(b, m.MarkedAt)
	}
	b = appendStrs(b, ds.PrivateTombstones)
	b = appendTime(b, ds.CreatedAt)
	b = appendTime(b, ds.UpdatedAt)
	if ds.Subject != "" || hasFieldTypes(ds) {
		// Last and only when set: data sources written before subjects
		// (and field types) existed decode as they are. The field types'
		// section follows the subject, written then even when empty.
		b = appendStr(b, string(ds.Subject))
	}
	return appendFieldTypes(b, ds)
}

func decodeDataSource(v []byte) (acctmap.DataSource, error) {
	d := decoder{s: string(v)}
	d.start()
	var ds acctmap.DataSource
	ds.ID = d.str()
	ds.OrgID = d.str()
	ds.Name = d.str()
	ds.Kind = acctmap.DataSourceKind(d.str())
	ds.Fields = d.strs()
	ds.Version = d.varint()
	if n := d.count(5); n > 0 {
		ds.NotSame = make([]acctmap.NotSameMark, n)
		for i := range ds.NotSame {
			m := &ds.NotSame[i]
			m.RecordID = d.str()
			m.OtherDataSourceID = d.str()
			m.OtherRecordID = d.str()
			m.MarkedBy = d.str()
			m.MarkedAt = d.time()
		}
	}
	ds.PrivateTombstones = d.strs()
	ds.CreatedAt = d.time()
	ds.UpdatedAt = d.time()
	if d.err == nil && d.off < len(d.s) {
		ds.Subject = acctmap.Subject(d.str())
	}
	d.fieldTypes(&ds)
	return ds, d.finish()
}

func appendConditions(b []byte, cs []acctmap.Condition) []byte {
	b = appendUvarint(b, uint64(len(cs)))
	for i := range cs {
		b = appendStr(b, cs[i].Field)
		b = appendStr(b, string(cs[i].Op))
		b = appendStr(b, cs[i].Value)
		b = appendStrs(b, cs[i].Values)
	}
	return b
}

func (d *decoder) conditions() []acctmap.Condition {
	n := d.count(4)
	if n == 0 {
		return nil
	}
	cs := make([]acctmap.Condition, n)
	for i := range cs {
		cs[i].Field = d.str()
		cs[i].Op = acctmap.Op(d.str())
		cs[i].Value = d.str()
		cs[i].Values = d.strs()
	}
	return cs
}

func appendRule(b []byte, r *acctmap.SharingRule) []byte {
	b = appendStr(b, string(r.Level))
	b = appendStrs(b, r.Fields)
	b = appendStr(b, r.Preset)
	return appendTime(b, r.UpdatedAt)
}

func (d *decoder) rule() acctmap.SharingRule {
	var r acctmap.SharingRule
	r.Level = acctmap.ShareLevel(d.str())
	r.Fields = d.strs()
	r.Preset = d.str()
	r.UpdatedAt = d.time()
	return r
}

func encodePopulation(p *acctmap.Population) []byte {
	b := make([]byte, 0, 96+len(p.ID)+len(p.OrgID)+len(p.DataSourceID)+len(p.Name)+len(p.Description))
	b = append(b, codecVersion)
	b = appendStr(b, p.ID)
	b = appendStr(b, p.OrgID)
	b = appendStr(b, p.DataSourceID)
	b = appendStr(b, string(p.Kind))
	b = appendStr(b, p.Name)
	b = appendStr(b, p.Description)
	b = appendConditions(b, p.Filter.All)
	b = appendUvarint(b, uint64(len(p.Filter.AnyOf)))
	for _, cs := range p.Filter.AnyOf {
		b = appendConditions(b, cs)
	}
	b = appendVarint(b, int64(p.Slot))
	b = appendBool(b, p.Sharing.Default != nil)
	if p.Sharing.Default != nil {
		b = appendRule(b, p.Sharing.Default)
	}
	// Partners in key order: the same population always encodes the same.
	b = appendUvarint(b, uint64(len(p.Sharing.Partners)))
	for _, k := range slices.Sorted(maps.Keys(p.Sharing.Partners)) {
		r := p.Sharing.Partners[k]
		b = appendStr(b, k)
		b = appendRule(b, &r)
	}
	b = appendTime(b, p.CreatedAt)
	return appendTime(b, p.UpdatedAt)
}

func decodePopulation(v []byte) (acctmap.Population, error) {
	d := decoder{s: string(v)}
	d.start()
	var p acctmap.Population
	p.ID = d.str()
	p.OrgID = d.str()
	p.DataSourceID = d.str()
	p.Kind = acctmap.PopulationKind(d.str())
	p.Name = d.str()
	p.Description = d.str()
	p.Filter.All = d.conditions()
	if n := d.count(1); n > 0 {
		p.Filter.AnyOf = make([][]acctmap.Condition, n)
		for i := range p.Filter.AnyOf {
			p.Filter.AnyOf[i] = d.conditions()
		}
	}
	p.Slot = d.int()
	if d.bool() {
		r := d.rule()
		p.Sharing.Default = &r
	}
	if n := d.count(5); n > 0 {
		p.Sharing.Partners = make(map[string]acctmap.SharingRule, n)
		for range n {
			k := d.str()
			p.Sharing.Partners[k] = d.rule()
		}
	}
	p.CreatedAt = d.time()
	p.UpdatedAt = d.time()
	return p, d.finish()
}
