// Package gateway is a deterministic payment gateway simulator. It stands in
// for a real gateway: it takes the order ID as idempotency key, so one order is
// never charged twice, and refuses the key reused for another order. With
// faults.inject on, a decorator of its store injects the faults seed asks for
// (faults.go).
package gateway

import (
	"context"
	"fmt"
	"time"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/handlers"
)

var (
	_ handlers.PaymentGateway = (*Simulator)(nil)
	_ handlers.PaymentLedger  = (*Simulator)(nil)
)

// Lookup returns the receipt recorded for an order, if it was charged or declined.
func (s *Simulator) Lookup(ctx context.Context, orderID string) (handlers.Receipt, bool, error) {
	if err := ctx.Err(); err != nil {
		return handlers.Receipt{}, false, err
	}
	return s.store.Receipt(ctx, orderID)
}

// UnavailableError is the simulator's transient failure.
type UnavailableError struct {
	Key     string
	Attempt int
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("payment gateway unavailable (attempt %d)", e.Attempt)
}

// Simulator charges orders against a Store of idempotency records.
type Simulator struct {
	store Store
	cfg   config.Gateway
	now   func() time.Time
}

// NewSimulator returns a simulator keeping its records in store.
func NewSimulator(cfg config.Gateway, store Store) *Simulator {
	return &Simulator{store: store, cfg: cfg, now: time.Now}
}

// Charge charges req once per key and records what it charged with the
// receipt. A repeat with the same amount, currency and digest returns the
// first receipt; one with others is a *handlers.ConflictError naming both.
func (s *Simulator) Charge(ctx context.Context, req handlers.ChargeRequest) (handlers.Receipt, error) {
	r, _, err := s.ChargeOrReplay(ctx, req)
	return r, err
}

// ChargeOrReplay is Charge, also saying whether the receipt is one recorded
// before (replayed) rather than decided now: the HTTP API's
// Idempotent-Replayed header.
func (s *Simulator) ChargeOrReplay(ctx context.Context, req handlers.ChargeRequest) (r handlers.Receipt, replayed bool, err error) {
	if err := ctx.Err(); err != nil {
		return handlers.Receipt{}, false, err
	}
	replayed = true
	r, err = s.store.Charge(ctx, req.Key, func(int) (handlers.Receipt, error) {
		replayed = false
		r := handlers.Receipt{AmountCents: req.AmountCents, Currency: req.Currency, Digest: req.Digest}
		if req.AmountCents > s.cfg.DeclineOverCents {
			r.Declined = true
			r.DeclineReason = fmt.Sprintf("amount %d over the limit of %d", req.AmountCents, s.cfg.DeclineOverCents)
			return r, nil
		}
		r.PaymentID, r.ChargedAt = "pay-"+req.Key, s.now().UTC()
		return r, nil
	})
	if err != nil {
		return handlers.Receipt{}, false, err
	}
	if r.Asks(req) != "" {
		return handlers.Receipt{}, false, &handlers.ConflictError{Key: req.Key, Recorded: r, Asked: req}
	}
	return r, replayed, nil
}
