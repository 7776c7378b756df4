package codec

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/schemas"
	"github.com/orderflow/orderflow/events"
)

// Wire is how events meet the schema registry, here at the codec so that
// steps stay plain Go. The zero Wire, without a registry (the default, the
// demo, the benchmark), leaves payloads plain JSON without schema headers
// and looks nothing up.
//
// With a registry, every output carries the subject, ID and version of the
// schema it was written with in headers (events.HeaderSchemaID …), looked up
// once per subject; Framed (schemas.wire: confluent) also writes its payload
// in the Confluent wire format: the magic byte 0, the schema ID as 4 bytes
// big-endian, then the JSON. An input may come either way, or as plain JSON
// without headers (a foreign producer): one that names a schema ID, framed
// or in its header, is checked against that schema (schemas.Catalog.Check).
type Wire struct {
	Catalog *schemas.Catalog // nil: no registry
	Framed  bool
}

// NewWire is the wire of catalog (nil: no registry), framed when cfg says
// schemas.wire: confluent.
func NewWire(catalog *schemas.Catalog, cfg config.Schemas) Wire {
	return Wire{Catalog: catalog, Framed: catalog != nil && cfg.Wire == config.WireConfluent}
}

// confluent is the Confluent wire format's 5-byte header, as franz-go's sr
// writes and reads it.
var confluent sr.ConfluentHeader

// Stamp marks msg, which carries an event of eventType to topic, with the
// schema it was written with, and frames its payload if w is Framed.
func (w Wire) Stamp(ctx context.Context, msg *message.Message, topic, eventType string) error {
	if w.Catalog == nil {
		return nil
	}
	s, err := w.Catalog.Writes(ctx, topic, eventType)
	if err != nil {
		return err
	}
	setSchema(msg, s)
	if w.Framed {
		framed, _ := confluent.AppendEncode(make([]byte, 0, 5+len(msg.Payload)), s.ID, nil) // never fails
		msg.Payload = append(framed, msg.Payload...)
	}
	return nil
}

// Outputs looks up the schemas of every event type this build writes to
// topic; an error (transient: a subject not registered, a registry that does
// not answer) means an output to topic could not be stamped yet.
func (w Wire) Outputs(ctx context.Context, topic string) error {
	if w.Catalog == nil {
		return nil
	}
	return w.Catalog.WritesTo(ctx, topic)
}

// body is msg's JSON: its payload, past the Confluent framing if it has one,
// checked against the schema it names (by framing or header), which comes
// back too. The input keeps a schema subject and version only as the
// registry vouches for them (those of the ID it names): a producer's own,
// unchecked, would reach a dead letter and steer its replay. Its schema_id
// stays: it is the record's claim, which a retry checks again.
func (w Wire) body(msg *message.Message, eventType string) ([]byte, schemas.Stamp, error) {
	delete(msg.Metadata, events.HeaderSchemaSubject) // without a registry nothing vouches for them
	delete(msg.Metadata, events.HeaderSchemaVersion)
	if w.Catalog == nil {
		return msg.Payload, schemas.Stamp{}, nil
	}
	id, body, err := confluent.DecodeID(msg.Payload)
	if err != nil { // not framed: plain JSON
		body = msg.Payload
		text := msg.Metadata.Get(events.HeaderSchemaID)
		if text == "" {
			return body, schemas.Stamp{}, nil // no schema named: the strict decoder validates
		}
		if id = schemaID(text); id == 0 {
			return nil, schemas.Stamp{}, events.Permanent(&events.MalformedError{Problem: fmt.Sprintf("%s header %q is not a schema ID (a positive number)", events.HeaderSchemaID, text)})
		}
	}
	if id <= 0 { // framed with ID 0: no registry assigns it
		return nil, schemas.Stamp{}, events.Permanent(&events.MalformedError{Problem: fmt.Sprintf("schema ID %d in the Confluent framing is not a schema ID", id)})
	}
	s, err := w.Catalog.Check(msg.Context(), id, message.SubscribeTopicFromCtx(msg.Context()), eventType, body)
	if s.Subject != "" {
		setSchema(msg, s)
	}
	return body, s, err
}

func setSchema(msg *message.Message, s schemas.Stamp) {
	msg.Metadata.Set(events.HeaderSchemaSubject, s.Subject)
	msg.Metadata.Set(events.HeaderSchemaID, s.IDText)
	msg.Metadata.Set(events.HeaderSchemaVersion, s.VersionText)
}

// schemaID is text as a schema ID: plain decimal digits (no sign, no
// spaces), positive and within an int32 as registries assign them; 0 for
// anything else.
func schemaID(text string) int {
	if text == "" || len(text) > 10 || strings.Trim(text, "0123456789") != "" {
		return 0
	}
	id, err := strconv.Atoi(text)
	if err != nil || id > math.MaxInt32 {
		return 0
	}
	return id
}
