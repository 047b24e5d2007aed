package httpapi

import (
	"crypto/sha256"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimit limits each client, known by its IP address, to a steady rate
// of requests with bursts.
type RateLimit struct {
	// PerSecond is the steady rate allowed per client.
	PerSecond float64
	// Burst is how many requests a client may send at once. Default: one
	// second's worth, at least 1.
	Burst int
}

// limiter keeps one token bucket per client, forgetting idle clients.
type limiter struct {
	cfg     RateLimit
	mu      sync.Mutex
	clients map[[32]byte]*client
	swept   time.Time
}

type client struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiter(cfg RateLimit) *limiter {
	if cfg.Burst <= 0 {
		cfg.Burst = max(1, int(math.Ceil(cfg.PerSecond)))
	}
	return &limiter{cfg: cfg, clients: make(map[[32]byte]*client)}
}

// clientKey names the client of r by its IP address. Credentials are not
// used: they are not verified yet when the limit applies, so a client could
// send a new invented one with each request and never be limited.
func clientKey(r *http.Request) [32]byte {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return sha256.Sum256([]byte(host))
}

// allow reports whether r may proceed now, and if not, how long to wait.
func (l *limiter) allow(r *http.Request) (bool, time.Duration) {
	now := time.Now()
	key := clientKey(r)
	l.mu.Lock()
	c, ok := l.clients[key]
	if !ok {
		c = &client{lim: rate.NewLimiter(rate.Limit(l.cfg.PerSecond), l.cfg.Burst)}
		l.clients[key] = c
	}
	c.seen = now
	if now.Sub(l.swept) > time.Minute {
		for k, cl := range l.clients {
			if now.Sub(cl.seen) > 10*time.Minute {
				delete(l.clients, k)
			}
		}
		l.swept = now
	}
	l.mu.Unlock()

	res := c.lim.ReserveN(now, 1)
	if delay := res.DelayFrom(now); delay > 0 {
		res.CancelAt(now)
		return false, delay
	}
	return true, 0
}

// tooMany answers 429 with Retry-After in whole seconds.
func tooMany(w http.ResponseWriter, wait time.Duration) {
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	writeJSON(w, http.StatusTooManyRequests, errorBody{
		Error: "too many requests; retry after " + strconv.Itoa(max(secs, 1)) + " s",
		Code:  "rate_limited",
	})
}
