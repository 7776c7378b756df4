package cli

import (
	"context"
	"syscall"
	"testing"
	"time"
)

// The first signal ends stop, the second abort: the second is heard from the
// start, not only once serve begins to drain. (Two signals sent before the
// first is delivered are one to the kernel, so the second follows the first.)
func TestSignalsFirstStopsSecondAborts(t *testing.T) {
	stop, abort, release := signals()
	defer release()
	for _, c := range []struct {
		name string
		ctx  context.Context
	}{{"stop", stop}, {"abort", abort}} {
		name, ctx := c.name, c.ctx
		if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
			t.Fatalf("%s did not end after its SIGTERM", name)
		}
	}
}

func TestSignalsOneStopsOnly(t *testing.T) {
	stop, abort, release := signals()
	defer release()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-stop.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("stop did not end after SIGINT")
	}
	if abort.Err() != nil {
		t.Error("one signal aborted: the drain would be cut short")
	}
}
