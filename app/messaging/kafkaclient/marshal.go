package kafkaclient

import (
	"fmt"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/orderflow/orderflow/events"
)

// KeyMetadata is the metadata entry that carries a message's Kafka key: the
// order ID for events, the original key for dead letters and replays. Metadata,
// not the message's context, because Message.Copy keeps metadata and drops the
// context: a middleware that copies a message keeps its key, and with it one
// order's ordering. It is not published as a header (the record's key is the
// key); the readers set it from the record's key on the way in.
const KeyMetadata = "_kafka_key"

// WithKey sets the Kafka key msg is published with; an empty key is no key.
func WithKey(msg *message.Message, key string) *message.Message {
	if key == "" {
		delete(msg.Metadata, KeyMetadata)
	} else {
		msg.Metadata.Set(KeyMetadata, key)
	}
	return msg
}

// KeyOf is the Kafka key of msg, or "" for none.
func KeyOf(msg *message.Message) string { return msg.Metadata.Get(KeyMetadata) }

// Marshaler is the watermill-kafka transport's marshaler and unmarshaler
// (kafka.client: watermill-kafka): records as franz-go's Producer writes and
// reads them. It writes them as watermill-kafka's partitioning marshaler does —
// the UUID header, every metadata entry as a header, the key from
// KeyMetadata — with two changes: the key is not repeated as a header, and a
// message without a key gets no key (Sarama then picks a partition), where
// the upstream one would give every such message the empty key and so one
// partition. It runs for every record produced, so the headers' bytes share
// one buffer: two allocations where upstream makes two per header.
type Marshaler struct{}

// Marshal builds the record for msg on topic.
func (Marshaler) Marshal(topic string, msg *message.Message) (*sarama.ProducerMessage, error) {
	if msg.Metadata.Get(kafka.UUIDHeaderKey) != "" {
		return nil, fmt.Errorf("metadata %s is reserved by watermill for message UUID", kafka.UUIDHeaderKey)
	}
	size, n := len(kafka.UUIDHeaderKey)+len(msg.UUID), 1
	for k, v := range msg.Metadata {
		if k != KeyMetadata {
			size, n = size+len(k)+len(v), n+1
		}
	}
	buf := make([]byte, 0, size)
	headers := make([]sarama.RecordHeader, 0, n)
	header := func(k, v string) {
		i := len(buf)
		buf = append(append(buf, k...), v...)
		headers = append(headers, sarama.RecordHeader{Key: buf[i : i+len(k) : i+len(k)], Value: buf[i+len(k) : len(buf) : len(buf)]})
	}
	header(kafka.UUIDHeaderKey, msg.UUID)
	for k, v := range msg.Metadata {
		if k != KeyMetadata {
			header(k, v)
		}
	}
	pm := &sarama.ProducerMessage{Topic: topic, Value: sarama.ByteEncoder(msg.Payload), Headers: headers}
	if KeyOf(msg) == "" {
		return pm, nil // no key: Sarama's partitioner picks the partition
	}
	pm.Key = sarama.StringEncoder(KeyOf(msg))
	return pm, nil
}

// Unmarshal is toMessage; it never fails.
func (Marshaler) Unmarshal(km *sarama.ConsumerMessage) (*message.Message, error) {
	return toMessage(km), nil
}

var _ kafka.MarshalerUnmarshaler = Marshaler{}

// toMessage reads a consumed record as a Watermill message: watermill-kafka's
// header mapping, the record's key in KeyMetadata, and an ID derived from where
// the record lies for records produced without Watermill's UUID header (by any
// other Kafka client), so a redelivery keeps its ID. It runs for every record
// consumed, so it builds the message itself where watermill-kafka's
// unmarshaler gives it a map to throw away and one that grows for the key,
// and the header names every event carries are shared strings, not copies.
func toMessage(km *sarama.ConsumerMessage) *message.Message {
	md := make(message.Metadata, len(km.Headers)+1)
	var id string
	for _, h := range km.Headers {
		if string(h.Key) == kafka.UUIDHeaderKey {
			id = string(h.Value)
			continue
		}
		md[headerName(h.Key)] = string(h.Value)
	}
	if id == "" {
		id = fmt.Sprintf("kafka-%s-%d-%d", km.Topic, km.Partition, km.Offset)
	}
	msg := message.NewMessage(id, km.Value)
	msg.Metadata = md
	return WithKey(msg, string(km.Key)) // a header of that name from the wire is not the key
}

// commonHeaders are the header names on every event (and W3C trace
// context's): read as these strings, a record's header names cost no
// allocation.
var commonHeaders = []string{events.HeaderType, events.HeaderVersion, events.HeaderCorrelationID, "traceparent", "tracestate",
	events.HeaderSchemaSubject, events.HeaderSchemaID, events.HeaderSchemaVersion}

func headerName(b []byte) string {
	for _, name := range commonHeaders {
		if string(b) == name {
			return name
		}
	}
	return string(b)
}

// FranzRecord is Marshaler.Marshal for franz-go: the same headers and key.
func FranzRecord(topic string, msg *message.Message) (*kgo.Record, error) {
	if msg.Metadata.Get(kafka.UUIDHeaderKey) != "" {
		return nil, fmt.Errorf("metadata %s is reserved by watermill for message UUID", kafka.UUIDHeaderKey)
	}
	size, n := len(msg.UUID), 1
	for k, v := range msg.Metadata {
		if k != KeyMetadata {
			size, n = size+len(v), n+1
		}
	}
	buf := make([]byte, 0, size) // every header's value, in one allocation
	headers := make([]kgo.RecordHeader, 0, n)
	header := func(k, v string) {
		i := len(buf)
		buf = append(buf, v...)
		headers = append(headers, kgo.RecordHeader{Key: k, Value: buf[i:len(buf):len(buf)]})
	}
	header(kafka.UUIDHeaderKey, msg.UUID)
	for k, v := range msg.Metadata {
		if k != KeyMetadata {
			header(k, v)
		}
	}
	r := &kgo.Record{Topic: topic, Value: msg.Payload, Headers: headers}
	if key := KeyOf(msg); key != "" {
		r.Key = []byte(key)
	}
	return r, nil
}

// FranzMessage is Marshaler.Unmarshal for a record franz-go fetched.
func FranzMessage(r *kgo.Record) *message.Message {
	md := make(message.Metadata, len(r.Headers)+1)
	var id string
	for _, h := range r.Headers {
		if h.Key == kafka.UUIDHeaderKey {
			id = string(h.Value)
			continue
		}
		md[h.Key] = string(h.Value)
	}
	if id == "" {
		id = fmt.Sprintf("kafka-%s-%d-%d", r.Topic, r.Partition, r.Offset)
	}
	msg := message.NewMessage(id, r.Value)
	msg.Metadata = md
	return WithKey(msg, string(r.Key)) // a header of that name from the wire is not the key
}
