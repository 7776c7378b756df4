package events_test

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/orderflow/orderflow/events"
)

// compileSchema compiles the repo's schema of eventType as a registry's
// client would: draft-07, formats (date-time) asserted.
func compileSchema(t *testing.T, eventType string) *jsonschema.Schema {
	t.Helper()
	data, ok := events.Schema(eventType)
	if !ok {
		t.Fatalf("no schema for %s", eventType)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s.json: %v", eventType, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(eventType+".json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(eventType + ".json")
	if err != nil {
		t.Fatalf("%s.json: %v", eventType, err)
	}
	return sch
}

// refusedAt validates payload and returns the member paths the schema
// refuses (items[0].quantity), nil when it accepts the payload.
func refusedAt(t *testing.T, sch *jsonschema.Schema, payload string) []string {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(payload))
	if err != nil {
		t.Fatalf("%s: %v", payload, err)
	}
	var verr *jsonschema.ValidationError
	if err := sch.Validate(inst); !errors.As(err, &verr) {
		return nil
	}
	var paths []string
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		for _, c := range e.Causes {
			walk(c)
		}
		if len(e.Causes) > 0 {
			return
		}
		switch k := e.ErrorKind.(type) {
		case *kind.Required:
			for _, m := range k.Missing {
				paths = append(paths, events.MemberPath(append(e.InstanceLocation, m)))
			}
		case *kind.AdditionalProperties:
			for _, p := range k.Properties {
				paths = append(paths, events.MemberPath(append(e.InstanceLocation, p)))
			}
		default:
			paths = append(paths, events.MemberPath(e.InstanceLocation))
		}
	}
	walk(verr)
	return paths
}

// Every event type has a schema, and every schema file an event type.
func TestEverySchemaHasItsType(t *testing.T) {
	for _, typ := range events.Types() {
		compileSchema(t, typ)
		if _, err := events.Decode(typ, events.Version, []byte("{")); err == nil || strings.Contains(err.Error(), "unknown event type") {
			t.Errorf("%s has a schema but the decoder does not know it: %v", typ, err)
		}
	}
	if _, ok := events.Schema("NoSuchEvent"); ok {
		t.Error(`Schema("NoSuchEvent") found one`)
	}
}

// A record that Go writes, with encoding/json or events.Encode, is one its
// schema accepts.
func TestSchemasAcceptWhatGoWrites(t *testing.T) {
	placed := time.Date(2026, 11, 23, 10, 15, 0, 123456789, time.UTC)
	for _, ev := range []events.Event{
		events.OrderPlaced{OrderID: "o-1", CustomerID: "c-1", Email: "c-1@example.com", Currency: "EUR",
			ShipTo: events.Address{Name: "Ada", Street: "1 Main St", City: "Berlin", Postcode: "10115", Country: "DE"},
			Items:  []events.Item{{SKU: "A", Quantity: 2, PriceCents: 150}, {SKU: "B", Quantity: 1}}, TotalCents: 300, PlacedAt: placed},
		validOrder(), // no placed_at: Go writes the zero time, which the schema accepts
		events.PaymentSucceeded{OrderID: "o-1", PaymentID: "pay-1", CustomerID: "c-1", Email: "c-1@example.com",
			AmountCents: 300, Currency: "EUR", ChargedAt: placed, PlacedAt: placed},
		events.PaymentDeclined{OrderID: "o-1", CustomerID: "c-1", Email: "c-1@example.com", AmountCents: 90000,
			Currency: "EUR", Reason: "over the limit", PlacedAt: placed},
		events.ShipmentScheduled{OrderID: "o-1", ShipmentID: "shp-o-1", Carrier: "DHL", ETA: placed.Add(48 * time.Hour), PlacedAt: placed},
		events.CustomerNotified{OrderID: "o-1", CustomerID: "c-1", Channel: "email", To: "c-1@example.com", Template: "payment_succeeded", PlacedAt: placed},
	} {
		sch := compileSchema(t, ev.EventType())
		std, err := stdjson.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		ours, err := events.Encode(ev)
		if err != nil {
			t.Fatal(err)
		}
		for _, data := range [][]byte{std, ours} {
			if paths := refusedAt(t, sch, string(data)); paths != nil {
				t.Errorf("%s's schema refuses what Go writes, at %v:\n%s", ev.EventType(), paths, data)
			}
			if _, err := events.Decode(ev.EventType(), events.Version, data); err != nil {
				t.Errorf("the decoder refuses what Go writes: %v", err)
			}
		}
	}
}

const (
	order   = `{"order_id":"o-1","customer_id":"c-1","email":"c-1@example.com","items":[{"sku":"A","quantity":2,"price_cents":150}],"total_cents":300,"currency":"EUR"%s}`
	payment = `{"order_id":"o-1","payment_id":"pay-1","email":"c-1@example.com","amount_cents":300,"currency":"EUR"%s}`
)

// A record its schema refuses is refused by the decoder too, whose message
// names the member the schema names: a producer that checks its records
// against the registry's schema sees the same fault orderflow reports.
func TestDecoderRefusesWhatSchemasRefuse(t *testing.T) {
	tests := []struct {
		name, eventType, give string
		want                  string // the member both name
	}{
		{"missing order_id", events.TypeOrderPlaced, `{"customer_id":"c-1","email":"c-1@example.com","items":[{"sku":"A","quantity":2,"price_cents":150}],"total_cents":300,"currency":"EUR"}`, "order_id"},
		{"empty customer_id", events.TypeOrderPlaced, strings.Replace(fmt.Sprintf(order, ""), `"c-1"`, `""`, 1), "customer_id"},
		{"no items", events.TypeOrderPlaced, strings.Replace(fmt.Sprintf(order, ""), `[{"sku":"A","quantity":2,"price_cents":150}]`, `[]`, 1), "items"},
		{"zero quantity", events.TypeOrderPlaced, strings.Replace(fmt.Sprintf(order, ""), `"quantity":2`, `"quantity":0`, 1), "items[0].quantity"},
		{"quantity as a string", events.TypeOrderPlaced, strings.Replace(fmt.Sprintf(order, ""), `"quantity":2`, `"quantity":"2"`, 1), "items[0].quantity"},
		{"negative price", events.TypeOrderPlaced, strings.Replace(fmt.Sprintf(order, ""), `"price_cents":150`, `"price_cents":-1`, 1), "items[0].price_cents"},
		{"line without sku", events.TypeOrderPlaced, strings.Replace(fmt.Sprintf(order, ""), `"sku":"A",`, ``, 1), "items[0].sku"},
		{"zero total", events.TypeOrderPlaced, strings.Replace(fmt.Sprintf(order, ""), `"total_cents":300`, `"total_cents":0`, 1), "total_cents"},
		{"lower-case currency", events.TypeOrderPlaced, strings.Replace(fmt.Sprintf(order, ""), `"EUR"`, `"eur"`, 1), "currency"},
		{"email with a space", events.TypeOrderPlaced, strings.Replace(fmt.Sprintf(order, ""), `c-1@example.com`, `c 1@example.com`, 1), "email"},
		{"placed_at without an offset", events.TypeOrderPlaced, fmt.Sprintf(order, `,"placed_at":"2026-11-23T10:15:00"`), "placed_at"},
		{"unknown field", events.TypeOrderPlaced, fmt.Sprintf(order, `,"fault":"fail"`), "fault"},
		{"unknown address field", events.TypeOrderPlaced, fmt.Sprintf(order, `,"ship_to":{"zip":"10115"}`), "ship_to.zip"},
		{"payment without payment_id", events.TypePaymentSucceeded, strings.Replace(fmt.Sprintf(payment, ""), `"payment_id":"pay-1",`, ``, 1), "payment_id"},
		{"negative charge", events.TypePaymentSucceeded, strings.Replace(fmt.Sprintf(payment, ""), `"amount_cents":300`, `"amount_cents":-300`, 1), "amount_cents"},
		{"decline in a 4-letter currency", events.TypePaymentDeclined, strings.Replace(fmt.Sprintf(payment, ""), `"payment_id":"pay-1","email":"c-1@example.com","amount_cents":300,"currency":"EUR"`, `"email":"c-1@example.com","amount_cents":300,"currency":"EURO"`, 1), "currency"},
		{"shipment eta not a time", events.TypeShipmentScheduled, `{"order_id":"o-1","eta":"tomorrow"}`, "eta"},
		{"shipment with a fault", events.TypeShipmentScheduled, `{"order_id":"o-1","fault":"x"}`, "fault"},
		{"notification to a number", events.TypeCustomerNotified, `{"order_id":"o-1","to":5}`, "to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			paths := refusedAt(t, compileSchema(t, tt.eventType), tt.give)
			if !contains(paths, tt.want) {
				t.Fatalf("the schema refuses %s at %v, want at %s", tt.give, paths, tt.want)
			}
			_, err := events.Decode(tt.eventType, events.Version, []byte(tt.give))
			if err == nil {
				t.Fatalf("the decoder accepts what the schema refuses at %s: %s", tt.want, tt.give)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("the decoder's reason %q does not name %s, as the schema does", err, tt.want)
			}
			if !events.IsPermanent(err) {
				t.Errorf("the decoder's error is not permanent: %v", err)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
