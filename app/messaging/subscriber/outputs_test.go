package subscriber

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/goleak"

	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
)

// The completion token: an input's offset is marked once the router acked it
// and every output it published is acknowledged by the brokers, and never
// past an earlier offset that is not. No broker: the tests play the router
// and the producer (kafkaclient.Delivery's Sent and Answered). Milliseconds.

// outputsClaim runs a claim of the given keys' messages (offsets 0, 1, …)
// with a drain of drain; settled receives one value per router ack or nack.
func outputsClaim(t *testing.T, drain time.Duration, keys ...string) (sess *fakeSession, out chan *message.Message, settled chan bool, endSession func(), done chan error) {
	t.Helper()
	ctx, endSession := context.WithCancel(context.Background())
	t.Cleanup(endSession)
	sess = &fakeSession{ctx: ctx}
	claim := fakeClaim{msgs: make(chan *kgo.Record, len(keys))}
	for i, k := range keys {
		claim.msgs <- &kgo.Record{Topic: "orders", Offset: int64(i), Key: []byte(k)}
	}
	out = make(chan *message.Message)
	settled = make(chan bool, 16)
	h := &lanes{maxInFlight: 8, drain: drain, out: out, settled: func(acked bool) { settled <- acked },
		redeliver: Redelivery{First: time.Millisecond, Most: time.Millisecond}, log: slog.New(slog.DiscardHandler)}
	done = make(chan error, 1)
	go func() { done <- h.consume(sess, claim) }()
	return sess, out, settled, endSession, done
}

// receive returns the next message dealt to the router, failing the test
// after a second.
func receive(t *testing.T, out <-chan *message.Message) *message.Message {
	t.Helper()
	select {
	case m := <-out:
		return m
	case <-time.After(time.Second):
		t.Fatal("no message dealt to the router within 1 s")
		return nil
	}
}

func awaitSettled(t *testing.T, settled <-chan bool, n int) {
	t.Helper()
	for range n {
		select {
		case <-settled:
		case <-time.After(time.Second):
			t.Fatal("the router's ack was not taken within 1 s")
		}
	}
}

func (s *fakeSession) markedOffset() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.marked
}

// Offset 0 is acked by the router with an output the brokers never answer;
// offset 1 (another key) is acked with none. When the drain gives up on 0,
// nothing is marked: not 0, whose output is unacknowledged, and not 1, which
// is done but lies behind it (commits stay contiguous).
func TestOffsetWaitsForItsOutputs(t *testing.T) {
	defer goleak.VerifyNone(t)
	sess, out, settled, endSession, done := outputsClaim(t, 50*time.Millisecond, "A", "B")
	for range 2 {
		m := receive(t, out)
		if kafkaclient.KeyOf(m) == "A" {
			kafkaclient.DeliveryFrom(m.Context()).Sent() // on its way, never answered
		}
		m.Ack()
	}
	awaitSettled(t, settled, 2) // both acks taken, before the session ends
	endSession()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := sess.markedOffset(); got != 0 {
		t.Errorf("marked up to offset %d with offset 0's output unacknowledged; want nothing marked", got)
	}
}

// An output the brokers fail is a nack: the input is delivered again, and its
// offset marked only once the second delivery's output is acknowledged.
func TestFailedOutputIsRedelivered(t *testing.T) {
	defer goleak.VerifyNone(t)
	sess, out, _, endSession, done := outputsClaim(t, time.Second, "A")
	first := receive(t, out)
	d := kafkaclient.DeliveryFrom(first.Context())
	d.Sent()
	first.Ack()
	d.Answered(errors.New("NOT_ENOUGH_REPLICAS"))

	second := receive(t, out) // redelivered
	if second.UUID != first.UUID {
		t.Errorf("redelivered %s, want %s again", second.UUID, first.UUID)
	}
	if got := sess.markedOffset(); got != 0 {
		t.Errorf("offset marked up to %d after its output failed", got)
	}
	d2 := kafkaclient.DeliveryFrom(second.Context())
	if d2 == d {
		t.Fatal("the redelivery shares the failed delivery's outputs")
	}
	d2.Sent()
	second.Ack()
	d2.Answered(nil)
	deadline := time.Now().Add(time.Second)
	for sess.markedOffset() != 1 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got := sess.markedOffset(); got != 1 {
		t.Errorf("marked up to %d once the redelivery's output was acknowledged; want 1", got)
	}
	endSession()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
