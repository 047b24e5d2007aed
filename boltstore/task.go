package boltstore

import (
	"bytes"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/humop/humop/ledger"
	"github.com/humop/humop/skills"
	"github.com/humop/humop/task"
)

// taskRecord is a task as stored. The id is the record's key.
type taskRecord struct {
	AgentID           string                `json:"agent_id"`
	Title             string                `json:"title"`
	Description       string                `json:"description"`
	Type              skills.Skill          `json:"type"`
	Location          *taskLocationRecord   `json:"location,omitempty"`
	Reward            ledger.Cents          `json:"reward"`
	Deadline          time.Time             `json:"deadline"`
	ProofRequirements []string              `json:"proof_requirements,omitempty"`
	CallbackURL       string                `json:"callback_url,omitempty"`
	CallbackSecret    string                `json:"callback_secret,omitempty"`
	Status            task.Status           `json:"status"`
	OperatorID        string                `json:"operator_id,omitempty"`
	Estimate          *estimateRecord       `json:"estimate,omitempty"`
	Submission        *taskSubmissionRecord `json:"submission,omitempty"`
	Quality           int                   `json:"quality,omitempty"`
	RejectionReason   string                `json:"rejection_reason,omitempty"`
	DisputeReason     string                `json:"dispute_reason,omitempty"`
	CreatedAt         time.Time             `json:"created_at"`
	UpdatedAt         time.Time             `json:"updated_at"`
	ClaimedAt         time.Time             `json:"claimed_at,omitzero"`
	AcceptedAt        time.Time             `json:"accepted_at,omitzero"`
	StartedAt         time.Time             `json:"started_at,omitzero"`
	SubmittedAt       time.Time             `json:"submitted_at,omitzero"`
	VerifiedAt        time.Time             `json:"verified_at,omitzero"`
	CompletedAt       time.Time             `json:"completed_at,omitzero"`
	CancelledAt       time.Time             `json:"cancelled_at,omitzero"`
	DisputedAt        time.Time             `json:"disputed_at,omitzero"`
}

type taskLocationRecord struct {
	Lat     float64 `json:"lat"`
	Lng     float64 `json:"lng"`
	Address string  `json:"address"`
}

type estimateRecord struct {
	Days    int    `json:"days,omitempty"`
	Hours   int    `json:"hours,omitempty"`
	Minutes int    `json:"minutes,omitempty"`
	Note    string `json:"note,omitempty"`
}

type taskSubmissionRecord struct {
	Note  string            `json:"note,omitempty"`
	Proof []proofItemRecord `json:"proof,omitempty"`
	At    time.Time         `json:"at"`
}

type proofItemRecord struct {
	Requirement string `json:"requirement"`
	URL         string `json:"url"`
	Note        string `json:"note,omitempty"`
}

func encodeTask(t *task.Task) ([]byte, error) {
	rec := taskRecord{
		AgentID: t.AgentID, Title: t.Title, Description: t.Description, Type: t.Type,
		Reward: t.Reward, Deadline: t.Deadline.UTC(), ProofRequirements: t.ProofRequirements,
		CallbackURL: t.CallbackURL, CallbackSecret: t.CallbackSecret,
		Status: t.Status, OperatorID: t.OperatorID, Quality: t.Quality,
		RejectionReason: t.RejectionReason, DisputeReason: t.DisputeReason,
		CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC(), ClaimedAt: t.ClaimedAt.UTC(),
		AcceptedAt: t.AcceptedAt.UTC(), StartedAt: t.StartedAt.UTC(), SubmittedAt: t.SubmittedAt.UTC(),
		VerifiedAt: t.VerifiedAt.UTC(), CompletedAt: t.CompletedAt.UTC(),
		CancelledAt: t.CancelledAt.UTC(), DisputedAt: t.DisputedAt.UTC(),
	}
	if l := t.Location; l != nil {
		rec.Location = &taskLocationRecord{Lat: l.Lat, Lng: l.Lng, Address: l.Address}
	}
	if e := t.Estimate; e != nil {
		rec.Estimate = &estimateRecord{Days: e.Days, Hours: e.Hours, Minutes: e.Minutes, Note: e.Note}
	}
	if s := t.Submission; s != nil {
		rec.Submission = &taskSubmissionRecord{Note: s.Note, At: s.At.UTC()}
		for _, p := range s.Proof {
			rec.Submission.Proof = append(rec.Submission.Proof,
				proofItemRecord{Requirement: p.Requirement, URL: p.URL, Note: p.Note})
		}
	}
	return marshal(rec)
}

func decodeTask(key, b []byte) (*task.Task, error) {
	var rec taskRecord
	if err := unmarshal(b, &rec); err != nil {
		return nil, err
	}
	t := &task.Task{
		ID: keyID(task.IDPrefix, key), AgentID: rec.AgentID, Title: rec.Title,
		Description: rec.Description, Type: rec.Type, Reward: rec.Reward, Deadline: rec.Deadline,
		ProofRequirements: rec.ProofRequirements, CallbackURL: rec.CallbackURL,
		CallbackSecret: rec.CallbackSecret, Status: rec.Status, OperatorID: rec.OperatorID,
		Quality: rec.Quality, RejectionReason: rec.RejectionReason, DisputeReason: rec.DisputeReason,
		CreatedAt: rec.CreatedAt, UpdatedAt: rec.UpdatedAt, ClaimedAt: rec.ClaimedAt,
		AcceptedAt: rec.AcceptedAt, StartedAt: rec.StartedAt, SubmittedAt: rec.SubmittedAt,
		VerifiedAt: rec.VerifiedAt, CompletedAt: rec.CompletedAt, CancelledAt: rec.CancelledAt,
		DisputedAt: rec.DisputedAt,
	}
	if l := rec.Location; l != nil {
		t.Location = &task.Location{Lat: l.Lat, Lng: l.Lng, Address: l.Address}
	}
	if e := rec.Estimate; e != nil {
		t.Estimate = &task.Estimate{Days: e.Days, Hours: e.Hours, Minutes: e.Minutes, Note: e.Note}
	}
	if s := rec.Submission; s != nil {
		t.Submission = &task.Submission{Note: s.Note, At: s.At}
		for _, p := range s.Proof {
			t.Submission.Proof = append(t.Submission.Proof,
				task.ProofItem{Requirement: p.Requirement, URL: p.URL, Note: p.Note})
		}
	}
	return t, nil
}

// tasks is the task.Store of one transaction.
type tasks struct{ t *tx }

func (s tasks) Insert(t *task.Task) error {
	if err := s.t.checkWritable("insert task", t.ID); err != nil {
		return err
	}
	key, ok := idKey(task.IDPrefix, t.ID)
	if !ok {
		return fmt.Errorf("boltstore: insert task %q: id is not %q and a ULID", t.ID, task.IDPrefix)
	}
	if s.t.b.tasks.Get(key) != nil {
		return fmt.Errorf("boltstore: insert task %s: id already used", t.ID)
	}
	return s.put(key, nil, t, "insert task")
}

func (s tasks) Replace(t *task.Task) error {
	if err := s.t.checkWritable("replace task", t.ID); err != nil {
		return err
	}
	key, ok := idKey(task.IDPrefix, t.ID)
	if !ok {
		return task.ErrNotFound
	}
	old, err := s.get(key)
	if err != nil {
		return err
	}
	return s.put(key, old, t, "replace task")
}

// put writes t and moves its index entries from those of old, which is nil
// for a new task.
func (s tasks) put(key []byte, old, t *task.Task, op string) error {
	v, err := encodeTask(t)
	if err != nil {
		return fmt.Errorf("boltstore: %s %s: %w", op, t.ID, err)
	}
	b := s.t.b
	s.t.wrote = true
	if err := b.tasks.Put(key, v); err != nil {
		return fmt.Errorf("boltstore: %s %s: %w", op, t.ID, err)
	}
	if old != nil {
		for _, e := range taskIndexEntries(b, key, old) {
			if err := e.bucket.Delete(e.key); err != nil {
				return fmt.Errorf("boltstore: %s %s: index: %w", op, t.ID, err)
			}
		}
	}
	for _, e := range taskIndexEntries(b, key, t) {
		if err := e.bucket.Put(e.key, e.value); err != nil {
			return fmt.Errorf("boltstore: %s %s: index: %w", op, t.ID, err)
		}
	}
	return nil
}

type indexEntry struct {
	bucket     *bbolt.Bucket
	key, value []byte
}

// taskIndexEntries returns the index entries of t, stored under key.
func taskIndexEntries(b buckets, key []byte, t *task.Task) []indexEntry {
	entries := []indexEntry{
		{b.tasksByAgent, taskIndexKey(t.AgentID, t, key), []byte(t.Status)},
	}
	if t.Status == task.Pending {
		// The deadline rides in the value, so that listing the offer
		// decodes only the tasks of the page it returns.
		entries = append(entries, indexEntry{b.tasksOpen, taskIndexKey(string(t.Type), t, key), timeKey(t.Deadline)})
	}
	if t.OperatorID != "" {
		entries = append(entries, indexEntry{b.tasksByOp, taskIndexKey(t.OperatorID, t, key), []byte{}})
	}
	return entries
}

// taskIndexKey returns the key of t in an index: the selecting value, a
// zero byte, t's creation time (timeKey) and t's key, so that each index
// lists tasks by creation time, then id, whatever order the ids have.
func taskIndexKey(value string, t *task.Task, key []byte) []byte {
	return indexKey(value, append(timeKey(t.CreatedAt), key...))
}

// indexKey returns the key of an entry in an index: the selecting value, a
// zero byte and the rest. Ids and skill names hold no zero byte.
func indexKey(value string, key []byte) []byte {
	k := make([]byte, 0, len(value)+1+len(key))
	k = append(k, value...)
	k = append(k, 0)
	return append(k, key...)
}

func (s tasks) Get(id string) (*task.Task, error) {
	key, ok := idKey(task.IDPrefix, id)
	if !ok {
		return nil, task.ErrNotFound
	}
	return s.get(key)
}

func (s tasks) get(key []byte) (*task.Task, error) {
	v := s.t.b.tasks.Get(key)
	if v == nil {
		return nil, task.ErrNotFound
	}
	t, err := decodeTask(key, v)
	if err != nil {
		return nil, fmt.Errorf("boltstore: get task %s: %w", keyID(task.IDPrefix, key), err)
	}
	return t, nil
}

func (s tasks) ListOpen(types skills.Set, now time.Time, offset, limit int) ([]*task.Task, int, error) {
	var curs []*reverseCursor
	for _, sk := range types.Skills() {
		curs = append(curs, newReverseCursor(s.t.b.tasksOpen, string(sk)))
	}
	beforeDeadline := func(v []byte) bool { return len(v) >= timeKeyLen && keyTime(v).After(now) }
	return s.list(curs, beforeDeadline, nil, offset, limit)
}

func (s tasks) ListByAgent(agentID string, status task.Status, offset, limit int) ([]*task.Task, int, error) {
	var withStatus func([]byte) bool
	if status != "" {
		withStatus = func(v []byte) bool { return string(v) == string(status) }
	}
	curs := []*reverseCursor{newReverseCursor(s.t.b.tasksByAgent, agentID)}
	return s.list(curs, withStatus, nil, offset, limit)
}

func (s tasks) ListByOperator(operatorID string, offset, limit int) ([]*task.Task, int, error) {
	if operatorID == "" {
		return []*task.Task{}, 0, nil
	}
	curs := []*reverseCursor{newReverseCursor(s.t.b.tasksByOp, operatorID)}
	return s.list(curs, nil, nil, offset, limit)
}

// list walks the index entries of the cursors merged, newest task first.
// An entry counts when keepValue (if any) accepts its value and keepTask (if
// any) accepts its task; tasks are read only when keepTask needs them or
// they fall in the page.
func (s tasks) list(curs []*reverseCursor, keepValue func([]byte) bool, keepTask func(*task.Task) bool,
	offset, limit int) ([]*task.Task, int, error) {
	out := []*task.Task{}
	total := 0
	for {
		var c *reverseCursor
		for _, cc := range curs {
			if cc.key != nil && (c == nil || bytes.Compare(cc.key, c.key) > 0) {
				c = cc
			}
		}
		if c == nil {
			return out, total, nil
		}
		keep := keepValue == nil || keepValue(c.value)
		inPage := total >= offset && len(out) < limit
		var t *task.Task
		if keep && (keepTask != nil || inPage) {
			var err error
			taskKey := c.key[timeKeyLen:]
			if t, err = s.get(taskKey); err != nil {
				return nil, 0, fmt.Errorf("boltstore: index entry of task %s: %w", keyID(task.IDPrefix, taskKey), err)
			}
			keep = keepTask == nil || keepTask(t)
		}
		c.next()
		if !keep {
			continue
		}
		if inPage {
			out = append(out, t)
		}
		total++
	}
}

// reverseCursor walks the entries of an index for one selecting value, last
// (newest) first. key is the rest of the current entry's key after the
// selecting value (creation time and task key), nil at the end.
type reverseCursor struct {
	c          *bbolt.Cursor
	prefix     []byte
	key, value []byte
}

func newReverseCursor(b *bbolt.Bucket, value string) *reverseCursor {
	r := &reverseCursor{c: b.Cursor(), prefix: indexKey(value, nil)}
	// The entries sort before value + 1; start from the last of them.
	end := indexKey(value, nil)
	end[len(end)-1] = 1
	if k, _ := r.c.Seek(end); k == nil {
		r.set(r.c.Last())
	} else {
		r.set(r.c.Prev())
	}
	return r
}

func (r *reverseCursor) next() { r.set(r.c.Prev()) }

func (r *reverseCursor) set(k, v []byte) {
	if k == nil || !bytes.HasPrefix(k, r.prefix) {
		r.key, r.value = nil, nil
		return
	}
	r.key, r.value = k[len(r.prefix):], v
}
