package kafkaclient

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/orderflow/orderflow/app/config"
)

// Producer sends Watermill messages on franz-go with acks=all, idempotence,
// the key carried in metadata and watermill-kafka's headers. It is the
// router's publisher (kafka.client: franz) and what seed, replay and the
// intake send with.
//
// A message whose context carries a Delivery (a handler's output: the router
// gives outputs their input's context) is counted there and handed to
// franz-go: Publish returns at once, and the brokers' answer reaches the
// Delivery, which the subscriber waits on before it marks the input's
// offset. Any other message (the intake's, a dead letter, seed's, replay's)
// is sent and waited for: Publish and Send return once every message is
// acknowledged.
type Producer struct {
	cl    *kgo.Client
	kafka config.Kafka // for the hints a refusal gets
	// recreated takes the topics a record failed on because the topic was
	// deleted and made again: franz-go never adopts the new topic's ID by
	// itself, so purgeRecreated drops what it knows of the topic and the
	// next record (the input's redelivery) finds it anew.
	recreated chan string
	purging   sync.Map      // topics sent on recreated and not yet purged
	stop      chan struct{} // closed by Close: purgeRecreated returns
	purged    chan struct{} // closed once purgeRecreated has returned
}

var _ message.Publisher = (*Producer)(nil)

// NewProducer connects a producer.
func NewProducer(c Conn) (*Producer, error) {
	cl, err := kgo.NewClient(c.Franz()...)
	if err != nil {
		return nil, fmt.Errorf("kafka producer: %w", err)
	}
	p := &Producer{cl: cl, kafka: c.Kafka, recreated: make(chan string, 16),
		stop: make(chan struct{}), purged: make(chan struct{})}
	go p.purgeRecreated() // ends at Close
	return p, nil
}

// purgeRecreated purges each topic sent on recreated from producing, until
// Close. It runs on its own goroutine: a purge waits for the client's
// metadata loop, which a promise must not.
func (p *Producer) purgeRecreated() {
	defer close(p.purged)
	for {
		select {
		case topic := <-p.recreated:
			p.cl.PurgeTopicsFromClient(topic)
			p.purging.Delete(topic)
		case <-p.stop:
			return
		}
	}
}

// Publish sends msgs to topic. With a Delivery in their context it returns
// once they are handed to franz-go; without, once all are acknowledged.
func (p *Producer) Publish(topic string, msgs ...*message.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	ctx := msgs[0].Context()
	d := DeliveryFrom(ctx)
	if d == nil {
		via, _ := ctx.Value(txnCtx{}).(Txn) // a dead letter joins its input's transaction (TxnOf)
		return p.send(topic, via, msgs)
	}
	via := Txn(p.cl)
	if d.txn != nil { // exactly_once: the outputs join their input's transaction
		via = d.txn
	}
	return p.produce(topic, via, d, msgs)
}

// Send publishes msgs to topic, all at once, and returns once all are
// acknowledged.
func (p *Producer) Send(topic string, msgs ...*message.Message) error {
	return p.send(topic, nil, msgs)
}

// send produces msgs via t (the client when nil) and waits for the answers.
func (p *Producer) send(topic string, t Txn, msgs []*message.Message) error {
	if t == nil {
		t = p.cl
	}
	d := &Delivery{}
	if err := p.produce(topic, t, d, msgs); err != nil {
		return err
	}
	if err := d.Wait(context.Background()); err != nil {
		return fmt.Errorf("%d messages: %w", len(msgs), err)
	}
	return nil
}

// produce hands msgs to franz-go via t, each counted in d.
func (p *Producer) produce(topic string, t Txn, d *Delivery, msgs []*message.Message) error {
	for _, m := range msgs {
		r, err := FranzRecord(topic, m)
		if err != nil {
			return fmt.Errorf("marshal %s: %w", m.UUID, err)
		}
		d.Sent()
		t.Produce(context.Background(), r, func(r *kgo.Record, err error) {
			if errors.Is(err, kerr.UnknownTopicID) {
				if _, pending := p.purging.LoadOrStore(r.Topic, true); !pending {
					select {
					case p.recreated <- r.Topic:
					default: // full: the next failure asks again
						p.purging.Delete(r.Topic)
					}
				}
			}
			if err != nil {
				err = fmt.Errorf("send to %s: %w", r.Topic, ExplainDenied(err, p.kafka))
			}
			d.Answered(err)
		})
	}
	return nil
}

// Close waits for the answers to what was sent (each reaches its Delivery)
// and closes the client.
func (p *Producer) Close() error {
	err := p.cl.Flush(context.Background())
	close(p.stop)
	<-p.purged
	p.cl.Close()
	return err
}

// MaxRecordBytes is the largest record the producers here send (franz-go's
// and Sarama's default, under the brokers' message.max.bytes): the dead-letter
// middleware trims a letter's payload to fit it.
const MaxRecordBytes = 1_000_000
