package handling

import (
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/cenkalti/backoff/v5"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/events"
)

// retry runs a handler again after a transient error, up to c.MaxAttempts
// attempts in all, waiting between them as backoff/v5's exponential backoff
// says: c.InitialInterval, times c.Multiplier each time up to c.MaxInterval,
// each ± c.Jitter. A permanent error returns at once. Every attempt starts
// from the context the message came with, so each gets a fresh timeout; if
// that context ends during a wait, the last error returns (the dead-letter
// middleware then leaves the message unacknowledged).
//
// It replaces Watermill's Retry middleware, which builds a backoff, four
// options and four closures for every message before its first attempt (a
// tenth of a message-hop's allocations), and whose ShouldRetry hook advances
// the backoff once more per failure, so its first wait was twice
// retry.initial_interval. Here the first attempt costs nothing, and the
// backoff is built only once an attempt failed.
func retry(c config.Retry) message.HandlerMiddleware {
	return func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			ctx := msg.Context()
			out, err := h(msg)
			if err == nil || events.IsPermanent(err) || c.MaxAttempts < 2 {
				return out, err
			}
			b := &backoff.ExponentialBackOff{
				InitialInterval:     c.InitialInterval,
				RandomizationFactor: c.Jitter,
				Multiplier:          c.Multiplier,
				MaxInterval:         c.MaxInterval,
			}
			b.Reset()
			for range c.MaxAttempts - 1 {
				wait := time.NewTimer(b.NextBackOff())
				select {
				case <-wait.C:
				case <-ctx.Done():
					wait.Stop()
					return out, err
				}
				msg.SetContext(ctx) // the last attempt's timeout has ended
				if out, err = h(msg); err == nil || events.IsPermanent(err) {
					return out, err
				}
			}
			return out, err
		}
	}
}
