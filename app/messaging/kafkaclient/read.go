package kafkaclient

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
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
	// Control says the record is a transaction marker (Follower hands them
	// on so that its reader knows how far the partition is read).
	Control bool
}

// ReadToEnd calls fn for every record of topic up to the end offsets it sees
// when it starts, partition by partition, and returns. It joins no consumer
// group and commits nothing, so it disturbs no one; and it never chases records
// written after it started (replay's own output, for one). It reads committed
// records only, and sees transaction markers (exactly_once) go by without
// handing them to fn, so a partition whose last record is a marker still ends.
func ReadToEnd(ctx context.Context, c Conn, topic string, fn func(Record) error) error {
	admin, err := kgo.NewClient(c.Franz()...)
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
	cl, err := kgo.NewClient(c.Franz(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: from}), kgo.KeepControlRecords())...)
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
	return Record{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Timestamp: r.Timestamp, Key: r.Key, Value: r.Value, Headers: h,
		Control: r.Attrs.IsControl()}
}

// Tail calls fn for every record of topics, from the oldest on, until ctx
// ends, joining no consumer group. fn is called from one goroutine, each
// partition's records in order. A topic deleted and made again is read again
// from its start.
func Tail(ctx context.Context, c Conn, topics []string, fn func(Record)) error {
	cl, err := kgo.NewClient(c.Franz(kgo.ConsumeTopics(topics...))...)
	if err != nil {
		return fmt.Errorf("kafka client: %w", err)
	}
	defer cl.Close()
	for {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil
		}
		fs.EachRecord(func(r *kgo.Record) { fn(franzRecordOf(r)) })
		// Other fetch errors (a topic not there yet, a leader moving) are
		// retried by franz-go.
		if recreated := recreatedTopics(fs); len(recreated) > 0 {
			cl.PurgeTopicsFromClient(recreated...)
			cl.AddConsumeTopics(recreated...)
		}
	}
}

// recreatedTopics are the topics fs failed on as deleted and made again (a
// new topic ID): franz-go never adopts the new ID by itself, so a reader
// purges the topic and adds it again, and reads it from its start.
func recreatedTopics(fs kgo.Fetches) []string {
	var topics []string
	fs.EachError(func(t string, _ int32, err error) {
		if errors.Is(err, kerr.UnknownTopicID) && !slices.Contains(topics, t) {
			topics = append(topics, t)
		}
	})
	return topics
}

// ReadAt returns the record of topic at partition and offset.
func ReadAt(ctx context.Context, c Conn, topic string, partition int32, offset int64) (Record, error) {
	cl, err := kgo.NewClient(c.Franz(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
		topic: {partition: kgo.NewOffset().At(offset)},
	}))...)
	if err != nil {
		return Record{}, fmt.Errorf("kafka client: %w", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, readAtTimeout)
	defer cancel()
	for {
		fs := cl.PollRecords(ctx, 1)
		if ctx.Err() != nil {
			return Record{}, fmt.Errorf("read %s/%d offset %d: %w", topic, partition, offset, ctx.Err())
		}
		var ferr error
		fs.EachError(func(_ string, _ int32, err error) { ferr = err })
		if ferr != nil {
			return Record{}, fmt.Errorf("read %s/%d offset %d: %w", topic, partition, offset, ferr)
		}
		if rs := fs.Records(); len(rs) > 0 {
			if rs[0].Offset != offset {
				return Record{}, fmt.Errorf("%s/%d offset %d is gone (the next is %d)", topic, partition, offset, rs[0].Offset)
			}
			return franzRecordOf(rs[0]), nil
		}
	}
}

// readAtTimeout bounds ReadAt: a record that is not there (an offset past
// the end) is an error, not a wait for ever.
const readAtTimeout = 10 * time.Second
