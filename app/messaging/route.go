// Package messaging wires the pipeline onto Kafka: one Watermill handler per
// route, with its keyed subscriber, the middleware chain and the shared
// publisher; it runs the router and says whether it is ready. The parts live
// in its subpackages: kafkaclient, subscriber, handling (the middleware), deadletter, codec.
package messaging

import (
	"context"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/app/messaging/codec"
	"github.com/orderflow/orderflow/events"
)

// Route binds one step to its input topic, its output topic and its consumer
// group (named after the step, so every step sees every message of its topic).
type Route struct {
	Name string
	From string
	To   string
	// DefaultType is the event type of a message that carries no event_type header,
	// such as a plain JSON order from a client that is not orderflow. Empty
	// means such a message is rejected.
	DefaultType string
	Handle      func(ctx context.Context, in events.Event) (events.Event, error)
}

// handlerFunc adapts a route's step to Watermill: decode the message (with
// a schema registry's wire, checked against the schema it names), call the
// step, encode what it returns, stamped with its schema. Everything that can
// go wrong with the bytes is a permanent error naming the problem.
//
// The schemas of r.To are looked up before the step runs: a step's side
// effect (a charge) must not happen on each retry of an output that cannot
// be stamped.
func handlerFunc(r Route, maxBytes int, wire codec.Wire) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		in, err := wire.Decode(msg, r.DefaultType, maxBytes)
		if err != nil {
			return nil, err
		}
		if err := wire.Outputs(msg.Context(), r.To); err != nil {
			return nil, err
		}
		out, err := r.Handle(msg.Context(), in)
		if err != nil || out == nil {
			return nil, err
		}
		produced, err := codec.Encode(out, msg.UUID+"/"+r.Name)
		if err != nil {
			return nil, err
		}
		if err := wire.Stamp(msg.Context(), produced, r.To, out.EventType()); err != nil {
			return nil, err
		}
		// The input's context goes with its output: the publisher counts the
		// output in the input's delivery (kafkaclient.Delivery), so the
		// input's offset waits for the brokers to acknowledge it.
		produced.SetContext(msg.Context())
		return []*message.Message{produced}, nil
	}
}
