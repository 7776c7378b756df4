package handling

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/events"
)

// retry waits what retry.* says between attempts — the first wait is
// initial_interval, not twice it as Watermill's Retry made it — gives each
// attempt the message's own context again, stops at a permanent error, and
// gives up at once when the message's context ends during a wait.
func TestRetryWaitsAsConfigured(t *testing.T) {
	c := config.Retry{MaxAttempts: 3, InitialInterval: 200 * time.Millisecond, MaxInterval: 800 * time.Millisecond, Multiplier: 2}
	transient := errors.New("gateway unavailable")

	t.Run("waits", func(t *testing.T) {
		var at []time.Time
		orig := context.WithValue(context.Background(), attemptsCtx{}, "original")
		h := retry(c)(func(msg *message.Message) ([]*message.Message, error) {
			at = append(at, time.Now())
			if msg.Context() != orig {
				t.Errorf("attempt %d got another context than the message's", len(at))
			}
			msg.SetContext(context.Background()) // as the timeout middleware's does
			return nil, transient
		})
		msg := message.NewMessage("1", nil)
		msg.SetContext(orig)
		if _, err := h(msg); !errors.Is(err, transient) {
			t.Fatalf("err %v, want the last attempt's", err)
		}
		if len(at) != 3 {
			t.Fatalf("%d attempts, want 3", len(at))
		}
		// Jitter 0: 200 ms, then 400 ms (Watermill's waited 400 ms, then
		// 800). A wait is never shorter; it may be late — on two loaded
		// cores by a lot — but not as late as the next step's length.
		for i, want := range []time.Duration{200 * time.Millisecond, 400 * time.Millisecond} {
			if got := at[i+1].Sub(at[i]); got < want || got >= 2*want {
				t.Errorf("wait %d: %s, want %s", i+1, got, want)
			}
		}
	})

	t.Run("permanent", func(t *testing.T) {
		calls := 0
		h := retry(c)(func(*message.Message) ([]*message.Message, error) {
			calls++
			if calls == 1 {
				return nil, transient
			}
			return nil, events.Permanent(errors.New("unknown currency"))
		})
		if _, err := h(message.NewMessage("1", nil)); !events.IsPermanent(err) || calls != 2 {
			t.Fatalf("err %v after %d attempts, want permanent after 2", err, calls)
		}
	})

	t.Run("context ends during a wait", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		h := retry(config.Retry{MaxAttempts: 5, InitialInterval: time.Hour, MaxInterval: time.Hour, Multiplier: 2})(
			func(*message.Message) ([]*message.Message, error) {
				calls++
				cancel()
				return nil, transient
			})
		msg := message.NewMessage("1", nil)
		msg.SetContext(ctx)
		done := make(chan error, 1)
		go func() { _, err := h(msg); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, transient) || calls != 1 {
				t.Fatalf("err %v after %d attempts, want the first attempt's", err, calls)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("still waiting an hour after the message's context ended")
		}
	})
}
