package messaging

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/messaging/codec"
	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/messaging/handling"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/metrics"
	"github.com/orderflow/orderflow/app/schemas"
)

// RouterParams is what NewRouter builds the router from.
type RouterParams struct {
	fx.In

	Kafka       config.Kafka
	Topics      config.Topics
	Retry       config.Retry
	Handler     config.Handler
	Faults      config.Faults
	Routes      []Route
	Publisher   message.Publisher
	Subscribers Subscribers
	Logger      *slog.Logger
	Metrics     *metrics.Metrics     `optional:"true"` // nil: no metrics
	Tracer      trace.TracerProvider `optional:"true"` // nil: no spans; trace context still carried
	Schemas     config.Schemas       `optional:"true"`
	// Catalog is the schema registry's, with schemas.registry_url; nil:
	// none, and payloads are plain JSON without schema headers.
	Catalog *schemas.Catalog `optional:"true"`
}

// NewRouter builds the router: one Watermill handler per route, each consuming
// in a group named after it (after kafka.group_prefix), all sharing the publisher and the middleware
// chain. The subscribers come back too, for readiness.
func NewRouter(p RouterParams) (*message.Router, []message.Subscriber, error) {
	router, err := message.NewRouter(routerConfig(p.Handler), kafkaclient.WatermillLogger(p.Logger))
	if err != nil {
		return nil, nil, fmt.Errorf("router: %w", err)
	}
	// Watermill closes a handler's publisher when the handler stops; the
	// publisher is shared and outlives the router, so it is closed by its owner.
	shared := keepOpen{p.Publisher}
	chain, err := p.chain(router, shared, kafkaclient.MaxRecordBytes)
	if err != nil {
		return nil, nil, err
	}
	router.AddMiddleware(handling.Chain(chain)...)
	wire := codec.NewWire(p.Catalog, p.Schemas)
	subs := make([]message.Subscriber, 0, len(p.Routes))
	for _, r := range p.Routes {
		sub, err := p.Subscribers(r.Name)
		if err != nil {
			return nil, nil, err
		}
		h := router.AddHandler(r.Name, r.From, sub, r.To, shared, handlerFunc(r, p.Handler.MaxMessageBytes, wire))
		h.AddMiddleware(handling.Chaos(p.Faults.ErrorRate[r.Name])...)
		subs = append(subs, sub)
	}
	return router, subs, nil
}

// routerConfig is the router's configuration. The router waits a little
// longer than the subscribers drain (both bounded by handler.close_timeout),
// so a drain that takes all its time still ends cleanly rather than as the
// router's close timeout. Each handler keeps the goroutines that handled a
// message to handle the next (third_party/watermill's patch, README): a
// goroutine per message grew its stack through the middleware chain anew
// every time.
func routerConfig(h config.Handler) message.RouterConfig {
	return message.RouterConfig{CloseTimeout: h.CloseTimeout + routerCloseMargin, IdleHandlerGoroutines: idleHandlerGoroutines}
}

// idleHandlerGoroutines is how many goroutines a handler keeps parked
// between messages: enough for the messages one step has in flight at 12
// partitions.
const idleHandlerGoroutines = 256

// chain configures the middleware every handler runs behind: its dead letters
// published by the shared publisher, and with metrics Watermill's own handler
// and publish timings (messages received are counted by the subscriber).
func (p RouterParams) chain(router *message.Router, shared message.Publisher, maxBytes int) (handling.ChainConfig, error) {
	dl, err := handling.NewDeadLetter(handling.DeadLetterConfig{
		Publisher: shared, Topic: p.Topics.DeadLetter, Kafka: p.Kafka, MaxBytes: maxBytes, Logger: p.Logger, Metrics: p.Metrics,
	})
	if err != nil {
		return handling.ChainConfig{}, err
	}
	c := handling.ChainConfig{Retry: p.Retry, Timeout: p.Handler.Timeout, DeadLetter: dl, Logger: p.Logger,
		Metrics: p.Metrics, Tracer: p.Tracer, InjectFaults: p.Faults.Inject}
	if p.Metrics != nil {
		router.AddPublisherDecorators(handling.TimePublishes(p.Metrics))
	}
	return c, nil
}

// TransactionalID is what the transactional IDs of one step (group) of one
// process (instance, or the host name when empty) begin with; each of the
// step's concurrent transactions adds -0, -1, … (subscriber.Transact). They
// are stable across the process's restarts, so a restarted process fences
// its predecessor and aborts the transactions it left open, and unique among
// the processes running at once.
func TransactionalID(clientID, instance, group string) string {
	if instance == "" {
		instance, _ = os.Hostname()
	}
	return clientID + "-" + instance + "-" + group
}

// deadLetterKinds are the kinds every handler's dead-letter counter starts with.
var deadLetterKinds = func() []string {
	var kinds []string
	for _, k := range deadletter.Kinds() {
		kinds = append(kinds, string(k))
	}
	return kinds
}()

// groups maps each route's consumer group (named after the route, after
// kafka.group_prefix) to the topic it consumes.
func groups(routes []Route, k config.Kafka) map[string]string {
	g := make(map[string]string, len(routes))
	for _, r := range routes {
		g[k.Group(r.Name)] = r.From
	}
	return g
}

// routerCloseMargin is what the router adds to handler.close_timeout.
const routerCloseMargin = 5 * time.Second

// keepOpen is a publisher whose Close does nothing.
type keepOpen struct{ message.Publisher }

func (keepOpen) Close() error { return nil }
