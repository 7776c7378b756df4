package gateway

import (
	"context"
	"fmt"
	"os"
	"time"
)

// lockFile takes an exclusive lock on f, shared by every process that opens the
// same file, waiting for another holder no longer than ctx allows (the
// handler's timeout): a stuck holder costs an attempt, not a wedged handler.
func lockFile(ctx context.Context, f *os.File) (release func(), err error) {
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		ok, err := tryLock(f)
		if err != nil {
			return nil, fmt.Errorf("lock gateway store: %w", err)
		}
		if ok {
			return func() { _ = unlock(f) }, nil // closing the file unlocks too
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("lock gateway store: held by another process: %w", ctx.Err())
		}
	}
}
