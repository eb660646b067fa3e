package boltstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/acctmap/acctmap"
)

// Store is an acctmap.Store in one bbolt file. Create one with Open and
// release it with Close. A Store is safe for concurrent use.
type Store struct {
	db   *bolt.DB
	path string
}

var _ acctmap.Store = (*Store)(nil)

// DefaultLockTimeout is how long Open waits for another process to release
// the file unless WithLockTimeout says otherwise.
const DefaultLockTimeout = time.Second

// fileFormat is the version of the layout of buckets and keys, kept in
// the meta bucket: Open refuses a file of another version.
const fileFormat = 1

var formatKey = []byte("format")

// initialMmapSize is the size of the file's first memory map: 1 GiB,
// but on Windows, where bbolt makes the file as large as its map at once,
// and on 32-bit systems, short of address space.
func initialMmapSize() int {
	if runtime.GOOS == "windows" || strconv.IntSize < 64 {
		return 0
	}
	return 1 << 30
}

// ErrLocked is wrapped by the error of Open when another process (or
// another Store in this one) holds the file: bbolt takes an exclusive
// flock on it for as long as it is open.
var ErrLocked = errors.New("boltstore: the file is in use by another process")

// An Option configures Open.
type Option func(*options)

type options struct {
	lockTimeout time.Duration
	noSync      bool
}

// WithLockTimeout sets how long Open waits for the file's lock when
// another process holds it before failing with ErrLocked; 0 waits for as
// long as it takes. The default is DefaultLockTimeout.
func WithLockTimeout(d time.Duration) Option {
	return func(o *options) { o.lockTimeout = d }
}

// WithNoSync skips the fsync of every commit. It is for tests and
// benchmarks only: a process that exits or is killed loses nothing (the
// writes are in the operating system's cache), but a crash of the machine
// or a power cut can lose commits or corrupt the file.
func WithNoSync() Option {
	return func(o *options) { o.noSync = true }
}

// Open opens the store in the file at path, creating the file (mode 0600)
// if it does not exist. It fails with an error wrapping ErrLocked if
// another process has the file open and does not close it within the lock
// timeout, and with one wrapping ErrCorrupt if the file is not a store:
// not a bbolt file, a bbolt file of something else, or one written by a
// newer version of this package.
func Open(path string, opts ...Option) (*Store, error) {
	o := options{lockTimeout: DefaultLockTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	if path == "" {
		return nil, fmt.Errorf("boltstore: open: empty path: %w", acctmap.ErrInvalidInput)
	}
	if o.lockTimeout < 0 {
		return nil, fmt.Errorf("boltstore: open: WithLockTimeout(%v): negative: %w", o.lockTimeout, acctmap.ErrInvalidInput)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: o.lockTimeout,
		NoSync:  o.noSync,
		// The map freelist: the array one's cost grows with the number of
		// free pages, which deleting a large data source makes many.
		FreelistType: bolt.FreelistMapType,
		// bbolt maps the file with room to spare, doubling it as the file
		// grows; each time, it copies every node a write transaction holds
		// out of the old mapping, which made a 1M-record import allocate
		// 5 GB. Starting at 1 GiB of address space (not of disk, nor of
		// memory), a file that size never remaps within a commit.
		InitialMmapSize: initialMmapSize(),
	})
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, fmt.Errorf("boltstore: open %q: %w (waited %v for its lock; one process at a time may open a store)", path, ErrLocked, o.lockTimeout)
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrVersionMismatch), errors.Is(err, bolterrors.ErrChecksum):
		return nil, fmt.Errorf("boltstore: open %q: not a bbolt file, or a damaged one: %w: %w", path, ErrCorrupt, err)
	case err != nil:
		return nil, fmt.Errorf("boltstore: open %q: %w", path, err)
	}
	if err := db.Update(initFile); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("boltstore: open %q: %w", path, err)
	}
	return &Store{db: db, path: path}, nil
}

// initFile creates the buckets of a new file, or checks those of an
// existing one.
func initFile(tx *bolt.Tx) error {
	if meta := tx.Bucket(bucketMeta); meta != nil {
		v := meta.Get(formatKey)
		f, n := binary.Uvarint(v)
		if n <= 0 || n != len(v) {
			return fmt.Errorf("no valid format version in the meta bucket: %w", ErrCorrupt)
		}
		if f != fileFormat {
			return fmt.Errorf("file format %d, this package reads %d: %w", f, fileFormat, ErrCorrupt)
		}
		for _, name := range allBuckets {
			if tx.Bucket(name) == nil {
				return fmt.Errorf("bucket %q is missing: %w", name, ErrCorrupt)
			}
		}
		return nil
	}
	// No meta bucket: a new file, unless something else wrote buckets.
	if err := tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
		return fmt.Errorf("a bbolt file of something else (it has a bucket %.40q): %w", name, ErrCorrupt)
	}); err != nil {
		return err
	}
	for _, name := range allBuckets {
		if _, err := tx.CreateBucket(name); err != nil {
			return err
		}
	}
	return tx.Bucket(bucketMeta).Put(formatKey, binary.AppendUvarint(nil, fileFormat))
}

// Close closes the file, after the transactions running have ended, and
// releases its lock. The Store must not be used afterwards: its
// transactions then fail.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("boltstore: close %q: %w", s.path, err)
	}
	return nil
}

// Path returns the path of the store's file.
func (s *Store) Path() string { return s.path }

// checkCall rejects the arguments that would make a transaction panic.
func checkCall(ctx context.Context, op string, nilFn bool) error {
	if ctx == nil {
		return fmt.Errorf("boltstore: %s: nil context: %w", op, acctmap.ErrInvalidInput)
	}
	if nilFn {
		return fmt.Errorf("boltstore: %s: nil function: %w", op, acctmap.ErrInvalidInput)
	}
	return ctx.Err()
}

// View runs fn in a bbolt read-only transaction: a consistent snapshot of
// the file, which commits made meanwhile do not change. It returns ctx's
// error without running fn if ctx is already done, and otherwise fn's
// error.
func (s *Store) View(ctx context.Context, fn func(tx acctmap.ReadTx) error) error {
	if err := checkCall(ctx, "View", fn == nil); err != nil {
		return err
	}
	btx, err := s.db.Begin(false)
	if err != nil {
		return fmt.Errorf("boltstore: View: %w", err)
	}
	r := &reader{ctx: ctx, tx: btx}
	// Deferred, so that a panic or runtime.Goexit in fn ends the
	// transaction too: a read transaction left open would block every
	// later commit that grows the file, and Close.
	defer func() {
		r.done = true
		_ = btx.Rollback()
	}()
	// r has no write methods, so fn cannot type-assert its way into
	// writing.
	return fn(r)
}

// Update runs fn in the bbolt read-write transaction, of which there is
// one at a time, and commits it if fn returns nil, no write failed and ctx
// is not done by then. Otherwise, or if fn panics, it rolls everything
// back (bbolt writes nothing to the file before the commit) and returns
// fn's error, the failed write's, or ctx's; a panic continues after the
// rollback.
func (s *Store) Update(ctx context.Context, fn func(tx acctmap.Tx) error) error {
	if err := checkCall(ctx, "Update", fn == nil); err != nil {
		return err
	}
	btx, err := s.db.Begin(true)
	if err != nil {
		return fmt.Errorf("boltstore: Update: %w", err)
	}
	w := &writer{reader: reader{ctx: ctx, tx: btx}}
	// Rollback after a successful Commit does nothing.
	defer func() {
		w.done = true
		_ = btx.Rollback()
	}()
	if err := fn(w); err != nil {
		return err
	}
	if w.failed != nil {
		// A write failed half-way and fn went on: what it left is not
		// committed, as a SQL store would abort the transaction.
		return fmt.Errorf("boltstore: Update not committed, a write failed: %w", w.failed)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := btx.Commit(); err != nil {
		return fmt.Errorf("boltstore: commit: %w", err)
	}
	return nil
}
