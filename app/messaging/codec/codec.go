// Package codec carries events in Watermill messages: the payload, the
// event_type and event_version headers, the key, and an ID derived from the
// input so a redelivered input yields the same output ID.
package codec

import (
	"crypto/sha1" //nolint:gosec // a name-based UUID (version 5) is defined over SHA-1
	"fmt"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/events"
)

// Decode reads the event msg carries, as the zero Wire does: plain JSON.
func Decode(msg *message.Message, assume string, maxBytes int) (events.Event, error) {
	return Wire{}.Decode(msg, assume, maxBytes)
}

// Decode reads the event msg carries. A message without an event_type header is
// read as assume, if given. An order without placed_at gets the time it
// entered: its record's timestamp. Everything that can be wrong with the bytes is a
// permanent error naming the problem; with a registry, so is a payload the
// schema it names refuses (Wire).
func (w Wire) Decode(msg *message.Message, assume string, maxBytes int) (events.Event, error) {
	if n := len(msg.Payload); n > maxBytes {
		return nil, events.Permanent(&events.MalformedError{Problem: fmt.Sprintf("payload is %d bytes, over handler.max_message_bytes %d", n, maxBytes)})
	}
	eventType := msg.Metadata.Get(events.HeaderType)
	version := events.Version
	if eventType == "" {
		if assume == "" {
			return nil, events.Permanent(&events.MalformedError{Problem: "message has no " + events.HeaderType + " header"})
		}
		eventType = assume
	}
	if v := msg.Metadata.Get(events.HeaderVersion); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, events.Permanent(&events.MalformedError{Problem: fmt.Sprintf("%s header %q is not a number", events.HeaderVersion, v)})
		}
		version = n
	}
	body, named, err := w.body(msg, eventType)
	if err != nil {
		return nil, err
	}
	ev, err := events.Decode(eventType, version, body)
	if err != nil && named.Ours {
		// The schema the input named is this build's: the decoder's refusal
		// is that schema's, and says so. A refusal after another schema
		// accepted the input is the decoder's own, and names none.
		return nil, fmt.Errorf("schema %s version %d: %w", named.Subject, named.Version, err)
	}
	if o, ok := ev.(events.OrderPlaced); ok && o.PlacedAt.IsZero() {
		o.PlacedAt = entered(msg)
		ev = o
	}
	return ev, err
}

// entered is when an order without placed_at entered the pipeline: its
// record's timestamp, or now for a message that did not come from Kafka.
func entered(msg *message.Message) time.Time {
	if origin, ok := kafkaclient.OriginFrom(msg.Context()); ok && !origin.Timestamp.IsZero() {
		return origin.Timestamp.UTC()
	}
	return time.Now().UTC()
}

// Encode builds the message for ev, keyed by its order. Its UUID is derived
// from the input message and the step, so a redelivered input yields an output
// with the same UUID and duplicates downstream can be told apart from new events.
func Encode(ev events.Event, seed string) (*message.Message, error) {
	payload, err := events.Encode(ev)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", ev.EventType(), err)
	}
	msg := message.NewMessage(derivedID(seed), payload)
	msg.Metadata.Set(events.HeaderType, ev.EventType())
	msg.Metadata.Set(events.HeaderVersion, strconv.Itoa(events.Version))
	return kafkaclient.WithKey(msg, ev.OrderKey()), nil
}

// derivedID is uuid.NewSHA1(uuid.NameSpaceOID, seed).String(), a version 5
// UUID (RFC 9562), without the hash object and the copies uuid.NewSHA1
// allocates: it runs once per message produced.
func derivedID(seed string) string {
	var buf [128]byte // name space and seed, on the stack while they fit
	sum := sha1.Sum(append(append(buf[:0], uuid.NameSpaceOID[:]...), seed...))
	var u uuid.UUID
	copy(u[:], sum[:16])
	u[6] = (u[6] & 0x0f) | 0x50 // version 5
	u[8] = (u[8] & 0x3f) | 0x80 // RFC 9562 variant
	return u.String()
}

// NewEventMessage builds the message that carries ev into the pipeline.
func NewEventMessage(ev events.Event, correlationID string) (*message.Message, error) {
	msg, err := Encode(ev, watermill.NewUUID())
	if err != nil {
		return nil, err
	}
	msg.Metadata.Set(events.HeaderCorrelationID, correlationID)
	return msg, nil
}
