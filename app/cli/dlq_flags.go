package cli

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/messaging/deadletter"
)

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

func (moment) Type() string { return "time" }

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
func (*ids) Type() string { return "uuid" }

// filterFlags adds the flags that select dead letters; check the filter they
// fill once they are parsed.
func filterFlags(fs *pflag.FlagSet) *deadletter.Filter {
	f := &deadletter.Filter{}
	fs.StringVar(&f.Handler, "handler", "", "only dead letters of this handler: "+strings.Join(config.StepNames(), ", "))
	fs.StringVar(&f.Topic, "topic", "", "only dead letters from this original topic")
	fs.StringVar(&f.Kind, "kind", "", "only this error kind: "+strings.Join(kinds(), ", "))
	fs.StringVar(&f.OrderID, "order", "", "only dead letters of this order ID")
	fs.StringVar(&f.Cause, "cause", "", "only dead letters of this cause, as dlq triage shows it")
	fs.StringVar(&f.Reason, "reason", "", "only dead letters whose reason contains this text (any case)")
	fs.Var(moment{&f.Since}, "since", "only dead letters that failed at or after this: an RFC 3339 time, or a duration ago (90m, 24h)")
	fs.Var(moment{&f.Until}, "until", "only dead letters that failed before this: an RFC 3339 time, or a duration ago")
	fs.BoolVar(&f.Pending, "pending", false, "only dead letters not replayed yet")
	return f
}

// checkFilter refuses a --kind or --handler that no dead letter can have: it
// would select nothing, silently.
func checkFilter(f deadletter.Filter) error {
	if f.Kind != "" && !slices.ContainsFunc(kinds(), func(k string) bool { return strings.EqualFold(k, f.Kind) }) {
		return usagef("--kind %q is no error kind: want one of %s", f.Kind, strings.Join(kinds(), ", "))
	}
	if f.Handler != "" && !slices.Contains(config.StepNames(), f.Handler) {
		return usagef("--handler %q is no handler: want one of %s", f.Handler, strings.Join(config.StepNames(), ", "))
	}
	return nil
}

// kinds lists the error kinds a dead letter can have.
func kinds() []string {
	var names []string
	for _, k := range deadletter.Kinds() {
		names = append(names, string(k))
	}
	return names
}
