package kafka

import (
	"errors"
	"fmt"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill/message"
)

// Producer sends batches of Watermill messages concurrently, with the same
// headers, keys and guarantees as the router's publisher. seed and replay use
// it; a batch is sent when every message in it is acknowledged.
type Producer struct {
	p sarama.SyncProducer
}

// NewProducer connects a producer to the brokers.
func NewProducer(conn Conn) (*Producer, error) {
	c := conn.Sarama()
	// A batch is sent at once: let Sarama gather it into few requests rather
	// than one request per message behind the one request in flight.
	c.Producer.Flush.Frequency = 5 * time.Millisecond
	c.Producer.Flush.Messages = 500
	p, err := sarama.NewSyncProducer(conn.Brokers, c)
	if err != nil {
		return nil, fmt.Errorf("kafka producer: %w", ExplainDenied(err, conn.Kafka))
	}
	return &Producer{p: p}, nil
}

// Send publishes msgs to topic and returns once all are acknowledged.
func (p *Producer) Send(topic string, msgs ...*message.Message) error {
	batch := make([]*sarama.ProducerMessage, len(msgs))
	for i, m := range msgs {
		pm, err := Marshaler{}.Marshal(topic, m)
		if err != nil {
			return fmt.Errorf("marshal %s: %w", m.UUID, err)
		}
		batch[i] = pm
	}
	if err := p.p.SendMessages(batch); err != nil {
		var perrs sarama.ProducerErrors
		if errors.As(err, &perrs) && len(perrs) > 0 {
			return fmt.Errorf("send to %s: %d of %d failed, first: %w", topic, len(perrs), len(batch), perrs[0].Err)
		}
		return fmt.Errorf("send to %s: %w", topic, err)
	}
	return nil
}

// Close flushes and closes the producer.
func (p *Producer) Close() error { return p.p.Close() }
