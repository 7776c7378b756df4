package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/seed"
)

func newSeed(io IO, load loader) *cobra.Command {
	p := seed.Plan{}
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "seed",
		Short: "Publish orders, some built to fail",
		Long: `seed publishes --count orders to topics.orders on kafka.brokers and prints
which order got which fault: poison orders are invalid on the wire; flaky,
fail and panic orders are valid orders marked with a fault that a pipeline
honours only with faults.inject (serve --inject-faults).`,
		Example: `  orderflow seed --count 200 --fail 3 --panic 2
  orderflow seed --count 10000 --rate 500 --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := p.Validate(); err != nil {
				return usageError{err}
			}
			return seedOrders(cmd.Context(), load, p, asJSON, io)
		},
	}
	fs := cmd.Flags()
	fs.IntVar(&p.Count, "count", 100, "orders to publish")
	fs.Float64Var(&p.Rate, "rate", 0, "orders per second (0 = as fast as possible)")
	faultFlags(fs, &p, seed.Plan{})
	fs.BoolVar(&asJSON, "json", false, "print one JSON object with the order IDs per fault")
	return cmd
}

// faultFlags adds the flags that choose how many orders get each fault,
// with defaults from def.
func faultFlags(fs *pflag.FlagSet, p *seed.Plan, def seed.Plan) {
	fs.IntVar(&p.Poison, "poison", def.Poison, "invalid orders: bytes that are not JSON, or JSON failing validation")
	fs.IntVar(&p.Flaky, "flaky", def.Flaky, "orders whose payment fails transiently, then succeeds within the retry budget")
	fs.IntVar(&p.Fail, "fail", def.Fail, "orders whose payment keeps failing past the retry budget")
	fs.IntVar(&p.Panic, "panic", def.Panic, "orders on which the payment handler panics")
}

// seedOrders publishes the plan's orders and prints which got which fault.
func seedOrders(ctx context.Context, load loader, p seed.Plan, asJSON bool, io IO) error {
	cfg, conn, err := connect(ctx, load, io)
	if err != nil {
		return err
	}
	prod, err := kafkaclient.NewProducer(conn)
	if err != nil {
		return err
	}
	defer prod.Close()
	m, err := seed.Run(ctx, prod, cfg, p, io.Err)
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(io.Out).Encode(m)
	}
	fmt.Fprintf(io.Out, "seeded %d orders to %s (run %s)\n", len(m.Orders), cfg.Topics.Orders, m.Run)
	for _, g := range []struct {
		name string
		ids  []string
	}{{"poison", m.Poison}, {"flaky", m.Flaky}, {"fail", m.Fail}, {"panic", m.Panic}, {"declined", m.Declined}} {
		if len(g.ids) > 0 {
			fmt.Fprintf(io.Out, "  %-8s %3d  %s\n", g.name, len(g.ids), strings.Join(g.ids, " "))
		}
	}
	return nil
}
