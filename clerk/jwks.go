package clerk

import (
	"context"
	"crypto/rsa"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// startJWKS sets up the cached, self-refreshing JWKS storage of v. It is
// called by New with v.ctx already set; cancelling v.ctx stops the refresh
// goroutine.
func (v *Verifier) startJWKS(cfg Config, unknownKIDEvery time.Duration) error {
	raw := strings.TrimSpace(cfg.JWKSURL)
	if err := checkJWKSURL(raw); err != nil {
		return err
	}

	client := cfg.HTTPClient
	if client == nil {
		tr, ok := http.DefaultTransport.(*http.Transport)
		if ok {
			tr = tr.Clone()
		} else {
			tr = &http.Transport{Proxy: http.ProxyFromEnvironment}
		}
		v.transport = tr
		client = &http.Client{Timeout: defaultHTTPTimeout, Transport: tr}
	}
	httpTimeout := defaultHTTPTimeout
	if client.Timeout > 0 {
		httpTimeout = client.Timeout
	}
	lazyStart := true

	kf, err := keyfunc.NewDefaultOverrideCtx(v.ctx, []string{raw}, keyfunc.Override{
		// All fetches go through this client.
		Client: client,
		// Bounds the initial and the background fetches (jwkset's default
		// is one minute).
		HTTPTimeout: httpTimeout,
		// Lazy start: a failed initial fetch does not fail New.
		NoErrorReturnFirstHTTPReq: &lazyStart,
		// An unknown kid waits at most this long for the rate limiter; the
		// same deadline bounds the fetch that follows. With a one-minute
		// limiter a rate-limited request therefore fails at once instead of
		// blocking a handler for up to a minute.
		RateLimitWaitMax: httpTimeout,
		// No logging: keyfunc's default handler writes to slog.
		RefreshErrorHandlerFunc: func(string) func(context.Context, error) {
			return func(context.Context, error) {}
		},
		// Periodic refresh picks up revoked keys; its goroutine ends with
		// v.ctx.
		RefreshInterval: jwksRefreshInterval,
		// Refresh on unknown kid, at most once per interval (burst 1).
		RefreshUnknownKID: rate.NewLimiter(rate.Every(unknownKIDEvery), 1),
	})
	if err != nil {
		return configError("JWKSURL cannot be used", err)
	}
	v.jwks = kf.Storage()
	return nil
}

// checkJWKSURL requires an absolute https URL, or http for loopback hosts.
func checkJWKSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return configError("JWKSURL must be an absolute URL", err)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if host == "localhost" {
			return nil
		}
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			return nil
		}
		return configError("JWKSURL must use https (http is allowed only for loopback hosts)", nil)
	default:
		return configError("JWKSURL must use https", nil)
	}
}

// keyContext returns a context for key lookups that ends when either ctx or
// the Verifier ends, so that Close aborts an in-flight fetch and a closed
// Verifier makes no new ones.
func (v *Verifier) keyContext(ctx context.Context) (context.Context, context.CancelFunc) {
	kctx, cancel := context.WithCancel(ctx)
	if v.ctx.Err() != nil {
		// Closed already: AfterFunc would cancel from another goroutine,
		// too late to stop a fetch that starts at once.
		cancel()
		return kctx, cancel
	}
	stop := context.AfterFunc(v.ctx, cancel)
	return kctx, func() {
		stop()
		cancel()
	}
}

// jwksKeyfunc returns the jwt.Keyfunc for JWKS mode. It requires a kid and
// hands out only RSA keys of at least 2048 bits whose JWK alg is RS256 or
// absent, whose use is sig or absent, and whose key_ops, if any, allow verify.
func (v *Verifier) jwksKeyfunc(ctx context.Context) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		if err := checkHeader(t); err != nil {
			return nil, err
		}
		kid, _ := t.Header[jwkset.HeaderKID].(string)
		if kid == "" {
			return nil, newError(kindUnknownKey, "token has no key ID", nil)
		}
		jwk, err := v.jwks.KeyRead(ctx, kid)
		if err != nil {
			return nil, newError(kindUnknownKey, "token signing key is unknown", err)
		}
		return usableKey(jwk)
	}
}

func usableKey(jwk jwkset.JWK) (*rsa.PublicKey, error) {
	m := jwk.Marshal()
	if m.ALG != "" && m.ALG != jwkset.AlgRS256 {
		return nil, newError(kindUnknownKey, "token signing key is not an RS256 key", nil)
	}
	if m.USE != "" && m.USE != jwkset.UseSig {
		return nil, newError(kindUnknownKey, "token signing key is not a signature key", nil)
	}
	if len(m.KEYOPS) > 0 && !slices.Contains(m.KEYOPS, jwkset.KeyOpsVerify) {
		return nil, newError(kindUnknownKey, "token signing key is not a verification key", nil)
	}
	var pub *rsa.PublicKey
	switch k := jwk.Key().(type) {
	case *rsa.PublicKey:
		pub = k
	case *rsa.PrivateKey:
		pub = &k.PublicKey
	default:
		return nil, newError(kindUnknownKey, "token signing key is not an RSA key", nil)
	}
	if pub.N.BitLen() < minRSABits {
		return nil, newError(kindUnknownKey, "token signing key is too short", nil)
	}
	return pub, nil
}
