// Package schemastest starts an in-memory schema registry for tests:
// franz-go's srfake, speaking the Confluent-compatible API as Apicurio's
// does, so that tests of the schema code run without a registry process.
package schemastest

import (
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/schemas"
	"github.com/orderflow/orderflow/events"
)

// Registry starts an in-memory registry for t, closed when t ends, that
// holds this build's schema of eventType under subject. It returns the
// registry, the schemas config that names it (wire json) and the schema's
// ID.
func Registry(t testing.TB, subject, eventType string) (*srfake.Registry, config.Schemas, int) {
	t.Helper()
	reg := srfake.New()
	t.Cleanup(reg.Close)
	id := Add(t, reg, subject, eventType)
	cfg := config.Default().Schemas
	cfg.RegistryURL, cfg.Timeout = reg.URL(), time.Second
	return reg, cfg, id
}

// Add registers this build's schema of eventType under subject in reg and
// returns its ID.
func Add(t testing.TB, reg *srfake.Registry, subject, eventType string) int {
	t.Helper()
	data, ok := events.Schema(eventType)
	if !ok {
		t.Fatalf("no schema for %s", eventType)
	}
	id, _, err := reg.RegisterSchema(subject, sr.Schema{Schema: string(data), Type: sr.TypeJSON})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Catalog is the catalog of the registry cfg names, for the default topics.
func Catalog(t testing.TB, cfg config.Schemas) *schemas.Catalog {
	t.Helper()
	client, err := schemas.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return schemas.NewCatalog(client, config.Default().Topics)
}

// Order is a valid order, as the tests of the schema code send it.
var Order = events.OrderPlaced{
	OrderID: "o-1", CustomerID: "c-1", Email: "c-1@example.com", Currency: "EUR",
	Items: []events.Item{{SKU: "A", Quantity: 2, PriceCents: 150}}, TotalCents: 300,
}
