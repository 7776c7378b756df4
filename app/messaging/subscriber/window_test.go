package subscriber

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// Offsets dealt 0..n-1 and done in a given order: after each done, the offset
// to commit must be exactly one past the longest run done from the start, and
// nothing may be committed while offset 0 is still out. Out of order, in
// reverse and at random, as redpanda connect tests its checkpointer.
func TestOffsetWindowCommitsOnlyContiguousRuns(t *testing.T) {
	const n = 200
	orders := map[string][]int64{
		"in order":  seq(n),
		"reverse":   reversed(seq(n)),
		"pairwise":  pairwiseSwapped(seq(n)),
		"random":    shuffled(seq(n), 1),
		"random #2": shuffled(seq(n), 2),
	}
	for name, doneOrder := range orders {
		t.Run(name, func(t *testing.T) {
			w := newOffsetWindow()
			for _, o := range seq(n) {
				w.add(100 + o) // a partition need not start at 0
			}
			finished := map[int64]bool{}
			committed := int64(-1)
			for _, o := range doneOrder {
				finished[o] = true
				next, ok := w.done(100 + o)
				want := int64(0)
				for finished[want] {
					want++
				}
				switch {
				case ok && next != 100+want:
					t.Fatalf("after %d done: commit %d, want %d (contiguous from the start)", o, next, 100+want)
				case ok && next <= committed:
					t.Fatalf("after %d done: commit %d went back from %d", o, next, committed)
				case !ok && want > 0 && 100+want > committed:
					t.Fatalf("after %d done: no commit, want %d", o, 100+want)
				}
				if ok {
					committed = next
				}
			}
			if committed != 100+n {
				t.Fatalf("all done: committed up to %d, want %d", committed, 100+n)
			}
			if len(w.pending) != 0 || len(w.finished) != 0 {
				t.Errorf("window holds %d pending and %d finished after all were done", len(w.pending), len(w.finished))
			}
		})
	}
}

// A gap holds the commit however much is done after it.
func TestOffsetWindowHoldsAtAGap(t *testing.T) {
	w := newOffsetWindow()
	for o := range int64(5) {
		w.add(o)
	}
	for _, o := range []int64{0, 2, 3, 4} {
		if next, ok := w.done(o); ok && next > 1 {
			t.Fatalf("done %d with 1 still out: commit %d, want at most 1", o, next)
		}
	}
	if next, ok := w.done(1); !ok || next != 5 {
		t.Fatalf("gap filled: commit %d (%v), want 5", next, ok)
	}
}

func seq(n int) []int64 {
	s := make([]int64, n)
	for i := range s {
		s[i] = int64(i)
	}
	return s
}

func reversed(s []int64) []int64 { s = slices.Clone(s); slices.Reverse(s); return s }

func pairwiseSwapped(s []int64) []int64 {
	s = slices.Clone(s)
	for i := 0; i+1 < len(s); i += 2 {
		s[i], s[i+1] = s[i+1], s[i]
	}
	return s
}

func shuffled(s []int64, seed uint64) []int64 {
	s = slices.Clone(s)
	r := rand.New(rand.NewPCG(seed, seed))
	r.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	return s
}
