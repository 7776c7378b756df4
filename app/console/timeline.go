package console

import (
	"time"
)

// Timeline is letters per interval up to now, as bars of an inline SVG
// drawn on the server (no script, no style attribute: the CSP allows none).
type Timeline struct {
	Bucket        time.Duration
	Bars          []Bar
	Max           int // the tallest bar's count
	Older         int // letters before the first bar
	Width, Height int // of the SVG
	Baseline      int // where the bars stand
}

// Bar is one interval's letters and its rectangle in the SVG.
type Bar struct {
	From       time.Time
	Count      int
	X, Y, W, H int
}

const (
	timelineBars   = 48
	timelineWidth  = 720
	timelineHeight = 120
)

// buckets are the intervals a timeline may use, the finest first: the first
// whose 48 bars reach back to the oldest letter is taken.
var buckets = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour}

func timeline(times []time.Time, now time.Time) Timeline {
	oldest := now
	for _, t := range times {
		if t.Before(oldest) && !t.IsZero() {
			oldest = t
		}
	}
	tl := Timeline{Bucket: buckets[len(buckets)-1], Width: timelineWidth, Height: timelineHeight, Baseline: timelineHeight - 20}
	for _, b := range buckets {
		if now.Sub(oldest) < time.Duration(timelineBars-1)*b {
			tl.Bucket = b
			break
		}
	}
	end := now.Truncate(tl.Bucket).Add(tl.Bucket)
	start := end.Add(-timelineBars * tl.Bucket)
	counts := make([]int, timelineBars)
	for _, t := range times {
		if t.Before(start) {
			tl.Older++
			continue
		}
		i := int(t.Sub(start) / tl.Bucket)
		if i >= timelineBars {
			i = timelineBars - 1 // a clock ahead of ours
		}
		counts[i]++
	}
	for _, c := range counts {
		tl.Max = max(tl.Max, c)
	}
	w := timelineWidth / timelineBars
	for i, c := range counts {
		h := 0
		if tl.Max > 0 {
			h = c * (timelineHeight - 20) / tl.Max
		}
		if c > 0 && h == 0 {
			h = 1
		}
		tl.Bars = append(tl.Bars, Bar{From: start.Add(time.Duration(i) * tl.Bucket), Count: c,
			X: i * w, Y: timelineHeight - 20 - h, W: w - 2, H: h})
	}
	return tl
}
