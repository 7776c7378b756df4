package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/gateway"
	"github.com/orderflow/orderflow/app/gatewayhttp"
	"github.com/orderflow/orderflow/app/httpserver"
	"github.com/orderflow/orderflow/app/logging"
)

func newGateway(io IO, load loader) *cobra.Command {
	var inject bool
	cmd := &cobra.Command{
		Use:   "gateway",
		Short: "Serve the payment gateway simulator over HTTP",
		Long: `gateway serves the payment gateway simulator over HTTP on gateway.listen
(docs/gateway.md), its idempotency records in gateway.store_path, until the
first SIGINT or SIGTERM; then it finishes the requests in flight and exits.
serve charges through it when gateway.url is set. It needs no Kafka.`,
		Example: `  ORDERFLOW_GATEWAY_STORE_PATH=/tmp/gateway.jsonl orderflow gateway --inject-faults`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := load(func(c *config.Config) { c.Faults.Inject = c.Faults.Inject || inject })
			if err != nil {
				return err
			}
			return serveGateway(cmd.Context(), cfg, io)
		},
	}
	cmd.Flags().BoolVar(&inject, "inject-faults", false, "honour the Orderflow-Fault header serve sends for seed's faults (faults.inject): test machinery")
	return cmd
}

// serveGateway serves the payment gateway simulator over HTTP on
// gateway.listen (docs/gateway.md), its idempotency records in
// gateway.store_path, within http.*'s limits, until the first SIGINT or
// SIGTERM: then it stops taking connections, finishes the requests in flight
// and returns. A second signal cuts that short: exit 130.
func serveGateway(ctx context.Context, cfg config.Config, io IO) error {
	if cfg.Gateway.StorePath == "" {
		return errors.New("invalid config:\n  - gateway.store_path is empty: the gateway would keep its idempotency records in memory, and charge orders again after a restart; set it to a file on a volume that outlives the process")
	}
	log := logging.New(cfg.Logging, io.Err).With("component", "gateway")
	store, err := gateway.Open(cfg.Gateway, cfg.Faults)
	if err != nil {
		return err
	}
	defer store.Close()
	api := gatewayhttp.NewServer(gateway.NewSimulator(cfg.Gateway, store), cfg.Faults.Inject, log)
	limits := cfg.HTTP
	limits.Addr = cfg.Gateway.Listen
	srv := httpserver.New(limits, api, log, api.Routes()...)
	if err := srv.Start(); err != nil {
		return inUse(err, setting{"gateway.listen", []string{cfg.Gateway.Listen}})
	}
	log.Info("payment gateway serving", "addr", srv.Addr(), "store_path", cfg.Gateway.StorePath, "faults_inject", cfg.Faults.Inject)
	<-ctx.Done()
	fmt.Fprintln(io.Err, "stopping: finishing requests in flight (signal again to exit now)")
	// A request under way ends within http.write_timeout.
	stopCtx, cancel := context.WithTimeout(io.Abort, cfg.HTTP.WriteTimeout+5*time.Second)
	defer cancel()
	if err := srv.Stop(stopCtx); err != nil {
		if io.Abort.Err() != nil {
			return exitCode(130)
		}
		return fmt.Errorf("stop: %w", err)
	}
	return nil
}
