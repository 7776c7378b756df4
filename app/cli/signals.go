package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// signals turns SIGINT and SIGTERM into two contexts: stop ends at the first
// (finish what is in flight, then exit), abort at the second (exit now). Both
// are heard from the start, so a second signal is never lost, however soon it
// follows the first. release stops listening; the goroutine ends with it.
func signals() (stop, abort context.Context, release func()) {
	stop, stopNow := context.WithCancel(context.Background())
	abort, abortNow := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		for n := 0; ; n++ {
			select {
			case <-ch:
				if n == 0 {
					stopNow()
				} else {
					abortNow()
				}
			case <-done:
				return
			}
		}
	}()
	return stop, abort, func() {
		signal.Stop(ch)
		close(done)
		stopNow()
		abortNow()
	}
}
