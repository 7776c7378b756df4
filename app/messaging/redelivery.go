package messaging

import "time"

// redelivery paces the redelivery of a nacked message. A nack that middleware
// did not turn into a retry or a dead letter comes from past the middleware:
// Watermill publishes a handler's outputs after it, so an output topic that
// cannot be written nacks the input. Redelivering every 100 ms would hammer
// the brokers until it heals; the wait doubles from first up to most instead.
type redelivery struct {
	first, most time.Duration
}

// defaultRedelivery waits 100 ms after the first nack, then doubles, up to 30 s.
var defaultRedelivery = redelivery{first: 100 * time.Millisecond, most: 30 * time.Second}

// after is the wait before the redelivery that follows the n-th nack (n ≥ 1).
func (r redelivery) after(n int) time.Duration {
	d := r.first
	for i := 1; i < n && d < r.most; i++ {
		d *= 2
	}
	return min(d, r.most)
}
