package console

import (
	"context"
	"log/slog"
	"time"

	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
)

// recheck is how often the topic's end offsets are asked for: how soon the
// index notices that it is behind, or that the topic cannot be read.
const recheck = 2 * time.Second

// Follow keeps x current with its topic on conn until ctx ends: it reads the
// topic from its oldest record on and keeps reading, and records every few
// seconds where the topic ends, or why it cannot be read. A topic missing or
// unreachable is retried, a little less often each time, up to every 10 s.
func (x *Index) Follow(ctx context.Context, conn kafkaclient.Conn, log *slog.Logger) {
	backoff := time.Second
	for ctx.Err() == nil {
		f, err := kafkaclient.Follow(conn, x.topic)
		if err == nil {
			backoff = time.Second
			err = x.follow(ctx, f)
			f.Close()
		}
		if ctx.Err() != nil {
			return
		}
		x.setErr(err)
		log.Warn("console: cannot read the dead-letter topic", "topic", x.topic, "err", err, "retry_in", backoff)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
		}
		backoff = min(2*backoff, 10*time.Second)
	}
}

// follow reads f into x until ctx ends (nil) or reading stops (why).
func (x *Index) follow(ctx context.Context, f *kafkaclient.Follower) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx, x.Add) }()
	check := func() {
		if ends, err := f.Ends(); err != nil {
			x.setErr(err)
		} else {
			x.setEnds(ends)
		}
	}
	check()
	tick := time.NewTicker(recheck)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			return err
		case <-tick.C:
			check()
		case <-ctx.Done():
			<-done
			return nil
		}
	}
}
