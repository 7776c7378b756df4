package main

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// settleWatch follows the shipments and notifications topics from their
// start as a downstream consumer does (committed records only: the
// exactly-once contender's aborted ones are not orders through) and notes
// the moment every order is in both, by key: the end of a drain, to within
// one fetch, whatever the contender. Records past the first per order and
// topic are duplicates; they do not count as settled.
type settleWatch struct {
	cl      *kgo.Client
	orders  int
	fetches atomic.Int64  // fetch requests it sent: not the contender's
	done    chan struct{} // closed once every order settled
	ended   chan struct{} // closed once run returns

	mu            sync.Mutex
	settled, dups int
	at            time.Time // when the last order settled
	fetchesAt     int64     // fetches by then
}

// watchSettle starts following t's outputs for orders orders; stop ends it.
func watchSettle(brokers []string, t topics, orders int) (*settleWatch, error) {
	w := &settleWatch{orders: orders, done: make(chan struct{}), ended: make(chan struct{})}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...),
		kgo.ConsumeTopics(t.shipments, t.notifications),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		// Few fetches, each at most 100 ms late: the watch's own requests
		// stay small beside the contender's, and are counted apart.
		kgo.FetchMinBytes(64<<10), kgo.FetchMaxWait(100*time.Millisecond),
		kgo.WithHooks(fetchCounter{&w.fetches}))
	if err != nil {
		return nil, err
	}
	w.cl = cl
	go w.run(t)
	return w, nil
}

func (w *settleWatch) run(t topics) {
	defer close(w.ended)
	seen := map[string]map[string]bool{t.shipments: {}, t.notifications: {}}
	for {
		fs := w.cl.PollFetches(context.Background())
		if fs.IsClientClosed() {
			return
		}
		fs.EachRecord(func(r *kgo.Record) {
			k := string(r.Key)
			w.mu.Lock()
			defer w.mu.Unlock()
			if seen[r.Topic][k] {
				w.dups++
				return
			}
			seen[r.Topic][k] = true
			other := t.notifications
			if r.Topic == other {
				other = t.shipments
			}
			if seen[other][k] {
				w.settled++
				if w.settled == w.orders {
					w.at, w.fetchesAt = time.Now(), w.fetches.Load()
					close(w.done)
				}
			}
		})
	}
}

// state returns the orders settled and the duplicates so far, and when the
// last order settled (zero until then) with the watch's fetches by then.
func (w *settleWatch) state() (settled, dups int, at time.Time, fetches int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.settled, w.dups, w.at, w.fetchesAt
}

func (w *settleWatch) stop() {
	w.cl.Close()
	<-w.ended
}

// fetchCounter counts the fetch requests a client writes.
type fetchCounter struct{ n *atomic.Int64 }

func (c fetchCounter) OnBrokerWrite(_ kgo.BrokerMetadata, key int16, _ int, _, _ time.Duration, err error) {
	const fetch = 1
	if key == fetch && err == nil {
		c.n.Add(1)
	}
}
