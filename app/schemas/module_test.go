package schemas_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr/srfake"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/goleak"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/schemas"
	"github.com/orderflow/orderflow/app/schemas/schemastest"
	"github.com/orderflow/orderflow/events"
)

// started starts the module on a registry that holds only
// orders-OrderPlaced, and checks that the catalog says the others are
// missing once the first warm-up has run.
func started(t *testing.T) (*srfake.Registry, *schemas.Catalog, *fxtest.App) {
	t.Helper()
	reg, cfg, _ := schemastest.Registry(t, "orders-OrderPlaced", events.TypeOrderPlaced)
	var cat *schemas.Catalog
	app := fxtest.New(t, schemas.Module, fx.NopLogger,
		fx.Supply(cfg, config.Default().Topics, slog.New(slog.DiscardHandler)), fx.Populate(&cat))
	app.RequireStart()
	time.Sleep(100 * time.Millisecond) // the first warm-up has run, not the second
	if err := cat.Resolved(); err == nil {
		t.Fatal("Resolved() = nil with only orders-OrderPlaced registered")
	}
	return reg, cat, app
}

// The module's warm-up keeps looking up a subject registered after the app
// started, until it finds it, and its goroutine ends with the app.
func TestModuleWarmsUntilEverySubjectIsFound(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // last: after the registry has closed
	reg, cat, app := started(t)
	for _, s := range schemas.Subjects(config.Default().Topics)[1:] {
		schemastest.Add(t, reg, s.Name, s.EventType)
	}
	deadline := time.Now().Add(5 * time.Second)
	for cat.Resolved() != nil && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if err := cat.Resolved(); err != nil {
		t.Errorf("5 s after registering every subject: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := app.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}

// Stopped while a subject is still missing, the app ends the warm-up.
func TestModuleWarmUpEndsWithTheApp(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // last: after the registry has closed
	_, _, app := started(t)
	app.RequireStop()
}
