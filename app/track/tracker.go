// Package track watches the pipeline's output topics and tells, order by
// order, where each one ended: paid and shipped and notified, declined and
// notified, or dead-lettered. demo and the tests wait on it.
package track

import (
	"context"
	"slices"
	"sync"

	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/events"
)

// Order is what the output topics say about one order.
type Order struct {
	ID            string
	Paid          int // PaymentSucceeded records (more than one is a duplicate)
	Declined      int
	Shipped       int
	Notified      int
	DeadLetters   []deadletter.Letter
	Correlations  []string // distinct correlation IDs seen on its records
	distinctUUIDs map[string]bool
	records       int
}

// Settled reports whether the order reached an end.
func (o Order) Settled() bool {
	return len(o.DeadLetters) > 0 ||
		(o.Paid > 0 && o.Shipped > 0 && o.Notified > 0) ||
		(o.Declined > 0 && o.Notified > 0)
}

// Duplicates counts records that repeat one already seen (same message UUID).
func (o Order) Duplicates() int { return o.records - len(o.distinctUUIDs) }

// Tracker folds the output topics into per-order state.
type Tracker struct {
	topics config.Topics
	mu     sync.Mutex
	orders map[string]*Order
}

// New returns an empty tracker for the configured topics.
func New(t config.Topics) *Tracker {
	return &Tracker{topics: t, orders: map[string]*Order{}}
}

// Run tails payments, shipments, notifications and the dead-letter topic from
// the oldest record until ctx ends.
func (t *Tracker) Run(ctx context.Context, c kafkaclient.Conn) error {
	topics := []string{t.topics.Payments, t.topics.Shipments, t.topics.Notifications, t.topics.DeadLetter}
	return kafkaclient.Tail(ctx, c, topics, t.Add)
}

// Add folds one record in. Records without a key are filed under their UUID;
// replay markers in the dead-letter topic are not dead letters and are skipped.
func (t *Tracker) Add(m kafkaclient.Record) {
	if m.Topic == t.topics.DeadLetter && deadletter.IsReplayMarker(m) {
		return
	}
	uuid, corr, eventType := m.Headers[kafka.UUIDHeaderKey], m.Headers[events.HeaderCorrelationID], m.Headers[events.HeaderType]
	id := string(m.Key)
	if id == "" {
		id = uuid
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	o := t.orders[id]
	if o == nil {
		o = &Order{ID: id, distinctUUIDs: map[string]bool{}}
		t.orders[id] = o
	}
	if corr != "" && !slices.Contains(o.Correlations, corr) {
		o.Correlations = append(o.Correlations, corr)
	}
	if m.Topic == t.topics.DeadLetter {
		o.DeadLetters = append(o.DeadLetters, deadletter.Parse(m))
		return
	}
	o.records++
	o.distinctUUIDs[m.Topic+"/"+uuid] = true
	switch {
	case m.Topic == t.topics.Payments && eventType == events.TypePaymentSucceeded:
		o.Paid++
	case m.Topic == t.topics.Payments && eventType == events.TypePaymentDeclined:
		o.Declined++
	case m.Topic == t.topics.Shipments:
		o.Shipped++
	case m.Topic == t.topics.Notifications:
		o.Notified++
	}
}

// Order returns a copy of what is known of id.
func (t *Tracker) Order(id string) (Order, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	o, ok := t.orders[id]
	if !ok {
		return Order{ID: id}, false
	}
	c := *o
	c.DeadLetters = slices.Clone(o.DeadLetters)
	c.Correlations = slices.Clone(o.Correlations)
	return c, true
}

// Unsettled returns those of ids that have not settled yet.
func (t *Tracker) Unsettled(ids []string) []string {
	var out []string
	for _, id := range ids {
		if o, _ := t.Order(id); !o.Settled() {
			out = append(out, id)
		}
	}
	return out
}

// Notified counts the orders with at least one notification.
func (t *Tracker) Notified() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, o := range t.orders {
		if o.Notified > 0 {
			n++
		}
	}
	return n
}
