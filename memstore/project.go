package memstore

import (
	"fmt"
	"math/bits"

	"github.com/acctmap/acctmap"
)

// ScanProjected is ScanRecords reading only the fields named
// (acctmap.ProjectTx): each record's ID, Name, Website, membership and
// private mark, and the values of the named fields straight from its
// compact form, without building its lists or a Fields map. A
// population's evaluation over a million records reads one value of each.
func (r *reader) ScanProjected(dataSourceID string, fields []string, fn func(*acctmap.Record, []string) error) error {
	rs, err := r.recordSet(dataSourceID)
	if err != nil {
		return err
	}
	p := newProjection(&rs.cols, fields)
	var rec acctmap.Record
	for i := 0; i < len(rs.recs); i++ { // len on every turn, as in scan
		if i%ctxCheckEvery == ctxCheckEvery-1 {
			if err := r.ctx.Err(); err != nil {
				return err
			}
		}
		s := &rs.recs[i]
		rec = acctmap.Record{ID: s.ID, Name: s.Name, Website: s.Website, NameKey: s.NameKey, Populations: s.Populations, Private: s.Private}
		if err := fn(&rec, p.values(s)); err != nil {
			return err
		}
	}
	return nil
}

var _ acctmap.ProjectTx = (*reader)(nil)

// projection reads the values of some fields from stored records: the
// columns of the fields, and for the layout of the last record read, each
// field's position among the layout's values.
type projection struct {
	cols   []int // column of each field, -1 when no record has it
	vals   []string
	layout *layout
	at     []int // position of each field's value in the layout, -1: none
}

func newProjection(c *columns, fields []string) *projection {
	p := &projection{cols: make([]int, len(fields)), vals: make([]string, len(fields)), at: make([]int, len(fields))}
	for i, f := range fields {
		p.cols[i] = -1
		if col, ok := c.index[f]; ok {
			p.cols[i] = int(col)
		}
	}
	return p
}

// values returns the values of the projection's fields in s, in a slice
// reused from call to call.
func (p *projection) values(s *stored) []string {
	if s.layout != p.layout || p.layout == nil {
		p.layout = s.layout
		for i, col := range p.cols {
			p.at[i] = -1
			if s.layout == nil || col < 0 {
				continue
			}
			for k, c := range s.layout.cols {
				if int(c) == col {
					p.at[i] = k
					break
				}
			}
		}
	}
	// The field values follow the lists and the optional strings.
	rest := s.strs[int(s.nDomains)+int(s.nOtherNames)+int(s.nOtherNameKeys)+bits.OnesCount8(s.opt):]
	for i, k := range p.at {
		if k >= 0 {
			p.vals[i] = rest[k]
		} else {
			p.vals[i] = ""
		}
	}
	return p.vals
}

// SetMembersWhere evaluates match over the records with the projection of
// ScanProjected and sets the slot by position as it goes
// (acctmap.MembersTx): no id is looked up.
func (w *writer) SetMembersWhere(dataSourceID string, slot int, fields []string, match func(*acctmap.Record, []string) bool) ([]string, error) {
	rs, err := w.recordSet(dataSourceID)
	if err != nil {
		return nil, err
	}
	if !validSlot(slot) {
		return nil, fmt.Errorf("memstore: population slot %d is not in 0 to %d: %w", slot, acctmap.MaxPopulationsPerDataSource-1, acctmap.ErrInvalidInput)
	}
	p := newProjection(&rs.cols, fields)
	mask := uint64(1) << uint(slot)
	// The bit is set as each record is read (one pass over the records,
	// not a second one to write them), the positions flipped logged for
	// the undo.
	var flipped []uint64
	flip := func(i int) {
		rs.recs[i].Populations ^= mask
		if flipped == nil {
			flipped = make([]uint64, (len(rs.recs)+63)/64)
		}
		flipped[i/64] |= 1 << (i % 64)
	}
	undo := func() {
		for k, word := range flipped {
			for ; word != 0; word &= word - 1 {
				rs.recs[k*64+bits.TrailingZeros64(word)].Populations ^= mask
			}
		}
	}
	// Logged however the scan ends, a panic of match included, so that
	// the rollback undoes the flips made.
	defer func() { w.logFlips(rs, mask, flipped) }()
	var ids idChunks
	var rec acctmap.Record
	n := len(rs.recs) // match may not write: the set does not change during the scan
	for i := 0; i < n; i++ {
		if i%ctxCheckEvery == ctxCheckEvery-1 {
			if err := w.ctx.Err(); err != nil {
				undo() // the error changes nothing
				flipped = nil
				return nil, err
			}
		}
		s := &rs.recs[i]
		rec = acctmap.Record{ID: s.ID, Name: s.Name, Website: s.Website, NameKey: s.NameKey, Populations: s.Populations, Private: s.Private}
		in := match(&rec, p.values(s))
		if in {
			ids.add(s.ID)
		}
		if in != (s.Populations&mask != 0) {
			flip(i)
		}
	}
	return ids.all(), nil
}

var _ acctmap.MembersTx = (*writer)(nil)

// idChunks collects ids in chunks, then gives them as one slice of the
// exact size (one copy, instead of the copies of a slice grown by
// doubling).
type idChunks struct {
	full [][]string
	cur  []string
	n    int
}

func (l *idChunks) add(id string) {
	if len(l.cur) == cap(l.cur) {
		if l.cur != nil {
			l.full = append(l.full, l.cur)
		}
		l.cur = make([]string, 0, 1<<14)
	}
	l.cur = append(l.cur, id)
	l.n++
}

func (l *idChunks) all() []string {
	if len(l.full) == 0 {
		return l.cur
	}
	out := make([]string, 0, l.n)
	for _, c := range l.full {
		out = append(out, c...)
	}
	return append(out, l.cur...)
}
