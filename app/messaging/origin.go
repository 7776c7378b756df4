package messaging

import (
	"context"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill/message"
)

// origin is where a consumed message lay in Kafka. The dead-letter middleware
// copies it into the dead letter.
type origin struct {
	partition int32
	offset    int64
	timestamp time.Time
	key       []byte
}

type originCtx struct{}

func withOrigin(ctx context.Context, km *sarama.ConsumerMessage) context.Context {
	return context.WithValue(ctx, originCtx{}, origin{km.Partition, km.Offset, km.Timestamp, km.Key})
}

// originFrom returns where the message being handled with ctx came from.
func originFrom(ctx context.Context) (origin, bool) {
	o, ok := ctx.Value(originCtx{}).(origin)
	return o, ok
}

// KeyOf returns the Kafka key of a consumed message.
func KeyOf(msg *message.Message) (string, bool) {
	o, ok := originFrom(msg.Context())
	return string(o.key), ok
}
