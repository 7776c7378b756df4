package intake

import (
	"log/slog"

	"github.com/ThreeDotsLabs/watermill/message"
	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/httpserver"
	"github.com/orderflow/orderflow/handlers"
)

// Module provides the order intake on the router's publisher, asking the
// payment gateway's ledger about order IDs already taken, as POST /orders on
// the HTTP server.
var Module = fx.Module("intake", fx.Provide(
	func(pub message.Publisher, t config.Topics, h config.Handler, ledger handlers.PaymentLedger, log *slog.Logger) (*Intake, error) {
		return New(Config{Publisher: pub, Topic: t.Orders, MaxBytes: int64(h.MaxMessageBytes), Ledger: ledger, Logger: log})
	},
	httpserver.AsRoute(func(in *Intake) httpserver.Route { return httpserver.Route{Pattern: "POST /orders", Handler: in} }),
))
