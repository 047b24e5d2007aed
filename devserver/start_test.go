package devserver_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/humop/humop/devserver"
)

func TestStartSeedsFixturesAndResets(t *testing.T) {
	fx, err := devserver.LoadFixtures("../examples/fixtures.json")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	ts := devserver.Start(t, devserver.WithFixtures(fx), devserver.WithStartTime(start))

	var ids devserver.FixtureIDs
	ts.Do("GET", "/dev/fixtures", nil, &ids)
	maria, sam := ids.Operators["maria"], ids.Operators["sam"]
	key := ids.APIKeys["shopbot"]
	if maria == "" || sam == "" || key != fx.Agents[0].APIKey || ids.Tasks["delivery"] == "" {
		t.Fatalf("fixture ids = %+v", ids)
	}

	var me map[string]any
	ts.Do("GET", "/api/v1/operator/me", nil, &me, "Authorization", "Bearer "+ts.Token(maria))
	if me["kyc_status"] != "APPROVED" || me["available_balance"] != 42.5 {
		t.Errorf("maria = %v, want APPROVED with 42.50 available", me)
	}
	ts.Do("GET", "/api/v1/operator/me", nil, &me, "X-Operator-Id", sam)
	if me["kyc_status"] != "PENDING" {
		t.Errorf("sam kyc_status = %v, want PENDING", me["kyc_status"])
	}
	var task map[string]any
	ts.Do("GET", "/api/v1/tasks/"+ids.Tasks["delivery"], nil, &task, "X-API-Key", key)
	if task["status"] != "ACCEPTED" || task["created_at"] != "2026-06-01T09:00:00.000Z" {
		t.Errorf("delivery task = %v %v, want ACCEPTED, created at the pinned time", task["status"], task["created_at"])
	}

	ts.AdvanceClock(time.Hour)
	ts.Do("POST", "/api/v1/operator/register", map[string]string{"name": "New", "email": "new@example.com"}, nil)
	ts.Reset()
	var after devserver.FixtureIDs
	ts.Do("GET", "/dev/fixtures", nil, &after)
	if after.Operators["maria"] == maria {
		t.Errorf("reset kept the old fixture ids")
	}
	// The new operator is gone, the fixtures are back, the clock is pinned again.
	ts.Do("POST", "/api/v1/operator/register", map[string]string{"name": "New", "email": "new@example.com"}, nil)
	if now := ts.Clock().Now(); !now.Equal(start) {
		t.Errorf("clock after reset = %v, want the pinned %v", now, start)
	}
}

func TestFixtureErrorsNameTheFixture(t *testing.T) {
	_, err := devserver.New(devserver.Config{Fixtures: &devserver.Fixtures{
		Operators: []devserver.FixtureOperator{{Ref: "bad", Name: "X", Email: "not-an-email"}},
	}})
	if err == nil || !strings.Contains(err.Error(), `fixture operator "bad"`) {
		t.Errorf("New with a bad fixture = %v, want an error naming it", err)
	}
}

func TestPayoutSettleControl(t *testing.T) {
	fx := &devserver.Fixtures{Operators: []devserver.FixtureOperator{{Ref: "o", Name: "O", Email: "o@example.com", AvailableUSD: "50"}}}
	ts := devserver.Start(t, devserver.WithFixtures(fx))
	op := []string{"X-Operator-Id", ts.FixtureIDs().Operators["o"]}
	var p map[string]any
	ts.Do("POST", "/api/v1/operator/payout", map[string]any{"amount_usd": 20, "method": "usdc",
		"wallet_address": "0x52908400098527886E0F7030069857D2E4169EE7", "chain": "base"}, &p, op...)
	var settled map[string]any
	ts.Do("POST", "/dev/payouts/"+p["payout_id"].(string)+"/settle", map[string]any{"outcome": "FAILED"}, &settled)
	if settled["status"] != "FAILED" {
		t.Errorf("settled = %v", settled)
	}
	var e map[string]any
	ts.Do("GET", "/api/v1/operator/earnings", nil, &e, op...)
	if e["available_balance"] != 50.0 {
		t.Errorf("available after a failed payout = %v, want 50.00 back at once", e["available_balance"])
	}
	req, _ := http.NewRequest("POST", ts.URL+"/dev/payouts/"+p["payout_id"].(string)+"/settle", nil)
	res, err := ts.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 400 {
		t.Errorf("settle without a body: %d, want 400", res.StatusCode)
	}
}
