package kafkaclient

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/orderflow/orderflow/app/config"
)

// Franz is the franz-go options of a client of the steps (kafka.client:
// franz): the brokers, TLS and SASL of kafka.*, and the settings saramaConfig
// makes, each in franz-go's terms, so the two clients differ only in how they
// do it. The subscriber adds its group's options.
func (c Conn) Franz(log *slog.Logger) ([]kgo.Opt, error) {
	opts := []kgo.Opt{
		kgo.SeedBrokers(c.Brokers...),
		kgo.ClientID(c.Kafka.ClientID),
		kgo.WithLogger(franzLogger{log.With("component", "franz-go")}),
		// Producer: acks=all and idempotence are franz-go's defaults. The
		// key's partition is Sarama's (FNV-1a), so either client puts one
		// order's events in the same partition. A record is sent as soon as
		// its partition has no request in flight, not after a 10 ms linger,
		// as the Sarama publisher does; no compression, as Sarama's default.
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(kgo.SaramaCompatHasher(fnv32a))),
		kgo.ProducerLinger(0),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		// An output the brokers cannot take within this is failed, and so
		// its input redelivered, rather than retried for ever.
		kgo.RecordDeliveryTimeout(30 * time.Second),
		// Consumer: as saramaConfig — the earliest offset for a new group,
		// round-robin assignment (a group can mix members of both clients
		// while one is swapped for the other), the rebalance bound validation
		// keeps handler.close_timeout under, and fetches of 256 KiB a
		// partition (a consumed record pins its fetch's memory).
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.Balancers(kgo.RoundRobinBalancer()),
		kgo.RebalanceTimeout(config.RebalanceTimeout),
		// Sarama's: a member that died (kill -9) is noticed within 10 s, not
		// franz-go's 45 s, and its partitions move on.
		kgo.SessionTimeout(10 * time.Second),
		kgo.HeartbeatInterval(3 * time.Second),
		kgo.FetchMaxPartitionBytes(256 << 10),
		kgo.FetchMaxBytes(2 << 20),
		// Only committed records are read: with delivery.guarantee
		// exactly_once an aborted transaction's outputs are never seen; with
		// at_least_once nothing is produced in a transaction, and read
		// committed reads everything.
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
	}
	tlsConfig, err := c.Kafka.TLS.ClientConfig()
	if err != nil {
		return nil, err
	}
	if tlsConfig != nil {
		opts = append(opts, kgo.DialTLSConfig(tlsConfig))
	}
	s := c.Kafka.SASL
	switch s.Mechanism {
	case "PLAIN":
		opts = append(opts, kgo.SASL(plain.Auth{User: s.Username, Pass: s.Password.Reveal()}.AsMechanism()))
	case "SCRAM-SHA-256":
		opts = append(opts, kgo.SASL(scram.Auth{User: s.Username, Pass: s.Password.Reveal()}.AsSha256Mechanism()))
	case "SCRAM-SHA-512":
		opts = append(opts, kgo.SASL(scram.Auth{User: s.Username, Pass: s.Password.Reveal()}.AsSha512Mechanism()))
	}
	return opts, nil
}

func fnv32a(b []byte) uint32 {
	h := fnv.New32a()
	_, _ = h.Write(b)
	return h.Sum32()
}

// FranzProducer is Producer on franz-go: a handler's outputs (their context
// carries a Delivery) are counted there and Publish returns without waiting;
// any other message is sent and waited for.
type FranzProducer struct {
	cl *kgo.Client
}

var _ message.Publisher = (*FranzProducer)(nil)

// NewFranzPublisher connects the router's publisher on franz-go.
func NewFranzPublisher(c Conn, log *slog.Logger) (*FranzProducer, error) {
	opts, err := c.Franz(log)
	if err != nil {
		return nil, err
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("kafka producer: %w", err)
	}
	return &FranzProducer{cl: cl}, nil
}

// Publish sends msgs to topic. With a Delivery in their context it returns
// once they are handed to franz-go; without, once all are acknowledged.
func (p *FranzProducer) Publish(topic string, msgs ...*message.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	ctx := msgs[0].Context()
	d := DeliveryFrom(ctx)
	var via Txn = p.cl
	wait := d == nil
	if wait {
		d = &Delivery{}
		if t, ok := ctx.Value(txnCtx{}).(Txn); ok { // a dead letter (TxnOf)
			via = t
		}
	} else if d.txn != nil { // exactly_once: the outputs join their input's transaction
		via = d.txn
	}
	for _, m := range msgs {
		r, err := FranzRecord(topic, m)
		if err != nil {
			return fmt.Errorf("marshal %s: %w", m.UUID, err)
		}
		d.Sent()
		via.Produce(context.Background(), r, func(r *kgo.Record, err error) {
			if err != nil {
				err = fmt.Errorf("send to %s: %w", r.Topic, err)
			}
			d.Answered(err)
		})
	}
	if !wait {
		return nil
	}
	if err := d.Wait(context.Background()); err != nil {
		return fmt.Errorf("%d messages: %w", len(msgs), err)
	}
	return nil
}

// Close waits for the answers to what was sent (each reaches its Delivery)
// and closes the client.
func (p *FranzProducer) Close() error {
	err := p.cl.Flush(context.Background())
	p.cl.Close()
	return err
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

// FranzMessage is ToMessage for a record franz-go fetched.
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

// franzLogger writes franz-go's warnings and errors to slog; its info and
// debug lines (every connection, every fetch) are left out.
type franzLogger struct{ log *slog.Logger }

func (franzLogger) Level() kgo.LogLevel { return kgo.LogLevelWarn }

func (l franzLogger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	lv := slog.LevelWarn
	if level == kgo.LogLevelError {
		lv = slog.LevelError
	}
	l.log.Log(context.Background(), lv, msg, keyvals...)
}
