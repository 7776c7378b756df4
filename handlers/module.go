package handlers

import (
	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/config"
)

// Module provides the pipeline's routes, built from the steps and the topics.
var Module = fx.Module("handlers",
	fx.Provide(func(cfg config.Config, gw PaymentGateway, ledger PaymentLedger) []Route {
		return Routes(cfg.Topics, Steps{
			Payments:      Payments{Gateway: gw},
			Shipping:      Shipping{Ledger: ledger},
			Notifications: Notifications{Ledger: ledger},
		})
	}),
)
