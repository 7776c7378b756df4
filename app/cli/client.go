package cli

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/dig"
	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/logging"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
)

// connect is how a client command starts: the config loaded, then the
// brokers reached (reach).
func connect(ctx context.Context, load loader, io IO) (config.Config, kafkaclient.Conn, error) {
	cfg, err := load()
	if err != nil {
		return config.Config{}, kafkaclient.Conn{}, err
	}
	conn, err := reach(ctx, cfg, io)
	return cfg, conn, err
}

// start starts a and reports a failure by its root cause, not fx's whole chain.
func start(ctx context.Context, a *fx.App) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := a.Start(ctx); err != nil {
		return fmt.Errorf("start: %w", dig.RootCause(err))
	}
	return nil
}

// reach returns the brokers a client command dials, once one of them answers:
// a command fails within 2 × kafkaclient.StartTimeout, naming each address,
// rather than hang on brokers that are down or silent. With kafka.embedded the
// broker runs inside serve or demo, on the configured addresses. A
// configuration that does not check the brokers' certificates is warned about
// (on io.Err, as a log line) before anything is sent.
func reach(ctx context.Context, cfg config.Config, io IO) (kafkaclient.Conn, error) {
	if cfg.Kafka.TLS.InsecureSkipVerify {
		logging.New(cfg.Logging, io.Err).Warn("INSECURE: kafka.tls.insecure_skip_verify is set: the brokers' certificates are not checked, so anyone on the path can pose as a broker; for test clusters only")
	}
	conn, err := kafkaclient.Connect(cfg.Kafka.Brokers, cfg.Kafka)
	if err != nil {
		return kafkaclient.Conn{}, err
	}
	if err := kafkaclient.Probe(ctx, conn); err != nil {
		return kafkaclient.Conn{}, err
	}
	return conn, nil
}
