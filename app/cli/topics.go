package cli

import (
	"context"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
)

func newTopics(io IO, load loader) *cobra.Command {
	return &cobra.Command{
		Use:   "topics",
		Short: "Create the configured topics that are missing",
		Long: `topics creates the topics under topics.* that kafka.brokers lack, with
topics.partitions partitions and topics.replication_factor replicas, and
prints each topic with "created" or "exists". serve creates them at start
as well.`,
		Example: `  ORDERFLOW_KAFKA_BROKERS=127.0.0.1:9092 orderflow topics`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return topics(cmd.Context(), load, io)
		},
	}
}

// topics creates the configured topics that are missing.
func topics(ctx context.Context, load loader, io IO) error {
	cfg, conn, err := connect(ctx, load, io)
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
