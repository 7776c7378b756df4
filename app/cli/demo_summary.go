package cli

import (
	"context"
	"fmt"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/seed"
	"github.com/orderflow/orderflow/app/track"
)

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
