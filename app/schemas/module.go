package schemas

import "go.uber.org/fx"

// Module provides the Catalog of the registry schemas.registry_url names,
// for the router's codec (codec.Wire) and readiness. The app includes it
// only with a registry_url: without one nothing provides a Catalog, and the
// pipeline's payloads are plain JSON without schema headers.
var Module = fx.Module("schemas", fx.Provide(NewCatalog))
