package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/console"
	"github.com/orderflow/orderflow/app/httpserver"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
)

func newServe(io IO, load loader) *cobra.Command {
	var embedded, inject bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the pipeline until SIGINT or SIGTERM",
		Long: `serve runs the pipeline's steps on kafka.brokers until the first SIGINT or
SIGTERM, then stops taking messages, finishes and commits those in flight,
and exits; a second signal exits at once (code 130). It fails fast, naming
the brokers, when none answers.

With --embedded it hosts an in-memory Kafka-protocol broker on kafka.brokers
itself, for the zero-setup tour: its data is gone at exit. Port 0 picks free
ports; serve then prints the export line another terminal needs to reach
them (seed, dlq), and the console's URL.

serve refuses to keep the payment gateway's idempotency records only in its
memory: set gateway.url (the gateway command) or gateway.store_path.`,
		Example: `  # on free ports, the gateway's records in a file, seed's faults honoured
  export ORDERFLOW_KAFKA_BROKERS=127.0.0.1:0,127.0.0.1:0,127.0.0.1:0 ORDERFLOW_HTTP_ADDR=127.0.0.1:0
  ORDERFLOW_GATEWAY_STORE_PATH=/tmp/gateway.jsonl orderflow serve --embedded --inject-faults

  orderflow serve --config /etc/orderflow/config.yaml`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := load(func(c *config.Config) { // validated with them: --embedded and TLS do not go together
				c.Kafka.Embedded = c.Kafka.Embedded || embedded
				c.Faults.Inject = c.Faults.Inject || inject
			})
			if err != nil {
				return err
			}
			return serve(cmd.Context(), cfg, io)
		},
	}
	cmd.Flags().BoolVar(&embedded, "embedded", false, "host an in-memory broker on kafka.brokers (kafka.embedded): its data is gone at exit")
	cmd.Flags().BoolVar(&inject, "inject-faults", false, "honour the faults seed asks for (faults.inject): test machinery")
	return cmd
}

// reachEmbedded is the line another terminal needs to reach serve's
// embedded broker (it picks free ports for port 0), with the console's URL.
func reachEmbedded(brokers []string, consoleURL string) string {
	line := "export ORDERFLOW_KAFKA_BROKERS=" + strings.Join(brokers, ",")
	if consoleURL != "" {
		line += "  # then seed, dlq ...; the console: " + consoleURL
	}
	return line
}

// consoleURL is where the dead-letter console answers, once srv has started;
// "" if nowhere.
func consoleURL(srv *httpserver.Server, c config.Console) string {
	if srv.URL() == "" || !c.Enabled {
		return ""
	}
	return srv.URL() + console.Prefix
}

// serve runs the pipeline until the first SIGINT or SIGTERM, then stops taking
// messages, finishes and commits those in flight, and returns. A second signal
// cuts the drain short: exit 130. It runs on kafka.brokers, and fails fast,
// naming them, when none answers; an in-memory broker only when asked for one
// (--embedded or kafka.embedded), for the zero-setup tour. It refuses to keep
// the gateway's idempotency records only in its memory: gateway.url or
// gateway.store_path must be set.
func serve(ctx context.Context, cfg config.Config, io IO) error {
	if err := cfg.Gateway.KeepsRecords(); err != nil {
		return err
	}
	if !cfg.Kafka.Embedded {
		if _, err := reach(ctx, cfg, io); err != nil {
			return err
		}
	}
	var conn kafkaclient.Conn
	var srv *httpserver.Server
	a := fx.New(app.Options(cfg), fx.Populate(&conn, &srv), fx.Options(io.App...))
	if err := start(ctx, a); err != nil {
		return inUse(err, setting{"kafka.brokers", cfg.Kafka.Brokers}, setting{"http.addr", []string{cfg.HTTP.Addr}})
	}
	if cfg.Kafka.Embedded {
		fmt.Fprintln(io.Out, reachEmbedded(conn.Brokers, consoleURL(srv, cfg.Console)))
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
