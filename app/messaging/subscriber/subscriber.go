// Package subscriber is a Watermill subscriber on a Sarama consumer group that
// handles many messages of a partition at once, one key's at a time, and
// commits an offset only once every earlier one is acknowledged.
package subscriber

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill/message"
)

// Subscriber is a Watermill subscriber on a Sarama consumer group that keeps
// up to Config.MaxInFlight messages of one partition in flight at once, where
// watermill-kafka's subscriber keeps one (and so caps a handler at partitions ÷
// produce round trip). Messages with the same key — one order's events — are
// still handled one at a time, in offset order. An offset is marked for commit
// only once it and every offset before it are acknowledged: delivery stays at
// least once, and a message that is never acknowledged holds back its
// partition's commit and its own key, not the other keys.
type Subscriber struct {
	cfg Config

	closing   chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
	sessions  atomic.Int32 // group sessions open now: joined while > 0
}

// Member is a subscriber in a consumer group, on either client: what the
// router consumes from and readiness watches.
type Member interface {
	message.Subscriber
	// Group is the consumer group's name.
	Group() string
	// Joined reports whether the subscriber is a member of its group now.
	Joined() bool
}

var _ Member = (*Subscriber)(nil)

// Config configures a Subscriber. New fills in the defaults for what is left
// zero, then validates it.
type Config struct {
	Brokers []string
	// Sarama is the client configuration of the consumer group. Offsets are
	// marked only once acknowledged; Sarama's auto-commit commits them.
	Sarama *sarama.Config
	// Group is the consumer group; every handler has its own.
	Group string
	// MaxInFlight is how many messages of one partition are handed out at
	// once; one key's messages still go one at a time. Default 1.
	MaxInFlight int
	// DrainTimeout bounds how long the messages dealt already are given to be
	// acknowledged when the subscriber closes or its partitions move. Default 30 s.
	DrainTimeout time.Duration
	// Redelivery paces redeliveries after a nack. Default: 100 ms, doubling to 30 s.
	Redelivery Redelivery
	// Logger gets a line per nack and per consume error. Default: discarded.
	Logger *slog.Logger
	// Settled is called once per delivery, with whether the router acked or
	// nacked it (a nacked message is delivered again). It is called on the
	// delivering goroutine and must not block. Default: nothing.
	Settled func(acked bool)
	// Refused is called once when the brokers refuse the group or its topic
	// for want of an ACL: a setting to fix, not a fault to retry. The
	// subscriber stops consuming. Default: nothing more.
	Refused func(error)
	// Fatal is called once when the subscriber cannot go on (exactly_once: a
	// transaction that can neither commit nor abort, the producer fenced by
	// another process with its transactional ID). The subscriber stops
	// consuming. Default: nothing more.
	Fatal func(error)
	// Ended is called after each transaction (exactly_once) with whether it
	// committed and how long it took from its first record. Default: nothing.
	Ended func(committed bool, took time.Duration)
}

func (c *Config) setDefaults() {
	if c.MaxInFlight == 0 {
		c.MaxInFlight = 1
	}
	if c.DrainTimeout == 0 {
		c.DrainTimeout = 30 * time.Second
	}
	if c.Redelivery == (Redelivery{}) {
		c.Redelivery = Redelivery{First: 100 * time.Millisecond, Most: 30 * time.Second}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Settled == nil {
		c.Settled = func(bool) {}
	}
	if c.Ended == nil {
		c.Ended = func(bool, time.Duration) {}
	}
}

// lanes are the lanes every partition this config's subscriber claims runs.
func (c Config) lanes(out chan<- *message.Message) *lanes {
	return &lanes{maxInFlight: c.MaxInFlight, drain: c.DrainTimeout, out: out,
		redeliver: c.Redelivery, settled: c.Settled, log: c.Logger.With("group", c.Group)}
}

// Validate reports every problem with c, as New reads it, at once.
func (c Config) Validate() error {
	var errs []error
	if len(c.Brokers) == 0 {
		errs = append(errs, errors.New("subscriber: no brokers"))
	}
	if c.Sarama == nil {
		errs = append(errs, errors.New("subscriber: no Sarama config"))
	}
	return errors.Join(append(errs, c.validate())...)
}

// validate reports every problem with what both clients' subscribers read.
func (c Config) validate() error {
	var errs []error
	if c.Group == "" {
		errs = append(errs, errors.New("subscriber: no consumer group"))
	}
	if c.MaxInFlight < 1 {
		errs = append(errs, fmt.Errorf("subscriber: MaxInFlight %d must be at least 1", c.MaxInFlight))
	}
	if c.DrainTimeout < 0 {
		errs = append(errs, fmt.Errorf("subscriber: DrainTimeout %s must not be negative", c.DrainTimeout))
	}
	if c.Redelivery.First <= 0 || c.Redelivery.Most < c.Redelivery.First {
		errs = append(errs, fmt.Errorf("subscriber: Redelivery %+v must start positive and cap at or above its start", c.Redelivery))
	}
	return errors.Join(errs...)
}

// New returns a subscriber configured by cfg.
func New(cfg Config) (*Subscriber, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Subscriber{cfg: cfg, closing: make(chan struct{})}, nil
}

// Subscribe joins the group on topic. The channel closes once the subscriber
// is closed or ctx ends, and every goroutine it started has returned.
func (s *Subscriber) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	select {
	case <-s.closing:
		return nil, errors.New("subscriber closed")
	default:
	}
	sc := *s.cfg.Sarama // a copy per consumer group
	group, err := sarama.NewConsumerGroup(s.cfg.Brokers, s.cfg.Group, &sc)
	if err != nil {
		return nil, fmt.Errorf("consumer group %s: %w", s.cfg.Group, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	out := make(chan *message.Message)
	h := s.Handler(out)
	log := s.cfg.Logger.With("group", s.cfg.Group, "topic", topic)

	s.wg.Add(3)
	go func() { // ends the consumption when the subscriber closes
		defer s.wg.Done()
		select {
		case <-s.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	go func() { // Sarama's background errors: logged, Sarama recovers by itself
		defer s.wg.Done()
		for err := range group.Errors() {
			log.Warn("consumer group error", "err", err)
		}
	}()
	go func() { // the consume loop: Consume returns at every rebalance
		defer s.wg.Done()
		defer close(out)
		defer group.Close() // commits what was marked, and ends group.Errors()
		for ctx.Err() == nil {
			if err := group.Consume(ctx, []string{topic}, h); err != nil && ctx.Err() == nil {
				if errors.Is(err, sarama.ErrGroupAuthorizationFailed) || errors.Is(err, sarama.ErrTopicAuthorizationFailed) {
					if s.cfg.Refused != nil {
						s.cfg.Refused(fmt.Errorf("consumer group %s on %s: %w", s.cfg.Group, topic, err))
					}
					return
				}
				log.Warn("consume failed; retrying", "err", err)
				select {
				case <-time.After(time.Second):
				case <-ctx.Done():
				}
			}
		}
	}()
	return out, nil
}

// Handler is the consumer-group handler Subscribe runs: each claimed
// partition's messages go to out, keyed and windowed as the Subscriber
// describes. Exported for benchmarks that drive it without a broker.
func (s *Subscriber) Handler(out chan<- *message.Message) sarama.ConsumerGroupHandler {
	return &groupHandler{lanes: s.cfg.lanes(out), sessions: &s.sessions}
}

// Group is the consumer group's name.
func (s *Subscriber) Group() string { return s.cfg.Group }

// Joined reports whether the subscriber is a member of its group now: between
// a rebalance's end and the next one's start.
func (s *Subscriber) Joined() bool { return s.sessions.Load() > 0 }

// Close stops consuming and waits until every goroutine has ended.
func (s *Subscriber) Close() error {
	s.closeOnce.Do(func() { close(s.closing) })
	s.wg.Wait()
	return nil
}
