package tracing

import (
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/config"
)

// Module provides the tracer provider, flushed and stopped with the app.
var Module = fx.Module("tracing", fx.Provide(
	func(lc fx.Lifecycle, cfg config.Tracing) (trace.TracerProvider, error) {
		tp, shutdown, err := NewProvider(cfg)
		if err != nil {
			return nil, err
		}
		lc.Append(fx.StopHook(shutdown))
		return tp, nil
	},
))
