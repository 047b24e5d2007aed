package boltstore

import (
	"fmt"
	"strconv"

	"go.etcd.io/bbolt"
)

// schemaVersion names the layout this build reads and writes: the buckets
// below, their keys, and the record encodings in operator.go and kyc.go.
// Change it with any change an older build would misread, and teach Open to
// migrate from the versions before it. A new bucket is no such change: Open
// creates the buckets a file lacks, and an older build ignores the ones it
// does not know (the ledger and idempotency buckets came this way).
const schemaVersion = 1

// The buckets, all at the top level of the file. Record ids (operator, agent,
// task) are stored as the 16 bytes of their ULID (see idKey).
var (
	// bucketMeta holds keySchemaVersion and nothing else yet.
	bucketMeta = []byte("meta")
	// bucketOperators maps an operator's ULID to its record.
	bucketOperators = []byte("operators")
	// bucketEmails maps operator.EmailKey to the operator's ULID.
	bucketEmails = []byte("operator_emails")
	// bucketSubjects maps an identity subject to the operator's ULID.
	bucketSubjects = []byte("operator_subjects")
	// bucketCases maps an operator's ULID to its KYC case record.
	bucketCases = []byte("kyc_cases")
	// bucketAgents maps an agent's ULID to its record.
	bucketAgents = []byte("agents")
	// bucketAgentEmails maps agent.EmailKey to the agent's ULID.
	bucketAgentEmails = []byte("agent_emails")
	// bucketAgentKeys maps an API key hash (32 bytes) to the agent's ULID.
	// Agents without a key (the zero hash) have no entry.
	bucketAgentKeys = []byte("agent_keys")
	// bucketTasks maps a task's ULID to its record.
	bucketTasks = []byte("tasks")
	// bucketTasksOpen holds a key "TYPE\x00" + timeKey(CreatedAt) + task
	// ULID, with timeKey(Deadline) as the value, for every PENDING task:
	// the (status, type) index of ListOpen.
	bucketTasksOpen = []byte("tasks_open")
	// bucketTasksByAgent holds a key agent id + "\x00" +
	// timeKey(CreatedAt) + task ULID for every task, with the task's
	// status as the value.
	bucketTasksByAgent = []byte("tasks_by_agent")
	// bucketTasksByOperator holds a key operator id + "\x00" +
	// timeKey(CreatedAt) + task ULID, with an empty value, for every task
	// that has a holder.
	bucketTasksByOperator = []byte("tasks_by_operator")
	// bucketOutbox maps a task event's ULID to its record until the event
	// is delivered.
	bucketOutbox = []byte("task_outbox")

	// bucketEntries maps a ledger entry's ULID to its record. Entries are
	// only ever added.
	bucketEntries = []byte("ledger_entries")
	// bucketEntriesByOperator holds one bucket per operator, named by the
	// operator id, with a key timeKey(CreatedAt) + entry ULID and an empty
	// value for each of the operator's entries, so that a reverse cursor
	// walks them newest first. The inner bucket's sequence is the number of
	// its keys, the total of Entries.
	bucketEntriesByOperator = []byte("ledger_entries_by_operator")
	// bucketEarnings maps a task id to the ULID of its EARNING entry: the
	// index that lets a task be credited once.
	bucketEarnings = []byte("ledger_earnings")
	// bucketSummaries maps an operator id to its ledger.Summary record.
	bucketSummaries = []byte("ledger_summaries")
	// bucketPayouts maps a payout's ULID to its record.
	bucketPayouts = []byte("ledger_payouts")
	// bucketPayoutsByOperator is to payouts what bucketEntriesByOperator
	// is to entries.
	bucketPayoutsByOperator = []byte("ledger_payouts_by_operator")
	// bucketIdempotency maps idemKey(scope, key) to an idempotency record.
	bucketIdempotency = []byte("idempotency")
	// bucketIdempotencyExpiry holds a key timeKey(ExpiresAt) +
	// idemKey(scope, key), with an empty value, for every idempotency
	// record, so that DeleteExpired walks only the expired ones.
	bucketIdempotencyExpiry = []byte("idempotency_expiry")
)

// keySchemaVersion holds schemaVersion in decimal ASCII, so that the bbolt
// command line shows it as it is.
var keySchemaVersion = []byte("schema_version")

// dataBuckets are the buckets that hold records and indexes: every bucket but
// meta. Reset empties them; Open creates them.
var dataBuckets = [][]byte{
	bucketOperators, bucketEmails, bucketSubjects, bucketCases,
	bucketAgents, bucketAgentEmails, bucketAgentKeys,
	bucketTasks, bucketTasksOpen, bucketTasksByAgent, bucketTasksByOperator,
	bucketEntries, bucketEntriesByOperator, bucketEarnings, bucketSummaries,
	bucketPayouts, bucketPayoutsByOperator, bucketIdempotency, bucketIdempotencyExpiry,
	bucketOutbox,
}

// appendFill is how full bbolt packs the pages of the buckets keyed by
// a ULID or a time (records by id, the per-operator ledger indexes, the
// idempotency expiry index). ULIDs and times grow, so new records land on the last page,
// and bbolt's default of half-full pages would leave every page half empty
// for good (measured: 100,000
// operators with their cases took 162 MiB, and 101 MiB with this).
// The slack left lets a replaced record grow without splitting its page.
const appendFill = 0.9

// buckets are the data buckets as seen by one transaction.
type buckets struct {
	operators, emails, subjects, cases        *bbolt.Bucket
	agents, agentEmails, agentKeys            *bbolt.Bucket
	tasks, tasksOpen, tasksByAgent, tasksByOp *bbolt.Bucket
	entries, entriesByOp, earnings, summaries *bbolt.Bucket
	payouts, payoutsByOp                      *bbolt.Bucket
	idem, idemExpiry                          *bbolt.Bucket
	outbox                                    *bbolt.Bucket
}

// bind looks up the data buckets in btx. They exist in every file that Open
// accepted, so a missing one means the file was changed behind our back.
func bind(btx *bbolt.Tx) (buckets, error) {
	b := buckets{
		operators:    btx.Bucket(bucketOperators),
		emails:       btx.Bucket(bucketEmails),
		subjects:     btx.Bucket(bucketSubjects),
		cases:        btx.Bucket(bucketCases),
		agents:       btx.Bucket(bucketAgents),
		agentEmails:  btx.Bucket(bucketAgentEmails),
		agentKeys:    btx.Bucket(bucketAgentKeys),
		tasks:        btx.Bucket(bucketTasks),
		tasksOpen:    btx.Bucket(bucketTasksOpen),
		tasksByAgent: btx.Bucket(bucketTasksByAgent),
		tasksByOp:    btx.Bucket(bucketTasksByOperator),
		entries:      btx.Bucket(bucketEntries),
		entriesByOp:  btx.Bucket(bucketEntriesByOperator),
		earnings:     btx.Bucket(bucketEarnings),
		summaries:    btx.Bucket(bucketSummaries),
		payouts:      btx.Bucket(bucketPayouts),
		payoutsByOp:  btx.Bucket(bucketPayoutsByOperator),
		idem:         btx.Bucket(bucketIdempotency),
		idemExpiry:   btx.Bucket(bucketIdempotencyExpiry),
		outbox:       btx.Bucket(bucketOutbox),
	}
	for _, bk := range []*bbolt.Bucket{b.operators, b.emails, b.subjects, b.cases,
		b.agents, b.agentEmails, b.agentKeys, b.tasks, b.tasksOpen, b.tasksByAgent, b.tasksByOp,
		b.entries, b.entriesByOp, b.earnings, b.summaries, b.payouts, b.payoutsByOp,
		b.idem, b.idemExpiry, b.outbox} {
		if bk == nil {
			return b, fmt.Errorf("boltstore: %s: a data bucket is missing", btx.DB().Path())
		}
	}
	for _, bk := range []*bbolt.Bucket{b.operators, b.cases, b.agents, b.tasks,
		b.entries, b.payouts, b.idemExpiry, b.outbox} {
		bk.FillPercent = appendFill
	}
	return b, nil
}

// initSchema makes a new file ready, or checks that an existing one has the
// version this build knows. It refuses, without writing, a bbolt file that
// humop did not create and a file of another schema version.
func initSchema(btx *bbolt.Tx) error {
	path := btx.DB().Path()
	meta := btx.Bucket(bucketMeta)
	if meta == nil {
		foreign := btx.ForEach(func([]byte, *bbolt.Bucket) error { return ErrNotDatabase })
		if foreign != nil {
			return fmt.Errorf("%w: %s is a bbolt file without a %q bucket", ErrNotDatabase, path, bucketMeta)
		}
		var err error
		if meta, err = btx.CreateBucket(bucketMeta); err != nil {
			return fmt.Errorf("boltstore: create %s: %w", path, err)
		}
		if err := meta.Put(keySchemaVersion, []byte(strconv.Itoa(schemaVersion))); err != nil {
			return fmt.Errorf("boltstore: create %s: %w", path, err)
		}
	}

	raw := meta.Get(keySchemaVersion)
	v, err := strconv.Atoi(string(raw))
	if err != nil {
		return fmt.Errorf("%w: %s has schema version %q, not a number", ErrSchemaVersion, path, raw)
	}
	if v != schemaVersion {
		return fmt.Errorf("%w: %s has schema version %d and this build reads only version %d",
			ErrSchemaVersion, path, v, schemaVersion)
	}

	for _, name := range dataBuckets {
		if _, err := btx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("boltstore: create bucket %s in %s: %w", name, path, err)
		}
	}
	return nil
}
