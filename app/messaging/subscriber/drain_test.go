package subscriber

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/goleak"

	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
)

// fakeSession is a partition's claim as a test drives it: its context, and
// the offsets the lanes marked.
type fakeSession struct {
	ctx    context.Context
	mu     sync.Mutex
	marked int64
	marks  []int64 // every mark, in order
}

func (s *fakeSession) mark(offset int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.marked = max(s.marked, offset)
	s.marks = append(s.marks, offset)
}

// fakeClaim is a partition whose records are msgs.
type fakeClaim struct {
	msgs chan *kgo.Record
}

// consume runs the lanes on claim until the session's context ends.
func (h *lanes) consume(sess *fakeSession, claim fakeClaim) error {
	h.run(sess.ctx, chanClaim{records: claim.msgs, marked: sess.mark})
	return nil
}

// When the session ends, a message already dealt but waiting behind its key
// still runs in the drain: otherwise the offsets done after it could not be
// committed and the next owner would redo them (duplicates after a graceful
// stop). Offsets 0 and 1 share key A, 2 is key B; the session ends while 0 is
// in flight, so 1 has not started yet. All three must be marked (next offset 3).
func TestDrainRunsMessagesWaitingBehindTheirKey(t *testing.T) {
	defer goleak.VerifyNone(t) // every goroutine a claim starts ends with it
	ctx, endSession := context.WithCancel(context.Background())
	sess := &fakeSession{ctx: ctx}
	claim := fakeClaim{msgs: make(chan *kgo.Record, 3)}
	for i, key := range []string{"A", "A", "B"} {
		claim.msgs <- &kgo.Record{Topic: "orders", Partition: 0, Offset: int64(i), Key: []byte(key)}
	}
	out := make(chan *message.Message)
	h := &lanes{maxInFlight: 8, drain: 10 * time.Second, out: out, settled: func(bool) {},
		redeliver: Redelivery{First: 100 * time.Millisecond, Most: 30 * time.Second}, log: slog.New(slog.DiscardHandler)}
	done := make(chan error, 1)
	go func() { done <- h.consume(sess, claim) }()

	// The router: B's message is acked at once; A's first is held until the
	// session has ended, then acked; whatever comes next is acked too.
	var first *message.Message
	for first == nil || len(claim.msgs) > 0 {
		m := <-out
		if kafkaclient.KeyOf(m) == "A" && first == nil {
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

// A message nacked after the session ended goes to the next owner unmarked,
// and the message waiting behind it with its key must not run in the drain:
// it would overtake it. Offsets 0 and 1 share key A, 2 is key B.
func TestDrainLeavesWhatWaitsBehindAnAbandonedMessage(t *testing.T) {
	defer goleak.VerifyNone(t) // every goroutine a claim starts ends with it
	ctx, endSession := context.WithCancel(context.Background())
	sess := &fakeSession{ctx: ctx, marked: -1}
	claim := fakeClaim{msgs: make(chan *kgo.Record, 3)}
	for i, key := range []string{"A", "A", "B"} {
		claim.msgs <- &kgo.Record{Topic: "orders", Partition: 0, Offset: int64(i), Key: []byte(key)}
	}
	out := make(chan *message.Message)
	h := &lanes{maxInFlight: 8, drain: 10 * time.Second, out: out, settled: func(bool) {},
		redeliver: Redelivery{First: time.Millisecond, Most: time.Millisecond}, log: slog.New(slog.DiscardHandler)}
	done := make(chan error, 1)
	go func() { done <- h.consume(sess, claim) }()

	var first *message.Message
	for gotB := false; first == nil || !gotB; {
		m := <-out
		if kafkaclient.KeyOf(m) == "A" {
			first = m
			continue
		}
		gotB = true
		m.Ack()
	}
	endSession()
	first.Nack() // after the session's end: not redelivered, left to the next owner
	after := make(chan []int64)
	go func() { // whatever is delivered now is acked, and noted
		var offsets []int64
		for m := range out {
			o, _ := kafkaclient.OriginFrom(m.Context())
			offsets = append(offsets, o.Offset)
			m.Ack()
		}
		after <- offsets
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	close(out)
	if got := <-after; len(got) != 0 {
		t.Errorf("delivered offsets %v after the session ended with offset 0 abandoned, want none: offset 1 would overtake it", got)
	}
	if sess.marked != -1 {
		t.Errorf("marked up to %d, want nothing: offset 0 was not acknowledged", sess.marked)
	}
}
