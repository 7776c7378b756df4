package subscriber_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/goleak"

	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/messaging/subscriber"
	"github.com/orderflow/orderflow/app/testkit"
)

// Exactly once on the embedded broker (kfake implements transactions): each
// input's output is produced in the transaction of its batch. One input is
// nacked three times (the second member's joining may abort the batch of
// one, never of all three): its batch aborts, and comes again. Read
// committed, every key's outputs are its inputs, once each, in order.
func TestTransactAbortsAndRewinds(t *testing.T) {
	nacked := "3-4" // the 5th message of key 3
	runTransact(t, func(m *message.Message, handled int) (output []byte, nack bool) {
		return m.Payload, m.UUID == nacked && handled <= 3
	}, nacked)
}

// An output the brokers refuse (larger than the topic takes) fails its
// batch's transaction, though the router acked its input: the batch aborts
// and comes again, and the commit holds every output once.
func TestTransactAbortsWhenAnOutputFails(t *testing.T) {
	// Its first three outputs fail: the second member's joining may abort
	// the batch of one (a rebalance), never of all three.
	fails := "2-1"
	runTransact(t, func(m *message.Message, handled int) (output []byte, nack bool) {
		if m.UUID == fails && handled <= 3 {
			return make([]byte, 2<<20), false
		}
		return m.Payload, false
	}, fails)
}

// runTransact has a Transact subscriber (two members) relay 20 keys × 10
// inputs to an output topic through handle, which is given each input and
// how often it was handled, and returns the output or asks for a nack. It
// checks every key's committed outputs are its inputs' once each, in order,
// that a transaction aborted, and that again was handled again after it.
func runTransact(t *testing.T, handle func(m *message.Message, handled int) (output []byte, nack bool), again string) {
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) }) // after every other cleanup: the broker is closed by then
	c := testkit.Embedded(t)
	c.Cfg.Topics.Partitions = 2
	if _, err := kafkaclient.EnsureTopics(c.Conn(t), c.Cfg.Topics); err != nil {
		t.Fatal(err)
	}
	in, out := c.Cfg.Topics.Orders, c.Cfg.Topics.Payments
	prod := testkit.Producer(t, c)
	const keys, perKey = 20, 10
	for seq := range perKey {
		for k := range keys {
			m := message.NewMessage(fmt.Sprintf("%d-%d", k, seq), []byte(strconv.Itoa(seq)))
			if err := prod.Send(in, kafkaclient.WithKey(m, strconv.Itoa(k))); err != nil {
				t.Fatal(err)
			}
		}
	}
	opts := c.Conn(t).Franz()
	pub, err := kafkaclient.NewProducer(c.Conn(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	var mu sync.Mutex
	var committed, aborted int
	sub, err := subscriber.NewTransact(subscriber.Config{Group: "txn-test", MaxInFlight: 8, Logger: testkit.Logger(t),
		Ended: func(ok bool, _ time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			if ok {
				committed++
			} else {
				aborted++
			}
		}}, opts, subscriber.Transactions{ID: "orderflow-test-txn", Members: 2, Records: 50, Window: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := sub.Subscribe(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	handled := map[string]int{}
	done := make(chan struct{})
	go func() { // the handler: one output per input, in the input's transaction
		defer close(done)
		for m := range msgs {
			handled[m.UUID]++
			payload, nack := handle(m, handled[m.UUID])
			if nack {
				m.Nack()
				continue
			}
			o := message.NewMessage("out-"+m.UUID, payload)
			o.SetContext(m.Context())
			if err := pub.Publish(out, kafkaclient.WithKey(o, kafkaclient.KeyOf(m))); err != nil {
				t.Errorf("publish: %v", err)
				m.Nack()
				continue
			}
			m.Ack()
		}
	}()

	// Every input committed; then the outputs of its transactions.
	adm, err := kgo.NewClient(kgo.SeedBrokers(c.Brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Close()
	testkit.WaitFor(t, time.Minute, "every input committed", func() (bool, string) {
		offsets, err := kadm.NewClient(adm).FetchOffsets(context.Background(), "txn-test")
		if err != nil {
			return false, err.Error()
		}
		n := int64(0)
		offsets.Each(func(o kadm.OffsetResponse) { n += o.At })
		return n == keys*perKey, fmt.Sprintf("%d of %d", n, keys*perKey)
	})
	got := readTopic(t, c.Brokers, out, kgo.ReadCommitted(), keys*perKey)
	if err := sub.Close(); err != nil {
		t.Fatal(err)
	}
	<-done
	for k := range keys {
		want := ""
		for seq := range perKey {
			want += strconv.Itoa(seq) + " "
		}
		if got[strconv.Itoa(k)] != want {
			t.Errorf("key %d: committed outputs %q, want %q (each input's once, in order)", k, got[strconv.Itoa(k)], want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if aborted == 0 {
		t.Errorf("%d transactions committed, none aborted", committed)
	}
	if handled[again] < 4 {
		t.Errorf("%s was handled %d times, want it again after three aborts", again, handled[again])
	}
	t.Logf("%d transactions committed, %d aborted", committed, aborted)

	// The outputs were written in transactions: a group reading them, at
	// least once or exactly once, commits past each transaction's marker,
	// so once idle it has no lag by Kafka's own count.
	reader, err := subscriber.New(subscriber.Config{Group: "txn-reader"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	txnReader, err := subscriber.NewTransact(subscriber.Config{Group: "txn-reader-eos"}, opts,
		subscriber.Transactions{ID: "orderflow-test-txn-reader", Members: 1, Records: 50, Window: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ackAll(t, reader, out, keys*perKey)
	ackAll(t, txnReader, out, keys*perKey)
	testkit.WaitCaughtUp(t, c, 20*time.Second, map[string]string{"txn-test": in, "txn-reader": out, "txn-reader-eos": out})
	for _, s := range []subscriber.Member{reader, txnReader} {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// ackAll subscribes sub to topic and acks every message, until want have
// come, or fails the test after 30 s. Each must be one of runTransact's
// outputs: a transaction marker never reaches the router.
func ackAll(t *testing.T, sub subscriber.Member, topic string, want int) {
	t.Helper()
	msgs, err := sub.Subscribe(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	timeout := time.After(30 * time.Second)
	for len(seen) < want {
		select {
		case m := <-msgs:
			if !strings.HasPrefix(m.UUID, "out-") {
				t.Errorf("%s: got %q (%q), not an output", sub.Group(), m.UUID, m.Payload)
			}
			seen[m.UUID] = true
			m.Ack()
		case <-timeout:
			t.Fatalf("%s: %d of %d messages of %s", sub.Group(), len(seen), want, topic)
		}
	}
	go func() { // acks whatever else comes until the test closes sub
		for m := range msgs {
			m.Ack()
		}
	}()
}

// readTopic reads topic from its start to its end as it is now (control
// records included, so the end is reached), at level, and returns each key's
// values joined by spaces. With want > 0 it first waits, up to 10 s, for that
// many records to be readable.
func readTopic(t *testing.T, brokers []string, topic string, level kgo.IsolationLevel, want int) map[string]string {
	t.Helper()
	if want > 0 {
		testkit.WaitFor(t, 10*time.Second, fmt.Sprintf("%d committed records in %s", want, topic), func() (bool, string) {
			n := 0
			for _, v := range readTopic(t, brokers, topic, level, 0) {
				n += len(v) / 2
			}
			return n >= want, fmt.Sprintf("%d", n)
		})
	}
	adm, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Close()
	ends, err := kadm.NewClient(adm).ListEndOffsets(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	left := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			left[o.Partition] = o.Offset
		}
	})
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic), kgo.FetchIsolationLevel(level), kgo.KeepControlRecords())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	got := map[string]string{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for len(left) > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("%s: partitions %v not read to their end within 30s", topic, left)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if !r.Attrs.IsControl() {
				got[string(r.Key)] += string(r.Value) + " "
			}
			if end, ok := left[r.Partition]; ok && r.Offset >= end-1 {
				delete(left, r.Partition)
			}
		})
	}
	return got
}
