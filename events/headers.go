package events

// Headers every orderflow event carries. The messaging layer adds Watermill's
// message UUID header (_watermill_message_uuid) and, on dead letters, the
// *_poisoned keys.
const (
	HeaderType          = "event_type"
	HeaderVersion       = "event_version"
	HeaderCorrelationID = "correlation_id" // Watermill's middleware.CorrelationIDMetadataKey
)

// Headers an event carries when orderflow runs with a schema registry
// (schemas.registry_url): the registered schema it was written with, as the
// subject <topic>-<EventType>, the registry's schema ID and the subject's
// version. An input that carries an ID is read against that schema.
const (
	HeaderSchemaSubject = "schema_subject"
	HeaderSchemaID      = "schema_id"
	HeaderSchemaVersion = "schema_version"
)
