package messaging

import (
	"strconv"
	"strings"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
)

// DeadLetter is one record of the dead-letter topic, read back.
type DeadLetter struct {
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
	ErrorKind     ErrorKind `json:"error_kind"`
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
	ReplayedAt *time.Time        `json:"replayed_at,omitempty"`
	Headers    map[string]string `json:"headers"` // the original headers, dead-letter ones removed
}

// ParseDeadLetter reads a dead-letter record.
func ParseDeadLetter(m *sarama.ConsumerMessage) DeadLetter {
	h := map[string]string{}
	for _, rh := range m.Headers {
		h[string(rh.Key)] = string(rh.Value)
	}
	atoi := func(k string) int64 { n, _ := strconv.ParseInt(h[k], 10, 64); return n }
	when := func(k string) time.Time { t, _ := time.Parse(time.RFC3339Nano, h[k]); return t }
	d := DeadLetter{
		UUID:           h[kafka.UUIDHeaderKey],
		OrderID:        string(m.Key),
		CorrelationID:  h[HeaderCorrelationID],
		Topic:          h[HeaderTopic],
		Partition:      int32(atoi(HeaderPartition)),
		Offset:         atoi(HeaderOffset),
		Timestamp:      when(HeaderTimestamp),
		Key:            string(m.Key),
		Handler:        h[HeaderHandler],
		ConsumerGroup:  h[HeaderConsumerGroup],
		ErrorKind:      ErrorKind(h[HeaderErrorKind]),
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
	}
	for k, v := range h {
		if k != kafka.UUIDHeaderKey && !isDeadLetterHeader(k) {
			d.Headers[k] = v
		}
	}
	return d
}

func isDeadLetterHeader(k string) bool {
	for _, h := range deadLetterHeaders {
		if k == h {
			return true
		}
	}
	return false
}

// Filter selects dead letters; an empty field matches all.
type Filter struct {
	IDs     []string // message UUIDs
	Handler string
	Topic   string
	Kind    string
	OrderID string
	Pending bool // only letters not replayed yet
}

// Match reports whether d passes every set field.
func (f Filter) Match(d DeadLetter) bool {
	if len(f.IDs) > 0 && !contains(f.IDs, d.UUID) {
		return false
	}
	return (f.Handler == "" || f.Handler == d.Handler) &&
		(f.Topic == "" || f.Topic == d.Topic) &&
		(f.Kind == "" || strings.EqualFold(f.Kind, string(d.ErrorKind))) &&
		(f.OrderID == "" || f.OrderID == d.OrderID) &&
		(!f.Pending || d.ReplayedAt == nil)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
