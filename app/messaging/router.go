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
	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/messaging/handling"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/messaging/subscriber"
	"github.com/orderflow/orderflow/app/metrics"
)

// RouterParams is what NewRouter builds the router from.
type RouterParams struct {
	fx.In

	Topics    config.Topics
	Retry     config.Retry
	Handler   config.Handler
	Delivery  config.Delivery
	Faults    config.Faults
	Conn      kafkaclient.Conn
	Routes    []Route
	Publisher message.Publisher
	Logger    *slog.Logger
	Metrics   *metrics.Metrics     `optional:"true"` // nil: no metrics
	Tracer    trace.TracerProvider `optional:"true"` // nil: no spans; trace context still carried
	// Shutdowner ends the process (exit 1) when the brokers refuse a group.
	Shutdowner fx.Shutdowner `optional:"true"`
}

// NewRouter builds the router: one Watermill handler per route, each consuming
// in a group named after it, all sharing the publisher and the middleware
// chain. The subscribers come back too, for readiness.
func NewRouter(p RouterParams) (*message.Router, []subscriber.Member, error) {
	// The router waits a little longer than the subscribers drain (both bounded
	// by handler.close_timeout), so a drain that takes all its time still ends
	// cleanly rather than as the router's close timeout.
	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: p.Handler.CloseTimeout + routerCloseMargin}, kafkaclient.WatermillLogger(p.Logger))
	if err != nil {
		return nil, nil, fmt.Errorf("router: %w", err)
	}
	// Watermill closes a handler's publisher when the handler stops; the
	// publisher is shared and outlives the router, so it is closed by its owner.
	shared := keepOpen{p.Publisher}
	chain, err := p.chain(router, shared, p.Conn.Sarama().Producer.MaxMessageBytes)
	if err != nil {
		return nil, nil, err
	}
	router.AddMiddleware(handling.Chain(chain)...)
	subs := make([]subscriber.Member, 0, len(p.Routes))
	for _, r := range p.Routes {
		sub, err := p.subscriber(r.Name)
		if err != nil {
			return nil, nil, err
		}
		h := router.AddHandler(r.Name, r.From, sub, r.To, shared, handlerFunc(r, p.Handler.MaxMessageBytes))
		h.AddMiddleware(handling.Chaos(p.Faults.ErrorRate[r.Name])...)
		subs = append(subs, sub)
	}
	return router, subs, nil
}

// chain configures the middleware every handler runs behind: its dead letters
// published by the shared publisher, and with metrics Watermill's own handler
// and publish timings (messages received are counted by the subscriber).
func (p RouterParams) chain(router *message.Router, shared message.Publisher, maxBytes int) (handling.ChainConfig, error) {
	dl, err := handling.NewDeadLetter(handling.DeadLetterConfig{
		Publisher: shared, Topic: p.Topics.DeadLetter, MaxBytes: maxBytes, Logger: p.Logger, Metrics: p.Metrics,
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

// subscriber is the keyed subscriber of one step's consumer group, on the
// client kafka.client names, its metrics at 0 from the start. If the brokers
// refuse the group (ACLs), it stops the process with exit 1.
func (p RouterParams) subscriber(group string) (subscriber.Member, error) {
	cfg := subscriber.Config{
		Brokers: p.Conn.Brokers, Sarama: p.Conn.Sarama(), Group: group,
		MaxInFlight: p.Handler.MaxInFlight, DrainTimeout: p.Handler.CloseTimeout, Logger: p.Logger,
		Settled: p.Metrics.Handler(group).Settled,
		Refused: func(err error) {
			p.Logger.Error("the brokers refuse this consumer group: stopping", "err", kafkaclient.ExplainDenied(err, p.Conn.Kafka))
			if p.Shutdowner != nil {
				_ = p.Shutdowner.Shutdown(fx.ExitCode(1))
			}
		},
	}
	p.Metrics.InitHandler(group, deadLetterKinds)
	if p.Conn.Kafka.Client != config.ClientFranz {
		return subscriber.New(cfg)
	}
	opts, err := p.Conn.Franz(p.Logger)
	if err != nil {
		return nil, err
	}
	if p.Delivery.Guarantee != config.ExactlyOnce {
		return subscriber.NewFranz(cfg, opts)
	}
	cfg.Ended = p.Metrics.Handler(group).TransactionEnded
	cfg.Fatal = func(err error) {
		p.Logger.Error("exactly-once delivery cannot go on: stopping", "err", err)
		if p.Shutdowner != nil {
			_ = p.Shutdowner.Shutdown(fx.ExitCode(1))
		}
	}
	return subscriber.NewTransact(cfg, opts, subscriber.Transactions{
		ID:      TransactionalID(p.Conn.Kafka.ClientID, p.Delivery.Instance, group),
		Members: p.Delivery.ConcurrentTransactions,
		Records: p.Delivery.TransactionRecords,
		Window:  p.Delivery.TransactionWindow,
	})
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

// groups maps each route's consumer group (named after the route) to the
// topic it consumes.
func groups(routes []Route) map[string]string {
	g := make(map[string]string, len(routes))
	for _, r := range routes {
		g[r.Name] = r.From
	}
	return g
}

// routerCloseMargin is what the router adds to handler.close_timeout.
const routerCloseMargin = 5 * time.Second

// keepOpen is a publisher whose Close does nothing.
type keepOpen struct{ message.Publisher }

func (keepOpen) Close() error { return nil }
