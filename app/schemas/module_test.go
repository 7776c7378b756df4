package schemas_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/goleak"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/schemas"
	"github.com/orderflow/orderflow/app/schemas/schemastest"
	"github.com/orderflow/orderflow/events"
)

// The module's warm-up keeps looking up a subject registered after the app
// started, until it finds it, and its goroutine ends with the app.
func TestModuleWarmsUntilEverySubjectIsFound(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // last: after the registry has closed
	reg, cfg, _ := schemastest.Registry(t, "orders-OrderPlaced", events.TypeOrderPlaced)
	var cat *schemas.Catalog
	app := fxtest.New(t, schemas.Module, fx.NopLogger,
		fx.Supply(cfg, config.Default().Topics, slog.New(slog.DiscardHandler)), fx.Populate(&cat))
	app.RequireStart()
	time.Sleep(100 * time.Millisecond) // the first warm-up has run, without the others
	if err := cat.Resolved(); err == nil {
		t.Fatal("Resolved() = nil with only orders-OrderPlaced registered")
	}
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
	_, cfg, _ := schemastest.Registry(t, "orders-OrderPlaced", events.TypeOrderPlaced)
	var cat *schemas.Catalog
	app := fxtest.New(t, schemas.Module, fx.NopLogger,
		fx.Supply(cfg, config.Default().Topics, slog.New(slog.DiscardHandler)), fx.Populate(&cat))
	app.RequireStart()
	time.Sleep(100 * time.Millisecond)
	if cat.Resolved() == nil {
		t.Fatal("Resolved() = nil with only orders-OrderPlaced registered")
	}
	app.RequireStop()
}
