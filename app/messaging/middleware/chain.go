// Package middleware is orderflow's handler middleware, one concern a file:
// correlation, dead letter, attempts, and the chain that puts them in order
// around Watermill's retry, timeout and recoverer.
package middleware

import (
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/events"
)

// Chain is every handler's middleware, outermost first. The order is the design:
//
//  1. correlation: the ID is in ctx and headers before anything logs, fails or
//     is dead-lettered, and is copied onto what the handler produces.
//  2. dead letter: sees only what retry gave up on; publishes it with its
//     reason, or leaves it unacknowledged if that publish fails.
//  3. retry: exponential backoff with jitter for transient errors; permanent
//     errors return at once. It restores the message's context before every
//     attempt, so each attempt gets a fresh timeout.
//  4. attempt counter: counts and logs each attempt for the dead letter.
//  5. timeout: bounds one attempt (handler.timeout), not the whole retry budget.
//  6. recoverer, innermost: a panic becomes an error that is retried like any
//     other transient one, then dead-lettered with its stack.
func Chain(retry config.Retry, timeout time.Duration, dl *DeadLetter, log *slog.Logger) []message.HandlerMiddleware {
	r := middleware.Retry{
		MaxRetries:          retry.MaxAttempts - 1,
		InitialInterval:     retry.InitialInterval,
		MaxInterval:         retry.MaxInterval,
		Multiplier:          retry.Multiplier,
		RandomizationFactor: retry.Jitter,
		MaxElapsedTime:      0, // the attempt budget bounds retries, not the clock
		ResetContextOnRetry: true,
		ShouldRetry: func(p middleware.RetryParams) bool {
			return !events.IsPermanent(p.Err)
		},
	}
	return []message.HandlerMiddleware{
		correlation,
		dl.Middleware,
		r.Middleware,
		countAttempts(log),
		middleware.Timeout(timeout),
		middleware.Recoverer,
	}
}
