package acctmap

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"

	"github.com/cespare/xxhash/v2"

	"github.com/acctmap/acctmap/csvsource"
)

// streamBatchRecords is how many records a streamed import hands the store
// at a time: about 14 MB of records at CRM-export sizes, and at most three
// batches are alive (being read, in the channel, being written).
const streamBatchRecords = 10000

// errNoStream is what the write transaction of a streamed import returns
// when the store's Tx is no StreamTx: ImportCSV then reads the file first.
var errNoStream = errors.New("acctmap: the store does not stream records")

// errStreamStopped is what the reading side of a streamed import gets when
// the write transaction ended before it sent everything: the transaction's
// own error says why.
var errStreamStopped = errors.New("acctmap: import: the write ended")

// streamMsg is what the reading goroutine of a streamed import sends the
// write transaction: a batch, the end of the file (end), or the error that
// ends the import.
type streamMsg struct {
	fields []string // the file's fields, on every message
	batch  RecordBatch
	end    bool
	err    error
}

// contentSeen is a content-derived record of a streamed import: the second
// hash of its content, which stands in for comparing the values (the
// in-memory path compares them; two contents agreeing on both 64-bit
// hashes would be merged), the line that gave it and its place among the
// contents of the same first hash (0 for the first: no suffix).
type contentSeen struct {
	h2   uint64
	line int32
	nth  int32
}

// idLines maps the record ids of a streamed import to the line of the row
// that holds each now, in about 30 bytes per id of 10 bytes: the ids are
// appended to chunks of bytes (a 4-byte line, a length byte, the id: ids
// have at most 200 bytes, checkID) and a map goes from a 64-bit hash of
// the id to its entry, with the rare ids whose hashes collide in a second
// map. A map of strings took about 60 bytes per id, and the garbage
// collector scans every key of it.
type idLines struct {
	slots  map[uint64]uint64   // hash → ref of the entry of the first id with it
	more   map[uint64][]uint64 // hash → refs of further ids with that hash
	chunks [][]byte
}

// idLinesChunk is the size of a chunk of idLines: refs are chunk<<20 | offset.
const idLinesChunk = 1 << 20

func newIDLines() *idLines { return &idLines{slots: map[uint64]uint64{}} }

// entry returns the id and line of the entry at ref.
func (l *idLines) entry(ref uint64) (string, int32) {
	c := l.chunks[ref>>20][ref&(idLinesChunk-1):]
	n := int(c[4])
	return string(c[5 : 5+n]), int32(binary.LittleEndian.Uint32(c))
}

// find returns the ref of id's entry.
func (l *idLines) find(h uint64, id string) (uint64, bool) {
	ref, ok := l.slots[h]
	if !ok {
		return 0, false
	}
	if got, _ := l.entry(ref); got == id {
		return ref, true
	}
	for _, ref := range l.more[h] {
		if got, _ := l.entry(ref); got == id {
			return ref, true
		}
	}
	return 0, false
}

// set records that id is at line, and returns the line it was at before,
// if it was.
func (l *idLines) set(id string, line int) (prev int32, seen bool) {
	h := xxhash.Sum64String(id)
	if ref, ok := l.find(h, id); ok {
		c := l.chunks[ref>>20][ref&(idLinesChunk-1):]
		prev = int32(binary.LittleEndian.Uint32(c))
		binary.LittleEndian.PutUint32(c, uint32(line))
		return prev, true
	}
	if len(l.chunks) == 0 || len(l.chunks[len(l.chunks)-1])+5+len(id) > idLinesChunk {
		l.chunks = append(l.chunks, make([]byte, 0, idLinesChunk))
	}
	last := len(l.chunks) - 1
	c := l.chunks[last]
	ref := uint64(last)<<20 | uint64(len(c))
	c = binary.LittleEndian.AppendUint32(c, uint32(line))
	c = append(append(c, byte(len(id))), id...)
	l.chunks[last] = c
	if _, taken := l.slots[h]; taken {
		if l.more == nil {
			l.more = map[uint64][]uint64{}
		}
		l.more[h] = append(l.more[h], ref)
	} else {
		l.slots[h] = ref
	}
	return 0, false
}

// all calls fn with every id and its line.
func (l *idLines) all(fn func(id string, line int32)) {
	for _, c := range l.chunks {
		for len(c) > 0 {
			n := int(c[4])
			fn(string(c[5:5+n]), int32(binary.LittleEndian.Uint32(c)))
			c = c[5+n:]
		}
	}
}

// streamSink takes the records of a streamed import from readCSV in file
// order and sends them on in batches. It keeps, for the whole file, only
// what duplicates are found with: the line of each record id (an id
// column), or two 64-bit hashes and a line per record (content ids).
type streamSink struct {
	send   func(streamMsg) error
	fields []string

	ids         *idLines               // id column: the line of the row that holds each id now
	content     map[uint64]contentSeen // content ids, by first hash: the first content
	moreContent map[uint64][]contentSeen

	cur     []Record
	curIdx  map[string]int // id → index in cur
	repeats []string
	n       int // distinct records
}

func newStreamSink(send func(streamMsg) error) *streamSink {
	return &streamSink{send: send, ids: newIDLines(), content: map[uint64]contentSeen{}, curIdx: map[string]int{}}
}

// contentID returns the id of a row without an id column and, when a row
// of the same content came before, the line of that row (merged: the row
// is one record with it).
func (s *streamSink) contentID(key []byte, rec *Record, vals, names []string, byName []int, h uint64, line int) (id string, firstLine int, merged bool) {
	salted := *rec
	salted.Name = "\x00acctmap second hash\x00" + rec.Name
	h2 := rowContentHash(&salted, vals, names, byName)
	first, seen := s.content[h]
	if !seen {
		s.content[h] = contentSeen{h2: h2, line: int32(line)}
		return contentID(key, h, nil), 0, false
	}
	all := append([]contentSeen{first}, s.moreContent[h]...)
	for _, c := range all {
		if c.h2 == h2 {
			return nthContentID(key, h, int(c.nth)), int(c.line), true
		}
	}
	c := contentSeen{h2: h2, line: int32(line), nth: int32(len(all))}
	if s.moreContent == nil {
		s.moreContent = map[uint64][]contentSeen{}
	}
	s.moreContent[h] = append(s.moreContent[h], c)
	return nthContentID(key, h, int(c.nth)), 0, false
}

// rowFields is a record's Fields from a row's values in the order of
// names, without the empty ones (nil when all are): the in-memory path
// keeps the values as a table, a streamed batch as records.
func rowFields(names, vals []string) map[string]string {
	n := 0
	for _, v := range vals {
		if v != "" {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	m := make(map[string]string, n)
	for i, v := range vals {
		if v != "" {
			m[names[i]] = v
		}
	}
	return m
}

// nthContentID is the id contentID gives the nth content of hash h (from
// 0): the in-memory path's suffixes "-2", "-3", … for contents whose
// hashes collide.
func nthContentID(key []byte, h uint64, nth int) string {
	id := contentID(key, h, nil)
	if nth == 0 {
		return id
	}
	return fmt.Sprintf("%s-%d", id, nth+1)
}

// add takes an accepted record at line; for an id column, a repeated id
// is reported in sum and replaces the earlier record, as in the
// in-memory path.
func (s *streamSink) add(sum *ImportSummary, rec Record, line int, idColumn bool) error {
	if idColumn {
		if prev, dup := s.ids.set(rec.ID, line); dup {
			sum.duplicate(Rejection{Line: line, RecordID: rec.ID,
				Reason: fmt.Sprintf("repeats the record id of line %d: this row replaces it", prev)})
			if i, here := s.curIdx[rec.ID]; here {
				s.cur[i] = rec
				return nil
			}
			s.repeats = append(s.repeats, rec.ID)
		} else {
			s.n++
		}
	} else {
		s.n++
	}
	s.curIdx[rec.ID] = len(s.cur)
	s.cur = append(s.cur, rec)
	if len(s.cur) >= streamBatchRecords {
		return s.flush()
	}
	return nil
}

// flush sends the batch being filled, if any.
func (s *streamSink) flush() error {
	if len(s.cur) == 0 {
		return nil
	}
	b := RecordBatch{Records: s.cur, Repeats: s.repeats}
	s.cur, s.repeats = make([]Record, 0, streamBatchRecords), nil
	clear(s.curIdx)
	return s.send(streamMsg{fields: s.fields, batch: b})
}

// warnedIDs sets, for the lines of warned, the id of the record each
// line's row holds now (left "" when a later row replaced it or it merged
// into an earlier one), as the in-memory path does.
func (s *streamSink) warnedIDs(key []byte, warned map[int32]string) {
	s.ids.all(func(id string, line int32) {
		if _, ok := warned[line]; ok {
			warned[line] = id
		}
	})
	for h, c := range s.content {
		for _, c := range append([]contentSeen{c}, s.moreContent[h]...) {
			if _, ok := warned[c.line]; ok {
				warned[c.line] = nthContentID(key, h, int(c.nth))
			}
		}
	}
}

// importStreamed is ImportCSV on a store whose Tx is a StreamTx: the file
// is read on this goroutine while the write transaction, on another,
// hands the records to the store in batches, so that the records are
// never all in memory. The transaction commits only after the last row
// was read and checked: an error of the input, a rejected file or a
// cancelled ctx leaves the previous content. streamed is false, and
// nothing happened, when the store's Tx is no StreamTx.
func (a *Actor) importStreamed(ctx context.Context, dataSourceID string, r io.Reader, imp CSVImport, opts []csvsource.Option, idKey []byte, newKey bool) (sum ImportSummary, streamed bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	msgs := make(chan streamMsg, 1)
	ready := make(chan bool, 1)
	exited := make(chan struct{})
	var upErr error
	go func() {
		defer close(exited)
		started := false
		upErr = a.n.store.Update(ctx, func(tx Tx) error {
			st, ok := tx.(StreamTx)
			if !ok {
				ready <- false
				return errNoStream
			}
			if started {
				// A store retrying the transaction: the file is read.
				return fmt.Errorf("acctmap: import: the write conflicted with another one after the file was read; import it again: %w", ErrConflict)
			}
			started = true
			ready <- true
			return a.writeStream(ctx, tx, st, dataSourceID, idKey, newKey, msgs)
		})
	}()
	select {
	case ok := <-ready:
		if !ok {
			<-exited
			return ImportSummary{}, false, nil
		}
	case <-exited:
		// Update ended before fn said which: errNoStream if fn ran (both
		// channels may be ready at once), the store's error otherwise.
		if errors.Is(upErr, errNoStream) {
			return ImportSummary{}, false, nil
		}
		return ImportSummary{}, true, upErr
	}
	send := func(m streamMsg) error {
		select {
		case msgs <- m:
			return nil
		case <-exited:
			return errStreamStopped
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	sink := newStreamSink(send)
	_, cols, sum, last, rerr := readCSV(ctx, r, imp, opts, idKey, sink)
	fields := cols.names
	if rerr == nil {
		sink.fields = fields
		rerr = sink.flush()
	}
	if rerr == nil && imp.Progress != nil {
		p := last
		p.Phase, p.TotalRecords = PhaseWrite, sum.Accepted
		imp.Progress(p)
	}
	if rerr == nil {
		rerr = send(streamMsg{fields: fields, end: true})
	} else if !errors.Is(rerr, errStreamStopped) {
		_ = send(streamMsg{err: rerr})
	}
	<-exited
	switch {
	case errors.Is(rerr, errStreamStopped) || (rerr == nil && upErr != nil):
		return ImportSummary{}, true, upErr
	case rerr != nil:
		return sum, true, rerr
	}
	// No index is built from the records, which were never all here: with
	// a store that joins keys itself the first matrix is pushed down, as
	// after any import on it, and otherwise built from the store.
	a.n.forget(dataSourceID)
	_ = a.logged(ctx, "import", nil, slog.String("data_source", dataSourceID), slog.Int("rows", sum.Rows),
		slog.Int("accepted", sum.Accepted), slog.Int("rejected", sum.Rejected), slog.Bool("streamed", true))
	if imp.Progress != nil {
		p := last
		p.Phase, p.Records, p.TotalRecords = PhaseDone, sum.Accepted, sum.Accepted
		imp.Progress(p)
	}
	return sum, true, nil
}

// writeStream is the write transaction of a streamed import: the checks
// ImportCSV's in-memory path makes, then the batches from msgs, each
// marked private where the previous content was (or a tombstone says so)
// and given its membership, to the store.
func (a *Actor) writeStream(ctx context.Context, tx Tx, st StreamTx, dataSourceID string, idKey []byte, newKey bool, msgs <-chan streamMsg) error {
	recv := func() (streamMsg, error) {
		select {
		case m := <-msgs:
			return m, m.err
		case <-ctx.Done():
			return streamMsg{}, ctx.Err()
		}
	}
	_, ds, err := a.dataSourceFor(tx, ManageDataSources, dataSourceID)
	if err != nil {
		return err
	}
	if err := requireUploaded(ds); err != nil {
		return err
	}
	first, err := recv()
	if err != nil {
		return err
	}
	ds.Fields = first.fields
	// The private marks of the previous content (carryPrivate's, without
	// holding the records).
	private := map[string]bool{}
	for _, id := range ds.PrivateTombstones {
		private[id] = true
	}
	if err := tx.RecordKeys(ds.ID, func(r *Record) error {
		if r.Private {
			private[r.ID] = true
		}
		return nil
	}); err != nil {
		return err
	}
	back := map[string]bool{}
	pops, err := tx.Populations(ds.OrgID)
	if err != nil {
		return err
	}
	prog, err := compileMembers(ds, pops)
	if err != nil {
		return err
	}
	pending := &first
	next := func() (RecordBatch, error) {
		var m streamMsg
		if pending != nil {
			m, pending = *pending, nil
		} else {
			var err error
			if m, err = recv(); err != nil {
				return RecordBatch{}, err
			}
		}
		if m.end {
			ds.Fields = m.fields
			return RecordBatch{}, io.EOF
		}
		recs := m.batch.Records
		for i := range recs {
			if private[recs[i].ID] {
				recs[i].Private = true
				back[recs[i].ID] = true
			}
			recs[i].Populations = prog.eval(&recs[i])
		}
		return m.batch, nil
	}
	if err := st.ReplaceRecordsStream(ds.ID, next); err != nil {
		return err
	}
	// Rows of other tables are written only now, after the file is read:
	// while it is, a Progress callback may call the Network, and must find
	// no row of this transaction's locked.
	if newKey {
		if err := storeOrgKey(tx, ds.OrgID, idKey); err != nil {
			return err
		}
	}
	if len(private) > 0 {
		var tombs []string
		for id := range private {
			if !back[id] {
				tombs = append(tombs, id)
			}
		}
		slices.Sort(tombs)
		ds.PrivateTombstones = tombs
	}
	return a.n.touch(tx, ds)
}
