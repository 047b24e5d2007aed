package memstore

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/humop/humop/skills"
	"github.com/humop/humop/task"
)

type tasks struct{ t *tx }

func (s tasks) Insert(t *task.Task) error {
	if err := s.t.checkWritable(); err != nil {
		return err
	}
	if _, ok := s.t.d.tasks.get(t.ID); ok {
		return fmt.Errorf("memstore: insert task %s: id already used", t.ID)
	}
	s.t.d.tasks.put(t.ID, t.Clone())
	return nil
}

func (s tasks) Get(id string) (*task.Task, error) {
	t, ok := s.t.d.tasks.get(id)
	if !ok {
		return nil, task.ErrNotFound
	}
	return t.Clone(), nil
}

func (s tasks) Replace(t *task.Task) error {
	if err := s.t.checkWritable(); err != nil {
		return err
	}
	if _, ok := s.t.d.tasks.get(t.ID); !ok {
		return task.ErrNotFound
	}
	s.t.d.tasks.put(t.ID, t.Clone())
	return nil
}

// dirty reports whether this transaction has written tasks, in which case
// the committed index does not tell the whole truth and lists scan instead.
func (s tasks) dirty() bool { return len(s.t.d.tasks.pending) > 0 }

func (s tasks) ListOpen(types skills.Set, now time.Time, offset, limit int) ([]*task.Task, int, error) {
	keep := func(t *task.Task) bool {
		return t.Status == task.Pending && types.Has(t.Type) && t.Deadline.After(now)
	}
	if s.dirty() {
		return s.scan(keep, offset, limit)
	}
	var lists [][]string
	for _, sk := range types.Skills() {
		lists = append(lists, s.t.d.taskIndex.open[sk])
	}
	return s.page(mergeNewest(lists), keep, offset, limit)
}

func (s tasks) ListByAgent(agentID string, status task.Status, offset, limit int) ([]*task.Task, int, error) {
	keep := func(t *task.Task) bool {
		return t.AgentID == agentID && (status == "" || t.Status == status)
	}
	if s.dirty() {
		return s.scan(keep, offset, limit)
	}
	return s.page(newest(s.t.d.taskIndex.byAgent[agentID]), keep, offset, limit)
}

func (s tasks) ListByOperator(operatorID string, offset, limit int) ([]*task.Task, int, error) {
	keep := func(t *task.Task) bool { return t.OperatorID == operatorID }
	if s.dirty() {
		return s.scan(keep, offset, limit)
	}
	return s.page(newest(s.t.d.taskIndex.byOperator[operatorID]), keep, offset, limit)
}

// page walks ids (newest first), counting every task kept and copying those
// inside the window.
func (s tasks) page(ids func(yield func(string) bool), keep func(*task.Task) bool, offset, limit int) ([]*task.Task, int, error) {
	out := []*task.Task{}
	total := 0
	for key := range ids {
		t, ok := s.t.d.tasks.get(idOf(key))
		if !ok || !keep(t) {
			continue
		}
		if total >= offset && len(out) < limit {
			out = append(out, t.Clone())
		}
		total++
	}
	return out, total, nil
}

// scan lists by looking at every task, committed or written in this
// transaction.
func (s tasks) scan(keep func(*task.Task) bool, offset, limit int) ([]*task.Task, int, error) {
	d := s.t.d
	var keys []string
	for id, t := range d.tasks.rows {
		if _, written := d.tasks.pending[id]; !written {
			keys = append(keys, sortKey(t))
		}
	}
	for _, t := range d.tasks.pending {
		keys = append(keys, sortKey(t))
	}
	slices.Sort(keys)
	return s.page(newest(keys), keep, offset, limit)
}

// taskIndex holds, for committed tasks, sort keys in ascending order of the
// open tasks of each type, and of every task by agent and by holder. A sort
// key is the creation time, fixed width, then the id (see sortKey), so lists
// walk them backwards for newest first, ties broken by id.
//
// A task leaving PENDING is not removed from its open list at once, which
// would copy the list on every claim: lists check each task's status
// anyway, and a list is compacted once more than half of it may be stale.
type taskIndex struct {
	open       map[skills.Skill][]string
	stale      map[skills.Skill]int // open entries that may have left PENDING
	byAgent    map[string][]string
	byOperator map[string][]string
}

// update indexes next, which replaces old (nil for a new task). Only the
// lists whose membership changes are touched.
func (x *taskIndex) update(old, next *task.Task) {
	if x.open == nil {
		x.open = make(map[skills.Skill][]string)
		x.stale = make(map[skills.Skill]int)
		x.byAgent = make(map[string][]string)
		x.byOperator = make(map[string][]string)
	}
	k := sortKey(next)
	if old == nil {
		x.byAgent[next.AgentID] = insertSorted(x.byAgent[next.AgentID], k)
	}
	wasOpen := old != nil && old.Status == task.Pending
	if wasOpen && old.Type != next.Type {
		// Rare (the domain never retypes a task), so removed at once: a
		// stale entry in another type's list could list the task twice.
		x.open[old.Type] = removeSorted(x.open[old.Type], sortKey(old))
		wasOpen = false
	}
	switch {
	case next.Status == task.Pending && !wasOpen:
		x.open[next.Type] = insertSorted(x.open[next.Type], k)
	case next.Status != task.Pending && wasOpen:
		x.stale[next.Type]++
	}
	if old == nil || old.OperatorID != next.OperatorID {
		if old != nil && old.OperatorID != "" {
			x.byOperator[old.OperatorID] = removeSorted(x.byOperator[old.OperatorID], sortKey(old))
		}
		if next.OperatorID != "" {
			x.byOperator[next.OperatorID] = insertSorted(x.byOperator[next.OperatorID], k)
		}
	}
}

// compact drops the entries of open lists whose task has left PENDING,
// once they may be more than half of a list.
func (x *taskIndex) compact(rows map[string]*task.Task) {
	for typ, n := range x.stale {
		list := x.open[typ]
		if n <= 64 || n <= len(list)/2 {
			continue
		}
		kept := list[:0:0]
		for _, k := range list {
			if t, ok := rows[idOf(k)]; ok && t.Status == task.Pending {
				kept = append(kept, k)
			}
		}
		x.open[typ] = kept
		x.stale[typ] = 0
	}
}

// sortKey orders tasks by creation time, then id. Times before 1970 or
// after 2262 do not occur: the key is the Unix nanoseconds in 20 digits.
func sortKey(t *task.Task) string {
	return fmt.Sprintf("%020d|%s", t.CreatedAt.UnixNano(), t.ID)
}

// idOf returns the id in a sort key.
func idOf(key string) string { return key[strings.IndexByte(key, '|')+1:] }

func insertSorted(ids []string, id string) []string {
	if n := len(ids); n == 0 || ids[n-1] < id {
		return append(ids, id) // the usual case: a new, newest id
	}
	i, found := slices.BinarySearch(ids, id)
	if found {
		return ids
	}
	return slices.Insert(ids, i, id)
}

func removeSorted(ids []string, id string) []string {
	i, found := slices.BinarySearch(ids, id)
	if !found {
		return ids
	}
	return slices.Delete(ids, i, i+1)
}

// newest yields ids from last to first.
func newest(ids []string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for i := len(ids) - 1; i >= 0; i-- {
			if !yield(ids[i]) {
				return
			}
		}
	}
}

// mergeNewest yields the ids of several ascending lists, largest first.
func mergeNewest(lists [][]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		pos := make([]int, len(lists))
		for i, l := range lists {
			pos[i] = len(l) - 1
		}
		for {
			best := -1
			for i, l := range lists {
				if pos[i] >= 0 && (best < 0 || strings.Compare(l[pos[i]], lists[best][pos[best]]) > 0) {
					best = i
				}
			}
			if best < 0 {
				return
			}
			if !yield(lists[best][pos[best]]) {
				return
			}
			pos[best]--
		}
	}
}
