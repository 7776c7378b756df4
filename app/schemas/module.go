package schemas

import (
	"context"
	"log/slog"
	"sync"

	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/config"
)

// Module provides the Catalog of the registry schemas.registry_url names,
// for the router's codec (codec.Wire) and readiness, warmed in the
// background as the app starts. The app includes it only with a
// registry_url: without one nothing provides a Catalog, and the pipeline's
// payloads are plain JSON without schema headers.
var Module = fx.Module("schemas", fx.Provide(newWarmCatalog))

// newWarmCatalog is NewCatalog, looking every subject of topics up from the
// app's start until it is done or the app stops; a registry that is down
// then only delays the lookups to the first messages that need them.
func newWarmCatalog(lc fx.Lifecycle, cfg config.Schemas, topics config.Topics, log *slog.Logger) (*Catalog, error) {
	c, err := NewCatalog(cfg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	var warming sync.WaitGroup
	lc.Append(fx.StartStopHook(
		func() {
			warming.Go(func() {
				if err := c.Warm(ctx, topics); err != nil {
					log.Warn("schema registry: some subjects not looked up yet; the first message of each will", "err", err)
				}
			})
		},
		func() { cancel(); warming.Wait() },
	))
	return c, nil
}
