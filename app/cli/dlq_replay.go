package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/schemas"
)

func newDLQReplay(io IO, load loader) *cobra.Command {
	var chosen ids
	var all, dryRun bool
	cmd := &cobra.Command{
		Use:   "replay",
		Short: "Send dead letters back to their original topics",
		Long: `dlq replay publishes the dead letters chosen by --id, or every one the
filters select with --all, back to the topic each came from, marking it
replayed; a letter replayed replay.max_replays times already is refused.
--dry-run shows what would be replayed and publishes nothing.`,
		Example: `  orderflow dlq replay --kind retries_exhausted --all --dry-run
  orderflow dlq replay --kind retries_exhausted --all
  orderflow dlq replay --id 0b6c1a8e-7d0f-4b59-9a51-1d2b3c4d5e6f`,
		Args: noArgs,
	}
	f := filterFlags(cmd.Flags())
	cmd.Flags().Var(&chosen, "id", "message `uuid` to replay (repeat, or comma-separated)")
	cmd.Flags().BoolVar(&all, "all", false, "replay every dead letter the filters select")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "show what would be replayed, publish nothing")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if len(chosen) == 0 && !all {
			return usagef("choose what to replay: --id UUID… or --all (with optional filters)")
		}
		if err := checkFilter(*f); err != nil {
			return err
		}
		f.IDs = chosen
		return replay(cmd.Context(), load, *f, dryRun, io)
	}
	return cmd
}

// replay sends the dead letters f selects back to their topics (or with
// dryRun says which it would) and tallies them.
func replay(ctx context.Context, load loader, f deadletter.Filter, dryRun bool, io IO) error {
	cfg, conn, err := connect(ctx, load, io)
	if err != nil {
		return err
	}
	var reg *schemas.Registry // re-validates the letters, with schemas.registry_url
	if cfg.Schemas.RegistryURL != "" {
		if reg, err = schemas.New(cfg.Schemas); err != nil {
			return err
		}
	}
	if len(f.IDs) > 0 { // every UUID asked for is there, before any is replayed
		found, err := deadletter.Replay(ctx, conn, cfg, reg, f, true)
		if err != nil {
			return err
		}
		if missing := unknownIDs(f.IDs, found); len(missing) > 0 {
			return fmt.Errorf("--id %s: no such dead letter in %s (or not one the other filters select); nothing replayed",
				strings.Join(missing, ","), cfg.Topics.DeadLetter)
		}
	}
	results, err := deadletter.Replay(ctx, conn, cfg, reg, f, dryRun)
	if err != nil && len(results) == 0 {
		return err // nothing was read or chosen: no tally to print
	}
	replayed, refused := 0, 0
	for _, r := range results {
		d := r.Letter
		switch {
		case r.Refused != "":
			refused++
			fmt.Fprintf(io.Out, "refused  %s order=%s: %s\n", d.UUID, d.OrderID, r.Refused)
		case dryRun:
			fmt.Fprintf(io.Out, "would replay  %s order=%s → %s (%s)\n", d.UUID, d.OrderID, d.Topic, d.ErrorKind)
		case r.Replayed:
			replayed++
			fmt.Fprintf(io.Out, "replayed %s order=%s → %s (replay %d)\n", d.UUID, d.OrderID, d.Topic, d.ReplayCount+1)
		}
	}
	if err != nil {
		fmt.Fprintf(io.Out, "stopped after %d replayed, %d refused of %d selected\n", replayed, refused, len(results))
		return err
	}
	fmt.Fprintf(io.Out, "%d replayed, %d refused, %d selected\n", replayed, refused, len(results))
	return nil
}

// unknownIDs returns the ids no result has.
func unknownIDs(ids []string, results []deadletter.ReplayResult) []string {
	var missing []string
	for _, id := range ids {
		if !slices.ContainsFunc(results, func(r deadletter.ReplayResult) bool { return r.Letter.UUID == id }) {
			missing = append(missing, id)
		}
	}
	return missing
}
