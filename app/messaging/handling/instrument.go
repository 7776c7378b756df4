package handling

import (
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/metrics"
)

// instrument counts a message in flight while its handler works on it,
// retries included, counts replayed messages (replay_count above 0), and
// times the whole (Watermill's handler_execution_time_seconds).
func instrument(m *metrics.Metrics) message.HandlerMiddleware {
	return func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			replayed := msg.Metadata.Get(deadletter.HeaderReplayCount)
			hm := m.Handler(message.HandlerNameFromCtx(msg.Context()))
			start := hm.Started(replayed != "" && replayed != "0")
			out, err := h(msg)
			hm.Done(start, err)
			return out, err
		}
	}
}

// TimePublishes is the router's publisher decorator: Watermill's
// publish_time_seconds, by handler and outcome.
func TimePublishes(m *metrics.Metrics) message.PublisherDecorator {
	return func(pub message.Publisher) (message.Publisher, error) {
		return timedPublisher{pub, m}, nil
	}
}

type timedPublisher struct {
	message.Publisher
	m *metrics.Metrics
}

func (p timedPublisher) Publish(topic string, msgs ...*message.Message) error {
	if len(msgs) == 0 {
		return p.Publisher.Publish(topic)
	}
	handler := message.HandlerNameFromCtx(msgs[0].Context())
	if handler == "" {
		handler = "<no handler>" // Watermill's label for a publish outside a handler
	}
	start := time.Now()
	err := p.Publisher.Publish(topic, msgs...)
	p.m.Handler(handler).Published(start, err)
	return err
}
