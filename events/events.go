// Package events is the wire contract between the pipeline's steps: the event
// types, their schema versions and how they are validated. It knows nothing of
// Kafka; the messaging layer puts the type and version in headers.
package events

// Event is anything a step consumes or produces. Every event belongs to one
// order, and the order ID is its partition key, so one order's events stay in
// order on one partition.
type Event interface {
	EventType() string
	OrderKey() string
}

// Event type names as they appear in the event_type header.
const (
	TypeOrderPlaced       = "OrderPlaced"
	TypePaymentSucceeded  = "PaymentSucceeded"
	TypePaymentDeclined   = "PaymentDeclined"
	TypeShipmentScheduled = "ShipmentScheduled"
	TypeCustomerNotified  = "CustomerNotified"
)

// Version is the schema version every event type is written with today.
const Version = 1
