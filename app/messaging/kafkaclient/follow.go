package kafkaclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// followTimeout bounds each network step of a Follower: a broker that does
// not answer is an error within seconds, not minutes of retries.
const followTimeout = 5 * time.Second

// ErrNoTopic says the topic followed does not exist.
var ErrNoTopic = errors.New("topic does not exist")

// Follower reads one topic from its oldest record on and keeps up with it,
// joining no consumer group and committing nothing. It never creates the
// topic: a missing one is ErrNoTopic.
type Follower struct {
	topic string
	cl    *kgo.Client
	adm   *kadm.Client
}

// Follow connects to c for topic and checks that topic exists.
func Follow(c Conn, topic string) (*Follower, error) {
	cl, err := kgo.NewClient(c.Franz(
		kgo.ConsumeTopics(topic),
		// Markers are handed on (Record.Control): the reader counts the
		// partition read to its end past a transaction's last marker.
		kgo.KeepControlRecords(),
		kgo.DialTimeout(followTimeout),
		kgo.RetryTimeout(followTimeout),
	)...)
	if err != nil {
		return nil, fmt.Errorf("kafka client: %w", err)
	}
	f := &Follower{topic: topic, cl: cl, adm: kadm.NewClient(cl)}
	if _, err := f.Ends(); err != nil {
		cl.Close()
		return nil, err
	}
	return f, nil
}

// Ends returns each partition's end offset (the offset the next record will
// have), asking the brokers now.
func (f *Follower) Ends() (map[int32]int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), followTimeout)
	defer cancel()
	listed, err := f.adm.ListEndOffsets(ctx, f.topic)
	if err == nil {
		err = listed.Error()
	}
	if errors.Is(err, kerr.UnknownTopicOrPartition) || (err == nil && len(listed[f.topic]) == 0) {
		return nil, fmt.Errorf("%s: %w", f.topic, ErrNoTopic)
	}
	if err != nil {
		return nil, fmt.Errorf("end offsets of %s: %w", f.topic, err)
	}
	ends := make(map[int32]int64, len(listed[f.topic]))
	for p, o := range listed[f.topic] {
		ends[p] = o.Offset
	}
	return ends, nil
}

// Run calls fn for every record of the topic, transaction markers included
// (Record.Control), from the oldest on, until ctx ends (nil) or the topic
// cannot be read (why). fn is called from Run's goroutine.
func (f *Follower) Run(ctx context.Context, fn func(Record)) error {
	for {
		fs := f.cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil
		}
		var ferr error
		fs.EachError(func(t string, p int32, err error) {
			// Unrecoverable for a follower: the topic went, or may not be read.
			if errors.Is(err, kerr.UnknownTopicOrPartition) || errors.Is(err, kerr.UnknownTopicID) || errors.Is(err, kerr.TopicAuthorizationFailed) {
				ferr = fmt.Errorf("read %s/%d: %w", t, p, err)
			}
		})
		if ferr != nil {
			return ferr
		}
		fs.EachRecord(func(r *kgo.Record) { fn(franzRecordOf(r)) })
	}
}

// Close releases the connections.
func (f *Follower) Close() error {
	f.cl.Close()
	return nil
}
