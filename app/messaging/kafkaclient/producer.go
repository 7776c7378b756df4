package kafkaclient

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill/message"
)

// Producer sends Watermill messages with acks=all, idempotence, the key carried
// in metadata and the headers Marshaler writes. It is the router's publisher
// (NewPublisher) and what seed and replay send batches with (NewProducer).
//
// A message whose context carries a Delivery (a handler's output: the router
// gives outputs their input's context) is counted there and handed to
// Sarama's asynchronous producer: Publish returns at once, and the brokers'
// answer reaches the Delivery, which the subscriber waits on before it marks
// the input's offset. Any other message (the intake's, a dead letter, seed's,
// replay's) is sent synchronously: Publish and Send return once every message
// is acknowledged.
//
// It replaces watermill-kafka's publisher, which waited for every message
// through a SyncProducer and built a map of log fields, boxing the partition
// and offset into it, for every message, logged or not.
type Producer struct {
	p sarama.AsyncProducer

	mu       sync.RWMutex // held to send; taken to close
	closed   bool
	answered chan struct{} // closed when every answer has been handed on
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
	c.Producer.Return.Successes = true
	c.Producer.Return.Errors = true
	ap, err := sarama.NewAsyncProducer(conn.Brokers, c)
	if err != nil {
		return nil, fmt.Errorf("kafka producer: %w", ExplainDenied(err, conn.Kafka))
	}
	p := &Producer{p: ap, answered: make(chan struct{})}
	go p.handOn() // ends when Close has closed the producer's channels
	return p, nil
}

// handOn gives each answer of the brokers to the Delivery its message counted
// in, until the producer's channels close.
func (p *Producer) handOn() {
	defer close(p.answered)
	successes, failures := p.p.Successes(), p.p.Errors()
	for successes != nil || failures != nil {
		select {
		case m, ok := <-successes:
			if !ok {
				successes = nil
				continue
			}
			m.Metadata.(*Delivery).Answered(nil)
		case e, ok := <-failures:
			if !ok {
				failures = nil
				continue
			}
			e.Msg.Metadata.(*Delivery).Answered(fmt.Errorf("send to %s: %w", e.Msg.Topic, e.Err))
		}
	}
}

// errClosed is what a send after Close returns.
var errClosed = errors.New("kafka producer closed")

// Publish sends msgs to topic. The router calls it with a handler's outputs,
// which carry their input's Delivery: it returns once they are handed to
// Sarama. Without a Delivery it returns once all are acknowledged.
func (p *Producer) Publish(topic string, msgs ...*message.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	if d := DeliveryFrom(msgs[0].Context()); d != nil {
		return p.send(topic, d, msgs)
	}
	return p.Send(topic, msgs...)
}

// Send publishes msgs to topic, all at once, and returns once all are
// acknowledged.
func (p *Producer) Send(topic string, msgs ...*message.Message) error {
	batch := &Delivery{}
	if err := p.send(topic, batch, msgs); err != nil {
		return err
	}
	if err := batch.Wait(context.Background()); err != nil {
		return fmt.Errorf("%d messages: %w", len(msgs), err)
	}
	return nil
}

// send hands msgs to Sarama, each counted in d.
func (p *Producer) send(topic string, d *Delivery, msgs []*message.Message) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return errClosed
	}
	for _, m := range msgs {
		pm, err := Marshaler{}.Marshal(topic, m)
		if err != nil {
			return fmt.Errorf("marshal %s: %w", m.UUID, err)
		}
		pm.Metadata = d
		d.Sent()
		p.p.Input() <- pm
	}
	return nil
}

// Close sends what is on its way, waits for the brokers' answers, hands them
// on and closes the producer. Publish and Send return an error after it.
func (p *Producer) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	p.p.AsyncClose()
	<-p.answered
	return nil
}
