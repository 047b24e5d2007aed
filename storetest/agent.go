package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/oklog/ulid/v2"

	"github.com/humop/humop"
	"github.com/humop/humop/agent"
)

var agentChecks = []check{
	{"inserted agent reads back unchanged", testAgentRoundTrip},
	{"unknown or malformed agent id is ErrNotFound", testAgentNotFound},
	{"agent email is unique ignoring case and surrounding spaces", testAgentEmailUnique},
	{"by key hash finds the agent", testAgentByKeyHash},
	{"zero key hash matches no agent", testAgentZeroKeyHash},
	{"changing a returned agent does not change the store", testAgentCopyOut},
}

// newAgent returns an agent with every field set, a new id and a key hash
// made from the email.
func newAgent(email string) *agent.Agent {
	return &agent.Agent{
		ID:        agent.IDPrefix + ulid.Make().String(),
		Name:      "Acme Research Bot",
		Email:     email,
		Company:   "Acme",
		Tier:      agent.Sandbox,
		KeyID:     agent.KeyIDPrefix + ulid.Make().String(),
		KeyHash:   agent.HashKey("key for " + email),
		CreatedAt: stamp,
	}
}

func insertAgents(t *testing.T, st humop.Store, as ...*agent.Agent) {
	t.Helper()
	update(t, st, func(tx humop.Tx) error {
		for _, a := range as {
			if err := tx.Agents().Insert(a); err != nil {
				return err
			}
		}
		return nil
	})
}

func getAgent(st humop.Store, id string) (*agent.Agent, error) {
	var a *agent.Agent
	err := st.View(context.Background(), func(tx humop.Tx) error {
		var err error
		a, err = tx.Agents().Get(id)
		return err
	})
	return a, err
}

func agentByKeyHash(st humop.Store, h [32]byte) (*agent.Agent, error) {
	var a *agent.Agent
	err := st.View(context.Background(), func(tx humop.Tx) error {
		var err error
		a, err = tx.Agents().ByKeyHash(h)
		return err
	})
	return a, err
}

func testAgentRoundTrip(t *testing.T, st humop.Store) {
	want := newAgent("bot@acme.example")
	bare := &agent.Agent{ID: agent.IDPrefix + ulid.Make().String(), Name: "B", Email: "b@example.com",
		Tier: agent.Sandbox, CreatedAt: stamp}
	insertAgents(t, st, want, bare)

	for _, w := range []*agent.Agent{want, bare} {
		got, err := getAgent(st, w.ID)
		if err != nil {
			t.Fatalf("Get(%s) = %v", w.ID, err)
		}
		if diff := cmp.Diff(w, got); diff != "" {
			t.Errorf("Get after Insert (-want +got):\n%s", diff)
		}
	}
}

func testAgentNotFound(t *testing.T, st humop.Store) {
	known := newAgent("bot@acme.example")
	insertAgents(t, st, known)

	for _, id := range []string{agent.IDPrefix + ulid.Make().String(), "", agent.IDPrefix, "ag_nope",
		known.ID[len(agent.IDPrefix):]} {
		if _, err := getAgent(st, id); !errors.Is(err, agent.ErrNotFound) {
			t.Errorf("Get(%q) = %v, want ErrNotFound", id, err)
		}
	}
}

func testAgentEmailUnique(t *testing.T, st humop.Store) {
	insertAgents(t, st, newAgent("bot@acme.example"))

	dup := newAgent(" BOT@Acme.example ")
	err := st.Update(context.Background(), func(tx humop.Tx) error { return tx.Agents().Insert(dup) })
	if !errors.Is(err, agent.ErrEmailTaken) {
		t.Errorf("Insert with a taken email = %v, want ErrEmailTaken", err)
	}
	// A refused insert leaves no key index entry.
	update(t, st, func(tx humop.Tx) error {
		if err := tx.Agents().Insert(dup); !errors.Is(err, agent.ErrEmailTaken) {
			t.Errorf("Insert with a taken email = %v, want ErrEmailTaken", err)
		}
		return nil
	})
	if _, err := agentByKeyHash(st, dup.KeyHash); !errors.Is(err, agent.ErrNotFound) {
		t.Errorf("ByKeyHash(refused agent's key) = %v, want ErrNotFound", err)
	}
	insertAgents(t, st, newAgent("bot2@acme.example"))
}

func testAgentByKeyHash(t *testing.T, st humop.Store) {
	a, b := newAgent("a@acme.example"), newAgent("b@acme.example")
	insertAgents(t, st, a, b)

	got, err := agentByKeyHash(st, b.KeyHash)
	if err != nil {
		t.Fatalf("ByKeyHash = %v, want the agent", err)
	}
	if diff := cmp.Diff(b, got); diff != "" {
		t.Errorf("ByKeyHash (-want +got):\n%s", diff)
	}
	if _, err := agentByKeyHash(st, agent.HashKey("unknown")); !errors.Is(err, agent.ErrNotFound) {
		t.Errorf("ByKeyHash(unknown) = %v, want ErrNotFound", err)
	}
}

func testAgentZeroKeyHash(t *testing.T, st humop.Store) {
	keyless := newAgent("keyless@acme.example")
	keyless.KeyID, keyless.KeyHash = "", [32]byte{}
	insertAgents(t, st, keyless, newAgent("keyed@acme.example"))

	if a, err := agentByKeyHash(st, [32]byte{}); !errors.Is(err, agent.ErrNotFound) {
		t.Errorf("ByKeyHash(zero) = %v, %v, want ErrNotFound", a, err)
	}
}

func testAgentCopyOut(t *testing.T, st humop.Store) {
	want := newAgent("bot@acme.example")
	insertAgents(t, st, want.Clone())

	got, err := getAgent(st, want.ID)
	if err != nil {
		t.Fatal(err)
	}
	got.Name = "Changed"
	got.KeyHash[0] ^= 0xff
	got, err = getAgent(st, want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Get after changing a returned agent (-want +got):\n%s", diff)
	}
}
