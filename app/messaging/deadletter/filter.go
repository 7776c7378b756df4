package deadletter

import (
	"slices"
	"strings"
	"time"
)

// Filter selects dead letters; an empty field matches all.
type Filter struct {
	IDs     []string // message UUIDs
	Handler string
	Topic   string
	Kind    string
	OrderID string
	Cause   string    // a Signature, as dlq triage shows it
	Reason  string    // text in the reason, any case
	Since   time.Time // failed at or after (zero: no bound)
	Until   time.Time // failed before (zero: no bound)
	Pending bool      // only letters not replayed yet
}

// Match reports whether d passes every set field.
func (f Filter) Match(d Letter) bool {
	if len(f.IDs) > 0 && !slices.Contains(f.IDs, d.UUID) {
		return false
	}
	return (f.Handler == "" || f.Handler == d.Handler) &&
		(f.Topic == "" || f.Topic == d.Topic) &&
		(f.Kind == "" || strings.EqualFold(f.Kind, string(d.ErrorKind))) &&
		(f.OrderID == "" || f.OrderID == d.OrderID) &&
		(f.Cause == "" || f.Cause == Signature(d)) &&
		(f.Reason == "" || strings.Contains(strings.ToLower(d.Reason), strings.ToLower(f.Reason))) &&
		(f.Since.IsZero() || !d.FailedAt.Before(f.Since)) &&
		(f.Until.IsZero() || d.FailedAt.Before(f.Until)) &&
		(!f.Pending || d.ReplayedAt == nil)
}
