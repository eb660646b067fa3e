// Package match is the matching engine: it resolves a data source's records
// into accounts, and counts and lists the accounts two data sources have in
// common, per pair of populations.
//
// # Semantics
//
// Within a data source, records sharing a domain or a registration id
// (transitively) are one account; name keys never link records. Across two
// sources, accounts sharing a domain or a registration id are candidates,
// and so are accounts with an equal name key where one side has no domain
// (Options.NameMatching). Registration ids of the same scheme on both sides
// decide (equal: a match at ConfRegistrationID; different: never a match);
// otherwise a shared domain matches at ConfDomainAndName, ConfDomain or
// ConfDomainNameMismatch depending on how the names agree, and a name-only
// candidate at ConfNameOnly. Options.MinConfidence is the threshold and
// Options.Exclude removes pairs users marked "not the same company".
// Matched accounts form a bipartite graph; each connected component is one
// matched account, so Overlap(x, y) is the transpose of Overlap(y, x).
//
// # Design
//
// A Dict (one per network) interns every key string to a uint32 id,
// comparing strings on every hash hit, so equal ids mean equal strings and
// the hot paths compare integers only: a hash collision cannot create an
// overlap. Measured against the alternative of sorted xxhash64 keys per
// index verified by string comparison on every hit, the merge of two 1M
// indexes costs 4-6 ms on ids, 9-12 ms on 64-bit hashes and 26-29 ms on
// hashes with the verification (BenchmarkMergeVerify): the verification
// misses the cache on every hit.
//
// Name keys are not interned when an index is built: only name matching
// compares them as ids (it interns them on first use), and a candidate's
// confidence compares them as strings, so an index keeps them with its
// record ids. Build interns a batch's keys shard by shard: each core
// hashes its share of the records' keys into per-shard buffers, each shard
// is then locked once, and the ids come back as postings (id<<32 | record)
// ready to sort, not written to the caller's order (those writes missed the
// cache on every key).
//
// An Index numbers its accounts in the order of their smallest domain id,
// so one sorted uint32 array (4 bytes per account) is both the domain
// postings and, by position, the account: the overlap of two indexes is
// mostly one branch-free merge of two such arrays, split across cores, and
// a pair found there whose accounts have no other candidate is a matched
// account by itself, counted on the spot. Aliases, registration ids, names
// and accounts with several candidates go through union-find. Masks are
// stored in the narrowest width that holds the slots in use.
//
// Ecosystem turns one index's keys into bitmaps with a rank directory over
// the Dict's id space once, and probes them with each partner's keys.
// Screen counts a population's key hits per partner; its Bloom filter
// option (bits-and-blooms/bloom) is slower and inexact at every size
// measured, so nothing uses it by default.
//
// Apply derives a new snapshot that shares the old one's base and rebuilds
// only the touched accounts into an overlay; UpdateOverlap brings a matrix
// current by recomputing only the components the change touches.
//
// # Reclaiming the Dict
//
// A Dict never forgets a key: ids are never reused, so an index holding an
// id can never see it turn into another string. Its memory is reclaimed by
// replacement instead. The owner of the indexes (the acctmap Network's
// index cache) counts the keys its live indexes hold (Index.Keys, an upper
// bound); once the Dict holds at least as many other keys again (those of
// data sources deleted, re-imported with other keys, or evicted), and at
// least an allowance (2^20 keys, some 40 MiB), it starts a new Dict and
// rebases every cached index onto it (Index.Rebase: the records read back
// from the index and built again, about a Build's cost). The old Dict is
// then garbage as soon as the last reader holding one of its indexes is
// done. So a process that imports and deletes data sources forever keeps a
// Dict of at most about twice its live keys plus the allowance, and pays
// for a replacement once per as many keys of garbage as there are live
// ones: amortized, a second Build of each key once.
//
// Ids of two Dicts must never be compared. Instead of a lock around every
// read, the entry points that take two indexes (Overlap, Matches,
// Ecosystem, Screen, PairEvidence, UpdateOverlap) rebase an index of
// another Dict onto the first one's: only a read that fetched one index
// before a replacement and the other after pays for it, and counts stay
// exact. The cache refuses indexes built on a Dict it replaced meanwhile.
//
// # Figures
//
// Measured on 2 vCPUs shared with other jobs (load average 4-5 from
// uptime): wall times vary 2-3x with the load, CPU time less.
//
//	go run ./bench -accounts 1000000 -partners 1 -populations 8 -overlap 0.3 -work=matrix
//	  matrix 1M×1M 8×8: 17.7 ms wall, 12.1 ms CPU (7.2 ms wall on an idle machine, bench/README.md);
//	  before the radix sort of candidates, same run: 15.7 ms wall, 12.6 ms CPU
//	go test -run '^$' -bench 'BenchmarkOverlap$|BenchmarkApply$' -count=2 ./internal/match
//	  Overlap 1M×1M: 29-45 ms before this branch's changes, 30-96 ms after (wall, load 4-5;
//	  the CPU profile: 26 ms per Overlap before, 24 ms after, sorting 8 ms → 1 ms)
//	  Apply+UpdateOverlap, 1000 changes on 1M: 10-14 ms before, 6-7 ms after (no regression)
package match
