package integration_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/humop/humop/devserver"
	"github.com/humop/humop/ledger"
)

// A task, as both sides see it; only the fields these tests look at.
type taskView struct {
	TaskID          string `json:"task_id"`
	Status          string `json:"status"`
	EstimateMinutes *int   `json:"estimate_minutes"`
	Quality         *int   `json:"quality"`
	Operator        *struct {
		Name string `json:"name"`
	} `json:"operator"`
}

// A paginated list of tasks.
type taskList struct {
	Data       []taskView `json:"data"`
	Pagination struct {
		Total int `json:"total"`
	} `json:"pagination"`
}

// The operator's balances. Money decodes into ledger.Cents, so amounts
// compare as whole cents.
type earnings struct {
	Pending     ledger.Cents `json:"pending_balance"`
	Available   ledger.Cents `json:"available_balance"`
	TotalEarned ledger.Cents `json:"total_earned"`
}

// TestTaskLifecycle walks one task from posting to a settled payout, the
// way an agent and an operator would, through the HTTP contract only.
func TestTaskLifecycle(t *testing.T) {
	// Each test gets its own server: in memory, on a free loopback port,
	// stopped when the test ends. The clock is real but can be advanced.
	ts := devserver.Start(t)

	// The agent registers and keeps its API key; every agent call sends it.
	var ag struct {
		APIKey string `json:"api_key"`
	}
	ts.Do("POST", "/api/v1/agents/register", map[string]any{"name": "Research bot", "email": "bot@example.com"}, &ag)
	asAgent := []string{"X-API-Key", ag.APIKey}

	// The operator registers. In development KYC is approved at once, so
	// they may take tasks right away.
	var op struct {
		OperatorID string `json:"operator_id"`
		KYCStatus  string `json:"kyc_status"`
	}
	ts.Do("POST", "/api/v1/operator/register", map[string]any{
		"name": "Maria Lopez", "email": "maria@example.com", "skills": []string{"CAPTCHA_SOLVING"},
	}, &op)
	if op.KYCStatus != "APPROVED" {
		t.Fatalf("kyc_status = %q, want APPROVED in development", op.KYCStatus)
	}

	// Operators sign in with a bearer token. ts.Token asks the dev server's
	// issuer for one, so the test goes through real token verification
	// rather than the X-Operator-Id shortcut.
	asOperator := []string{"Authorization", "Bearer " + ts.Token(op.OperatorID)}

	// The agent posts a task. The deadline is counted from the server's
	// clock, which tests may move.
	var posted taskView
	ts.Do("POST", "/api/v1/tasks", map[string]any{
		"title":              "Solve a captcha",
		"description":        "On the signup page of example.com",
		"task_type":          "CAPTCHA_SOLVING",
		"reward_usd":         12.50,
		"deadline":           ts.Clock().Now().Add(72 * time.Hour).Format(time.RFC3339),
		"proof_requirements": []string{"screenshot"},
	}, &posted, asAgent...)
	if posted.Status != "PENDING" {
		t.Fatalf("posted task status = %q, want PENDING", posted.Status)
	}
	taskID := posted.TaskID

	// The operator browses the tasks matching their skills and finds it.
	var offers taskList
	ts.Do("GET", "/api/v1/operator/tasks", nil, &offers, asOperator...)
	if !slices.ContainsFunc(offers.Data, func(v taskView) bool { return v.TaskID == taskID }) {
		t.Fatalf("operator's offers %+v lack task %s", offers.Data, taskID)
	}

	// They accept it with an estimate: 2 h 30 min.
	var claimed taskView
	ts.Do("POST", "/api/v1/operator/tasks/"+taskID+"/accept",
		map[string]any{"estimate_hours": 2, "estimate_minutes": 30, "estimate_note": "after lunch"}, &claimed, asOperator...)
	if claimed.Status != "ESTIMATE_PENDING" || claimed.EstimateMinutes == nil || *claimed.EstimateMinutes != 150 {
		t.Fatalf("accept = %+v, want ESTIMATE_PENDING with 150 minutes", claimed)
	}

	// The agent sees who claimed it and for how long, and approves.
	var seen taskView
	ts.Do("GET", "/api/v1/tasks/"+taskID, nil, &seen, asAgent...)
	if seen.Operator == nil || seen.Operator.Name != "Maria Lopez" {
		t.Errorf("agent's view of the claimed task shows operator %+v, want Maria Lopez", seen.Operator)
	}
	var approved taskView
	ts.Do("POST", "/api/v1/tasks/"+taskID+"/estimate/approve", nil, &approved, asAgent...)
	if approved.Status != "ACCEPTED" {
		t.Fatalf("approve = %q, want ACCEPTED", approved.Status)
	}

	// The operator starts, does the work and submits one proof item per
	// requirement.
	ts.Do("POST", "/api/v1/operator/tasks/"+taskID+"/start", nil, nil, asOperator...)
	var submitted taskView
	ts.Do("POST", "/api/v1/operator/tasks/"+taskID+"/submit", map[string]any{
		"note":  "solved on the first try",
		"proof": []map[string]string{{"requirement": "screenshot", "url": "https://files.example.com/shot.png"}},
	}, &submitted, asOperator...)
	if submitted.Status != "SUBMITTED" {
		t.Fatalf("submit = %q, want SUBMITTED", submitted.Status)
	}

	// The dev server's default guardian verifies submissions at once with
	// quality 5, so the task is already COMPLETED when submit returns.
	var done taskView
	ts.Do("GET", "/api/v1/tasks/"+taskID, nil, &done, asAgent...)
	if done.Status != "COMPLETED" || done.Quality == nil || *done.Quality != 5 {
		t.Fatalf("task after submission = %+v, want COMPLETED with quality 5", done)
	}

	// The reward is earned but held for 7 days...
	reward := ledger.Cents(1250)
	got := getEarnings(t, ts, asOperator)
	if want := (earnings{Pending: reward, TotalEarned: reward}); got != want {
		t.Fatalf("earnings after completion = %+v, want %+v", got, want)
	}

	// ...so move the server's clock past the hold. No background job
	// runs: balances are computed against the clock when read.
	// Dev tokens follow the dev clock too: a week later the operator's
	// hour-long token has expired, so they sign in again.
	ts.AdvanceClock(7*24*time.Hour + time.Minute)
	asOperator = []string{"Authorization", "Bearer " + ts.Token(op.OperatorID)}
	got = getEarnings(t, ts, asOperator)
	if want := (earnings{Available: reward, TotalEarned: reward}); got != want {
		t.Fatalf("earnings after the hold = %+v, want %+v", got, want)
	}

	// The operator asks for the whole amount; the gas fee comes off it.
	var payout struct {
		PayoutID string       `json:"payout_id"`
		Status   string       `json:"status"`
		Net      ledger.Cents `json:"net_amount_usd"`
		TxHash   *string      `json:"tx_hash"`
	}
	ts.Do("POST", "/api/v1/operator/payout", map[string]any{
		"amount_usd": 12.50, "method": "usdc", "chain": "base",
		"wallet_address": "0x52908400098527886e0f7030069857d2e4169ee7",
	}, &payout, asOperator...)
	if payout.Status != "PENDING_ONCHAIN" || payout.Net != reward-ledger.DefaultGasFee {
		t.Fatalf("payout = %+v, want PENDING_ONCHAIN with net %v", payout, reward-ledger.DefaultGasFee)
	}
	if got := getEarnings(t, ts, asOperator); got.Available != 0 {
		t.Errorf("available after requesting the payout = %v, want 0", got.Available)
	}

	// Nothing goes on chain in development: the test says how the chain
	// answered.
	const txHash = "0x" + "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12"
	ts.Do("POST", "/dev/payouts/"+payout.PayoutID+"/settle",
		map[string]string{"outcome": "CONFIRMED", "tx_hash": txHash}, &payout)
	if payout.Status != "CONFIRMED" || payout.TxHash == nil || *payout.TxHash != txHash {
		t.Errorf("settled payout = %+v, want CONFIRMED with tx_hash %s", payout, txHash)
	}
}

// TestFixturesAndAPinnedClock starts from a known world: the agents,
// operators and tasks of examples/fixtures.json, at a fixed time, so every
// timestamp and deadline is the same on every run.
func TestFixturesAndAPinnedClock(t *testing.T) {
	fx, err := devserver.LoadFixtures("../fixtures.json")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 4, 2, 12, 0, 0, 0, time.UTC)
	ts := devserver.Start(t, devserver.WithFixtures(fx), devserver.WithStartTime(start))

	// The fixtures name records by ref; the server tells their ids. The
	// agent's API key is fixed in the file, so clients can hard-code it.
	ids := ts.FixtureIDs()
	asShopbot := []string{"X-API-Key", fx.Agents[0].APIKey}
	asMaria := []string{"Authorization", "Bearer " + ts.Token(ids.Operators["maria"])}
	asSam := []string{"Authorization", "Bearer " + ts.Token(ids.Operators["sam"])}

	// Maria starts with the balance the file gave her.
	if got := getEarnings(t, ts, asMaria); got.Available != 4250 {
		t.Errorf("Maria's available balance = %v, want 42.50", got.Available)
	}

	// The clock is pinned: the tasks were created at the start time, and
	// it stays there until a test advances it.
	var created struct {
		CreatedAt string `json:"created_at"`
	}
	ts.Do("GET", "/api/v1/tasks/"+ids.Tasks["shopfront"], nil, &created, asShopbot...)
	if want := "2026-04-02T12:00:00.000Z"; created.CreatedAt != want {
		t.Errorf("shopfront created_at = %s, want %s", created.CreatedAt, want)
	}

	// The delivery task is already ACCEPTED by Maria: she can start it at
	// once, with no claim and approval to script first.
	var started taskView
	ts.Do("POST", "/api/v1/operator/tasks/"+ids.Tasks["delivery"]+"/start", nil, &started, asMaria...)
	if started.Status != "IN_PROGRESS" {
		t.Errorf("start delivery = %q, want IN_PROGRESS", started.Status)
	}

	// Sam's KYC is still PENDING, so he may not claim anything: 403.
	shopfront := "/api/v1/operator/tasks/" + ids.Tasks["shopfront"] + "/accept"
	estimate := map[string]int{"estimate_hours": 1}
	if status := send(t, ts, "POST", shopfront, estimate, asSam...); status != http.StatusForbidden {
		t.Errorf("Sam accepts shopfront = %d, want 403 (KYC pending)", status)
	}

	// Past the shopfront's 72-hour deadline nobody can claim it: 410.
	ts.AdvanceClock(73 * time.Hour)
	asMaria = []string{"Authorization", "Bearer " + ts.Token(ids.Operators["maria"])} // the old token expired
	if status := send(t, ts, "POST", shopfront, estimate, asMaria...); status != http.StatusGone {
		t.Errorf("Maria accepts shopfront after its deadline = %d, want 410", status)
	}
}

// getEarnings reads the operator's balances.
func getEarnings(t *testing.T, ts *devserver.Test, asOperator []string) earnings {
	t.Helper()
	var e earnings
	ts.Do("GET", "/api/v1/operator/earnings", nil, &e, asOperator...)
	return e
}

// send is ts.Do for requests expected to fail: it returns the status
// instead of failing the test on a non-2xx answer.
func send(t *testing.T, ts *devserver.Test, method, path string, body any, headers ...string) int {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(method, ts.URL+path, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := ts.Client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode
}
