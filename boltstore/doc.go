// Package boltstore is the persistent embedded acctmap.Store: one file,
// opened by one process, on go.etcd.io/bbolt (pure Go, no server). It is
// the default for a workspace that must outlive the process — a command
// line tool, a demo, a single-instance app — where memstore would lose
// everything at exit and pgstore needs a database server.
//
//	s, err := boltstore.Open("workspace.acctmap")
//	if err != nil { … } // errors.Is(err, boltstore.ErrLocked): another process has it
//	defer s.Close()
//	net := acctmap.New(s)
//
// It passes the storetest conformance suite, so a Network behaves the same
// on it as on memstore and pgstore.
//
// # Guarantees
//
// Isolation. View runs fn in a bbolt read-only transaction, a snapshot of
// the last commit: commits made while it runs do not change what it
// reads. Update runs fn in bbolt's one read-write transaction: updates
// run one at a time, so they are serializable, and never retried. Views
// run concurrently with each other and with the Update.
//
// Atomicity and durability. An Update's writes stay in memory until the
// commit, which writes the changed pages to free space in the file, then
// fsyncs, then writes the new root (the meta page), then fsyncs again:
// until that last write the file's root is the previous commit's, so a
// process that dies at any point — fn failing or panicking, ctx
// cancelled, the process killed in the middle of a commit — leaves the
// file as the previous commit left it. TestCrashDuringImport kills a
// process (SIGKILL) during the writes and at points spread over the
// commit of a 200,000-record import, and finds the previous data intact
// every time. A write that fails half-way (an I/O error) makes Update
// refuse to commit even if fn ignores the error. WithNoSync skips the
// fsyncs, for tests: a process killed loses nothing then, a machine that
// crashes may.
//
// Context. ctx is checked before fn runs, by every operation, every 4,096
// records of a scan or a bulk write, and before the commit, which is not
// interrupted once begun. Waiting for the writer (another Update of this
// process) does not observe ctx. A nil ctx or fn is an error wrapping
// acctmap.ErrInvalidInput.
//
// Copies. Every read decodes new values from the file, and every write
// encodes its argument: no map, slice or string a caller gives or gets
// aliases the store's state or another caller's values.
//
// # Data
//
// The file has one bucket per kind of item (orgs, users, partnerships,
// data sources, populations), keyed by id, and index buckets for the
// lists (users by org, partnerships by either org, …), whose keys are
// tuples of ids encoded to sort as the tuples do: 0x00 escaped as
// 0x00 0xFF, each id ended by 0x00 0x01. bbolt keeps keys in byte order,
// so every list comes back in the contract's order without sorting, by a
// prefix scan. A data source's records are a bucket of their own, so that
// DeleteDataSource and ReplaceRecords drop a bucket instead of deleting
// records one by one; its sequence number is the record count, read by
// CountRecords without touching the records. A meta bucket holds the
// file format's version: Open refuses a file of another version, or a
// bbolt file of something else, with ErrCorrupt.
//
// Values are a compact binary encoding, versioned by their first byte
// (codec.go, recordcodec.go): uvarint-length strings, varints, times as
// Unix seconds and nanoseconds (UTC, exact). Not JSON: encoding/json turns
// invalid UTF-8 into U+FFFD, and the contract wants every string to
// round-trip; the binary form of a record is also 57% of its JSON (183 bytes
// against 322 for the benchmarks' records, id included), and decodes
// without reflection. A record keeps Populations at a
// fixed place, so that SetMembers and DeletePopulation flip a bit without
// decoding it, and its keys (NameKey, RegistrationID, Domains) in a
// section of their own that RecordKeys decodes alone, skipping Name,
// Website and Fields. A decoded record's strings share one allocation.
// Decoding checks every length against the value: a damaged value is an
// error wrapping ErrCorrupt that names the item, never a panic (fuzzed).
//
// Bulk writes sort a batch by key first (and keep the last of equal ids):
// bbolt splits a bucket's nodes only at the commit, so keys put in random
// order are inserted into the middle of an ever longer slice, quadratic
// in the batch, and in order they are appended. A data source's bucket
// written from empty fills its pages to 90% (bbolt's default is half).
//
// # Figures
//
// On the development machine (2 vCPUs shared with several other jobs, so
// that elapsed times varied up to several-fold between runs; the CPU
// times, user and system of the whole process, garbage collector
// included, are the steadier figure), with 1,000,000 CRM-like records
// (three fields, a domain, an alias for a third of them, a DUNS number for
// a fifth), fsync on:
//
//	                                                  elapsed   records/s   per CPU-second
//	PutRecords into an empty data source, one Update  1.8 s     550,000     590,000
//	  the same, the records in random order           6.5 s     150,000     200,000
//	ReplaceRecords of 1M by 1M                        2.7 s     370,000     350,000
//	PutRecords of 100k random ids into 1M (upsert)    1.1 s      89,000     100,000
//	Records, a full scan                              0.84 s  1,190,000   1,050,000
//	RecordKeys, a full scan                           0.14 s  6,900,000   7,100,000
//	SetMembers of 100k of 1M                          0.81 s  (1M records scanned)
//
// The file takes 248 MiB for the 1M records (260 bytes a record, 90% full
// pages); after a ReplaceRecords it is 480 MiB, the old records' pages
// free for the next writes. Records out of order cost the sort (0.9 s)
// and cache misses. Through a Network, two orgs of 1,000,000 records each,
// 30% of the companies shared, 8 populations each:
//
//	ImportCSV of 1M rows (parse, normalize, write)     5.3–7.8 s, CPU 5.0 s: 130,000–190,000 rows/s
//	8 CreatePopulation (filter 1M records, SetMembers) 18–28 s, CPU 13–14 s
//	matrix 8 × 8, cold (RecordKeys of both, indexes)   3.4–5.2 s, CPU 2.9 s, heap +620 MiB
//	matrix 8 × 8, warm                                 8–12 ms
//	file                                               605 MiB for the 2M records
//
// Reproduce with
//
//	go test -run '^$' -bench . -benchtime 2x ./boltstore
//	ACCTMAP_BENCH_RECORDS=1000000 go test -run '^TestNetworkBenchmark$' -v -timeout 60m ./boltstore
//
// # Limits
//
// One process at a time. bbolt holds an exclusive flock on the file while
// it is open, so a second Open — from another process, or another Store
// in this one — waits for the lock timeout (WithLockTimeout,
// DefaultLockTimeout) and fails with an error wrapping ErrLocked. Several
// processes sharing a network need pgstore. flock is advisory and not
// reliable on network file systems: keep the file on a local disk.
//
// One writer at a time. An Update holds bbolt's writer lock for the whole
// of fn: a long import makes every other Update of the process wait
// (Views do not wait). fn must not start another transaction on the same
// Store, as the contract says: an Update within an Update deadlocks, and
// so can one within a View, when its commit must remap the file.
//
// Memory. The whole of an Update is one bbolt transaction, held in memory
// until its commit: the encoded values, bbolt's nodes, and at the commit
// the pages it writes. An import of 1M records peaked at 730–870
// MiB of heap above its input (3.5 times the file it wrote); split an import
// of tens of millions of records across Updates (UpsertRecords in
// batches) rather than one ImportCSV. The file is mapped into memory:
// reads are page-cache reads, and the address space reserved starts at 1
// GiB (not on Windows or 32-bit systems).
//
// A View that runs while an Update commits and the file must grow past
// its mapping makes the commit wait for the View to end (bbolt remaps the
// file then); with the 1 GiB map that happens once per GiB of file.
//
// Size. Pages freed by deletes and replacements are reused but the file
// never shrinks: a ReplaceRecords of a large data source leaves the old
// records' pages free until later writes fill them (`bbolt compact`
// rewrites a file to its live size, offline). Ids are at most 32 KiB,
// bbolt's limit on keys, counting both ids of an index key; longer ones
// are refused with acctmap.ErrInvalidInput.
//
// SetMembers and DeletePopulation rewrite every record whose bit changes,
// and so most of the data source's pages when the members are spread over
// it; a population over 1M records costs a rewrite of the data source.
package boltstore
