package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/seed"
)

// Seed publishes orders and prints which got which fault.
func Seed(ctx context.Context, args []string, io IO) error {
	fs, load := flags("seed", io)
	var p seed.Plan
	fs.IntVar(&p.Count, "count", 100, "orders to publish")
	fs.Float64Var(&p.Rate, "rate", 0, "orders per second (0 = as fast as possible)")
	fs.IntVar(&p.Poison, "poison", 0, "invalid orders: bytes that are not JSON, or JSON failing validation")
	fs.IntVar(&p.Flaky, "flaky", 0, "orders whose payment fails transiently, then succeeds within the retry budget")
	fs.IntVar(&p.Fail, "fail", 0, "orders whose payment keeps failing past the retry budget")
	fs.IntVar(&p.Panic, "panic", 0, "orders on which the payment handler panics")
	asJSON := fs.Bool("json", false, "print one JSON object with the order IDs per fault")
	cfg, conn, err := connect(ctx, load, args, io)
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
	if *asJSON {
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
