package handlers

import (
	"context"

	"github.com/orderflow/orderflow/events"
)

// Notifications tells the customer about every payment outcome, paid or
// declined, that the gateway confirms.
type Notifications struct {
	Ledger PaymentLedger
}

// Handle picks the template for the outcome.
func (n Notifications) Handle(ctx context.Context, p events.PaymentOutcome) (events.Event, error) {
	if err := confirm(ctx, n.Ledger, p); err != nil {
		return nil, err
	}
	template := "payment_succeeded"
	if _, declined := p.(events.PaymentDeclined); declined {
		template = "payment_declined"
	}
	id, email := p.Customer()
	return events.CustomerNotified{
		OrderID:    p.OrderKey(),
		CustomerID: id,
		Channel:    "email",
		To:         email,
		Template:   template,
		PlacedAt:   p.OrderPlacedAt(),
	}, nil
}
