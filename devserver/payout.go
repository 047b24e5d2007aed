package devserver

import (
	"net/http"
	"strings"

	"github.com/humop/humop/httpapi"
)

type settleRequest struct {
	Outcome string `json:"outcome"`
	TxHash  string `json:"tx_hash"`
	Reason  string `json:"reason"`
}

// settlePayout serves POST /dev/payouts/{id}/settle {"outcome":
// "CONFIRMED"|"FAILED", "tx_hash"?, "reason"?}: the chain's answer, as a
// payout processor would report it. A failed payout's amount is available
// again at once.
func (s *Server) settlePayout(w http.ResponseWriter, r *http.Request) error {
	var req settleRequest
	if err := httpapi.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	var confirmed bool
	switch strings.TrimSpace(req.Outcome) {
	case "CONFIRMED":
		confirmed = true
	case "FAILED":
	default:
		return invalid("outcome", `outcome must be "CONFIRMED" or "FAILED"`)
	}
	p, err := s.svc.SettlePayout(r.Context(), r.PathValue("id"), confirmed, strings.TrimSpace(req.TxHash), req.Reason)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, httpapi.NewPayoutJSON(p))
	return nil
}
