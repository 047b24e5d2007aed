package clerk

import (
	"context"
	"time"
)

// NewWithUnknownKIDRefreshInterval is New with the unknown-kid refresh rate
// limit (one minute in production) replaced by every, so that tests can
// exercise repeated key rotation without waiting a minute.
func NewWithUnknownKIDRefreshInterval(ctx context.Context, cfg Config, every time.Duration) (*Verifier, error) {
	return newVerifier(ctx, cfg, every)
}
