package boltstore_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/humop/humop"
	"github.com/humop/humop/boltstore"
	"github.com/humop/humop/operator"
)

// crashChildEnv holds the file path when the test binary runs as the child
// of TestCrashKeepsAcknowledgedWrites.
const crashChildEnv = "BOLTSTORE_CRASH_CHILD"

// TestCrashKeepsAcknowledgedWrites runs registrations in a child process,
// kills it with SIGKILL at a random moment and checks that the file keeps
// every registration the child saw acknowledged, with its indexes and its
// KYC case, and nothing half-applied.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	if path := os.Getenv(crashChildEnv); path != "" {
		crashChild(path)
		return
	}
	if testing.Short() {
		t.Skip("kills child processes; skipped in short mode")
	}

	total := 0
	for _, base := range []time.Duration{50, 100, 180, 270, 400} {
		kill := base*time.Millisecond + rand.N(30*time.Millisecond)
		t.Run(fmt.Sprintf("kill after %v", kill.Round(time.Millisecond)), func(t *testing.T) {
			total += crashOnce(t, kill)
		})
	}
	if total == 0 {
		t.Error("no registration was acknowledged before any kill; the test checked nothing")
	}
}

// ack is one registration the child saw succeed.
type ack struct{ id, email, subject string }

// crashOnce runs one child, kills it after the delay and checks the file. It
// returns the number of acknowledged registrations.
func crashOnce(t *testing.T, kill time.Duration) int {
	path := filepath.Join(t.TempDir(), "humop.db")
	st, err := boltstore.Open(path, nil) // the child finds a ready file
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashKeepsAcknowledgedWrites$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	ready := make(chan struct{})
	done := make(chan []ack)
	go func() {
		var acks []ack
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			switch {
			case len(f) == 1 && f[0] == "READY":
				close(ready)
			case len(f) == 4 && f[0] == "ACK":
				acks = append(acks, ack{f[1], f[2], f[3]})
			}
		}
		done <- acks
	}()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child not ready after 30s; stderr:\n%s", stderr.String())
	}
	time.Sleep(kill)
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	acks := <-done
	cmd.Wait()
	if stderr.Len() > 0 {
		t.Errorf("child wrote to stderr:\n%s", stderr.String())
	}

	c, err := boltstore.ReadFile(path) // bbolt check and index agreement
	if err != nil {
		t.Fatalf("file after the kill: %v", err)
	}
	for _, a := range acks {
		op := c.Operators[a.id]
		switch {
		case op == nil:
			t.Errorf("acknowledged operator %s (%s) is missing", a.id, a.email)
		case op.Email != a.email || op.Subject != a.subject:
			t.Errorf("operator %s = %s %s, want %s %s", a.id, op.Email, op.Subject, a.email, a.subject)
		case c.Emails[operator.EmailKey(a.email)] != a.id || c.Subjects[a.subject] != a.id:
			t.Errorf("indexes of %s point to %q and %q", a.id, c.Emails[operator.EmailKey(a.email)], c.Subjects[a.subject])
		}
	}
	// A registration is one transaction: an operator and its case, or
	// neither. Unacknowledged ones may have landed just before the kill.
	for id := range c.Operators {
		if c.Cases[id] == nil {
			t.Errorf("operator %s has no KYC case", id)
		}
	}
	for id := range c.Cases {
		if c.Operators[id] == nil {
			t.Errorf("KYC case %s has no operator", id)
		}
	}
	if len(c.Emails) != len(c.Operators) {
		t.Errorf("%d email index entries for %d operators", len(c.Emails), len(c.Operators))
	}

	// The file opens and takes writes again.
	st, err = boltstore.Open(path, nil)
	if err != nil {
		t.Fatalf("Open after the kill: %v", err)
	}
	defer st.Close()
	if _, err := newService(t, st).RegisterOperator(context.Background(),
		operator.Registration{Name: "After", Email: "after@example.com"}, ""); err != nil {
		t.Errorf("RegisterOperator after the kill: %v", err)
	}
	t.Logf("%d acknowledged, %d in the file", len(acks), len(c.Operators))
	return len(acks)
}

// crashChild registers operators from many goroutines until it is killed,
// printing a line for each registration after it is acknowledged.
func crashChild(path string) {
	fail := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, format+"\n", args...)
		os.Exit(2)
	}
	st, err := boltstore.Open(path, nil)
	if err != nil {
		fail("open: %v", err)
	}
	svc, err := humop.New(humop.Options{Store: st})
	if err != nil {
		fail("humop.New: %v", err)
	}

	var mu sync.Mutex
	say := func(line string) {
		mu.Lock()
		defer mu.Unlock()
		if _, err := os.Stdout.WriteString(line + "\n"); err != nil { // unbuffered
			fail("write: %v", err)
		}
	}
	say("READY")

	var n atomic.Int64
	for range 16 {
		go func() {
			for {
				i := n.Add(1)
				email, subject := fmt.Sprintf("crash-%d@example.com", i), fmt.Sprintf("sub-%d", i)
				p, err := svc.RegisterOperator(context.Background(),
					operator.Registration{Name: "Crash Test", Email: email}, subject)
				if err != nil {
					fail("register %s: %v", email, err)
				}
				say(fmt.Sprintf("ACK %s %s %s", p.Operator.ID, email, subject))

				// A second registration of the same address must be refused.
				if i%4 == 0 {
					_, err := svc.RegisterOperator(context.Background(),
						operator.Registration{Name: "Again", Email: " " + strings.ToUpper(email)}, "")
					if !errors.Is(err, operator.ErrEmailTaken) {
						fail("second register of %s = %v, want ErrEmailTaken", email, err)
					}
				}
			}
		}()
	}
	time.Sleep(20 * time.Second) // a parent that died cannot kill us
	os.Exit(3)
}
