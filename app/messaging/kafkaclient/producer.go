package kafkaclient

import (
	"errors"
	"fmt"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill/message"
)

// Producer sends Watermill messages with acks=all, idempotence, the key carried
// in metadata and the headers Marshaler writes. It is the router's publisher
// (NewPublisher) and what seed and replay send batches with (NewProducer).
// A send returns once every message in it is acknowledged by the brokers.
//
// It replaces watermill-kafka's publisher, which does the same through the
// same Sarama producer but builds a map of log fields and boxes the partition
// and offset into it for every message, logged or not (4 % of orderflow's CPU
// on the cluster).
type Producer struct {
	p sarama.SyncProducer
}

var _ message.Publisher = (*Producer)(nil)

// NewPublisher connects the router's publisher: each message is sent as soon
// as the one request in flight to its broker is answered, so concurrent
// handlers' messages travel together without waiting for a timer.
func NewPublisher(conn Conn) (*Producer, error) {
	return newProducer(conn, conn.Sarama())
}

// NewProducer connects a producer for batches sent at once (seed, replay):
// Sarama gathers a batch into few requests rather than one request per message
// behind the one request in flight.
func NewProducer(conn Conn) (*Producer, error) {
	c := conn.Sarama()
	c.Producer.Flush.Frequency = 5 * time.Millisecond
	c.Producer.Flush.Messages = 500
	return newProducer(conn, c)
}

func newProducer(conn Conn, c *sarama.Config) (*Producer, error) {
	p, err := sarama.NewSyncProducer(conn.Brokers, c)
	if err != nil {
		return nil, fmt.Errorf("kafka producer: %w", ExplainDenied(err, conn.Kafka))
	}
	return &Producer{p: p}, nil
}

// Publish sends msgs to topic and returns once all are acknowledged: the
// router calls it with a handler's outputs, the dead-letter middleware with a
// letter.
func (p *Producer) Publish(topic string, msgs ...*message.Message) error {
	if len(msgs) != 1 {
		return p.Send(topic, msgs...)
	}
	pm, err := Marshaler{}.Marshal(topic, msgs[0])
	if err != nil {
		return fmt.Errorf("marshal %s: %w", msgs[0].UUID, err)
	}
	if _, _, err := p.p.SendMessage(pm); err != nil {
		return fmt.Errorf("send %s to %s: %w", msgs[0].UUID, topic, err)
	}
	return nil
}

// Send publishes msgs to topic, all at once, and returns once all are
// acknowledged.
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
