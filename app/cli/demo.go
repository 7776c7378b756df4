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
	"github.com/orderflow/orderflow/app/httpserver"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/seed"
	"github.com/orderflow/orderflow/app/track"
)

func newDemo(io IO, load loader) *cobra.Command {
	var o demoOptions
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run an embedded broker, the pipeline and seeded orders, then print a summary",
		Long: `demo starts an in-memory Kafka-protocol broker and the pipeline in this
process, on free ports, seeds orders with every kind of fault, shows progress
until every order has settled, prints a summary and the dead letters, and
stops. Nothing to install, nothing left behind.

With --keep the broker and pipeline keep running after the summary, and demo
prints the commands that reach them from another terminal, until Ctrl-C.`,
		Example: `  orderflow demo
  orderflow demo --count 1000 --panic 5 --logs
  orderflow demo --keep`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.plan.Validate(); err != nil { // before a broker starts
				return usageError{err}
			}
			return demo(cmd.Context(), load, o, io)
		},
	}
	fs := cmd.Flags()
	fs.IntVar(&o.plan.Count, "count", 200, "orders to publish")
	faultFlags(fs, &o.plan, seed.Plan{Poison: 4, Flaky: 4, Fail: 3, Panic: 2})
	fs.DurationVar(&o.timeout, "timeout", 2*time.Minute, "give up if orders have not settled by then")
	fs.BoolVar(&o.logs, "logs", false, "show the pipeline's log lines (at the configured level)")
	fs.BoolVar(&o.keep, "keep", false, "after the summary, keep the broker and pipeline running for dlq list and dlq replay in another terminal, until Ctrl-C")
	return cmd
}

// demoOptions are demo's flags.
type demoOptions struct {
	plan       seed.Plan
	timeout    time.Duration
	logs, keep bool
}

// demo starts the embedded broker and the pipeline in this process, seeds
// orders with every kind of fault, shows progress until every order has
// settled, prints a summary and stops.
func demo(ctx context.Context, load loader, o demoOptions, io IO) error {
	// The demo's broker and pipeline live in this process alone: free ports,
	// so it runs beside the local cluster or the Docker stack, and no
	// endpoints but, with --keep, the console's. Validated with these: a
	// file's TLS settings do not go with the embedded broker.
	cfg, err := load(func(c *config.Config) {
		c.Kafka.Embedded = true
		c.Kafka.Brokers = []string{"127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"}
		c.Faults.Inject = true // the demo shows the error paths
		c.HTTP.Addr = ""
		if o.keep {
			c.HTTP.Addr = "127.0.0.1:0"
		}
		if !o.logs {
			c.Logging.Level = "error"
		}
	})
	if err != nil {
		return err
	}

	var conn kafkaclient.Conn
	var srv *httpserver.Server
	a := fx.New(app.Options(cfg), fx.Populate(&conn, &srv))
	if err := start(ctx, a); err != nil {
		return err
	}
	defer a.Stop(context.Background()) //nolint:errcheck // best effort on the way out
	fmt.Fprintf(io.Err, "embedded broker on %v (in memory: gone when the demo exits)\n", []string(conn.Brokers))

	tracker := track.New(cfg.Topics)
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan error, 1)
	go func() { watched <- tracker.Run(watchCtx, conn) }()
	defer func() { stopWatch(); <-watched }()

	prod, err := kafkaclient.NewProducer(conn)
	if err != nil {
		return err
	}
	defer prod.Close()
	m, err := seed.Run(ctx, prod, cfg, o.plan, io.Err)
	if err != nil {
		return err
	}
	fmt.Fprintf(io.Err, "seeded %d orders (%d poison, %d flaky, %d fail, %d panic)\n",
		len(m.Orders), len(m.Poison), len(m.Flaky), len(m.Fail), len(m.Panic))

	waitErr := waitSettled(ctx, tracker, m.Orders, o.timeout, io)
	printSummary(io, cfg.Topics.DeadLetter, tracker, m)
	if waitErr != nil {
		return waitErr
	}
	return keepRunning(ctx, io, conn, consoleURL(srv, cfg.Console), o.keep)
}

// keepRunning, with keep, leaves the broker and pipeline running until ctx
// ends and prints the commands that reach them from another terminal, and
// the console's URL;
// without, it says the dead letters are gone with the demo.
func keepRunning(ctx context.Context, io IO, conn kafkaclient.Conn, consoleURL string, keep bool) error {
	if !keep {
		fmt.Fprintln(io.Out, "\nThe broker and its dead letters are gone when the demo exits. To inspect and replay them,")
		fmt.Fprintln(io.Out, "run it with --keep and, in another terminal, the commands it prints.")
		return nil
	}
	env := "ORDERFLOW_KAFKA_BROKERS=" + strings.Join(conn.Brokers, ",")
	fmt.Fprintf(io.Out, "\nThe broker and pipeline keep running until Ctrl-C. In another terminal:\n")
	fmt.Fprintf(io.Out, "  %s go run . dlq list\n", env)
	fmt.Fprintf(io.Out, "  %s go run . dlq replay --kind retries_exhausted --all\n", env)
	if consoleURL != "" {
		fmt.Fprintf(io.Out, "and the dead-letter console: %s\n", consoleURL)
	}
	<-ctx.Done()
	return nil
}
