package handling

import (
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/app/logging"
	"github.com/orderflow/orderflow/events"
)

// GeneratedCorrelationPrefix starts every correlation ID orderflow had to make
// up because a message arrived without one.
const GeneratedCorrelationPrefix = "gen-"

// correlation takes the correlation ID from the incoming message, or derives
// one from the message's UUID, and puts it on the message (so a dead letter
// keeps it), in ctx (so every log line has it) and on every message the
// handler produces. Derived, not drawn: every handler that reads the same
// record without an ID (one from a foreign producer, say) gives it the same
// ID, so its outputs in different handlers still belong together.
func correlation(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		id := msg.Metadata.Get(events.HeaderCorrelationID)
		if id == "" {
			id = GeneratedCorrelationPrefix + msg.UUID
			msg.Metadata.Set(events.HeaderCorrelationID, id)
		}
		msg.SetContext(logging.WithCorrelationID(msg.Context(), id))

		produced, err := h(msg)
		for _, p := range produced {
			p.Metadata.Set(events.HeaderCorrelationID, id)
		}
		return produced, err
	}
}
