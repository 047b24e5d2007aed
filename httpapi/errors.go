package httpapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/humop/humop/fault"
)

// statusOf is the one table from error kind to status code.
var statusOf = map[fault.Kind]int{
	fault.Invalid:          http.StatusBadRequest,
	fault.Unauthenticated:  http.StatusUnauthorized,
	fault.PaymentRequired:  http.StatusPaymentRequired,
	fault.Forbidden:        http.StatusForbidden,
	fault.NotFound:         http.StatusNotFound,
	fault.Conflict:         http.StatusConflict,
	fault.Gone:             http.StatusGone,
	fault.TooLarge:         http.StatusRequestEntityTooLarge,
	fault.UnsupportedMedia: http.StatusUnsupportedMediaType,
	fault.Unprocessable:    http.StatusUnprocessableEntity,
}

// errorBody is the shape of every error response.
type errorBody struct {
	Error string `json:"error"`
	Code  string `json:"code,omitempty"`
}

// writeError answers with the status for err's kind. An error without a
// kind is internal: the client gets a generic message with the request id,
// and the cause goes to the log.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	fe := fault.As(err)
	status, ok := 0, false
	if fe != nil {
		status, ok = statusOf[fe.Kind]
	}
	if !ok || errors.Is(err, context.Canceled) {
		h.writeInternal(w, r, err)
		return
	}
	if fe.Kind == fault.Unauthenticated {
		if fe.Code == "invalid_api_key" {
			w.Header().Set("WWW-Authenticate", `APIKey realm="humop", header="X-API-Key"`)
		} else {
			w.Header().Set("WWW-Authenticate", bearerChallenge(fe))
		}
	}
	writeJSON(w, status, errorBody{Error: fe.Message, Code: fe.CodeOrKind()})
}

func (h *Handler) writeInternal(w http.ResponseWriter, r *http.Request, err error) {
	id := requestIDFrom(r.Context())
	h.log.Error().Err(err).Str("request_id", id).Str("method", r.Method).
		Str("path", r.URL.Path).Msg("internal error")
	writeJSON(w, http.StatusInternalServerError, errorBody{
		Error: "internal error; quote request id " + id + " when reporting it",
		Code:  "internal",
	})
}
