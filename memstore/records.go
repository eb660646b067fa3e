package memstore

import (
	"github.com/acctmap/acctmap"
)

// stored is a record as a recordSet keeps it: no map per record. Fields
// are (column, value) pairs, columns numbered by the set's dictionary, and
// the three string lists share one slice; both point into arenas
// allocated once per write, sized from its input. A Record is materialized
// from it on every read, so nothing a caller gets aliases stored state.
type stored struct {
	ID, Name, Website, NameKey, Email, EmailKey string
	RegistrationID                              acctmap.RegistrationID
	// strs is Domains, then OtherNames, then OtherNameKeys.
	strs        []string
	nDomains    int32
	nOtherNames int32
	fields      []field
	Populations uint64
	Private     bool
}

// field is one named value of a stored record.
type field struct {
	col uint32
	val string
}

// maxInterned is how many distinct values a column interns before it stops:
// stage, region or owner columns repeat a few values over millions of
// records and share one string each; a name or id column would only fill
// the map.
const maxInterned = 1 << 12

// columns is the field dictionary of one data source's records.
type columns struct {
	names []string          // column → field name
	index map[string]uint32 // field name → column
	// values[c] interns column c's values; nil once it has seen more
	// than maxInterned distinct ones.
	values []map[string]string
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
	m[v] = v
	return v
}

// arenas hold the slices of a batch of records: one allocation each for the
// whole batch instead of one or more per record.
type arenas struct {
	strs   []string
	fields []field
}

func arenasFor(recs []acctmap.Record) arenas {
	ns, nf := 0, 0
	for i := range recs {
		r := &recs[i]
		ns += len(r.Domains) + len(r.OtherNames) + len(r.OtherNameKeys)
		nf += len(r.Fields)
	}
	return arenas{strs: make([]string, 0, ns), fields: make([]field, 0, nf)}
}

// encode stores r, copying its slices and map into the arenas.
func (c *columns) encode(r *acctmap.Record, a *arenas) stored {
	s := stored{
		ID: r.ID, Name: r.Name, Website: r.Website, NameKey: r.NameKey, Email: r.Email, EmailKey: r.EmailKey,
		RegistrationID: r.RegistrationID, Populations: r.Populations, Private: r.Private,
		nDomains: int32(len(r.Domains)), nOtherNames: int32(len(r.OtherNames)),
	}
	if n := len(r.Domains) + len(r.OtherNames) + len(r.OtherNameKeys); n > 0 {
		start := len(a.strs)
		a.strs = append(a.strs, r.Domains...)
		a.strs = append(a.strs, r.OtherNames...)
		a.strs = append(a.strs, r.OtherNameKeys...)
		s.strs = a.strs[start : start+n : start+n]
	}
	if len(r.Fields) > 0 {
		start := len(a.fields)
		for k, v := range r.Fields {
			col := c.col(k)
			a.fields = append(a.fields, field{col, c.intern(col, v)})
		}
		s.fields = a.fields[start:len(a.fields):len(a.fields)]
	}
	return s
}

// decode materializes s into r: new slices and a new map, shared with
// nothing. withFields false leaves Fields nil, for RecordKeys.
func (c *columns) decode(s *stored, r *acctmap.Record, withFields bool) {
	*r = acctmap.Record{
		ID: s.ID, Name: s.Name, Website: s.Website, NameKey: s.NameKey, Email: s.Email, EmailKey: s.EmailKey,
		RegistrationID: s.RegistrationID, Populations: s.Populations, Private: s.Private,
	}
	if len(s.strs) > 0 {
		// One allocation for the three lists; each is capped so that an
		// append to one cannot write into the next.
		strs := append([]string(nil), s.strs...)
		d, o := int(s.nDomains), int(s.nDomains+s.nOtherNames)
		if d > 0 {
			r.Domains = strs[:d:d]
		}
		if o > d {
			r.OtherNames = strs[d:o:o]
		}
		if len(strs) > o {
			r.OtherNameKeys = strs[o:]
		}
	}
	if withFields && len(s.fields) > 0 {
		m := make(map[string]string, len(s.fields))
		for _, f := range s.fields {
			m[c.names[f.col]] = f.val
		}
		r.Fields = m
	}
}
