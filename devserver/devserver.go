// Package devserver runs humop for development: the whole contract in one
// process, with development conveniences that production never has.
//
// In the development environment (the default) operators are approved at
// registration, the X-Operator-Id header authenticates in place of a token,
// and the dev controls under /dev/ are mounted: reset the data, move the
// clock. With any other environment all of that is off and /dev/ answers
// 404; the server then behaves as an embedder's production server would.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/humop/humop"
	"github.com/humop/humop/api"
	"github.com/humop/humop/boltstore"
	"github.com/humop/humop/clerk"
	"github.com/humop/humop/httpapi"
	"github.com/humop/humop/kyc"
	"github.com/humop/humop/memstore"
	"github.com/humop/humop/webhook"
)

// Development is the environment name that turns the conveniences on.
const Development = "development"

// DefaultAddr is where the dev server listens unless told otherwise.
const DefaultAddr = "127.0.0.1:8080"

// Config configures a Server. The zero Config is a development server on
// DefaultAddr with an in-memory store and KYC auto-approval.
type Config struct {
	// Addr is the TCP address to listen on. Default: DefaultAddr. Use
	// "127.0.0.1:0" for a free port.
	Addr string
	// DB is a bbolt file to keep the data in, created if missing, so it
	// survives restarts. Empty: in memory.
	DB string
	// Environment names the environment. Default: Development. Any other
	// value turns off auto-approval, the X-Operator-Id bypass and the dev
	// controls.
	Environment string
	// ManualKYC turns off KYC auto-approval in development, so operators
	// stay PENDING until a decision is recorded.
	ManualKYC bool
	// RateLimit, when above zero, limits each client to that many requests
	// per second (bursts of up to a second's worth); beyond it, 429 with
	// Retry-After. Zero: no limit.
	RateLimit float64
	// Hold is how long earnings stay pending before they can be paid out.
	// Default: humop.DefaultHold (7 days).
	Hold time.Duration
	// SimulateOperators is the number of simulated operators (development
	// only) that claim, start and submit matching tasks on their own.
	SimulateOperators int
	// SimulationPace is how often each simulated operator acts. Default:
	// DefaultSimulationPace.
	SimulationPace time.Duration
	// Clerk configures verification of Clerk session tokens. When neither
	// key source is set, only the dev server's own tokens are accepted (in
	// development) and no token at all elsewhere.
	Clerk ClerkConfig
	// TokenKeyFile is a PEM file holding the private key of the dev
	// tokens, created on first use, so that tokens survive restarts. Empty:
	// a new key at every start.
	TokenKeyFile string
	// StartTime, when set, pins the clock there: it moves only through
	// POST /dev/clock/advance (or Clock().Advance), so tests see the same
	// times on every run.
	StartTime time.Time
	// Fixtures are seeded at start (development only); see Fixtures.
	Fixtures *Fixtures
	// Logger receives the start line, the access lines and the use-case
	// lines. The zero Logger writes nothing.
	Logger zerolog.Logger
	// Banner, when set, receives a short welcome for a person at a
	// terminal: the URL, the environment, the store, the OpenAPI URL and
	// the dev controls.
	Banner io.Writer
}

// ClerkConfig locates the keys and names the claims of a Clerk instance.
type ClerkConfig struct {
	// JWTKey is the instance's PEM public key (CLERK_JWT_KEY).
	JWTKey string
	// JWKSURL is the instance's JWKS URL (CLERK_JWKS_URL), used when
	// JWTKey is empty.
	JWKSURL string
	// Issuer is the exact "iss" of the instance's tokens (CLERK_ISSUER);
	// required with either key source.
	Issuer string
	// AuthorizedParties, when set, are the accepted "azp" origins
	// (CLERK_AUTHORIZED_PARTIES).
	AuthorizedParties []string
}

// configured reports whether a key source is set.
func (c ClerkConfig) configured() bool { return c.JWTKey != "" || c.JWKSURL != "" }

// Server is a running dev server's parts. Create it with New, start it with
// Serve or ListenAndServe, and Close it when done.
type Server struct {
	cfg     Config
	log     zerolog.Logger
	clock   *Clock
	store   store
	svc     *humop.Service
	handler *httpapi.Handler

	signer    *clerk.Signer     // dev tokens; nil outside development
	verifiers []*clerk.Verifier // closed by Close
	guardian  *guardian
	webhooks  *webhook.Dispatcher
	relay     *webhook.Relay
	stopRelay context.CancelFunc
	relayDone chan struct{}

	mu         sync.Mutex
	listener   net.Listener
	http       *http.Server
	fixtureIDs *FixtureIDs
}

// store is what the dev server needs of a store beyond humop.Store.
type store interface {
	humop.Store
	Reset(ctx context.Context) error
	Close() error
}

// New builds a Server from cfg without listening yet.
func New(cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.Environment == "" {
		cfg.Environment = Development
	}
	s := &Server{cfg: cfg, log: cfg.Logger, clock: &Clock{}, store: &memstore.Store{}, guardian: &guardian{}}
	if !cfg.StartTime.IsZero() {
		s.clock = PinnedClock(cfg.StartTime)
	}
	if cfg.DB != "" {
		db, err := boltstore.Open(cfg.DB, nil)
		if err != nil {
			return nil, fmt.Errorf("devserver: %w", err)
		}
		s.store = db
	}
	s.webhooks = webhook.New(webhook.Options{Logger: s.log})

	var reviewer kyc.Reviewer = kyc.Manual{}
	auto := s.Development() && !cfg.ManualKYC
	if auto {
		reviewer = kyc.AutoApprove{}
	}
	svc, err := humop.New(humop.Options{
		Store:                 s.store,
		Now:                   s.clock.Now,
		Reviewer:              reviewer,
		ApproveAtRegistration: auto,
		Guardian:              s.guardian,
		Hold:                  cfg.Hold,
		Notifier:              notifier{s},
		Logger:                s.log,
	})
	if err != nil {
		s.Close()
		return nil, err
	}
	s.svc = svc
	s.startRelay()
	tokens, err := s.tokenVerifiers()
	if err != nil {
		s.Close()
		return nil, err
	}
	s.handler = httpapi.New(httpapi.Options{
		Service:     svc,
		Logger:      s.log,
		Development: s.Development(),
		Tokens:      tokens,
		RateLimit:   rateLimit(cfg.RateLimit),
	})
	s.routes()
	if err := s.reseed(context.Background()); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// startRelay starts carrying webhook events from the store's outbox to the
// dispatcher; Close stops it. Events left from a previous run of a -db
// file go out at once.
func (s *Server) startRelay() {
	ctx, cancel := context.WithCancel(context.Background())
	s.relay = webhook.NewRelay(s.svc, s.webhooks, webhook.DefaultPoll, s.log)
	s.stopRelay, s.relayDone = cancel, make(chan struct{})
	go func() {
		defer close(s.relayDone)
		s.relay.Run(ctx)
	}()
}

// rateLimit returns the handler's limit for requests per second, or nil.
func rateLimit(perSecond float64) *httpapi.RateLimit {
	if perSecond <= 0 {
		return nil
	}
	return &httpapi.RateLimit{PerSecond: perSecond}
}

// tokenVerifiers sets up the dev token signer (in development) and the
// verifiers of every accepted issuer.
func (s *Server) tokenVerifiers() (httpapi.TokenVerifier, error) {
	var vs []httpapi.ClaimsVerifier
	if c := s.cfg.Clerk; c.configured() {
		if c.Issuer == "" {
			return nil, errors.New("devserver: CLERK_ISSUER is required with CLERK_JWT_KEY or CLERK_JWKS_URL")
		}
		cfg := clerk.Config{Issuer: c.Issuer, AuthorizedParties: c.AuthorizedParties}
		if c.JWTKey != "" {
			cfg.PublicKeyPEM = c.JWTKey
		} else {
			cfg.JWKSURL = c.JWKSURL
		}
		v, err := clerk.New(context.Background(), cfg)
		if err != nil {
			return nil, fmt.Errorf("devserver: clerk verifier: %w", err)
		}
		s.verifiers = append(s.verifiers, v)
		vs = append(vs, v)
	}
	if s.Development() {
		var err error
		if s.cfg.TokenKeyFile != "" {
			s.signer, err = clerk.LoadOrGenerateSigner(s.cfg.TokenKeyFile, DevIssuer)
		} else {
			s.signer, err = clerk.GenerateSigner(DevIssuer)
		}
		if err != nil {
			return nil, fmt.Errorf("devserver: dev token key: %w", err)
		}
		v, err := clerk.New(context.Background(), clerk.Config{
			Issuer:       DevIssuer,
			PublicKeyPEM: s.signer.PublicKeyPEM(),
			Now:          s.clock.Now,
		})
		if err != nil {
			return nil, fmt.Errorf("devserver: dev token verifier: %w", err)
		}
		s.verifiers = append(s.verifiers, v)
		vs = append(vs, v)
	}
	if len(vs) == 0 {
		return nil, nil
	}
	return httpapi.ClerkTokens(vs...), nil
}

// holdName describes the hold for the start line.
func (s *Server) holdName() string {
	if s.cfg.Hold > 0 {
		return s.cfg.Hold.String()
	}
	return humop.DefaultHold.String()
}

// devControls lists the development routes, for the start line.
var devControls = []string{
	"POST /dev/reset",
	"POST /dev/clock/advance",
	"POST /dev/tokens",
	"GET  /.well-known/jwks.json",
	"POST /dev/operators/{id}/kyc",
	"POST /dev/tasks/{id}/guardian",
	"POST /dev/payouts/{id}/settle",
	"GET  /dev/fixtures",
}

// banner writes the welcome to Config.Banner.
func (s *Server) banner(url string) {
	w := s.cfg.Banner
	if w == nil {
		return
	}
	env := s.cfg.Environment
	if s.Development() {
		env += " (X-Operator-Id accepted"
		if !s.cfg.ManualKYC {
			env += ", KYC approved at registration"
		}
		env += ")"
	}
	fmt.Fprintf(w, "\n  \x1b[1mhumop dev server\x1b[0m  %s\n\n", url)
	fmt.Fprintf(w, "  environment   %s\n", env)
	fmt.Fprintf(w, "  store         %s\n", s.storeName())
	fmt.Fprintf(w, "  auth          %s\n", s.authMode())
	fmt.Fprintf(w, "  OpenAPI       %s/openapi.json\n", url)
	if n := s.simulated(); n > 0 {
		fmt.Fprintf(w, "  simulation    %d operators\n", n)
	}
	if ids := s.FixtureIDs(); ids != nil {
		fmt.Fprintf(w, "  fixtures      %d agents, %d operators, %d tasks (ids at GET /dev/fixtures)\n",
			len(ids.Agents), len(ids.Operators), len(ids.Tasks))
	}
	if s.Development() {
		fmt.Fprintf(w, "  dev controls  %s\n", devControls[0])
		for _, c := range devControls[1:] {
			fmt.Fprintf(w, "                %s\n", c)
		}
	}
	fmt.Fprintln(w)
}

// storeName describes the store for the start line.
func (s *Server) storeName() string {
	if s.cfg.DB != "" {
		return "bbolt " + s.cfg.DB
	}
	return "memory"
}

// simulated returns the number of simulated operators that will run.
func (s *Server) simulated() int {
	if !s.Development() {
		return 0
	}
	return max(s.cfg.SimulateOperators, 0)
}

// authMode describes for the start line which tokens are accepted.
func (s *Server) authMode() string {
	var modes []string
	switch {
	case s.cfg.Clerk.JWTKey != "":
		modes = append(modes, "clerk (PEM key)")
	case s.cfg.Clerk.JWKSURL != "":
		modes = append(modes, "clerk (JWKS)")
	}
	if s.signer != nil {
		modes = append(modes, "dev tokens", "X-Operator-Id")
	}
	if len(modes) == 0 {
		return "none: set CLERK_JWT_KEY or CLERK_JWKS_URL with CLERK_ISSUER"
	}
	return strings.Join(modes, ", ")
}

// Development reports whether the development conveniences are on.
func (s *Server) Development() bool { return s.cfg.Environment == Development }

// Service returns the humop.Service the server runs.
func (s *Server) Service() *humop.Service { return s.svc }

// Clock returns the server's controllable clock.
func (s *Server) Clock() *Clock { return s.clock }

// Handler returns the server's whole HTTP handler: the contract, /healthz,
// and in development the dev controls.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) routes() {
	s.handler.HandleFunc("GET /healthz", s.healthz)
	s.handler.HandleFunc("GET /openapi.json", s.openAPI)
	if !s.Development() {
		return
	}
	s.handler.HandleFunc("POST /dev/reset", s.reset)
	s.handler.HandleFunc("POST /dev/clock/advance", s.advanceClock)
	s.handler.HandleFunc("POST /dev/operators/{id}/kyc", s.decideKYC)
	s.handler.HandleFunc("POST /dev/tokens", s.issueToken)
	s.handler.HandleFunc("POST /dev/tasks/{id}/guardian", s.scriptGuardian)
	s.handler.HandleFunc("POST /dev/payouts/{id}/settle", s.settlePayout)
	s.handler.HandleFunc("GET /dev/fixtures", s.fixtures)
	s.handler.HandleFunc("GET /.well-known/jwks.json", s.jwks)
}

// openAPI serves GET /openapi.json: the OpenAPI 3 document of the
// contract, to generate clients from.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Write(api.OpenAPI)
	return nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	httpapi.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok", "environment": s.cfg.Environment})
	return nil
}

// reset serves POST /dev/reset: every record is removed and the clock goes
// back to the real time.
func (s *Server) reset(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.Reset(r.Context()); err != nil {
		return fmt.Errorf("devserver: reset: %w", err)
	}
	s.clock.Reset()
	s.guardian.reset()
	if err := s.reseed(r.Context()); err != nil {
		return err
	}
	s.log.Info().Msg("store reset")
	httpapi.WriteJSON(w, http.StatusOK, map[string]string{"status": "reset"})
	return nil
}

// Addr returns the address the server listens on, once it listens.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener == nil {
		return ""
	}
	return s.listener.Addr().String()
}

// Listen opens the server's TCP listener, so that Addr is known before
// Serve is called.
func (s *Server) Listen() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("devserver: listen on %s: %w", s.cfg.Addr, err)
	}
	s.mu.Lock()
	s.listener = ln
	s.mu.Unlock()
	return nil
}

// Run listens (unless Listen was called) and serves until ctx is done, then
// shuts down gracefully: requests in flight finish (for up to 10 seconds)
// and the store is closed.
func (s *Server) Run(ctx context.Context) error {
	if s.Addr() == "" {
		if err := s.Listen(); err != nil {
			return err
		}
	}
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20, // the handler caps Authorization itself
	}
	s.mu.Lock()
	s.http = srv
	ln := s.listener
	s.mu.Unlock()

	url := "http://" + ln.Addr().String()
	s.banner(url)
	if !s.Development() && (s.cfg.Fixtures != nil || s.cfg.SimulateOperators > 0) {
		s.log.Warn().Str("environment", s.cfg.Environment).
			Msg("fixtures and simulated operators are for development only; ignored")
	}
	s.log.Info().
		Str("url", url).
		Str("openapi", url+"/openapi.json").
		Str("environment", s.cfg.Environment).
		Str("store", s.storeName()).
		Bool("kyc_auto_approve", s.Development() && !s.cfg.ManualKYC).
		Bool("dev_controls", s.Development()).
		Interface("fixtures", s.FixtureIDsForLog()).
		Str("auth", s.authMode()).
		Str("hold", s.holdName()).
		Int("simulated_operators", s.simulated()).
		Msg("humop dev server listening")

	simCtx, stopSim := context.WithCancel(ctx)
	simDone := s.startSimulation(simCtx)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		stopSim()
		<-simDone
		s.Close()
		return fmt.Errorf("devserver: serve: %w", err)
	case <-ctx.Done():
	}
	s.log.Info().Msg("shutting down")
	stopSim()
	<-simDone
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		s.log.Info().Msg("stopped")
	}
	return err
}

// startSimulation starts the simulated operators, if any, and returns a
// channel closed when they have stopped.
func (s *Server) startSimulation(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	if !s.Development() || s.cfg.SimulateOperators <= 0 {
		close(done)
		return done
	}
	pace := s.cfg.SimulationPace
	if pace <= 0 {
		pace = DefaultSimulationPace
	}
	sim := &simulator{s: s, n: s.cfg.SimulateOperators, pace: pace}
	go func() {
		defer close(done)
		sim.run(ctx)
	}()
	return done
}

// Close stops the token verifiers and closes the store. Run calls it on
// shutdown.
func (s *Server) Close() error {
	for _, v := range s.verifiers {
		v.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if s.stopRelay != nil {
		s.stopRelay()
		<-s.relayDone
	}
	queued := s.webhooks.Pending()
	if err := s.webhooks.Close(ctx); err != nil {
		s.log.Warn().Int("queued_at_shutdown", queued).
			Msg("webhooks not delivered within a second of shutdown stay in the outbox for the next start")
	}
	if err := s.store.Close(); err != nil {
		return fmt.Errorf("devserver: close store: %w", err)
	}
	return nil
}

// advanceRequest is the body of POST /dev/clock/advance.
type advanceRequest struct {
	Duration string `json:"duration"`
}

// advanceClock serves POST /dev/clock/advance {"duration": "72h"}.
func (s *Server) advanceClock(w http.ResponseWriter, r *http.Request) error {
	var req advanceRequest
	if err := httpapi.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	d, err := time.ParseDuration(strings.TrimSpace(req.Duration))
	if err != nil || d <= 0 {
		return invalid("duration", "duration must be a positive Go duration such as \"72h\" or \"90m\"")
	}
	now := s.clock.Advance(d)
	s.log.Info().Dur("by", d).Time("now", now).Msg("clock advanced")
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"now": httpapi.Time(now), "advanced_by": d.String()})
	return nil
}
