package events_test

import (
	"strings"
	"testing"

	"github.com/orderflow/orderflow/events"
)

func validOrder() events.OrderPlaced {
	return events.OrderPlaced{
		OrderID: "o-1", CustomerID: "c-1", Currency: "EUR",
		Items:      []events.Item{{SKU: "A", Quantity: 2, PriceCents: 150}},
		TotalCents: 300,
	}
}

func TestOrderValidate(t *testing.T) {
	tests := []struct {
		name string
		give func(*events.OrderPlaced)
		want []string // substrings of the error; none means valid
	}{
		{name: "valid", give: func(*events.OrderPlaced) {}},
		{name: "missing ids", give: func(o *events.OrderPlaced) { o.OrderID, o.CustomerID = "", "" },
			want: []string{"order_id is empty", "customer_id is empty"}},
		{name: "bad currency and no items", give: func(o *events.OrderPlaced) { o.Currency, o.Items = "EURO", nil },
			want: []string{`currency "EURO"`, "items is empty"}},
		{name: "total mismatch", give: func(o *events.OrderPlaced) { o.TotalCents = 1 },
			want: []string{"total_cents 1 does not match the items' sum 300"}},
		{name: "bad item", give: func(o *events.OrderPlaced) { o.Items[0].Quantity = 0; o.TotalCents = 0 },
			want: []string{"items[0].quantity 0 is not positive"}},
		{name: "unknown fault", give: func(o *events.OrderPlaced) { o.Fault = "meteor" },
			want: []string{`fault "meteor" is unknown`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := validOrder()
			tt.give(&o)
			err := o.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate() = nil, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestDecode(t *testing.T) {
	good, _ := events.Encode(validOrder())
	tests := []struct {
		name      string
		giveType  string
		giveVer   int
		give      string
		wantErr   string
		wantEvent string
	}{
		{name: "order", giveType: events.TypeOrderPlaced, giveVer: 1, give: string(good), wantEvent: events.TypeOrderPlaced},
		{name: "not json", giveType: events.TypeOrderPlaced, giveVer: 1, give: "{nope", wantErr: "payload is not valid JSON (5 bytes)"},
		{name: "wrong shape", giveType: events.TypeOrderPlaced, giveVer: 1, give: "[1,2]", wantErr: "payload does not fit OrderPlaced"},
		{name: "fails validation", giveType: events.TypeOrderPlaced, giveVer: 1, give: `{"order_id":"x"}`, wantErr: "invalid OrderPlaced: customer_id is empty"},
		{name: "unknown type", giveType: "Bogus", giveVer: 1, give: "{}", wantErr: `unknown event type "Bogus"`},
		{name: "unknown version", giveType: events.TypeOrderPlaced, giveVer: 9, give: "{}", wantErr: "unsupported schema version 9 of OrderPlaced"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := events.Decode(tt.giveType, tt.giveVer, []byte(tt.give))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Decode() error = %v, want %q", err, tt.wantErr)
				}
				if !events.IsPermanent(err) {
					t.Errorf("Decode() error %v is not permanent", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode() error = %v", err)
			}
			if ev.EventType() != tt.wantEvent {
				t.Errorf("Decode() = %s, want %s", ev.EventType(), tt.wantEvent)
			}
		})
	}
}
