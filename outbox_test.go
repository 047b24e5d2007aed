package humop_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop/skills"
	"github.com/humop/humop/task"
)

func TestStatusChangesOfTasksWithACallbackGoToTheOutbox(t *testing.T) {
	for name, open := range adapters {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, open(t), time.Hour)
			ctx := context.Background()
			op := w.operator("a@example.com")
			post := func(callback string) *task.Task {
				tk, err := w.svc.PostTask(ctx, w.agent, task.Posting{
					Title: "Fill", Description: "d", Type: skills.FormFilling, Reward: 500,
					Deadline: w.clock().Add(time.Hour), ProofRequirements: []string{"shot"},
					CallbackURL: callback, CallbackSecret: "k",
				})
				if err != nil {
					t.Fatal(err)
				}
				return tk
			}
			quiet := post("")
			loud := post("https://agent.example.com/hook")
			for _, id := range []string{quiet.ID, loud.ID} {
				if _, err := w.svc.ClaimTask(ctx, op, id, task.Estimate{Hours: 1}); err != nil {
					t.Fatal(err)
				}
			}
			// A refused move writes no event.
			if _, err := w.svc.StartTask(ctx, op, loud.ID); err == nil {
				t.Fatal("starting an unapproved task succeeded")
			}
			if _, err := w.svc.CancelTask(ctx, w.agent, loud.ID); err != nil {
				t.Fatal(err)
			}
			events, err := w.svc.PendingEvents(ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			type move struct{ Task, From, To string }
			var got []move
			for _, e := range events {
				got = append(got, move{e.TaskID, string(e.From), string(e.To)})
			}
			want := []move{{loud.ID, "PENDING", "ESTIMATE_PENDING"}, {loud.ID, "ESTIMATE_PENDING", "CANCELLED"}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("outbox (-want +got):\n%s", diff)
			}
			if err := w.svc.EventDone(ctx, events[0].ID); err != nil {
				t.Fatal(err)
			}
			if left, _ := w.svc.PendingEvents(ctx, 10); len(left) != 1 || left[0].To != task.Cancelled {
				t.Errorf("after one is done the outbox holds %+v, want the cancellation", left)
			}
		})
	}
}
