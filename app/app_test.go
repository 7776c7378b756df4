package app_test

import (
	"testing"

	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/app/config"
)

func TestGraph(t *testing.T) {
	if err := fx.ValidateApp(app.Options(config.Default())); err != nil {
		t.Fatal(err)
	}
}
