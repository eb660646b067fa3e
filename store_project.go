package acctmap

// ProjectTx is implemented by the read transactions (ReadTx) of stores
// that can scan records reading only the fields a caller names: memstore
// keeps records column by column and would otherwise build every record's
// Fields map and lists for a caller that reads one value of each. The
// Network uses it to evaluate population filters, which read the built-in
// fields and a few named ones.
type ProjectTx interface {
	// ScanProjected calls fn for every record of the data source, in no
	// particular order, stopping at and returning fn's first error. The
	// *Record holds ID, Name, Website, Populations and Private; its other
	// fields may be empty (Fields is nil). vals[i] is the record's value
	// of the field named fields[i], "" when it has none. The *Record and
	// vals are valid only during the call and may be reused for the next
	// record: fn must neither keep nor modify them (strings may be kept),
	// nor call methods of the transaction. ErrNotFound when the data
	// source does not exist.
	ScanProjected(dataSourceID string, fields []string, fn func(r *Record, vals []string) error) error
}

// scanProjected calls fn for every record of a data source with the
// values of the named fields, through ScanProjected when tx has it, else
// through ScanRecords or Records, reading the values from Fields. fn must
// keep nothing of r and vals but their strings.
func scanProjected(tx ReadTx, dataSourceID string, fields []string, fn func(r *Record, vals []string) error) error {
	if p, ok := tx.(ProjectTx); ok {
		return p.ScanProjected(dataSourceID, fields, fn)
	}
	vals := make([]string, len(fields))
	return scanRecords(tx, dataSourceID, func(r *Record) error {
		for i, f := range fields {
			vals[i] = r.Fields[f]
		}
		return fn(r, vals)
	})
}

// idChunk is how many ids an idList allocates at once.
const idChunk = 1 << 14

// idList collects record ids in chunks, then gives them as one slice of
// the exact size: a population of half a million records copies its ids
// once instead of growing a slice by doubling (about twice the copies,
// and the garbage of every smaller slice).
type idList struct {
	full [][]string
	cur  []string
	n    int
}

func (l *idList) add(id string) {
	if len(l.cur) == cap(l.cur) {
		if l.cur != nil {
			l.full = append(l.full, l.cur)
		}
		l.cur = make([]string, 0, idChunk)
	}
	l.cur = append(l.cur, id)
	l.n++
}

// all returns the ids added, in order (nil if none).
func (l *idList) all() []string {
	if len(l.full) == 0 {
		return l.cur
	}
	out := make([]string, 0, l.n)
	for _, c := range l.full {
		out = append(out, c...)
	}
	return append(out, l.cur...)
}

// MembersTx is implemented by the write transactions (Tx) of stores that
// can set a population's membership in the same pass that evaluates it:
// memstore then marks the records by their position as it scans them,
// instead of looking each member's id up again in SetMembers (a few
// hundred thousand lookups for a population of a million records).
type MembersTx interface {
	// SetMembersWhere sets population slot bit slot in Record.Populations
	// for exactly the records of the data source for which match returns
	// true, clears it in all the others, and returns the ids of the
	// records it set it for, in no particular order. match is called once
	// for every record, as ScanProjected calls fn: r holds ID, Name,
	// Website, Populations and Private, vals the values of fields, both
	// valid during the call only, and match must not call methods of the
	// transaction. A slot outside 0 to 63 is an error wrapping
	// ErrInvalidInput, and a missing data source one wrapping ErrNotFound;
	// both change nothing.
	SetMembersWhere(dataSourceID string, slot int, fields []string, match func(r *Record, vals []string) bool) ([]string, error)
}

// setMembers evaluates prog over the records of a data source and makes
// its matches exactly the records of population slot, returning their ids:
// in one pass through MembersTx when tx has it, else a scan and SetMembers.
func setMembers(tx Tx, dataSourceID string, slot int, prog *memberProgram) ([]string, error) {
	if m, ok := tx.(MembersTx); ok {
		return m.SetMembersWhere(dataSourceID, slot, prog.fields(), func(r *Record, vals []string) bool {
			return prog.evalProjected(r, vals) != 0
		})
	}
	var members idList
	err := scanProjected(tx, dataSourceID, prog.fields(), func(r *Record, vals []string) error {
		if prog.evalProjected(r, vals) != 0 {
			members.add(r.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ids := members.all()
	return ids, tx.SetMembers(dataSourceID, slot, ids)
}
