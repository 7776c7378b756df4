package kafkaclient

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
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
// written after it started (replay's own output, for one). It reads committed
// records only, and sees transaction markers (exactly_once) go by without
// handing them to fn, so a partition whose last record is a marker still ends.
func ReadToEnd(ctx context.Context, c Conn, topic string, fn func(Record) error) error {
	opts, err := c.Franz(slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	admin, err := kgo.NewClient(opts...)
	if err != nil {
		return fmt.Errorf("kafka client: %w", err)
	}
	defer admin.Close()
	adm := kadm.NewClient(admin)
	// Every partition's end is taken before any is read: records written
	// while reading (replay's own output, for one) are not read.
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return fmt.Errorf("end offsets of %s: %w", topic, err)
	}
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err == nil {
		err = starts.Error()
	}
	if err != nil {
		return fmt.Errorf("start offsets of %s: %w", topic, err)
	}
	from := map[int32]kgo.Offset{}
	left := map[int32]int64{} // partition → its end, until read to it
	ends.Each(func(o kadm.ListedOffset) {
		if start, ok := starts.Lookup(topic, o.Partition); ok && start.Offset < o.Offset {
			from[o.Partition] = kgo.NewOffset().At(start.Offset)
			left[o.Partition] = o.Offset
		}
	})
	if len(left) == 0 {
		return nil
	}
	cl, err := kgo.NewClient(append(opts, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: from}), kgo.KeepControlRecords())...)
	if err != nil {
		return fmt.Errorf("kafka client: %w", err)
	}
	defer cl.Close()
	// Partition by partition, as the offsets go: fn sees each partition's
	// records in order.
	for len(left) > 0 {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return err
		}
		var ferr error
		fs.EachError(func(t string, p int32, err error) { ferr = fmt.Errorf("read %s/%d: %w", t, p, err) })
		if ferr != nil {
			return ferr
		}
		var cbErr error
		fs.EachRecord(func(r *kgo.Record) {
			end, reading := left[r.Partition]
			if !reading || cbErr != nil {
				return
			}
			if r.Offset >= end {
				delete(left, r.Partition) // written after the start
				return
			}
			if !r.Attrs.IsControl() {
				if cbErr = fn(franzRecordOf(r)); cbErr != nil {
					return
				}
			}
			if r.Offset >= end-1 {
				delete(left, r.Partition)
			}
		})
		if cbErr != nil {
			return cbErr
		}
	}
	return nil
}

func franzRecordOf(r *kgo.Record) Record {
	h := make(map[string]string, len(r.Headers))
	for _, rh := range r.Headers {
		h[rh.Key] = string(rh.Value)
	}
	return Record{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Timestamp: r.Timestamp, Key: r.Key, Value: r.Value, Headers: h}
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
