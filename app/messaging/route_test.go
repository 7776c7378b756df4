package messaging

import (
	"context"
	"strings"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/app/messaging/codec"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/events"
)

// The adapter between Watermill and a step: what it refuses, and what it
// hands on. Every refusal is permanent and names the problem.
func TestHandlerFunc(t *testing.T) {
	order := events.OrderPlaced{
		OrderID: "o-1", CustomerID: "c-1", Email: "c-1@example.com", Currency: "EUR",
		Items: []events.Item{{SKU: "A", Quantity: 2, PriceCents: 150}}, TotalCents: 300,
	}
	valid, err := codec.NewEventMessage(order, "corr-1")
	if err != nil {
		t.Fatal(err)
	}
	withHeader := func(k, v string) *message.Message {
		m := valid.Copy()
		m.Metadata.Set(k, v)
		return m
	}
	noType := valid.Copy()
	delete(noType.Metadata, events.HeaderType)
	tests := []struct {
		name   string
		give   *message.Message
		assume string
		want   string // "" for handed on
	}{
		{name: "valid", give: valid},
		{name: "too large", give: message.NewMessage("m", make([]byte, 2000)), want: "payload is 2000 bytes, over handler.max_message_bytes 1024"},
		{name: "no event type", give: noType, want: "message has no event_type header"},
		{name: "no event type, assumed", give: noType, assume: events.TypeOrderPlaced},
		{name: "version not a number", give: withHeader(events.HeaderVersion, "two"), want: `event_version header "two" is not a number`},
		{name: "unknown version", give: withHeader(events.HeaderVersion, "9"), want: "unsupported schema version 9 of OrderPlaced"},
		{name: "unknown type", give: withHeader(events.HeaderType, "OrderShipped"), want: `unknown event type "OrderShipped"`},
		{name: "not JSON", give: func() *message.Message { m := valid.Copy(); m.Payload = []byte("{nope"); return m }(), want: "payload is not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got events.Event
			step := func(_ context.Context, in events.Event) (events.Event, error) {
				got = in
				return events.ShipmentScheduled{OrderID: "o-1", ShipmentID: "shp-o-1", Carrier: "dhl"}, nil
			}
			out, err := handlerFunc(Route{Name: "shipping", DefaultType: tt.assume, Handle: step}, 1024, codec.Wire{})(tt.give)
			if tt.want != "" {
				if err == nil || !events.IsPermanent(err) || !strings.Contains(err.Error(), tt.want) || got != nil {
					t.Fatalf("error %v (step called: %v), want a permanent %q and the step not called", err, got != nil, tt.want)
				}
				return
			}
			if err != nil || len(out) != 1 {
				t.Fatalf("%v, %v; want one output", out, err)
			}
			if o := out[0]; kafkaclient.KeyOf(o) != "o-1" || o.Metadata.Get(events.HeaderType) != events.TypeShipmentScheduled {
				t.Errorf("output key %q type %q, want o-1 and %s", kafkaclient.KeyOf(o), o.Metadata.Get(events.HeaderType), events.TypeShipmentScheduled)
			}
			again, _ := handlerFunc(Route{Name: "shipping", DefaultType: tt.assume, Handle: step}, 1024, codec.Wire{})(tt.give)
			if again[0].UUID != out[0].UUID {
				t.Errorf("a redelivered input gave output UUID %s, then %s: want the same", out[0].UUID, again[0].UUID)
			}
		})
	}
}

// A handler's output carries its input's delivery, so the publisher counts it
// there and the input's offset waits for the brokers to acknowledge it.
func TestOutputCarriesItsInputsDelivery(t *testing.T) {
	in, err := codec.NewEventMessage(events.OrderPlaced{
		OrderID: "o-1", CustomerID: "c-1", Email: "c-1@example.com", Currency: "EUR",
		Items: []events.Item{{SKU: "A", Quantity: 1, PriceCents: 100}}, TotalCents: 100,
	}, "corr-1")
	if err != nil {
		t.Fatal(err)
	}
	d := &kafkaclient.Delivery{}
	in.SetContext(kafkaclient.WithDelivery(context.Background(), d))
	step := func(context.Context, events.Event) (events.Event, error) {
		return events.ShipmentScheduled{OrderID: "o-1", ShipmentID: "shp-o-1", Carrier: "dhl"}, nil
	}
	out, err := handlerFunc(Route{Name: "shipping", Handle: step}, 1024, codec.Wire{})(in)
	if err != nil || len(out) != 1 {
		t.Fatalf("%v, %v; want one output", out, err)
	}
	if got := kafkaclient.DeliveryFrom(out[0].Context()); got != d {
		t.Errorf("the output's delivery is %p, want its input's %p", got, d)
	}
}
