package subscriber

import "time"

// Redelivery paces the redelivery of a nacked message. A nack that middleware
// did not turn into a retry or a dead letter comes from past the middleware:
// Watermill publishes a handler's outputs after it, so an output topic that
// cannot be written nacks the input. Redelivering every 100 ms would hammer
// the brokers until it heals; the wait doubles from first up to most instead.
type Redelivery struct {
	First, Most time.Duration
}

// after is the wait before the redelivery that follows the n-th nack (n ≥ 1).
func (r Redelivery) after(n int) time.Duration {
	d := r.First
	for i := 1; i < n && d < r.Most; i++ {
		d *= 2
	}
	return min(d, r.Most)
}
