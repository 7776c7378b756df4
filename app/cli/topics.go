package cli

import (
	"context"
	"fmt"
	"slices"

	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
)

// Topics creates the configured topics that are missing.
func Topics(ctx context.Context, args []string, io IO) error {
	_, load := flags("topics", io)
	cfg, conn, err := connect(ctx, load, args, io)
	if err != nil {
		return err
	}
	created, err := kafkaclient.EnsureTopics(conn, cfg.Topics)
	if err != nil {
		return err
	}
	for _, t := range cfg.Topics.All() {
		state := "exists"
		if slices.Contains(created, t) {
			state = "created"
		}
		fmt.Fprintf(io.Out, "%-16s %s\n", t, state)
	}
	return nil
}
