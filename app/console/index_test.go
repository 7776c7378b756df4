package console

import (
	"testing"
	"time"

	"github.com/orderflow/orderflow/app/messaging/deadletter"
)

func TestIndexListsTheLatestFirstAndPages(t *testing.T) {
	x := filled(100, 4096)
	rows, total := x.List(deadletter.Filter{}, 0, 10)
	if total != 100 || len(rows) != 10 || rows[0].OrderID != "ord-000099" || rows[9].OrderID != "ord-000090" {
		t.Fatalf("page 0: %d rows of %d, first %s", len(rows), total, rows[0].OrderID)
	}
	rows, total = x.List(deadletter.Filter{Kind: "panic"}, 1, 4)
	if total != 10 || len(rows) != 4 || rows[0].OrderID != "ord-000050" {
		t.Fatalf("panic page 1: %d rows of %d: %+v", len(rows), total, rows)
	}
	if rows[0].Payload != nil {
		t.Error("a list row carries its payload")
	}
}

func TestIndexTriageUsesTheKeptSignatures(t *testing.T) {
	x := filled(100, 4096)
	causes := x.Triage(deadletter.Filter{})
	want := map[deadletter.Kind]int{deadletter.KindRetriesExhausted: 80, deadletter.KindPermanent: 10, deadletter.KindPanic: 10}
	if len(causes) != 3 {
		t.Fatalf("%d causes, want 3: %+v", len(causes), causes)
	}
	for _, c := range causes {
		if len(c.Kinds) != 1 || c.Count != want[c.Kinds[0]] || c.Pending != c.Count {
			t.Errorf("cause %q: %+v, want %d letters all pending", c.Signature, c, want[c.Kinds[0]])
		}
	}
	// A cause selects by the kept signature just as deadletter.Filter does.
	_, n := x.List(deadletter.Filter{Cause: causes[0].Signature}, 0, 1)
	if n != 80 {
		t.Errorf("the largest cause selects %d letters, want 80", n)
	}
	if got := x.Triage(deadletter.Filter{Until: base.Add(50 * time.Second)}); got[0].Count != 40 {
		t.Errorf("triage until +50 s: %+v, want the largest cause with 40", got[0])
	}
}

func TestIndexAppliesReplayMarkersInEitherOrder(t *testing.T) {
	x := NewIndex("dlq", 4096)
	when := base.Add(time.Hour)
	x.Add(markerRecord(1, 7, 8, when)) // before its letter (another follower's order)
	x.Add(letterRecord(1, deadletter.KindRetriesExhausted, 1, 7))
	x.Add(letterRecord(2, deadletter.KindRetriesExhausted, 1, 9))
	x.Add(markerRecord(1, 9, 10, when))
	x.Add(markerRecord(1, 9, 10, when)) // read again after a restart
	for _, o := range []int64{7, 9} {
		d, ok := x.Letter(1, o)
		if !ok || d.Letter.ReplayedAt == nil || !d.Letter.ReplayedAt.Equal(when) || len(d.Markers) != 1 {
			t.Errorf("letter at 1/%d: found %v, %+v", o, ok, d)
		}
	}
	if _, n := x.List(deadletter.Filter{Pending: true}, 0, 10); n != 0 {
		t.Errorf("%d pending, want 0", n)
	}
	if s := x.Status(); s.Letters != 2 || s.Replayed != 2 {
		t.Errorf("status %+v", s)
	}
}

// A payload over the cap is not kept, and the detail says so; a message's
// other letters (a replay that failed again) are its history.
func TestIndexBoundsWhatItKeeps(t *testing.T) {
	x := NewIndex("dlq", 10)
	r := letterRecord(3, deadletter.KindPanic, 0, 0)
	x.Add(r)
	again := letterRecord(3, deadletter.KindPanic, 0, 5)
	again.Value = []byte("{}")
	x.Add(again)
	d, _ := x.Letter(0, 0)
	if !d.PayloadDropped || d.Letter.Payload != nil {
		t.Errorf("a %d-byte payload over a 10-byte cap: dropped %v, kept %q", len(r.Value), d.PayloadDropped, d.Letter.Payload)
	}
	if len(d.Related) != 1 || d.Related[0].DLQOffset != 5 {
		t.Errorf("related letters %+v, want the one at offset 5", d.Related)
	}
	if d, _ := x.Letter(0, 5); d.PayloadDropped || string(d.Letter.Payload) != "{}" {
		t.Errorf("a 2-byte payload: dropped %v, kept %q", d.PayloadDropped, d.Letter.Payload)
	}
}

// Pages read while letters arrive never lose letters: the count only grows
// and a page is full whenever there are enough letters.
func TestIndexListsWhileLettersArrive(t *testing.T) {
	x := NewIndex("dlq", 4096)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 5000 {
			x.Add(letterRecord(i, kindOf(i), int32(i%4), int64(i/4)))
		}
	}()
	last := 0
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true
		default:
		}
		rows, total := x.List(deadletter.Filter{}, 0, 20)
		if total < last || len(rows) != min(20, total) {
			t.Fatalf("%d rows of %d (before: %d)", len(rows), total, last)
		}
		last = total
	}
	if _, total := x.List(deadletter.Filter{}, 0, 20); total != 5000 {
		t.Errorf("%d letters, want 5000", total)
	}
}

// The timeline takes the finest interval whose 48 bars reach back to the
// oldest letter, and counts each letter once.
func TestTimeline(t *testing.T) {
	now := base.Add(3*time.Hour + 2*time.Minute) // the last bar is the interval now is in
	times := []time.Time{base, base.Add(time.Minute), now.Add(-time.Second), now.Add(-time.Second)}
	tl := timeline(times, now)
	if tl.Bucket != 5*time.Minute {
		t.Errorf("bucket %s for 3 h, want 5m", tl.Bucket)
	}
	sum := tl.Older
	for _, b := range tl.Bars {
		sum += b.Count
	}
	if len(tl.Bars) != timelineBars || sum != len(times) || tl.Max != 2 || tl.Bars[len(tl.Bars)-1].Count != 2 {
		t.Errorf("%d bars counting %d letters (max %d, last %d), want 48 counting 4 (max 2, last 2)", len(tl.Bars), sum, tl.Max, tl.Bars[len(tl.Bars)-1].Count)
	}
	if tl := timeline(nil, now); tl.Bucket != time.Minute || tl.Max != 0 {
		t.Errorf("no letters: bucket %s, max %d", tl.Bucket, tl.Max)
	}
}
