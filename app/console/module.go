package console

import (
	"context"
	"log/slog"
	"time"

	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/httpserver"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/schemas"
)

// Module provides the console's *Index, followed from start to stop, and the
// console under /console/ as a route of the HTTP server. The app includes it
// when console.enabled and http.addr are set.
var Module = fx.Module("console",
	fx.Provide(
		followedIndex,
		newConsole,
		httpserver.AsRoute(func(c *Console) httpserver.Route { return httpserver.Route{Pattern: Prefix, Handler: c} }),
	),
)

// followedIndex is the index of the dead-letter topic, kept current by a
// goroutine that starts with the app and ends, waited for, when it stops.
func followedIndex(lc fx.Lifecycle, t config.Topics, c config.Console, conn kafkaclient.Conn, log *slog.Logger) *Index {
	x := NewIndex(t.DeadLetter, c.IndexPayloadBytes)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			go func() {
				defer close(done)
				x.Follow(ctx, conn, log)
			}()
			return nil
		},
		OnStop: func(stop context.Context) error {
			cancel()
			select {
			case <-done:
				return nil
			case <-stop.Done():
				return stop.Err()
			}
		},
	})
	return x
}

// ConsoleParams is what the console is built from.
type ConsoleParams struct {
	fx.In

	Index   *Index
	Conn    kafkaclient.Conn
	Topics  config.Topics
	Replay  config.Replay
	Console config.Console
	HTTP    config.HTTP
	Logger  *slog.Logger
	// Registry is the schema registry's, with schemas.registry_url; nil: none.
	Registry *schemas.Registry `optional:"true"`
}

// newConsole is the console on p.Index. A replay ends a second before
// http.write_timeout would cut its answer off, and re-validates against the
// schema registry's latest schemas when there is one.
func newConsole(p ConsoleParams) (*Console, error) {
	h := p.HTTP
	return New(Config{Index: p.Index, Conn: p.Conn, Config: config.Config{Topics: p.Topics, Replay: p.Replay, Console: p.Console},
		Registry: p.Registry, Logger: p.Logger.With("component", "console"), ReplayTimeout: max(h.WriteTimeout-time.Second, h.WriteTimeout/2)})
}
