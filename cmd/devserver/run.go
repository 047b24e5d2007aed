package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/humop/humop"
	"github.com/humop/humop/devserver"
)

// run parses flags and environment, starts the server and serves until ctx
// is done.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("devserver", flag.ContinueOnError)
	fs.SetOutput(stdout)
	addr := fs.String("addr", envOr(getenv, "ADDR", devserver.DefaultAddr), "`address` to listen on (ADDR)")
	db := fs.String("db", getenv("DB"), "bbolt `file` to keep the data in, so it survives restarts (DB); in memory when empty")
	fixtures := fs.String("fixtures", getenv("FIXTURES"), "JSON `file` of agents, operators and tasks to start with (FIXTURES)")
	tokenKey := fs.String("token-key", getenv("TOKEN_KEY_FILE"),
		"PEM `file` for the dev token signing key, created if missing, so tokens survive restarts (TOKEN_KEY_FILE)")
	autoApprove := fs.Bool("kyc-auto-approve", true, "approve KYC at registration in development (KYC_AUTO_APPROVE)")
	if v := getenv("KYC_AUTO_APPROVE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("KYC_AUTO_APPROVE must be true or false, not %q", v)
		}
		*autoApprove = b
	}
	simulate := fs.Int("simulate-operators", 0, "`number` of simulated operators that work matching tasks (SIMULATE_OPERATORS)")
	if v := getenv("SIMULATE_OPERATORS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("SIMULATE_OPERATORS must be a whole number, not %q", v)
		}
		*simulate = n
	}
	pace := fs.Duration("simulate-pace", devserver.DefaultSimulationPace, "how often each simulated operator acts (SIMULATE_PACE)")
	if v := getenv("SIMULATE_PACE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("SIMULATE_PACE must be a positive duration such as 500ms, not %q", v)
		}
		*pace = d
	}
	limit := fs.Float64("rate-limit", 0, "requests per `second` allowed per client, 0 for no limit (RATE_LIMIT)")
	if v := getenv("RATE_LIMIT"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f >= 0) || math.IsInf(f, 0) {
			return fmt.Errorf("RATE_LIMIT must be a number of requests per second, not %q", v)
		}
		*limit = f
	}
	hold := fs.Duration("hold", humop.DefaultHold, "how long earnings stay pending before payout (HOLD)")
	if v := getenv("HOLD"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("HOLD must be a positive duration such as 168h, not %q", v)
		}
		*hold = d
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *hold <= 0 {
		return fmt.Errorf("-hold must be a positive duration")
	}
	if *pace <= 0 {
		return fmt.Errorf("-simulate-pace must be a positive duration")
	}
	if !(*limit >= 0) || math.IsInf(*limit, 0) { // NaN fails the comparison
		return fmt.Errorf("-rate-limit must be a number of requests per second, 0 for none")
	}
	if *simulate < 0 {
		return fmt.Errorf("-simulate-operators must not be negative")
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}

	env := envOr(getenv, "ENVIRONMENT", devserver.Development)
	var fx *devserver.Fixtures
	if *fixtures != "" {
		var err error
		if fx, err = devserver.LoadFixtures(*fixtures); err != nil {
			return err
		}
	}
	srv, err := devserver.New(devserver.Config{
		Addr:              *addr,
		DB:                *db,
		Environment:       env,
		ManualKYC:         !*autoApprove,
		SimulateOperators: *simulate,
		Hold:              *hold,
		RateLimit:         *limit,
		SimulationPace:    *pace,
		Clerk: devserver.ClerkConfig{
			JWTKey:            getenv("CLERK_JWT_KEY"),
			JWKSURL:           getenv("CLERK_JWKS_URL"),
			Issuer:            getenv("CLERK_ISSUER"),
			AuthorizedParties: splitList(getenv("CLERK_AUTHORIZED_PARTIES")),
		},
		TokenKeyFile: *tokenKey,
		Fixtures:     fx,
		Banner:       bannerTo(stdout, getenv),
		Logger:       newLogger(stdout, getenv),
	})
	if err != nil {
		return err
	}
	return srv.Run(ctx)
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// newLogger writes readable, coloured lines to a terminal and JSON lines
// anywhere else. LOG_FORMAT=json or LOG_FORMAT=console forces one.
func newLogger(w io.Writer, getenv func(string) string) zerolog.Logger {
	console := isTerminal(w)
	switch getenv("LOG_FORMAT") {
	case "json":
		console = false
	case "console":
		console = true
	}
	if console {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly, FormatPrepare: shortRequestLine}
	}
	return zerolog.New(w).With().Timestamp().Logger()
}

// number reads a field the console writer decoded, as json.Number or
// float64.
func number(v any) float64 {
	switch n := v.(type) {
	case json.Number:
		f, _ := n.Float64()
		return f
	case float64:
		return n
	}
	return 0
}

// bannerTo returns stdout when the logs are for a person (a terminal, or
// LOG_FORMAT=console), else nil: JSON logs carry the same facts.
func bannerTo(w io.Writer, getenv func(string) string) io.Writer {
	switch getenv("LOG_FORMAT") {
	case "json":
		return nil
	case "console":
		return w
	}
	if isTerminal(w) {
		return w
	}
	return nil
}

// shortRequestLine turns an access line into "GET /api/v1/operator/me 200
// 0.4ms" for the terminal; the JSON form keeps every field.
func shortRequestLine(evt map[string]any) error {
	if evt[zerolog.MessageFieldName] != "request" {
		return nil
	}
	ms, status := number(evt["duration_ms"]), number(evt["status"])
	colour := "32" // green
	switch {
	case status >= 500:
		colour = "31" // red
	case status >= 400:
		colour = "33" // yellow
	}
	evt[zerolog.MessageFieldName] = fmt.Sprintf("%v %v \x1b[%sm%d\x1b[0m %.1fms",
		evt["method"], evt["path"], colour, int(status), ms)
	for _, k := range []string{"method", "route", "path", "status", "duration_ms", "bytes"} {
		delete(evt, k)
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
