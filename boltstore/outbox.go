package boltstore

import (
	"fmt"
	"time"

	"github.com/humop/humop/task"
)

// outboxRecord is a task event as stored under its ULID.
type outboxRecord struct {
	TaskID         string    `json:"task_id"`
	From           string    `json:"from"`
	To             string    `json:"to"`
	At             time.Time `json:"at"`
	CallbackURL    string    `json:"callback_url"`
	CallbackSecret string    `json:"callback_secret,omitempty"`
}

// outbox is the task.Outbox of one transaction.
type outbox struct{ t *tx }

func (s outbox) Add(e task.Event) error {
	if err := s.t.checkWritable("add event", e.ID); err != nil {
		return err
	}
	key, ok := idKey(task.EventIDPrefix, e.ID)
	if !ok {
		return fmt.Errorf("boltstore: add event %q: id is not %q and a ULID", e.ID, task.EventIDPrefix)
	}
	if s.t.b.outbox.Get(key) != nil {
		return fmt.Errorf("boltstore: add event %s: id already used", e.ID)
	}
	v, err := marshal(outboxRecord{
		TaskID: e.TaskID, From: string(e.From), To: string(e.To), At: e.At.UTC(),
		CallbackURL: e.CallbackURL, CallbackSecret: e.CallbackSecret,
	})
	if err != nil {
		return fmt.Errorf("boltstore: add event %s: %w", e.ID, err)
	}
	s.t.wrote = true
	if err := s.t.b.outbox.Put(key, v); err != nil {
		return fmt.Errorf("boltstore: add event %s: %w", e.ID, err)
	}
	return nil
}

// Pending walks the bucket from its first key: ULIDs sort oldest first.
func (s outbox) Pending(limit int) ([]task.Event, error) {
	out := []task.Event{}
	c := s.t.b.outbox.Cursor()
	for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
		var rec outboxRecord
		if err := unmarshal(v, &rec); err != nil {
			return nil, fmt.Errorf("boltstore: event %s: %w", keyID(task.EventIDPrefix, k), err)
		}
		out = append(out, task.Event{
			ID: keyID(task.EventIDPrefix, k), TaskID: rec.TaskID, From: task.Status(rec.From),
			To: task.Status(rec.To), At: rec.At, CallbackURL: rec.CallbackURL, CallbackSecret: rec.CallbackSecret,
		})
	}
	return out, nil
}

func (s outbox) Remove(id string) error {
	if err := s.t.checkWritable("remove event", id); err != nil {
		return err
	}
	key, ok := idKey(task.EventIDPrefix, id)
	if !ok || s.t.b.outbox.Get(key) == nil {
		return nil
	}
	s.t.wrote = true
	if err := s.t.b.outbox.Delete(key); err != nil {
		return fmt.Errorf("boltstore: remove event %s: %w", id, err)
	}
	return nil
}
