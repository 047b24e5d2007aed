package httpapi

import (
	"context"
	"net/http"

	"github.com/humop/humop/agent"
)

type agentKey struct{}

// agentOnly authenticates the agent by its X-API-Key before calling next.
func (h *Handler) agentOnly(next func(http.ResponseWriter, *http.Request) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		a, err := h.svc.AgentByKey(r.Context(), r.Header.Get("X-API-Key"))
		if err != nil {
			return err
		}
		return next(w, r.WithContext(context.WithValue(r.Context(), agentKey{}, a.ID)))
	}
}

func agentFrom(ctx context.Context) string {
	id, _ := ctx.Value(agentKey{}).(string)
	return id
}

// registerAgent serves POST /api/v1/agents/register.
func (h *Handler) registerAgent(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Name    string `json:"name"`
		Email   string `json:"email"`
		Company string `json:"company"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	a, key, err := h.svc.RegisterAgent(r.Context(), agent.Registration{Name: req.Name, Email: req.Email, Company: req.Company})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{
		"agent_id": a.ID,
		"api_key":  key,
		"tier":     a.Tier,
		"message":  "Store this API key now: it is shown once and cannot be recovered.",
	})
	return nil
}
