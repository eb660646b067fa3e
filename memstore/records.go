package memstore

import (
	"cmp"
	"encoding/binary"
	"slices"
	"strings"

	"github.com/acctmap/acctmap"
)

// stored is a record as a recordSet keeps it, in about 120 bytes plus one
// string header per list item, optional string and field value: no map per
// record. All of a record's other strings live in strs, in this order:
// Domains, OtherNames, OtherNameKeys, the optional strings that are set
// (Email, EmailKey, RegistrationID.Scheme, RegistrationID.Value, as opt
// says), then the values of the fields its layout names. strs points into
// an arena allocated once per write, sized from its input. A Record is
// materialized from it on every read, so that nothing a caller gets
// aliases stored state.
type stored struct {
	ID, Name, Website, NameKey string

	strs   []string
	layout *layout // nil: no fields

	nDomains, nOtherNames, nOtherNameKeys uint32

	// opt has bit i set when the i-th optional string (Email, EmailKey,
	// RegistrationID.Scheme, RegistrationID.Value) is in strs.
	opt         uint8
	Private     bool
	Populations uint64
}

// layout is the list of columns a record has fields in, in column order.
// Records of one data source share a few layouts, usually one: the
// columns of the import.
type layout struct{ cols []uint32 }

// maxInterned is how many distinct values a column interns before it stops:
// stage, region or owner columns repeat a few values over millions of
// records and share one string each; a name or id column would only fill
// the map.
const maxInterned = 1 << 12

// columns is the field dictionary of one data source's records: names
// numbered once, the layouts in use, and interned values.
type columns struct {
	names   []string          // column → field name
	index   map[string]uint32 // field name → column
	layouts map[string]*layout
	// values[c] interns column c's values; nil once it has seen more
	// than maxInterned distinct ones.
	values []map[string]string

	// Scratch space of encode, reused from record to record, and the
	// layout of the last record encoded with fields.
	scratch []field
	key     []byte
	last    *layout
}

// field is one named value, as encode sorts them.
type field struct {
	col uint32
	val string
}

func (c *columns) col(name string) uint32 {
	if i, ok := c.index[name]; ok {
		return i
	}
	if c.index == nil {
		c.index = map[string]uint32{}
	}
	i := uint32(len(c.names))
	c.names = append(c.names, name)
	c.index[name] = i
	c.values = append(c.values, map[string]string{})
	return i
}

func (c *columns) intern(col uint32, v string) string {
	m := c.values[col]
	if m == nil {
		return v
	}
	if s, ok := m[v]; ok {
		return s
	}
	if len(m) >= maxInterned {
		c.values[col] = nil // too many distinct values to be worth it
		return v
	}
	// A copy: v may be a slice of a larger string (a CSV line) that
	// nothing else keeps.
	s := strings.Clone(v)
	m[s] = s
	return s
}

// layoutOf returns the shared layout of the columns of c.scratch, which
// are sorted.
func (c *columns) layoutOf() *layout {
	c.key = c.key[:0]
	for _, f := range c.scratch {
		c.key = binary.LittleEndian.AppendUint32(c.key, f.col)
	}
	if l, ok := c.layouts[string(c.key)]; ok {
		return l
	}
	l := &layout{cols: make([]uint32, len(c.scratch))}
	for i, f := range c.scratch {
		l.cols[i] = f.col
	}
	if c.layouts == nil {
		c.layouts = map[string]*layout{}
	}
	c.layouts[string(c.key)] = l
	return l
}

// arena is the string slice of a batch of records: one allocation for the
// whole batch instead of one or more per record.
type arena []string

func arenaFor(recs []acctmap.Record) arena {
	n := 0
	for i := range recs {
		r := &recs[i]
		n += len(r.Domains) + len(r.OtherNames) + len(r.OtherNameKeys) + len(r.Fields)
		if r.Email != "" || r.EmailKey != "" || !r.RegistrationID.IsZero() {
			n += 4
		}
	}
	return make(arena, 0, n)
}

// encodeKeys starts the stored form of r: its strings, and its lists and
// optional strings appended to a, from start on. The caller appends the
// field values and sets strs.
func encodeKeys(r *acctmap.Record, a *arena) (s stored, start int) {
	s = stored{
		ID: r.ID, Name: r.Name, Website: r.Website, NameKey: r.NameKey,
		Populations: r.Populations, Private: r.Private,
		nDomains: uint32(len(r.Domains)), nOtherNames: uint32(len(r.OtherNames)), nOtherNameKeys: uint32(len(r.OtherNameKeys)),
	}
	start = len(*a)
	*a = append(*a, r.Domains...)
	*a = append(*a, r.OtherNames...)
	*a = append(*a, r.OtherNameKeys...)
	for bit, v := range [...]string{r.Email, r.EmailKey, r.RegistrationID.Scheme, r.RegistrationID.Value} {
		if v != "" {
			s.opt |= 1 << bit
			*a = append(*a, v)
		}
	}
	return s, start
}

// encode stores r, copying its slices and map into a.
func (c *columns) encode(r *acctmap.Record, a *arena) stored {
	s, start := encodeKeys(r, a)
	if l := c.last; l != nil && len(l.cols) == len(r.Fields) && c.fill(l, r.Fields, a) {
		// The common case: the fields of the record before, one lookup
		// each in the caller's map, no sorting.
		s.layout = l
	} else if len(r.Fields) > 0 {
		c.scratch = c.scratch[:0]
		for k, v := range r.Fields {
			c.scratch = append(c.scratch, field{c.col(k), v})
		}
		slices.SortFunc(c.scratch, func(x, y field) int { return cmp.Compare(x.col, y.col) })
		s.layout = c.layoutOf()
		for _, f := range c.scratch {
			*a = append(*a, c.intern(f.col, f.val))
		}
		c.last = s.layout
	}
	if end := len(*a); end > start {
		s.strs = (*a)[start:end:end]
	}
	return s
}

// listChunk is how many strings a scan allocates at once for the lists of
// the records it materializes: one allocation per few hundred records
// instead of one per record.
const listChunk = 1 << 10

// fill appends the values of fields for the columns of l to a, if fields
// has every one of them; otherwise it leaves a as it was and returns false.
func (c *columns) fill(l *layout, fields map[string]string, a *arena) bool {
	n := len(*a)
	for _, col := range l.cols {
		v, ok := fields[c.names[col]]
		if !ok {
			*a = (*a)[:n]
			return false
		}
		*a = append(*a, c.intern(col, v))
	}
	return true
}

// decode materializes s into r: new slices and a new map, shared with
// nothing. withFields false leaves Fields nil, for RecordKeys. The lists
// are carved from *chunk, refilled when short; nil allocates them alone.
func (c *columns) decode(s *stored, r *acctmap.Record, withFields bool, chunk *[]string) {
	*r = acctmap.Record{
		ID: s.ID, Name: s.Name, Website: s.Website, NameKey: s.NameKey,
		Populations: s.Populations, Private: s.Private,
	}
	d := int(s.nDomains)
	o := d + int(s.nOtherNames)
	k := o + int(s.nOtherNameKeys)
	if k > 0 {
		// One allocation for the three lists; each is capped so that an
		// append to one cannot write into the next.
		var lists []string
		if chunk == nil {
			lists = make([]string, k)
		} else {
			if len(*chunk) < k {
				*chunk = make([]string, max(k, listChunk))
			}
			// Capped: an append to the last list cannot reach the next
			// record's.
			lists, *chunk = (*chunk)[:k:k], (*chunk)[k:]
		}
		copy(lists, s.strs[:k])
		if d > 0 {
			r.Domains = lists[:d:d]
		}
		if o > d {
			r.OtherNames = lists[d:o:o]
		}
		if k > o {
			r.OtherNameKeys = lists[o:k:k]
		}
	}
	rest := s.strs[k:]
	for bit, dst := range [...]*string{&r.Email, &r.EmailKey, &r.RegistrationID.Scheme, &r.RegistrationID.Value} {
		if s.opt&(1<<bit) != 0 {
			*dst, rest = rest[0], rest[1:]
		}
	}
	if withFields && s.layout != nil {
		m := make(map[string]string, len(s.layout.cols))
		for i, col := range s.layout.cols {
			m[c.names[col]] = rest[i]
		}
		r.Fields = m
	}
}

// scratchRecord is what ScanRecords materializes records into: one map and
// one list buffer, reused for every record of the scan.
type scratchRecord struct {
	fields map[string]string
	lists  []string
}

// decodeReused is decode into buffers reused from call to call, for
// ScanRecords, whose fn keeps nothing: no allocation once they have grown.
// The lists are still copies, so that a fn breaking the rule by writing
// into them cannot change the store.
func (c *columns) decodeReused(s *stored, r *acctmap.Record, sr *scratchRecord) {
	*r = acctmap.Record{
		ID: s.ID, Name: s.Name, Website: s.Website, NameKey: s.NameKey,
		Populations: s.Populations, Private: s.Private,
	}
	d := int(s.nDomains)
	o := d + int(s.nOtherNames)
	k := o + int(s.nOtherNameKeys)
	if k > 0 {
		sr.lists = append(sr.lists[:0], s.strs[:k]...)
		if d > 0 {
			r.Domains = sr.lists[:d:d]
		}
		if o > d {
			r.OtherNames = sr.lists[d:o:o]
		}
		if k > o {
			r.OtherNameKeys = sr.lists[o:k:k]
		}
	}
	rest := s.strs[k:]
	for bit, dst := range [...]*string{&r.Email, &r.EmailKey, &r.RegistrationID.Scheme, &r.RegistrationID.Value} {
		if s.opt&(1<<bit) != 0 {
			*dst, rest = rest[0], rest[1:]
		}
	}
	if s.layout != nil {
		if sr.fields == nil {
			sr.fields = make(map[string]string, len(s.layout.cols))
		} else {
			clear(sr.fields)
		}
		for i, col := range s.layout.cols {
			sr.fields[c.names[col]] = rest[i]
		}
		r.Fields = sr.fields
	}
}
