package kafkaclient

import (
	"context"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Origin is where a consumed message lay in Kafka. The subscriber puts it in
// the message's context, as watermill-kafka's own subscriber puts partition
// and offset there; the dead-letter middleware copies it into the letter.
type Origin struct {
	Partition int32
	Offset    int64
	Timestamp time.Time
}

// Delivery is one delivery of a consumed record to the router: where the
// record lay, and the outputs published for it that the brokers have not answered yet.
// The subscriber puts it in the message's context (WithDelivery); the router
// gives a handler's outputs the input's context, so the Producer counts each
// output here and returns from Publish without waiting for the brokers; the
// subscriber marks the record's offset only once the router acked it and Wait
// says every output is acknowledged. This is the completion token of a
// consume → produce cycle: an output that fails is a nack, never a drop.
type Delivery struct {
	origin   Origin
	consumed bool // origin is set: a delivery of a consumed record
	txn      Txn  // the transaction the outputs join (exactly_once), or nil

	mu      sync.Mutex
	pending int           // outputs sent and not yet answered
	err     error         // the first output that failed
	done    chan struct{} // made by Wait while outputs are pending; closed by the last answer
}

// NewDelivery returns the delivery of the record that lay at o.
func NewDelivery(o Origin) *Delivery { return &Delivery{origin: o, consumed: true} }

// Txn is a Kafka transaction a delivery's outputs are produced in: a
// consumed record's outputs, dead letters included, are then committed with
// its offset, or not at all. franz-go's GroupTransactSession is one.
type Txn interface {
	Produce(ctx context.Context, r *kgo.Record, promise func(*kgo.Record, error))
}

// InTxn returns d with its outputs produced in t.
func (d *Delivery) InTxn(t Txn) *Delivery {
	d.txn = t
	return d
}

type txnCtx struct{}

// TxnOf returns a context that carries only the transaction of the delivery
// handled with ctx, if it has one: a message published with it (a dead
// letter) joins that transaction, and its Publish still waits for the
// brokers' answer, as one without a delivery does.
func TxnOf(ctx context.Context) context.Context {
	if d := DeliveryFrom(ctx); d != nil && d.txn != nil {
		return context.WithValue(context.Background(), txnCtx{}, d.txn)
	}
	return context.Background()
}

// Sent counts one more output of the delivery on its way to the brokers.
func (d *Delivery) Sent() {
	d.mu.Lock()
	d.pending++
	d.mu.Unlock()
}

// Answered records the brokers' answer to one output: nil once acknowledged.
func (d *Delivery) Answered(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err != nil && d.err == nil {
		d.err = err
	}
	if d.pending--; d.pending == 0 && d.done != nil {
		close(d.done)
		d.done = nil
	}
}

// Wait returns once every output sent so far is answered: nil if all were
// acknowledged, the first failure otherwise, or ctx's error if ctx ends first.
// The subscriber calls it once the router acked the input, when every output
// has been sent (the router publishes a handler's outputs before its ack).
func (d *Delivery) Wait(ctx context.Context) error {
	d.mu.Lock()
	if d.pending == 0 {
		err := d.err
		d.mu.Unlock()
		return err
	}
	if d.done == nil {
		d.done = make(chan struct{})
	}
	done := d.done
	d.mu.Unlock()
	select {
	case <-done:
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

type deliveryCtx struct{}

// WithDelivery returns ctx carrying d.
func WithDelivery(ctx context.Context, d *Delivery) context.Context {
	return context.WithValue(ctx, deliveryCtx{}, d)
}

// DeliveryFrom returns the delivery being handled with ctx, or nil for a
// message that was not consumed (the intake's, seed's, replay's).
func DeliveryFrom(ctx context.Context) *Delivery {
	d, _ := ctx.Value(deliveryCtx{}).(*Delivery)
	return d
}

// OriginFrom returns where the message being handled with ctx came from:
// the Delivery franz-go's subscriber gives it, or what the watermill-kafka
// transport's subscriber puts in its context.
func OriginFrom(ctx context.Context) (Origin, bool) {
	if d := DeliveryFrom(ctx); d != nil {
		return d.origin, d.consumed
	}
	partition, ok := kafka.MessagePartitionFromCtx(ctx)
	offset, ok2 := kafka.MessagePartitionOffsetFromCtx(ctx)
	if !ok || !ok2 {
		return Origin{}, false
	}
	ts, _ := kafka.MessageTimestampFromCtx(ctx)
	return Origin{Partition: partition, Offset: offset, Timestamp: ts}, true
}
