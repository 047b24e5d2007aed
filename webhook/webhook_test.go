package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop/webhook"
)

// receiver records verified deliveries and fails the first attempts of
// chosen statuses.
type receiver struct {
	mu       sync.Mutex
	secret   string
	got      []webhook.Event
	bad      int
	failures map[string]int // status -> attempts still to fail
	attempts int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.attempts++
	if _, err := strconv.ParseInt(r.Header.Get("X-Timestamp"), 10, 64); err != nil ||
		!webhook.Verify(rc.secret, body, r.Header.Get("X-Signature")) {
		rc.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var ev webhook.Event
	json.Unmarshal(body, &ev)
	if rc.failures[ev.Status] > 0 {
		rc.failures[ev.Status]--
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	rc.got = append(rc.got, ev)
}

func fastBackoff(int) time.Duration { return time.Millisecond }

func TestDeliveriesAreSignedOrderedAndRetried(t *testing.T) {
	rc := &receiver{secret: "s3cret", failures: map[string]int{"ACCEPTED": 2}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	d := webhook.New(webhook.Options{Backoff: fastBackoff, Workers: 3})

	statuses := []string{"PENDING", "ESTIMATE_PENDING", "ACCEPTED", "IN_PROGRESS", "SUBMITTED", "VERIFIED", "COMPLETED"}
	var want []webhook.Event
	for task := range 3 {
		prev := ""
		for _, st := range statuses {
			ev := webhook.Event{TaskID: fmt.Sprint("task_", task), Status: st, PreviousStatus: prev, Timestamp: "t"}
			d.Send(srv.URL+"/hook?token=abc", "s3cret", ev)
			ev.Event = webhook.EventStatusChanged
			if task == 0 {
				want = append(want, ev)
			}
			prev = st
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Close(ctx); err != nil {
		t.Fatalf("Close = %v", err)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.bad != 0 {
		t.Errorf("%d deliveries had a bad signature or timestamp", rc.bad)
	}
	var task0 []webhook.Event
	for _, ev := range rc.got {
		if ev.TaskID == "task_0" {
			task0 = append(task0, ev)
		}
	}
	if diff := cmp.Diff(want, task0); diff != "" {
		t.Errorf("deliveries of task_0, in order (-want +got):\n%s", diff)
	}
	if len(rc.got) != 3*len(statuses) {
		t.Errorf("%d deliveries, want %d", len(rc.got), 3*len(statuses))
	}
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	rc := &receiver{secret: "k", failures: map[string]int{"PENDING": 100}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	d := webhook.New(webhook.Options{Backoff: fastBackoff, MaxAttempts: 3})
	d.Send(srv.URL, "k", webhook.Event{TaskID: "t", Status: "PENDING"})
	d.Send(srv.URL, "k", webhook.Event{TaskID: "t", Status: "CANCELLED"})
	if err := d.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rc.attempts != 4 || len(rc.got) != 1 || rc.got[0].Status != "CANCELLED" {
		t.Errorf("attempts = %d, delivered %v; want 3 failed attempts then CANCELLED delivered", rc.attempts, rc.got)
	}
}

func TestSendNeverBlocksOnASlowReceiver(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	d := webhook.New(webhook.Options{Workers: 1, Backoff: fastBackoff, MaxAttempts: 1})
	start := time.Now()
	for i := range 1000 {
		d.Send(srv.URL, "k", webhook.Event{TaskID: fmt.Sprint(i), Status: "PENDING"})
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("queuing 1000 deliveries behind a stuck receiver took %v", elapsed)
	}
	if d.Pending() != 1000 {
		t.Errorf("Pending = %d, want 1000", d.Pending())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := d.Close(ctx); err == nil {
		t.Error("Close with a stuck receiver returned nil before its deadline")
	}
}

func TestVerify(t *testing.T) {
	body := []byte(`{"event":"task.status_changed"}`)
	sig := webhook.Sign("secret", body)
	tests := []struct {
		name   string
		secret string
		body   []byte
		sig    string
		want   bool
	}{
		{"right secret and body", "secret", body, sig, true},
		{"wrong secret", "other", body, sig, false},
		{"body changed", "secret", []byte(`{"event":"x"}`), sig, false},
		{"not hex", "secret", body, "zz", false},
		{"empty signature", "secret", body, "", false},
	}
	for _, tt := range tests {
		if got := webhook.Verify(tt.secret, tt.body, tt.sig); got != tt.want {
			t.Errorf("%s: Verify = %v, want %v", tt.name, got, tt.want)
		}
	}
}
