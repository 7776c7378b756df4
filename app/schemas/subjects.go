// Package schemas keeps the events' contract in a schema registry: one
// subject per event type, registered with the configured compatibility
// level, and checked against the registry before a change ships. It speaks
// the Confluent-compatible API through franz-go's sr client (Apicurio
// Registry serves it under /apis/ccompat/v7).
package schemas

import (
	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/events"
)

// Subject is one event type's JSON Schema under its name in the registry.
type Subject struct {
	Name      string
	Topic     string
	EventType string
	Schema    []byte
}

// Subjects lists every event type's subject, named <topic>-<EventType>
// (Confluent's TopicRecordNameStrategy): one topic carries more than one
// event type (payments: PaymentSucceeded and PaymentDeclined), each of
// which evolves and is checked on its own, and the topic in the name keeps
// deployments with their own topics apart in one registry.
func Subjects(t config.Topics) []Subject {
	topic := map[string]string{
		events.TypeOrderPlaced:       t.Orders,
		events.TypePaymentSucceeded:  t.Payments,
		events.TypePaymentDeclined:   t.Payments,
		events.TypeShipmentScheduled: t.Shipments,
		events.TypeCustomerNotified:  t.Notifications,
	}
	var subjects []Subject
	for _, typ := range events.Types() {
		schema, _ := events.Schema(typ)
		subjects = append(subjects, Subject{Name: topic[typ] + "-" + typ, Topic: topic[typ], EventType: typ, Schema: schema})
	}
	return subjects
}
