package devserver

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/humop/humop/kyc"
	"github.com/humop/humop/operator"
	"github.com/humop/humop/skills"
	"github.com/humop/humop/task"
)

// DefaultSimulationPace is how often simulated operators act.
const DefaultSimulationPace = time.Second

// maxWaitingEstimates is how many estimates a simulated operator leaves
// waiting for agents before it stops claiming more.
const maxWaitingEstimates = 3

// simulator runs the simulated operators: each claims a matching task with
// a plausible estimate, starts it once the agent approves, and submits
// synthetic proof, one step per tick.
type simulator struct {
	s    *Server
	n    int
	pace time.Duration

	mu  sync.Mutex
	ids map[int]string // simulated operator number -> operator id
}

// skillsFor gives the simulated operators assorted skills: one domain each
// in turn, and every fourth all of them.
func skillsFor(i int) []string {
	if i%4 == 3 {
		return nil // all
	}
	var names []string
	for _, sk := range skills.InDomain(skills.Domains()[i%4]) {
		names = append(names, string(sk))
	}
	return names
}

// ensure registers (again, after a reset) simulated operator i and
// returns its id.
func (sim *simulator) ensure(ctx context.Context, i int) (string, error) {
	sim.mu.Lock()
	id, ok := sim.ids[i]
	sim.mu.Unlock()
	if ok {
		if _, err := sim.s.svc.Operator(ctx, id); err == nil {
			return id, nil
		} else if !errors.Is(err, operator.ErrNotFound) {
			return "", err
		}
	}
	p, err := sim.s.svc.RegisterOperator(ctx, operator.Registration{
		Name:   fmt.Sprintf("Simulated Operator %d", i+1),
		Email:  fmt.Sprintf("simulated-%d@operators.humop.invalid", i+1),
		Skills: skillsFor(i),
	}, "")
	if err != nil {
		return "", err
	}
	if p.KYCStatus != kyc.Approved {
		_, err = sim.s.svc.ExemptKYC(ctx, p.Operator.ID, kyc.Decision{
			Status: kyc.Approved, Actor: "simulator", Reason: "simulated operator"})
		if err != nil {
			return "", err
		}
	}
	sim.mu.Lock()
	if sim.ids == nil {
		sim.ids = make(map[int]string)
	}
	sim.ids[i] = p.Operator.ID
	sim.mu.Unlock()
	sim.s.log.Info().Str("operator_id", p.Operator.ID).Msg("simulated operator ready")
	return p.Operator.ID, nil
}

// run acts every pace until ctx is done.
func (sim *simulator) run(ctx context.Context) {
	tick := time.NewTicker(sim.pace)
	defer tick.Stop()
	for {
		for i := range sim.n {
			if ctx.Err() != nil {
				return
			}
			if err := sim.step(ctx, i); err != nil && ctx.Err() == nil {
				sim.s.log.Debug().Err(err).Int("operator", i+1).Msg("simulated operator step failed")
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// step moves simulated operator i's work one step: start what the agent
// approved, submit what is in progress, or claim something new when idle.
func (sim *simulator) step(ctx context.Context, i int) error {
	id, err := sim.ensure(ctx, i)
	if err != nil {
		return err
	}
	held, _, err := sim.s.svc.AssignedTasks(ctx, id, task.Page{Limit: task.MaxLimit})
	if err != nil {
		return err
	}
	waiting := 0
	for _, t := range held {
		switch t.Status {
		case task.Accepted:
			_, err := sim.s.svc.StartTask(ctx, id, t.ID)
			return err
		case task.InProgress:
			_, err := sim.s.svc.SubmitTask(ctx, id, t.ID, syntheticProof(t))
			return err
		case task.EstimatePending:
			waiting++
		}
	}
	if waiting >= maxWaitingEstimates {
		return nil
	}
	offer, _, err := sim.s.svc.BrowseTasks(ctx, id, "", task.Page{Limit: 1})
	if err != nil || len(offer) == 0 {
		return err
	}
	t := offer[0]
	_, err = sim.s.svc.ClaimTask(ctx, id, t.ID, plausibleEstimate(t, sim.s.clock.Now()))
	return err
}

// plausibleEstimate asks for a few hours, well inside the deadline.
func plausibleEstimate(t *task.Task, now time.Time) task.Estimate {
	left := t.Deadline.Sub(now)
	minutes := int(min(max(left/3, 15*time.Minute), 4*time.Hour) / time.Minute)
	return task.Estimate{Hours: minutes / 60, Minutes: minutes % 60, Note: "simulated operator's estimate"}
}

// syntheticProof proves every requirement with a placeholder URL.
func syntheticProof(t *task.Task) task.Submission {
	s := task.Submission{Note: "synthetic proof from a simulated operator"}
	for n, req := range t.ProofRequirements {
		s.Proof = append(s.Proof, task.ProofItem{
			Requirement: req,
			URL:         fmt.Sprintf("https://proof.humop.invalid/%s/%d", t.ID, n+1),
		})
	}
	return s
}
