// Package boltstore keeps humop's data in one bbolt file, for a single
// process that needs its data to survive restarts and crashes.
//
// # Durability
//
// Update returns nil only after its transaction is on disk: every commit
// writes its pages, fsyncs, writes the meta page and fsyncs again (bbolt's
// NoSync stays false). A process killed at any instant leaves the file as of
// the last acknowledged commit or a later one, never half a use case.
//
// # Batching
//
// Every commit costs two fsyncs, so concurrent Updates share them: an Update
// that finds enough others in flight hands its function to bbolt's DB.Batch,
// which runs the functions of a batch in one transaction (group commit). A
// batch starts Options.MaxBatchDelay after its first call, or as soon as it
// holds Options.MaxBatchSize calls. Waiting only pays when others wait too:
// a batch delays each of its Updates but saves the commits of all but one,
// so Store batches from 1 + delay/commit Updates in flight, timing commits
// as it goes, and commits a lone Update at once with DB.Update. On the
// development machine (fsync 0.1 ms, a commit 0.35 ms) that is from 4.
//
// The default delay of 1 ms was measured (BenchmarkBatchDelay, 2 cores,
// ext4): with 32 writers, 15,700 registrations/s at 1 ms and 15,900 at
// 300 µs, but 6,700 at 100 µs, where batches start before the previous
// commit ends and stay small, 10,100 at 2 ms, and 2,900 at bbolt's own 10 ms,
// which is slower than one commit at a time (3,500/s for raw puts). A delay
// under 1 ms buys nothing for few writers either: Go's timers on an idle
// machine fire at millisecond resolution. On a disk with slower fsyncs,
// raise MaxBatchDelay toward the time of a commit.
//
// Batch may run a function more than once: when one function of a batch
// returns an error, bbolt rolls the whole batch back, runs the others again,
// and runs the failing one alone. Store keeps that rare: a function that
// fails before writing anything (such as a registration refused because the
// email is taken) is reported to bbolt as a success, so its batch-mates
// commit without a rerun, and its error is handed back to its caller. Only a
// function that wrote and then failed is rolled back and run again alone, so
// that nothing it wrote is kept.
//
// # File layout
//
// Top-level buckets, declared in buckets.go: "meta" holds the schema version
// (decimal ASCII under "schema_version"), written when the file is created
// and checked by Open, which refuses any version it does not know with
// ErrSchemaVersion. "operators" and "kyc_cases" map an operator's id, stored
// as the 16 bytes of its ULID, to a record; "operator_emails" (by
// operator.EmailKey) and "operator_subjects" are unique indexes from a key to
// the operator's 16-byte id, always written in the transaction that writes
// the record. Agents and tasks follow the same pattern; the task indexes
// (open tasks by type, tasks by agent, tasks by holder) end in the task's id,
// so the List methods walk them newest first. Buckets keyed by id pack their
// pages 90% full, as ULIDs only ever append: 100,000 operators with their
// KYC cases take 101 MiB.
//
// The ledger keeps entries and payouts by ULID, each with one inner bucket
// per operator listing them by creation time and id, whose sequence counts
// them; earnings are indexed by task id, which is how a task is credited
// once, and each operator's ledger.Summary is one record, so balances are
// read without touching the entries. Idempotency records are keyed by
// scope and key, length-prefixed, with an index by expiry time that lets
// DeleteExpired skip the records still kept. ledger.go and idempotency.go
// give the costs.
//
// A record is one byte naming its encoding (1: JSON) followed by the JSON of
// a record type declared beside its domain's store (operator.go, kyc.go,
// agent.go, task.go), not of the domain type, so that a change to a domain
// type cannot silently change the file; a test fails when a domain type has a
// field its record lacks.
// Times are stored in UTC with nanoseconds (RFC 3339) and read back equal to
// what was written.
package boltstore

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/humop/humop"
	"github.com/humop/humop/agent"
	"github.com/humop/humop/idempotency"
	"github.com/humop/humop/kyc"
	"github.com/humop/humop/ledger"
	"github.com/humop/humop/operator"
	"github.com/humop/humop/task"
)

// Errors returned by Open.
var (
	// ErrInUse is returned when another Store, in this process or another,
	// has the file open and did not close it within Options.Timeout.
	ErrInUse = errors.New("boltstore: database in use")
	// ErrNotDatabase is returned when the file is not a bbolt file, or is a
	// bbolt file that humop did not create.
	ErrNotDatabase = errors.New("boltstore: not a humop database file")
	// ErrSchemaVersion is returned when the file's schema version is not
	// the one this build reads, usually because a newer humop wrote it. The
	// file is left as it was.
	ErrSchemaVersion = errors.New("boltstore: unknown schema version")
)

// Defaults for the zero fields of Options.
const (
	DefaultTimeout         = time.Second
	DefaultInitialMmapSize = 64 << 20
	DefaultMaxBatchDelay   = time.Millisecond
	DefaultMaxBatchSize    = 1000
)

// Options configure Open. A nil *Options, like every zero field, means the
// defaults.
type Options struct {
	// Timeout is how long Open waits for the file lock held by another
	// Store before it gives up with ErrInUse. Default: DefaultTimeout.
	Timeout time.Duration
	// InitialMmapSize is the size of the first memory map of the file, in
	// bytes. While the file fits in it, writers never wait for readers to
	// remap. Default: DefaultInitialMmapSize. The file itself grows only as
	// data is written.
	InitialMmapSize int
	// MaxBatchDelay is how long a batch of concurrent Updates waits for
	// company before it commits. Default: DefaultMaxBatchDelay.
	MaxBatchDelay time.Duration
	// MaxBatchSize is the number of Updates that makes a batch commit
	// without waiting longer. Default: DefaultMaxBatchSize.
	MaxBatchSize int
}

func (o *Options) withDefaults() Options {
	var v Options
	if o != nil {
		v = *o
	}
	if v.Timeout <= 0 {
		v.Timeout = DefaultTimeout
	}
	if v.InitialMmapSize <= 0 {
		v.InitialMmapSize = DefaultInitialMmapSize
	}
	if v.MaxBatchDelay <= 0 {
		v.MaxBatchDelay = DefaultMaxBatchDelay
	}
	if v.MaxBatchSize <= 0 {
		v.MaxBatchSize = DefaultMaxBatchSize
	}
	return v
}

// Store is a humop.Store kept in one bbolt file. Get one from Open. It is safe
// for concurrent use: Views run in parallel with each other and with the one
// Update that commits at a time.
type Store struct {
	db    *bbolt.DB
	delay time.Duration // db.MaxBatchDelay
	// updates counts the Updates in flight, and commit is a moving average
	// of how long a commit takes, in nanoseconds; batchAt uses them to
	// choose between a plain commit and a batch.
	updates atomic.Int32
	commit  atomic.Int64
}

var _ humop.Store = (*Store)(nil)

// Open opens the store in the file at path, creating the file with mode 0600
// when it does not exist. Only one Store may have a file open at a time;
// Close the Store to let the next one in.
//
// Errors: ErrInUse, ErrNotDatabase, ErrSchemaVersion, or a wrapped error from
// the file system.
func Open(path string, opts *Options) (*Store, error) {
	o := opts.withDefaults()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{
		Timeout:         o.Timeout,
		InitialMmapSize: o.InitialMmapSize,
		FreelistType:    bbolt.FreelistMapType,
	})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("%w: %s is locked by another Store (waited %v)", ErrInUse, path, o.Timeout)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum),
		errors.Is(err, berrors.ErrVersionMismatch):
		return nil, fmt.Errorf("%w: %s: %w", ErrNotDatabase, path, err)
	case err != nil:
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	db.MaxBatchDelay = o.MaxBatchDelay
	db.MaxBatchSize = o.MaxBatchSize

	if err := db.Update(initSchema); err != nil {
		db.Close()
		return nil, err
	}
	return &Store{db: db, delay: o.MaxBatchDelay}, nil
}

// Path returns the path of the store's file.
func (s *Store) Path() string { return s.db.Path() }

// Close closes the file, waiting for transactions in progress.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("boltstore: close %s: %w", s.db.Path(), err)
	}
	return nil
}

// View runs fn in a read-only transaction. Writes inside fn fail. Keep fn
// short: a long read transaction keeps the pages it sees from being reused
// and makes a writer that must grow the memory map wait for it.
func (s *Store) View(ctx context.Context, fn func(humop.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var fnErr error
	err := s.db.View(func(btx *bbolt.Tx) error {
		b, err := bind(btx)
		if err != nil {
			return err
		}
		fnErr = fn(&tx{b: b})
		return fnErr
	})
	if err != nil && fnErr == nil {
		return fmt.Errorf("boltstore: view: %w", err)
	}
	return err
}

// Update runs fn in a read-write transaction and returns once the
// transaction is on disk. When fn returns an error nothing it wrote is kept
// and the error is returned as it is. An Update that finds others in flight
// is batched with them, and its fn may run more than once (see the package
// documentation). A cancelled ctx stops fn from running at all.
func (s *Store) Update(ctx context.Context, fn func(humop.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	batched := int(s.updates.Add(1)) >= s.batchAt()
	defer s.updates.Add(-1)

	// The state of the last attempt: bbolt may call the transaction
	// function several times, and each call starts afresh.
	var (
		returned error     // fn's error, given to bbolt to roll back
		handed   error     // fn's error when it wrote nothing, kept from bbolt
		ran      time.Time // when fn returned: the commit starts soon after
	)
	// fail ends an attempt that failed. In a batch, an attempt that wrote
	// nothing commits as a no-op so as not to roll back its batch-mates.
	fail := func(err error, wrote bool) error {
		if batched && !wrote {
			handed = err
			return nil
		}
		returned = err
		return err
	}
	txFn := func(btx *bbolt.Tx) error {
		returned, handed, ran = nil, nil, time.Time{}
		if err := ctx.Err(); err != nil {
			return fail(err, false)
		}
		b, err := bind(btx)
		if err != nil {
			return fail(err, false)
		}
		t := &tx{b: b, writable: true}
		err = fn(t)
		ran = time.Now()
		if err != nil {
			return fail(err, t.wrote)
		}
		return nil
	}

	var err error
	if batched {
		err = s.db.Batch(txFn)
	} else {
		err = s.db.Update(txFn) // alone or nearly: a batch would only wait
	}
	if err == nil && !ran.IsZero() {
		c := s.commit.Load()
		s.commit.Store(c + (int64(time.Since(ran))-c)/8)
	}
	switch {
	case err == nil:
		return handed
	case returned != nil:
		return err // the attempt's own error, its writes rolled back
	default:
		return fmt.Errorf("boltstore: update: %w", err)
	}
}

// batchAt returns how many Updates must be in flight, this one included,
// for a batch to beat plain commits. A batch makes each of its Updates wait
// MaxBatchDelay but saves the commits of all but one, so with n Updates in
// flight it pays when n commits take longer than one commit and the delay:
// from 1 + delay/commit. Until a commit has been timed, batch from two.
// Commits are timed from the end of fn, so neither the wait for the writer
// lock nor the batch delay counts.
func (s *Store) batchAt() int {
	c := s.commit.Load()
	if c <= 0 {
		return 2
	}
	return 2 + int(int64(s.delay)/c)
}

// Reset deletes every record and index entry, keeping the schema. The file
// does not shrink: its freed pages are reused by later writes.
func (s *Store) Reset(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.Update(func(btx *bbolt.Tx) error {
		for _, name := range dataBuckets {
			if err := btx.DeleteBucket(name); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
				return err
			}
			if _, err := btx.CreateBucket(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("boltstore: reset %s: %w", s.db.Path(), err)
	}
	return nil
}

// tx is a humop.Tx over one bbolt transaction. It notes whether anything was
// written, which Update needs to decide whether a failure must roll back.
type tx struct {
	b        buckets
	writable bool
	wrote    bool
}

func (t *tx) Operators() operator.Store { return operators{t} }
func (t *tx) KYC() kyc.Store            { return cases{t} }
func (t *tx) Agents() agent.Store       { return agents{t} }
func (t *tx) Tasks() task.Store         { return tasks{t} }
func (t *tx) Ledger() ledger.Store      { return ledgerStore{t} }

func (t *tx) Idempotency() idempotency.Store { return idemStore{t} }
func (t *tx) Outbox() task.Outbox            { return outbox{t} }

// checkWritable is called by every write before it reads or writes
// anything, so that a write in a View fails whatever the data.
func (t *tx) checkWritable(op, id string) error {
	if !t.writable {
		return fmt.Errorf("boltstore: %s %s: %w", op, id, berrors.ErrTxNotWritable)
	}
	return nil
}
