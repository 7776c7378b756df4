package kafkaclient

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/IBM/sarama"
)

// Record is one Kafka record as orderflow's readers hand it over.
type Record struct {
	Topic     string
	Partition int32
	Offset    int64
	Timestamp time.Time
	Key       []byte
	Value     []byte
	Headers   map[string]string // a repeated header keeps its last value
}

func recordOf(m *sarama.ConsumerMessage) Record {
	h := make(map[string]string, len(m.Headers))
	for _, rh := range m.Headers {
		h[string(rh.Key)] = string(rh.Value)
	}
	return Record{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Timestamp: m.Timestamp, Key: m.Key, Value: m.Value, Headers: h}
}

// ReadToEnd calls fn for every record of topic up to the end offsets it sees
// when it starts, partition by partition, and returns. It joins no consumer
// group and commits nothing, so it disturbs no one; and it never chases records
// written after it started (replay's own output, for one).
func ReadToEnd(ctx context.Context, c Conn, topic string, fn func(Record) error) error {
	client, consumer, err := openConsumer(c)
	if err != nil {
		return err
	}
	defer client.Close()
	defer consumer.Close()
	partitions, err := client.Partitions(topic)
	if err != nil {
		return fmt.Errorf("partitions of %s: %w", topic, err)
	}

	// Every partition's end is taken before any is read: records written
	// while reading (replay's own output, for one) are not read.
	type span struct{ start, end int64 }
	spans := make(map[int32]span, len(partitions))
	for _, p := range partitions {
		end, err := client.GetOffset(topic, p, sarama.OffsetNewest)
		if err != nil {
			return fmt.Errorf("end offset of %s/%d: %w", topic, p, err)
		}
		start, err := client.GetOffset(topic, p, sarama.OffsetOldest)
		if err != nil {
			return fmt.Errorf("start offset of %s/%d: %w", topic, p, err)
		}
		spans[p] = span{start, end}
	}
	for _, p := range partitions {
		if sp := spans[p]; sp.start < sp.end {
			if err := readPartition(ctx, client, consumer, topic, p, sp.start, sp.end, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

func readPartition(ctx context.Context, client sarama.Client, c sarama.Consumer, topic string, p int32, start, end int64, fn func(Record) error) error {
	pc, err := consumePartitionAt(ctx, client, c, topic, p, start)
	if err != nil {
		return err
	}
	defer pc.Close()
	for {
		select {
		case m := <-pc.Messages():
			if err := fn(recordOf(m)); err != nil {
				return err
			}
			if m.Offset >= end-1 {
				return nil
			}
		case err := <-pc.Errors():
			return fmt.Errorf("read %s/%d: %w", topic, p, err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Tail calls fn for every record of topics, from the oldest on, until ctx
// ends. Every partition has its own goroutine; Tail returns when all have
// ended. fn is called from several goroutines at once.
func Tail(ctx context.Context, c Conn, topics []string, fn func(Record)) error {
	client, consumer, err := openConsumer(c)
	if err != nil {
		return err
	}
	defer client.Close()
	defer consumer.Close()

	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx) // on an early return, ends the partitions already started
	defer cancel()
	for _, topic := range topics {
		partitions, err := client.Partitions(topic)
		if err != nil {
			return fmt.Errorf("partitions of %s: %w", topic, err)
		}
		for _, p := range partitions {
			pc, err := consumePartition(ctx, client, consumer, topic, p)
			if err != nil {
				return err
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				tailPartition(ctx, client, consumer, topic, p, pc, fn)
			}()
		}
	}
	<-ctx.Done()
	return nil
}

// tailPartition hands pc's messages to fn until ctx ends. If the partition's
// consumer stops (its topic was deleted), it consumes the partition again,
// from the oldest offset, once the topic is back.
func tailPartition(ctx context.Context, client sarama.Client, c sarama.Consumer, topic string, p int32, pc sarama.PartitionConsumer, fn func(Record)) {
	for {
		stopped := drain(ctx, pc, fn)
		pc.Close()
		if !stopped {
			return
		}
		var err error
		for pc, err = consumePartition(ctx, client, c, topic, p); err != nil; pc, err = consumePartition(ctx, client, c, topic, p) {
			if ctx.Err() != nil {
				return
			}
		}
	}
}

// drain hands pc's messages to fn. It reports true when pc stops, false when
// ctx ends.
func drain(ctx context.Context, pc sarama.PartitionConsumer, fn func(Record)) bool {
	errs := pc.Errors()
	for {
		select {
		case m, ok := <-pc.Messages():
			if !ok {
				return true
			}
			fn(recordOf(m))
		case _, ok := <-errs:
			// Transient fetch errors: Sarama keeps retrying the partition.
			if !ok {
				errs = nil
			}
		case <-ctx.Done():
			return false
		}
	}
}

// consumePartition starts consuming p from the oldest offset. A topic created
// a moment ago may not have a leader everywhere yet: that is retried for a while.
func consumePartition(ctx context.Context, client sarama.Client, c sarama.Consumer, topic string, p int32) (sarama.PartitionConsumer, error) {
	return consumePartitionAt(ctx, client, c, topic, p, sarama.OffsetOldest)
}

// consumePartitionAt is consumePartition from offset. A leader that moved
// (a new topic, a broker restarting) is looked up again, for a while.
func consumePartitionAt(ctx context.Context, client sarama.Client, c sarama.Consumer, topic string, p int32, offset int64) (sarama.PartitionConsumer, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		pc, err := c.ConsumePartition(topic, p, offset)
		if err == nil {
			return pc, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("consume %s/%d: %w", topic, p, err)
		}
		_ = client.RefreshMetadata(topic)
		select {
		case <-time.After(200 * time.Millisecond):
		case <-ctx.Done():
		}
	}
}

// openConsumer returns a client and a group-less consumer on it; the caller
// closes both, the consumer first.
func openConsumer(c Conn) (sarama.Client, sarama.Consumer, error) {
	client, err := sarama.NewClient(c.Brokers, c.Sarama())
	if err != nil {
		return nil, nil, fmt.Errorf("kafka client: %w", err)
	}
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		client.Close()
		return nil, nil, fmt.Errorf("consumer: %w", err)
	}
	return client, consumer, nil
}
