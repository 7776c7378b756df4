package kafkaclient

import (
	"context"
	"time"

	"github.com/IBM/sarama"
)

// Origin is where a consumed message lay in Kafka. The subscriber puts it in
// the message's context, as watermill-kafka's own subscriber puts partition
// and offset there; the dead-letter middleware copies it into the letter.
type Origin struct {
	Partition int32
	Offset    int64
	Timestamp time.Time
}

type originCtx struct{}

// WithOrigin returns ctx carrying where km lay.
func WithOrigin(ctx context.Context, km *sarama.ConsumerMessage) context.Context {
	// The record itself, not an Origin: a pointer goes into the context
	// without an allocation of its own.
	return context.WithValue(ctx, originCtx{}, km)
}

// OriginFrom returns where the message being handled with ctx came from.
func OriginFrom(ctx context.Context) (Origin, bool) {
	km, ok := ctx.Value(originCtx{}).(*sarama.ConsumerMessage)
	if !ok {
		return Origin{}, false
	}
	return Origin{km.Partition, km.Offset, km.Timestamp}, true
}
