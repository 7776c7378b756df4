package messaging

import (
	"log/slog"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/events"
)

// chain is every handler's middleware, outermost first. The order is the design:
//
//  1. correlation: the ID is in ctx and headers before anything logs, fails or
//     is dead-lettered, and is copied onto what the handler produces.
//  2. dead letter: sees only what retry gave up on; publishes it with its
//     reason, or leaves it unacknowledged if that publish fails.
//  3. retry: exponential backoff with jitter for transient errors; permanent
//     errors return at once. It restores the message's context before every
//     attempt, so each attempt gets a fresh timeout.
//  4. attempt counter: counts and logs each attempt for the dead letter.
//  5. timeout: bounds one attempt, not the whole retry budget.
//  6. recoverer, innermost: a panic becomes an error that is retried like any
//     other transient one, then dead-lettered with its stack.
func chain(cfg config.Config, dl deadLetter, log *slog.Logger) []message.HandlerMiddleware {
	retry := middleware.Retry{
		MaxRetries:          cfg.Retry.MaxAttempts - 1,
		InitialInterval:     cfg.Retry.InitialInterval,
		MaxInterval:         cfg.Retry.MaxInterval,
		Multiplier:          cfg.Retry.Multiplier,
		RandomizationFactor: cfg.Retry.Jitter,
		MaxElapsedTime:      0, // the attempt budget bounds retries, not the clock
		ResetContextOnRetry: true,
		ShouldRetry: func(p middleware.RetryParams) bool {
			return !events.IsPermanent(p.Err)
		},
	}
	return []message.HandlerMiddleware{
		correlation,
		dl.middleware,
		retry.Middleware,
		countAttempts(log),
		middleware.Timeout(cfg.Handler.Timeout),
		middleware.Recoverer,
	}
}

// chaos makes a step fail at random, for fault drills (faults.error_rate).
func chaos(rate float64) []message.HandlerMiddleware {
	if rate <= 0 {
		return nil
	}
	return []message.HandlerMiddleware{middleware.RandomFail(float32(rate))}
}
