package subscriber

import "sync"

// offsetWindow tracks one partition's offsets in flight, in the order they
// were dealt, and says how far the partition is done without a gap.
type offsetWindow struct {
	mu       sync.Mutex
	pending  []int64        // dealt and not yet done, in offset order, oldest first
	finished map[int64]bool // done, but behind an older pending offset
}

func newOffsetWindow() *offsetWindow { return &offsetWindow{finished: map[int64]bool{}} }

func (w *offsetWindow) add(offset int64) {
	w.mu.Lock()
	w.pending = append(w.pending, offset)
	w.mu.Unlock()
}

// done records offset as finished. If that completes a run from the oldest
// pending offset, it returns the next offset to commit.
func (w *offsetWindow) done(offset int64) (int64, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.finished[offset] = true
	advanced := false
	var next int64
	for len(w.pending) > 0 && w.finished[w.pending[0]] {
		delete(w.finished, w.pending[0])
		next = w.pending[0] + 1
		w.pending = w.pending[1:]
		advanced = true
	}
	return next, advanced
}
