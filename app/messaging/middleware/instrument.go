package middleware

import (
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/metrics"
)

// instrument counts a message in flight while its handler works on it,
// retries included, and counts replayed messages (replay_count above 0).
func instrument(m *metrics.Metrics) message.HandlerMiddleware {
	return func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			replayed := msg.Metadata.Get(deadletter.HeaderReplayCount)
			done := m.Started(message.HandlerNameFromCtx(msg.Context()), replayed != "" && replayed != "0")
			defer done()
			return h(msg)
		}
	}
}
