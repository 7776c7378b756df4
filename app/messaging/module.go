package messaging

import (
	"context"

	"github.com/ThreeDotsLabs/watermill/message"
	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
)

// Module provides the publisher, the router and its readiness. It needs the
// kafkaclient.Conn, the routes, a logger and its config sections from other modules.
var Module = fx.Module("messaging",
	fx.Provide(
		newPublisher,
		NewRouter,
		NewReadiness,
	),
)

// newPublisher is kafkaclient.NewPublisher with its closing tied to the app's lifecycle.
func newPublisher(lc fx.Lifecycle, c kafkaclient.Conn) (message.Publisher, error) {
	pub, err := kafkaclient.NewPublisher(c)
	if err != nil {
		return nil, err
	}
	lc.Append(fx.StopHook(func(context.Context) error { return pub.Close() }))
	return pub, nil
}
