package app

import (
	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/messaging"
	"github.com/orderflow/orderflow/events"
	"github.com/orderflow/orderflow/handlers"
)

// Pipeline is orderflow, one route per step: orders → payments → shipments +
// notifications. Each step consumes its input topic in a consumer group of its
// own name, so shipping and notifications both see every payment.
func Pipeline(t config.Topics, gw handlers.PaymentGateway, ledger handlers.PaymentLedger) []messaging.Route {
	payments := handlers.Payments{Gateway: gw}
	shipping := handlers.Shipping{Ledger: ledger}
	notifications := handlers.Notifications{Ledger: ledger}
	return []messaging.Route{
		{Name: config.StepPayments, From: t.Orders, To: t.Payments, DefaultType: events.TypeOrderPlaced, Handle: handlers.Typed(payments.Handle)},
		{Name: config.StepShipping, From: t.Payments, To: t.Shipments, Handle: handlers.Typed(shipping.Handle)},
		{Name: config.StepNotifications, From: t.Payments, To: t.Notifications, Handle: handlers.Typed(notifications.Handle)},
	}
}
