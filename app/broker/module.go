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
	brokers, err := brokers(lc, cfg, log)
	if err != nil {
		return kafkaclient.Conn{}, err
	}
	c, err := kafkaclient.Connect(brokers, cfg)
	return c.WithLogger(log), err
}

// brokers are the configured brokers, or the embedded cluster's once started.
func brokers(lc fx.Lifecycle, cfg config.Kafka, log *slog.Logger) (kafkaclient.Brokers, error) {
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
