package devserver

import (
	"sync/atomic"
	"time"
)

// Clock is the dev server's controllable time: the real time plus an offset
// that only grows, or a pinned time that moves only when advanced. It is
// safe for concurrent use; the zero Clock is the real time.
type Clock struct {
	offset atomic.Int64 // nanoseconds
	// base returns the real time; nil means time.Now.
	base func() time.Time
}

// PinnedClock returns a Clock that stands at t and moves only by Advance.
func PinnedClock(t time.Time) *Clock {
	return &Clock{base: func() time.Time { return t }}
}

// Now returns the clock's current time in UTC.
func (c *Clock) Now() time.Time {
	base := time.Now
	if c.base != nil {
		base = c.base
	}
	return base().Add(time.Duration(c.offset.Load())).UTC()
}

// Advance moves the clock forward by d, which must not be negative, and
// returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	if d > 0 {
		c.offset.Add(int64(d))
	}
	return c.Now()
}

// Reset undoes every Advance: the real time again, or the pinned time.
func (c *Clock) Reset() { c.offset.Store(0) }
