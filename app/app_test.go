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
