package devserver

import (
	"net/http"
	"strings"

	"github.com/humop/humop/httpapi"
	"github.com/humop/humop/kyc"
)

// ActorDevControl is the actor recorded for decisions made through the
// dev control.
const ActorDevControl = "dev-control"

type kycDecisionRequest struct {
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
	Final    bool   `json:"final"`
	Review   int    `json:"review"`
}

// decideKYC serves POST /dev/operators/{id}/kyc, the manual reviewer. It
// decides the open review; an operator who has submitted nothing is
// exempted instead (approved or rejected without documents, and the history
// says so). A decision repeated changes nothing.
func (s *Server) decideKYC(w http.ResponseWriter, r *http.Request) error {
	var req kycDecisionRequest
	if err := httpapi.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	d := kyc.Decision{
		Status: kyc.Status(strings.TrimSpace(req.Decision)),
		Reason: strings.TrimSpace(req.Reason),
		Final:  req.Final,
		Review: req.Review,
		Actor:  ActorDevControl,
	}
	if d.Status != kyc.Approved && d.Status != kyc.Rejected {
		return invalid("decision", `decision must be "APPROVED" or "REJECTED"`)
	}
	if d.Status == kyc.Rejected && d.Reason == "" {
		d.Reason = "rejected through the dev control"
	}
	if d.Status == kyc.Approved && d.Reason == "" {
		d.Reason = "approved through the dev control"
	}
	id := r.PathValue("id")
	c, err := s.svc.KYC(r.Context(), id)
	if err != nil {
		return err
	}
	if c.Submission == nil && c.Status == kyc.Pending {
		c, err = s.svc.ExemptKYC(r.Context(), id, d)
	} else {
		c, err = s.svc.DecideKYC(r.Context(), id, d)
	}
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, httpapi.NewKYCJSON(c))
	return nil
}
