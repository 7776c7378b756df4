package messaging

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/gateway"
	"github.com/orderflow/orderflow/app/messaging/codec"
	"github.com/orderflow/orderflow/app/messaging/handling"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/messaging/subscriber"
	"github.com/orderflow/orderflow/app/metrics"
	"github.com/orderflow/orderflow/app/seed"
	"github.com/orderflow/orderflow/app/tracing"
	"github.com/orderflow/orderflow/events"
	"github.com/orderflow/orderflow/handlers"
)

// BenchmarkPipeline is one step as the service runs it, minus the network:
// records of the orders topic, as the producer writes them, dealt by the
// subscriber's claim handler (keyed lanes, offset window, one goroutine per
// message) to a Watermill router running the payments step behind the
// middleware chain NewRouter builds (metrics on), its outputs marshalled to
// records by a publisher that stops there. An op is one message-hop, from the
// record to its offset marked. BenchmarkHop is the handler and chain alone.
//
//	go test ./app/messaging -run '^$' -bench Pipeline -benchmem
func BenchmarkPipeline(b *testing.B) {
	const partitions = 4
	cfg := config.Default()
	log := slog.New(slog.DiscardHandler)
	m := metrics.New()
	pub := &marshalOnly{}

	// 4,096 orders, dealt round again as often as b.N needs (a repeat is
	// charged idempotently): a record per op would make the heap, and so the
	// GC's share of an op, grow with b.N.
	const orders = 4096
	pool := make([]*kgo.Record, orders)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range pool {
		pool[i] = consumed(b, "orders", fmt.Sprintf("order-%d", i), rng)
	}
	records := make([][]*kgo.Record, partitions)
	for i := range b.N {
		p := i % partitions
		r := *pool[i%orders]
		r.Partition, r.Offset = int32(p), int64(len(records[p]))
		records[p] = append(records[p], &r)
	}

	router, err := message.NewRouter(routerConfig(cfg.Handler), watermill.NopLogger{})
	if err != nil {
		b.Fatal(err)
	}
	rp := RouterParams{Topics: cfg.Topics, Retry: cfg.Retry, Handler: cfg.Handler, Faults: cfg.Faults, Logger: log, Metrics: m}
	chain, err := rp.chain(router, pub, 1<<20)
	if err != nil {
		b.Fatal(err)
	}
	router.AddMiddleware(handling.Chain(chain)...)
	sub, err := subscriber.New(subscriber.Config{
		Group:       config.StepPayments,
		MaxInFlight: cfg.Handler.MaxInFlight, Logger: log, Settled: m.Handler(config.StepPayments).Settled,
	}, []kgo.Opt{kgo.SeedBrokers("in-memory")})
	if err != nil {
		b.Fatal(err)
	}
	out := make(chan *message.Message)
	gw := gateway.NewSimulator(cfg.Gateway, gateway.NewMemoryStore(orders))
	route := Route{Name: config.StepPayments, DefaultType: events.TypeOrderPlaced, Handle: handlers.Typed(handlers.Payments{Gateway: gw}.Handle)}
	router.AddHandler(route.Name, "orders", fixedSubscriber{out}, "payments", pub, handlerFunc(route, cfg.Handler.MaxMessageBytes, codec.Wire{}))
	go func() { _ = router.Run(context.Background()) }()
	<-router.Running()
	defer router.Close()

	ctx, endSession := context.WithCancel(context.Background())
	defer endSession()
	sessions := make([]*markSession, partitions)
	for p := range partitions {
		sessions[p] = &markSession{ctx: ctx, want: int64(len(records[p])), done: make(chan struct{})}
		if len(records[p]) == 0 {
			close(sessions[p].done)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	var wg sync.WaitGroup
	for p := range partitions {
		msgs := make(chan *kgo.Record, len(records[p]))
		for _, r := range records[p] {
			msgs <- r
		}
		wg.Go(func() { sub.RunPartition(ctx, out, msgs, sessions[p].mark) })
	}
	for _, s := range sessions {
		<-s.done
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op") // both cores' work
	endSession()
	wg.Wait()
	close(out) // the router's handler ends with its subscription
	if got := pub.published.Load(); got != int64(b.N) {
		b.Fatalf("%d outputs for %d inputs", got, b.N)
	}
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// consumed is an order as the consumer reads it: the record the producer
// wrote for seed's message.
func consumed(b *testing.B, topic string, id string, rng *rand.Rand) *kgo.Record {
	msg, err := codec.NewEventMessage(seed.Order(id, rng), "corr-"+id)
	if err != nil {
		b.Fatal(err)
	}
	tracing.Inject(tracing.Start(context.Background()), msg)
	r, err := kafkaclient.FranzRecord(topic, kafkaclient.WithKey(msg, id))
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// marshalOnly is a publisher that builds each record and stops there.
type marshalOnly struct{ published atomic.Int64 }

func (p *marshalOnly) Publish(topic string, msgs ...*message.Message) error {
	for _, m := range msgs {
		if _, err := kafkaclient.FranzRecord(topic, m); err != nil {
			return err
		}
	}
	p.published.Add(int64(len(msgs)))
	return nil
}

func (*marshalOnly) Close() error { return nil }

// fixedSubscriber hands the router one channel, whatever the topic.
type fixedSubscriber struct{ out chan *message.Message }

func (s fixedSubscriber) Subscribe(context.Context, string) (<-chan *message.Message, error) {
	return s.out, nil
}
func (fixedSubscriber) Close() error { return nil }

// markSession is one partition's run: done closes once the offset after
// the want-th record is marked.
type markSession struct {
	ctx  context.Context
	want int64
	once sync.Once
	done chan struct{}
}

func (s *markSession) mark(next int64) {
	if next == s.want {
		s.once.Do(func() { close(s.done) })
	}
}
