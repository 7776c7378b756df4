package events

import (
	"embed"
	"slices"
)

// schemaFiles holds the JSON Schema (draft-07) of every event type at
// Version: the contract as a producer or consumer in another language reads
// it, and what orderflow registers in the schema registry. A test holds the
// Go types and the decoder to them.
//
//go:embed schemas/*.json
var schemaFiles embed.FS

// Types lists every event type this build reads and writes, in the order
// the pipeline produces them.
func Types() []string {
	return []string{TypeOrderPlaced, TypePaymentSucceeded, TypePaymentDeclined, TypeShipmentScheduled, TypeCustomerNotified}
}

// Schema returns the JSON Schema of eventType at Version, and false for a
// type that has none.
func Schema(eventType string) ([]byte, bool) {
	if !slices.Contains(Types(), eventType) {
		return nil, false
	}
	data, err := schemaFiles.ReadFile("schemas/" + eventType + ".json")
	return data, err == nil
}
