package events

// Headers every orderflow event carries. The messaging layer adds Watermill's
// message UUID header (_watermill_message_uuid) and, on dead letters, the
// *_poisoned keys.
const (
	HeaderType          = "event_type"
	HeaderVersion       = "event_version"
	HeaderCorrelationID = "correlation_id" // Watermill's middleware.CorrelationIDMetadataKey
)
