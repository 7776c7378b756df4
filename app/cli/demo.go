package cli

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/seed"
	"github.com/orderflow/orderflow/app/track"
)

// Demo starts the embedded broker and the pipeline in this process, seeds
// orders with every kind of fault, shows progress until every order has
// settled, prints a summary and stops.
func Demo(ctx context.Context, args []string, io IO) error {
	fs, load := flags("demo", io)
	p := seed.Plan{}
	fs.IntVar(&p.Count, "count", 200, "orders to publish")
	fs.IntVar(&p.Poison, "poison", 4, "invalid orders")
	fs.IntVar(&p.Flaky, "flaky", 4, "orders whose payment fails transiently, then succeeds")
	fs.IntVar(&p.Fail, "fail", 3, "orders whose payment fails past the retry budget")
	fs.IntVar(&p.Panic, "panic", 2, "orders on which the payment handler panics")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up if orders have not settled by then")
	logs := fs.Bool("logs", false, "show the pipeline's log lines (at the configured level)")
	keep := fs.Bool("keep", false, "after the summary, keep the broker and pipeline running for orderflow dlq list/replay in another terminal, until Ctrl-C")
	// The demo's broker and pipeline live in this process alone: free ports,
	// so it runs beside the local cluster or the Docker stack, and no
	// endpoints. Validated with these: a file's TLS settings do not go with
	// the embedded broker.
	cfg, err := load(args, func(c *config.Config) {
		c.Kafka.Embedded = true
		c.Kafka.Brokers = []string{"127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"}
		c.Faults.Inject = true // the demo shows the error paths
		c.HTTP.Addr = ""
		if !*logs {
			c.Logging.Level = "error"
		}
	})
	if err != nil {
		return err
	}

	var conn kafkaclient.Conn
	a := fx.New(app.Options(cfg), fx.Populate(&conn))
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
	m, err := seed.Run(ctx, prod, cfg, p, io.Err)
	if err != nil {
		return err
	}
	fmt.Fprintf(io.Err, "seeded %d orders (%d poison, %d flaky, %d fail, %d panic)\n",
		len(m.Orders), len(m.Poison), len(m.Flaky), len(m.Fail), len(m.Panic))

	waitErr := waitSettled(ctx, tracker, m.Orders, *timeout, io)
	printSummary(io, cfg.Topics.DeadLetter, tracker, m)
	if waitErr != nil {
		return waitErr
	}
	return keepRunning(ctx, io, conn, *keep)
}

// keepRunning, with keep, leaves the broker and pipeline running until ctx
// ends and prints the commands that reach them from another terminal;
// without, it says the dead letters are gone with the demo.
func keepRunning(ctx context.Context, io IO, conn kafkaclient.Conn, keep bool) error {
	if !keep {
		fmt.Fprintln(io.Out, "\nThe broker and its dead letters are gone when the demo exits. To inspect and replay them,")
		fmt.Fprintln(io.Out, "run it with --keep and, in another terminal, the commands it prints.")
		return nil
	}
	env := "ORDERFLOW_KAFKA_BROKERS=" + strings.Join(conn.Brokers, ",")
	fmt.Fprintf(io.Out, "\nThe broker and pipeline keep running until Ctrl-C. In another terminal:\n")
	fmt.Fprintf(io.Out, "  %s go run . dlq list\n", env)
	fmt.Fprintf(io.Out, "  %s go run . dlq replay --kind retries_exhausted --all\n", env)
	<-ctx.Done()
	return nil
}

// waitSettled prints progress until every order has settled or time is up.
func waitSettled(ctx context.Context, t *track.Tracker, ids []string, timeout time.Duration, io IO) error {
	deadline := time.After(timeout)
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		left := t.Unsettled(ids)
		fmt.Fprintf(io.Err, "settled %d/%d orders\n", len(ids)-len(left), len(ids))
		if len(left) == 0 {
			return nil
		}
		select {
		case <-tick.C:
		case <-deadline:
			return fmt.Errorf("%d orders not settled after %s, e.g. %s", len(left), timeout, left[0])
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func printSummary(io IO, dlqTopic string, t *track.Tracker, m seed.Manifest) {
	var paid, declined, shipped, notified, dead, dups int
	var letters []deadletter.Letter
	for _, id := range m.Orders {
		o, _ := t.Order(id)
		paid += min(o.Paid, 1)
		declined += min(o.Declined, 1)
		shipped += min(o.Shipped, 1)
		notified += min(o.Notified, 1)
		dups += o.Duplicates()
		if len(o.DeadLetters) > 0 {
			dead++
			letters = append(letters, o.DeadLetters...)
		}
	}
	flakyPaid := 0
	for _, id := range m.Flaky {
		if o, _ := t.Order(id); o.Paid+o.Declined > 0 {
			flakyPaid++
		}
	}
	tw := tabwriter.NewWriter(io.Out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(io.Out, "\nSummary")
	fmt.Fprintf(tw, "orders seeded\t%d\t\n", len(m.Orders))
	fmt.Fprintf(tw, "paid\t%d\t\n", paid)
	fmt.Fprintf(tw, "declined\t%d\t\n", declined)
	fmt.Fprintf(tw, "shipped\t%d\t\n", shipped)
	fmt.Fprintf(tw, "notified\t%d\t\n", notified)
	fmt.Fprintf(tw, "dead-lettered\t%d\t\n", dead)
	fmt.Fprintf(tw, "flaky orders charged after retries\t%d/%d\t\n", flakyPaid, len(m.Flaky))
	fmt.Fprintf(tw, "duplicate outputs\t%d\t\n", dups)
	tw.Flush()

	sort.Slice(letters, func(i, j int) bool { return letters[i].OrderID < letters[j].OrderID })
	fmt.Fprintf(io.Out, "\nDead letters in %s\n", dlqTopic)
	w := tabwriter.NewWriter(io.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ORDER\tHANDLER\tKIND\tATTEMPTS\tREASON")
	for _, d := range letters {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\n", d.OrderID, d.Handler, d.ErrorKind, d.Attempts, d.Reason)
	}
	w.Flush()
}
