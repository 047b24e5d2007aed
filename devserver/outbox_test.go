package devserver_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/humop/humop/devserver"
	"github.com/humop/humop/webhook"
)

// TestWebhooksSurviveARestart: a change whose webhook could not be
// delivered before the server stopped is delivered by the next server on
// the same file.
func TestWebhooksSurviveARestart(t *testing.T) {
	var up atomic.Bool
	var mu sync.Mutex
	var got []webhook.Event
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !up.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if !webhook.Verify("whsec", body, r.Header.Get("X-Signature")) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ev webhook.Event
		json.Unmarshal(body, &ev)
		mu.Lock()
		got = append(got, ev)
		mu.Unlock()
	}))
	defer receiver.Close()
	db := filepath.Join(t.TempDir(), "humop.db")

	first, err := devserver.New(devserver.Config{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, h: first.Handler()}
	op, _ := c.register("op@example.com")
	_, ag := c.do("POST", "/api/v1/agents/register", map[string]any{"name": "Bot", "email": "bot@example.com"})
	key := []string{"X-API-Key", ag["api_key"].(string)}
	_, tk := c.do("POST", "/api/v1/tasks", map[string]any{
		"title": "Fill", "description": "d", "task_type": "FORM_FILLING", "reward_usd": 5,
		"deadline": time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339), "proof_requirements": []string{"shot"},
		"callback_url": receiver.URL, "callback_secret": "whsec",
	}, key...)
	id := tk["task_id"].(string)
	if status, b := c.do("POST", "/api/v1/operator/tasks/"+id+"/accept", map[string]any{"estimate_hours": 1},
		"X-Operator-Id", op); status != 200 {
		t.Fatalf("accept: %d %v", status, b)
	}
	if err := first.Close(); err != nil { // the receiver is down: the event stays in the outbox
		t.Fatal(err)
	}

	up.Store(true)
	second, err := devserver.New(devserver.Config{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0].TaskID != id || got[0].Status != "ESTIMATE_PENDING" || got[0].PreviousStatus != "PENDING" {
		t.Fatalf("delivered after the restart: %+v, want the one ESTIMATE_PENDING event", got)
	}
	// Delivered, it leaves the outbox.
	deadline = time.Now().Add(5 * time.Second)
	for {
		left, err := second.Service().PendingEvents(t.Context(), 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox still holds %d events after delivery", len(left))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
