package schemas

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/config"
)

// Module provides one registry client, built from schemas.registry_url, and
// on it the Catalog (for the router's codec, the intake and readiness),
// warmed in the background from the app's start until every subject is
// looked up, and the Registry (for replays). The app includes it only with
// a registry_url: without one nothing provides a Catalog, and the
// pipeline's payloads are plain JSON without schema headers.
var Module = fx.Module("schemas", fx.Provide(NewClient, newWarmCatalog, NewRegistry))

// Warm-up retries: the first after warmFirst, each later one twice as late,
// up to warmMost apart.
const (
	warmFirst = time.Second
	warmMost  = 30 * time.Second
)

// newWarmCatalog is NewCatalog, warmed in the background (warmUntilDone).
func newWarmCatalog(lc fx.Lifecycle, client *sr.Client, topics config.Topics, log *slog.Logger) *Catalog {
	c := NewCatalog(client, topics)
	warmUntilDone(lc, c, log, warmFirst, warmMost)
	return c
}

// warmUntilDone looks every subject of c up from the app's start, again
// and again with backoff (from first, doubling, up to most apart) until
// every one is found or the app stops: a subject not registered yet, or a
// registry down at the start, is found once it is there, without waiting
// for a message that needs it. The goroutine ends with the app.
func warmUntilDone(lc fx.Lifecycle, c *Catalog, log *slog.Logger, first, most time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	var warming sync.WaitGroup
	lc.Append(fx.StartStopHook(
		func() {
			warming.Go(func() {
				for wait := first; ; wait = min(2*wait, most) {
					err := c.Warm(ctx)
					if err == nil {
						return
					}
					log.Warn("schema registry: some subjects not looked up yet; steps writing them wait", "err", err, "retry_in", wait)
					select {
					case <-ctx.Done():
						return
					case <-time.After(wait):
					}
				}
			})
		},
		func() { cancel(); warming.Wait() },
	))
}
