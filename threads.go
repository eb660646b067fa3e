package acctmap

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/acctmap/acctmap/internal/match"
)

// Threads: two partner orgs working one matched account together.
//
// A thread is between org A, the org of the user who starts it, and a
// partner org B, about one record b of B's that A's user sees at a record
// level when starting it (b is shown to A by B's sharing rules, as Report
// or PartnerRecords would show it), and optionally A's own record a of the
// account. Records are referenced by data source id and record id, so a
// thread stays on its account when the records are re-imported with the
// same ids.
//
// Who sees a thread is computed when it is read, never stored:
//
//   - A sees it while the partnership is accepted and A can still see b
//     at a record level: b exists, is not private, and is in a
//     population of B's that B shares with A at FullPopulation, or at
//     OverlappingRecords while b matches a record of one of A's
//     populations (as the report of that cell would show it).
//   - B sees it while the partnership is accepted and b exists in B's
//     data. While A may not see b by B's rules and data (b private, in no
//     population B shares with A at a record level), B sees the thread
//     closed with ThreadAccessEnded, and may read it but not write to it;
//     when the access returns, the thread comes back to both with its
//     stored status. B's view is a function of B's rules, B's data, the
//     partnership's status and what either side wrote to the thread: it
//     never depends on record a, on A's internal notes, nor on A's other
//     data or rules. So when A loses sight of b only because of A's own
//     data (its record no longer matches b at OverlappingRecords), the
//     thread is hidden from A while B sees it as it stands: telling B
//     would tell it about A's data.
//   - Once the partnership is revoked (or otherwise not accepted), the
//     thread is hidden from both, internal notes included, and comes back
//     with the partnership, if the access does.
//
// Each side assigns one owner among its own users; messages are visible
// to both sides and internal notes (MessageInput.Internal) to the
// author's org only. Reading needs no permission; writing needs
// ManagePartnerships (read-only users read).

// RecordRef names one record: its data source and its id.
type RecordRef struct {
	DataSourceID string `json:"data_source_id"`
	RecordID     string `json:"record_id"`
}

// IsZero reports whether r names no record.
func (r RecordRef) IsZero() bool { return r == RecordRef{} }

// ThreadStatus is whether a thread is open.
type ThreadStatus string

// Thread statuses.
const (
	ThreadOpen   ThreadStatus = "open"
	ThreadClosed ThreadStatus = "closed"
)

// ThreadReason says why a thread is closed.
type ThreadReason string

// Reasons a thread is closed.
const (
	// ThreadClosedByUser: a user of either side closed it.
	ThreadClosedByUser ThreadReason = "closed"
	// ThreadAccessEnded: the partner that started it may no longer see
	// the account at a record level (the reader's rules or data changed);
	// shown to the org the thread is with, which may read but not write
	// until the access returns.
	ThreadAccessEnded ThreadReason = "access_ended"
)

// Thread is a thread as the reader's org sees it now.
type Thread struct {
	ID      string `json:"id"`
	Partner string `json:"partner"`
	// Started reports whether the reader's org started the thread.
	Started bool   `json:"started"`
	Subject string `json:"subject"`
	// StartedBy is the user who started it (a partner's user when
	// Started is false).
	StartedBy string `json:"started_by"`
	// Record is the reader's org's record of the account: the starter's
	// record a, if it named one, or the partner's record b for the org
	// the thread is with.
	Record RecordRef `json:"record"`
	// PartnerFields, for the org that started the thread, are the fields
	// of the partner's record b that the partner shares with it now
	// (those of every population of b's shared at a record level), by
	// canonical name; nil for the other org.
	PartnerFields map[string]string `json:"partner_fields,omitempty"`
	// Owner is the reader's org's owner of the thread (a user id, "" for
	// none), PartnerOwner the partner's.
	Owner        string       `json:"owner"`
	PartnerOwner string       `json:"partner_owner"`
	Status       ThreadStatus `json:"status"`
	// Reason says why a closed thread is closed.
	Reason ThreadReason `json:"reason,omitempty"`
	// ClosedBy is the org whose user closed it (ThreadClosedByUser).
	ClosedBy  string    `json:"closed_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is the time of the last change both sides see: messages,
	// owners, status (never an internal note).
	UpdatedAt time.Time `json:"updated_at"`
}

// Message is one message of a thread.
type Message struct {
	Thread string `json:"thread"`
	// Author is the user who wrote it, Org that user's org.
	Author string `json:"author"`
	Org    string `json:"org"`
	Body   string `json:"body"`
	// Internal notes are shown to the author's org only.
	Internal bool      `json:"internal,omitempty"`
	At       time.Time `json:"at"`
}

// NewThread starts a thread (Actor.StartThread).
type NewThread struct {
	// Partner is an accepted partner; PartnerPopulation one of its
	// populations that it shares with the acting org at a record level.
	Partner           string
	PartnerPopulation string
	// PartnerRecordID names the partner's record b, in PartnerPopulation;
	// the partner must share its "id" field there. Without it, Record
	// must be given, and b is the partner's record the report of Record's
	// cell shows on Record's row.
	PartnerRecordID string
	// Record is the acting org's own record a of the account (optional
	// with PartnerRecordID).
	Record RecordRef
	// Subject is required (at most 200 bytes); Body, at most
	// MaxMessageBytes, is the first message, if any.
	Subject string
	Body    string
}

// MessageInput is a message to post (Actor.PostMessage).
type MessageInput struct {
	// Body is the text, 1 to MaxMessageBytes bytes of UTF-8.
	Body string
	// Internal makes it a note for the author's org only: the partner
	// never sees it, nor any event of it.
	Internal bool
}

// ThreadFilter selects threads (Actor.Threads); zero fields select all.
type ThreadFilter struct {
	// Open keeps open threads only.
	Open bool
	// Owner keeps the threads whose owner on the reader's side is this
	// user.
	Owner string
	// Partner keeps the threads with this org.
	Partner string
	// Account keeps the threads whose Record is this one.
	Account RecordRef
}

// MaxMessageBytes bounds a message body.
const MaxMessageBytes = 10_000

// maxSubjectBytes bounds a thread's subject.
const maxSubjectBytes = 200

// threadData is what the Network keeps of a thread (ThreadRecord.Data).
type threadData struct {
	Subject, StartedBy string
	Mine, Theirs       RecordRef // a (of OrgA; may be zero) and b (of OrgB)
	OwnerA, OwnerB     string
	Status             ThreadStatus
	ClosedBy           string
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// messageData is what the Network keeps of a message (MessageRecord.Data).
type messageData struct {
	Author   string
	Body     string
	Internal bool
}

// The encodings of threadData and messageData: a version byte, then
// strings as a uvarint length and bytes, times as varint Unix
// microseconds (bodies and ids may hold any bytes, which JSON would not
// keep).
const threadVersion = 1

type encoder []byte

func (e *encoder) str(ss ...string) {
	for _, s := range ss {
		*e = binary.AppendUvarint(*e, uint64(len(s)))
		*e = append(*e, s...)
	}
}

func (e *encoder) time(t time.Time) {
	if t.IsZero() {
		*e = binary.AppendVarint(*e, 0)
		return
	}
	*e = binary.AppendVarint(*e, t.UnixMicro())
}

type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) str() string {
	n, k := binary.Uvarint(d.b)
	if k <= 0 || n > uint64(len(d.b)-k) {
		d.bad = true
		return ""
	}
	s := string(d.b[k : k+int(n)])
	d.b = d.b[k+int(n):]
	return s
}

func (d *decoder) time() time.Time {
	v, k := binary.Varint(d.b)
	if k <= 0 {
		d.bad = true
		return time.Time{}
	}
	d.b = d.b[k:]
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

func encodeThread(d *threadData) []byte {
	e := encoder{threadVersion}
	e.str(d.Subject, d.StartedBy, d.Mine.DataSourceID, d.Mine.RecordID, d.Theirs.DataSourceID, d.Theirs.RecordID,
		d.OwnerA, d.OwnerB, string(d.Status), d.ClosedBy)
	e.time(d.CreatedAt)
	e.time(d.UpdatedAt)
	return e
}

func decodeThread(rec ThreadRecord) (threadData, error) {
	var t threadData
	d := decoder{b: rec.Data}
	if len(d.b) == 0 || d.b[0] != threadVersion {
		return t, fmt.Errorf("acctmap: thread %.60q does not decode", rec.ID)
	}
	d.b = d.b[1:]
	t.Subject, t.StartedBy = d.str(), d.str()
	t.Mine = RecordRef{d.str(), d.str()}
	t.Theirs = RecordRef{d.str(), d.str()}
	t.OwnerA, t.OwnerB, t.Status, t.ClosedBy = d.str(), d.str(), ThreadStatus(d.str()), d.str()
	t.CreatedAt, t.UpdatedAt = d.time(), d.time()
	if d.bad {
		return threadData{}, fmt.Errorf("acctmap: thread %.60q does not decode", rec.ID)
	}
	return t, nil
}

func encodeMessage(m *messageData) []byte {
	e := encoder{threadVersion}
	internal := ""
	if m.Internal {
		internal = "1"
	}
	e.str(m.Author, m.Body, internal)
	return e
}

func decodeMessage(rec MessageRecord) (messageData, error) {
	var m messageData
	d := decoder{b: rec.Data}
	if len(d.b) == 0 || d.b[0] != threadVersion {
		return m, fmt.Errorf("acctmap: message %d of thread %.60q does not decode", rec.Seq, rec.ThreadID)
	}
	d.b = d.b[1:]
	m.Author, m.Body = d.str(), d.str()
	m.Internal = d.str() != ""
	if d.bad {
		return messageData{}, fmt.Errorf("acctmap: message %d of thread %.60q does not decode", rec.Seq, rec.ThreadID)
	}
	return m, nil
}

// thread is a stored thread, decoded.
type thread struct {
	id, a, b string
	d        threadData
}

func loadThread(tx ReadTx, id string) (thread, bool, error) {
	rec, err := tx.Thread(id)
	if errors.Is(err, ErrNotFound) {
		return thread{}, false, nil
	}
	if err != nil {
		return thread{}, false, err
	}
	d, err := decodeThread(rec)
	if err != nil {
		return thread{}, false, err
	}
	return thread{id: rec.ID, a: rec.OrgA, b: rec.OrgB, d: d}, true, nil
}

func (t *thread) put(tx Tx) error {
	return tx.PutThread(ThreadRecord{ID: t.id, OrgA: t.a, OrgB: t.b, Data: encodeThread(&t.d)})
}

// threadViews decides who sees threads, within one read transaction: it
// caches the overlaps it computes, so that listing many threads of one
// account costs one match of each pair of data sources.
type threadViews struct {
	n     *Network
	tx    ReadTx
	cache map[overlapKey]map[string]bool // overlaps computed
	pops  map[[2]string][]visiblePop     // B's populations as A sees them, by (A, B)
}

type overlapKey struct {
	viewer, y string
	slots     uint64
}

// partnerAccess is what B's rules and data let A see of record b: exists
// says the partnership is accepted and b is in a data source of B;
// views are the populations of B holding b that B shares with A at a
// record level (none when b is private).
type partnerAccess struct {
	exists bool
	rec    Record
	ds     DataSource
	views  []visiblePop
	vis    uint64 // the slots of b's data source visible to A
}

// access computes partnerAccess for thread t. It reads B's rules, B's
// data and the partnership only.
func (v *threadViews) access(t *thread) (partnerAccess, error) {
	var pa partnerAccess
	rel, err := relationOf(v.tx, t.a, t.b)
	if err != nil || rel != relPartner {
		return pa, err
	}
	ds, err := v.tx.DataSource(t.d.Theirs.DataSourceID)
	if errors.Is(err, ErrNotFound) || (err == nil && ds.OrgID != t.b) {
		return pa, nil
	}
	if err != nil {
		return pa, err
	}
	r, err := v.tx.Record(ds.ID, t.d.Theirs.RecordID)
	if errors.Is(err, ErrNotFound) {
		return pa, nil
	}
	if err != nil {
		return pa, err
	}
	pa.exists, pa.rec, pa.ds = true, r, ds
	vs, ok := v.pops[[2]string{t.a, t.b}]
	if !ok {
		if vs, err = visiblePopulations(v.tx, t.a, t.b); err != nil {
			return pa, err
		}
		if v.pops == nil {
			v.pops = map[[2]string][]visiblePop{}
		}
		v.pops[[2]string{t.a, t.b}] = vs
	}
	for _, vp := range vs {
		if vp.pop.DataSourceID != ds.ID {
			continue
		}
		pa.vis |= 1 << uint(vp.pop.Slot)
		if !r.Private && vp.view.recordLevel() && r.Populations&(1<<uint(vp.pop.Slot)) != 0 {
			pa.views = append(pa.views, vp)
		}
	}
	return pa, nil
}

// starterSees reports whether A sees b now, and the populations through
// which it does: those shared in full, and those shared at
// OverlappingRecords while b matches a record of one of A's populations.
func (v *threadViews) starterSees(t *thread, pa partnerAccess) ([]visiblePop, error) {
	var out []visiblePop
	for _, vp := range pa.views {
		if vp.view.level == FullPopulation {
			out = append(out, vp)
			continue
		}
		ok, err := v.overlaps(t.a, pa.ds, pa.vis, vp.pop.Slot, pa.rec.ID)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, vp)
		}
	}
	return out, nil
}

// overlaps reports whether record id of y (a partner's data source whose
// populations visible to viewer are the slots vis) matches a record of
// one of viewer's populations, in an account that touches y's population
// slot: whether the report of some cell of that population shows it.
func (v *threadViews) overlaps(viewer string, y DataSource, vis uint64, slot int, id string) (bool, error) {
	k := overlapKey{viewer, y.ID, 1 << uint(slot)}
	if ids, ok := v.cache[k]; ok {
		return ids[id], nil
	}
	ids := map[string]bool{}
	mine, err := loadSide(v.tx, viewer, viewer)
	if err != nil {
		return false, err
	}
	yi, err := v.n.side(v.tx, y, false, vis)
	if err != nil {
		return false, err
	}
	for _, x := range sortedKeys(mine.ds) {
		xd := mine.ds[x]
		xe, err := v.n.index(v.tx, xd)
		if err != nil {
			return false, err
		}
		for _, m := range match.Matches(xe.full, yi, v.n.matchOptions(xd, y, xe.full, yi), mine.visible[x], k.slots) {
			for _, yid := range m.Y {
				ids[yid] = true
			}
		}
	}
	if v.cache == nil {
		v.cache = map[overlapKey]map[string]bool{}
	}
	v.cache[k] = ids
	return ids[id], nil
}

// view returns thread t as org viewer sees it now; ok is false when it
// may not see it. live reports whether the viewer may write to it.
func (v *threadViews) view(viewer string, t *thread) (th Thread, ok, live bool, err error) {
	if viewer != t.a && viewer != t.b {
		return Thread{}, false, false, nil
	}
	pa, err := v.access(t)
	if err != nil || !pa.exists {
		return Thread{}, false, false, err
	}
	th = Thread{ID: t.id, Subject: t.d.Subject, StartedBy: t.d.StartedBy, Status: t.d.Status,
		CreatedAt: t.d.CreatedAt, UpdatedAt: t.d.UpdatedAt}
	if t.d.Status == ThreadClosed {
		th.Reason, th.ClosedBy = ThreadClosedByUser, t.d.ClosedBy
	}
	if viewer == t.a {
		views, err := v.starterSees(t, pa)
		if err != nil || len(views) == 0 {
			return Thread{}, false, false, err
		}
		th.Partner, th.Started, th.Record = t.b, true, t.d.Mine
		th.Owner, th.PartnerOwner = t.d.OwnerA, t.d.OwnerB
		th.PartnerFields = map[string]string{}
		for _, vp := range views {
			maps.Copy(th.PartnerFields, sharedFields(&pa.rec, vp.view))
		}
		return th, true, true, nil
	}
	th.Partner, th.Record = t.a, t.d.Theirs
	th.Owner, th.PartnerOwner = t.d.OwnerB, t.d.OwnerA
	if len(pa.views) == 0 {
		th.Status, th.Reason, th.ClosedBy = ThreadClosed, ThreadAccessEnded, ""
		return th, true, false, nil
	}
	return th, true, true, nil
}

// match reports whether f keeps th.
func (f ThreadFilter) match(th *Thread) bool {
	return (!f.Open || th.Status == ThreadOpen) && (f.Owner == "" || th.Owner == f.Owner) &&
		(f.Partner == "" || th.Partner == f.Partner) && (f.Account.IsZero() || th.Record == f.Account)
}

// Threads yields the acting user's org's threads that f keeps, as the org
// sees them now, most recently updated first (then by id). Any user of
// the org may read them. A failure is yielded once, as the last pair.
func (a *Actor) Threads(ctx context.Context, f ThreadFilter) iter.Seq2[Thread, error] {
	return func(yield func(Thread, error) bool) {
		var out []Thread
		err := a.n.store.View(ctx, func(tx ReadTx) error {
			u, err := a.user(tx, 0)
			if err != nil {
				return err
			}
			recs, err := tx.Threads(u.OrgID)
			if err != nil {
				return err
			}
			v := &threadViews{n: a.n, tx: tx}
			out = out[:0]
			for _, rec := range recs {
				d, err := decodeThread(rec)
				if err != nil {
					return err
				}
				t := thread{id: rec.ID, a: rec.OrgA, b: rec.OrgB, d: d}
				th, ok, _, err := v.view(u.OrgID, &t)
				if err != nil {
					return err
				}
				if ok && f.match(&th) {
					out = append(out, th)
				}
			}
			return nil
		})
		if err != nil {
			yield(Thread{}, err)
			return
		}
		slices.SortFunc(out, func(x, y Thread) int {
			return cmp.Or(y.UpdatedAt.Compare(x.UpdatedAt), strings.Compare(x.ID, y.ID))
		})
		for _, th := range out {
			if !yield(th, nil) {
				return
			}
		}
	}
}

// threadNotFound is the error of a thread the reader may not see, whether
// it exists or not.
func threadNotFound(id string) error {
	return fmt.Errorf("acctmap: thread %.80q: %w", id, ErrNotFound)
}

// visibleThread loads thread id as org viewer sees it.
func (n *Network) visibleThread(tx ReadTx, viewer, id string) (thread, Thread, bool, error) {
	t, ok, err := loadThread(tx, id)
	if err != nil {
		return thread{}, Thread{}, false, err
	}
	if !ok {
		return thread{}, Thread{}, false, threadNotFound(id)
	}
	v := &threadViews{n: n, tx: tx}
	th, ok, live, err := v.view(viewer, &t)
	if err != nil {
		return thread{}, Thread{}, false, err
	}
	if !ok {
		return thread{}, Thread{}, false, threadNotFound(id)
	}
	return t, th, live, nil
}

// Thread returns one thread as the acting user's org sees it now;
// ErrNotFound when it may not see it (or there is none).
func (a *Actor) Thread(ctx context.Context, id string) (Thread, error) {
	var th Thread
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		u, err := a.user(tx, 0)
		if err != nil {
			return err
		}
		_, th, _, err = a.n.visibleThread(tx, u.OrgID, id)
		return err
	})
	return th, err
}

// ThreadMessages yields the messages of a thread the acting user's org
// sees, oldest first: both sides' messages and its own org's internal
// notes. ErrNotFound (yielded once) when it may not see the thread.
func (a *Actor) ThreadMessages(ctx context.Context, id string) iter.Seq2[Message, error] {
	return func(yield func(Message, error) bool) {
		var out []Message
		err := a.n.store.View(ctx, func(tx ReadTx) error {
			u, err := a.user(tx, 0)
			if err != nil {
				return err
			}
			if _, _, _, err := a.n.visibleThread(tx, u.OrgID, id); err != nil {
				return err
			}
			recs, err := tx.Messages(id)
			if err != nil {
				return err
			}
			out = out[:0]
			for _, rec := range recs {
				m, err := decodeMessage(rec)
				if err != nil {
					return err
				}
				if m.Internal && rec.OrgID != u.OrgID {
					continue
				}
				out = append(out, Message{Thread: id, Author: m.Author, Org: rec.OrgID, Body: m.Body, Internal: m.Internal, At: rec.At})
			}
			return nil
		})
		if err != nil {
			yield(Message{}, err)
			return
		}
		for _, m := range out {
			if !yield(m, nil) {
				return
			}
		}
	}
}

// checkBody validates a message body.
func checkBody(what, body string, required bool) error {
	switch {
	case required && strings.TrimSpace(body) == "":
		return fmt.Errorf("acctmap: %s: empty message: %w", what, ErrInvalidInput)
	case len(body) > MaxMessageBytes:
		return fmt.Errorf("acctmap: %s: message of %d bytes, more than %d: %w", what, len(body), MaxMessageBytes, ErrInvalidInput)
	case !utf8.ValidString(body):
		return fmt.Errorf("acctmap: %s: message is not UTF-8: %w", what, ErrInvalidInput)
	}
	return nil
}

// StartThread starts a thread with a partner about one account (see
// NewThread), owned on the acting org's side by the acting user, and
// tells the partner (EventThreadStarted). It needs ManagePartnerships. A
// partner record the acting org may not see at a record level is
// answered as one that does not exist.
func (a *Actor) StartThread(ctx context.Context, spec NewThread) (Thread, error) {
	subject := strings.TrimSpace(spec.Subject)
	switch {
	case subject == "":
		return Thread{}, fmt.Errorf("acctmap: start thread: empty subject: %w", ErrInvalidInput)
	case len(subject) > maxSubjectBytes || !utf8.ValidString(subject):
		return Thread{}, fmt.Errorf("acctmap: start thread: subject %.40q: more than %d bytes or not UTF-8: %w", subject, maxSubjectBytes, ErrInvalidInput)
	}
	if err := checkBody("start thread", spec.Body, false); err != nil {
		return Thread{}, err
	}
	if spec.PartnerRecordID == "" && spec.Record.IsZero() {
		return Thread{}, fmt.Errorf("acctmap: start thread: neither a partner record nor a record of yours: %w", ErrInvalidInput)
	}
	var th Thread
	err := a.n.store.Update(ctx, func(tx Tx) error {
		u, err := a.user(tx, ManagePartnerships)
		if err != nil {
			return err
		}
		if spec.Partner == u.OrgID {
			return fmt.Errorf("acctmap: start thread: an org is not its own partner: %w", ErrInvalidInput)
		}
		if err := canSeePartnerUsers(tx, u.OrgID, spec.Partner); err != nil {
			return err
		}
		b, err := a.n.threadTarget(tx, u.OrgID, spec)
		if err != nil {
			return err
		}
		now := a.n.now()
		t := thread{id: newID("thr"), a: u.OrgID, b: spec.Partner, d: threadData{Subject: subject, StartedBy: u.ID,
			Mine: spec.Record, Theirs: b, OwnerA: u.ID, Status: ThreadOpen, CreatedAt: now, UpdatedAt: now}}
		if err := t.put(tx); err != nil {
			return err
		}
		v := &threadViews{n: a.n, tx: tx}
		th, _, _, err = v.view(u.OrgID, &t)
		if err != nil {
			return err
		}
		if th.ID == "" {
			// The target was checked above: this is a bug, not an input.
			return fmt.Errorf("acctmap: start thread: the new thread is not visible to its starter")
		}
		if spec.Body != "" {
			if _, err := tx.AppendMessage(MessageRecord{ThreadID: t.id, OrgID: u.OrgID, At: now,
				Data: encodeMessage(&messageData{Author: u.ID, Body: spec.Body})}); err != nil {
				return err
			}
		}
		return a.n.emit(tx, t.b, EventThreadStarted, entryData{Partner: t.a, User: u.ID, Thread: t.id})
	})
	if err != nil {
		return Thread{}, err
	}
	return th, nil
}

// threadTarget resolves the partner record b of a new thread of org
// viewer, checking that viewer sees it at a record level now, and
// checks the viewer's own record if one is named.
func (n *Network) threadTarget(tx ReadTx, viewer string, spec NewThread) (RecordRef, error) {
	notFound := fmt.Errorf("acctmap: start thread: partner record %.80q of population %.80q: %w", spec.PartnerRecordID, spec.PartnerPopulation, ErrNotFound)
	if !spec.Record.IsZero() {
		ds, err := tx.DataSource(spec.Record.DataSourceID)
		if errors.Is(err, ErrNotFound) || (err == nil && ds.OrgID != viewer) {
			return RecordRef{}, fmt.Errorf("acctmap: start thread: data source %.80q of your org: %w", spec.Record.DataSourceID, ErrNotFound)
		}
		if err != nil {
			return RecordRef{}, err
		}
		if _, err := tx.Record(ds.ID, spec.Record.RecordID); err != nil {
			if errors.Is(err, ErrNotFound) {
				return RecordRef{}, fmt.Errorf("acctmap: start thread: record %.80q of your data source %.80q: %w", spec.Record.RecordID, ds.ID, ErrNotFound)
			}
			return RecordRef{}, err
		}
	}
	vs, err := visiblePopulations(tx, viewer, spec.Partner)
	if err != nil {
		return RecordRef{}, err
	}
	i := slices.IndexFunc(vs, func(v visiblePop) bool { return v.pop.ID == spec.PartnerPopulation })
	if i < 0 {
		return RecordRef{}, fmt.Errorf("acctmap: start thread: partner population %.80q: %w", spec.PartnerPopulation, ErrNotFound)
	}
	tp := vs[i]
	if !tp.view.recordLevel() {
		return RecordRef{}, fmt.Errorf("acctmap: start thread: the partner shares population %.60q as counts only: %w", tp.pop.Name, ErrNotShared)
	}
	b := RecordRef{DataSourceID: tp.pop.DataSourceID, RecordID: spec.PartnerRecordID}
	if spec.PartnerRecordID == "" {
		// The partner record of the viewer's record's row, in the report of
		// each cell of a population of the viewer's record.
		pops, err := tx.Populations(viewer)
		if err != nil {
			return RecordRef{}, err
		}
		mine, err := tx.Record(spec.Record.DataSourceID, spec.Record.RecordID)
		if err != nil {
			return RecordRef{}, err
		}
		sortByCreation(pops)
		for _, p := range pops {
			if p.DataSourceID != spec.Record.DataSourceID || mine.Populations&(1<<uint(p.Slot)) == 0 {
				continue
			}
			rows, _, err := n.cellRows(tx, viewer, ReportSpec{Partner: spec.Partner, Population: p.ID, PartnerPopulation: tp.pop.ID})
			if err != nil {
				return RecordRef{}, err
			}
			if j := slices.IndexFunc(rows, func(r row) bool { return r.out.RecordID == mine.ID }); j >= 0 {
				b.RecordID = rows[j].partner
				break
			}
		}
		if b.RecordID == "" {
			return RecordRef{}, fmt.Errorf("acctmap: start thread: your record %.80q matches no record of partner population %.80q: %w",
				spec.Record.RecordID, spec.PartnerPopulation, ErrNotFound)
		}
	} else if !slices.Contains(tp.view.fields, FieldID) {
		return RecordRef{}, notFound // the id is not shared: it cannot name a record
	}
	t := thread{a: viewer, b: spec.Partner, d: threadData{Theirs: b}}
	v := &threadViews{n: n, tx: tx}
	pa, err := v.access(&t)
	if err != nil {
		return RecordRef{}, err
	}
	if !slices.ContainsFunc(pa.views, func(vp visiblePop) bool { return vp.pop.ID == tp.pop.ID }) {
		return RecordRef{}, notFound
	}
	seen, err := v.starterSees(&t, pa)
	if err != nil {
		return RecordRef{}, err
	}
	if len(seen) == 0 {
		return RecordRef{}, notFound
	}
	return b, nil
}

// changeThread runs change on a thread the acting user's org may write
// to, and stores it. change returns the events to write.
func (a *Actor) changeThread(ctx context.Context, what, id string, change func(tx Tx, u User, t *thread) error) error {
	return a.n.store.Update(ctx, func(tx Tx) error {
		u, err := a.user(tx, ManagePartnerships)
		if err != nil {
			return err
		}
		t, _, live, err := a.n.visibleThread(tx, u.OrgID, id)
		if err != nil {
			return err
		}
		if !live {
			return fmt.Errorf("acctmap: %s: thread %.80q is closed: the partner's access to the account ended: %w", what, id, ErrConflict)
		}
		if err := change(tx, u, &t); err != nil {
			return err
		}
		return t.put(tx)
	})
}

// other returns the org on the other side of t from org.
func (t *thread) other(org string) string {
	if org == t.a {
		return t.b
	}
	return t.a
}

// AssignThreadOwner makes user userID, of the acting user's org, its
// org's owner of the thread ("" for none), and tells the org
// (EventThreadAssigned). A user of another org is an error wrapping
// ErrInvalidInput. It needs ManagePartnerships.
func (a *Actor) AssignThreadOwner(ctx context.Context, threadID, userID string) error {
	return a.changeThread(ctx, "assign thread owner", threadID, func(tx Tx, u User, t *thread) error {
		if userID != "" {
			owner, err := tx.User(userID)
			if errors.Is(err, ErrNotFound) || (err == nil && owner.OrgID != u.OrgID) {
				return fmt.Errorf("acctmap: assign thread owner: user %.80q is not a user of your org: %w", userID, ErrInvalidInput)
			}
			if err != nil {
				return err
			}
		}
		if u.OrgID == t.a {
			t.d.OwnerA = userID
		} else {
			t.d.OwnerB = userID
		}
		t.d.UpdatedAt = a.n.now()
		if userID == "" {
			return nil
		}
		return a.n.emit(tx, u.OrgID, EventThreadAssigned, entryData{Partner: t.other(u.OrgID), User: userID, Thread: t.id})
	})
}

// PostMessage posts a message to a thread as the acting user: to both
// sides, telling the partner (EventThreadAnswered), or, Internal, a note
// to the user's org only, which tells no one. A shared message needs an
// open thread. It needs ManagePartnerships.
func (a *Actor) PostMessage(ctx context.Context, threadID string, in MessageInput) (Message, error) {
	if err := checkBody("post message", in.Body, true); err != nil {
		return Message{}, err
	}
	var m Message
	err := a.changeThread(ctx, "post message", threadID, func(tx Tx, u User, t *thread) error {
		if !in.Internal && t.d.Status != ThreadOpen {
			return fmt.Errorf("acctmap: post message: thread %.80q is closed: %w", threadID, ErrConflict)
		}
		now := a.n.now()
		if _, err := tx.AppendMessage(MessageRecord{ThreadID: t.id, OrgID: u.OrgID, At: now,
			Data: encodeMessage(&messageData{Author: u.ID, Body: in.Body, Internal: in.Internal})}); err != nil {
			return err
		}
		m = Message{Thread: t.id, Author: u.ID, Org: u.OrgID, Body: in.Body, Internal: in.Internal, At: now}
		if in.Internal {
			return nil // nothing the partner sees changes
		}
		t.d.UpdatedAt = now
		return a.n.emit(tx, t.other(u.OrgID), EventThreadAnswered, entryData{Partner: u.OrgID, User: u.ID, Thread: t.id})
	})
	if err != nil {
		return Message{}, err
	}
	return m, nil
}

// CloseThread closes an open thread; either side may. It needs
// ManagePartnerships; a closed thread is ErrConflict.
func (a *Actor) CloseThread(ctx context.Context, threadID string) error {
	return a.setThreadStatus(ctx, "close thread", threadID, ThreadClosed)
}

// ReopenThread reopens a closed thread; either side may. It needs
// ManagePartnerships; an open thread is ErrConflict.
func (a *Actor) ReopenThread(ctx context.Context, threadID string) error {
	return a.setThreadStatus(ctx, "reopen thread", threadID, ThreadOpen)
}

func (a *Actor) setThreadStatus(ctx context.Context, what, threadID string, to ThreadStatus) error {
	return a.changeThread(ctx, what, threadID, func(tx Tx, u User, t *thread) error {
		if t.d.Status == to {
			return fmt.Errorf("acctmap: %s: thread %.80q is %s already: %w", what, threadID, to, ErrConflict)
		}
		t.d.Status, t.d.ClosedBy, t.d.UpdatedAt = to, "", a.n.now()
		if to == ThreadClosed {
			t.d.ClosedBy = u.OrgID
		}
		return nil
	})
}

// threadEvent renders the thread of a feed entry for org viewer: nil and
// false when the viewer may not see the thread now (the event is left
// out then).
func threadEvent(tx ReadTx, n *Network, viewer, id string) (*Thread, bool, error) {
	t, ok, err := loadThread(tx, id)
	if err != nil || !ok {
		return nil, false, err
	}
	v := &threadViews{n: n, tx: tx}
	th, ok, _, err := v.view(viewer, &t)
	if err != nil || !ok {
		return nil, false, err
	}
	return &th, true, nil
}
