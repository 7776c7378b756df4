package messaging

// Headers every orderflow event carries. Watermill adds its own message UUID
// header (_watermill_message_uuid) and, on dead letters, the *_poisoned keys.
const (
	HeaderEventType     = "event_type"
	HeaderEventVersion  = "event_version"
	HeaderCorrelationID = "correlation_id" // Watermill's middleware.CorrelationIDMetadataKey
	HeaderReplayCount   = "replay_count"
)
