package messaging

import (
	"context"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"
	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/messaging/subscriber"
	"github.com/orderflow/orderflow/app/metrics"
)

// The transport is what kafka.client names: the publisher the steps share
// and the subscriber of each step's consumer group.
//
//   - franz: orderflow's franz-go Producer and subscriber.Subscriber (keyed
//     lanes, the offset window, completion tokens), or subscriber.Transact
//     with delivery.guarantee exactly_once.
//   - watermill-kafka: watermill-kafka/v3's own kafka.Publisher and
//     kafka.Subscriber, configured and nothing more (Conn.Sarama,
//     kafkaclient.Marshaler): the reference a Watermill user would write.
//     At least once, one message of a partition in flight, a publish waits
//     for the brokers.

// Subscribers makes the subscriber of one step's consumer group.
type Subscribers func(step string) (message.Subscriber, error)

// newPublisher is the steps' publisher on the transport kafka.client names,
// its closing tied to the app's lifecycle.
func newPublisher(lc fx.Lifecycle, c kafkaclient.Conn, log *slog.Logger) (message.Publisher, error) {
	var pub message.Publisher
	var err error
	if c.Kafka.Client == config.ClientWatermillKafka {
		pub, err = kafka.NewPublisher(kafka.PublisherConfig{
			Brokers: c.Brokers, Marshaler: kafkaclient.Marshaler{}, OverwriteSaramaConfig: c.Sarama(),
		}, kafkaclient.WatermillLogger(log))
	} else {
		pub, err = kafkaclient.NewProducer(c)
	}
	if err != nil {
		return nil, err
	}
	lc.Append(fx.StopHook(func(context.Context) error { return pub.Close() }))
	return pub, nil
}

// SubscribersParams is what newSubscribers needs.
type SubscribersParams struct {
	fx.In

	Conn     kafkaclient.Conn
	Handler  config.Handler
	Delivery config.Delivery
	Logger   *slog.Logger
	Metrics  *metrics.Metrics `optional:"true"` // nil: no metrics
	// Shutdowner ends the process (exit 1) when the brokers refuse a group
	// or exactly-once delivery cannot go on.
	Shutdowner fx.Shutdowner `optional:"true"`
	// TxnPoint is the fault tests' hook into each transaction
	// (subscriber.Transactions.Point); nil everywhere else.
	TxnPoint func(point string) `name:"txn_point" optional:"true"`
}

// newSubscribers makes each step's subscriber on the transport kafka.client
// names, its metrics at 0 from the start.
func newSubscribers(p SubscribersParams) Subscribers {
	if p.Conn.Kafka.Client == config.ClientWatermillKafka {
		return func(step string) (message.Subscriber, error) {
			p.Metrics.InitHandler(step, deadLetterKinds)
			return kafka.NewSubscriber(kafka.SubscriberConfig{
				Brokers: p.Conn.Brokers, Unmarshaler: kafkaclient.Marshaler{}, OverwriteSaramaConfig: p.Conn.Sarama(),
				ConsumerGroup: p.Conn.Kafka.Group(step),
			}, kafkaclient.WatermillLogger(p.Logger))
		}
	}
	stop := func(msg string, err error) {
		p.Logger.Error(msg, "err", err)
		if p.Shutdowner != nil {
			_ = p.Shutdowner.Shutdown(fx.ExitCode(1))
		}
	}
	return func(step string) (message.Subscriber, error) {
		p.Metrics.InitHandler(step, deadLetterKinds)
		group := p.Conn.Kafka.Group(step)
		cfg := subscriber.Config{
			Group: group, MaxInFlight: p.Handler.MaxInFlight, DrainTimeout: p.Handler.CloseTimeout, Logger: p.Logger,
			Settled: p.Metrics.Handler(step).Settled,
			Refused: func(err error) {
				stop("the brokers refuse this consumer group: stopping", kafkaclient.ExplainDenied(err, p.Conn.Kafka))
			},
		}
		if p.Delivery.Guarantee != config.ExactlyOnce {
			return subscriber.New(cfg, p.Conn.Franz())
		}
		cfg.Ended = p.Metrics.Handler(step).TransactionEnded
		cfg.Fatal = func(err error) { stop("exactly-once delivery cannot go on: stopping", err) }
		return subscriber.NewTransact(cfg, p.Conn.Franz(), subscriber.Transactions{
			ID:      TransactionalID(p.Conn.Kafka.ClientID, p.Delivery.Instance, group),
			Members: p.Delivery.ConcurrentTransactions,
			Records: p.Delivery.TransactionRecords,
			Window:  p.Delivery.TransactionWindow,
			Point:   p.TxnPoint,
		})
	}
}
