package handlers

import (
	"context"
	"fmt"

	"github.com/orderflow/orderflow/events"
)

// confirm checks a payment event against the gateway's record of the order.
// The payments topic can be written by any client until ACLs guard it, so an
// event the gateway does not confirm (an order never charged, another payment
// ID, another amount or currency, a success where it declined) is a permanent error: it is dead-lettered,
// and nothing is shipped or sent for it. A gateway that cannot answer is a
// transient error, retried.
func confirm(ctx context.Context, ledger PaymentLedger, p events.PaymentOutcome) error {
	r, found, err := ledger.Lookup(ctx, p.OrderKey())
	if err != nil {
		return fmt.Errorf("confirm payment of order %s: %w", p.OrderKey(), err)
	}
	switch p := p.(type) {
	case events.PaymentSucceeded:
		if !found || r.Declined || r.PaymentID != p.PaymentID {
			return events.Permanent(fmt.Errorf("payment %s of order %s is not confirmed by the gateway", p.PaymentID, p.OrderID))
		}
		if differs := r.Asks(ChargeRequest{AmountCents: p.AmountCents, Currency: p.Currency, Digest: r.Digest}); differs != "" {
			return events.Permanent(fmt.Errorf("payment %s of order %s states %s, but the gateway charged %s", p.PaymentID, p.OrderID, events.FormatMoney(p.AmountCents, p.Currency), events.FormatMoney(r.AmountCents, r.Currency)))
		}
	case events.PaymentDeclined:
		if !found || !r.Declined {
			return events.Permanent(fmt.Errorf("decline of order %s is not confirmed by the gateway", p.OrderID))
		}
		if differs := r.Asks(ChargeRequest{AmountCents: p.AmountCents, Currency: p.Currency, Digest: r.Digest}); differs != "" {
			return events.Permanent(fmt.Errorf("decline of order %s states %s, but the gateway declined %s", p.OrderID, events.FormatMoney(p.AmountCents, p.Currency), events.FormatMoney(r.AmountCents, r.Currency)))
		}
	}
	return nil
}
