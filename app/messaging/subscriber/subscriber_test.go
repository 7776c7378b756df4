package subscriber_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"go.uber.org/goleak"

	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/messaging/subscriber"
	"github.com/orderflow/orderflow/app/testkit"
)

// Many keys on few partitions, handled with random delays and random nacks:
// every message arrives, each key's messages arrive in the order they were
// produced, and the group commits exactly up to each partition's end. Close
// leaves no goroutine behind.
func TestKeyedSubscriberKeepsKeyOrder(t *testing.T) {
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) }) // after every other cleanup: the broker is closed by then
	c := testkit.Embedded(t)
	c.Cfg.Topics.Partitions = 2
	if _, err := kafkaclient.EnsureTopics(c.Conn(t), c.Cfg.Topics); err != nil {
		t.Fatal(err)
	}
	prod := testkit.Producer(t, c)
	const keys, perKey = 40, 25
	var batch []*message.Message
	for seq := range perKey {
		for k := range keys {
			batch = append(batch, message.NewMessage(fmt.Sprintf("%d-%d", k, seq), []byte(fmt.Sprint(seq))))
		}
	}
	for i, m := range batch {
		if err := prod.Send(c.Cfg.Topics.Orders, kafkaclient.WithKey(m, fmt.Sprint(i%keys))); err != nil {
			t.Fatal(err)
		}
	}

	var acked, nacked, settledAcked, settledNacked atomic.Int64
	cfg := subscriber.Config{
		Group: "order-test", MaxInFlight: 8, DrainTimeout: time.Second, Logger: testkit.Logger(t),
		Settled: func(ok bool) {
			if ok {
				settledAcked.Add(1)
			} else {
				settledNacked.Add(1)
			}
		}}
	sub, err := subscriber.New(cfg, c.Conn(t).Franz())
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := sub.Subscribe(context.Background(), c.Cfg.Topics.Orders)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	got := map[string][]string{}
	var wg sync.WaitGroup
	rng := rand.New(rand.NewPCG(21, 22))                                 // drawn in the loop below, one goroutine: a failure replays
	handle := func(m *message.Message, delay time.Duration, nack bool) { // concurrently, as the router does
		defer wg.Done()
		time.Sleep(delay)
		if nack {
			nacked.Add(1)
			m.Nack() // redelivered later; the order must hold all the same
			return
		}
		key := kafkaclient.KeyOf(m)
		if key == "" {
			t.Errorf("message %s carries no Kafka key", m.UUID)
		}
		mu.Lock()
		got[key] = append(got[key], string(m.Payload))
		mu.Unlock()
		acked.Add(1)
		m.Ack()
	}
	deadline := time.After(30 * time.Second)
	for countAll(&mu, got) < keys*perKey {
		select {
		case m := <-msgs:
			wg.Add(1)
			go handle(m, time.Duration(rng.IntN(2000))*time.Microsecond, rng.IntN(20) == 0)
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			t.Fatalf("handled %d of %d messages", countAll(&mu, got), keys*perKey)
		}
	}
	wg.Wait()
	if err := sub.Close(); err != nil {
		t.Fatal(err)
	}
	// Settled heard of every ack and nack, once.
	if settledAcked.Load() != acked.Load() || settledNacked.Load() != nacked.Load() || nacked.Load() == 0 {
		t.Errorf("Settled counted %d acks and %d nacks; the handler made %d and %d",
			settledAcked.Load(), settledNacked.Load(), acked.Load(), nacked.Load())
	}
	for k := range keys {
		seqs := got[fmt.Sprint(k)]
		for i, s := range seqs {
			if s != fmt.Sprint(i) {
				t.Fatalf("key %d: got %v, want 0..%d in order", k, seqs, perKey-1)
			}
		}
	}

	// Everything handled is committed: the group's offsets reach each partition's end.
	testkit.WaitCaughtUp(t, c, 10*time.Second, map[string]string{"order-test": c.Cfg.Topics.Orders})
}

func countAll(mu *sync.Mutex, got map[string][]string) int {
	mu.Lock()
	defer mu.Unlock()
	n := 0
	for _, v := range got {
		n += len(v)
	}
	return n
}
