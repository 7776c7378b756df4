// Package handling is orderflow's handler middleware, one concern a file:
// correlation, tracing, metrics, dead letter, retry, attempts, and the chain
// that puts them in order around Watermill's timeout and recoverer.
package handling

import (
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"go.opentelemetry.io/otel/trace"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/metrics"
)

// Chain is every handler's middleware, outermost first. The order is the design:
//
//  1. correlation: the ID is in ctx and headers before anything logs, fails or
//     is dead-lettered, and is copied onto what the handler produces.
//  2. faults, only with faults.inject on: seed's fault header goes into the
//     message's context (outside retry, which restores that context before
//     every attempt); off, this middleware is not in the chain.
//  3. tracing: a span per message, child of its traceparent, whose context
//     goes onto every output and the dead letter.
//  4. metrics: messages in flight, replayed messages, and the handler's
//     execution time (Watermill's metric: the whole budget, retries included).
//  5. dead letter: sees only what retry gave up on; publishes it with its
//     reason, or leaves it unacknowledged if that publish fails.
//  6. retry: exponential backoff with jitter for transient errors; permanent
//     errors return at once. It restores the message's context before every
//     attempt, so each attempt gets a fresh timeout. orderflow's own
//     (retry.go): nothing is allocated unless an attempt fails.
//  7. attempt counter: counts and logs each attempt for the dead letter, and
//     counts each retry.
//  8. timeout: bounds one attempt (handler.timeout), not the whole retry budget.
//  9. recoverer, innermost: a panic becomes an error that is retried like any
//     other transient one, then dead-lettered with its stack.
func Chain(c ChainConfig) []message.HandlerMiddleware {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	chain := []message.HandlerMiddleware{correlation}
	if c.InjectFaults { // test machinery, in the chain only when asked for
		chain = append(chain, injectFaults)
	}
	return append(chain,
		traced(c.Tracer),
		instrument(c.Metrics),
		c.DeadLetter.Middleware,
		retry(c.Retry),
		countAttempts(c.Logger, c.Metrics),
		middleware.Timeout(c.Timeout),
		middleware.Recoverer,
	)
}

// ChainConfig is what Chain builds the middleware from.
type ChainConfig struct {
	Retry      config.Retry
	Timeout    time.Duration // one attempt (handler.timeout)
	DeadLetter *DeadLetter
	Logger     *slog.Logger         // default: discarded
	Metrics    *metrics.Metrics     // nil: none
	Tracer     trace.TracerProvider // nil: no spans; trace context still carried
	// InjectFaults puts the middleware that honours seed's fault header in
	// the chain (faults.inject); off, the header is just a header.
	InjectFaults bool
}
