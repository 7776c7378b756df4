package metrics

import "go.uber.org/fx"

// Module provides the process's *Metrics.
var Module = fx.Module("metrics", fx.Provide(New))
