package humop

import (
	"context"
	"errors"
	"strings"

	"github.com/humop/humop/agent"
)

// RegisterAgent checks r and creates the agent with a new API key, which
// is returned here and nowhere else: only its hash is stored.
//
// Errors: a fault.Invalid naming the field, agent.ErrEmailTaken.
func (s *Service) RegisterAgent(ctx context.Context, r agent.Registration) (*agent.Agent, string, error) {
	a, err := agent.New(r, agent.IDPrefix+s.newID(), agent.KeyIDPrefix+s.newID(), s.Now())
	if err != nil {
		return nil, "", err
	}
	key, err := agent.NewKey(nil)
	if err != nil {
		return nil, "", err
	}
	a.KeyHash = agent.HashKey(key)
	err = s.store.Update(ctx, func(tx Tx) error { return tx.Agents().Insert(a) })
	if err != nil {
		return nil, "", err
	}
	s.log.Info().Str("agent_id", a.ID).Str("key_id", a.KeyID).Str("email", MaskEmail(a.Email)).
		Msg("agent registered")
	return a, key, nil
}

// AgentByKey returns the agent whose API key is key, or agent.ErrBadKey
// when the key is missing, malformed or unknown.
func (s *Service) AgentByKey(ctx context.Context, key string) (*agent.Agent, error) {
	key = strings.TrimSpace(key)
	if !agent.ValidKeyFormat(key) {
		return nil, agent.ErrBadKey
	}
	var a *agent.Agent
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		a, err = tx.Agents().ByKeyHash(agent.HashKey(key))
		return err
	})
	if errors.Is(err, agent.ErrNotFound) || (err == nil && !a.KeyMatches(key)) {
		return nil, agent.ErrBadKey
	}
	return a, err
}

// RegisterAgentWithKey is RegisterAgent with a key chosen by the caller
// instead of a new one, for fixtures that clients know in advance. The key
// must have the ho_live_ form.
func (s *Service) RegisterAgentWithKey(ctx context.Context, r agent.Registration, key string) (*agent.Agent, error) {
	if !agent.ValidKeyFormat(key) {
		return nil, agent.ErrBadKey
	}
	a, err := agent.New(r, agent.IDPrefix+s.newID(), agent.KeyIDPrefix+s.newID(), s.Now())
	if err != nil {
		return nil, err
	}
	a.KeyHash = agent.HashKey(key)
	if err := s.store.Update(ctx, func(tx Tx) error { return tx.Agents().Insert(a) }); err != nil {
		return nil, err
	}
	s.log.Info().Str("agent_id", a.ID).Str("key_id", a.KeyID).Msg("agent registered with a given key")
	return a, nil
}
