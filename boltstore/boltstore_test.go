package boltstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop"
	"github.com/humop/humop/boltstore"
	"github.com/humop/humop/kyc"
	"github.com/humop/humop/operator"
	"github.com/humop/humop/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) humop.Store { return openTemp(t, nil) })
}

// openTemp opens a store in a new file and, when the test ends, closes it
// and checks the file: bbolt's consistency check and index agreement.
func openTemp(t testing.TB, opts *boltstore.Options) *boltstore.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "humop.db")
	st, err := boltstore.Open(path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if _, err := boltstore.ReadFile(path); err != nil {
			t.Errorf("file after test: %v", err)
		}
	})
	return st
}

// newService returns a Service on st.
func newService(t testing.TB, st humop.Store) *humop.Service {
	t.Helper()
	svc, err := humop.New(humop.Options{Store: st})
	if err != nil {
		t.Fatalf("humop.New: %v", err)
	}
	return svc
}

func register(t *testing.T, svc *humop.Service, email, subject string) *humop.Profile {
	t.Helper()
	p, err := svc.RegisterOperator(context.Background(), operator.Registration{
		Name: "Maria Lopez", Email: email, Location: &operator.Location{City: "Lisbon", Country: "PT"},
	}, subject)
	if err != nil {
		t.Fatalf("RegisterOperator(%s) = %v", email, err)
	}
	return p
}

func TestOpenCreatesPrivateFile(t *testing.T) {
	st := openTemp(t, nil)
	fi, err := os.Stat(st.Path())
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("file mode = %v, want 0600", got)
	}
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "humop.db")
	st, err := boltstore.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := register(t, newService(t, st), "maria@example.com", "user_2abc")
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st = openAt(t, path)
	svc := newService(t, st)
	got, err := svc.OperatorBySubject(context.Background(), "user_2abc")
	if err != nil {
		t.Fatalf("OperatorBySubject after reopening = %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("profile after reopening (-want +got):\n%s", diff)
	}
	_, err = svc.RegisterOperator(context.Background(), operator.Registration{Name: "M", Email: "MARIA@example.com"}, "")
	if !errors.Is(err, operator.ErrEmailTaken) {
		t.Errorf("RegisterOperator with a kept email = %v, want ErrEmailTaken", err)
	}
}

// openAt opens the file at path for the rest of the test.
func openAt(t *testing.T, path string) *boltstore.Store {
	t.Helper()
	st, err := boltstore.Open(path, nil)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestResetEmptiesTheStore(t *testing.T) {
	st := openTemp(t, nil)
	svc := newService(t, st)
	p := register(t, svc, "maria@example.com", "user_2abc")

	if err := st.Reset(context.Background()); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	if _, err := svc.Operator(context.Background(), p.Operator.ID); !errors.Is(err, operator.ErrNotFound) {
		t.Errorf("Operator after Reset = %v, want ErrNotFound", err)
	}
	if _, err := svc.OperatorBySubject(context.Background(), "user_2abc"); !errors.Is(err, operator.ErrNotFound) {
		t.Errorf("OperatorBySubject after Reset = %v, want ErrNotFound", err)
	}
	register(t, svc, "maria@example.com", "user_2abc")
}

func TestSecondOpenIsInUse(t *testing.T) {
	first := openTemp(t, nil)

	// bbolt's flock belongs to the open file description, so a second Open
	// in the same process waits like one in another process would.
	start := time.Now()
	second, err := boltstore.Open(first.Path(), &boltstore.Options{Timeout: 100 * time.Millisecond})
	elapsed := time.Since(start)
	if err == nil {
		second.Close()
		t.Fatal("second Open = nil, want ErrInUse")
	}
	if !errors.Is(err, boltstore.ErrInUse) {
		t.Errorf("second Open = %v, want ErrInUse", err)
	}
	if elapsed > time.Second {
		t.Errorf("second Open took %v, want about the 100ms timeout", elapsed)
	}
	register(t, newService(t, first), "maria@example.com", "")
}

func TestOpenRefusesUnknownSchemaVersion(t *testing.T) {
	for _, version := range []string{"2", "0", "x"} {
		path := filepath.Join(t.TempDir(), "humop.db")
		st, err := boltstore.Open(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		st.Close()
		if err := boltstore.SetSchemaVersion(path, version); err != nil {
			t.Fatal(err)
		}

		st, err = boltstore.Open(path, nil)
		if err == nil {
			st.Close()
			t.Fatalf("Open of schema version %q = nil, want ErrSchemaVersion", version)
		}
		if !errors.Is(err, boltstore.ErrSchemaVersion) {
			t.Errorf("Open of schema version %q = %v, want ErrSchemaVersion", version, err)
		}
		c, err := boltstore.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if c.Version != version {
			t.Errorf("schema version after refused Open = %q, want %q untouched", c.Version, version)
		}
	}
}

func TestOpenRefusesOtherFiles(t *testing.T) {
	random := make([]byte, 64<<10)
	rand.Read(random)
	for name, content := range map[string][]byte{
		"text":   []byte("name,email\nmaria,maria@example.com\n"),
		"random": random,
		"zeros":  make([]byte, 32<<10),
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "humop.db")
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			st, err := boltstore.Open(path, nil)
			if err == nil {
				st.Close()
				t.Fatal("Open = nil, want ErrNotDatabase")
			}
			if !errors.Is(err, boltstore.ErrNotDatabase) {
				t.Errorf("Open = %v, want ErrNotDatabase", err)
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, content) {
				t.Error("Open changed the file it refused")
			}
		})
	}
}

func TestOpenRefusesForeignBoltFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	if err := boltstore.WriteForeignFile(path); err != nil {
		t.Fatal(err)
	}
	st, err := boltstore.Open(path, nil)
	if err == nil {
		st.Close()
		t.Fatal("Open = nil, want ErrNotDatabase")
	}
	if !errors.Is(err, boltstore.ErrNotDatabase) {
		t.Errorf("Open = %v, want ErrNotDatabase", err)
	}
}

// TestFailingUpdateRuns checks how often a failing Update's function runs.
// Alone, once. Batched, once when it fails before writing, as its error is
// kept from bbolt; twice when it wrote, as bbolt rolls the batch back and
// runs it again alone, so that its writes are not kept.
func TestFailingUpdateRuns(t *testing.T) {
	errBoom := errors.New("boom")
	for _, tc := range []struct {
		name      string
		batched   bool
		writes    bool
		wantCalls int
	}{
		{"alone without writes", false, false, 1},
		{"alone with writes", false, true, 1},
		{"batched without writes", true, false, 1},
		{"batched with writes", true, true, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := openTemp(t, nil)
			if tc.batched {
				// Hold an Update in flight, so that the next is batched.
				started, release := make(chan struct{}), make(chan struct{})
				go st.Update(context.Background(), func(humop.Tx) error {
					close(started)
					<-release
					return nil
				})
				<-started
				time.AfterFunc(20*time.Millisecond, func() { close(release) })
			}

			id := operator.IDPrefix + "01JQ8ZV4Y9D8GJ0X5ZKQ4W3M2N"
			calls := 0
			err := st.Update(context.Background(), func(tx humop.Tx) error {
				calls++
				if tc.writes {
					if err := tx.KYC().Put(kyc.Open(id, time.Now())); err != nil {
						return err
					}
				}
				return errBoom
			})
			if err != errBoom || calls != tc.wantCalls {
				t.Errorf("Update = %v after %d calls, want errBoom after %d", err, calls, tc.wantCalls)
			}
			var getErr error
			st.View(context.Background(), func(tx humop.Tx) error {
				_, getErr = tx.KYC().Get(id)
				return nil
			})
			if !errors.Is(getErr, kyc.ErrNotFound) {
				t.Errorf("KYC().Get after the failed Update = %v, want ErrNotFound", getErr)
			}
		})
	}
}
