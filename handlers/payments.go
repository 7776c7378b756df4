// Package handlers holds the pipeline's steps: plain Go functions over event
// types. They know nothing of Kafka or Watermill; app/pipeline.go binds them to topics.
package handlers

import (
	"context"
	"fmt"
	"time"

	"github.com/orderflow/orderflow/events"
)

// PaymentGateway charges orders. Key is the idempotency key: a second charge
// with the same key returns the first receipt and charges nothing.
type PaymentGateway interface {
	Charge(ctx context.Context, req ChargeRequest) (Receipt, error)
}

// PaymentLedger tells what the gateway recorded for an order: the receipt of
// its charge, if it was charged or declined. The steps after payments trust a
// payment event only as far as the gateway confirms it.
type PaymentLedger interface {
	Lookup(ctx context.Context, orderID string) (r Receipt, found bool, err error)
}

// ChargeRequest asks the gateway to charge one order.
type ChargeRequest struct {
	Key         string
	AmountCents int64
	Currency    string
	Fault       events.Fault
}

// Receipt is the gateway's answer. A decline is an answer, not an error.
type Receipt struct {
	PaymentID     string
	Declined      bool
	DeclineReason string
	ChargedAt     time.Time
}

// Payments charges each order and reports the outcome.
type Payments struct {
	Gateway PaymentGateway
}

// Handle charges the order once, keyed by its ID, and emits PaymentSucceeded or
// PaymentDeclined. A gateway error is returned as it is: transient unless the
// gateway marked it permanent.
func (p Payments) Handle(ctx context.Context, o events.OrderPlaced) (events.Event, error) {
	r, err := p.Gateway.Charge(ctx, ChargeRequest{
		Key:         o.OrderID,
		AmountCents: o.TotalCents,
		Currency:    o.Currency,
		Fault:       o.Fault,
	})
	if err != nil {
		return nil, fmt.Errorf("charge order %s: %w", o.OrderID, err)
	}
	if r.Declined {
		return events.PaymentDeclined{
			OrderID:     o.OrderID,
			CustomerID:  o.CustomerID,
			Email:       o.Email,
			AmountCents: o.TotalCents,
			Currency:    o.Currency,
			Reason:      r.DeclineReason,
			PlacedAt:    o.PlacedAt,
		}, nil
	}
	return events.PaymentSucceeded{
		OrderID:     o.OrderID,
		PaymentID:   r.PaymentID,
		CustomerID:  o.CustomerID,
		Email:       o.Email,
		AmountCents: o.TotalCents,
		Currency:    o.Currency,
		ChargedAt:   r.ChargedAt,
		PlacedAt:    o.PlacedAt,
	}, nil
}
