// Command embed is a platform's own server with humop embedded: the
// operator API from package httpapi mounted next to the platform's own
// routes, data kept in a bbolt file, operators signed in with Clerk.
//
//	CLERK_ISSUER=https://clerk.example.com CLERK_JWT_KEY="$(cat clerk.pem)" \
//	  go run ./examples/embed [-addr 127.0.0.1:8090] [-db humop.db]
//
// Operators send "Authorization: Bearer <Clerk session token>". The key
// comes from CLERK_JWT_KEY (a PEM public key, no network needed) or
// CLERK_JWKS_URL; CLERK_ISSUER is required and CLERK_AUTHORIZED_PARTIES
// (comma-separated origins) optional. The development conveniences of the
// dev server (X-Operator-Id, /dev/ controls, KYC auto-approval) are off.
// LOG_LEVEL (default info) sets how much goes to stderr. SIGINT or SIGTERM
// stops the server: requests in flight finish and the store is closed.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/humop/humop"
	"github.com/humop/humop/boltstore"
	"github.com/humop/humop/clerk"
	"github.com/humop/humop/httpapi"
	"github.com/humop/humop/kyc"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "embed:", err)
		os.Exit(1)
	}
}

// run reads flags and environment, serves until ctx is done, then shuts
// down gracefully. Once it listens it writes "listening on http://ADDR" to
// stdout, which is how a caller of -addr 127.0.0.1:0 learns the port.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) (err error) {
	fs := flag.NewFlagSet("embed", flag.ContinueOnError)
	fs.SetOutput(stdout)
	addr := fs.String("addr", "127.0.0.1:8090", "`address` to listen on")
	dbPath := fs.String("db", "humop.db", "bbolt `file` holding humop's data, created if missing")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	log, err := newLogger(getenv("LOG_LEVEL"), os.Stderr)
	if err != nil {
		return err
	}

	// Check the sign-in configuration before touching the data file, so a
	// misconfigured server fails at once and says what is missing.
	clerkCfg, err := clerkConfig(getenv)
	if err != nil {
		return err
	}
	verifier, err := clerk.New(ctx, clerkCfg)
	if err != nil {
		return fmt.Errorf("operator sign-in: %w", err)
	}
	defer verifier.Close()

	store, err := boltstore.Open(*dbPath, nil)
	if err != nil {
		return err
	}
	// Closed last, after the server has finished every request.
	defer func() {
		if cerr := store.Close(); cerr != nil {
			err = errors.Join(err, cerr)
		}
	}()

	svc, err := humop.New(humop.Options{
		Store:    store,
		Now:      time.Now,
		Reviewer: kyc.Manual{}, // decisions come from the platform's KYC provider via DecideKYC
		Logger:   log,
	})
	if err != nil {
		return err
	}

	// The platform owns the mux: humop's contract under "/", the
	// platform's own routes beside it (more specific patterns win).
	mux := http.NewServeMux()
	mux.Handle("/", httpapi.New(httpapi.Options{
		Service:     svc,
		Logger:      log,
		Tokens:      httpapi.ClerkTokens(verifier),
		Development: false,
	}))
	mux.HandleFunc("GET /platform/status", statusHandler(svc))

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	log.Info().Str("addr", ln.Addr().String()).Str("db", store.Path()).Msg("platform server listening")

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case serr := <-errc:
		return fmt.Errorf("serve: %w", serr)
	case <-ctx.Done():
	}

	log.Info().Msg("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

// clerkConfig builds the token verifier's configuration from the
// environment, refusing to go on without an issuer and exactly one key
// source: a platform server must never run without sign-in.
func clerkConfig(getenv func(string) string) (clerk.Config, error) {
	cfg := clerk.Config{
		Issuer:       strings.TrimSpace(getenv("CLERK_ISSUER")),
		PublicKeyPEM: getenv("CLERK_JWT_KEY"),
		JWKSURL:      strings.TrimSpace(getenv("CLERK_JWKS_URL")),
	}
	for _, p := range strings.Split(getenv("CLERK_AUTHORIZED_PARTIES"), ",") {
		if p = strings.TrimSpace(p); p != "" {
			cfg.AuthorizedParties = append(cfg.AuthorizedParties, p)
		}
	}
	hasKey, hasJWKS := strings.TrimSpace(cfg.PublicKeyPEM) != "", cfg.JWKSURL != ""
	switch {
	case cfg.Issuer == "" && !hasKey && !hasJWKS:
		return cfg, errors.New("operators sign in with Clerk: set CLERK_ISSUER and one of CLERK_JWT_KEY or CLERK_JWKS_URL")
	case cfg.Issuer == "":
		return cfg, errors.New("CLERK_ISSUER is required: the exact \"iss\" of your Clerk instance's tokens")
	case !hasKey && !hasJWKS:
		return cfg, errors.New("set CLERK_JWT_KEY (PEM public key) or CLERK_JWKS_URL to verify operator tokens")
	case hasKey && hasJWKS:
		return cfg, errors.New("set only one of CLERK_JWT_KEY and CLERK_JWKS_URL")
	}
	return cfg, nil
}

// newLogger writes JSON lines to w at the given level (default info).
func newLogger(level string, w io.Writer) (zerolog.Logger, error) {
	lvl := zerolog.InfoLevel
	if level != "" {
		var err error
		if lvl, err = zerolog.ParseLevel(strings.ToLower(level)); err != nil {
			return zerolog.Logger{}, fmt.Errorf("LOG_LEVEL: %w", err)
		}
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}

// statusHandler serves the platform's own GET /platform/status: a route
// that has nothing to do with humop, living in the same server.
func statusHandler(svc *humop.Service) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{
			"status":   "ok",
			"platform": "example",
			"time":     svc.Now().Format(time.RFC3339),
		})
	}
}
