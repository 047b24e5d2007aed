package task

import (
	"time"

	"github.com/humop/humop/skills"
)

// Store keeps tasks. Implementations are bound to one transaction (see
// humop.Tx) and need not be safe for concurrent use on their own. They hand
// out copies (see Task.Clone): changing a task returned by a Store changes
// nothing until it is passed to Replace.
//
// The List methods page through their results: they skip offset matches,
// return at most limit tasks (limit is at least 1; callers bound it by
// MaxLimit), and report the number of all matches, which does not depend on
// offset or limit. Every list is newest first: by CreatedAt descending, ties
// broken by ID descending (ULIDs sort by time, so this is also creation
// order). An offset past the end gives an empty list and the full total.
type Store interface {
	// Insert adds t. A task with the same id already stored is an error
	// (a programming error: ids are unique).
	Insert(t *Task) error
	// Get returns the task with the id, or ErrNotFound.
	Get(id string) (*Task, error)
	// Replace stores t over the task with the same id, or returns
	// ErrNotFound when there is none. Indexes follow any change of Status,
	// OperatorID or anything else a List method selects on.
	Replace(t *Task) error
	// ListOpen returns the tasks on offer to an operator with the given
	// skills: status PENDING, Deadline strictly after now, Type in types.
	// Adapters index tasks by (status, type) so that the cost depends on
	// the matching tasks, not on tasks of other types or statuses; the
	// deadline is filtered while scanning that index.
	ListOpen(types skills.Set, now time.Time, offset, limit int) ([]*Task, int, error)
	// ListByAgent returns the tasks the agent posted, with the given
	// status, or with any status when status is "".
	ListByAgent(agentID string, status Status, offset, limit int) ([]*Task, int, error)
	// ListByOperator returns the tasks the operator holds or held to the
	// end, whatever their status: every task whose OperatorID is the
	// operator's. A task whose estimate was rejected no longer has the
	// operator as holder and is not listed.
	ListByOperator(operatorID string, offset, limit int) ([]*Task, int, error)
}

// Page sizes for the List methods, as the wire contract sets them.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// Page is a window on a list: skip Offset matches, return at most Limit.
type Page struct {
	Offset int
	Limit  int
}

// Check reports whether p is a valid page: Offset at least 0 and Limit from
// 1 to MaxLimit. The error is a *fault.Error of kind Invalid naming the query
// parameter, "offset" or "limit". Callers put DefaultLimit in Limit when the
// client gives none.
func (p Page) Check() error {
	if p.Offset < 0 {
		return invalid("offset", "offset must be a whole number of at least 0")
	}
	if p.Limit < 1 || p.Limit > MaxLimit {
		return invalid("limit", "limit must be a whole number from 1 to %d", MaxLimit)
	}
	return nil
}
