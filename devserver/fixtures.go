package devserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/humop/humop"
	"github.com/humop/humop/agent"
	"github.com/humop/humop/httpapi"
	"github.com/humop/humop/kyc"
	"github.com/humop/humop/ledger"
	"github.com/humop/humop/operator"
	"github.com/humop/humop/skills"
	"github.com/humop/humop/task"
)

// Fixtures are records a development server starts with, so a test or a
// demo has agents, operators and tasks in place at once. Each record has a
// ref, a name that later records use to point at it; the ids the server
// gave them are at GET /dev/fixtures and in Server.FixtureIDs.
//
// The JSON form (the -fixtures file) uses the field names below; see
// examples/fixtures.json.
type Fixtures struct {
	Agents    []FixtureAgent    `json:"agents"`
	Operators []FixtureOperator `json:"operators"`
	Tasks     []FixtureTask     `json:"tasks"`
}

// FixtureAgent is an agent to register.
type FixtureAgent struct {
	Ref     string `json:"ref"`
	Name    string `json:"name"`
	Email   string `json:"email"`
	Company string `json:"company,omitempty"`
	// APIKey, when set, is the agent's key ("ho_live_" and 48 letters or
	// digits), so clients can use it without reading it back. Empty: a new
	// key, listed at GET /dev/fixtures.
	APIKey string `json:"api_key,omitempty"`
}

// FixtureOperator is an operator to register.
type FixtureOperator struct {
	Ref      string             `json:"ref"`
	Name     string             `json:"name"`
	Email    string             `json:"email"`
	Phone    string             `json:"phone,omitempty"`
	Location *operator.Location `json:"location,omitempty"`
	Skills   []string           `json:"skills,omitempty"`
	// KYCStatus is APPROVED (the default), PENDING or REJECTED.
	KYCStatus string `json:"kyc_status,omitempty"`
	// AvailableUSD is credited as an adjustment, available at once.
	AvailableUSD json.Number `json:"available_usd,omitempty"`
}

// FixtureTask is a task to post, and optionally to move along its
// lifecycle.
type FixtureTask struct {
	Ref               string         `json:"ref"`
	Agent             string         `json:"agent"` // an agent's ref
	Title             string         `json:"title"`
	Description       string         `json:"description"`
	TaskType          string         `json:"task_type"`
	RewardUSD         json.Number    `json:"reward_usd"`
	DeadlineIn        string         `json:"deadline_in"` // a Go duration from start, such as "72h"
	ProofRequirements []string       `json:"proof_requirements"`
	Location          *task.Location `json:"location,omitempty"`
	// Status is PENDING (the default), ESTIMATE_PENDING, ACCEPTED,
	// IN_PROGRESS or COMPLETED; all but PENDING need Operator.
	Status string `json:"status,omitempty"`
	// Operator is the ref of the operator who holds the task.
	Operator string `json:"operator,omitempty"`
}

// LoadFixtures reads fixtures from a JSON file, refusing unknown fields.
func LoadFixtures(path string) (*Fixtures, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("devserver: fixtures: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var f Fixtures
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("devserver: fixtures %s: %w", path, err)
	}
	return &f, nil
}

// FixtureIDs maps each fixture's ref to the id it was given, by kind, and
// the agents' refs to their API keys.
type FixtureIDs struct {
	Agents    map[string]string `json:"agents"`
	APIKeys   map[string]string `json:"api_keys"`
	Operators map[string]string `json:"operators"`
	Tasks     map[string]string `json:"tasks"`
}

// seed creates the fixtures through the use cases, in order: agents,
// operators, tasks. Any error names the fixture.
func (s *Server) seed(ctx context.Context, f *Fixtures) (*FixtureIDs, error) {
	ids := &FixtureIDs{Agents: map[string]string{}, APIKeys: map[string]string{},
		Operators: map[string]string{}, Tasks: map[string]string{}}
	// Operators are registered pending and then decided, whatever the
	// server's auto-approval, so each gets the status it asks for.
	plain, err := humop.New(humop.Options{Store: s.store, Now: s.clock.Now})
	if err != nil {
		return nil, err
	}
	for _, a := range f.Agents {
		reg := agent.Registration{Name: a.Name, Email: a.Email, Company: a.Company}
		var ag *agent.Agent
		key := a.APIKey
		if key != "" {
			ag, err = s.svc.RegisterAgentWithKey(ctx, reg, key)
		} else {
			ag, key, err = s.svc.RegisterAgent(ctx, reg)
		}
		if err != nil {
			return nil, fmt.Errorf("devserver: fixture agent %q: %w", a.Ref, err)
		}
		ids.Agents[a.Ref], ids.APIKeys[a.Ref] = ag.ID, key
	}
	for _, o := range f.Operators {
		if err := s.seedOperator(ctx, plain, o, ids); err != nil {
			return nil, fmt.Errorf("devserver: fixture operator %q: %w", o.Ref, err)
		}
	}
	for _, t := range f.Tasks {
		if err := s.seedTask(ctx, t, ids); err != nil {
			return nil, fmt.Errorf("devserver: fixture task %q: %w", t.Ref, err)
		}
	}
	return ids, nil
}

func (s *Server) seedOperator(ctx context.Context, plain *humop.Service, o FixtureOperator, ids *FixtureIDs) error {
	p, err := plain.RegisterOperator(ctx, operator.Registration{
		Name: o.Name, Email: o.Email, Phone: o.Phone, Location: o.Location, Skills: o.Skills,
	}, "")
	if err != nil {
		return err
	}
	id := p.Operator.ID
	ids.Operators[o.Ref] = id
	switch st := kyc.Status(strings.ToUpper(o.KYCStatus)); st {
	case "", kyc.Approved, kyc.Rejected:
		if st == "" {
			st = kyc.Approved
		}
		_, err = s.svc.ExemptKYC(ctx, id, kyc.Decision{Status: st, Actor: "fixtures", Reason: "set by fixtures"})
	case kyc.Pending:
	default:
		return fmt.Errorf("kyc_status must be APPROVED, PENDING or REJECTED, not %q", o.KYCStatus)
	}
	if err != nil {
		return err
	}
	if o.AvailableUSD != "" {
		amount, err := ledger.ParseUSD(o.AvailableUSD.String())
		if err != nil {
			return fmt.Errorf("available_usd: %w", err)
		}
		if _, err := s.svc.Adjust(ctx, id, amount, "opening balance from fixtures"); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) seedTask(ctx context.Context, ft FixtureTask, ids *FixtureIDs) error {
	agentID, ok := ids.Agents[ft.Agent]
	if !ok {
		return fmt.Errorf("agent %q is not a fixture agent", ft.Agent)
	}
	reward, err := ledger.ParseUSD(ft.RewardUSD.String())
	if err != nil {
		return fmt.Errorf("reward_usd: %w", err)
	}
	in, err := time.ParseDuration(ft.DeadlineIn)
	if err != nil {
		return fmt.Errorf("deadline_in must be a Go duration such as \"72h\": %w", err)
	}
	t, err := s.svc.PostTask(ctx, agentID, task.Posting{
		Title: ft.Title, Description: ft.Description, Type: skills.Skill(ft.TaskType), Reward: reward,
		Deadline: s.clock.Now().Add(in), ProofRequirements: ft.ProofRequirements, Location: ft.Location,
	})
	if err != nil {
		return err
	}
	ids.Tasks[ft.Ref] = t.ID
	status := task.Status(strings.ToUpper(ft.Status))
	if status == "" || status == task.Pending {
		return nil
	}
	opID, ok := ids.Operators[ft.Operator]
	if !ok {
		return fmt.Errorf("status %s needs operator, the ref of a fixture operator", status)
	}
	steps := []struct {
		reached task.Status
		do      func() error
	}{
		{task.EstimatePending, func() error {
			_, err := s.svc.ClaimTask(ctx, opID, t.ID, task.Estimate{Hours: 2, Note: "from fixtures"})
			return err
		}},
		{task.Accepted, func() error { _, err := s.svc.ApproveEstimate(ctx, agentID, t.ID); return err }},
		{task.InProgress, func() error { _, err := s.svc.StartTask(ctx, opID, t.ID); return err }},
		{task.Completed, func() error { _, err := s.svc.SubmitTask(ctx, opID, t.ID, syntheticProof(t)); return err }},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			return err
		}
		if st.reached == status {
			return nil
		}
	}
	return fmt.Errorf("status must be PENDING, ESTIMATE_PENDING, ACCEPTED, IN_PROGRESS or COMPLETED, not %q", ft.Status)
}

// FixtureIDs returns the ids the fixtures were given, or nil without
// fixtures.
func (s *Server) FixtureIDs() *FixtureIDs {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fixtureIDs
}

// FixtureIDsForLog returns the fixtures' ids without the API keys, which
// are never logged; nil without fixtures.
func (s *Server) FixtureIDsForLog() map[string]map[string]string {
	ids := s.FixtureIDs()
	if ids == nil {
		return nil
	}
	return map[string]map[string]string{"agents": ids.Agents, "operators": ids.Operators, "tasks": ids.Tasks}
}

// reseed seeds the configured fixtures, after start or a reset.
func (s *Server) reseed(ctx context.Context) error {
	if s.cfg.Fixtures == nil || !s.Development() {
		return nil
	}
	ids, err := s.seed(ctx, s.cfg.Fixtures)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.fixtureIDs = ids
	s.mu.Unlock()
	return nil
}

// fixtures serves GET /dev/fixtures.
func (s *Server) fixtures(w http.ResponseWriter, r *http.Request) error {
	ids := s.FixtureIDs()
	if ids == nil {
		ids = &FixtureIDs{Agents: map[string]string{}, APIKeys: map[string]string{},
			Operators: map[string]string{}, Tasks: map[string]string{}}
	}
	httpapi.WriteJSON(w, http.StatusOK, ids)
	return nil
}
