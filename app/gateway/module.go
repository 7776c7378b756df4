package gateway

import (
	"context"

	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/gatewayhttp"
	"github.com/orderflow/orderflow/app/metrics"
	"github.com/orderflow/orderflow/handlers"
)

// Module provides the PaymentGateway and its PaymentLedger, each call timed
// in the metrics: with gateway.url, the gateway service reached over HTTP
// (it keeps the records); without, the simulator in-process over its Store
// (with faults.inject, decorated with the faults seed asks for).
var Module = fx.Module("gateway",
	fx.Provide(
		fx.Annotate(
			newPort,
			fx.As(new(handlers.PaymentGateway)),
			fx.As(new(handlers.PaymentLedger)),
		),
	),
)

// newPort returns the gateway the steps call, timed.
func newPort(lc fx.Lifecycle, g config.Gateway, f config.Faults, m *metrics.Metrics) (Instrumented, error) {
	if g.URL != "" {
		c := gatewayhttp.NewClient(g.URL, g.MaxConnections)
		lc.Append(fx.StopHook(c.Close))
		return Instrumented{Gateway: c, Metrics: m}, nil
	}
	s, err := OpenStore(g.StorePath, g.MemoryRecords)
	if err != nil {
		return Instrumented{}, err
	}
	lc.Append(fx.StopHook(func(context.Context) error { return s.Close() }))
	if f.Inject {
		s = WithFaults(s, f)
	}
	return Instrumented{Gateway: NewSimulator(g, s), Metrics: m}, nil
}
