package console

import (
	"cmp"
	"slices"
	"time"

	"github.com/orderflow/orderflow/app/messaging/deadletter"
)

// matcher is f made fast over the index: a cause is compared with the
// signature kept for each letter instead of computing it again.
type matcher struct {
	cause string
	rest  deadletter.Filter
}

func matcherOf(f deadletter.Filter) matcher {
	m := matcher{cause: f.Cause, rest: f}
	m.rest.Cause = ""
	return m
}

// match reports whether letter i passes. x.mu is held.
func (x *Index) match(m matcher, i int) bool {
	return (m.cause == "" || x.sigs[i] == m.cause) && m.rest.Match(x.letters[i])
}

// List returns the page (from 0) of size letters f selects, the latest
// failure first, without their payloads, and how many f selects in all.
func (x *Index) List(f deadletter.Filter, page, size int) ([]deadletter.Letter, int) {
	m := matcherOf(f)
	defer x.lockNewest()()
	from := page * size
	var rows []deadletter.Letter
	total := 0
	for _, i := range x.newest {
		if !x.match(m, int(i)) {
			continue
		}
		if total >= from && total < from+size {
			d := x.letters[i]
			d.Payload = nil
			rows = append(rows, d)
		}
		total++
	}
	return rows, total
}

// Triage groups the letters f selects by cause (deadletter.TriageSigned,
// with the signatures kept).
func (x *Index) Triage(f deadletter.Filter) []deadletter.Cause {
	m := matcherOf(f)
	x.mu.RLock()
	defer x.mu.RUnlock()
	if selectsAll(f) {
		return deadletter.TriageSigned(x.letters, x.sigs)
	}
	var letters []deadletter.Letter
	var sigs []string
	for i := range x.letters {
		if x.match(m, i) {
			letters, sigs = append(letters, x.letters[i]), append(sigs, x.sigs[i])
		}
	}
	return deadletter.TriageSigned(letters, sigs)
}

// Detail is one letter and what the index knows around it.
type Detail struct {
	Letter deadletter.Letter
	// PayloadDropped: the payload was larger than the index keeps; it is to
	// be read back from the topic.
	PayloadDropped bool
	Signature      string
	Markers        []time.Time         // every replay recorded for this letter
	Related        []deadletter.Letter // the other letters of the same message (UUID), oldest first, without payloads
}

// Letter returns the letter at partition and offset of the dead-letter topic.
func (x *Index) Letter(partition int32, offset int64) (Detail, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	i, ok := x.at[position{partition, offset}]
	if !ok {
		return Detail{}, false
	}
	d := Detail{Letter: x.letters[i], PayloadDropped: x.dropped[i], Signature: x.sigs[i],
		Markers: slices.Clone(x.markers[position{partition, offset}])}
	d.Letter.Payload = slices.Clone(d.Letter.Payload)
	slices.SortFunc(d.Markers, time.Time.Compare)
	if d.Letter.UUID != "" {
		for j, o := range x.letters {
			if j != i && o.UUID == d.Letter.UUID {
				o.Payload = nil
				d.Related = append(d.Related, o)
			}
		}
	}
	slices.SortFunc(d.Related, func(a, b deadletter.Letter) int { return a.FailedAt.Compare(b.FailedAt) })
	return d, true
}

// Cell is the letters of one handler and kind.
type Cell struct {
	Handler  string
	Kind     deadletter.Kind
	Pending  int
	Replayed int
}

// Overview is the dead-letter topic at a glance.
type Overview struct {
	Letters, Pending, Replayed int
	Cells                      []Cell    // by handler, then kind
	OldestPending              time.Time // zero: none pending
	Timeline                   Timeline
}

// Overview counts the letters by handler and kind, pending and replayed,
// and over time.
func (x *Index) Overview(now time.Time) Overview {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var o Overview
	cells := map[[2]string]*Cell{}
	times := make([]time.Time, 0, len(x.letters))
	for _, d := range x.letters {
		o.Letters++
		k := [2]string{d.Handler, string(d.ErrorKind)}
		c := cells[k]
		if c == nil {
			c = &Cell{Handler: d.Handler, Kind: d.ErrorKind}
			cells[k] = c
		}
		if d.ReplayedAt != nil {
			o.Replayed++
			c.Replayed++
		} else {
			o.Pending++
			c.Pending++
			if o.OldestPending.IsZero() || d.FailedAt.Before(o.OldestPending) {
				o.OldestPending = d.FailedAt
			}
		}
		times = append(times, d.FailedAt)
	}
	for _, c := range cells {
		o.Cells = append(o.Cells, *c)
	}
	slices.SortFunc(o.Cells, func(a, b Cell) int {
		return cmp.Or(cmp.Compare(a.Handler, b.Handler), cmp.Compare(a.Kind, b.Kind))
	})
	o.Timeline = timeline(times, now)
	return o
}

// selectsAll reports whether f sets no field.
func selectsAll(f deadletter.Filter) bool {
	return len(f.IDs) == 0 && f.Handler == "" && f.Topic == "" && f.Kind == "" && f.OrderID == "" &&
		f.Cause == "" && f.Reason == "" && f.Since.IsZero() && f.Until.IsZero() && !f.Pending
}
