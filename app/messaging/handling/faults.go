package handling

import (
	"log/slog"
	"sync"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/app/faults"
	"github.com/orderflow/orderflow/events"
)

// injectFaults reads the header seed marks the orders it wants to fail with
// (faults.Header). With faults.inject on, the fault goes into the message's
// context, where the gateway's fault decorator finds it, and a value that
// names no fault is a permanent error. Off, the header is ignored: the first
// message that carries one is logged, and no other.
func injectFaults(enabled bool, log *slog.Logger) message.HandlerMiddleware {
	var once sync.Once
	return func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			v, ok := msg.Metadata[faults.Header]
			switch {
			case !ok:
			case !enabled:
				once.Do(func() {
					log.WarnContext(msg.Context(), "a message asks for an injected fault; ignored, as faults.inject is off (logged once)",
						"header", faults.Header, "fault", v, "message_uuid", msg.UUID)
				})
			default:
				f, err := faults.Parse(v)
				if err != nil {
					return nil, events.Permanent(err)
				}
				msg.SetContext(faults.With(msg.Context(), f))
			}
			return h(msg)
		}
	}
}
