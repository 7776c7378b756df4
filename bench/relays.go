package main

// The contenders that are not orderflow: the same topology (orders → payments
// → shipments + notifications), the same guarantees (acks=all, an input offset
// committed only after its outputs are acknowledged, per-key order kept) and
// no business logic: each hop forwards the payload under the same key.

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/twmb/franz-go/pkg/kgo"
)

// hop is one relay step: a consumer group reading from and writing to.
type hop struct{ group, from, to string }

func hops(t topics) []hop {
	return []hop{
		{t.prefix + "payments", t.orders, t.payments},
		{t.prefix + "shipping", t.payments, t.shipments},
		{t.prefix + "notifications", t.payments, t.notifications},
	}
}

// runWatermill is Watermill with watermill-kafka's default configuration, as
// its examples use it, plus what the guarantees need: acks=all, the earliest
// offset for a new group, and the key carried through.
func runWatermill(ctx context.Context, brokers []string, t topics) error {
	logger := watermill.NewSlogLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	pubCfg := kafka.DefaultSaramaSyncPublisherConfig()
	pubCfg.Producer.RequiredAcks = sarama.WaitForAll
	marshaler := kafka.NewWithPartitioningMarshaler(func(_ string, m *message.Message) (string, error) {
		return m.Metadata.Get("key"), nil
	})
	pub, err := kafka.NewPublisher(kafka.PublisherConfig{Brokers: brokers, Marshaler: marshaler, OverwriteSaramaConfig: pubCfg}, logger)
	if err != nil {
		return err
	}
	router, err := message.NewRouter(message.RouterConfig{}, logger)
	if err != nil {
		return err
	}
	for _, h := range hops(t) {
		subCfg := kafka.DefaultSaramaSubscriberConfig()
		subCfg.Consumer.Offsets.Initial = sarama.OffsetOldest
		sub, err := kafka.NewSubscriber(kafka.SubscriberConfig{Brokers: brokers, Unmarshaler: keyUnmarshaler{}, ConsumerGroup: h.group, OverwriteSaramaConfig: subCfg}, logger)
		if err != nil {
			return err
		}
		router.AddHandler(h.group, h.from, sub, h.to, pub, func(m *message.Message) ([]*message.Message, error) {
			out := message.NewMessage(watermill.NewUUID(), m.Payload)
			out.Metadata.Set("key", m.Metadata.Get("key"))
			return []*message.Message{out}, nil
		})
	}
	return router.Run(ctx)
}

// keyUnmarshaler is watermill-kafka's default, keeping the record key in metadata.
type keyUnmarshaler struct{ kafka.DefaultMarshaler }

func (u keyUnmarshaler) Unmarshal(km *sarama.ConsumerMessage) (*message.Message, error) {
	m, err := u.DefaultMarshaler.Unmarshal(km)
	if err == nil {
		m.Metadata.Set("key", string(km.Key))
	}
	return m, err
}

// runSarama is a hand-written Sarama relay: per claimed partition, take what
// has arrived (up to 500), send it in one SendMessages, then mark the last offset.
func runSarama(ctx context.Context, brokers []string, t topics) error {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Idempotent = true
	cfg.Net.MaxOpenRequests = 1
	cfg.Producer.Return.Successes = true
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	prod, err := sarama.NewSyncProducer(brokers, cfg)
	if err != nil {
		return err
	}
	defer prod.Close()
	return eachHop(t, func(h hop) error {
		group, err := sarama.NewConsumerGroup(brokers, h.group, cfg)
		if err != nil {
			return err
		}
		defer group.Close()
		for ctx.Err() == nil {
			if err := group.Consume(ctx, []string{h.from}, saramaRelay{prod: prod, to: h.to}); err != nil {
				return err
			}
		}
		return nil
	})
}

type saramaRelay struct {
	prod sarama.SyncProducer
	to   string
}

func (saramaRelay) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (saramaRelay) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (r saramaRelay) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for first := range claim.Messages() {
		batch := []*sarama.ConsumerMessage{first}
	more:
		for len(batch) < 500 {
			select {
			case m, ok := <-claim.Messages():
				if !ok {
					break more
				}
				batch = append(batch, m)
			default:
				break more
			}
		}
		out := make([]*sarama.ProducerMessage, len(batch))
		for i, m := range batch {
			out[i] = &sarama.ProducerMessage{Topic: r.to, Key: sarama.ByteEncoder(m.Key), Value: sarama.ByteEncoder(m.Value)}
		}
		if err := r.prod.SendMessages(out); err != nil {
			return err
		}
		sess.MarkMessage(batch[len(batch)-1], "")
	}
	return nil
}

// runFranz is a hand-written franz-go relay: poll, produce the polled records
// synchronously, mark them for commit. Our stand-in for the limit.
func runFranz(ctx context.Context, brokers []string, t topics) error {
	return eachHop(t, func(h hop) error {
		cl, err := kgo.NewClient(append(franzRelay(brokers, h), kgo.AutoCommitMarks(), kgo.BlockRebalanceOnPoll())...)
		if err != nil {
			return err
		}
		defer cl.Close()
		for ctx.Err() == nil {
			fs := cl.PollRecords(ctx, 10_000)
			var out []*kgo.Record
			fs.EachRecord(func(r *kgo.Record) {
				out = append(out, &kgo.Record{Topic: h.to, Key: r.Key, Value: r.Value})
			})
			if len(out) > 0 {
				if err := cl.ProduceSync(ctx, out...).FirstErr(); err != nil && ctx.Err() == nil {
					return err
				}
				cl.MarkCommitRecords(fs.Records()...)
			}
			cl.AllowRebalance()
		}
		return nil
	})
}

// franzRelay is the franz-go relays' client for hop h: its group on h's
// input, acks=all, each record sent at once, uncompressed (as every other
// contender: franz-go's default is snappy).
func franzRelay(brokers []string, h hop) []kgo.Opt {
	return []kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.ConsumerGroup(h.group),
		kgo.ConsumeTopics(h.from),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(0),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
	}
}

// eachHop runs fn for every hop at once and returns the first error.
func eachHop(t topics, fn func(hop) error) error {
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for _, h := range hops(t) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(h); err != nil {
				errs <- fmt.Errorf("%s: %w", h.group, err)
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}
