package gateway

import (
	"context"

	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/metrics"
	"github.com/orderflow/orderflow/handlers"
)

// Module provides the simulated PaymentGateway and its PaymentLedger, each
// call timed in the metrics, and the Store behind them (with faults.inject,
// decorated with the faults seed asks for).
var Module = fx.Module("gateway",
	fx.Provide(
		newStore,
		fx.Annotate(
			func(g config.Gateway, s Store, m *metrics.Metrics) Instrumented {
				return Instrumented{Gateway: NewSimulator(g, s), Metrics: m}
			},
			fx.As(new(handlers.PaymentGateway)),
			fx.As(new(handlers.PaymentLedger)),
		),
	),
)

// newStore opens the store; with faults.inject on, decorated with the faults
// seed asks for.
func newStore(lc fx.Lifecycle, cfg config.Gateway, f config.Faults) (Store, error) {
	s, err := OpenStore(cfg.StorePath, cfg.MemoryRecords)
	if err != nil {
		return nil, err
	}
	lc.Append(fx.StopHook(func(context.Context) error { return s.Close() }))
	if f.Inject {
		return WithFaults(s, f), nil
	}
	return s, nil
}
