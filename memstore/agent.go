package memstore

import (
	"encoding/hex"

	"github.com/humop/humop/agent"
)

type agents struct{ t *tx }

func (s agents) Insert(a *agent.Agent) error {
	if err := s.t.checkWritable(); err != nil {
		return err
	}
	d := s.t.d
	key := a.EmailKey()
	if _, ok := d.agentEmails.get(key); ok {
		return agent.ErrEmailTaken
	}
	d.agentEmails.put(key, a.ID)
	if a.KeyHash != ([32]byte{}) { // the zero hash matches no key
		d.agentKeys.put(hex.EncodeToString(a.KeyHash[:]), a.ID)
	}
	d.agents.put(a.ID, a.Clone())
	return nil
}

func (s agents) Get(id string) (*agent.Agent, error) {
	a, ok := s.t.d.agents.get(id)
	if !ok {
		return nil, agent.ErrNotFound
	}
	return a.Clone(), nil
}

func (s agents) ByKeyHash(h [32]byte) (*agent.Agent, error) {
	if h == ([32]byte{}) {
		return nil, agent.ErrNotFound
	}
	id, ok := s.t.d.agentKeys.get(hex.EncodeToString(h[:]))
	if !ok {
		return nil, agent.ErrNotFound
	}
	return s.Get(id)
}
