package httpapi

import (
	"net/http"

	"github.com/humop/humop/kyc"
)

// documentJSON is one document; each kind shows only its own fields.
type documentJSON struct {
	Type     string `json:"type,omitempty"`
	Country  string `json:"country,omitempty"`
	IssuedOn string `json:"issued_on,omitempty"`
	FileURL  string `json:"file_url"`
}

// kycRequest is the body of POST /api/v1/operator/kyc. Each document
// accepts only its own fields.
type kycRequest struct {
	IDDocument *struct {
		Type    string `json:"type"`
		Country string `json:"country"`
		FileURL string `json:"file_url"`
	} `json:"id_document"`
	Selfie *struct {
		FileURL string `json:"file_url"`
	} `json:"selfie"`
	ProofOfAddress *struct {
		Type     string `json:"type"`
		IssuedOn string `json:"issued_on"`
		FileURL  string `json:"file_url"`
	} `json:"proof_of_address"`
}

func (req kycRequest) raw() kyc.RawSubmission {
	var r kyc.RawSubmission
	if d := req.IDDocument; d != nil {
		r.IDDocument = &kyc.RawDocument{Type: d.Type, Country: d.Country, FileURL: d.FileURL}
	}
	if d := req.Selfie; d != nil {
		r.Selfie = &kyc.RawDocument{FileURL: d.FileURL}
	}
	if d := req.ProofOfAddress; d != nil {
		r.ProofOfAddress = &kyc.RawDocument{Type: d.Type, IssuedOn: d.IssuedOn, FileURL: d.FileURL}
	}
	return r
}

// submitKYC serves POST /api/v1/operator/kyc.
func (h *Handler) submitKYC(w http.ResponseWriter, r *http.Request) error {
	var req kycRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	c, err := h.svc.SubmitKYC(r.Context(), operatorFrom(r.Context()), req.raw())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]any{
		"kyc_status":   c.Status,
		"submitted_at": Time(c.SubmittedAt),
		"review":       c.Review,
	})
	return nil
}

// KYCEventJSON is one entry of a case's history on the wire.
type KYCEventJSON struct {
	At     Time       `json:"at"`
	From   kyc.Status `json:"from,omitempty"`
	To     kyc.Status `json:"to"`
	Actor  string     `json:"actor"`
	Reason string     `json:"reason,omitempty"`
	Review int        `json:"review,omitempty"`
	Final  bool       `json:"final,omitempty"`
}

// KYCJSON is a case on the wire, as GET /api/v1/operator/kyc shows it to
// its operator.
type KYCJSON struct {
	Status          kyc.Status     `json:"kyc_status"`
	SubmittedAt     *Time          `json:"submitted_at"`
	DecidedAt       *Time          `json:"decided_at"`
	RejectionReason *string        `json:"rejection_reason"`
	Final           bool           `json:"final"`
	Review          int            `json:"review"`
	ReviewOpen      bool           `json:"review_open"`
	Submission      *documentsJSON `json:"submission"`
	History         []KYCEventJSON `json:"history"`
}

type documentsJSON struct {
	IDDocument     documentJSON `json:"id_document"`
	Selfie         documentJSON `json:"selfie"`
	ProofOfAddress documentJSON `json:"proof_of_address"`
}

// NewKYCJSON returns c as the wire shows it to its own operator.
func NewKYCJSON(c *kyc.Case) KYCJSON {
	out := KYCJSON{
		Status:      c.Status,
		SubmittedAt: optTime(c.SubmittedAt),
		DecidedAt:   optTime(c.DecidedAt),
		Final:       c.Final,
		Review:      c.Review,
		ReviewOpen:  c.ReviewOpen,
		History:     make([]KYCEventJSON, len(c.History)),
	}
	if c.Status == kyc.Rejected {
		reason := c.RejectionReason
		out.RejectionReason = &reason
	}
	if s := c.Submission; s != nil {
		out.Submission = &documentsJSON{
			IDDocument: documentJSON{Type: string(s.IDDocument.Type), Country: s.IDDocument.Country,
				FileURL: s.IDDocument.FileURL},
			Selfie: documentJSON{FileURL: s.Selfie.FileURL},
			ProofOfAddress: documentJSON{Type: string(s.ProofOfAddress.Type),
				IssuedOn: s.ProofOfAddress.IssuedOn.String(), FileURL: s.ProofOfAddress.FileURL},
		}
	}
	for i, e := range c.History {
		out.History[i] = KYCEventJSON{At: Time(e.At), From: e.From, To: e.To, Actor: e.Actor,
			Reason: e.Reason, Review: e.Review, Final: e.Final}
	}
	return out
}

// getKYC serves GET /api/v1/operator/kyc.
func (h *Handler) getKYC(w http.ResponseWriter, r *http.Request) error {
	c, err := h.svc.KYC(r.Context(), operatorFrom(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, NewKYCJSON(c))
	return nil
}
