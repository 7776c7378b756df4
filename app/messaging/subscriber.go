package messaging

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

	"github.com/orderflow/orderflow/app/config"
)

// Subscriber is a Watermill subscriber on a Sarama consumer group that keeps
// up to maxInFlight messages of one partition in flight at once, where
// watermill-kafka's subscriber keeps one (and so caps a handler at partitions ÷
// produce round trip). Messages with the same key — one order's events — are
// still handled one at a time, in offset order. An offset is marked for commit
// only once it and every offset before it are acknowledged: delivery stays at
// least once, and a message that is never acknowledged holds back its
// partition's commit and its own key, not the other keys.
type Subscriber struct {
	brokers     Brokers
	cfg         config.Kafka
	group       string
	maxInFlight int
	drain       time.Duration
	log         *slog.Logger

	closing   chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
	sessions  atomic.Int32 // group sessions open now: joined while > 0
}

var _ message.Subscriber = (*Subscriber)(nil)

// NewKeyedSubscriber returns a subscriber in group with up to maxInFlight
// messages per partition in flight, given up to drain to finish when it closes
// or its partitions move.
func NewKeyedSubscriber(brokers Brokers, cfg config.Kafka, group string, maxInFlight int, drain time.Duration, log *slog.Logger) *Subscriber {
	return &Subscriber{
		brokers: brokers, cfg: cfg, group: group, maxInFlight: max(maxInFlight, 1), drain: drain,
		log: log, closing: make(chan struct{}),
	}
}

// Subscribe joins the group on topic. The channel closes once the subscriber
// is closed or ctx ends, and every goroutine it started has returned.
func (s *Subscriber) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	select {
	case <-s.closing:
		return nil, errors.New("subscriber closed")
	default:
	}
	group, err := sarama.NewConsumerGroup(s.brokers, s.group, SaramaConfig(s.cfg))
	if err != nil {
		return nil, fmt.Errorf("consumer group %s: %w", s.group, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	out := make(chan *message.Message)
	h := &groupHandler{maxInFlight: s.maxInFlight, drain: s.drain, out: out, sessions: &s.sessions,
		redeliver: defaultRedelivery, log: s.log.With("group", s.group)}
	log := s.log.With("group", s.group, "topic", topic)

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

// Group is the consumer group's name.
func (s *Subscriber) Group() string { return s.group }

// Joined reports whether the subscriber is a member of its group now: between
// a rebalance's end and the next one's start.
func (s *Subscriber) Joined() bool { return s.sessions.Load() > 0 }

// Close stops consuming and waits until every goroutine has ended.
func (s *Subscriber) Close() error {
	s.closeOnce.Do(func() { close(s.closing) })
	s.wg.Wait()
	return nil
}

type groupHandler struct {
	maxInFlight int
	drain       time.Duration
	out         chan<- *message.Message
	sessions    *atomic.Int32
	redeliver   redelivery
	log         *slog.Logger
}

func (h *groupHandler) Setup(sarama.ConsumerGroupSession) error   { h.sessions.Add(1); return nil }
func (h *groupHandler) Cleanup(sarama.ConsumerGroupSession) error { h.sessions.Add(-1); return nil }

// ConsumeClaim hands one partition's messages to the router, up to maxInFlight
// at once, one per key at a time: a message whose key is busy waits behind
// it. When the claim ends (a rebalance, or shutdown) it takes no new message
// from the partition, gives the messages already dealt — in flight, or
// waiting behind their key — up to drain to be acknowledged (their offsets are
// still committed as the session is released), and abandons the rest,
// unmarked, to the partition's next owner.
func (h *groupHandler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	ctx := sess.Context()
	// Messages in flight live on drainCtx: past the session's end, until drained.
	drainCtx, abandon := context.WithCancel(context.WithoutCancel(ctx))
	defer abandon()
	stopDrainClock := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(h.drain, abandon)
		context.AfterFunc(drainCtx, func() { t.Stop() })
	})
	defer stopDrainClock()
	window := newOffsetWindow()
	slots := make(chan struct{}, h.maxInFlight) // held from dispatch until done
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		waiting = map[string][]*sarama.ConsumerMessage{} // a key is busy while it has an entry
	)
	defer wg.Wait()

	// start handles km, whose key k is now busy; when done it starts the
	// next message waiting for k, or frees k.
	var start func(km *sarama.ConsumerMessage, k string)
	start = func(km *sarama.ConsumerMessage, k string) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// An abandoned message stays unmarked: the partition's next owner
			// gets it again. A mark made after the session's end but before
			// this claim returns is still committed when the session is released.
			if h.deliver(ctx, drainCtx, km) {
				if next, ok := window.done(km.Offset); ok {
					sess.MarkOffset(km.Topic, km.Partition, next, "")
				}
			}
			<-slots
			mu.Lock()
			queue := waiting[k]
			if len(queue) == 0 {
				delete(waiting, k)
				mu.Unlock()
				return
			}
			waiting[k] = queue[1:]
			mu.Unlock()
			start(queue[0], k)
		}()
	}

	for {
		select {
		case km, ok := <-claim.Messages():
			if !ok {
				return nil
			}
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return nil
			}
			window.add(km.Offset)
			k := orderKey(km)
			mu.Lock()
			if queue, busy := waiting[k]; busy {
				waiting[k] = append(queue, km)
				mu.Unlock()
				continue
			}
			waiting[k] = nil
			mu.Unlock()
			start(km, k)
		case <-ctx.Done():
			return nil
		}
	}
}

// orderKey is what messages are ordered by: the Kafka key. Messages without a
// key promise no order, so each gets a key of its own.
func orderKey(km *sarama.ConsumerMessage) string {
	if len(km.Key) == 0 {
		return fmt.Sprintf("\x00offset-%d", km.Offset)
	}
	return string(km.Key)
}

// deliver hands km to the router and waits for its ack, redelivering it after
// every nack, each time a little later (h.redeliver) and saying so. km was
// dealt to this lane already (its offset is in the window), so it is handed
// over until drainCtx ends, even after ctx (the session) has: a message that
// waited behind its key must still run in the drain, or the offsets done after
// it could not be committed and would be redone by the next owner. A nacked
// message is not redelivered once the session has ended; it is left, unmarked,
// to the next owner. It reports whether km was acknowledged.
func (h *groupHandler) deliver(ctx, drainCtx context.Context, km *sarama.ConsumerMessage) bool {
	for nacks := 0; ; {
		msg := toMessage(km)
		msgCtx, cancel := context.WithCancel(withOrigin(drainCtx, km))
		msg.SetContext(msgCtx)
		select {
		case h.out <- msg:
		case <-drainCtx.Done():
			cancel()
			return false
		}
		select {
		case <-msg.Acked():
			cancel()
			return true
		case <-msg.Nacked():
			cancel()
			nacks++
			wait := h.redeliver.after(nacks)
			h.log.Warn("message nacked; redelivering", "topic", km.Topic, "partition", km.Partition,
				"offset", km.Offset, "key", string(km.Key), "nacks", nacks, "after", wait,
				"correlation_id", msg.Metadata.Get(HeaderCorrelationID))
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return false
			}
		case <-drainCtx.Done():
			cancel()
			return false
		}
	}
}

// offsetWindow tracks one partition's offsets in flight, in the order they
// were dealt, and says how far the partition is done without a gap.
type offsetWindow struct {
	mu       sync.Mutex
	pending  []int64        // dealt and not yet done, in offset order, oldest first
	finished map[int64]bool // done, but behind an older pending offset
}

func newOffsetWindow() *offsetWindow { return &offsetWindow{finished: map[int64]bool{}} }

func (w *offsetWindow) add(offset int64) {
	w.mu.Lock()
	w.pending = append(w.pending, offset)
	w.mu.Unlock()
}

// done records offset as finished. If that completes a run from the oldest
// pending offset, it returns the next offset to commit.
func (w *offsetWindow) done(offset int64) (int64, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.finished[offset] = true
	advanced := false
	var next int64
	for len(w.pending) > 0 && w.finished[w.pending[0]] {
		delete(w.finished, w.pending[0])
		next = w.pending[0] + 1
		w.pending = w.pending[1:]
		advanced = true
	}
	return next, advanced
}
