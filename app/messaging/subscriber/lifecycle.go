package subscriber

import (
	"context"
	"errors"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"
)

// lifecycle is how a subscriber starts its subscriptions, stops them and
// reports them stopped, embedded by Subscriber and Transact (redpanda
// connect's shutdown.Signaller is the model): each subscription runs on a
// context Close cancels, and Close returns once every subscription has ended
// (its channel closed, its goroutines returned). It also keeps the group
// clients Joined asks.
type lifecycle struct {
	mu      sync.Mutex
	closed  bool
	cancels []context.CancelFunc
	running sync.WaitGroup // one per subscription, until it has ended
	clients []*kgo.Client  // one per group member, for Joined
}

// errClosed is what Subscribe returns after Close.
var errClosed = errors.New("subscriber closed")

// start begins a subscription on a context that ends with ctx or at Close.
// The subscription calls ended once, when everything it started has ended.
func (l *lifecycle) start(ctx context.Context) (_ context.Context, ended func(), _ error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, nil, errClosed
	}
	ctx, cancel := context.WithCancel(ctx)
	l.cancels = append(l.cancels, cancel)
	l.running.Add(1)
	return ctx, func() { cancel(); l.running.Done() }, nil
}

// member adds a group member's client to those Joined asks, and returns
// its slot, for replace.
func (l *lifecycle) member(cl *kgo.Client) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.clients = append(l.clients, cl)
	return len(l.clients) - 1
}

// replace puts cl in slot, in place of the client it follows.
func (l *lifecycle) replace(slot int, cl *kgo.Client) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.clients[slot] = cl
}

// Joined reports whether every member is in its group now: between a
// rebalance's end and the next one's start.
func (l *lifecycle) Joined() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, cl := range l.clients {
		if member, gen := cl.GroupMetadata(); member == "" || gen <= 0 {
			return false
		}
	}
	return len(l.clients) > 0
}

// Close stops every subscription and waits until each has ended.
func (l *lifecycle) Close() error {
	l.mu.Lock()
	l.closed = true
	cancels := l.cancels
	l.cancels = nil
	l.mu.Unlock()
	for _, cancel := range cancels {
		cancel()
	}
	l.running.Wait()
	return nil
}
