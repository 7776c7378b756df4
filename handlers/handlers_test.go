package handlers_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orderflow/orderflow/events"
	"github.com/orderflow/orderflow/handlers"
)

type fakeGateway struct {
	receipt handlers.Receipt
	err     error
	got     []handlers.ChargeRequest
}

func (g *fakeGateway) Charge(_ context.Context, r handlers.ChargeRequest) (handlers.Receipt, error) {
	g.got = append(g.got, r)
	return g.receipt, g.err
}

// ledger is the gateway's record as the steps after payments see it.
type ledger map[string]handlers.Receipt

func (l ledger) Lookup(_ context.Context, id string) (handlers.Receipt, bool, error) {
	r, ok := l[id]
	return r, ok, nil
}

var (
	confirmedPaid     = ledger{"o-1": {PaymentID: "pay-o-1", ChargedAt: charged}}
	confirmedDeclined = ledger{"o-1": {Declined: true, DeclineReason: "over limit"}}
)

var (
	placed  = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	charged = placed.Add(time.Minute)
	order   = events.OrderPlaced{OrderID: "o-1", CustomerID: "c-1", Email: "c@x", TotalCents: 300, Currency: "EUR", PlacedAt: placed}
	paid    = events.PaymentSucceeded{OrderID: "o-1", PaymentID: "pay-o-1", CustomerID: "c-1", Email: "c@x", AmountCents: 300, Currency: "EUR", ChargedAt: charged, PlacedAt: placed}
	refused = events.PaymentDeclined{OrderID: "o-1", CustomerID: "c-1", Email: "c@x", AmountCents: 300, Currency: "EUR", Reason: "over limit", PlacedAt: placed}
)

func TestPayments(t *testing.T) {
	down := errors.New("gateway down")
	tests := []struct {
		name    string
		give    fakeGateway
		want    events.Event
		wantErr error
	}{
		{name: "paid", give: fakeGateway{receipt: handlers.Receipt{PaymentID: "pay-o-1", ChargedAt: charged}}, want: paid},
		{name: "declined", give: fakeGateway{receipt: handlers.Receipt{Declined: true, DeclineReason: "over limit"}}, want: refused},
		{name: "gateway error", give: fakeGateway{err: down}, wantErr: down},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gw := tt.give
			got, err := handlers.Payments{Gateway: &gw}.Handle(context.Background(), order)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Handle() error = %v, want %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Handle() = %#v, want %#v", got, tt.want)
			}
			want := handlers.ChargeRequest{Key: "o-1", AmountCents: 300, Currency: "EUR", Digest: order.Digest()}
			if len(gw.got) != 1 || gw.got[0] != want {
				t.Errorf("gateway calls = %+v, want one: %+v", gw.got, want)
			}
		})
	}
}

func TestShipping(t *testing.T) {
	tests := []struct {
		name string
		give events.PaymentOutcome
		want events.Event
	}{
		{name: "paid ships", give: paid, want: events.ShipmentScheduled{OrderID: "o-1", ShipmentID: "shp-o-1", Carrier: "postnl", ETA: charged.Add(48 * time.Hour), PlacedAt: placed}},
		{name: "declined ships nothing", give: refused, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := handlers.Shipping{Ledger: confirmedPaid}.Handle(context.Background(), tt.give)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == nil {
				if got != nil {
					t.Fatalf("Handle() = %#v, want nothing", got)
				}
				return
			}
			s, ok := got.(events.ShipmentScheduled)
			if !ok {
				t.Fatalf("Handle() = %#v, want a ShipmentScheduled", got)
			}
			want := tt.want.(events.ShipmentScheduled)
			want.Carrier = s.Carrier // derived from a hash; checked to be one of ours below
			if !reflect.DeepEqual(s, want) {
				t.Errorf("Handle() = %#v, want %#v", s, want)
			}
			if !slices.Contains([]string{"dhl", "ups", "postnl"}, s.Carrier) {
				t.Errorf("carrier %q is not one of ours", s.Carrier)
			}
		})
	}
}

func TestNotifications(t *testing.T) {
	tests := []struct {
		name string
		give events.PaymentOutcome
		want events.CustomerNotified
	}{
		{name: "paid", give: paid, want: events.CustomerNotified{OrderID: "o-1", CustomerID: "c-1", Channel: "email", To: "c@x", Template: "payment_succeeded", PlacedAt: placed}},
		{name: "declined", give: refused, want: events.CustomerNotified{OrderID: "o-1", CustomerID: "c-1", Channel: "email", To: "c@x", Template: "payment_declined", PlacedAt: placed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := confirmedPaid
			if tt.give == events.PaymentOutcome(refused) {
				l = confirmedDeclined
			}
			got, err := handlers.Notifications{Ledger: l}.Handle(context.Background(), tt.give)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Handle() = %#v, want %#v", got, tt.want)
			}
		})
	}
}

// A payment event the gateway does not confirm — written to the payments topic
// by another client — ships nothing and sends nothing: a permanent error, so it
// is dead-lettered.
func TestUnconfirmedPaymentsAreRefused(t *testing.T) {
	forged := paid
	forged.PaymentID = "pay-forged"
	tests := []struct {
		name   string
		ledger ledger
		give   events.PaymentOutcome
		want   string
	}{
		{name: "order never charged", ledger: ledger{}, give: paid, want: "payment pay-o-1 of order o-1 is not confirmed by the gateway"},
		{name: "another payment ID", ledger: confirmedPaid, give: forged, want: "payment pay-forged of order o-1 is not confirmed"},
		{name: "success where it declined", ledger: confirmedDeclined, give: paid, want: "payment pay-o-1 of order o-1 is not confirmed"},
		{name: "decline where it charged", ledger: confirmedPaid, give: refused, want: "decline of order o-1 is not confirmed"},
		{name: "another amount", ledger: ledger{"o-1": {PaymentID: "pay-o-1", AmountCents: 30, Currency: "EUR"}}, give: paid,
			want: "payment pay-o-1 of order o-1 states 3.00 EUR, but the gateway charged 0.30 EUR"},
		{name: "another currency", ledger: ledger{"o-1": {PaymentID: "pay-o-1", AmountCents: 300, Currency: "USD"}}, give: paid,
			want: "states 3.00 EUR, but the gateway charged 3.00 USD"},
		{name: "a decline of another amount", ledger: ledger{"o-1": {Declined: true, AmountCents: 900, Currency: "EUR"}}, give: refused,
			want: "decline of order o-1 states 3.00 EUR, but the gateway declined 9.00 EUR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			steps := map[string]func(context.Context, events.PaymentOutcome) (events.Event, error){
				"shipping":      handlers.Shipping{Ledger: tt.ledger}.Handle,
				"notifications": handlers.Notifications{Ledger: tt.ledger}.Handle,
			}
			for name, step := range steps {
				if _, declined := tt.give.(events.PaymentDeclined); declined && name == "shipping" {
					continue // shipping ignores declines: nothing to confirm
				}
				got, err := step(context.Background(), tt.give)
				if got != nil || !events.IsPermanent(err) || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s: %v, %v; want nothing and a permanent %q", name, got, err, tt.want)
				}
			}
		})
	}
}

// A payment event that agrees with the gateway's record, amount and currency
// included, is confirmed.
func TestConfirmedPaymentWithItsAmount(t *testing.T) {
	l := ledger{"o-1": {PaymentID: "pay-o-1", AmountCents: 300, Currency: "EUR", Digest: order.Digest()}}
	if _, err := (handlers.Shipping{Ledger: l}).Handle(context.Background(), paid); err != nil {
		t.Errorf("shipping: %v", err)
	}
}

// An order ID the gateway charged for another order is a permanent error that
// names both amounts: dead-lettered, no payment event.
func TestPaymentsConflictIsPermanent(t *testing.T) {
	conflict := &handlers.ConflictError{Key: "o-1",
		Recorded: handlers.Receipt{PaymentID: "pay-o-1", AmountCents: 30000, Currency: "EUR"},
		Asked:    handlers.ChargeRequest{Key: "o-1", AmountCents: 90000, Currency: "EUR"}}
	got, err := handlers.Payments{Gateway: &fakeGateway{err: conflict}}.Handle(context.Background(), order)
	if got != nil || !events.IsPermanent(err) || !strings.Contains(err.Error(), "order o-1 was charged 300.00 EUR; this order asks 900.00 EUR") {
		t.Errorf("Handle() = %v, %v; want nothing and a permanent conflict naming both amounts", got, err)
	}
}

// A step handed an event of another type fails permanently.
func TestTypedRefusesAnotherEventType(t *testing.T) {
	step := handlers.Typed(handlers.Shipping{Ledger: ledger{}}.Handle)
	_, err := step(context.Background(), order)
	if !events.IsPermanent(err) || !strings.Contains(err.Error(), "unexpected event OrderPlaced") {
		t.Errorf("shipping(OrderPlaced) error = %v, want a permanent 'unexpected event'", err)
	}
}
