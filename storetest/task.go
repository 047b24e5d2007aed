package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/oklog/ulid/v2"

	"github.com/humop/humop"
	"github.com/humop/humop/skills"
	"github.com/humop/humop/task"
)

var taskChecks = []check{
	{"inserted task reads back unchanged", testTaskRoundTrip},
	{"unknown or malformed task id is ErrNotFound", testTaskNotFound},
	{"insert of a used task id fails and changes nothing", testTaskDuplicateID},
	{"replace of unknown task is ErrNotFound", testTaskReplaceNotFound},
	{"lists are newest first and paged with the full total", testTaskPaging},
	{"lists order by creation time, then id, whatever order the ids have", testTaskOrderByTime},
	{"list open stays right through many tasks leaving and rejoining the offer", testTaskOpenChurn},
	{"list by agent filters by status", testTaskByAgentStatus},
	{"list open keeps pending tasks of the given types before their deadline", testTaskListOpen},
	{"lists follow replaced status, holder and type", testTaskIndexesFollowReplace},
	{"lists see the writes of their own update", testTaskListOwnWrites},
	{"changing a returned task does not change the store", testTaskCopyOut},
}

// taskOpts compare tasks; empty lists may come back nil.
var taskOpts = cmp.Options{cmpopts.EquateEmpty()}

// newTask returns a pending task of the agent with a new id, created n
// minutes after stamp; ids and creation times grow together.
func newTask(agentID string, typ skills.Skill, n int) *task.Task {
	created := stamp.Add(time.Duration(n) * time.Minute)
	return &task.Task{
		ID:                task.IDPrefix + ulid.Make().String(),
		AgentID:           agentID,
		Title:             "Photograph the storefront",
		Description:       "Two photos of the entrance, daylight.",
		Type:              typ,
		Location:          &task.Location{Lat: 38.722252, Lng: -9.139337, Address: "Rua Augusta 1, Lisboa"},
		Reward:            1250,
		Deadline:          created.Add(48*time.Hour + 7),
		ProofRequirements: []string{"photo of the door", "photo of the sign"},
		CallbackURL:       "https://agent.example.com/hook",
		CallbackSecret:    "s3cret",
		Status:            task.Pending,
		CreatedAt:         created,
		UpdatedAt:         created,
	}
}

const testAgentID = "ag_01JQ8ZV4Y9D8GJ0X5ZKQ4W3M2N"

func insertTasks(t *testing.T, st humop.Store, ts ...*task.Task) {
	t.Helper()
	update(t, st, func(tx humop.Tx) error {
		for _, tk := range ts {
			if err := tx.Tasks().Insert(tk); err != nil {
				return err
			}
		}
		return nil
	})
}

func replaceTask(t *testing.T, st humop.Store, tk *task.Task) {
	t.Helper()
	update(t, st, func(tx humop.Tx) error { return tx.Tasks().Replace(tk) })
}

func getTask(st humop.Store, id string) (*task.Task, error) {
	var tk *task.Task
	err := st.View(context.Background(), func(tx humop.Tx) error {
		var err error
		tk, err = tx.Tasks().Get(id)
		return err
	})
	return tk, err
}

// listed is the result of a List method as ids and total.
type listed struct {
	IDs   []string
	Total int
}

func asListed(ts []*task.Task, total int, err error) (listed, error) {
	l := listed{IDs: []string{}, Total: total}
	for _, tk := range ts {
		l.IDs = append(l.IDs, tk.ID)
	}
	return l, err
}

// list runs one List call in a View.
func list(t *testing.T, st humop.Store, fn func(task.Store) ([]*task.Task, int, error)) listed {
	t.Helper()
	var l listed
	view(t, st, func(tx humop.Tx) error {
		var err error
		l, err = asListed(fn(tx.Tasks()))
		return err
	})
	return l
}

func ids(ts ...*task.Task) []string {
	out := []string{}
	for _, tk := range ts {
		out = append(out, tk.ID)
	}
	return out
}

func checkList(t *testing.T, call string, got listed, want ...*task.Task) {
	t.Helper()
	checkListTotal(t, call, got, len(want), want...)
}

func checkListTotal(t *testing.T, call string, got listed, total int, want ...*task.Task) {
	t.Helper()
	if diff := cmp.Diff(listed{IDs: ids(want...), Total: total}, got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", call, diff)
	}
}

func testTaskRoundTrip(t *testing.T, st humop.Store) {
	bare := newTask(testAgentID, skills.CaptchaSolving, 0)
	bare.Location, bare.ProofRequirements, bare.CallbackURL, bare.CallbackSecret = nil, nil, "", ""
	full := newTask(testAgentID, skills.Photo, 1)
	full.Status = task.Completed
	full.OperatorID = "op_01JQ8ZV4Y9D8GJ0X5ZKQ4W3M2N"
	full.Estimate = &task.Estimate{Days: 1, Hours: 2, Minutes: 3, Note: "after work"}
	full.Submission = &task.Submission{Note: "done", At: stamp.Add(3 * time.Hour), Proof: []task.ProofItem{
		{Requirement: "photo of the door", URL: "https://files.example.com/1.jpg", Note: "left"},
		{Requirement: "photo of the sign", URL: "https://files.example.com/2.jpg"},
	}}
	full.Quality, full.RejectionReason, full.DisputeReason = 4, "too slow", "blurry"
	for i, at := range []*time.Time{&full.ClaimedAt, &full.AcceptedAt, &full.StartedAt, &full.SubmittedAt,
		&full.VerifiedAt, &full.CompletedAt, &full.CancelledAt, &full.DisputedAt, &full.UpdatedAt} {
		*at = stamp.Add(time.Duration(i+1)*time.Hour + time.Duration(i+1))
	}
	insertTasks(t, st, bare, full)

	for _, want := range []*task.Task{bare, full} {
		got, err := getTask(st, want.ID)
		if err != nil {
			t.Fatalf("Get(%s) = %v", want.ID, err)
		}
		if diff := cmp.Diff(want, got, taskOpts); diff != "" {
			t.Errorf("Get after Insert (-want +got):\n%s", diff)
		}
	}
}

func testTaskNotFound(t *testing.T, st humop.Store) {
	known := newTask(testAgentID, skills.Photo, 0)
	insertTasks(t, st, known)

	for _, id := range []string{task.IDPrefix + ulid.Make().String(), "", task.IDPrefix, "task_nope",
		known.ID[len(task.IDPrefix):]} {
		if _, err := getTask(st, id); !errors.Is(err, task.ErrNotFound) {
			t.Errorf("Get(%q) = %v, want ErrNotFound", id, err)
		}
	}
}

func testTaskDuplicateID(t *testing.T, st humop.Store) {
	want := newTask(testAgentID, skills.Photo, 0)
	insertTasks(t, st, want)

	dup := want.Clone()
	dup.Title = "Other"
	dup.AgentID = "ag_01JQ9000000000000000000000"
	update(t, st, func(tx humop.Tx) error {
		if err := tx.Tasks().Insert(dup); err == nil {
			t.Error("Insert of a used id = nil, want an error")
		}
		return nil
	})

	got, err := getTask(st, want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, taskOpts); diff != "" {
		t.Errorf("task after a refused Insert (-want +got):\n%s", diff)
	}
	checkList(t, "ListByAgent(other agent)",
		list(t, st, func(s task.Store) ([]*task.Task, int, error) { return s.ListByAgent(dup.AgentID, "", 0, 10) }))
}

func testTaskReplaceNotFound(t *testing.T, st humop.Store) {
	for _, tk := range []*task.Task{newTask(testAgentID, skills.Photo, 0), {ID: "task_nope"}} {
		err := st.Update(context.Background(), func(tx humop.Tx) error { return tx.Tasks().Replace(tk) })
		if !errors.Is(err, task.ErrNotFound) {
			t.Errorf("Replace(%q) = %v, want ErrNotFound", tk.ID, err)
		}
	}
}

func testTaskPaging(t *testing.T, st humop.Store) {
	var mine []*task.Task
	for i := range 5 {
		mine = append(mine, newTask(testAgentID, skills.Photo, i))
	}
	other := newTask("ag_01JQ9000000000000000000000", skills.Photo, 9)
	insertTasks(t, st, mine[3], other, mine[0], mine[4], mine[1], mine[2]) // order of insertion must not matter

	for _, tc := range []struct {
		offset, limit int
		want          []*task.Task
	}{
		{0, 2, []*task.Task{mine[4], mine[3]}},
		{2, 2, []*task.Task{mine[2], mine[1]}},
		{4, 10, []*task.Task{mine[0]}},
		{5, 10, nil},
		{9, 1, nil},
		{0, 100, []*task.Task{mine[4], mine[3], mine[2], mine[1], mine[0]}},
	} {
		got := list(t, st, func(s task.Store) ([]*task.Task, int, error) {
			return s.ListByAgent(testAgentID, "", tc.offset, tc.limit)
		})
		checkListTotal(t, "ListByAgent", got, 5, tc.want...)
	}
}

func testTaskOrderByTime(t *testing.T, st humop.Store) {
	// Ids made in one order, creation times in another (a clock set back,
	// an embedder's Now), and two tasks created at the same instant.
	a := newTask(testAgentID, skills.Photo, 30)
	b := newTask(testAgentID, skills.Photo, 10)
	c := newTask(testAgentID, skills.Photo, 20)
	d := newTask(testAgentID, skills.Photo, 20)
	c.OperatorID, d.OperatorID = "op_01JQ8ZV4Y9D8GJ0X5ZKQ4W3M2P", "op_01JQ8ZV4Y9D8GJ0X5ZKQ4W3M2P"
	c.Status, d.Status = task.EstimatePending, task.EstimatePending
	insertTasks(t, st, d, b, a, c)
	want := []*task.Task{a, d, c, b} // d's id is larger than c's: it wins the tie
	got := list(t, st, func(s task.Store) ([]*task.Task, int, error) {
		return s.ListByAgent(testAgentID, "", 0, 10)
	})
	checkList(t, "ListByAgent", got, want...)
	got = list(t, st, func(s task.Store) ([]*task.Task, int, error) {
		return s.ListOpen(skills.Of(skills.Photo), stamp, 0, 10)
	})
	checkList(t, "ListOpen", got, a, b)
	got = list(t, st, func(s task.Store) ([]*task.Task, int, error) {
		return s.ListByOperator("op_01JQ8ZV4Y9D8GJ0X5ZKQ4W3M2P", 0, 10)
	})
	checkList(t, "ListByOperator", got, d, c)
}

func testTaskOpenChurn(t *testing.T, st humop.Store) {
	var all []*task.Task
	for i := range 300 {
		all = append(all, newTask(testAgentID, skills.Photo, i))
	}
	insertTasks(t, st, all...)
	// Claim 250 of them one transaction at a time, then put 20 back on
	// offer: the open list must follow every move.
	open := map[string]bool{}
	for _, tk := range all {
		open[tk.ID] = true
	}
	for i, tk := range all[:250] {
		tk.Status, tk.OperatorID = task.EstimatePending, "op_01JQ8ZV4Y9D8GJ0X5ZKQ4W3M2Q"
		replaceTask(t, st, tk)
		delete(open, tk.ID)
		if i%50 == 49 {
			got := list(t, st, func(s task.Store) ([]*task.Task, int, error) {
				return s.ListOpen(skills.Of(skills.Photo), stamp, 0, task.MaxLimit)
			})
			if got.Total != len(open) {
				t.Fatalf("after %d claims ListOpen total = %d, want %d", i+1, got.Total, len(open))
			}
		}
	}
	for _, tk := range all[100:120] {
		tk.Status, tk.OperatorID = task.Pending, ""
		replaceTask(t, st, tk)
		open[tk.ID] = true
	}
	var want []*task.Task
	for i := len(all) - 1; i >= 0; i-- {
		if open[all[i].ID] {
			want = append(want, all[i])
		}
	}
	got := list(t, st, func(s task.Store) ([]*task.Task, int, error) {
		return s.ListOpen(skills.Of(skills.Photo), stamp, 0, task.MaxLimit)
	})
	checkListTotal(t, "ListOpen", got, len(want), want[:min(len(want), task.MaxLimit)]...)
	got = list(t, st, func(s task.Store) ([]*task.Task, int, error) {
		return s.ListByOperator("op_01JQ8ZV4Y9D8GJ0X5ZKQ4W3M2Q", 0, 1)
	})
	if got.Total != 230 {
		t.Errorf("ListByOperator total = %d, want 230 (250 claimed, 20 released)", got.Total)
	}
}

func testTaskByAgentStatus(t *testing.T, st humop.Store) {
	a, b, c := newTask(testAgentID, skills.Photo, 0), newTask(testAgentID, skills.Photo, 1), newTask(testAgentID, skills.Photo, 2)
	b.Status, b.CancelledAt = task.Cancelled, stamp
	insertTasks(t, st, a, b, c)

	byStatus := func(status task.Status) listed {
		return list(t, st, func(s task.Store) ([]*task.Task, int, error) {
			return s.ListByAgent(testAgentID, status, 0, 10)
		})
	}
	checkList(t, "ListByAgent(PENDING)", byStatus(task.Pending), c, a)
	checkList(t, "ListByAgent(CANCELLED)", byStatus(task.Cancelled), b)
	checkList(t, "ListByAgent(COMPLETED)", byStatus(task.Completed))
	checkList(t, "ListByAgent(any)", byStatus(""), c, b, a)
}

func testTaskListOpen(t *testing.T, st humop.Store) {
	now := stamp.Add(24 * time.Hour)
	mk := func(typ skills.Skill, n int, deadline time.Time, status task.Status) *task.Task {
		tk := newTask(testAgentID, typ, n)
		tk.Deadline, tk.Status = deadline, status
		return tk
	}
	p1 := mk(skills.Photo, 1, now.Add(time.Hour), task.Pending)
	p2 := mk(skills.Delivery, 2, now.Add(2*time.Hour), task.Pending)
	due := mk(skills.Photo, 3, now, task.Pending) // deadline not strictly after now
	taken := mk(skills.Photo, 4, now.Add(time.Hour), task.Accepted)
	other := mk(skills.FormFilling, 5, now.Add(time.Hour), task.Pending)
	p6 := mk(skills.Photo, 6, now.Add(time.Nanosecond), task.Pending)
	insertTasks(t, st, p6, due, p1, other, taken, p2)

	open := func(types skills.Set, offset, limit int) listed {
		return list(t, st, func(s task.Store) ([]*task.Task, int, error) {
			return s.ListOpen(types, now, offset, limit)
		})
	}
	photoDelivery := skills.Of(skills.Photo, skills.Delivery)
	checkList(t, "ListOpen(PHOTO, DELIVERY)", open(photoDelivery, 0, 10), p6, p2, p1)
	checkListTotal(t, "ListOpen(PHOTO, DELIVERY) page 2 of 1", open(photoDelivery, 1, 1), 3, p2)
	checkList(t, "ListOpen(all)", open(skills.AllSet(), 0, 10), p6, other, p2, p1)
	checkList(t, "ListOpen(none)", open(0, 0, 10))
}

func testTaskIndexesFollowReplace(t *testing.T, st humop.Store) {
	const op1 = "op_01JQ8ZV4Y9D8GJ0X5ZKQ4W3M2N"
	now := stamp
	tk := newTask(testAgentID, skills.Photo, 0)
	insertTasks(t, st, tk)
	openPhoto := func() listed {
		return list(t, st, func(s task.Store) ([]*task.Task, int, error) {
			return s.ListOpen(skills.Of(skills.Photo), now, 0, 10)
		})
	}
	byOp := func() listed {
		return list(t, st, func(s task.Store) ([]*task.Task, int, error) { return s.ListByOperator(op1, 0, 10) })
	}
	byAgent := func(status task.Status) listed {
		return list(t, st, func(s task.Store) ([]*task.Task, int, error) {
			return s.ListByAgent(testAgentID, status, 0, 10)
		})
	}

	claimed := tk.Clone()
	claimed.Status, claimed.OperatorID, claimed.ClaimedAt = task.EstimatePending, op1, stamp
	replaceTask(t, st, claimed)
	checkList(t, "ListOpen after claim", openPhoto())
	checkList(t, "ListByOperator after claim", byOp(), tk)
	checkList(t, "ListByAgent(PENDING) after claim", byAgent(task.Pending))
	checkList(t, "ListByAgent(ESTIMATE_PENDING) after claim", byAgent(task.EstimatePending), tk)

	rejected := claimed.Clone()
	rejected.Status, rejected.OperatorID, rejected.ClaimedAt = task.Pending, "", time.Time{}
	replaceTask(t, st, rejected)
	checkList(t, "ListOpen after rejected estimate", openPhoto(), tk)
	checkList(t, "ListByOperator after rejected estimate", byOp())
	checkList(t, "ListByAgent(ESTIMATE_PENDING) after rejected estimate", byAgent(task.EstimatePending))

	retyped := rejected.Clone()
	retyped.Type = skills.Delivery
	replaceTask(t, st, retyped)
	checkList(t, "ListOpen(PHOTO) after changing the type", openPhoto())
	got := list(t, st, func(s task.Store) ([]*task.Task, int, error) {
		return s.ListOpen(skills.Of(skills.Delivery), now, 0, 10)
	})
	checkList(t, "ListOpen(DELIVERY) after changing the type", got, tk)
}

func testTaskListOwnWrites(t *testing.T, st humop.Store) {
	old := newTask(testAgentID, skills.Photo, 0)
	insertTasks(t, st, old)

	tk := newTask(testAgentID, skills.Photo, 1)
	update(t, st, func(tx humop.Tx) error {
		s := tx.Tasks()
		if err := s.Insert(tk); err != nil {
			return err
		}
		got, err := asListed(s.ListOpen(skills.Of(skills.Photo), stamp, 0, 10))
		if err != nil {
			return err
		}
		checkList(t, "ListOpen after Insert in one Update", got, tk, old)

		next := old.Clone()
		next.Status = task.Cancelled
		if err := s.Replace(next); err != nil {
			return err
		}
		got, err = asListed(s.ListByAgent(testAgentID, task.Pending, 0, 10))
		if err != nil {
			return err
		}
		checkList(t, "ListByAgent(PENDING) after Replace in one Update", got, tk)
		return nil
	})
}

func testTaskCopyOut(t *testing.T, st humop.Store) {
	want := newTask(testAgentID, skills.Photo, 0)
	want.Submission = &task.Submission{At: stamp, Proof: []task.ProofItem{{Requirement: "r", URL: "https://x.example/"}}}
	insertTasks(t, st, want.Clone())

	got, err := getTask(st, want.ID)
	if err != nil {
		t.Fatal(err)
	}
	got.ProofRequirements[0] = "changed"
	got.Location.Address = "changed"
	got.Submission.Proof[0].URL = "changed"
	got, err = getTask(st, want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, taskOpts); diff != "" {
		t.Errorf("Get after changing a returned task (-want +got):\n%s", diff)
	}
}
