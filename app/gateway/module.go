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
		var remote RemoteGateway = c
		if f.Inject {
			remote = WithRemoteFaults(c)
		}
		return Instrumented{Gateway: remote, Metrics: m}, nil
	}
	s, err := Open(g, f)
	if err != nil {
		return Instrumented{}, err
	}
	lc.Append(fx.StopHook(func(context.Context) error { return s.Close() }))
	return Instrumented{Gateway: NewSimulator(g, s), Metrics: m}, nil
}

// Open opens the store g names (gateway.store_path, else memory); with
// faults.inject on, decorated with the faults seed asks for. Serve's
// in-process simulator and the gateway command both keep their records in it.
func Open(g config.Gateway, f config.Faults) (Store, error) {
	s, err := OpenStore(g.StorePath, g.MemoryRecords)
	if err != nil {
		return nil, err
	}
	if f.Inject {
		return WithFaults(s, f), nil
	}
	return s, nil
}
