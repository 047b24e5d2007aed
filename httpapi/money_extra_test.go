package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

func TestPayoutKeepsTheWalletAsWritten(t *testing.T) {
	e := devEnv(t)
	id := e.register(t, maria())
	if _, err := e.svc.Adjust(context.Background(), id, 5000, "test funds"); err != nil {
		t.Fatal(err)
	}
	const wallet = "0x52908400098527886E0F7030069857D2E4169EE7"
	res := e.call(t, "POST", "/api/v1/operator/payout", map[string]any{"amount_usd": 20, "method": " usdc ",
		"wallet_address": wallet, "chain": "base "}, "X-Operator-Id", id)
	if res.status != http.StatusCreated || res.body["to_address"] != wallet {
		t.Errorf("payout = %d %s, want 201 with to_address %s as sent", res.status, res.raw, wallet)
	}
	want := map[string]any{"amount_usd": 20.0, "gas_fee_usd": 0.03, "net_amount_usd": 19.97,
		"chain": "base", "status": "PENDING_ONCHAIN", "tx_hash": nil}
	for k, v := range want {
		if res.body[k] != v {
			t.Errorf("payout %s = %v, want %v", k, res.body[k], v)
		}
	}
}

func TestPhysicalTaskNeedsCoordinates(t *testing.T) {
	e := devEnv(t)
	res := e.call(t, "POST", "/api/v1/agents/register", map[string]any{"name": "Bot", "email": "bot@example.com"})
	key := res.body["api_key"].(string)
	for _, tc := range []struct {
		loc   map[string]any
		field string
	}{
		{map[string]any{"address": "Torstrasse 1"}, "location.lat"},
		{map[string]any{"lat": 52.5, "address": "Torstrasse 1"}, "location.lng"},
		{map[string]any{"lng": 13.4, "address": "Torstrasse 1"}, "location.lat"},
	} {
		res := e.call(t, "POST", "/api/v1/tasks", map[string]any{
			"title": "Photo", "description": "d", "task_type": "PHOTO", "reward_usd": 5,
			"deadline": "2026-05-01T00:00:00Z", "proof_requirements": []string{"photo"}, "location": tc.loc,
		}, "X-API-Key", key)
		if msg, _ := res.body["error"].(string); res.status != 400 || !strings.Contains(msg, tc.field) {
			t.Errorf("location %v: %d %s, want 400 naming %s", tc.loc, res.status, res.raw, tc.field)
		}
	}
}
