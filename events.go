package acctmap

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"
)

// EventCursor is a position in an org's event log: the Cursor of the last
// event (or audit entry) read, from which a later read resumes. The zero
// cursor is the log's start. Cursors grow by one per entry of the org's
// log, whatever other orgs do; entries an org's feed does not show (its
// audit entries, events it may no longer see) leave gaps.
type EventCursor int64

// EventKind names what an Event says happened.
type EventKind string

// The kinds of events. Each is written by the change that causes it, in
// the same transaction, to the feed of the org it concerns (never the
// org that acted).
const (
	// EventPartnershipInvited: org Partner invited the reader's org.
	EventPartnershipInvited EventKind = "partnership.invited"
	// EventPartnershipAccepted: org Partner accepted the reader's invite.
	EventPartnershipAccepted EventKind = "partnership.accepted"
	// EventPartnershipDeclined: org Partner declined the reader's invite.
	EventPartnershipDeclined EventKind = "partnership.declined"
	// EventPartnershipCancelled: org Partner withdrew its invite.
	EventPartnershipCancelled EventKind = "partnership.cancelled"
	// EventPartnershipRevoked: org Partner ended the partnership.
	EventPartnershipRevoked EventKind = "partnership.revoked"
	// EventShareRequestReceived: org Partner asks the reader's org to
	// share Population, one of the reader's.
	EventShareRequestReceived EventKind = "share_request.received"
	// EventShareRequestApproved and EventShareRequestDeclined: org
	// Partner decided a share request of the reader's org about
	// Population, one of Partner's.
	EventShareRequestApproved EventKind = "share_request.approved"
	EventShareRequestDeclined EventKind = "share_request.declined"
	// EventSharingRuleChanged: org Partner changed what it shares of
	// Population with the reader's org (a rule for the reader, the
	// default it falls back to, or a field preset the rule uses), and the
	// population is visible to the reader after the change. A population
	// that becomes hidden is not announced: it disappears, as it does
	// from PartnerPopulations.
	EventSharingRuleChanged EventKind = "sharing_rule.changed"
	// EventThreadStarted: user User of org Partner started Thread with
	// the reader's org (threads.go).
	EventThreadStarted EventKind = "thread.started"
	// EventThreadAssigned: User, of the reader's org, was made its owner
	// of Thread.
	EventThreadAssigned EventKind = "thread.assigned"
	// EventThreadAnswered: user User of org Partner posted a message to
	// Thread (internal notes never make one).
	EventThreadAnswered EventKind = "thread.answered"
)

// Event is one entry of an org's feed, as the reader may see it when it
// reads it: what it says of another org is decided then, by the same
// rules as every other read (sharing.go), not when it was written. An
// event about a population that is hidden from the reader by then is left
// out; the other org's name, its populations and the share request are
// left out once the partnership no longer allows them (after a
// revocation, say), while the kind, the time and the other org's id stay.
type Event struct {
	Cursor EventCursor `json:"cursor"`
	Kind   EventKind   `json:"kind"`
	At     time.Time   `json:"at"`
	// Partner is the id of the other org; PartnerName its name, while the
	// reader may know it (an accepted partner, a pending invite).
	Partner     string `json:"partner"`
	PartnerName string `json:"partner_name,omitempty"`
	// Population is the population the event is about, with what it
	// shares with the reader now: the reader's own for a request received,
	// the partner's otherwise (nil once it is hidden from the reader).
	Population *PopulationInfo `json:"population,omitempty"`
	// Request is the share request as it stands now, while the two orgs
	// are partners.
	Request *ShareRequest `json:"request,omitempty"`
	// Thread is the thread of a thread event as the reader sees it now;
	// an event of a thread the reader may no longer see is left out.
	// User is the user the event names: the starter, the author, or the
	// owner assigned.
	Thread *Thread `json:"thread,omitempty"`
	User   string  `json:"user,omitempty"`
}

// auditKindPrefix starts the store Kind of audit entries, which share the
// org's log with its events and are never shown in its feed.
const auditKindPrefix = "audit."

// entryData is the content of a log entry (EventRecord.Data), for events
// and audit entries alike. It is encoded in binary (encodeEntry), not
// JSON: ids are strings of any bytes, which JSON would not keep, and a
// feed decodes thousands of entries a second.
type entryData struct {
	User, Org         string // who acted: a user and its org
	Partner           string // the other org
	Population        string
	PartnerPopulation string
	Request           string
	Level             ShareLevel
	Fields            []string
	Preset            string
	Rows              int
	RecordIDs         []string
	PartnerRecordIDs  []string
	Of                EventCursor // the entry an incomplete export completes
	Thread            string      // a thread's id (threads.go); encoded after Of
}

// entryVersion is the first byte of an encoded entry. A later version may
// append fields; this one's decoder reads the fields it knows and ignores
// the rest, so entries written by a newer release stay readable.
const entryVersion = 1

// encodeEntry encodes d: the version byte, then each field in the order of
// the struct, strings as a uvarint length and bytes, lists as a uvarint
// count and strings, integers as varints.
func encodeEntry(d entryData) ([]byte, error) {
	b := []byte{entryVersion}
	str := func(s string) { b = binary.AppendUvarint(b, uint64(len(s))); b = append(b, s...) }
	strs := func(ss []string) {
		b = binary.AppendUvarint(b, uint64(len(ss)))
		for _, s := range ss {
			str(s)
		}
	}
	for _, s := range []string{d.User, d.Org, d.Partner, d.Population, d.PartnerPopulation, d.Request, string(d.Level)} {
		str(s)
	}
	strs(d.Fields)
	str(d.Preset)
	b = binary.AppendVarint(b, int64(d.Rows))
	strs(d.RecordIDs)
	strs(d.PartnerRecordIDs)
	b = binary.AppendVarint(b, int64(d.Of))
	str(d.Thread)
	return b, nil
}

// decodeEntry decodes what encodeEntry wrote; an entry that does not
// decode is an error naming it.
func decodeEntry(rec EventRecord) (entryData, error) {
	var d entryData
	if len(rec.Data) == 0 {
		return d, nil
	}
	b, bad := rec.Data, false
	if b[0] != entryVersion {
		bad = true
	}
	b = b[1:]
	uv := func() uint64 {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			bad = true
			return 0
		}
		b = b[n:]
		return v
	}
	iv := func() int64 {
		v, n := binary.Varint(b)
		if n <= 0 {
			bad = true
			return 0
		}
		b = b[n:]
		return v
	}
	str := func() string {
		n := uv()
		if bad || n > uint64(len(b)) {
			bad = true
			return ""
		}
		s := string(b[:n])
		b = b[n:]
		return s
	}
	strs := func() []string {
		n := uv()
		if bad || n > uint64(len(b)) { // each string takes a byte at least
			bad = true
			return nil
		}
		var out []string
		if n > 0 {
			out = make([]string, n)
		}
		for i := range out {
			out[i] = str()
		}
		return out
	}
	if !bad {
		d.User, d.Org, d.Partner, d.Population, d.PartnerPopulation, d.Request = str(), str(), str(), str(), str(), str()
		d.Level = ShareLevel(str())
		d.Fields = strs()
		d.Preset = str()
		d.Rows = int(iv())
		d.RecordIDs = strs()
		d.PartnerRecordIDs = strs()
		d.Of = EventCursor(iv())
		if !bad && len(b) > 0 { // entries written before threads end at Of
			d.Thread = str()
		}
	}
	if bad {
		return entryData{}, fmt.Errorf("acctmap: log entry %d of org %.60q does not decode", rec.Seq, rec.OrgID)
	}
	return d, nil
}

// appendEntry writes one entry to org's log, in tx, and returns its Seq.
func (n *Network) appendEntry(tx Tx, org, kind string, d entryData) (int64, error) {
	data, err := encodeEntry(d)
	if err != nil {
		return 0, err
	}
	return tx.AppendEvent(EventRecord{OrgID: org, Kind: kind, At: n.now(), Data: data})
}

// emit writes an event of kind to org's feed.
func (n *Network) emit(tx Tx, org string, kind EventKind, d entryData) error {
	_, err := n.appendEntry(tx, org, string(kind), d)
	return err
}

// notifier wakes the Network's WaitEvents calls when a change is stored.
// Its zero value is ready.
type notifier struct {
	mu sync.Mutex
	ch chan struct{}
}

// wait returns a channel closed at the next notify.
func (f *notifier) wait() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ch == nil {
		f.ch = make(chan struct{})
	}
	return f.ch
}

// notify wakes every waiter (they read their log again).
func (f *notifier) notify() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ch != nil {
		close(f.ch)
		f.ch = nil
	}
}

// WithEventPolling sets how often WaitEvents reads the store while no
// change of this Network wakes it: changes made through another Network
// on the same store (another process on a shared pgstore) are seen within
// that time. Default 2 s; from 10 ms to 1 h.
func WithEventPolling(every time.Duration) Option {
	return func(c *config) error {
		if every < 10*time.Millisecond || every > time.Hour {
			return fmt.Errorf("acctmap: WithEventPolling(%v): want 10ms to 1h: %w", every, ErrInvalidInput)
		}
		c.eventPoll = every
		return nil
	}
}

// eventPage is how many log entries one transaction of Events reads.
const eventPage = 100

// Events returns the events of the acting user's org's feed after cursor
// after, oldest first, as they stand when read (see Event), and ends once
// it has caught up: WaitEvents waits for more. Any user of the org may
// read its feed. It reads the log a page at a time, each in its own
// transaction, and holds none while the caller handles an event, so
// events written meanwhile are read too. A failure is yielded once, as
// the last pair.
func (a *Actor) Events(ctx context.Context, after EventCursor) iter.Seq2[Event, error] {
	return logPages(ctx, "events", after, a.eventsPage)
}

// logPages yields the items of an org's log after a cursor, a page a read
// (read returns the page's items and the cursor of the last entry it
// read, kept or not), until a read moves the cursor no further; no
// transaction is open while the caller handles an item.
func logPages[T any](ctx context.Context, what string, after EventCursor, read func(context.Context, EventCursor) ([]T, EventCursor, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if ctx == nil {
			yield(zero, fmt.Errorf("acctmap: %s: nil context: %w", what, ErrInvalidInput))
			return
		}
		for {
			page, last, err := read(ctx, after)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, e := range page {
				if !yield(e, nil) {
					return
				}
			}
			if last == after {
				return // caught up
			}
			after = last
		}
	}
}

// eventsPage reads one page of the acting user's org's log after cursor
// after, in one transaction: the feed's events in it and the cursor of
// the last entry read (after itself at the end of the log).
func (a *Actor) eventsPage(ctx context.Context, after EventCursor) ([]Event, EventCursor, error) {
	var page []Event
	last := after
	err := a.n.store.View(ctx, func(tx ReadTx) error {
		u, err := a.user(tx, 0)
		if err != nil {
			return err
		}
		recs, err := tx.Events(u.OrgID, int64(after), eventPage)
		if err != nil {
			return err
		}
		page, last = page[:0], after
		for _, rec := range recs {
			last = EventCursor(rec.Seq)
			if strings.HasPrefix(rec.Kind, auditKindPrefix) {
				continue
			}
			e, ok, err := renderEvent(tx, a.n, u.OrgID, rec)
			if err != nil {
				return err
			}
			if ok {
				page = append(page, e)
			}
		}
		return nil
	})
	if err != nil {
		return nil, after, err
	}
	return page, last, nil
}

// WaitEvents blocks until the acting user's org's feed has an event after
// cursor after, and returns nil then; or returns ctx's error when ctx
// ends first, or the error of a read. Changes made through this Network
// wake it at once; others (another Network on the same store) within the
// polling interval (WithEventPolling). An entry written after `after`
// that the feed does not show (an audit entry, an event the reader may no
// longer see) does not end the wait.
func (a *Actor) WaitEvents(ctx context.Context, after EventCursor) error {
	if ctx == nil {
		return fmt.Errorf("acctmap: wait events: nil context: %w", ErrInvalidInput)
	}
	poll := a.n.cfg.eventPoll
	if poll == 0 {
		poll = 2 * time.Second
	}
	timer := time.NewTimer(poll)
	defer timer.Stop()
	for {
		woken := a.n.feed.wait() // before reading: a change stored during the read wakes the next wait
		page, last, err := a.eventsPage(ctx, after)
		switch {
		case err != nil:
			return err
		case len(page) > 0:
			return nil
		case last != after:
			after = last // entries the feed does not show: read on
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-woken:
		case <-timer.C:
			timer.Reset(poll)
		}
	}
}

// renderEvent builds the Event of a feed entry as org viewer may see it
// now; ok is false when it may not see it at all.
func renderEvent(tx ReadTx, n *Network, viewer string, rec EventRecord) (Event, bool, error) {
	d, err := decodeEntry(rec)
	if err != nil {
		return Event{}, false, err
	}
	e := Event{Cursor: EventCursor(rec.Seq), Kind: EventKind(rec.Kind), At: rec.At, Partner: d.Partner}
	org, p, ok, _, err := partnerProfile(tx, viewer, d.Partner)
	if err != nil {
		return Event{}, false, err
	}
	if ok {
		e.PartnerName = org.Name
	}
	partners := ok && p.Status == Accepted
	switch e.Kind {
	case EventShareRequestReceived:
		if pop, err := tx.Population(d.Population); err == nil && pop.OrgID == viewer {
			info := visiblePop{pop: pop, view: popView{owner: true, visible: true, level: FullPopulation}}.info()
			e.Population = &info
		}
	case EventShareRequestApproved, EventShareRequestDeclined, EventSharingRuleChanged:
		if partners {
			vs, err := visiblePopulations(tx, viewer, d.Partner)
			if err != nil {
				return Event{}, false, err
			}
			if i := slices.IndexFunc(vs, func(v visiblePop) bool { return v.pop.ID == d.Population }); i >= 0 {
				info := vs[i].info()
				e.Population = &info
			}
		}
		if e.Kind == EventSharingRuleChanged && e.Population == nil {
			return Event{}, false, nil // about a population the viewer may not see
		}
	case EventThreadStarted, EventThreadAssigned, EventThreadAnswered:
		th, ok, err := threadEvent(tx, n, viewer, d.Thread)
		if err != nil || !ok {
			return Event{}, false, err // about a thread the viewer may not see
		}
		e.Thread, e.User = th, d.User
	}
	if d.Request != "" && partners {
		if i := slices.IndexFunc(p.Requests, func(r ShareRequest) bool { return r.ID == d.Request }); i >= 0 {
			r := p.Requests[i]
			r.Fields = slices.Clone(r.Fields)
			e.Request = &r
		}
	}
	return e, true, nil
}

// viewKey names one partner's view of one population.
type viewKey struct{ partner, pop string }

// partnerViews returns what each accepted partner of org owner sees of
// the populations popIDs (those that exist).
func partnerViews(tx ReadTx, owner string, popIDs []string) (map[viewKey]popView, error) {
	org, err := tx.Org(owner)
	if err != nil {
		return nil, err
	}
	ps, err := tx.Partnerships(owner)
	if err != nil {
		return nil, err
	}
	views := map[viewKey]popView{}
	for _, id := range popIDs {
		pop, err := tx.Population(id)
		if errors.Is(err, ErrNotFound) || (err == nil && pop.OrgID != owner) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if p.Status != Accepted {
				continue
			}
			v, err := populationView(tx, p.Other(owner), org, pop)
			if err != nil {
				return nil, err
			}
			views[viewKey{p.Other(owner), id}] = v
		}
	}
	return views, nil
}

// withRuleEvents runs write, a change of org owner's sharing of the
// populations popIDs, and tells every accepted partner whose view of one
// of them changed, and who still sees it, with EventSharingRuleChanged.
// skip is a partner not to tell (one told otherwise), or "".
func (n *Network) withRuleEvents(tx Tx, owner string, popIDs []string, skip string, write func() error) error {
	before, err := partnerViews(tx, owner, popIDs)
	if err != nil {
		return err
	}
	if err := write(); err != nil {
		return err
	}
	after, err := partnerViews(tx, owner, popIDs)
	if err != nil {
		return err
	}
	keys := make([]viewKey, 0, len(after))
	for k := range after {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b viewKey) int {
		return cmp.Or(strings.Compare(a.partner, b.partner), strings.Compare(a.pop, b.pop))
	})
	for _, k := range keys {
		v, old := after[k], before[k]
		if k.partner == skip || !v.visible || (old.level == v.level && slices.Equal(old.fields, v.fields)) {
			continue
		}
		if err := n.emit(tx, k.partner, EventSharingRuleChanged, entryData{Partner: owner, Population: k.pop}); err != nil {
			return err
		}
	}
	return nil
}

// partnershipChanged writes a change of the partnership between the
// acting user's org me and org other, now in status to: the event to
// other's feed and the entry to me's trail.
func (a *Actor) partnershipChanged(tx Tx, me, other string, to PartnershipStatus) error {
	kinds := map[PartnershipStatus]struct {
		event  EventKind
		action AuditAction
	}{
		Pending:   {EventPartnershipInvited, AuditPartnershipInvited},
		Accepted:  {EventPartnershipAccepted, AuditPartnershipAccepted},
		Declined:  {EventPartnershipDeclined, AuditPartnershipDeclined},
		Cancelled: {EventPartnershipCancelled, AuditPartnershipCancelled},
		Revoked:   {EventPartnershipRevoked, AuditPartnershipRevoked},
	}
	k, ok := kinds[to]
	if !ok {
		return fmt.Errorf("acctmap: partnership status %.40q has no event: %w", to, ErrInvalidInput)
	}
	if err := a.n.emit(tx, other, k.event, entryData{Partner: me}); err != nil {
		return err
	}
	return a.audit(tx, k.action, entryData{Partner: other})
}

// ruleChanged writes pop, whose rule for partnerID ("" for the default)
// the acting user set to rule (nil: removed), with the events of the
// partners whose view changed and the entry of the owner's trail.
func (a *Actor) ruleChanged(tx Tx, pop Population, partnerID string, rule *SharingRule) error {
	if err := a.n.withRuleEvents(tx, pop.OrgID, []string{pop.ID}, "", func() error { return tx.PutPopulation(pop) }); err != nil {
		return err
	}
	d := entryData{Partner: partnerID, Population: pop.ID}
	if rule == nil {
		return a.audit(tx, AuditSharingRuleRemoved, d)
	}
	d.Level, d.Fields, d.Preset = rule.Level, slices.Clone(rule.Fields), rule.Preset
	return a.audit(tx, AuditSharingRuleSet, d)
}

// presetChanged writes org, whose preset `name` the acting user saved with
// fields (nil: deleted), with the events of the partners whose view of
// the populations popIDs (those whose rules use it) changed and the entry
// of the org's trail.
func (a *Actor) presetChanged(tx Tx, org Org, name string, fields []string, popIDs []string) error {
	if err := a.n.withRuleEvents(tx, org.ID, popIDs, "", func() error { return tx.PutOrg(org) }); err != nil {
		return err
	}
	if fields == nil {
		return a.audit(tx, AuditFieldPresetDeleted, entryData{Preset: name})
	}
	return a.audit(tx, AuditFieldPresetSaved, entryData{Preset: name, Fields: slices.Clone(fields)})
}

// requestMade writes the events and entries of share request req, just
// made by the acting user of org req.From.
func (a *Actor) requestMade(tx Tx, req ShareRequest) error {
	if err := a.n.emit(tx, req.To, EventShareRequestReceived, entryData{Partner: req.From, Population: req.PopulationID, Request: req.ID}); err != nil {
		return err
	}
	return a.audit(tx, AuditShareRequestMade, entryData{Partner: req.To, PartnerPopulation: req.PopulationID, Request: req.ID,
		Level: req.Level, Fields: slices.Clone(req.Fields)})
}

// requestDecided writes the decision of share request req by the acting
// user of org req.To; for an approval, write stores the rule it sets, and
// the other partners whose view changes are told.
func (a *Actor) requestDecided(tx Tx, req ShareRequest, rule *SharingRule, write func() error) error {
	kind, action := EventShareRequestDeclined, AuditShareRequestDeclined
	if req.Status == RequestApproved {
		kind, action = EventShareRequestApproved, AuditShareRequestApproved
		if err := a.n.withRuleEvents(tx, req.To, []string{req.PopulationID}, req.From, write); err != nil {
			return err
		}
	}
	if err := a.n.emit(tx, req.From, kind, entryData{Partner: req.To, Population: req.PopulationID, Request: req.ID}); err != nil {
		return err
	}
	d := entryData{Partner: req.From, Population: req.PopulationID, Request: req.ID}
	if rule != nil {
		d.Level, d.Fields = rule.Level, slices.Clone(rule.Fields)
	}
	return a.audit(tx, action, d)
}
