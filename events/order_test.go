package events_test

import (
	"strings"
	"testing"
	"time"

	"github.com/orderflow/orderflow/events"
)

func validOrder() events.OrderPlaced {
	return events.OrderPlaced{
		OrderID: "o-1", CustomerID: "c-1", Email: "c-1@example.com", Currency: "EUR",
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
		{name: "zero quantity", give: func(o *events.OrderPlaced) { o.Items[0].Quantity = 0 },
			want: []string{"items[0].quantity 0 must be between 1 and 10000"}},
		{name: "quantity over the bound", give: func(o *events.OrderPlaced) { o.Items[0].Quantity = events.MaxQuantity + 1 },
			want: []string{"items[0].quantity 10001 must be between 1 and 10000"}},
		{name: "negative price", give: func(o *events.OrderPlaced) { o.Items[0].PriceCents = -1 },
			want: []string{"items[0].price_cents -1 must be between 0 and 100000000"}},
		{name: "price over the bound", give: func(o *events.OrderPlaced) { o.Items[0].PriceCents = events.MaxPriceCents + 1 },
			want: []string{"items[0].price_cents 100000001 must be between"}},
		{name: "too many lines", give: func(o *events.OrderPlaced) {
			o.Items = make([]events.Item, events.MaxItems+1)
		}, want: []string{"items has 1001 lines, more than 1000"}},
		// quantity × price wraps around to the forged total in int64: 2 × 2^62 = -2^63.
		{name: "overflowing line", give: func(o *events.OrderPlaced) {
			o.Items = []events.Item{{SKU: "A", Quantity: 2, PriceCents: 1 << 62}}
			o.TotalCents = -1 << 63
		}, want: []string{"price_cents 4611686018427387904 must be between", "total_cents -9223372036854775808 must be between 1 and"}},
		{name: "zero total", give: func(o *events.OrderPlaced) { o.Items[0].PriceCents = 0; o.TotalCents = 0 },
			want: []string{"total_cents 0 must be between 1 and 1000000000"}},
		{name: "total over the bound", give: func(o *events.OrderPlaced) {
			o.Items = []events.Item{{SKU: "A", Quantity: 11, PriceCents: events.MaxPriceCents}}
			o.TotalCents = 11 * events.MaxPriceCents
		}, want: []string{"total_cents 1100000000 must be between 1 and 1000000000"}},
		{name: "lower-case currency", give: func(o *events.OrderPlaced) { o.Currency = "eur" },
			want: []string{`currency "eur" is not a 3-letter code`}},
		{name: "no email", give: func(o *events.OrderPlaced) { o.Email = "" }, want: []string{"email is empty"}},
		{name: "email with a display name", give: func(o *events.OrderPlaced) { o.Email = "\"Bob\"<bob@example.com>" },
			want: []string{"is not an address like"}},
		{name: "email with a control character", give: func(o *events.OrderPlaced) { o.Email = "bob@example.com\r\nBcc: x@y" },
			want: []string{"holds the character U+000D"}},
		{name: "email with a bidirectional override", give: func(o *events.OrderPlaced) { o.Email = "bob\u202e@example.com" },
			want: []string{"holds the character U+202E"}},
		{name: "email too long", give: func(o *events.OrderPlaced) { o.Email = strings.Repeat("a", 250) + "@example.com" },
			want: []string{"email is 262 bytes, more than 254"}},
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
		{name: "float price", giveType: events.TypeOrderPlaced, giveVer: 1, give: `{"order_id":"x","items":[{"sku":"A","quantity":1,"price_cents":12.5}]}`, wantErr: "payload does not fit OrderPlaced"},
		{name: "timestamp without offset", giveType: events.TypeOrderPlaced, giveVer: 1, give: `{"order_id":"x","placed_at":"2026-11-23T10:15:00.123456"}`, wantErr: "payload does not fit OrderPlaced"},
		{name: "a fault in the order", giveType: events.TypeOrderPlaced, giveVer: 1, give: strings.Replace(string(good), "{", `{"fault":"panic",`, 1), wantErr: "payload does not fit OrderPlaced: fault: no such field, at line 1, column 2"},
		{name: "unknown member in a payment", giveType: events.TypePaymentSucceeded, giveVer: 1, give: `{"order_id":"x","refund":true}`, wantErr: "payload does not fit PaymentSucceeded: refund: no such field, at line 1, column 17"},
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

// A payment event is held to its order's money rules: a forged PaymentSucceeded
// cannot ship a negative charge.
func TestPaymentValidate(t *testing.T) {
	ok := events.PaymentSucceeded{OrderID: "o-1", PaymentID: "p-1", Email: "c@example.com", Currency: "EUR", AmountCents: 300}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid payment: %v", err)
	}
	forged := ok
	forged.AmountCents, forged.PaymentID = -9223372036854775808, ""
	err := forged.Validate()
	for _, want := range []string{"amount_cents -9223372036854775808 must be between 1 and", "payment_id is empty"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("forged payment: %v, want it to contain %q", err, want)
		}
	}
	declined := events.PaymentDeclined{OrderID: "o-1", Email: "c@example.com", Currency: "EUR", AmountCents: 0}
	if err := declined.Validate(); err == nil || !strings.Contains(err.Error(), "amount_cents 0") {
		t.Errorf("zero decline: %v, want amount_cents 0 refused", err)
	}
}

// The digest tells orders apart by content, not by when they were placed.
func TestOrderDigest(t *testing.T) {
	o := validOrder()
	o.ShipTo.Name, o.ShipTo.Street = "Ada", "x Lane"
	same := o
	same.PlacedAt = o.PlacedAt.Add(time.Hour)
	if o.Digest() != same.Digest() {
		t.Errorf("placed_at changed the digest")
	}
	for name, change := range map[string]func(*events.OrderPlaced){
		"total":    func(o *events.OrderPlaced) { o.Items[0].PriceCents++; o.TotalCents++ },
		"currency": func(o *events.OrderPlaced) { o.Currency = "USD" },
		"customer": func(o *events.OrderPlaced) { o.CustomerID += "x" },
		"address":  func(o *events.OrderPlaced) { o.ShipTo.Street += "x" },
		"sku":      func(o *events.OrderPlaced) { o.Items[0].SKU += "x" },
		"a field's end": func(o *events.OrderPlaced) {
			o.ShipTo.Name, o.ShipTo.Street = o.ShipTo.Name+"x", strings.TrimPrefix(o.ShipTo.Street, "x")
		},
	} {
		other := validOrder()
		other.ShipTo.Name, other.ShipTo.Street = "Ada", "x Lane"
		change(&other)
		if other.Digest() == o.Digest() {
			t.Errorf("another %s, same digest %s", name, o.Digest())
		}
	}
}
