package gateway

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/faults"
	"github.com/orderflow/orderflow/handlers"
)

// An order ID charged once is refused for another amount, currency or
// content, in memory and in the file store (across a reopen too); the same
// order again gets the first receipt.
func TestChargeRefusesAnIDReusedForAnotherOrder(t *testing.T) {
	stores := map[string]func(t *testing.T) (Store, func() Store){
		"memory": func(*testing.T) (Store, func() Store) { s := NewMemoryStore(10); return s, func() Store { return s } },
		"file": func(t *testing.T) (Store, func() Store) {
			path := filepath.Join(t.TempDir(), "gateway.jsonl")
			open := func() Store {
				s, err := OpenStore(path, 10)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				return s
			}
			return open(), open
		},
	}
	for name, newStore := range stores {
		t.Run(name, func(t *testing.T) {
			s, reopen := newStore(t)
			sim := NewSimulator(config.Default().Gateway, s)
			ctx := context.Background()
			first := handlers.ChargeRequest{Key: "X", AmountCents: 30000, Currency: "EUR", Digest: "d-300"}
			r, err := sim.Charge(ctx, first)
			if err != nil || r.PaymentID != "pay-X" || r.AmountCents != 30000 || r.Currency != "EUR" || r.Digest != "d-300" {
				t.Fatalf("first charge: %+v, %v", r, err)
			}
			sim = NewSimulator(config.Default().Gateway, reopen())
			if again, err := sim.Charge(ctx, first); err != nil || again != r {
				t.Errorf("the same order again: %+v, %v; want the first receipt %+v", again, err, r)
			}
			for _, tt := range []struct {
				give handlers.ChargeRequest
				want string
			}{
				{handlers.ChargeRequest{Key: "X", AmountCents: 90000, Currency: "EUR", Digest: "d-900"}, "order X was charged 300.00 EUR; this order asks 900.00 EUR"},
				{handlers.ChargeRequest{Key: "X", AmountCents: 30000, Currency: "USD", Digest: "d-300"}, "this order asks 300.00 USD"},
				{handlers.ChargeRequest{Key: "X", AmountCents: 30000, Currency: "EUR", Digest: "d-other"}, "this order has other content"},
			} {
				_, err := sim.Charge(ctx, tt.give)
				var conflict *handlers.ConflictError
				if !errors.As(err, &conflict) || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("charge %+v: %v; want a conflict saying %q", tt.give, err, tt.want)
				}
			}
			// A decline is recorded with its amount too.
			big := handlers.ChargeRequest{Key: "Y", AmountCents: 90000, Currency: "EUR", Digest: "d-y"}
			if r, err := sim.Charge(ctx, big); err != nil || !r.Declined {
				t.Fatalf("over the limit: %+v, %v; want a decline", r, err)
			}
			big.AmountCents, big.Digest = 100, "d-y2"
			if _, err := sim.Charge(ctx, big); err == nil || !strings.Contains(err.Error(), "order Y was declined at 900.00 EUR; this order asks 1.00 EUR") {
				t.Errorf("a declined ID reused: %v", err)
			}
		})
	}
}

// Records written before the gateway kept amounts still read: the repeat gets
// its receipt, with nothing to compare.
func TestOldRecordsWithoutAmountsStillRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gateway.jsonl")
	old := `{"key":"o-1","attempt":1,"receipt":{"PaymentID":"pay-o-1","Declined":false,"DeclineReason":"","ChargedAt":"2026-11-01T10:00:00Z"}}` + "\n"
	if err := os.WriteFile(path, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := OpenStore(path, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, err := NewSimulator(config.Default().Gateway, s).Charge(context.Background(), handlers.ChargeRequest{Key: "o-1", AmountCents: 100, Currency: "EUR", Digest: "d"})
	if err != nil || r.PaymentID != "pay-o-1" {
		t.Errorf("an old record: %+v, %v; want its receipt", r, err)
	}
}

// The fault decorator acts only on a charge whose context carries a fault,
// counting attempts in the store.
func TestWithFaults(t *testing.T) {
	cfg := config.Default().Faults
	sim := NewSimulator(config.Default().Gateway, WithFaults(NewMemoryStore(10), cfg))
	charge := func(ctx context.Context, key string) error {
		_, err := sim.Charge(ctx, handlers.ChargeRequest{Key: key, AmountCents: 100, Currency: "EUR", Digest: "d"})
		return err
	}
	if err := charge(context.Background(), "plain"); err != nil {
		t.Errorf("no fault: %v", err)
	}
	flaky := faults.With(context.Background(), faults.Flaky)
	for i := range cfg.FlakyFailures {
		var unavailable *UnavailableError
		if err := charge(flaky, "flaky"); !errors.As(err, &unavailable) || unavailable.Attempt != i+1 {
			t.Fatalf("flaky attempt %d: %v; want unavailable", i+1, err)
		}
	}
	if err := charge(flaky, "flaky"); err != nil {
		t.Errorf("flaky after %d failures: %v", cfg.FlakyFailures, err)
	}
	defer func() {
		if p := recover(); p == nil || !strings.Contains(p.(string), "injected panic charging order boom") {
			t.Errorf("panic fault: recovered %v", p)
		}
	}()
	_ = charge(faults.With(context.Background(), faults.Panic), "boom")
}
