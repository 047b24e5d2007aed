package boltstore

import (
	"fmt"
	"strconv"

	"go.etcd.io/bbolt"
)

// schemaVersion names the layout this build reads and writes: the buckets
// below, their keys, and the record encodings in operator.go and kyc.go.
// Change it with any change an older build would misread, and teach Open to
// migrate from the versions before it.
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
	// bucketTasksOpen holds a key "TYPE\x00" + task ULID, with an empty
	// value, for every PENDING task: the (status, type) index of ListOpen.
	bucketTasksOpen = []byte("tasks_open")
	// bucketTasksByAgent holds a key agent id + "\x00" + task ULID for
	// every task, with the task's status as the value.
	bucketTasksByAgent = []byte("tasks_by_agent")
	// bucketTasksByOperator holds a key operator id + "\x00" + task ULID,
	// with an empty value, for every task that has a holder.
	bucketTasksByOperator = []byte("tasks_by_operator")
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
}

// appendFill is how full bbolt packs the pages of the buckets keyed by
// operator id. ULIDs grow with time, so new records land on the last page,
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
	}
	for _, bk := range []*bbolt.Bucket{b.operators, b.emails, b.subjects, b.cases,
		b.agents, b.agentEmails, b.agentKeys, b.tasks, b.tasksOpen, b.tasksByAgent, b.tasksByOp} {
		if bk == nil {
			return b, fmt.Errorf("boltstore: %s: a data bucket is missing", btx.DB().Path())
		}
	}
	for _, bk := range []*bbolt.Bucket{b.operators, b.cases, b.agents, b.tasks} {
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
