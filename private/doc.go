// Package private computes the overlap matrix between two deployments —
// counts for every pair of one party's populations and the other's —
// by a two-party protocol in which neither side sends its keys in the
// clear: semi-honest Diffie–Hellman PSI-cardinality over ristretto255
// (github.com/gtank/ristretto255), with the responder's doubly blinded
// keys in a Bloom filter (github.com/bits-and-blooms/bloom/v3).
//
// # From a Network
//
// SideFrom builds a party's Side from a data source of an acctmap Network,
// as its acting user reads it through the public API: the populations it
// lists (refusing one its sharing rule hides from the partner, and
// revealing matches only where the rule is at a record level) and the
// records' keys, membership and private marks.
//
// # Roles and flow
//
// The initiator (Initiate, or Client over HTTP) learns the matrix; the
// responder (Responder.Serve, or Responder as an http.Handler) computes
// it and applies its owner's count policy before releasing it. Each side
// first resolves its own accounts locally (records sharing a domain or a
// registration id, transitively, are one account, as in acctmap), drops
// private records and accounts in none of its listed populations, and
// draws a fresh scalar for the session (a for the initiator, b for the
// responder). With H the hash to the group and "·" scalar multiplication:
//
//  1. hello (I→R): a fresh nonce, the time, the initiator's populations
//     (rows), how many accounts and keys it will send, whether it wants
//     the second phase.
//  2. accept (R→I): the responder's nonce, the session id (a hash of both
//     nonces), the minimum cell size, the false-positive rate, the
//     responder's populations (columns, with which reveal matches), how
//     many keys it will send and how many filter entries they make.
//  3. Both at once: the responder sends b·H(k) for each of its keys k,
//     grouped by (population mask, key kind, registration-id schemes) and
//     shuffled within groups; the initiator sends a·H(k) for its keys,
//     grouped into accounts of the same shape (mask, number of domains and
//     of registration ids, schemes), the accounts shuffled within groups.
//  4. The initiator computes a·(b·H(k)) for each responder key and puts in
//     a Bloom filter, for each responder slot j of the key's account, the
//     entry (j, abH(k)), and for each registration-id scheme s of the
//     account (domains only) the entry (s, abH(d)). It sends the filter,
//     sized for the responder's false-positive rate and the announced
//     number of entries (the responder checks both).
//  5. The responder computes b·(a·H(k)) for each initiator key and decides,
//     for each initiator account x and each responder slot j, whether x
//     matches an account of j: one of x's registration ids has the entry
//     (j, ·), or one of x's domains d has it and no entry (s, abH(d))
//     exists for a scheme s of x. It counts, for each pair (initiator slot i, responder slot j), the
//     initiator accounts in i that match j, replaces every count below
//     MinCellSize by "fewer than k", and sends the matrix; in the second
//     phase (when the initiator asked and the population's rule allows
//     OverlappingRecords, Population.RevealMatches) it first sends, per such
//     column, a bitmap over the initiator's accounts in the order they were
//     sent, which the initiator maps back to its records.
//
// H(kind, key) is ristretto255's element derivation (RFC 9496 §4.3.4,
// Element.FromUniformBytes) over SHA-512(tag ‖ session id ‖ kind ‖ key):
// a random oracle into the group with a domain-separation tag that
// includes the session id, so blinded keys of one session are worthless in
// another. It is not RFC 9380's expand_message_xmd (hash_to_ristretto255);
// both are random oracles to 64 bytes, and the protocol needs no
// interoperability with other implementations. Scalar multiplication is
// the library's constant-time one; every received point is decoded
// canonically and the identity is refused (ErrBadPoint).
//
// # Keys and semantics
//
// Keys are exact: registrable domains (acctmap's Record.Domains) and
// registration ids "scheme:value" (Record.RegistrationID). Names are out
// of scope: the protocol neither sends nor compares them. Its counts are
// acctmap's without WithNameMatching and at the default minimum
// confidence, as long as names would not change a count there: acctmap
// keeps apart the records of one data source that share a domain under
// disagreeing names (an umbrella domain: a fund sponsor's funds) and does
// not count a shared domain between a company and a fund or trust named
// after it; the protocol, blind to names, links and counts them as one
// domain. A side's input should hold what acctmap would match: all of the
// initiator's records, and the responder's records in the populations it
// shares with the initiator (Side.Records).
// "Not the same company" marks do not exist between two deployments.
// Private records of either side never take part, so the protocol
// compares both sides' public records, where acctmap's Matrix gives the
// viewer its own private matches too (Counts, with HiddenFromPartner).
//
// Within one side, accounts are resolved exactly as acctmap does. Across
// sides, a pair of accounts matches exactly as in acctmap: a shared
// registration id; or a shared domain unless both accounts have
// registration ids of one scheme (which then disagree, since they share
// none), the veto of acctmap's matching. Because each domain and
// registration id belongs to one account of the responder, the filter's
// entries decide this per pair without telling which account of the
// responder it is.
//
// The difference from acctmap's Matrix: acctmap counts connected
// components of matches (a matched account spanning both sides, with the
// populations of all its accounts on either side), the protocol counts
// the initiator's accounts that match directly. They agree whenever no
// account of the responder matches two or more of the initiator's
// accounts. When one does (the responder's account has two domains, each
// the key of a different initiator account; or a registration id on one
// and a domain on the other), acctmap counts the component once in every
// cell of (any initiator account's populations) × (any responder
// account's populations), while the protocol counts each initiator
// account in (its own populations) × (the populations of the responder
// accounts it matches itself): a cell can then be higher (two initiator
// accounts in one population, one component) or lower (initiator account
// x1 in population i matches only responder account y1, outside j, and
// x2 outside i matches y2 in j: acctmap counts (i, j), the protocol does
// not). The responder cannot link two initiator accounts through one of
// its own without knowing which of its accounts matched, which is what the
// protocol hides. As a consequence the matrix is not symmetric: run the
// protocol the other way to count the other side's accounts. The tests
// check both statements on random data against Actor.Matrix, and equality
// on the public YC lists, where no such component exists.
//
// # Counting error
//
// A Bloom filter has false positives and no false negatives. A false
// positive on a slot entry adds an account to a cell; one on a scheme entry
// vetoes a match that exists. Each test errs with probability at most the
// false-positive rate p (DefaultFalsePositiveRate, 1e-6; the filter has
// m = ⌈−n ln p / ln² 2⌉ bits and k = ⌈m ln 2 / n⌉ hash functions for n
// entries), so a count with t tests behind it (Matrix.RowTests: the
// initiator's keys in the row plus its domain × scheme pairs) is off by at
// most CountErrorBound(t, p, δ) with probability 1 − δ, and by t·p on
// average. At 1M × 1M with 8 populations a cell of 600k accounts has
// about 0.7 expected errors at 1e-6. The filter costs about 3.6 MB per
// million entries at 1e-6 (an entry per key and responder population, plus
// one per domain and scheme).
//
// # Threat model
//
// The protocol is secure against semi-honest parties (who follow it and
// try to learn more from what they see) under the decisional
// Diffie–Hellman assumption in ristretto255, with H a random oracle.
//
// What the initiator learns: the released matrix (counts at or above the
// minimum cell size, "fewer than k" for the others); the responder's
// number of keys, and for each key the population mask and registration-
// id schemes of its account (a histogram: b·H(k) is unlinkable to k); the
// responder's column names; in the second phase, which of its own accounts
// match the revealing columns (so the exact counts of those columns).
//
// What the responder learns: the exact matrix (it computes it; the
// initiator's counts are not thresholded against it); the names of the
// initiator's populations it lists; the initiator's number of accounts
// and, per account, its population mask, number of
// domains and registration ids and its schemes (a histogram); for each
// such anonymous account which of the responder's populations it matches.
// It does not learn which of its own accounts matched (they are entries of
// a Bloom filter, unlinkable to its keys without a), nor which of the
// initiator's (the initiator shuffled them; a·H(k) is unlinkable to k).
// Bloom false positives are the filter's only other leak: the responder
// sees its own false positives, the initiator sees none.
//
// What a malicious party can do that the protocol does not stop: the
// responder can release any counts (or lie in the second phase), and can
// probe the initiator with a set of its choice, learning exact counts; the
// initiator can send a filter of its choice (all ones: every account
// matches — it learns nothing of the responder that way, since it holds
// no responder key it could not have guessed) or points that are not
// hashes of keys. Neither side can decrypt the other's keys, but both can
// test guesses: keys come from small, public domains (the websites of
// well-known companies, registration ids), so a party that puts candidate
// keys in its own set learns from the counts whether the other has them.
// The minimum cell size is what stops the simplest such probe: a
// population holding one candidate yields a count of 0 or 1, both released
// as "fewer than k". The responder refuses a key sent twice (ErrDuplicate),
// so the initiator cannot repeat one candidate k times to lift its count
// over k; it can still place each key of one responder account (its
// domains, its registration id) in a separate account, so the threshold
// should exceed the number of keys a company has. The threshold does not
// stop differencing: an initiator that knows k−1 of the responder's
// accounts adds them to the candidate, or runs sessions with and without
// it; that calls for the count policy's differencing defence (limits on
// sessions and on how much a partner's sets may change between them, or
// noise), which this package does not implement. The responder's own data
// is protected by its threshold; an initiator that wants the same
// protection for its counts runs its own Responder and lets the other
// party initiate.
//
// Sessions: the session id is a hash of both nonces, every message after
// the accept carries it (ErrSession otherwise), the responder refuses a
// hello whose time is outside MaxClockSkew (ErrStale) or whose nonce it
// has seen (ErrReplay), and scalars are fresh per session: a replayed or
// recorded session reveals nothing new and cannot be resumed.
//
// # Transport
//
// Messages are framed over any io.ReadWriter (Initiate, Responder.Serve):
// an 8-byte header (magic, Version, type, payload length) and a payload
// bounded per type (key frames hold at most 32,768 points, 1 MiB), so a
// peer can never make the other side read an unbounded message; every
// malformed, truncated, oversized or unexpected message is a named error
// (ErrMalformed, ErrTruncated, ErrTooLarge, ErrUnexpected, ErrVersion),
// and a party that gives up sends an abort, which the other returns as a
// *PeerError. Both directions stream at once, so the connection must be
// full duplex (a net.Conn). Over HTTP (Responder.ServeHTTP, Client) a
// session is two POST requests, one per direction, so no full-duplex
// HTTP is needed.
//
// # Cost
//
// Each key costs a hash to the group and two scalar multiplications in
// all (one by each party), plus a decode and two encodes; both parties use
// all cores (GOMAXPROCS goroutines over frames). Bytes: 32 per key each
// way, plus the filter. 1M × 1M accounts (1.1M keys a side, 8 × 8
// populations) take 290 s of CPU for both parties — 172 s wall measured
// on a nearly free 2-core machine, 145 s with both cores free — and 77 MB
// in all; see private/bench/README.md.
package private
