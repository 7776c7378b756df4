package subscriber

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
)

// Subscriber is the subscriber of kafka.client: franz. It keeps up to
// Config.MaxInFlight messages of one partition in flight at once, where
// watermill-kafka's subscriber keeps one (and so caps a handler at
// partitions ÷ produce round trip). Messages with the same key — one
// order's events — are still handled one at a time, in offset order. An
// offset is marked for commit only once it and every offset before it are
// acknowledged (the completion token, kafkaclient.Delivery): delivery stays
// at least once, and a message that is never acknowledged holds back its
// partition's commit and its own key, not the other keys.
//
// One goroutine polls and hands each partition's records to that
// partition's lanes, which run from the partition's assignment to its
// revocation; the revocation waits for their drain and commits what they
// marked before the partition moves.
type Subscriber struct {
	lifecycle
	cfg  Config
	opts []kgo.Opt
}

var _ Member = (*Subscriber)(nil)

// New returns a subscriber configured by cfg with the client options opts
// (kafkaclient.Conn.Franz).
func New(cfg Config, opts []kgo.Opt) (*Subscriber, error) {
	cfg.setDefaults()
	if err := errors.Join(cfg.validate(), nonEmpty(opts)); err != nil {
		return nil, err
	}
	return &Subscriber{cfg: cfg, opts: opts}, nil
}

func nonEmpty(opts []kgo.Opt) error {
	if len(opts) == 0 {
		return errors.New("subscriber: no franz-go options")
	}
	return nil
}

// Subscribe joins the group on topic. The channel closes once the subscriber
// is closed or ctx ends, its partitions are drained and committed, and every
// goroutine it started has returned.
func (s *Subscriber) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	ctx, ended, err := s.start(ctx)
	if err != nil {
		return nil, err
	}
	out := make(chan *message.Message)
	g := &group{lanes: s.cfg.lanes(out), ctx: ctx, claims: map[int32]*claim{}}
	cl, err := kgo.NewClient(append(slices.Clone(s.opts),
		kgo.ConsumerGroup(s.cfg.Group),
		kgo.ConsumeTopics(topic),
		// Only what the lanes mark is committed, four times a second and
		// before a partition is revoked.
		kgo.AutoCommitMarks(),
		kgo.AutoCommitInterval(kafkaclient.CommitInterval),
		// Transaction markers come too: the lanes mark past them, so an
		// idle group's committed offsets reach the partitions' ends.
		kgo.KeepControlRecords(),
		// Assignment and revocation happen between polls, never while the
		// poller hands records on: a revoked partition gets no record after
		// its lanes stopped.
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsAssigned(g.assigned),
		kgo.OnPartitionsRevoked(g.revoked),
		kgo.OnPartitionsLost(g.lost),
	)...)
	if err != nil {
		ended()
		return nil, fmt.Errorf("consumer group %s: %w", s.cfg.Group, err)
	}
	s.member(cl)
	log := s.cfg.Logger.With("group", s.cfg.Group, "topic", topic)
	go func() { // the poll loop: it owns the client
		defer ended()
		defer close(out)
		defer g.release(nil) // whatever a failed leave left running
		// Leaving revokes every partition: its lanes drain, what they marked
		// is committed.
		defer cl.CloseAllowingRebalance()
		for {
			fs := cl.PollFetches(ctx)
			if fs.IsClientClosed() || ctx.Err() != nil {
				return
			}
			if s.cfg.refused(fs, topic, log) {
				return
			}
			fs.EachPartition(func(p kgo.FetchTopicPartition) {
				if len(p.Records) > 0 {
					g.hand(p.Partition, p.Records)
				}
			})
			cl.AllowRebalance()
		}
	}()
	return out, nil
}

// refused reports whether the brokers refused the group or its topic among
// fs's errors (an ACL to fix: Refused is told, the subscription ends). Every
// other fetch error is logged; franz-go retries it.
func (c Config) refused(fs kgo.Fetches, topic string, log *slog.Logger) bool {
	var refused error
	fs.EachError(func(_ string, p int32, err error) {
		if errors.Is(err, kerr.GroupAuthorizationFailed) || errors.Is(err, kerr.TopicAuthorizationFailed) {
			refused = fmt.Errorf("consumer group %s on %s: %w", c.Group, topic, err)
			return
		}
		log.Warn("fetch failed; retrying", "partition", p, "err", err)
	})
	if refused != nil && c.Refused != nil {
		c.Refused(refused)
	}
	return refused != nil
}

// Group is the consumer group's name.
func (s *Subscriber) Group() string { return s.cfg.Group }

// group is one subscription's partitions: the lanes each runs, started
// when franz-go assigns it and stopped, drained, when it is revoked or lost.
type group struct {
	lanes  *lanes
	ctx    context.Context // the subscription's: its end ends every claim
	mu     sync.Mutex
	claims map[int32]*claim
}

func (g *group) assigned(_ context.Context, cl *kgo.Client, assigned map[string][]int32) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for topic, partitions := range assigned {
		for _, p := range partitions {
			ctx, end := context.WithCancel(g.ctx)
			c := &claim{cl: cl, topic: topic, partition: p, batches: make(chan []*kgo.Record, 4),
				end: end, done: make(chan struct{})}
			g.claims[p] = c
			go func() { // ends when the claim is released, once drained
				defer close(c.done)
				g.lanes.run(ctx, c)
			}()
		}
	}
}

// revoked releases the partitions and commits what their lanes marked: the
// next owner starts after it.
func (g *group) revoked(ctx context.Context, cl *kgo.Client, revoked map[string][]int32) {
	g.release(revoked)
	if err := cl.CommitMarkedOffsets(ctx); err != nil {
		g.lanes.log.Warn("commit on revocation failed; the next owner redoes what was not committed", "err", err)
	}
}

// lost releases the partitions: the group has moved on, a commit would fail.
func (g *group) lost(_ context.Context, _ *kgo.Client, lost map[string][]int32) { g.release(lost) }

// release ends the claims on partitions (all with nil) and waits until their
// lanes have drained.
func (g *group) release(partitions map[string][]int32) {
	g.mu.Lock()
	var ended []*claim
	for p, c := range g.claims {
		if partitions == nil || slices.ContainsFunc(partitions[c.topic], func(q int32) bool { return q == p }) {
			c.end()
			ended = append(ended, c)
			delete(g.claims, p)
		}
	}
	g.mu.Unlock()
	for _, c := range ended {
		<-c.done
	}
}

// hand gives records of partition p to its lanes, waiting while they are
// busy (the fetches' back-pressure), or drops them if the claim has ended
// (they were not dealt, so not marked: the next owner gets them).
func (g *group) hand(p int32, records []*kgo.Record) {
	g.mu.Lock()
	c := g.claims[p]
	g.mu.Unlock()
	if c == nil {
		return
	}
	select {
	case c.batches <- records:
	case <-c.done:
	}
}

// claim is a partition franz-go assigned, as the lanes read it.
type claim struct {
	cl        *kgo.Client
	topic     string
	partition int32
	batches   chan []*kgo.Record
	batch     []*kgo.Record // what next deals from before taking another batch
	epoch     atomic.Int32  // the leader epoch of the last record dealt
	end       context.CancelFunc
	done      chan struct{}
}

func (c *claim) next(ctx context.Context) (inbound, bool) {
	for len(c.batch) == 0 {
		select {
		case b := <-c.batches:
			c.batch = b
		case <-ctx.Done():
			return nil, false
		}
	}
	r := c.batch[0]
	c.batch = c.batch[1:]
	if r.LeaderEpoch > c.epoch.Load() { // only next stores it
		c.epoch.Store(r.LeaderEpoch)
	}
	return (*record)(r), true
}

// mark marks next for the autocommit. A mark carries a leader epoch: that of
// the last record dealt, never older than the epoch of the record before
// next, so franz-go takes it as an advance.
func (c *claim) mark(next int64) {
	c.cl.MarkCommitOffsets(map[string]map[int32]kgo.EpochOffset{c.topic: {c.partition: {Epoch: c.epoch.Load(), Offset: next}}})
}

// record is a record franz-go fetched, as the lanes read it.
type record kgo.Record

func (r *record) offset() int64                  { return r.Offset }
func (r *record) control() bool                  { return r.Attrs.IsControl() }
func (r *record) key() string                    { return orderKey(r.Key, r.Offset) }
func (r *record) message() *message.Message      { return kafkaclient.FranzMessage((*kgo.Record)(r)) }
func (r *record) where() (string, int32, []byte) { return r.Topic, r.Partition, r.Key }
func (r *record) delivery() *kafkaclient.Delivery {
	return kafkaclient.NewDelivery(kafkaclient.Origin{Partition: r.Partition, Offset: r.Offset, Timestamp: r.Timestamp})
}

// RunPartition deals records — one partition's, in offset order — to out
// as the lanes of a partition this subscriber claimed do, and calls mark
// with the offset after each run of records done without a gap, until ctx
// ends or records is closed and drained. It is the subscriber without a
// broker, for benchmarks of the path from a fetched record to its offset
// marked.
func (s *Subscriber) RunPartition(ctx context.Context, out chan<- *message.Message, records <-chan *kgo.Record, mark func(next int64)) {
	s.cfg.lanes(out).run(ctx, chanClaim{records: records, marked: mark})
}

// chanClaim is a partition whose records come on a channel.
type chanClaim struct {
	records <-chan *kgo.Record
	marked  func(next int64)
}

func (c chanClaim) next(ctx context.Context) (inbound, bool) {
	select {
	case r, ok := <-c.records:
		return (*record)(r), ok
	case <-ctx.Done():
		return nil, false
	}
}

func (c chanClaim) mark(next int64) { c.marked(next) }
