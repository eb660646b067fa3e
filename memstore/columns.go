package memstore

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/acctmap/acctmap"
)

// ReplaceRecordColumns is ReplaceRecords with the field values as a table
// (acctmap.ColumnsTx): the values go straight into the records' compact
// form, without the map per record that ReplaceRecords takes them in.
func (w *writer) ReplaceRecordColumns(dataSourceID string, recs []acctmap.Record, names []string, values []string) error {
	if _, err := w.recordSet(dataSourceID); err != nil {
		return err
	}
	if len(values) != len(recs)*len(names) {
		return fmt.Errorf("memstore: ReplaceRecordColumns: %d values for %d records of %d fields: %w", len(values), len(recs), len(names), acctmap.ErrInvalidInput)
	}
	w.setRecordSet(dataSourceID, buildSetColumns(recs, names, values))
	return nil
}

var _ acctmap.ColumnsTx = (*writer)(nil)

// buildSetColumns is buildSet for records whose field values are the rows
// of values (len(names) each; empty: no such field).
func buildSetColumns(recs []acctmap.Record, names []string, values []string) *recordSet {
	rs := newRecordSet(len(recs))
	colOf := make([]uint32, len(names))
	for j, name := range names {
		colOf[j] = rs.cols.col(name)
	}
	if dup := len(rs.cols.names) != len(names); dup {
		// A name given twice: as a map would, the last non-empty value
		// wins, which the maps of ReplaceRecords say exactly.
		cp := slices.Clone(recs)
		for i := range cp {
			cp[i].Fields = rowMap(names, values[i*len(names):(i+1)*len(names)])
		}
		return buildSet(cp)
	}
	// The arena: the lists and optional strings, and the non-empty values.
	n := 0
	for i := range recs {
		r := &recs[i]
		n += len(r.Domains) + len(r.OtherNames) + len(r.OtherNameKeys)
		if r.Email != "" || r.EmailKey != "" || !r.RegistrationID.IsZero() {
			n += 4
		}
	}
	for _, v := range values {
		if v != "" {
			n++
		}
	}
	a := make(arena, 0, n)
	w := len(names)
	for i := range recs {
		rs.pos[recs[i].ID] = i
		rs.recs = append(rs.recs, rs.cols.encodeRow(&recs[i], colOf, values[i*w:(i+1)*w], &a))
	}
	dedupTail(rs, 0)
	return rs
}

// rowMap returns a Fields map of one row's non-empty values.
func rowMap(names, row []string) map[string]string {
	var m map[string]string
	for j, v := range row {
		if v != "" {
			if m == nil {
				m = make(map[string]string, len(row))
			}
			m[names[j]] = v
		}
	}
	return m
}

// encodeRow is encode for a record whose field values are row, of the
// columns colOf (distinct).
func (c *columns) encodeRow(r *acctmap.Record, colOf []uint32, row []string, a *arena) stored {
	s, start := encodeKeys(r, a)
	c.scratch = c.scratch[:0]
	for j, v := range row {
		if v != "" {
			c.scratch = append(c.scratch, field{colOf[j], v})
		}
	}
	if len(c.scratch) > 0 {
		if !slices.IsSortedFunc(c.scratch, func(x, y field) int { return cmp.Compare(x.col, y.col) }) {
			slices.SortFunc(c.scratch, func(x, y field) int { return cmp.Compare(x.col, y.col) })
		}
		if l := c.last; l != nil && sameCols(l, c.scratch) {
			s.layout = l // the common case: the columns of the record before
		} else {
			s.layout = c.layoutOf()
			c.last = s.layout
		}
		for _, f := range c.scratch {
			*a = append(*a, c.intern(f.col, f.val))
		}
	}
	if end := len(*a); end > start {
		s.strs = (*a)[start:end:end]
	}
	return s
}

// sameCols reports whether the layout l has exactly the columns of fs.
func sameCols(l *layout, fs []field) bool {
	if len(l.cols) != len(fs) {
		return false
	}
	for i, f := range fs {
		if l.cols[i] != f.col {
			return false
		}
	}
	return true
}
