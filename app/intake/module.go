package intake

import (
	"log/slog"

	"github.com/ThreeDotsLabs/watermill/message"
	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/config"
)

// Module provides the order intake on the router's publisher.
var Module = fx.Module("intake", fx.Provide(
	func(pub message.Publisher, t config.Topics, h config.Handler, log *slog.Logger) (*Intake, error) {
		return New(Config{Publisher: pub, Topic: t.Orders, MaxBytes: int64(h.MaxMessageBytes), Logger: log})
	},
))
