package deadletter

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"

	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/events"
)

// Letter is one record of the dead-letter topic, read back.
type Letter struct {
	UUID          string    `json:"uuid"`
	OrderID       string    `json:"order_id"` // the record's key
	CorrelationID string    `json:"correlation_id"`
	Topic         string    `json:"topic"`
	Partition     int32     `json:"partition"`
	Offset        int64     `json:"offset"`
	Timestamp     time.Time `json:"timestamp"`
	Key           string    `json:"key"`
	Handler       string    `json:"handler"`
	ConsumerGroup string    `json:"consumer_group"`
	ErrorKind     Kind      `json:"error_kind"`
	ErrorType     string    `json:"error_type"`
	Reason        string    `json:"reason"`
	Attempts      int       `json:"attempts"`
	FailedAt      time.Time `json:"failed_at"`
	ReplayCount   int       `json:"replay_count"`
	Stack         string    `json:"stack,omitempty"`
	DLQPartition  int32     `json:"dlq_partition"`
	DLQOffset     int64     `json:"dlq_offset"`
	Payload       []byte    `json:"payload"`
	// PayloadOmitted says why the payload is not in the letter (too large);
	// PayloadBytes and PayloadSHA256 describe the original's.
	PayloadOmitted string `json:"payload_omitted,omitempty"`
	PayloadBytes   int    `json:"payload_bytes,omitempty"`
	PayloadSHA256  string `json:"payload_sha256,omitempty"`
	// ReplayedAt is when replay republished this letter; a replayed letter is
	// not replayed again.
	ReplayedAt *time.Time `json:"replayed_at,omitempty"`
	// SchemaSubject and SchemaVersion name the registered schema the
	// message was written with (its schema headers, with a schema registry);
	// empty and 0 without.
	SchemaSubject string            `json:"schema_subject,omitempty"`
	SchemaVersion int               `json:"schema_version,omitempty"`
	Headers       map[string]string `json:"headers"` // the original headers, dead-letter ones removed
}

// Parse reads a record of the dead-letter topic as a letter.
func Parse(m kafkaclient.Record) Letter {
	h := m.Headers
	atoi := func(k string) int64 { n, _ := strconv.ParseInt(h[k], 10, 64); return n }
	when := func(k string) time.Time { t, _ := time.Parse(time.RFC3339Nano, h[k]); return t }
	d := Letter{
		UUID:           h[kafka.UUIDHeaderKey],
		OrderID:        string(m.Key),
		CorrelationID:  h[events.HeaderCorrelationID],
		Topic:          h[HeaderTopic],
		Partition:      int32(atoi(HeaderPartition)),
		Offset:         atoi(HeaderOffset),
		Timestamp:      when(HeaderTimestamp),
		Key:            string(m.Key),
		Handler:        h[HeaderHandler],
		ConsumerGroup:  h[HeaderConsumerGroup],
		ErrorKind:      Kind(h[HeaderErrorKind]),
		ErrorType:      h[HeaderErrorType],
		Reason:         h[HeaderReason],
		Attempts:       int(atoi(HeaderAttempts)),
		FailedAt:       when(HeaderFailedAt),
		ReplayCount:    int(atoi(HeaderReplayCount)),
		Stack:          h[HeaderStack],
		DLQPartition:   m.Partition,
		DLQOffset:      m.Offset,
		Payload:        m.Value,
		Headers:        map[string]string{},
		PayloadOmitted: h[HeaderPayloadOmitted],
		PayloadBytes:   int(atoi(HeaderPayloadBytes)),
		PayloadSHA256:  h[HeaderPayloadSHA256],
		SchemaSubject:  h[events.HeaderSchemaSubject],
		SchemaVersion:  int(atoi(events.HeaderSchemaVersion)),
	}
	for k, v := range h {
		if k != kafka.UUIDHeaderKey && !slices.Contains(Headers, k) {
			d.Headers[k] = v
		}
	}
	return d
}

// Schema is the letter's schema subject and version ("orders-OrderPlaced
// v2"), or "-" when it names none.
func (d Letter) Schema() string {
	if d.SchemaSubject == "" {
		return "-"
	}
	return fmt.Sprintf("%s v%d", d.SchemaSubject, d.SchemaVersion)
}
