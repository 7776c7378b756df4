package subscriber

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/events"
)

type groupHandler struct {
	maxInFlight int
	drain       time.Duration
	out         chan<- *message.Message
	sessions    *atomic.Int32
	redeliver   Redelivery
	settled     func(acked bool)
	log         *slog.Logger
}

func (h *groupHandler) Setup(sarama.ConsumerGroupSession) error   { h.sessions.Add(1); return nil }
func (h *groupHandler) Cleanup(sarama.ConsumerGroupSession) error { h.sessions.Add(-1); return nil }

// ConsumeClaim hands one partition's messages to the router, up to maxInFlight
// at once, one per key at a time: a message whose key is busy waits behind
// it. When the claim ends (a rebalance, or shutdown) it takes no new message
// from the partition, gives the messages already dealt — in flight, or
// waiting behind their key — up to drain to be acknowledged (their offsets are
// still committed as the session is released), and abandons the rest,
// unmarked, to the partition's next owner.
func (h *groupHandler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	ctx := sess.Context()
	// Messages in flight live on drainCtx: past the session's end, until drained.
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
		waiting = map[string][]*sarama.ConsumerMessage{} // a key is busy while it has an entry
	)
	defer wg.Wait()

	// start handles km, whose key k is now busy; when done it starts the
	// next message waiting for k, or frees k.
	var start func(km *sarama.ConsumerMessage, k string)
	start = func(km *sarama.ConsumerMessage, k string) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// An abandoned message stays unmarked: the partition's next owner
			// gets it again. A mark made after the session's end but before
			// this claim returns is still committed when the session is released.
			acked := h.deliver(ctx, drainCtx, km)
			if acked {
				if next, ok := window.done(km.Offset); ok {
					sess.MarkOffset(km.Topic, km.Partition, next, "")
				}
			}
			<-slots
			if !acked {
				// km goes, unacknowledged, to the partition's next owner, and
				// so must every message waiting behind it with its key: one
				// run now would overtake it. (deliver gives up only once the
				// session has ended, so no new message joins k's queue.)
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
		select {
		case km, ok := <-claim.Messages():
			if !ok {
				return nil
			}
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return nil
			}
			window.add(km.Offset)
			k := orderKey(km)
			mu.Lock()
			if queue, busy := waiting[k]; busy {
				waiting[k] = append(queue, km)
				mu.Unlock()
				continue
			}
			waiting[k] = nil
			mu.Unlock()
			start(km, k)
		case <-ctx.Done():
			return nil
		}
	}
}

// orderKey is what messages are ordered by: the Kafka key. Messages without a
// key promise no order, so each gets a key of its own.
func orderKey(km *sarama.ConsumerMessage) string {
	if len(km.Key) == 0 {
		return fmt.Sprintf("\x00offset-%d", km.Offset)
	}
	return string(km.Key)
}

// deliver hands km to the router and waits until it is done: acked by the
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
func (h *groupHandler) deliver(ctx, drainCtx context.Context, km *sarama.ConsumerMessage) bool {
	for nacks := 0; ; {
		d := &kafkaclient.Delivery{Record: km}
		msg := kafkaclient.ToMessage(km)
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
		nacks++
		wait := h.redeliver.after(nacks)
		h.log.Warn("message nacked; redelivering", "topic", km.Topic, "partition", km.Partition,
			"offset", km.Offset, "key", string(km.Key), "nacks", nacks, "after", wait, "err", failed,
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
