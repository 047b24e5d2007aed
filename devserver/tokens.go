package devserver

import (
	"net/http"
	"strings"
	"time"

	"github.com/humop/humop/httpapi"
)

// DevIssuer is the issuer of the dev server's own tokens.
const DevIssuer = "https://humop-devserver.invalid"

// DefaultTokenTTL is how long a dev token lasts unless the request says.
const DefaultTokenTTL = time.Hour

// MaxTokenTTL bounds a dev token's lifetime.
const MaxTokenTTL = 30 * 24 * time.Hour

type tokenRequest struct {
	OperatorID string `json:"operator_id"`
	TTL        string `json:"ttl"`
}

// issueToken serves POST /dev/tokens {"operator_id", "ttl"?}: a session
// token signed with the dev server's key for that operator, linking the
// operator to a development subject when it has none. The token's times
// follow the dev clock.
func (s *Server) issueToken(w http.ResponseWriter, r *http.Request) error {
	var req tokenRequest
	if err := httpapi.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	id := strings.TrimSpace(req.OperatorID)
	if id == "" {
		return invalid("operator_id", "operator_id is required")
	}
	ttl := DefaultTokenTTL
	if req.TTL != "" {
		d, err := time.ParseDuration(req.TTL)
		if err != nil || d <= 0 || d > MaxTokenTTL {
			return invalid("ttl", "ttl must be a Go duration such as \"2h\", above zero and at most 720h")
		}
		ttl = d
	}
	sub, err := s.svc.LinkSubject(r.Context(), id, "user_dev_"+strings.TrimPrefix(id, "op_"))
	if err != nil {
		return err
	}
	token, exp, err := s.signer.Sign(sub, ttl, s.clock.Now(), nil)
	if err != nil {
		return err
	}
	s.log.Info().Str("operator_id", id).Time("expires_at", exp).Msg("dev token issued")
	httpapi.WriteJSON(w, http.StatusCreated, map[string]any{
		"token":      token,
		"expires_at": httpapi.Time(exp),
		"subject":    sub,
	})
	return nil
}

// jwks serves GET /.well-known/jwks.json: the public key of the dev
// tokens.
func (s *Server) jwks(w http.ResponseWriter, r *http.Request) error {
	set, err := s.signer.JWKS()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(set)
	return nil
}
