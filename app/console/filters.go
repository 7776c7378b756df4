package console

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/orderflow/orderflow/app/messaging/deadletter"
)

// maxIDs bounds the letters one replay may name one by one.
const maxIDs = 1000

// filterOf reads the filters of dlq list from a query or a form: handler,
// kind, topic, order, cause, reason, pending, since, until (an RFC 3339
// time, a browser's local date-time taken as UTC, or a duration ago) and id
// (repeated).
func filterOf(v url.Values, now time.Time) (deadletter.Filter, error) {
	f := deadletter.Filter{
		Handler: strings.TrimSpace(v.Get("handler")), Kind: strings.TrimSpace(v.Get("kind")),
		Topic: strings.TrimSpace(v.Get("topic")), OrderID: strings.TrimSpace(v.Get("order")),
		Cause: v.Get("cause"), Reason: strings.TrimSpace(v.Get("reason")),
		Pending: v.Get("pending") == "1" || v.Get("pending") == "on" || v.Get("pending") == "true",
	}
	var err error
	if f.Since, err = momentOf(v.Get("since"), now); err != nil {
		return f, fmt.Errorf("since: %w", err)
	}
	if f.Until, err = momentOf(v.Get("until"), now); err != nil {
		return f, fmt.Errorf("until: %w", err)
	}
	for _, id := range v["id"] {
		if id = strings.TrimSpace(id); id != "" {
			f.IDs = append(f.IDs, id)
		}
	}
	if len(f.IDs) > maxIDs {
		return f, fmt.Errorf("%d letters chosen one by one: at most %d; select them by a filter instead", len(f.IDs), maxIDs)
	}
	return f, nil
}

func momentOf(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is neither a time (2026-12-05T10:00:00Z) nor a duration ago (90m, 24h)", s)
}

// query is f as the query or form fields filterOf reads, without the IDs.
func query(f deadletter.Filter) url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("handler", f.Handler)
	set("kind", f.Kind)
	set("topic", f.Topic)
	set("order", f.OrderID)
	set("cause", f.Cause)
	set("reason", f.Reason)
	if !f.Since.IsZero() {
		v.Set("since", f.Since.UTC().Format(time.RFC3339Nano))
	}
	if !f.Until.IsZero() {
		v.Set("until", f.Until.UTC().Format(time.RFC3339Nano))
	}
	if f.Pending {
		v.Set("pending", "1")
	}
	return v
}

// describe is f in words, for the log and the page: dlq's flags.
func describe(f deadletter.Filter) string {
	var parts []string
	if len(f.IDs) > 0 {
		parts = append(parts, "--id "+strings.Join(f.IDs, ","))
	}
	for _, k := range []string{"handler", "kind", "topic", "order", "cause", "reason", "since", "until"} {
		if s := query(f).Get(k); s != "" {
			parts = append(parts, "--"+k+" "+strconv.Quote(s))
		}
	}
	if f.Pending {
		parts = append(parts, "--pending")
	}
	if len(parts) == 0 {
		return "--all"
	}
	return strings.Join(parts, " ")
}
