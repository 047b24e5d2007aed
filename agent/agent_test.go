package agent_test

import (
	"crypto/sha256"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop/agent"
	"github.com/humop/humop/fault"
)

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// registered is when test agents register, in a zone other than UTC so that
// normalisation shows.
var registered = time.Date(2026, 4, 2, 14, 0, 0, 0, time.FixedZone("CEST", 2*60*60))

func TestNew(t *testing.T) {
	r := agent.Registration{Name: "  Scout Bot ", Email: " Ops@Example.com ", Company: " Acme "}
	got, err := agent.New(r, "ag_01", "key_01", registered)
	if err != nil {
		t.Fatalf("New() = %v, want no error", err)
	}
	want := &agent.Agent{
		ID:        "ag_01",
		Name:      "Scout Bot",
		Email:     "Ops@Example.com",
		Company:   "Acme",
		Tier:      agent.Sandbox,
		KeyID:     "key_01",
		CreatedAt: registered.UTC(),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("New() mismatch (-want +got):\n%s", diff)
	}
	if got.EmailKey() != "ops@example.com" {
		t.Errorf("EmailKey() = %q, want %q", got.EmailKey(), "ops@example.com")
	}
	if got.Tier != "SANDBOX" {
		t.Errorf("Tier = %q, want SANDBOX", got.Tier)
	}
}

func TestNewRules(t *testing.T) {
	const emailRule = "email must be a valid address such as name@example.com"
	tests := []struct {
		behaviour string
		r         agent.Registration
		field     string // empty when accepted
		message   string
	}{
		{"no company is fine", agent.Registration{Name: "a", Email: "a@b.co"}, "", ""},
		{"name of 100 characters",
			agent.Registration{Name: strings.Repeat("é", 100), Email: "a@b.co"}, "", ""},
		{"company of 200 characters",
			agent.Registration{Name: "a", Email: "a@b.co", Company: strings.Repeat("c", 200)}, "", ""},
		{"plus addressing", agent.Registration{Name: "a", Email: "ops+bot@mail.example.com"}, "", ""},

		{"empty name", agent.Registration{Name: " ", Email: "a@b.co"},
			"name", "name must be 1 to 100 characters"},
		{"name of 101 characters", agent.Registration{Name: strings.Repeat("a", 101), Email: "a@b.co"},
			"name", "name must be 1 to 100 characters"},
		{"name with a control character", agent.Registration{Name: "a\x07", Email: "a@b.co"},
			"name", "name must not contain control characters"},
		{"missing email", agent.Registration{Name: "a"}, "email", "email is required"},
		{"email without at", agent.Registration{Name: "a", Email: "ops.example.com"}, "email", emailRule},
		{"email without a dot in the domain", agent.Registration{Name: "a", Email: "ops@localhost"},
			"email", emailRule},
		{"email with a display name", agent.Registration{Name: "a", Email: "Ops <ops@example.com>"},
			"email", emailRule},
		{"email with a space", agent.Registration{Name: "a", Email: "o ps@example.com"}, "email", emailRule},
		{"email with an empty label", agent.Registration{Name: "a", Email: "ops@example..com"},
			"email", emailRule},
		{"email with a hyphen-led label", agent.Registration{Name: "a", Email: "ops@-example.com"},
			"email", emailRule},
		{"email over 254 characters",
			agent.Registration{Name: "a", Email: "a@" + strings.Repeat("b", 250) + ".com"},
			"email", "email must be at most 254 characters"},
		{"company of 201 characters",
			agent.Registration{Name: "a", Email: "a@b.co", Company: strings.Repeat("c", 201)},
			"company", "company must be at most 200 characters without control characters"},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			got, err := agent.New(tt.r, "ag_01", "key_01", registered)
			if tt.field == "" {
				if err != nil {
					t.Errorf("New(%+v) = %v, want no error", tt.r, err)
				}
				return
			}
			if got != nil {
				t.Errorf("New(%+v) returned an agent with error %v", tt.r, err)
			}
			want := &fault.Error{Kind: fault.Invalid, Op: "agent", Field: tt.field, Message: tt.message}
			if diff := cmp.Diff(want, fault.As(err)); diff != "" {
				t.Errorf("New(%+v) error mismatch (-want +got):\n%s", tt.r, diff)
			}
		})
	}
}

func TestNewKeysHaveTheFormat(t *testing.T) {
	seen := make(map[string]bool)
	for range 10000 {
		key, err := agent.NewKey(nil)
		if err != nil {
			t.Fatalf("NewKey(nil) = %v", err)
		}
		if !agent.ValidKeyFormat(key) {
			t.Fatalf("NewKey(nil) = %q, which ValidKeyFormat refuses", key)
		}
		body, ok := strings.CutPrefix(key, "ho_live_")
		if !ok || len(body) != 48 || strings.Trim(body, alphabet) != "" {
			t.Fatalf("NewKey(nil) = %q, want ho_live_ and 48 of [A-Za-z0-9]", key)
		}
		if seen[key] {
			t.Fatalf("NewKey(nil) returned %q twice", key)
		}
		seen[key] = true
	}
}

// stream is an endless reader whose n-th byte is at(n).
type stream struct {
	at func(n int) byte
	n  int
}

func (s *stream) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = s.at(s.n)
		s.n++
	}
	return len(p), nil
}

func TestNewKeyIsUniform(t *testing.T) {
	// Each key reads bytes that alternate between one that a uniform
	// mapping to 62 characters must throw away (248 to 255) and one that
	// it keeps, counting up from a start. Over every start from 0 to 247,
	// each kept byte value is used 48 times, so each character must come
	// out exactly 4 × 48 times, and in the order the kept bytes say.
	counts := make(map[rune]int)
	for start := range 248 {
		r := &stream{at: func(n int) byte {
			if n%2 == 0 {
				return byte(248 + n/2%8)
			}
			return byte((start + n/2) % 248)
		}}
		key, err := agent.NewKey(r)
		if err != nil {
			t.Fatalf("NewKey() = %v", err)
		}
		var want strings.Builder
		for i := range 48 {
			want.WriteByte(alphabet[(start+i)%248%62])
		}
		if got := strings.TrimPrefix(key, "ho_live_"); got != want.String() {
			t.Fatalf("NewKey(bytes from %d) = %s, want %s", start, got, want.String())
		}
		for _, c := range strings.TrimPrefix(key, "ho_live_") {
			counts[c]++
		}
	}
	for _, c := range alphabet {
		if counts[c] != 4*48 {
			t.Errorf("character %q appears %d times, want %d", c, counts[c], 4*48)
		}
	}
}

func TestNewKeyFailsWithItsReader(t *testing.T) {
	_, err := agent.NewKey(strings.NewReader("short"))
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("NewKey(short reader) = %v, want io.ErrUnexpectedEOF", err)
	}
	// A reader with only rejected bytes runs out rather than looping.
	_, err = agent.NewKey(strings.NewReader(strings.Repeat("\xff", 1000)))
	if err == nil {
		t.Errorf("NewKey(reader of 0xff bytes) = nil error, want one")
	}
}

func TestValidKeyFormat(t *testing.T) {
	valid := "ho_live_" + strings.Repeat("aZ9", 16)
	tests := []struct {
		behaviour string
		key       string
		want      bool
	}{
		{"prefix and 48 alphanumerics", valid, true},
		{"empty", "", false},
		{"prefix only", "ho_live_", false},
		{"47 characters", valid[:len(valid)-1], false},
		{"49 characters", valid + "a", false},
		{"test prefix", "ho_test_" + strings.Repeat("a", 48), false},
		{"upper-case prefix", "HO_LIVE_" + strings.Repeat("a", 48), false},
		{"an underscore in the body", "ho_live_" + strings.Repeat("a", 47) + "_", false},
		{"a non-ASCII letter in the body", "ho_live_" + strings.Repeat("a", 46) + "é", false},
		{"spaces around it", " " + valid, false},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			if got := agent.ValidKeyFormat(tt.key); got != tt.want {
				t.Errorf("ValidKeyFormat(%q) = %v, want %v", tt.key, got, tt.want)
			}
		})
	}
}

func TestKeyMatches(t *testing.T) {
	key, err := agent.NewKey(nil)
	if err != nil {
		t.Fatalf("NewKey() = %v", err)
	}
	if got, want := agent.HashKey(key), sha256.Sum256([]byte(key)); got != want {
		t.Errorf("HashKey(key) = %x, want SHA-256 %x", got, want)
	}
	reg := agent.Registration{Name: "bot", Email: "bot@example.com"}
	a, err := agent.New(reg, "ag_01", "key_01", registered)
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	if a.KeyMatches(key) || a.KeyMatches("") {
		t.Errorf("an agent without a key hash matches a key")
	}
	a.KeyHash = agent.HashKey(key)
	other, _ := agent.NewKey(nil)
	tests := []struct {
		behaviour string
		key       string
		want      bool
	}{
		{"its own key matches", key, true},
		{"another key does not", other, false},
		{"the key with one character changed does not", key[:len(key)-1] + flip(key[len(key)-1]), false},
		{"an empty key does not", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			if got := a.KeyMatches(tt.key); got != tt.want {
				t.Errorf("KeyMatches() = %v, want %v", got, tt.want)
			}
		})
	}
}

func flip(c byte) string {
	if c == 'a' {
		return "b"
	}
	return "a"
}

func TestClone(t *testing.T) {
	a := &agent.Agent{ID: "ag_01", Name: "bot", KeyHash: agent.HashKey("k")}
	c := a.Clone()
	c.Name = "changed"
	c.KeyHash[0]++
	if a.Name != "bot" || a.KeyHash != agent.HashKey("k") {
		t.Errorf("changing a clone changed the original: %+v", a)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		err  *fault.Error
		kind fault.Kind
	}{
		{agent.ErrNotFound, fault.NotFound},
		{agent.ErrEmailTaken, fault.Conflict},
		{agent.ErrBadKey, fault.Unauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.err.Message, func(t *testing.T) {
			if tt.err.Kind != tt.kind {
				t.Errorf("%v kind = %v, want %v", tt.err, tt.err.Kind, tt.kind)
			}
		})
	}
}
