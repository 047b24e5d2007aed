package webhook

import (
	"context"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/humop/humop/task"
)

// Source hands out the task events waiting in a store's outbox and hears
// when one is done with; *humop.Service is one.
type Source interface {
	PendingEvents(ctx context.Context, limit int) ([]task.Event, error)
	EventDone(ctx context.Context, id string) error
}

// DefaultPoll is how often a Relay looks for events when nothing wakes it.
const DefaultPoll = time.Second

// Relay carries events from a Source's outbox to a Dispatcher and removes
// each from the outbox once it was delivered or given up. Events written
// before a crash are still in the outbox and are sent when a Relay runs
// again: delivery is at least once, and receivers should expect, rarely, the
// same event twice (the body is the same; X-Timestamp may differ).
type Relay struct {
	src  Source
	d    *Dispatcher
	poll time.Duration
	log  zerolog.Logger
	wake chan struct{}

	mu       sync.Mutex
	inFlight map[string]bool // handed to the dispatcher, not yet done
}

// NewRelay returns a Relay from src to d that looks for events at least
// every poll (DefaultPoll when zero) and whenever woken.
func NewRelay(src Source, d *Dispatcher, poll time.Duration, log zerolog.Logger) *Relay {
	if poll <= 0 {
		poll = DefaultPoll
	}
	return &Relay{src: src, d: d, poll: poll, log: log, wake: make(chan struct{}, 1),
		inFlight: make(map[string]bool)}
}

// Wake tells the relay that new events may be waiting. It never blocks.
func (r *Relay) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run relays until ctx is done.
func (r *Relay) Run(ctx context.Context) {
	tick := time.NewTicker(r.poll)
	defer tick.Stop()
	for {
		r.pass(ctx)
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		case <-tick.C:
		}
	}
}

// pass hands every waiting event not yet in flight to the dispatcher.
func (r *Relay) pass(ctx context.Context) {
	const batch = 500
	events, err := r.src.PendingEvents(ctx, batch)
	if err != nil {
		if ctx.Err() == nil {
			r.log.Error().Err(err).Msg("reading the webhook outbox failed")
		}
		return
	}
	for _, e := range events {
		r.mu.Lock()
		busy := r.inFlight[e.ID]
		r.inFlight[e.ID] = true
		r.mu.Unlock()
		if busy {
			continue
		}
		id := e.ID
		r.d.SendThen(e.CallbackURL, e.CallbackSecret, Event{
			Event:          EventStatusChanged,
			TaskID:         e.TaskID,
			Status:         string(e.To),
			PreviousStatus: string(e.From),
			Timestamp:      e.At.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		}, func(bool) { r.done(id) })
	}
}

// done removes a finished event from the outbox. A failure to remove it
// only means it will be sent again.
func (r *Relay) done(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.src.EventDone(ctx, id); err != nil {
		r.log.Error().Err(err).Str("event_id", id).Msg("removing a sent webhook from the outbox failed")
	}
	r.mu.Lock()
	delete(r.inFlight, id)
	r.mu.Unlock()
}
