package messaging

import (
	"context"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill/message"
	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/config"
)

// Module provides the publisher and the router. It needs Brokers, the routes
// and a logger from other modules.
var Module = fx.Module("messaging",
	fx.Provide(
		newPublisher,
		NewRouter,
		NewReadiness,
	),
)

// newPublisher is NewPublisher with its closing tied to the app's lifecycle.
func newPublisher(lc fx.Lifecycle, brokers Brokers, cfg config.Config, log *slog.Logger) (message.Publisher, error) {
	pub, err := NewPublisher(brokers, cfg.Kafka, WatermillLogger(log))
	if err != nil {
		return nil, err
	}
	lc.Append(fx.StopHook(func(context.Context) error { return pub.Close() }))
	return pub, nil
}
