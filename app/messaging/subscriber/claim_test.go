package subscriber

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/goleak"

	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
)

// One partition's messages, many keys, acked out of order by a concurrent
// "router": never two messages of one key in flight, each key's in offset
// order, never more than maxInFlight at once, and the partition marked to its
// end once all are acked. No broker: milliseconds.
func TestClaimKeepsKeyOrderAndBoundsInFlight(t *testing.T) {
	defer goleak.VerifyNone(t) // every goroutine a claim starts ends with it
	const n, keys, maxInFlight = 400, 7, 8
	ctx, endSession := context.WithCancel(context.Background())
	defer endSession()
	sess := &fakeSession{ctx: ctx}
	claim := fakeClaim{msgs: make(chan *kgo.Record, n)}
	for i := range n {
		claim.msgs <- &kgo.Record{Topic: "orders", Offset: int64(i), Key: []byte(fmt.Sprint(i % keys)), Value: []byte(fmt.Sprint(i))}
	}
	out := make(chan *message.Message)
	h := &lanes{maxInFlight: maxInFlight, drain: time.Second, out: out, settled: func(bool) {},
		redeliver: Redelivery{First: time.Millisecond, Most: time.Millisecond}, log: slog.New(slog.DiscardHandler)}
	done := make(chan error, 1)
	go func() { done <- h.consume(sess, claim) }()

	rng := rand.New(rand.NewPCG(11, 12))
	var (
		mu          sync.Mutex
		inFlight    int
		maxObserved int
		handled     int
		busy        = map[string]bool{}
		seen        = map[string][]string{}
		all         = make(chan struct{}) // closed when every message is acked
		wg          sync.WaitGroup
	)
	for stop := false; !stop; {
		select {
		case m := <-out:
			key := kafkaclient.KeyOf(m)
			mu.Lock()
			if busy[key] {
				t.Errorf("key %s: two messages in flight at once", key)
			}
			busy[key] = true
			inFlight++
			maxObserved = max(maxObserved, inFlight)
			mu.Unlock()
			// Drawn here, in one goroutine, from a seeded source: a failure replays.
			delay, nack := time.Duration(rng.IntN(300))*time.Microsecond, rng.IntN(10) == 0
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(delay)
				mu.Lock()
				busy[key] = false
				inFlight--
				if !nack {
					seen[key] = append(seen[key], string(m.Payload))
					if handled++; handled == n {
						close(all)
					}
				}
				mu.Unlock()
				if nack {
					m.Nack() // redelivered; the order must hold all the same
				} else {
					m.Ack()
				}
			}()
		case <-all:
			stop = true
		case <-time.After(10 * time.Second):
			t.Fatalf("stalled after %d of %d messages", handled, n)
		}
	}
	wg.Wait()
	for k := range keys {
		key := fmt.Sprint(k)
		for i, v := range seen[key] {
			if want := fmt.Sprint(k + i*keys); v != want {
				t.Fatalf("key %s: got %v, want offsets in order", key, seen[key])
			}
		}
	}
	if maxObserved > maxInFlight {
		t.Errorf("%d messages in flight at once, want at most %d", maxObserved, maxInFlight)
	}
	// The mark follows the ack: wait for it, with a deadline.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		sess.mu.Lock()
		marked := sess.marked
		sess.mu.Unlock()
		if marked == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("marked up to %d, want %d (every message acked)", marked, n)
		}
	}
	endSession()
	go func() {
		for range out {
		}
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	close(out)
}
