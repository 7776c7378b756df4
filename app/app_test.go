package app_test

import (
	"reflect"
	"testing"

	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/app/config"
)

func TestGraph(t *testing.T) {
	if err := fx.ValidateApp(app.Options(config.Default())); err != nil {
		t.Fatal(err)
	}
	withRegistry := config.Default() // the schemas module and its catalog in the graph
	withRegistry.Schemas.RegistryURL, withRegistry.Schemas.Wire = "http://127.0.0.1:8085/apis/ccompat/v7", config.WireConfluent
	if err := fx.ValidateApp(app.Options(withRegistry)); err != nil {
		t.Fatalf("with a schema registry: %v", err)
	}
}

func TestPipelineRoutes(t *testing.T) {
	var got []string
	for _, r := range app.Pipeline(config.Default().Topics, nil, nil) {
		got = append(got, r.Name+":"+r.From+"->"+r.To)
	}
	want := []string{"payments:orders->payments", "shipping:payments->shipments", "notifications:payments->notifications"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("routes = %v, want %v", got, want)
	}
}
