package intake

import (
	"log/slog"

	"github.com/ThreeDotsLabs/watermill/message"
	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/httpserver"
	"github.com/orderflow/orderflow/app/messaging/codec"
	"github.com/orderflow/orderflow/app/schemas"
	"github.com/orderflow/orderflow/handlers"
)

// Module provides the order intake on the router's publisher, asking the
// payment gateway's ledger about order IDs already taken, as POST /orders on
// the HTTP server.
var Module = fx.Module("intake", fx.Provide(
	provideIntake,
	httpserver.AsRoute(func(in *Intake) httpserver.Route { return httpserver.Route{Pattern: "POST /orders", Handler: in} }),
))

// params is what the intake takes from the app.
type params struct {
	fx.In

	Publisher message.Publisher
	Topics    config.Topics
	Handler   config.Handler
	Ledger    handlers.PaymentLedger
	Logger    *slog.Logger
	Schemas   config.Schemas   `optional:"true"`
	Catalog   *schemas.Catalog `optional:"true"` // nil: no schema registry
}

func provideIntake(p params) (*Intake, error) {
	return New(Config{Publisher: p.Publisher, Topic: p.Topics.Orders, MaxBytes: int64(p.Handler.MaxMessageBytes), Ledger: p.Ledger,
		Logger: p.Logger, Wire: codec.NewWire(p.Catalog, p.Schemas)})
}
