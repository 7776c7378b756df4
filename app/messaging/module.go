package messaging

import (
	"context"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill/message"
	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/messaging/kafka"
)

// Module provides the publisher, the router and its readiness. It needs the
// kafka.Conn, the routes, a logger and its config sections from other modules.
var Module = fx.Module("messaging",
	fx.Provide(
		newPublisher,
		NewRouter,
		NewReadiness,
	),
)

// newPublisher is kafka.NewPublisher with its closing tied to the app's lifecycle.
func newPublisher(lc fx.Lifecycle, c kafka.Conn, log *slog.Logger) (message.Publisher, error) {
	pub, err := kafka.NewPublisher(c, kafka.WatermillLogger(log))
	if err != nil {
		return nil, err
	}
	lc.Append(fx.StopHook(func(context.Context) error { return pub.Close() }))
	return pub, nil
}
