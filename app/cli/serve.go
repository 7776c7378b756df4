package cli

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/app/config"
)

// Serve runs the pipeline until the first SIGINT or SIGTERM, then stops taking
// messages, finishes and commits those in flight, and returns. A second signal
// cuts the drain short: exit 130. It runs on kafka.brokers, and fails fast,
// naming them, when none answers; an in-memory broker only when asked for one
// (--embedded or kafka.embedded), for the zero-setup tour. It refuses to keep
// the gateway's idempotency records only in its memory: gateway.url or
// gateway.store_path must be set.
func Serve(ctx context.Context, args []string, io IO) error {
	fs, load := flags("serve", io)
	fs.Usage = func() {
		fmt.Fprintln(io.Err, "Usage: orderflow serve [--config FILE] [--embedded] [--inject-faults]")
		fs.PrintDefaults()
	}
	embedded := fs.Bool("embedded", false, "host an in-memory broker on kafka.brokers (kafka.embedded): its data is gone at exit")
	inject := fs.Bool("inject-faults", false, "honour the faults seed asks for (faults.inject): test machinery")
	cfg, err := load(args, func(c *config.Config) { // validated with them: --embedded and TLS do not go together
		c.Kafka.Embedded = c.Kafka.Embedded || *embedded
		c.Faults.Inject = c.Faults.Inject || *inject
	})
	if err != nil {
		return err
	}
	if err := cfg.Gateway.KeepsRecords(); err != nil {
		return err
	}
	if !cfg.Kafka.Embedded {
		if _, err := reach(ctx, cfg, io); err != nil {
			return err
		}
	}
	a := fx.New(app.Options(cfg), fx.Options(io.App...))
	if err := start(ctx, a); err != nil {
		return err
	}
	// fx and ctx both hear the first signal; a.Wait also ends when the router
	// stops on its own, with a non-zero code.
	code := 0
	select {
	case <-ctx.Done():
	case sig := <-a.Wait():
		code = sig.ExitCode
	}
	fmt.Fprintln(io.Err, "stopping: finishing messages in flight (signal again to exit now)")
	// The router waits up to handler.close_timeout for messages in flight;
	// stopping as a whole gets 10 s more for the rest (commits, the publisher).
	stopCtx, cancel := context.WithTimeout(io.Abort, cfg.Handler.CloseTimeout+10*time.Second)
	defer cancel()
	if err := a.Stop(stopCtx); err != nil {
		if io.Abort.Err() != nil {
			return exitCode(130)
		}
		return err
	}
	if code != 0 {
		return exitCode(code)
	}
	return nil
}
