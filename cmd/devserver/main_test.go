package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// buildBinary compiles the dev server once per test that needs it.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary; skipped in -short")
	}
	bin := filepath.Join(t.TempDir(), "devserver")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startBinary starts the dev server on a free port and returns its base URL
// once it logs that it listens.
func startBinary(t *testing.T, bin string, env []string, args ...string) (*exec.Cmd, string, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	var logged bytes.Buffer
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			logged.Write(append(sc.Bytes(), '\n'))
			var line struct{ URL string }
			if !sent && json.Unmarshal(sc.Bytes(), &line) == nil && line.URL != "" {
				urlc <- line.URL
				sent = true
			}
		}
		if !sent {
			close(urlc)
		}
	}()
	select {
	case url, ok := <-urlc:
		if !ok {
			t.Fatalf("dev server exited before listening; stderr: %s", stderr.String())
		}
		return cmd, url, &logged
	case <-time.After(20 * time.Second):
		t.Fatalf("dev server did not start; stderr: %s", stderr.String())
	}
	return nil, "", nil
}

func post(t *testing.T, url, body string, headers ...string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return do(t, req)
}

func get(t *testing.T, url string, headers ...string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s %s: body is not JSON: %s", req.Method, req.URL, raw)
	}
	return res.StatusCode, m
}

func TestBinaryRegistersReadsBackAndStopsCleanly(t *testing.T) {
	bin := buildBinary(t)
	cmd, url, logged := startBinary(t, bin, []string{"ENVIRONMENT="})

	status, reg := post(t, url+"/api/v1/operator/register",
		`{"name":"Maria","email":"maria@example.com","skills":["PHOTO"]}`)
	if status != http.StatusCreated {
		t.Fatalf("register: %d %v", status, reg)
	}
	status, me := get(t, url+"/api/v1/operator/me", "X-Operator-Id", reg["operator_id"].(string))
	if status != http.StatusOK {
		t.Fatalf("GET me: %d %v", status, me)
	}
	for _, k := range []string{"operator_id", "name", "email", "kyc_status", "skills", "rating", "created_at"} {
		if diff := cmp.Diff(reg[k], me[k]); diff != "" {
			t.Errorf("GET me %s differs from the registration (-reg +me):\n%s", k, diff)
		}
	}
	if status, _ := get(t, url+"/healthz"); status != http.StatusOK {
		t.Errorf("GET /healthz = %d, want 200", status)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("dev server exit after SIGTERM: %v, want status 0", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("dev server did not stop after SIGTERM")
	}
	for _, want := range []string{`"environment":"development"`, `"store":"memory"`, `"message":"stopped"`} {
		if !strings.Contains(logged.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logged)
		}
	}
}

func TestBinaryOutsideDevelopment(t *testing.T) {
	bin := buildBinary(t)
	cmd, url, _ := startBinary(t, bin, []string{"ENVIRONMENT=production"})
	defer cmd.Process.Signal(syscall.SIGINT)

	status, body := post(t, url+"/api/v1/operator/register", `{"name":"Maria","email":"maria@example.com"}`)
	if status != http.StatusUnauthorized {
		t.Errorf("register without a token in production: %d %v, want 401", status, body)
	}
	if status, _ := post(t, url+"/dev/reset", `{}`); status != http.StatusNotFound {
		t.Errorf("POST /dev/reset in production: %d, want 404", status)
	}
	if status, _ := get(t, url+"/healthz"); status != http.StatusOK {
		t.Errorf("GET /healthz in production = %d, want 200", status)
	}
}

func TestRunFlagsAndEnvironment(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
	}{
		{"unknown flag", []string{"-nope"}, nil, "flag provided but not defined"},
		{"stray argument", []string{"extra"}, nil, "unexpected arguments"},
		{"bad KYC_AUTO_APPROVE", nil, map[string]string{"KYC_AUTO_APPROVE": "maybe"}, "KYC_AUTO_APPROVE"},
		{"address in use or invalid", []string{"-addr", "256.0.0.1:1"}, nil, "listen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			getenv := func(k string) string { return tt.env[k] }
			err := run(ctx, tt.args, getenv, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("run(%v) = %v, want an error mentioning %q", tt.args, err, tt.wantErr)
			}
		})
	}
}

func TestRunFlagWinsOverEnvironment(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out safeBuffer
	env := map[string]string{"KYC_AUTO_APPROVE": "true", "ADDR": "256.1.1.1:1", "LOG_FORMAT": "json"}
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"-addr", "127.0.0.1:0", "-kyc-auto-approve=false"},
			func(k string) string { return env[k] }, &out)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "listening") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("run = %v", err)
	}
	if !strings.Contains(out.String(), `"kyc_auto_approve":false`) {
		t.Errorf("-kyc-auto-approve=false did not win over KYC_AUTO_APPROVE=true:\n%s", out.String())
	}
}

func TestBinaryKeepsOperatorsAcrossRestartsWithDB(t *testing.T) {
	bin := buildBinary(t)
	db := filepath.Join(t.TempDir(), "humop.db")
	stop := func(cmd *exec.Cmd) {
		t.Helper()
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("dev server exit: %v", err)
		}
	}

	cmd, url, logged := startBinary(t, bin, nil, "-db", db)
	if !strings.Contains(logged.String(), `"store":"bbolt `+db+`"`) {
		t.Errorf("start line does not name the bbolt file:\n%s", logged)
	}
	status, reg := post(t, url+"/api/v1/operator/register", `{"name":"Maria","email":"maria@example.com"}`)
	if status != http.StatusCreated {
		t.Fatalf("register: %d %v", status, reg)
	}
	id := reg["operator_id"].(string)

	// A second server on the same file is refused at once, not hung.
	second := exec.Command(bin, "-addr", "127.0.0.1:0", "-db", db)
	out, err := second.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "in use") {
		t.Errorf("second server on the same file: %v\n%s\nwant a 'database in use' error", err, out)
	}
	stop(cmd)

	cmd, url, _ = startBinary(t, bin, nil, "-db", db)
	defer stop(cmd)
	status, me := get(t, url+"/api/v1/operator/me", "X-Operator-Id", id)
	if status != http.StatusOK || me["email"] != "maria@example.com" {
		t.Errorf("after a restart: %d %v, want the operator back", status, me)
	}
	if status, _ := post(t, url+"/api/v1/operator/register", `{"name":"M","email":"MARIA@example.com"}`); status != http.StatusConflict {
		t.Errorf("duplicate email after a restart: %d, want 409", status)
	}
}
