package task

import "time"

// EventIDPrefix starts every event id.
const EventIDPrefix = "evt_"

// Event is a status change of a task whose agent asked to hear of them (the
// task has a callback URL). It is written in the same transaction as the
// move it announces, so a change is never committed without its event, and
// stays in the Outbox until it has been delivered or given up.
type Event struct {
	ID     string // EventIDPrefix and a ULID: events of one store sort in the order they were written
	TaskID string
	From   Status
	To     Status
	At     time.Time
	// CallbackURL and CallbackSecret are the task's at the time of the
	// change. The secret is as secret here as on the task.
	CallbackURL    string
	CallbackSecret string
}

// Outbox keeps events until they are delivered. Implementations are bound
// to one transaction (see humop.Tx).
type Outbox interface {
	// Add stores e. An id already stored is an error.
	Add(e Event) error
	// Pending returns at most limit events, oldest (smallest id) first.
	Pending(limit int) ([]Event, error)
	// Remove deletes the event with the id; removing an absent event is
	// not an error, so a delivery acknowledged twice is harmless.
	Remove(id string) error
}
