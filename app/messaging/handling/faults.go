package handling

import (
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/app/faults"
	"github.com/orderflow/orderflow/events"
)

// injectFaults reads the header seed marks the orders it wants to fail with
// (faults.Header): the fault goes into the message's context, where the
// gateway's fault decorator finds it, and a value that names no fault is a
// permanent error. Chain adds it only with faults.inject on.
func injectFaults(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		if v, ok := msg.Metadata[faults.Header]; ok {
			f, err := faults.Parse(v)
			if err != nil {
				return nil, events.Permanent(err)
			}
			msg.SetContext(faults.With(msg.Context(), f))
		}
		return h(msg)
	}
}
