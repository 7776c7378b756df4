package broker

import (
	"context"
	"log/slog"

	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/messaging/kafka"
)

// Module provides the Brokers every client dials: the embedded cluster's when
// kafka.embedded is on (started here, stopped last), else the configured ones.
var Module = fx.Module("broker", fx.Provide(brokers))

func brokers(lc fx.Lifecycle, cfg config.Kafka, log *slog.Logger) (kafka.Brokers, error) {
	if !cfg.Embedded {
		return cfg.Brokers, nil
	}
	// Started here rather than in OnStart: the clients built next dial it at construction.
	e, err := Start(cfg)
	if err != nil {
		return nil, err
	}
	log.Info("embedded Kafka-protocol broker started; its data lives in memory only", "brokers", e.Addrs())
	lc.Append(fx.StopHook(func(context.Context) { e.Close() }))
	return e.Addrs(), nil
}
