package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/humop/humop"
	"github.com/humop/humop/fault"
	"github.com/humop/humop/ledger"
	"github.com/humop/humop/skills"
	"github.com/humop/humop/task"
)

// offerJSON is a task as an operator browsing the offer sees it.
type offerJSON struct {
	TaskID            string         `json:"task_id"`
	Title             string         `json:"title"`
	Description       string         `json:"description"`
	TaskType          skills.Skill   `json:"task_type"`
	Location          *task.Location `json:"location"`
	Reward            ledger.Cents   `json:"reward_usd"`
	Deadline          Time           `json:"deadline"`
	ProofRequirements []string       `json:"proof_requirements"`
	CreatedAt         Time           `json:"created_at"`
}

func newOfferJSON(t *task.Task) offerJSON {
	return offerJSON{
		TaskID:            t.ID,
		Title:             t.Title,
		Description:       t.Description,
		TaskType:          t.Type,
		Location:          t.Location,
		Reward:            t.Reward,
		Deadline:          Time(t.Deadline),
		ProofRequirements: t.ProofRequirements,
		CreatedAt:         Time(t.CreatedAt),
	}
}

type estimateJSON struct {
	Days    int    `json:"days"`
	Hours   int    `json:"hours"`
	Minutes int    `json:"minutes"`
	Note    string `json:"note"`
}

type submissionJSON struct {
	Note  string           `json:"note"`
	Proof []task.ProofItem `json:"proof"`
	At    Time             `json:"submitted_at"`
}

type operatorSummaryJSON struct {
	Name   string     `json:"name"`
	Rating Hundredths `json:"rating"`
}

// taskJSON is the whole task, as its agent and its holder see it.
type taskJSON struct {
	offerJSON
	Status          task.Status          `json:"status"`
	CallbackURL     *string              `json:"callback_url,omitempty"`
	Operator        *operatorSummaryJSON `json:"operator,omitempty"`
	EstimateMinutes *int                 `json:"estimate_minutes"`
	Estimate        *estimateJSON        `json:"estimate"`
	Submission      *submissionJSON      `json:"submission"`
	Quality         *int                 `json:"quality"`
	RejectionReason *string              `json:"rejection_reason,omitempty"`
	DisputeReason   *string              `json:"dispute_reason,omitempty"`
	UpdatedAt       Time                 `json:"updated_at"`
	ClaimedAt       *Time                `json:"claimed_at"`
	AcceptedAt      *Time                `json:"accepted_at"`
	StartedAt       *Time                `json:"started_at"`
	SubmittedAt     *Time                `json:"submitted_at"`
	VerifiedAt      *Time                `json:"verified_at"`
	CompletedAt     *Time                `json:"completed_at"`
	CancelledAt     *Time                `json:"cancelled_at"`
	DisputedAt      *Time                `json:"disputed_at"`
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func newTaskJSON(t *task.Task, holder *humop.OperatorSummary, forAgent bool) taskJSON {
	out := taskJSON{
		offerJSON:     newOfferJSON(t),
		Status:        t.Status,
		DisputeReason: optString(t.DisputeReason),
		UpdatedAt:     Time(t.UpdatedAt),
		ClaimedAt:     optTime(t.ClaimedAt),
		AcceptedAt:    optTime(t.AcceptedAt),
		StartedAt:     optTime(t.StartedAt),
		SubmittedAt:   optTime(t.SubmittedAt),
		VerifiedAt:    optTime(t.VerifiedAt),
		CompletedAt:   optTime(t.CompletedAt),
		CancelledAt:   optTime(t.CancelledAt),
		DisputedAt:    optTime(t.DisputedAt),
	}
	if forAgent {
		// Only the agent sees why it turned an estimate down: the next
		// operator to look at the task has no business with it.
		out.CallbackURL = optString(t.CallbackURL)
		out.RejectionReason = optString(t.RejectionReason)
	}
	if holder != nil {
		out.Operator = &operatorSummaryJSON{Name: holder.Name, Rating: Hundredths(holder.Rating)}
	}
	if e := t.Estimate; e != nil {
		m := e.TotalMinutes()
		out.EstimateMinutes = &m
		out.Estimate = &estimateJSON{Days: e.Days, Hours: e.Hours, Minutes: e.Minutes, Note: e.Note}
	}
	if s := t.Submission; s != nil {
		out.Submission = &submissionJSON{Note: s.Note, Proof: s.Proof, At: Time(s.At)}
	}
	if t.Quality > 0 {
		q := t.Quality
		out.Quality = &q
	}
	return out
}

// listJSON is every paginated answer.
type listJSON[T any] struct {
	Data       []T            `json:"data"`
	Pagination paginationJSON `json:"pagination"`
}

type paginationJSON struct {
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
	Total  int `json:"total"`
}

// writePage answers one page of a list, converting each item to its wire
// form.
func writePage[T, J any](w http.ResponseWriter, page task.Page, total int, items []T, wire func(T) J) {
	out := listJSON[J]{Data: make([]J, 0, len(items)), Pagination: paginationJSON{page.Limit, page.Offset, total}}
	for _, it := range items {
		out.Data = append(out.Data, wire(it))
	}
	writeJSON(w, http.StatusOK, out)
}

// pageOf reads limit and offset from the query: defaults 20 and 0; not an
// integer or out of range is 400.
func pageOf(q url.Values) (task.Page, error) {
	p := task.Page{Limit: task.DefaultLimit}
	for _, f := range []struct {
		name string
		dst  *int
	}{{"limit", &p.Limit}, {"offset", &p.Offset}} {
		raw, ok := q[f.name]
		if !ok {
			continue
		}
		v := raw[len(raw)-1]
		n, err := strconv.Atoi(v)
		if err != nil || !digits(v) {
			return p, fault.Invalidf("", f.name, "%s must be a whole number", f.name)
		}
		*f.dst = n
	}
	return p, p.Check()
}

// digits reports whether s is an optional minus and decimal digits only,
// the way integers are written: no sign of plus, no spaces.
func digits(s string) bool {
	if rest, neg := strings.CutPrefix(s, "-"); neg {
		if strings.TrimLeft(rest, "0") == "" {
			return false // "-0" is no way to write zero
		}
		s = rest
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// decodeOptional is decode for endpoints whose body may be left out.
func decodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength == 0 && r.Header.Get("Transfer-Encoding") == "" {
		return nil
	}
	err := decode(w, r, v)
	if fe := fault.As(err); fe != nil && fe.Code == "malformed_json" && strings.Contains(fe.Message, "empty") {
		return nil
	}
	return err
}

// money reads a JSON number as cents, naming the field in errors.
func money(raw json.RawMessage, field string) (ledger.Cents, bool, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, null) {
		return 0, false, nil
	}
	if raw[0] == '"' {
		return 0, true, fault.Invalidf("", field, "%s must be a JSON number such as 15 or 99.97, not a string", field)
	}
	c, err := ledger.ParseUSD(string(raw))
	if err != nil {
		var pe *ledger.ParseError
		if errors.As(err, &pe) {
			return 0, true, pe.Invalid(field)
		}
		return 0, true, fault.Invalidf("", field, "%s must be a number with at most two decimals", field)
	}
	return c, true, nil
}

// --- agent side ---

type postTaskRequest struct {
	Title             string          `json:"title"`
	Description       string          `json:"description"`
	TaskType          string          `json:"task_type"`
	RewardUSD         json.RawMessage `json:"reward_usd"`
	Deadline          string          `json:"deadline"`
	ProofRequirements []string        `json:"proof_requirements"`
	Location          *locationInput  `json:"location"`
	CallbackURL       string          `json:"callback_url"`
	CallbackSecret    string          `json:"callback_secret"`
}

func (req postTaskRequest) posting() (task.Posting, error) {
	p := task.Posting{
		Title:             req.Title,
		Description:       req.Description,
		Type:              skills.Skill(req.TaskType),
		ProofRequirements: req.ProofRequirements,
		CallbackURL:       req.CallbackURL,
		CallbackSecret:    req.CallbackSecret,
	}
	if l := req.Location; l != nil {
		if l.Lat == nil {
			return p, fault.Invalidf("", "location.lat", "location.lat is required: a number from -90 to 90")
		}
		if l.Lng == nil {
			return p, fault.Invalidf("", "location.lng", "location.lng is required: a number from -180 to 180")
		}
		p.Location = &task.Location{Lat: *l.Lat, Lng: *l.Lng, Address: l.Address}
	}
	reward, given, err := money(req.RewardUSD, "reward_usd")
	if err != nil {
		return p, err
	}
	if !given {
		return p, fault.Invalidf("", "reward_usd", "reward_usd is required: a number above 0")
	}
	p.Reward = reward
	if strings.TrimSpace(req.Deadline) == "" {
		return p, fault.Invalidf("", "deadline", "deadline is required: an RFC 3339 time such as 2026-04-02T12:00:00Z")
	}
	d, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(req.Deadline))
	if err != nil {
		return p, fault.Invalidf("", "deadline", "deadline must be an RFC 3339 time such as 2026-04-02T12:00:00Z")
	}
	p.Deadline = d
	return p, nil
}

// locationInput is a task's location as sent, to tell a missing coordinate
// from zero.
type locationInput struct {
	Lat     *float64 `json:"lat"`
	Lng     *float64 `json:"lng"`
	Address string   `json:"address"`
}

// postTask serves POST /api/v1/tasks.
func (h *Handler) postTask(w http.ResponseWriter, r *http.Request) error {
	var req postTaskRequest
	ik, err := decodeKeyed(w, r, &req)
	if err != nil {
		return err
	}
	p, err := req.posting()
	if err != nil {
		return err
	}
	t, replayed, err := h.svc.PostTaskWithKey(r.Context(), agentFrom(r.Context()), p, ik)
	if err != nil {
		return err
	}
	markReplay(w, replayed)
	writeJSON(w, http.StatusCreated, newTaskJSON(t, nil, true))
	return nil
}

// listAgentTasks serves GET /api/v1/tasks?status=&limit=&offset=.
func (h *Handler) listAgentTasks(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	page, err := pageOf(q)
	if err != nil {
		return err
	}
	status := task.Status(strings.TrimSpace(q.Get("status")))
	views, total, err := h.svc.AgentTasks(r.Context(), agentFrom(r.Context()), status, page)
	if err != nil {
		return err
	}
	writePage(w, page, total, views, func(v *humop.TaskView) taskJSON {
		return newTaskJSON(v.Task, v.Operator, true)
	})
	return nil
}

// getAgentTask serves GET /api/v1/tasks/{id}.
func (h *Handler) getAgentTask(w http.ResponseWriter, r *http.Request) error {
	v, err := h.svc.AgentTask(r.Context(), agentFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newTaskJSON(v.Task, v.Operator, true))
	return nil
}

// approveEstimate serves POST /api/v1/tasks/{id}/estimate/approve.
func (h *Handler) approveEstimate(w http.ResponseWriter, r *http.Request) error {
	if err := decodeOptional(w, r, &struct{}{}); err != nil {
		return err
	}
	v, err := h.svc.ApproveEstimate(r.Context(), agentFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	out := map[string]any{
		"task_id":     v.Task.ID,
		"status":      v.Task.Status,
		"accepted_at": Time(v.Task.AcceptedAt),
		"operator":    nil,
	}
	if v.Operator != nil {
		out["operator"] = operatorSummaryJSON{Name: v.Operator.Name, Rating: Hundredths(v.Operator.Rating)}
	}
	if e := v.Task.Estimate; e != nil {
		out["estimate_minutes"] = e.TotalMinutes()
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// rejectEstimate serves POST /api/v1/tasks/{id}/estimate/reject.
func (h *Handler) rejectEstimate(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Reason string `json:"reason"`
	}
	if err := decodeOptional(w, r, &req); err != nil {
		return err
	}
	v, err := h.svc.RejectEstimate(r.Context(), agentFrom(r.Context()), r.PathValue("id"), req.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"task_id": v.Task.ID, "status": v.Task.Status,
		"reason": optString(v.Task.RejectionReason)})
	return nil
}

// cancelTask serves POST /api/v1/tasks/{id}/cancel.
func (h *Handler) cancelTask(w http.ResponseWriter, r *http.Request) error {
	if err := decodeOptional(w, r, &struct{}{}); err != nil {
		return err
	}
	v, err := h.svc.CancelTask(r.Context(), agentFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"task_id": v.Task.ID, "status": v.Task.Status,
		"refunded_usd": v.Task.Reward})
	return nil
}

// reviewTask serves POST /api/v1/tasks/{id}/review.
func (h *Handler) reviewTask(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Decision string `json:"decision"`
		Quality  *int   `json:"quality"`
		Reason   string `json:"reason"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	quality := task.MaxQuality // an approval that gives no score is full marks
	if req.Quality != nil {
		quality = *req.Quality
	}
	var approve bool
	switch strings.TrimSpace(req.Decision) {
	case "APPROVE":
		approve = true
	case "REJECT":
	default:
		return fault.Invalidf("", "decision", `decision must be "APPROVE" or "REJECT"`)
	}
	v, err := h.svc.ReviewTask(r.Context(), agentFrom(r.Context()), r.PathValue("id"), approve, quality, req.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"task_id": v.Task.ID, "status": v.Task.Status,
		"quality": v.Task.Quality})
	return nil
}

// --- operator side ---

// browseTasks serves GET /api/v1/operator/tasks?task_type=&limit=&offset=.
func (h *Handler) browseTasks(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	page, err := pageOf(q)
	if err != nil {
		return err
	}
	var only skills.Skill
	if raw := q.Get("task_type"); raw != "" {
		if only, err = skills.Parse(raw); err != nil {
			return fault.Invalidf("", "task_type", "task_type must be one of %s", skills.AllSet())
		}
	}
	list, total, err := h.svc.BrowseTasks(r.Context(), operatorFrom(r.Context()), only, page)
	if err != nil {
		return err
	}
	writePage(w, page, total, list, newOfferJSON)
	return nil
}

// assignedTasks serves GET /api/v1/operator/tasks/assigned.
func (h *Handler) assignedTasks(w http.ResponseWriter, r *http.Request) error {
	page, err := pageOf(r.URL.Query())
	if err != nil {
		return err
	}
	list, total, err := h.svc.AssignedTasks(r.Context(), operatorFrom(r.Context()), page)
	if err != nil {
		return err
	}
	writePage(w, page, total, list, func(t *task.Task) taskJSON { return newTaskJSON(t, nil, false) })
	return nil
}

// getOperatorTask serves GET /api/v1/operator/tasks/{id}.
func (h *Handler) getOperatorTask(w http.ResponseWriter, r *http.Request) error {
	t, err := h.svc.OperatorTask(r.Context(), operatorFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newTaskJSON(t, nil, false))
	return nil
}

type acceptRequest struct {
	Days    int    `json:"estimate_days"`
	Hours   int    `json:"estimate_hours"`
	Minutes int    `json:"estimate_minutes"`
	Note    string `json:"estimate_note"`
}

// acceptTask serves POST /api/v1/operator/tasks/{id}/accept.
func (h *Handler) acceptTask(w http.ResponseWriter, r *http.Request) error {
	var req acceptRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	e := task.Estimate{Days: req.Days, Hours: req.Hours, Minutes: req.Minutes, Note: req.Note}
	t, err := h.svc.ClaimTask(r.Context(), operatorFrom(r.Context()), r.PathValue("id"), e)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"task_id":          t.ID,
		"status":           t.Status,
		"estimate_minutes": t.Estimate.TotalMinutes(),
		"claimed_at":       Time(t.ClaimedAt),
	})
	return nil
}

// startTask serves POST /api/v1/operator/tasks/{id}/start.
func (h *Handler) startTask(w http.ResponseWriter, r *http.Request) error {
	if err := decodeOptional(w, r, &struct{}{}); err != nil {
		return err
	}
	t, err := h.svc.StartTask(r.Context(), operatorFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"task_id": t.ID, "status": t.Status, "started_at": Time(t.StartedAt)})
	return nil
}

// submitTask serves POST /api/v1/operator/tasks/{id}/submit.
func (h *Handler) submitTask(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Note  string           `json:"note"`
		Proof []task.ProofItem `json:"proof"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	t, err := h.svc.SubmitTask(r.Context(), operatorFrom(r.Context()), r.PathValue("id"),
		task.Submission{Note: req.Note, Proof: req.Proof})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"task_id": t.ID, "status": t.Status, "submitted_at": Time(t.SubmittedAt)})
	return nil
}
