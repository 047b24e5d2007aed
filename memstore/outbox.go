package memstore

import (
	"fmt"
	"slices"

	"github.com/humop/humop/task"
)

type outbox struct{ t *tx }

func (s outbox) Add(e task.Event) error {
	if err := s.t.checkWritable(); err != nil {
		return err
	}
	if _, ok := s.t.d.events.get(e.ID); ok {
		return fmt.Errorf("memstore: add event %s: id already used", e.ID)
	}
	s.t.d.events.put(e.ID, e)
	return nil
}

// Pending sorts the ids of every waiting event: the outbox holds only what
// is not yet delivered, a short list.
func (s outbox) Pending(limit int) ([]task.Event, error) {
	d := s.t.d
	var ids []string
	for id := range d.events.rows {
		if _, written := d.events.pending[id]; !written && !d.events.deleted[id] {
			ids = append(ids, id)
		}
	}
	for id := range d.events.pending {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := []task.Event{}
	for _, id := range ids[:min(limit, len(ids))] {
		e, _ := d.events.get(id)
		out = append(out, e)
	}
	return out, nil
}

func (s outbox) Remove(id string) error {
	if err := s.t.checkWritable(); err != nil {
		return err
	}
	if _, ok := s.t.d.events.get(id); ok {
		s.t.d.events.del(id)
	}
	return nil
}
