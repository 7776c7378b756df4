package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/orderflow/orderflow/app/messaging/deadletter"
)

// DLQ runs "dlq list", "dlq triage" or "dlq replay".
func DLQ(ctx context.Context, args []string, io IO) error {
	if len(args) == 0 {
		return errors.New("want a subcommand: dlq list | dlq triage | dlq replay")
	}
	switch args[0] {
	case "list":
		return dlqList(ctx, args[1:], io)
	case "triage":
		return dlqTriage(ctx, args[1:], io)
	case "replay":
		return dlqReplay(ctx, args[1:], io)
	}
	return fmt.Errorf("unknown subcommand dlq %s: want list, triage or replay", args[0])
}

// moment reads --since and --until: an RFC 3339 time, or a duration meaning
// that long before now.
type moment struct{ t *time.Time }

func (m moment) String() string {
	if m.t == nil || m.t.IsZero() {
		return ""
	}
	return m.t.Format(time.RFC3339)
}

func (m moment) Set(s string) error {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		*m.t = t
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return fmt.Errorf("%q is neither an RFC 3339 time (2026-12-05T10:00:00Z) nor a duration ago (90m, 24h)", s)
	}
	*m.t = time.Now().Add(-d)
	return nil
}

// ids collects --id values, repeated or comma-separated.
type ids []string

func (i *ids) String() string { return strings.Join(*i, ",") }
func (i *ids) Set(s string) error {
	for _, id := range strings.Split(s, ",") {
		if id = strings.TrimSpace(id); id != "" {
			*i = append(*i, id)
		}
	}
	return nil
}

func filterFlags(fs *flag.FlagSet) *deadletter.Filter {
	f := &deadletter.Filter{}
	fs.StringVar(&f.Handler, "handler", "", "only dead letters of this handler (payments, shipping, notifications)")
	fs.StringVar(&f.Topic, "topic", "", "only dead letters from this original topic")
	fs.StringVar(&f.Kind, "kind", "", "only this error kind: permanent, retries_exhausted, panic, timeout")
	fs.StringVar(&f.OrderID, "order", "", "only dead letters of this order ID")
	fs.StringVar(&f.Cause, "cause", "", "only dead letters of this cause, as dlq triage shows it")
	fs.StringVar(&f.Reason, "reason", "", "only dead letters whose reason contains this text (any case)")
	fs.Var(moment{&f.Since}, "since", "only dead letters that failed at or after this: an RFC 3339 time, or a duration ago (90m, 24h)")
	fs.Var(moment{&f.Until}, "until", "only dead letters that failed before this: an RFC 3339 time, or a duration ago")
	fs.BoolVar(&f.Pending, "pending", false, "only dead letters not replayed yet")
	return f
}

func dlqList(ctx context.Context, args []string, io IO) error {
	fs, load := flags("dlq list", io)
	f := filterFlags(fs)
	asJSON := fs.Bool("json", false, "one JSON object per line")
	limit := fs.Int("limit", 0, "show at most this many (0 = all)")
	topic, shown, err := selectLetters(ctx, load, args, io, f, limit)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(io, shown)
	}
	printDeadLetters(io, shown)
	fmt.Fprintf(io.Out, "%d dead letters in %s\n", len(shown), topic)
	return nil
}

// selectLetters parses args, reads the dead-letter topic to its end and
// returns its name and the letters f selects, at most *limit of them (nil or
// 0: all). f and limit are flags' targets, read once the flags are parsed.
func selectLetters(ctx context.Context, load loader, args []string, io IO, f *deadletter.Filter, limit *int) (string, []deadletter.Letter, error) {
	cfg, conn, err := connect(ctx, load, args, io)
	if err != nil {
		return "", nil, err
	}
	letters, err := deadletter.Read(ctx, conn, cfg.Topics.DeadLetter)
	if err != nil {
		return "", nil, err
	}
	var chosen []deadletter.Letter
	for _, d := range letters {
		if f.Match(d) && (limit == nil || *limit == 0 || len(chosen) < *limit) {
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

// dlqTriage groups the dead letters the filters select by cause: the error
// type and the reason with order IDs, UUIDs, digests and numbers normalised
// away (deadletter.Signature), the largest cause first.
func dlqTriage(ctx context.Context, args []string, io IO) error {
	fs, load := flags("dlq triage", io)
	f := filterFlags(fs)
	asJSON := fs.Bool("json", false, "one JSON object per cause, per line")
	topic, chosen, err := selectLetters(ctx, load, args, io, f, nil)
	if err != nil {
		return err
	}
	causes := deadletter.Triage(chosen)
	if *asJSON {
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

func printDeadLetters(io IO, list []deadletter.Letter) {
	if len(list) == 0 {
		return
	}
	tw := tabwriter.NewWriter(io.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "UUID\tORDER\tCORRELATION\tFROM\tHANDLER\tKIND\tTYPE\tATTEMPTS\tREPLAYS\tFAILED AT\tREPLAYED AT\tREASON")
	for _, d := range list {
		replayed := "-"
		if d.ReplayedAt != nil {
			replayed = d.ReplayedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s/%d@%d\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n",
			d.UUID, d.OrderID, d.CorrelationID, d.Topic, d.Partition, d.Offset, d.Handler,
			d.ErrorKind, d.ErrorType, d.Attempts, d.ReplayCount, d.FailedAt.Format(time.RFC3339), replayed, d.Reason)
	}
	tw.Flush()
}

func dlqReplay(ctx context.Context, args []string, io IO) error {
	fs, load := flags("dlq replay", io)
	f := filterFlags(fs)
	var chosen ids
	fs.Var(&chosen, "id", "message UUID to replay (repeat, or comma-separated)")
	all := fs.Bool("all", false, "replay every dead letter the filters select")
	dryRun := fs.Bool("dry-run", false, "show what would be replayed, publish nothing")
	cfg, err := load(args)
	if err != nil {
		return err
	}
	if len(chosen) == 0 && !*all {
		return errors.New("choose what to replay: --id UUID… or --all (with optional filters)")
	}
	f.IDs = chosen
	conn, err := reach(ctx, cfg, io)
	if err != nil {
		return err
	}
	results, err := deadletter.Replay(ctx, conn, cfg, *f, *dryRun)
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
		case *dryRun:
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
