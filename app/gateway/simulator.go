// Package gateway is a deterministic payment gateway simulator. It stands in
// for a real gateway: it takes the order ID as idempotency key, so one order is
// never charged twice, and it injects the faults seed asks for.
package gateway

import (
	"context"
	"fmt"
	"time"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/events"
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
	store  Store
	cfg    config.Gateway
	faults config.Faults
	now    func() time.Time
}

// NewSimulator returns a simulator keeping its records in store.
func NewSimulator(cfg config.Gateway, faults config.Faults, store Store) *Simulator {
	return &Simulator{store: store, cfg: cfg, faults: faults, now: time.Now}
}

// Charge charges req once per key. A repeated charge returns the first receipt.
// Attempts are counted per key, so a flaky order fails FlakyFailures times and
// a fail order FailFailures times before the gateway accepts it.
func (s *Simulator) Charge(ctx context.Context, req handlers.ChargeRequest) (handlers.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return handlers.Receipt{}, err
	}
	return s.store.Charge(ctx, req.Key, func(attempt int) (handlers.Receipt, error) {
		switch req.Fault {
		case events.FaultFlaky:
			if attempt <= s.faults.FlakyFailures {
				return handlers.Receipt{}, &UnavailableError{Key: req.Key, Attempt: attempt}
			}
		case events.FaultFail:
			if attempt <= s.faults.FailFailures {
				return handlers.Receipt{}, &UnavailableError{Key: req.Key, Attempt: attempt}
			}
		case events.FaultPanic:
			panic(fmt.Sprintf("gateway simulator: injected panic charging order %s", req.Key))
		}
		if req.AmountCents > s.cfg.DeclineOverCents {
			return handlers.Receipt{
				Declined:      true,
				DeclineReason: fmt.Sprintf("amount %d over the limit of %d", req.AmountCents, s.cfg.DeclineOverCents),
			}, nil
		}
		return handlers.Receipt{PaymentID: "pay-" + req.Key, ChargedAt: s.now().UTC()}, nil
	})
}
