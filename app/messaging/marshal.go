package messaging

import (
	"context"
	"fmt"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"
)

type keyCtx struct{}

// withKey sets the Kafka key msg is published with.
func withKey(msg *message.Message, key []byte) *message.Message {
	msg.SetContext(context.WithValue(msg.Context(), keyCtx{}, key))
	return msg
}

// marshaler is watermill-kafka's default header mapping plus a partition key
// taken from the message's context: the order ID for events, the original key
// for dead letters and replays. A message without one gets no key. Consumed
// records are read by toMessage.
type marshaler struct{ kafka.DefaultMarshaler }

func (m marshaler) Marshal(topic string, msg *message.Message) (*sarama.ProducerMessage, error) {
	pm, err := m.DefaultMarshaler.Marshal(topic, msg)
	if err != nil {
		return nil, err
	}
	if key := keyOf(msg); key != nil {
		pm.Key = sarama.ByteEncoder(key)
	}
	return pm, nil
}

// keyOf is the Kafka key msg is published with, or nil.
func keyOf(msg *message.Message) []byte {
	key, _ := msg.Context().Value(keyCtx{}).([]byte)
	return key
}

// toMessage reads a consumed record as a Watermill message: watermill-kafka's
// header mapping, plus an ID derived from where the record lies for records
// produced without Watermill's UUID header (by any other Kafka client), so a
// redelivery keeps its ID.
func toMessage(km *sarama.ConsumerMessage) *message.Message {
	msg, _ := kafka.DefaultMarshaler{}.Unmarshal(km) // it cannot fail
	if msg.UUID == "" {
		msg.UUID = fmt.Sprintf("kafka-%s-%d-%d", km.Topic, km.Partition, km.Offset)
	}
	return msg
}
