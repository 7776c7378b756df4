package messaging

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"testing"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/gateway"
	"github.com/orderflow/orderflow/app/messaging/codec"
	"github.com/orderflow/orderflow/app/messaging/handling"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/metrics"
	"github.com/orderflow/orderflow/app/seed"
	"github.com/orderflow/orderflow/app/tracing"
	"github.com/orderflow/orderflow/events"
	"github.com/orderflow/orderflow/handlers"
)

// hop is one message-hop as the router runs it, minus Kafka: the payments
// step behind the real middleware chain and codec, its output marshalled to
// the record the producer would send. In memory: ns/op, B/op and allocs/op
// are the framework's and the step's own cost per message.
type hop struct {
	handle  message.HandlerFunc
	inputs  []*message.Message
	charged int
}

func newHop(b *testing.B, n int) *hop {
	cfg := config.Default()
	log := slog.New(slog.DiscardHandler)
	gw := gateway.NewSimulator(cfg.Gateway, gateway.NewMemoryStore(n+1))
	pub := gochannel.NewGoChannel(gochannel.Config{}, watermill.NopLogger{}) // no subscriber: publishes go nowhere
	dl, err := handling.NewDeadLetter(handling.DeadLetterConfig{Publisher: pub, Topic: "dlq", MaxBytes: 1 << 20, Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	route := Route{Name: config.StepPayments, DefaultType: events.TypeOrderPlaced, Handle: handlers.Typed(handlers.Payments{Gateway: gw}.Handle)}
	h := handlerFunc(route, cfg.Handler.MaxMessageBytes, codec.Wire{})
	mw := handling.Chain(handling.ChainConfig{Retry: cfg.Retry, Timeout: cfg.Handler.Timeout, DeadLetter: dl, Logger: log, Metrics: metrics.New()})
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	hp := &hop{handle: h}
	for i := range n {
		msg, err := codec.NewEventMessage(seed.Order(fmt.Sprintf("order-%d", i), rng), "corr")
		if err != nil {
			b.Fatal(err)
		}
		tracing.Inject(tracing.Start(context.Background()), msg) // as seed sends them
		hp.inputs = append(hp.inputs, msg)
	}
	return hp
}

// BenchmarkHop: go test ./app/messaging -run '^$' -bench Hop -benchmem
func BenchmarkHop(b *testing.B) {
	hp := newHop(b, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		msg := hp.inputs[i].Copy() // as consumed: a fresh message, its own metadata
		msg.SetContext(context.Background())
		out, err := hp.handle(msg)
		if err != nil || len(out) != 1 {
			b.Fatalf("hop: %v, %d outputs", err, len(out))
		}
		if _, err := kafkaclient.FranzRecord("payments", out[0]); err != nil {
			b.Fatal(err)
		}
	}
}
