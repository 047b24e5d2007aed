package boltstore

import (
	"fmt"
	"time"

	"github.com/humop/humop/agent"
)

// agentRecord is an agent as stored. The id is the record's key.
type agentRecord struct {
	Name      string     `json:"name"`
	Email     string     `json:"email"`
	Company   string     `json:"company,omitempty"`
	Tier      agent.Tier `json:"tier"`
	KeyID     string     `json:"key_id,omitempty"`
	KeyHash   []byte     `json:"key_hash,omitempty"` // 32 bytes, base64; absent for the zero hash
	CreatedAt time.Time  `json:"created_at"`
}

func encodeAgent(a *agent.Agent) ([]byte, error) {
	rec := agentRecord{
		Name: a.Name, Email: a.Email, Company: a.Company, Tier: a.Tier, KeyID: a.KeyID,
		CreatedAt: a.CreatedAt.UTC(),
	}
	if a.KeyHash != ([32]byte{}) {
		rec.KeyHash = a.KeyHash[:]
	}
	return marshal(rec)
}

func decodeAgent(key, b []byte) (*agent.Agent, error) {
	var rec agentRecord
	if err := unmarshal(b, &rec); err != nil {
		return nil, err
	}
	a := &agent.Agent{
		ID: keyID(agent.IDPrefix, key), Name: rec.Name, Email: rec.Email, Company: rec.Company,
		Tier: rec.Tier, KeyID: rec.KeyID, CreatedAt: rec.CreatedAt,
	}
	if len(rec.KeyHash) != 0 && len(rec.KeyHash) != len(a.KeyHash) {
		return nil, fmt.Errorf("key hash of %d bytes", len(rec.KeyHash))
	}
	copy(a.KeyHash[:], rec.KeyHash)
	return a, nil
}

// agents is the agent.Store of one transaction.
type agents struct{ t *tx }

func (s agents) Insert(a *agent.Agent) error {
	if err := s.t.checkWritable("insert agent", a.ID); err != nil {
		return err
	}
	key, ok := idKey(agent.IDPrefix, a.ID)
	if !ok {
		return fmt.Errorf("boltstore: insert agent %q: id is not %q and a ULID", a.ID, agent.IDPrefix)
	}
	b := s.t.b
	if b.agents.Get(key) != nil {
		return fmt.Errorf("boltstore: insert agent %s: id already taken", a.ID)
	}
	email := []byte(a.EmailKey())
	if b.agentEmails.Get(email) != nil {
		return agent.ErrEmailTaken
	}
	v, err := encodeAgent(a)
	if err != nil {
		return fmt.Errorf("boltstore: insert agent %s: %w", a.ID, err)
	}

	s.t.wrote = true
	if err := b.agents.Put(key, v); err != nil {
		return fmt.Errorf("boltstore: insert agent %s: %w", a.ID, err)
	}
	if err := b.agentEmails.Put(email, key); err != nil {
		return fmt.Errorf("boltstore: insert agent %s: email index: %w", a.ID, err)
	}
	if a.KeyHash != ([32]byte{}) {
		if err := b.agentKeys.Put(a.KeyHash[:], key); err != nil {
			return fmt.Errorf("boltstore: insert agent %s: key index: %w", a.ID, err)
		}
	}
	return nil
}

func (s agents) Get(id string) (*agent.Agent, error) {
	key, ok := idKey(agent.IDPrefix, id)
	if !ok {
		return nil, agent.ErrNotFound
	}
	return s.get(key)
}

func (s agents) get(key []byte) (*agent.Agent, error) {
	v := s.t.b.agents.Get(key)
	if v == nil {
		return nil, agent.ErrNotFound
	}
	a, err := decodeAgent(key, v)
	if err != nil {
		return nil, fmt.Errorf("boltstore: get agent %s: %w", keyID(agent.IDPrefix, key), err)
	}
	return a, nil
}

// ByKeyHash finds no agent for the zero hash, which matches no key.
func (s agents) ByKeyHash(h [32]byte) (*agent.Agent, error) {
	if h == ([32]byte{}) {
		return nil, agent.ErrNotFound
	}
	key := s.t.b.agentKeys.Get(h[:])
	if key == nil {
		return nil, agent.ErrNotFound
	}
	return s.get(key)
}
