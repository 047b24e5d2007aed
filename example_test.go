package humop_test

import (
	"context"
	"fmt"
	"time"

	"github.com/humop/humop"
	"github.com/humop/humop/agent"
	"github.com/humop/humop/memstore"
	"github.com/humop/humop/operator"
	"github.com/humop/humop/skills"
	"github.com/humop/humop/task"
)

// A platform can run every use case without HTTP: here an agent posts a
// task, an operator takes it and hands in proof, and the verified work is
// credited, on hold for a day.
func Example() {
	ctx := context.Background()
	now := time.Date(2026, 4, 2, 12, 0, 0, 0, time.UTC)
	svc, err := humop.New(humop.Options{
		Store:                 &memstore.Store{},
		Now:                   func() time.Time { return now },
		ApproveAtRegistration: true, // development only: production plugs in a kyc.Reviewer
		Hold:                  24 * time.Hour,
	})
	if err != nil {
		panic(err)
	}

	op, _ := svc.RegisterOperator(ctx, operator.Registration{
		Name: "Maria", Email: "maria@example.com", Skills: []string{"FORM_FILLING"}}, "")
	ag, _, _ := svc.RegisterAgent(ctx, agent.Registration{Name: "Bot", Email: "bot@example.com"})
	t, _ := svc.PostTask(ctx, ag.ID, task.Posting{
		Title: "Sign up", Description: "Create an account on example.com", Type: skills.FormFilling,
		Reward: 1250, Deadline: now.Add(48 * time.Hour), ProofRequirements: []string{"screenshot"},
	})

	id, me := t.ID, op.Operator.ID
	svc.ClaimTask(ctx, me, id, task.Estimate{Hours: 1})
	svc.ApproveEstimate(ctx, ag.ID, id)
	svc.StartTask(ctx, me, id)
	svc.SubmitTask(ctx, me, id, task.Submission{
		Proof: []task.ProofItem{{Requirement: "screenshot", URL: "https://proof.example.com/1.png"}}})
	done, err := svc.RecordGuardianOutcome(ctx, id, humop.GuardianOutcome{Quality: 5})
	if err != nil {
		panic(err)
	}

	e, _ := svc.Earnings(ctx, me)
	fmt.Println(done.Status, e.Balances.Pending, e.Balances.Available)
	// Output: COMPLETED 12.50 0.00
}
