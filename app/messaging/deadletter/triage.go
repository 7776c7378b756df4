package deadletter

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Cause is the dead letters that failed the same way: one Signature.
type Cause struct {
	Signature string    `json:"signature"`
	Count     int       `json:"count"`
	Pending   int       `json:"pending"` // not replayed yet
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	Handlers  []string  `json:"handlers"`
	Kinds     []Kind    `json:"kinds"`
	Example   string    `json:"example"` // the latest letter's reason, as written
}

var (
	uuidPattern   = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
	hexPattern    = regexp.MustCompile(`\b[0-9a-fA-F]{16,}\b`)
	numberPattern = regexp.MustCompile(`\d+(\.\d+)?`)
)

// Signature says how d failed, with what differs from one order to the next
// normalised away: its error type, then its reason with its own order ID as
// <order>, UUIDs as <uuid>, long hex strings (digests) as <hex> and numbers
// as <n>. Letters with one signature failed for one cause: triage groups by
// it, and --cause selects by it.
func Signature(d Letter) string {
	r := d.Reason
	if len(d.OrderID) >= 3 { // shorter IDs would match inside other words and numbers
		r = strings.ReplaceAll(r, d.OrderID, "<order>")
	}
	r = uuidPattern.ReplaceAllString(r, "<uuid>")
	r = hexPattern.ReplaceAllString(r, "<hex>")
	r = numberPattern.ReplaceAllString(r, "<n>")
	r = strings.Join(strings.Fields(r), " ")
	return d.ErrorType + ": " + r
}

// Triage groups letters by Signature, the largest cause first (ties: the
// most recent first, then by signature).
func Triage(letters []Letter) []Cause {
	sigs := make([]string, len(letters))
	for i, d := range letters {
		sigs[i] = Signature(d)
	}
	return TriageSigned(letters, sigs)
}

// TriageSigned is Triage with each letter's Signature computed already
// (sigs[i] is letters[i]'s): the console keeps them, and a hundred thousand
// signatures cost more than the grouping.
func TriageSigned(letters []Letter, sigs []string) []Cause {
	index := map[string]int{}
	var causes []Cause
	for n, d := range letters {
		sig := sigs[n]
		i, seen := index[sig]
		if !seen {
			i = len(causes)
			index[sig] = i
			causes = append(causes, Cause{Signature: sig, FirstSeen: d.FailedAt, LastSeen: d.FailedAt, Example: d.Reason})
		}
		c := &causes[i]
		c.Count++
		if d.ReplayedAt == nil {
			c.Pending++
		}
		if d.FailedAt.Before(c.FirstSeen) {
			c.FirstSeen = d.FailedAt
		}
		if !d.FailedAt.Before(c.LastSeen) {
			c.LastSeen, c.Example = d.FailedAt, d.Reason
		}
		if !slices.Contains(c.Handlers, d.Handler) {
			c.Handlers = append(c.Handlers, d.Handler)
		}
		if !slices.Contains(c.Kinds, d.ErrorKind) {
			c.Kinds = append(c.Kinds, d.ErrorKind)
		}
	}
	for i := range causes {
		slices.Sort(causes[i].Handlers)
		slices.Sort(causes[i].Kinds)
	}
	slices.SortStableFunc(causes, func(a, b Cause) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), b.LastSeen.Compare(a.LastSeen), cmp.Compare(a.Signature, b.Signature))
	})
	return causes
}
