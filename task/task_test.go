package task_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop/ledger"
	"github.com/humop/humop/skills"
	"github.com/humop/humop/task"
)

var (
	// posted is when test tasks are posted, in a zone other than UTC so
	// that normalisation shows.
	posted   = time.Date(2026, 4, 2, 14, 0, 0, 0, time.FixedZone("CEST", 2*60*60))
	deadline = posted.Add(48 * time.Hour)
)

// contract is the task status machine exactly as CONTRACT.md states it.
var contract = []struct {
	from, to task.Status
	actor    task.Actor
}{
	{task.Pending, task.EstimatePending, task.ActorOperator},
	{task.EstimatePending, task.Accepted, task.ActorAgent},
	{task.EstimatePending, task.Pending, task.ActorAgent},
	{task.Accepted, task.InProgress, task.ActorOperator},
	{task.InProgress, task.Submitted, task.ActorOperator},
	{task.Submitted, task.Verified, task.ActorGuardian},
	{task.Verified, task.Completed, task.ActorGuardian},
	{task.Submitted, task.ManualReview, task.ActorGuardian},
	{task.ManualReview, task.Completed, task.ActorAgent},
	{task.ManualReview, task.Disputed, task.ActorAgent},
	{task.Pending, task.Cancelled, task.ActorAgent},
	{task.EstimatePending, task.Cancelled, task.ActorAgent},
	{task.Accepted, task.Cancelled, task.ActorAgent},
}

var actors = []task.Actor{task.ActorOperator, task.ActorAgent, task.ActorGuardian}

func TestStatuses(t *testing.T) {
	want := []task.Status{"PENDING", "ESTIMATE_PENDING", "ACCEPTED", "IN_PROGRESS", "SUBMITTED",
		"VERIFIED", "MANUAL_REVIEW", "COMPLETED", "DISPUTED", "CANCELLED"}
	if diff := cmp.Diff(want, task.Statuses()); diff != "" {
		t.Errorf("Statuses() mismatch (-want +got):\n%s", diff)
	}
	for _, s := range want {
		if !s.Valid() {
			t.Errorf("Status(%q).Valid() = false, want true", s)
		}
	}
	for _, s := range []task.Status{"", "pending", "OPEN", "CLAIMED"} {
		if s.Valid() {
			t.Errorf("Status(%q).Valid() = true, want false", s)
		}
	}
}

func TestTerminal(t *testing.T) {
	terminal := map[task.Status]bool{task.Completed: true, task.Disputed: true, task.Cancelled: true}
	for _, s := range task.Statuses() {
		t.Run(fmt.Sprintf("%s terminal is %v", s, terminal[s]), func(t *testing.T) {
			if got := s.Terminal(); got != terminal[s] {
				t.Errorf("Status(%q).Terminal() = %v, want %v", s, got, terminal[s])
			}
		})
	}
	if task.Status("UNKNOWN").Terminal() {
		t.Errorf(`Status("UNKNOWN").Terminal() = true, want false`)
	}
}

func TestCanMoveAllowsTheContract(t *testing.T) {
	for _, m := range contract {
		t.Run(fmt.Sprintf("%s can move %s to %s", m.actor, m.from, m.to), func(t *testing.T) {
			if !task.CanMove(m.from, m.to, m.actor) {
				t.Errorf("CanMove(%s, %s, %s) = false, want true", m.from, m.to, m.actor)
			}
		})
	}
}

func TestCanMoveForbidsEverythingElse(t *testing.T) {
	allowed := make(map[[3]string]bool)
	for _, m := range contract {
		allowed[[3]string{string(m.from), string(m.to), string(m.actor)}] = true
	}
	for _, from := range task.Statuses() {
		t.Run(fmt.Sprintf("%s allows no move outside the contract", from), func(t *testing.T) {
			for _, to := range task.Statuses() {
				for _, actor := range actors {
					if allowed[[3]string{string(from), string(to), string(actor)}] {
						continue
					}
					if task.CanMove(from, to, actor) {
						t.Errorf("CanMove(%s, %s, %s) = true, want false", from, to, actor)
					}
				}
			}
		})
	}
	for _, tt := range []struct {
		from, to task.Status
		actor    task.Actor
	}{
		{task.Pending, task.EstimatePending, "system"},
		{task.Pending, task.EstimatePending, ""},
		{"", task.Pending, task.ActorAgent},
		{"pending", "estimate_pending", task.ActorOperator},
	} {
		t.Run(fmt.Sprintf("unknown %q %q to %q cannot move", tt.actor, tt.from, tt.to), func(t *testing.T) {
			if task.CanMove(tt.from, tt.to, tt.actor) {
				t.Errorf("CanMove(%q, %q, %q) = true, want false", tt.from, tt.to, tt.actor)
			}
		})
	}
}

func TestCloneIsDeep(t *testing.T) {
	orig := at(t, task.Submitted)
	orig.Location = &task.Location{Lat: 52.5, Lng: 13.4, Address: "Alexanderplatz 1, Berlin"}
	want := orig.Clone()
	if diff := cmp.Diff(orig, want); diff != "" {
		t.Fatalf("Clone() differs from the original (-want +got):\n%s", diff)
	}

	c := orig.Clone()
	c.ProofRequirements[0] = "changed"
	c.Location.Address = "changed"
	c.Estimate.Note = "changed"
	c.Submission.Note = "changed"
	c.Submission.Proof[0].URL = "https://changed.example"
	if diff := cmp.Diff(want, orig); diff != "" {
		t.Errorf("changing a clone changed the original (-want +got):\n%s", diff)
	}
}

func TestCloneOfFreshTask(t *testing.T) {
	orig := newTask(t)
	if diff := cmp.Diff(orig, orig.Clone()); diff != "" {
		t.Errorf("Clone() mismatch (-want +got):\n%s", diff)
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		status task.Status
		want   skills.Task
	}{
		{task.Pending, skills.Task{Type: skills.Photo, Open: true, Deadline: deadline.UTC()}},
		{task.EstimatePending, skills.Task{Type: skills.Photo, HolderID: "op_1", Deadline: deadline.UTC()}},
		{task.Cancelled, skills.Task{Type: skills.Photo, HolderID: "op_1", Deadline: deadline.UTC()}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s task gives the matcher its facts", tt.status), func(t *testing.T) {
			got := at(t, tt.status).Match()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Match() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// posting returns a valid posting for a physical task.
func posting() task.Posting {
	return task.Posting{
		Title:             "Photograph the shop front",
		Description:       "Take two photos of the shop front at Alexanderplatz.",
		Type:              skills.Photo,
		Reward:            ledger.Cents(1500),
		Deadline:          deadline,
		ProofRequirements: []string{"photo of the front", "photo of the opening hours"},
		Location:          &task.Location{Lat: 52.5219, Lng: 13.4132, Address: "Alexanderplatz 1, Berlin"},
		CallbackURL:       "https://agent.example/hooks/task",
		CallbackSecret:    "whsec_123",
	}
}

// newTask posts posting() at posted.
func newTask(t *testing.T) *task.Task {
	t.Helper()
	tk, err := task.New(posting(), "task_01", "ag_01", posted)
	if err != nil {
		t.Fatalf("New(posting()) = %v, want no error", err)
	}
	return tk
}

// Inputs of the moves that the tests use.
var (
	estimate   = task.Estimate{Hours: 2, Minutes: 30, Note: "on my way"}
	submission = task.Submission{
		Note: "done",
		Proof: []task.ProofItem{
			{Requirement: "photo of the front", URL: "https://cdn.example/front.jpg"},
			{Requirement: "photo of the opening hours", URL: "https://cdn.example/hours.jpg"},
		},
	}
)

// paths lists, for each status, the moves that reach it from PENDING. Each
// move happens one minute after the previous.
var paths = map[task.Status][]func(*task.Task, time.Time) (*task.Task, error){
	task.Pending:         nil,
	task.EstimatePending: {claim},
	task.Accepted:        {claim, approve},
	task.InProgress:      {claim, approve, start},
	task.Submitted:       {claim, approve, start, submit},
	task.Verified:        {claim, approve, start, submit, verify},
	task.ManualReview:    {claim, approve, start, submit, manual},
	task.Completed:       {claim, approve, start, submit, verify, complete},
	task.Disputed:        {claim, approve, start, submit, manual, dispute},
	task.Cancelled:       {claim, approve, cancel},
}

func claim(t *task.Task, now time.Time) (*task.Task, error) { return t.Claim("op_1", estimate, now) }
func approve(t *task.Task, now time.Time) (*task.Task, error) {
	return t.ApproveEstimate(now)
}
func start(t *task.Task, now time.Time) (*task.Task, error) { return t.Start("op_1", now) }
func submit(t *task.Task, now time.Time) (*task.Task, error) {
	return t.Submit("op_1", submission, now)
}
func verify(t *task.Task, now time.Time) (*task.Task, error)   { return t.Verify(4, now) }
func complete(t *task.Task, now time.Time) (*task.Task, error) { return t.Complete(now) }
func manual(t *task.Task, now time.Time) (*task.Task, error)   { return t.ManualReview(now) }
func dispute(t *task.Task, now time.Time) (*task.Task, error) {
	return t.Review(false, 0, "blurry", now)
}
func cancel(t *task.Task, now time.Time) (*task.Task, error) { return t.Cancel(now) }

// at returns a task in the given status, held by op_1 unless PENDING.
func at(t *testing.T, s task.Status) *task.Task {
	t.Helper()
	steps, ok := paths[s]
	if !ok {
		t.Fatalf("no path to status %s", s)
	}
	tk := newTask(t)
	now := posted
	for i, step := range steps {
		now = now.Add(time.Minute)
		next, err := step(tk, now)
		if err != nil {
			t.Fatalf("reaching %s: step %d from %s: %v", s, i+1, tk.Status, err)
		}
		tk = next
	}
	if tk.Status != s {
		t.Fatalf("reaching %s ended at %s", s, tk.Status)
	}
	return tk
}
