package handlers

import (
	"context"
	"hash/fnv"
	"time"

	"github.com/orderflow/orderflow/events"
)

var carriers = []string{"dhl", "ups", "postnl"}

// Shipping books a shipment for every paid order the gateway confirms.
// Declined orders ship nothing.
type Shipping struct {
	Ledger PaymentLedger
}

// Handle derives the shipment from the payment alone, so a redelivered payment
// books the same shipment again rather than a second one.
func (s Shipping) Handle(ctx context.Context, p events.PaymentOutcome) (events.Event, error) {
	paid, ok := p.(events.PaymentSucceeded)
	if !ok {
		return nil, nil
	}
	if err := confirm(ctx, s.Ledger, paid); err != nil {
		return nil, err
	}
	h := fnv.New32a()
	h.Write([]byte(paid.OrderID))
	return events.ShipmentScheduled{
		OrderID:    paid.OrderID,
		ShipmentID: "shp-" + paid.OrderID,
		Carrier:    carriers[h.Sum32()%uint32(len(carriers))],
		ETA:        paid.ChargedAt.Add(48 * time.Hour).UTC(),
		PlacedAt:   paid.PlacedAt,
	}, nil
}
