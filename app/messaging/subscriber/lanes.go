package subscriber

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/events"
)

// inbound is one consumed record as the lanes need it: subscriber.go and
// transact.go adapt franz-go's records to it without copying them.
type inbound interface {
	offset() int64
	// control says the record is a transaction marker: never delivered,
	// done as soon as it is dealt, so the offsets marked pass it.
	control() bool
	// key is what messages are ordered by (orderKey).
	key() string
	// message reads the record as a Watermill message.
	message() *message.Message
	// delivery is a new Delivery of the record: where it lay, and the
	// transaction its outputs join, if any.
	delivery() *kafkaclient.Delivery
	// where names the record in a log line: topic, partition and Kafka key.
	where() (string, int32, []byte)
}

// claimed is one partition while this member owns it.
type claimed interface {
	// next waits for the partition's next record; false once ctx ends or the
	// partition is taken away.
	next(ctx context.Context) (inbound, bool)
	// mark records that every offset before next is done, to be committed.
	mark(next int64)
}

// lanes deals one claimed partition's records to the router: up to
// maxInFlight at once, one per key at a time. Subscriber and Transact run it.
type lanes struct {
	maxInFlight int
	drain       time.Duration
	out         chan<- *message.Message
	redeliver   Redelivery
	settled     func(acked bool)
	log         *slog.Logger
	// once delivers each record once (exactly_once): a nack leaves it
	// undone, and what waits behind its key unstarted, for the transaction
	// to abort and the batch to come again, instead of a redelivery in
	// place. A record is done once acked: the transaction waits for its
	// outputs.
	once bool
}

// run hands one partition's messages to the router, up to maxInFlight at
// once, one per key at a time: a message whose key is busy waits behind it.
// When the claim ends (ctx: a rebalance, or shutdown) it takes no new message
// from the partition, gives the messages already dealt — in flight, or
// waiting behind their key — up to drain to be acknowledged (their offsets are
// still marked, to be committed as the partition is released), and abandons
// the rest, unmarked, to the partition's next owner. It returns once every
// message it dealt is done or abandoned: no mark follows its return.
func (h *lanes) run(ctx context.Context, p claimed) {
	// Messages in flight live on drainCtx: past the claim's end, until drained.
	drainCtx, abandon := context.WithCancel(context.WithoutCancel(ctx))
	defer abandon()
	stopDrainClock := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(h.drain, abandon)
		context.AfterFunc(drainCtx, func() { t.Stop() })
	})
	defer stopDrainClock()
	window := newOffsetWindow()
	slots := make(chan struct{}, h.maxInFlight) // held from dispatch until done
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		waiting = map[string][]inbound{} // a key is busy while it has an entry
	)
	defer wg.Wait()

	// start handles r, whose key k is now busy; when done it starts the
	// next message waiting for k, or frees k.
	var start func(r inbound, k string)
	start = func(r inbound, k string) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// An abandoned message stays unmarked: the partition's next owner
			// gets it again. A mark made after the claim's end but before
			// run returns is still committed as the partition is released.
			acked := h.deliver(ctx, drainCtx, r)
			if acked {
				if next, ok := window.done(r.offset()); ok {
					p.mark(next)
				}
			}
			<-slots
			if !acked {
				// r goes, unacknowledged, to the partition's next owner, and
				// so must every message waiting behind it with its key: one
				// run now would overtake it. (deliver gives up only once the
				// claim has ended, so no new message joins k's queue.)
				return
			}
			mu.Lock()
			queue := waiting[k]
			if len(queue) == 0 {
				delete(waiting, k)
				mu.Unlock()
				return
			}
			waiting[k] = queue[1:]
			mu.Unlock()
			start(queue[0], k)
		}()
	}

	for {
		r, ok := p.next(ctx)
		if !ok {
			return
		}
		if r.control() {
			window.add(r.offset())
			if next, ok := window.done(r.offset()); ok {
				p.mark(next)
			}
			continue
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		window.add(r.offset())
		k := r.key()
		mu.Lock()
		if queue, busy := waiting[k]; busy {
			waiting[k] = append(queue, r)
			mu.Unlock()
			continue
		}
		waiting[k] = nil
		mu.Unlock()
		start(r, k)
	}
}

// orderKey is what messages are ordered by: the Kafka key. Messages without a
// key promise no order, so each gets a key of its own.
func orderKey(key []byte, offset int64) string {
	if len(key) == 0 {
		return fmt.Sprintf("\x00offset-%d", offset)
	}
	return string(key)
}

// deliver hands r to the router and waits until it is done: acked by the
// router and every output it published for km acknowledged by the brokers. A
// nack, or an output the brokers failed, is redelivered, each time a little
// later (h.redeliver) and saying so. km was dealt to this lane already (its
// offset is in the window), so it is handed over until drainCtx ends, even
// after ctx (the session) has: a message that waited behind its key must still
// run in the drain, or the offsets done after it could not be committed and
// would be redone by the next owner. A nacked message is not redelivered once
// the session has ended; it is left, unmarked, to the next owner. It reports
// whether km is done.
//
// Each delivery's context is drainCtx with a kafkaclient.Delivery of km: its
// origin, and the count of outputs still on their way (the router gives a
// handler's outputs the input's context; the Producer counts them there and
// does not wait for the brokers). Abandoning the drain cancels what its
// handler still does. It gets no cancel of its own per delivery
// (watermill-kafka's subscriber adds one): a handler that derives a context
// cancels that itself, and a cancel per delivery cost a context, a channel and
// a children map per message (a sixth of the subscriber's CPU).
func (h *lanes) deliver(ctx, drainCtx context.Context, r inbound) bool {
	for nacks := 0; ; {
		d := r.delivery()
		msg := r.message()
		msg.SetContext(kafkaclient.WithDelivery(drainCtx, d))
		select {
		case h.out <- msg:
		case <-drainCtx.Done():
			return false
		}
		var failed error // why this delivery is not done
		select {
		case <-msg.Acked():
			h.settled(true)
			if h.once {
				// Its outputs are in the transaction, which commits only
				// once the brokers have acknowledged all of them.
				return true
			}
			failed = d.Wait(drainCtx)
			if failed == nil {
				return true
			}
			if drainCtx.Err() != nil {
				return false
			}
			failed = fmt.Errorf("an output was not acknowledged: %w", failed)
		case <-msg.Nacked():
			h.settled(false)
			failed = errNacked
		case <-drainCtx.Done():
			return false
		}
		topic, partition, key := r.where()
		if h.once {
			h.log.Warn("message nacked; its transaction aborts and its batch comes again", "topic", topic, "partition", partition,
				"offset", r.offset(), "key", string(key), "err", failed, "correlation_id", msg.Metadata.Get(events.HeaderCorrelationID))
			return false
		}
		nacks++
		wait := h.redeliver.after(nacks)
		h.log.Warn("message nacked; redelivering", "topic", topic, "partition", partition,
			"offset", r.offset(), "key", string(key), "nacks", nacks, "after", wait, "err", failed,
			"correlation_id", msg.Metadata.Get(events.HeaderCorrelationID))
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return false
		}
	}
}

// errNacked is why a message the router nacked is redelivered.
var errNacked = errors.New("the router nacked it")
