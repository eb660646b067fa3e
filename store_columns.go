package acctmap

// ColumnsTx is implemented by the write transactions (Tx) of stores that
// take an import's field values as columns: a CSV file's rows are a table
// already, and a map per record (five fields: a few hundred bytes and
// seven allocations) made only to be taken apart again by the store is
// most of an import's garbage. ImportCSV uses it when the store has it,
// and ReplaceRecords with Fields maps otherwise.
type ColumnsTx interface {
	// ReplaceRecordColumns is ReplaceRecords of recs with their Fields
	// given as a table: record i's value of field names[j] is
	// values[i*len(names)+j], an empty value meaning that the record does
	// not have the field (as a Fields map without the key); recs[i].Fields
	// is ignored. len(values) must be len(recs)*len(names), else it is an
	// error wrapping ErrInvalidInput and changes nothing. As for every Put,
	// the store keeps none of the slices it is given.
	ReplaceRecordColumns(dataSourceID string, recs []Record, names []string, values []string) error
}

// fieldTable holds the field values of records by column: row i's value
// of names[j] is vals[i*len(names)+j], "" when the record has none.
type fieldTable struct {
	names []string
	vals  []string
}

// row returns record i's values.
func (t *fieldTable) row(i int) []string {
	w := len(t.names)
	return t.vals[i*w : (i+1)*w : (i+1)*w]
}

// mapOf returns record i's values as a Fields map (nil when all are
// empty), as a store without ColumnsTx takes them.
func (t *fieldTable) mapOf(i int) map[string]string {
	row := t.row(i)
	n := nonEmpty(row)
	if n == 0 {
		return nil
	}
	m := make(map[string]string, n)
	for j, v := range row {
		if v != "" {
			m[t.names[j]] = v
		}
	}
	return m
}

// replaceColumns makes recs, with the field values of t, the whole content
// of a data source: in one call through ColumnsTx when tx has it, else
// with a Fields map per record.
func replaceColumns(tx Tx, dataSourceID string, recs []Record, t *fieldTable) error {
	if c, ok := tx.(ColumnsTx); ok {
		return c.ReplaceRecordColumns(dataSourceID, recs, t.names, t.vals)
	}
	if len(t.names) > 0 {
		for i := range recs {
			recs[i].Fields = t.mapOf(i)
		}
	}
	return tx.ReplaceRecords(dataSourceID, recs)
}

// assignMembershipColumns is assignMembership for records whose field
// values are the rows of t (their Fields are not read).
func (n *Network) assignMembershipColumns(tx Tx, ds DataSource, recs []Record, t *fieldTable) error {
	pops, err := tx.Populations(ds.OrgID)
	if err != nil {
		return err
	}
	prog, err := compileMembers(ds, pops)
	if err != nil {
		return err
	}
	fields := prog.fields()
	col := make([]int, len(fields)) // column of each field in t, -1: none
	for i, f := range fields {
		col[i] = -1
		for j, name := range t.names {
			if name == f {
				col[i] = j
				break
			}
		}
	}
	vals := make([]string, len(fields))
	for i := range recs {
		row := t.row(i)
		for k, j := range col {
			if j >= 0 {
				vals[k] = row[j]
			} else {
				vals[k] = ""
			}
		}
		recs[i].Populations = prog.evalProjected(&recs[i], vals)
	}
	return nil
}
