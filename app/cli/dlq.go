package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/orderflow/orderflow/app/messaging/deadletter"
)

func newDLQ(io IO, load loader) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dlq",
		Short: "List, triage and replay dead letters",
		Long: `dlq reads the dead-letter topic (topics.dead_letter): every message the
pipeline could not process, with why, where it came from and how often it
was tried (docs/dead-letters.md). The filters (--kind, --handler, --since, ...)
select letters for list, triage and replay alike.`,
		Example: `  orderflow dlq triage
  orderflow dlq list --kind panic --pending
  orderflow dlq replay --kind retries_exhausted --all --dry-run`,
		Args:                       subcommand,
		RunE:                       showHelp,
		SuggestionsMinimumDistance: 2,
	}
	cmd.AddCommand(newDLQList(io, load), newDLQTriage(io, load), newDLQReplay(io, load))
	return cmd
}

func newDLQList(io IO, load loader) *cobra.Command {
	var asJSON bool
	var limit int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Show dead letters without disturbing them",
		Long: `dlq list prints the dead letters the filters select, one row
each (--json: one JSON object per line), then how many there are. It reads
the topic without a consumer group: nothing is committed or changed.`,
		Example: `  orderflow dlq list
  orderflow dlq list --handler payments --since 1h --limit 20
  orderflow dlq list --order ord-59d2365d-000011 --json`,
		Args: noArgs,
	}
	f := filterFlags(cmd.Flags())
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object per line")
	cmd.Flags().IntVar(&limit, "limit", 0, "show at most this many (0 = all)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if limit < 0 {
			return usagef("--limit %d: want 0 (all) or more", limit)
		}
		if err := checkFilter(*f); err != nil {
			return err
		}
		return list(cmd.Context(), load, *f, limit, asJSON, io)
	}
	return cmd
}

// list prints the dead letters f selects, at most limit of them (0: all),
// and how many were shown of how many selected.
func list(ctx context.Context, load loader, f deadletter.Filter, limit int, asJSON bool, io IO) error {
	topic, chosen, err := selectLetters(ctx, load, io, f)
	if err != nil {
		return err
	}
	shown := chosen
	if limit > 0 && len(chosen) > limit {
		shown = chosen[:limit]
	}
	if asJSON {
		return writeJSON(io, shown)
	}
	printDeadLetters(io, shown)
	if len(shown) < len(chosen) {
		fmt.Fprintf(io.Out, "%d of %d dead letters in %s\n", len(shown), len(chosen), topic)
	} else {
		fmt.Fprintf(io.Out, "%d dead letters in %s\n", len(chosen), topic)
	}
	return nil
}

// selectLetters reads the dead-letter topic to its end and returns its name
// and the letters f selects.
func selectLetters(ctx context.Context, load loader, io IO, f deadletter.Filter) (string, []deadletter.Letter, error) {
	cfg, conn, err := connect(ctx, load, io)
	if err != nil {
		return "", nil, err
	}
	letters, err := deadletter.Read(ctx, conn, cfg.Topics.DeadLetter)
	if err != nil {
		return "", nil, err
	}
	var chosen []deadletter.Letter
	for _, d := range letters {
		if f.Match(d) {
			chosen = append(chosen, d)
		}
	}
	return cfg.Topics.DeadLetter, chosen, nil
}

// writeJSON writes each value as a line of JSON.
func writeJSON[T any](io IO, values []T) error {
	enc := json.NewEncoder(io.Out)
	for _, v := range values {
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
	return nil
}

func printDeadLetters(io IO, list []deadletter.Letter) {
	if len(list) == 0 {
		return
	}
	tw := tabwriter.NewWriter(io.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "UUID\tORDER\tCORRELATION\tFROM\tSCHEMA\tHANDLER\tKIND\tTYPE\tATTEMPTS\tREPLAYS\tFAILED AT\tREPLAYED AT\tREASON")
	for _, d := range list {
		replayed := "-"
		if d.ReplayedAt != nil {
			replayed = d.ReplayedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s/%d@%d\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n",
			d.UUID, d.OrderID, d.CorrelationID, d.Topic, d.Partition, d.Offset, d.Schema(), d.Handler,
			d.ErrorKind, d.ErrorType, d.Attempts, d.ReplayCount, d.FailedAt.Format(time.RFC3339), replayed, d.Reason)
	}
	tw.Flush()
}
