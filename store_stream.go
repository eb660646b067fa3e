package acctmap

// StreamTx is implemented by the write transactions (Tx) of stores that
// can take a data source's new content in batches: pgstore's COPY each
// batch into the database as it comes. ImportCSV then reads the file while
// it writes, inside the one transaction, and holds a batch of records at a
// time instead of all of them (see ImportCSV for the memory this takes);
// with other stores it reads the whole file first, then writes.
type StreamTx interface {
	// ReplaceRecordsStream makes the records of the batches next returns
	// the data source's whole content, as ReplaceRecords does with all of
	// them: next is called until it returns io.EOF, and any other error of
	// next is returned as it is (the transaction then commits nothing, as
	// for any error). The ids of a batch are distinct; a batch's Repeats
	// are those of its ids that an earlier batch held, and such a record
	// replaces the earlier one (the last wins). The store keeps nothing of
	// a batch after the next call of next. next must not call methods of
	// the transaction. ErrNotFound when the data source does not exist.
	ReplaceRecordsStream(dataSourceID string, next func() (RecordBatch, error)) error
}

// RecordBatch is one batch of StreamTx.ReplaceRecordsStream.
type RecordBatch struct {
	Records []Record
	// Repeats lists the ids of Records that an earlier batch of the same
	// stream held.
	Repeats []string
}
