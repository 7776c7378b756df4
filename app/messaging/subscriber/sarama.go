package subscriber

import (
	"context"
	"sync/atomic"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
)

// groupHandler runs the lanes on each partition a Sarama consumer group
// session claims.
type groupHandler struct {
	lanes    *lanes
	sessions *atomic.Int32
}

func (h *groupHandler) Setup(sarama.ConsumerGroupSession) error   { h.sessions.Add(1); return nil }
func (h *groupHandler) Cleanup(sarama.ConsumerGroupSession) error { h.sessions.Add(-1); return nil }

// ConsumeClaim runs the lanes on one partition until the session ends. Offsets
// marked before it returns are committed as the session is released.
func (h *groupHandler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	h.lanes.run(sess.Context(), saramaClaim{sess, claim})
	return nil
}

// saramaClaim is a partition claimed in a Sarama session.
type saramaClaim struct {
	sess  sarama.ConsumerGroupSession
	claim sarama.ConsumerGroupClaim
}

func (c saramaClaim) next(ctx context.Context) (inbound, bool) {
	select {
	case km, ok := <-c.claim.Messages():
		if !ok {
			return nil, false
		}
		return (*saramaRecord)(km), true
	case <-ctx.Done():
		return nil, false
	}
}

func (c saramaClaim) mark(next int64) {
	c.sess.MarkOffset(c.claim.Topic(), c.claim.Partition(), next, "")
}

// saramaRecord is a record Sarama fetched, as the lanes read it.
type saramaRecord sarama.ConsumerMessage

func (r *saramaRecord) offset() int64 { return r.Offset }
func (r *saramaRecord) key() string   { return orderKey(r.Key, r.Offset) }
func (r *saramaRecord) message() *message.Message {
	return kafkaclient.ToMessage((*sarama.ConsumerMessage)(r))
}
func (r *saramaRecord) delivery() *kafkaclient.Delivery {
	return kafkaclient.NewDelivery(kafkaclient.Origin{Partition: r.Partition, Offset: r.Offset, Timestamp: r.Timestamp})
}
func (r *saramaRecord) where() (string, int32, []byte) { return r.Topic, r.Partition, r.Key }
