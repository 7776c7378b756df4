package subscriber

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/app/messaging/kafka"
)

// fakeSession is the part of a Sarama group session ConsumeClaim uses.
type fakeSession struct {
	sarama.ConsumerGroupSession
	ctx    context.Context
	mu     sync.Mutex
	marked int64
}

func (s *fakeSession) Context() context.Context { return s.ctx }
func (s *fakeSession) MarkOffset(_ string, _ int32, offset int64, _ string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.marked = max(s.marked, offset)
}

type fakeClaim struct {
	sarama.ConsumerGroupClaim
	msgs chan *sarama.ConsumerMessage
}

func (c fakeClaim) Messages() <-chan *sarama.ConsumerMessage { return c.msgs }

// When the session ends, a message already dealt but waiting behind its key
// still runs in the drain: otherwise the offsets done after it could not be
// committed and the next owner would redo them (duplicates after a graceful
// stop). Offsets 0 and 1 share key A, 2 is key B; the session ends while 0 is
// in flight, so 1 has not started yet. All three must be marked (next offset 3).
func TestDrainRunsMessagesWaitingBehindTheirKey(t *testing.T) {
	ctx, endSession := context.WithCancel(context.Background())
	sess := &fakeSession{ctx: ctx}
	claim := fakeClaim{msgs: make(chan *sarama.ConsumerMessage, 3)}
	for i, key := range []string{"A", "A", "B"} {
		claim.msgs <- &sarama.ConsumerMessage{Topic: "orders", Partition: 0, Offset: int64(i), Key: []byte(key)}
	}
	out := make(chan *message.Message)
	h := &groupHandler{maxInFlight: 8, drain: 10 * time.Second, out: out,
		redeliver: Redelivery{First: 100 * time.Millisecond, Most: 30 * time.Second}, log: slog.New(slog.DiscardHandler)}
	done := make(chan error, 1)
	go func() { done <- h.ConsumeClaim(sess, claim) }()

	// The router: B's message is acked at once; A's first is held until the
	// session has ended, then acked; whatever comes next is acked too.
	var first *message.Message
	for first == nil || len(claim.msgs) > 0 {
		m := <-out
		if kafka.KeyOf(m) == "A" && first == nil {
			first = m
			continue
		}
		m.Ack()
	}
	endSession()
	first.Ack()
	go func() {
		for m := range out {
			m.Ack()
		}
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	close(out)
	if sess.marked != 3 {
		t.Errorf("marked up to offset %d, want 3: the message waiting behind its key was left out of the drain", sess.marked)
	}
}
