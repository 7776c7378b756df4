package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/orderflow/orderflow/app/messaging/deadletter"
)

func newDLQTriage(io IO, load loader) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "triage",
		Short: "Group dead letters by cause, the largest first",
		Long: `dlq triage groups the dead letters the filters select by cause: the error
type and the reason with order IDs, UUIDs, digests and numbers normalised
away, the largest cause first, with how many are still pending replay.
A cause's text, given to --cause, selects its letters in list and replay.`,
		Example: `  orderflow dlq triage
  orderflow dlq triage --since 24h --json`,
		Args: noArgs,
	}
	f := filterFlags(cmd.Flags())
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object per cause, per line")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := checkFilter(*f); err != nil {
			return err
		}
		return triage(cmd.Context(), load, *f, asJSON, io)
	}
	return cmd
}

// triage groups the dead letters f selects by cause: the error type and the
// reason with order IDs, UUIDs, digests and numbers normalised away
// (deadletter.Signature), the largest cause first.
func triage(ctx context.Context, load loader, f deadletter.Filter, asJSON bool, io IO) error {
	topic, chosen, err := selectLetters(ctx, load, io, f)
	if err != nil {
		return err
	}
	causes := deadletter.Triage(chosen)
	if asJSON {
		return writeJSON(io, causes)
	}
	if len(causes) > 0 {
		tw := tabwriter.NewWriter(io.Out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "LETTERS\tPENDING\tKINDS\tHANDLERS\tFIRST\tLAST\tCAUSE")
		for _, c := range causes {
			kinds := make([]string, len(c.Kinds))
			for i, k := range c.Kinds {
				kinds[i] = string(k)
			}
			fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%s\n", c.Count, c.Pending, strings.Join(kinds, ","),
				strings.Join(c.Handlers, ","), c.FirstSeen.Format(time.RFC3339), c.LastSeen.Format(time.RFC3339), c.Signature)
		}
		tw.Flush()
	}
	fmt.Fprintf(io.Out, "%d dead letters in %d causes in %s; dlq list --cause or dlq replay --all --cause with a cause's text selects its letters\n",
		len(chosen), len(causes), topic)
	return nil
}
