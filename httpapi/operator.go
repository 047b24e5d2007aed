package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/humop/humop"
	"github.com/humop/humop/fault"
	"github.com/humop/humop/operator"
	"github.com/humop/humop/skills"
)

// operatorJSON is the operator as the registration answer shows it.
type operatorJSON struct {
	OperatorID string     `json:"operator_id"`
	Name       string     `json:"name"`
	Email      string     `json:"email"`
	KYCStatus  string     `json:"kyc_status"`
	Skills     skills.Set `json:"skills"`
	Rating     Hundredths `json:"rating"`
	CreatedAt  Time       `json:"created_at"`
}

// profileJSON is the whole profile, as GET and PATCH /operator/me show it.
type profileJSON struct {
	operatorJSON
	Phone            *string            `json:"phone"`
	Location         *operator.Location `json:"location"`
	PendingBalance   Hundredths         `json:"pending_balance"`
	AvailableBalance Hundredths         `json:"available_balance"`
	TotalEarned      Hundredths         `json:"total_earned"`
	CompletedTasks   int                `json:"completed_tasks"`
	UpdatedAt        Time               `json:"updated_at"`
}

func newOperatorJSON(p *humop.Profile) operatorJSON {
	op := p.Operator
	return operatorJSON{
		OperatorID: op.ID,
		Name:       op.Name,
		Email:      op.Email,
		KYCStatus:  string(p.KYCStatus),
		Skills:     op.Skills,
		Rating:     Hundredths(op.Rating),
		CreatedAt:  Time(op.CreatedAt),
	}
}

func newProfileJSON(p *humop.Profile) profileJSON {
	out := profileJSON{
		operatorJSON:     newOperatorJSON(p),
		Location:         p.Operator.Location,
		PendingBalance:   Hundredths(p.PendingCents),
		AvailableBalance: Hundredths(p.AvailableCents),
		TotalEarned:      Hundredths(p.TotalEarnedCents),
		CompletedTasks:   p.CompletedTasks,
		UpdatedAt:        Time(p.Operator.UpdatedAt),
	}
	if p.Operator.Phone != "" {
		phone := p.Operator.Phone
		out.Phone = &phone
	}
	return out
}

type locationJSON struct {
	City    string `json:"city"`
	Country string `json:"country"`
}

type registerRequest struct {
	Name     string        `json:"name"`
	Email    string        `json:"email"`
	Phone    string        `json:"phone"`
	Location *locationJSON `json:"location"`
	Skills   []string      `json:"skills"`
}

// registerOperator serves POST /api/v1/operator/register. In development no
// credentials are needed; otherwise a bearer token is, and its subject is
// linked to the new operator.
func (h *Handler) registerOperator(w http.ResponseWriter, r *http.Request) error {
	sub, err := h.auth.subject(r)
	if err != nil {
		return err
	}
	if sub == "" && !h.auth.development {
		return errNoCredentials
	}
	var req registerRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	reg := operator.Registration{
		Name:   req.Name,
		Email:  req.Email,
		Phone:  req.Phone,
		Skills: req.Skills,
	}
	if req.Location != nil {
		reg.Location = &operator.Location{City: req.Location.City, Country: req.Location.Country}
	}
	p, err := h.svc.RegisterOperator(r.Context(), reg, sub)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, newOperatorJSON(p))
	return nil
}

// getMe serves GET /api/v1/operator/me.
func (h *Handler) getMe(w http.ResponseWriter, r *http.Request) error {
	p, err := h.svc.Operator(r.Context(), operatorFrom(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newProfileJSON(p))
	return nil
}

// patchRequest keeps each field raw, to tell an absent field from null.
type patchRequest struct {
	Name      json.RawMessage `json:"name"`
	Phone     json.RawMessage `json:"phone"`
	Location  json.RawMessage `json:"location"`
	Skills    json.RawMessage `json:"skills"`
	Email     json.RawMessage `json:"email"`
	KYCStatus json.RawMessage `json:"kyc_status"`
}

var null = []byte("null")

// patchMe serves PATCH /api/v1/operator/me. Null clears phone and location
// and resets skills to all, as [] does; name cannot be cleared.
func (h *Handler) patchMe(w http.ResponseWriter, r *http.Request) error {
	var req patchRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if req.Email != nil {
		return fault.Invalidf("", "email", "email cannot be changed")
	}
	if req.KYCStatus != nil {
		return fault.Invalidf("", "kyc_status", "kyc_status cannot be changed; it follows the verification review")
	}
	var u operator.Update
	if req.Name != nil {
		var name string
		if err := field(req.Name, "name", "a string", &name); err != nil {
			return err
		}
		u.Name = &name
	}
	if req.Phone != nil {
		phone := ""
		if !bytes.Equal(req.Phone, null) {
			if err := field(req.Phone, "phone", "a string", &phone); err != nil {
				return err
			}
		}
		u.Phone = &phone
	}
	if req.Location != nil {
		loc := operator.Location{}
		if !bytes.Equal(req.Location, null) {
			var lj locationJSON
			if err := field(req.Location, "location", `an object {"city", "country"}`, &lj); err != nil {
				return err
			}
			loc = operator.Location{City: lj.City, Country: lj.Country}
			if loc == (operator.Location{}) {
				return fault.Invalidf("", "location.country",
					"location.country is required: an ISO 3166-1 alpha-2 code such as DE")
			}
		}
		u.Location = &loc
	}
	if req.Skills != nil {
		names := []string{} // null, like [], means every skill
		if !bytes.Equal(req.Skills, null) {
			if err := field(req.Skills, "skills", "an array of skill names", &names); err != nil {
				return err
			}
		}
		u.Skills = &names
	}
	p, err := h.svc.UpdateOperator(r.Context(), operatorFrom(r.Context()), u)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newProfileJSON(p))
	return nil
}

// field decodes one raw field strictly. null is refused: callers that allow
// it check first.
func field(raw json.RawMessage, name, want string, v any) error {
	if bytes.Equal(raw, null) {
		return fault.Invalidf("", name, "%s must be %s, not null", name, want)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if fe := fault.As(decodeError(err)); fe != nil && fe.Code == "unknown_field" {
			fe.Field = name + "." + fe.Field
			fe.Message = fmt.Sprintf("unknown field %q", fe.Field)
			return fe
		}
		return fault.Invalidf("", name, "%s must be %s", name, want)
	}
	return nil
}
