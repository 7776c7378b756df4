package gateway

import (
	"context"

	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/metrics"
	"github.com/orderflow/orderflow/handlers"
)

// Module provides the simulated PaymentGateway and its PaymentLedger, each
// call timed in the metrics, and the Store behind them.
var Module = fx.Module("gateway",
	fx.Provide(
		newStore,
		fx.Annotate(
			func(g config.Gateway, f config.Faults, s Store, m *metrics.Metrics) Instrumented {
				return Instrumented{Gateway: NewSimulator(g, f, s), Metrics: m}
			},
			fx.As(new(handlers.PaymentGateway)),
			fx.As(new(handlers.PaymentLedger)),
		),
	),
)

func newStore(lc fx.Lifecycle, cfg config.Gateway) (Store, error) {
	s, err := OpenStore(cfg.StorePath, cfg.MemoryRecords)
	if err != nil {
		return nil, err
	}
	lc.Append(fx.StopHook(func(context.Context) error { return s.Close() }))
	return s, nil
}
