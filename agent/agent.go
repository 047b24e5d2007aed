// Package agent holds the accounts of the AI agents that post tasks, and
// their API keys. On the hosted service agents live on the platform; the dev
// server keeps them here so that it can play the platform's part.
//
// An agent registers with a name and an email (unique, compared
// case-insensitively after trimming) and receives one API key,
// "ho_live_" and 48 letters and digits, shown once. Only the key's SHA-256
// hash is kept; a request is authenticated by hashing the key it carries
// and looking the hash up (Store.ByKeyHash). The package does no I/O besides
// reading randomness for new keys.
package agent

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/humop/humop/fault"
	"github.com/humop/humop/internal/textcheck"
)

// Prefixes of the ids and keys this package deals in.
const (
	IDPrefix    = "ag_"      // agent ids
	KeyIDPrefix = "key_"     // API key ids
	KeyPrefix   = "ho_live_" // API keys themselves
)

// KeyLen is the number of random characters after KeyPrefix in an API key.
const KeyLen = 48

// keyAlphabet is what the random part of a key is drawn from. 48 characters
// from 62 give about 286 bits of entropy.
const keyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// Limits on registration fields, in characters after trimming.
const (
	MaxNameLen    = 100
	MaxEmailLen   = 254
	MaxCompanyLen = 200
)

// Tier is an agent's service level.
type Tier string

// Sandbox is the tier of every agent the dev server registers.
const Sandbox Tier = "SANDBOX"

// Agent is a registered agent.
type Agent struct {
	ID      string // IDPrefix and a ULID
	Name    string
	Email   string // trimmed, as given; see EmailKey for comparisons
	Company string // optional
	Tier    Tier
	// KeyID names the agent's API key ("key_" and a ULID), so the key can
	// be referred to (in logs, for rotation) without showing it.
	KeyID string
	// KeyHash is HashKey of the API key. The zero hash matches no key.
	KeyHash   [32]byte
	CreatedAt time.Time
}

// Clone returns a copy of a, so a store can hand out values that its callers
// may change freely.
func (a *Agent) Clone() *Agent {
	c := *a
	return &c
}

// EmailKey returns the form of a's email used for uniqueness.
func (a *Agent) EmailKey() string { return EmailKey(a.Email) }

// EmailKey returns the comparison form of an email: trimmed and lower-cased.
// Two addresses with the same key belong to one agent.
func EmailKey(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// Errors returned by the rules and by stores.
var (
	// ErrNotFound is returned when no agent has the id or key hash.
	ErrNotFound = fault.New(fault.NotFound, "agent", "agent_not_found", "agent not found")
	// ErrEmailTaken is returned when another agent has the same email.
	ErrEmailTaken = fault.New(fault.Conflict, "agent", "email_taken", "email is already registered")
	// ErrBadKey is returned when a request's API key is missing, malformed
	// or unknown. It says no more than that, whichever it is.
	ErrBadKey = fault.New(fault.Unauthenticated, "agent", "invalid_api_key",
		"X-API-Key is missing or not a valid API key")
)

// Registration is what a new agent gives.
type Registration struct {
	Name    string // "name"
	Email   string // "email"
	Company string // "company"; optional
}

// New checks r and returns the new agent with the given id and key id,
// created at now, in the Sandbox tier. KeyHash is left zero, so the agent
// matches no key until the caller sets it to HashKey of the key it issues
// (from NewKey) alongside. The first rule broken is returned as a
// *fault.Error of kind Invalid naming the field.
func New(r Registration, id, keyID string, now time.Time) (*Agent, error) {
	name := strings.TrimSpace(r.Name)
	if n := utf8.RuneCountInString(name); n < 1 || n > MaxNameLen {
		return nil, invalid("name", "name must be 1 to %d characters", MaxNameLen)
	}
	if textcheck.HasControl(name) {
		return nil, invalid("name", "name must not contain control characters")
	}
	email, err := checkEmail(r.Email)
	if err != nil {
		return nil, err
	}
	company := strings.TrimSpace(r.Company)
	if utf8.RuneCountInString(company) > MaxCompanyLen || textcheck.HasControl(company) {
		return nil, invalid("company",
			"company must be at most %d characters without control characters", MaxCompanyLen)
	}
	return &Agent{
		ID:        id,
		Name:      name,
		Email:     email,
		Company:   company,
		Tier:      Sandbox,
		KeyID:     keyID,
		CreatedAt: now.UTC(),
	}, nil
}

func invalid(field, format string, args ...any) error {
	return fault.Invalidf("agent", field, format, args...)
}

// checkEmail trims s and checks it is a plain address, by the same rule as
// operators' emails.
func checkEmail(s string) (string, error) {
	email := strings.TrimSpace(s)
	if email == "" {
		return "", invalid("email", "email is required")
	}
	if len(email) > MaxEmailLen {
		return "", invalid("email", "email must be at most %d characters", MaxEmailLen)
	}
	if !textcheck.Email(email) {
		return "", invalid("email", "email must be a valid address such as name@example.com")
	}
	return email, nil
}

// NewKey returns a new API key: KeyPrefix and KeyLen characters drawn
// uniformly from letters and digits, reading randomness from r, or from
// crypto/rand.Reader when r is nil. It fails only when r does.
func NewKey(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	// Rejection sampling: a byte maps to a character only when it is below
	// the largest multiple of 62 that fits in a byte (248), so every
	// character is equally likely; about 3% of bytes are thrown away.
	const limit = 256 - 256%len(keyAlphabet)
	key := make([]byte, len(KeyPrefix), len(KeyPrefix)+KeyLen)
	copy(key, KeyPrefix)
	buf := make([]byte, KeyLen+KeyLen/4)
	for len(key) < cap(key) {
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", fmt.Errorf("agent: read randomness for an API key: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(key) < cap(key) {
				key = append(key, keyAlphabet[int(b)%len(keyAlphabet)])
			}
		}
	}
	return string(key), nil
}

// HashKey returns the SHA-256 hash of key, the form in which keys are stored
// and looked up. A fast hash is enough here, unlike for passwords: a key
// carries about 286 random bits, so no guessing attack can use the speed, and
// a fast unsalted hash lets a store find an agent by its key's hash in one
// lookup.
func HashKey(key string) [32]byte {
	return sha256.Sum256([]byte(key))
}

// ValidKeyFormat reports whether key has the form of an API key: KeyPrefix
// and KeyLen ASCII letters or digits. It says nothing about whether the key
// was issued.
func ValidKeyFormat(key string) bool {
	body, ok := strings.CutPrefix(key, KeyPrefix)
	if !ok || len(body) != KeyLen {
		return false
	}
	for i := 0; i < len(body); i++ {
		if !strings.ContainsRune(keyAlphabet, rune(body[i])) {
			return false
		}
	}
	return true
}

// KeyMatches reports whether key is a's API key. The hashes are compared in
// constant time. An agent whose KeyHash is zero matches no key.
func (a *Agent) KeyMatches(key string) bool {
	if a.KeyHash == ([32]byte{}) {
		return false
	}
	h := HashKey(key)
	return subtle.ConstantTimeCompare(h[:], a.KeyHash[:]) == 1
}

// Store keeps agents. Implementations are bound to one transaction (see
// humop.Tx) and need not be safe for concurrent use on their own.
type Store interface {
	// Insert adds a. It returns ErrEmailTaken when another agent has the
	// same EmailKey.
	Insert(a *Agent) error
	// Get returns the agent with the id, or ErrNotFound.
	Get(id string) (*Agent, error)
	// ByKeyHash returns the agent whose KeyHash is h, or ErrNotFound.
	// Adapters index agents by KeyHash.
	ByKeyHash(h [32]byte) (*Agent, error)
}
