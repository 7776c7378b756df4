package messaging

import (
	"fmt"
	"strconv"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/events"
	"github.com/orderflow/orderflow/handlers"
)

// handlerFunc adapts a route's step to Watermill: decode the message, call the
// step, encode what it returns. Everything that can go wrong with the bytes is
// a permanent error naming the problem.
func handlerFunc(r handlers.Route, maxBytes int) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		in, err := decode(msg, r.Assume, maxBytes)
		if err != nil {
			return nil, err
		}
		out, err := r.Handle(msg.Context(), in)
		if err != nil || out == nil {
			return nil, err
		}
		produced, err := encode(out, msg.UUID+"/"+r.Name)
		if err != nil {
			return nil, err
		}
		return []*message.Message{produced}, nil
	}
}

func decode(msg *message.Message, assume string, maxBytes int) (events.Event, error) {
	if n := len(msg.Payload); n > maxBytes {
		return nil, events.Permanent(&events.MalformedError{Problem: fmt.Sprintf("payload is %d bytes, over handler.max_message_bytes %d", n, maxBytes)})
	}
	eventType := msg.Metadata.Get(HeaderEventType)
	version := events.Version
	if eventType == "" {
		if assume == "" {
			return nil, events.Permanent(&events.MalformedError{Problem: "message has no " + HeaderEventType + " header"})
		}
		eventType = assume
	}
	if v := msg.Metadata.Get(HeaderEventVersion); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, events.Permanent(&events.MalformedError{Problem: fmt.Sprintf("%s header %q is not a number", HeaderEventVersion, v)})
		}
		version = n
	}
	return events.Decode(eventType, version, msg.Payload)
}

// encode builds the message for ev. Its UUID is derived from the input message
// and the step, so a redelivered input yields an output with the same UUID and
// duplicates downstream can be told apart from new events.
func encode(ev events.Event, seed string) (*message.Message, error) {
	payload, err := events.Encode(ev)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", ev.EventType(), err)
	}
	msg := message.NewMessage(uuidFrom(seed), payload)
	msg.Metadata.Set(HeaderEventType, ev.EventType())
	msg.Metadata.Set(HeaderEventVersion, strconv.Itoa(events.Version))
	return withKey(msg, []byte(ev.OrderKey())), nil
}

// NewEventMessage builds the message that carries ev into the pipeline.
func NewEventMessage(ev events.Event, correlationID string) (*message.Message, error) {
	msg, err := encode(ev, watermill.NewUUID())
	if err != nil {
		return nil, err
	}
	msg.Metadata.Set(HeaderCorrelationID, correlationID)
	return msg, nil
}
