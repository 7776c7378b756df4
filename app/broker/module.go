package broker

import (
	"context"
	"log/slog"

	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
)

// Module provides the one kafkaclient.Conn every client reaches the brokers with:
// the embedded cluster's when kafka.embedded is on (started here, stopped
// last), else the configured brokers.
var Module = fx.Module("broker", fx.Provide(connect))

func connect(lc fx.Lifecycle, cfg config.Kafka, log *slog.Logger) (kafkaclient.Conn, error) {
	if !cfg.Embedded {
		return kafkaclient.Connect(cfg.Brokers, cfg)
	}
	// Started here rather than in OnStart: the clients built next dial it at construction.
	e, err := Start(cfg)
	if err != nil {
		return kafkaclient.Conn{}, err
	}
	log.Info("embedded Kafka-protocol broker started; its data lives in memory only", "brokers", e.Addrs())
	lc.Append(fx.StopHook(func(context.Context) { e.Close() }))
	return kafkaclient.Connect(e.Addrs(), cfg)
}
