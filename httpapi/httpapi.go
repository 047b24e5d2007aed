// Package httpapi serves humop's wire contract over HTTP.
//
// New returns an http.Handler for a humop.Service. The handler decodes JSON
// strictly (unknown fields, trailing data and bodies over MaxBodyBytes are
// refused), authenticates operators, maps every error through one table from
// fault.Kind to status code, answers every failure as {"error": "..."} with a
// message that names the field, gives every response an X-Request-Id, and
// writes one access line per request to its logger.
//
// The handler holds no business rule: it translates between HTTP and the
// Service.
package httpapi

import (
	"context"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/humop/humop"
)

// MaxBodyBytes is the largest request body accepted (1 MiB). Larger bodies
// get 413.
const MaxBodyBytes = 1 << 20

// TokenVerifier checks a bearer token and returns the identity (subject) it
// was issued to. A failed check returns an error whose message may be shown
// to the client; see clerk.Verifier for the production implementation.
type TokenVerifier interface {
	VerifySubject(ctx context.Context, token string) (subject string, err error)
}

// Options configure the handler. The zero value of each field but Service is
// usable.
type Options struct {
	// Service runs the use cases. Required.
	Service *humop.Service
	// Logger receives one access line per request and one error line per
	// internal failure. The zero Logger writes nothing.
	Logger zerolog.Logger
	// Tokens verifies operator bearer tokens. When nil, bearer tokens are
	// refused with 401 and only the development bypass (if on) can
	// authenticate an operator.
	Tokens TokenVerifier
	// RateLimit, when set, limits each client's requests; beyond it they
	// get 429 with Retry-After. Nil: no limit.
	RateLimit *RateLimit
	// Development turns on the development conveniences: the X-Operator-Id
	// header is accepted in place of a token, and registering needs no
	// token. Off by default; never turn it on in production.
	Development bool
}

// Handler is the wire contract's http.Handler. Create it with New.
type Handler struct {
	svc     *humop.Service
	log     zerolog.Logger
	auth    authenticator
	mux     *http.ServeMux
	limiter *limiter // nil without a rate limit
}

// New returns a Handler serving opts.Service. It panics if opts.Service is
// nil, which is a programming error.
func New(opts Options) *Handler {
	if opts.Service == nil {
		panic("httpapi: Options.Service is required")
	}
	h := &Handler{
		svc: opts.Service,
		log: opts.Logger,
		auth: authenticator{
			svc:         opts.Service,
			tokens:      opts.Tokens,
			development: opts.Development,
		},
		mux: http.NewServeMux(),
	}
	if opts.RateLimit != nil && opts.RateLimit.PerSecond > 0 {
		h.limiter = newLimiter(*opts.RateLimit)
	}
	h.routes()
	return h
}

func (h *Handler) routes() {
	h.handle("POST /api/v1/operator/register", h.registerOperator)
	h.handle("GET /api/v1/operator/me", h.operatorOnly(h.getMe))
	h.handle("PATCH /api/v1/operator/me", h.operatorOnly(h.patchMe))
	h.handle("POST /api/v1/operator/kyc", h.operatorOnly(h.submitKYC))
	h.handle("GET /api/v1/operator/kyc", h.operatorOnly(h.getKYC))
	h.handle("GET /api/v1/operator/tasks", h.operatorOnly(h.browseTasks))
	h.handle("GET /api/v1/operator/tasks/assigned", h.operatorOnly(h.assignedTasks))
	h.handle("GET /api/v1/operator/tasks/{id}", h.operatorOnly(h.getOperatorTask))
	h.handle("POST /api/v1/operator/tasks/{id}/accept", h.operatorOnly(h.acceptTask))
	h.handle("POST /api/v1/operator/tasks/{id}/start", h.operatorOnly(h.startTask))
	h.handle("POST /api/v1/operator/tasks/{id}/submit", h.operatorOnly(h.submitTask))
	h.handle("GET /api/v1/operator/earnings", h.operatorOnly(h.earnings))
	h.handle("POST /api/v1/operator/payout", h.operatorOnly(h.requestPayout))
	h.handle("GET /api/v1/operator/payouts", h.operatorOnly(h.listPayouts))

	h.handle("POST /api/v1/agents/register", h.registerAgent)
	h.handle("POST /api/v1/tasks", h.agentOnly(h.postTask))
	h.handle("GET /api/v1/tasks", h.agentOnly(h.listAgentTasks))
	h.handle("GET /api/v1/tasks/{id}", h.agentOnly(h.getAgentTask))
	h.handle("POST /api/v1/tasks/{id}/estimate/approve", h.agentOnly(h.approveEstimate))
	h.handle("POST /api/v1/tasks/{id}/estimate/reject", h.agentOnly(h.rejectEstimate))
	h.handle("POST /api/v1/tasks/{id}/cancel", h.agentOnly(h.cancelTask))
	h.handle("POST /api/v1/tasks/{id}/review", h.agentOnly(h.reviewTask))
}

// handle registers a handler that returns an error; the error becomes the
// response.
func (h *Handler) handle(pattern string, fn func(http.ResponseWriter, *http.Request) error) {
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			h.writeError(w, r, err)
		}
	})
}

// ServeHTTP serves the contract, with a request id and an access line for
// every request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rw := &recorder{ResponseWriter: w, status: http.StatusOK}
	id := requestID(r)
	rw.Header().Set("X-Request-Id", id)
	r = r.WithContext(withRequestID(r.Context(), id))

	next, pattern := h.mux.Handler(r)
	switch {
	case h.limited(rw, r, pattern):
	case !cleanPath(r.URL.Path):
		// The mux would redirect to the clean path with an HTML body;
		// the contract's paths are clean, so this names nothing.
		writeJSON(rw, http.StatusNotFound, errorBody{Error: "no such endpoint: " + r.URL.Path, Code: "not_found"})
	case pattern == "":
		h.unrouted(rw, r, next)
	default:
		h.mux.ServeHTTP(rw, r)
	}

	h.log.Info().
		Str("method", r.Method).
		Str("route", routeOf(pattern, r)).
		Str("path", r.URL.Path).
		Int("status", rw.status).
		Dur("duration_ms", time.Since(start)).
		Int64("bytes", rw.bytes).
		Str("request_id", id).
		Msg("request")
}

// limited answers 429 and reports true when the client is over its rate.
// Health checks are never limited.
func (h *Handler) limited(w http.ResponseWriter, r *http.Request, pattern string) bool {
	if h.limiter == nil || pattern == "GET /healthz" {
		return false
	}
	ok, wait := h.limiter.allow(r)
	if !ok {
		tooMany(w, wait)
	}
	return !ok
}

// cleanPath reports whether p has no empty, "." or ".." segments.
func cleanPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	trimmed := strings.TrimSuffix(p, "/")
	return trimmed == "" || path.Clean(trimmed) == trimmed
}

// routeOf returns the pattern without its method, or the path when no
// pattern matched (for 404s).
func routeOf(pattern string, r *http.Request) string {
	for i := 0; i < len(pattern); i++ {
		if pattern[i] == ' ' {
			return pattern[i+1:]
		}
	}
	if pattern == "" {
		return r.URL.Path
	}
	return pattern
}

// unrouted answers a request that matched no pattern: 405 with Allow when
// the path exists under another method, else 404; both as JSON errors.
func (h *Handler) unrouted(w http.ResponseWriter, r *http.Request, muxHandler http.Handler) {
	probe := &statusProbe{header: http.Header{}}
	muxHandler.ServeHTTP(probe, r)
	if probe.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", probe.header.Get("Allow"))
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{
			Error: "method " + r.Method + " is not allowed on " + r.URL.Path,
			Code:  "method_not_allowed",
		})
		return
	}
	writeJSON(w, http.StatusNotFound, errorBody{Error: "no such endpoint: " + r.URL.Path, Code: "not_found"})
}

// recorder remembers the status and size of a response.
type recorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.status = code
		r.wroteHeader = true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wroteHeader = true
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// statusProbe captures what the mux would answer, without writing it.
type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header         { return p.header }
func (p *statusProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *statusProbe) WriteHeader(code int)        { p.status = code }

// HandleFunc adds a route served beside the contract, with the same request
// ids, access lines and error answers: an error returned by fn becomes the
// response. The dev server mounts its controls this way.
func (h *Handler) HandleFunc(pattern string, fn func(http.ResponseWriter, *http.Request) error) {
	h.handle(pattern, fn)
}

// DecodeJSON reads a request body as the contract's endpoints do: a JSON
// object of at most MaxBodyBytes with no unknown fields. Its errors are
// *fault.Error values ready to return from a HandleFunc function.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) error { return decode(w, r, v) }

// WriteJSON writes v as JSON with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) { writeJSON(w, status, v) }
