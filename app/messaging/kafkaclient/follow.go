package kafkaclient

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/IBM/sarama"
)

// followTimeout bounds each network step of a Follower: a broker that does
// not answer is an error within seconds, not Sarama's minutes of retries.
const followTimeout = 5 * time.Second

// ErrNoTopic says the topic followed does not exist.
var ErrNoTopic = errors.New("topic does not exist")

// Follower reads one topic from its oldest record on and keeps up with it,
// joining no consumer group and committing nothing. It never creates the
// topic: a missing one is ErrNoTopic.
type Follower struct {
	topic    string
	client   sarama.Client
	consumer sarama.Consumer
}

// Follow connects to c for topic and checks that topic exists.
func Follow(c Conn, topic string) (*Follower, error) {
	sc := c.Sarama()
	sc.Metadata.AllowAutoTopicCreation = false
	sc.Net.DialTimeout, sc.Net.ReadTimeout, sc.Net.WriteTimeout = followTimeout, followTimeout, followTimeout
	sc.Metadata.Retry.Max = 2
	client, err := sarama.NewClient(c.Brokers, sc)
	if err != nil {
		return nil, fmt.Errorf("kafka client: %w", err)
	}
	f := &Follower{topic: topic, client: client}
	if _, err := f.Ends(); err != nil {
		client.Close()
		return nil, err
	}
	if f.consumer, err = sarama.NewConsumerFromClient(client); err != nil {
		client.Close()
		return nil, fmt.Errorf("consumer: %w", err)
	}
	return f, nil
}

// Ends returns each partition's end offset (the offset the next record will
// have), asking the brokers now.
func (f *Follower) Ends() (map[int32]int64, error) {
	if err := f.client.RefreshMetadata(f.topic); err != nil {
		if errors.Is(err, sarama.ErrUnknownTopicOrPartition) {
			return nil, fmt.Errorf("%s: %w", f.topic, ErrNoTopic)
		}
		return nil, fmt.Errorf("metadata of %s: %w", f.topic, err)
	}
	partitions, err := f.client.Partitions(f.topic)
	if err != nil {
		if errors.Is(err, sarama.ErrUnknownTopicOrPartition) {
			return nil, fmt.Errorf("%s: %w", f.topic, ErrNoTopic)
		}
		return nil, fmt.Errorf("partitions of %s: %w", f.topic, err)
	}
	ends := make(map[int32]int64, len(partitions))
	for _, p := range partitions {
		end, err := f.client.GetOffset(f.topic, p, sarama.OffsetNewest)
		if err != nil {
			return nil, fmt.Errorf("end offset of %s/%d: %w", f.topic, p, err)
		}
		ends[p] = end
	}
	return ends, nil
}

// Run calls fn for every record of the topic, from the oldest on, until ctx
// ends (nil) or a partition's consumer stops (its error). Every partition
// has its own goroutine, ended before Run returns; fn is called from several
// at once.
func (f *Follower) Run(ctx context.Context, fn func(Record)) error {
	partitions, err := f.client.Partitions(f.topic)
	if err != nil {
		return fmt.Errorf("partitions of %s: %w", f.topic, err)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	defer wg.Wait()
	for _, p := range partitions {
		pc, err := consumePartition(ctx, f.client, f.consumer, f.topic, p)
		if err != nil {
			cancel(err)
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer pc.Close()
			if drain(ctx, pc, fn) {
				cancel(fmt.Errorf("reading %s/%d stopped", f.topic, p))
			}
		}()
	}
	<-ctx.Done()
	if err := context.Cause(ctx); !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// Close releases the connections.
func (f *Follower) Close() error {
	return errors.Join(f.consumer.Close(), f.client.Close())
}

// ReadAt returns the record of topic at partition and offset.
func ReadAt(ctx context.Context, c Conn, topic string, partition int32, offset int64) (Record, error) {
	client, consumer, err := openConsumer(c)
	if err != nil {
		return Record{}, err
	}
	defer client.Close()
	defer consumer.Close()
	pc, err := consumePartitionAt(ctx, client, consumer, topic, partition, offset)
	if err != nil {
		return Record{}, err
	}
	defer pc.Close()
	select {
	case m := <-pc.Messages():
		if m.Offset != offset {
			return Record{}, fmt.Errorf("%s/%d offset %d is gone (the next is %d)", topic, partition, offset, m.Offset)
		}
		return recordOf(m), nil
	case err := <-pc.Errors():
		return Record{}, fmt.Errorf("read %s/%d offset %d: %w", topic, partition, offset, err)
	case <-ctx.Done():
		return Record{}, ctx.Err()
	}
}
