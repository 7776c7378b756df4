package handling

import (
	"context"
	"errors"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/orderflow/orderflow/app/metrics"
	"github.com/orderflow/orderflow/events"
)

type attemptsCtx struct{}

// withAttemptCounter puts a counter of the attempts made on one message in
// ctx. The dead-letter middleware calls it; the retry middleware restores that
// context before each attempt, so the count survives retries.
func withAttemptCounter(ctx context.Context) (context.Context, *int) {
	n := new(int)
	return context.WithValue(ctx, attemptsCtx{}, n), n
}

// countAttempts sits inside retry: it counts each attempt, logs each failed
// one, once, with the correlation ID, and counts each retry in m.
func countAttempts(log *slog.Logger, m *metrics.Metrics) message.HandlerMiddleware {
	return func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			n, _ := msg.Context().Value(attemptsCtx{}).(*int)
			if n != nil {
				*n++
				if *n > 1 {
					m.Handler(message.HandlerNameFromCtx(msg.Context())).Retried()
				}
			}
			produced, err := h(msg)
			if err != nil && n != nil {
				logged := any(err)
				if p := (middleware.RecoveredPanicError{}); errors.As(err, &p) {
					// The panic's value here; its stack, long and the same on
					// every attempt, once per message at debug (and in the letter).
					logged = reason(err)
					if *n == 1 {
						log.DebugContext(msg.Context(), "handler panicked", "handler", message.HandlerNameFromCtx(msg.Context()),
							"message_uuid", msg.UUID, "stack", p.Stacktrace)
					}
				}
				log.WarnContext(msg.Context(), "attempt failed",
					"handler", message.HandlerNameFromCtx(msg.Context()),
					"message_uuid", msg.UUID, "attempt", *n, "permanent", events.IsPermanent(err), "err", logged)
			}
			return produced, err
		}
	}
}
