// Package handlers holds the pipeline's steps: plain Go functions over event
// types. They know nothing of Kafka or Watermill; app/pipeline.go binds them to topics.
package handlers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/orderflow/orderflow/events"
)

// PaymentGateway charges orders. Key is the idempotency key: a second charge
// with the same key and parameters returns the first receipt and charges
// nothing; one with other parameters (amount, currency or order digest) is a
// *ConflictError, as a real provider refuses an idempotency key reused with
// other parameters.
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
	Digest      string // events.OrderPlaced.Digest: the order's content
}

// Receipt is the gateway's answer, and its record of what it charged (or
// declined): amount, currency and the order's digest. Records written before
// the gateway kept them have them empty. A decline is an answer, not an error.
type Receipt struct {
	PaymentID     string
	Declined      bool
	DeclineReason string
	ChargedAt     time.Time
	AmountCents   int64
	Currency      string
	Digest        string
}

// Asks says what r was recorded for differs from req: the reason a repeat of
// the key is a conflict, or "" when it is the same charge. A field the record
// lacks (one written before the gateway kept it) is not compared.
func (r Receipt) Asks(req ChargeRequest) string {
	switch {
	case r.Currency != "" && (r.AmountCents != req.AmountCents || r.Currency != req.Currency):
		return fmt.Sprintf("this order asks %s", events.FormatMoney(req.AmountCents, req.Currency))
	case r.Digest != "" && r.Digest != req.Digest:
		return fmt.Sprintf("this order has other content (digest %s, recorded %s)", req.Digest, r.Digest)
	}
	return ""
}

// ConflictError says an order ID was charged, or declined, before for another
// order: another amount, currency or content. It is permanent: the order is
// dead-lettered and no payment event is written for it.
type ConflictError struct {
	Key      string
	Recorded Receipt
	Asked    ChargeRequest
}

func (e *ConflictError) Error() string {
	verb := "charged"
	if e.Recorded.Declined {
		verb = "declined at"
	}
	return fmt.Sprintf("order %s was %s %s; %s", e.Key, verb, events.FormatMoney(e.Recorded.AmountCents, e.Recorded.Currency), e.Recorded.Asks(e.Asked))
}

// Payments charges each order and reports the outcome.
type Payments struct {
	Gateway PaymentGateway
}

// Handle charges the order once, keyed by its ID, and emits PaymentSucceeded or
// PaymentDeclined. A conflict (the ID charged before for another order) is
// permanent; any other gateway error is returned as it is: transient unless
// the gateway marked it permanent.
func (p Payments) Handle(ctx context.Context, o events.OrderPlaced) (events.Event, error) {
	r, err := p.Gateway.Charge(ctx, ChargeRequest{
		Key:         o.OrderID,
		AmountCents: o.TotalCents,
		Currency:    o.Currency,
		Digest:      o.Digest(),
	})
	var conflict *ConflictError
	if errors.As(err, &conflict) {
		return nil, events.Permanent(fmt.Errorf("charge order %s: %w", o.OrderID, err))
	}
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
