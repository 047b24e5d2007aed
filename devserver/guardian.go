package devserver

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/humop/humop"
	"github.com/humop/humop/httpapi"
	"github.com/humop/humop/task"
)

// guardian is the dev server's: it verifies submitted work at once with
// quality 5, unless an outcome was scripted for the task.
type guardian struct {
	mu      sync.Mutex
	scripts map[string]humop.GuardianOutcome
}

func (g *guardian) Check(t *task.Task) (*humop.GuardianOutcome, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if o, ok := g.scripts[t.ID]; ok {
		delete(g.scripts, t.ID)
		return &o, nil
	}
	return &humop.GuardianOutcome{Quality: task.MaxQuality}, nil
}

func (g *guardian) script(taskID string, o humop.GuardianOutcome) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.scripts == nil {
		g.scripts = make(map[string]humop.GuardianOutcome)
	}
	g.scripts[taskID] = o
}

func (g *guardian) reset() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.scripts = nil
}

type guardianRequest struct {
	Outcome string `json:"outcome"`
	Quality *int   `json:"quality"`
}

// scriptGuardian serves POST /dev/tasks/{id}/guardian {"outcome",
// "quality"}. A SUBMITTED task gets the outcome at once; a task not yet
// submitted gets it when it is. Quality defaults to 5 for VERIFIED.
func (s *Server) scriptGuardian(w http.ResponseWriter, r *http.Request) error {
	var req guardianRequest
	if err := httpapi.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	var o humop.GuardianOutcome
	outcome := strings.TrimSpace(req.Outcome)
	switch outcome {
	case "VERIFIED":
		o.Quality = task.MaxQuality
		if req.Quality != nil {
			o.Quality = *req.Quality
		}
		if o.Quality < task.MinQuality || o.Quality > task.MaxQuality {
			return invalid("quality", "quality must be a whole number from 1 to 5")
		}
	case "MANUAL_REVIEW":
		o.ManualReview = true
	default:
		return invalid("outcome", `outcome must be "VERIFIED" or "MANUAL_REVIEW"`)
	}
	id := r.PathValue("id")
	t, err := s.svc.Task(r.Context(), id)
	if err != nil {
		return err
	}
	applied := false
	switch t.Status {
	case task.Submitted:
		if t, err = s.svc.RecordGuardianOutcome(r.Context(), id, o); err != nil {
			return err
		}
		applied = true
	case task.Pending, task.EstimatePending, task.Accepted, task.InProgress:
		s.guardian.script(id, o)
	default:
		return task.ErrWrongState
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{
		"task_id": t.ID, "status": t.Status, "outcome": outcome, "applied": applied,
	})
	return nil
}

// notifier wakes the webhook relay after every committed status change:
// the change's event is already in the outbox.
type notifier struct{ s *Server }

func (n notifier) TaskChanged(*task.Task, task.Status, time.Time) {
	if n.s.relay != nil {
		n.s.relay.Wake()
	}
}
