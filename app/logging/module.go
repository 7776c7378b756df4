package logging

import (
	"log/slog"
	"os"

	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/config"
)

// Module provides the process's *slog.Logger, writing to stderr.
var Module = fx.Module("logging",
	fx.Provide(func(cfg config.Logging) *slog.Logger { return New(cfg, os.Stderr) }),
)
