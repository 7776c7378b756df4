// Package deadletter is the dead-letter model: the headers a dead letter
// carries, a letter read back, filters, replay markers, and replay. The
// dead-letter middleware writes what this package reads.
package deadletter

import "github.com/ThreeDotsLabs/watermill/message/router/middleware"

// Dead-letter headers. Watermill's poison-queue keys come first; orderflow adds
// where the message lay and how it failed, so it can be understood and replayed.
const (
	HeaderReason        = middleware.ReasonForPoisonedKey  // reason_poisoned
	HeaderTopic         = middleware.PoisonedTopicKey      // topic_poisoned
	HeaderHandler       = middleware.PoisonedHandlerKey    // handler_poisoned
	HeaderSubscriber    = middleware.PoisonedSubscriberKey // subscriber_poisoned
	HeaderPartition     = "partition_poisoned"
	HeaderOffset        = "offset_poisoned"
	HeaderTimestamp     = "timestamp_poisoned"
	HeaderConsumerGroup = "consumer_group_poisoned"
	HeaderErrorKind     = "error_kind_poisoned"
	HeaderErrorType     = "error_type_poisoned"
	HeaderAttempts      = "attempts_poisoned"
	HeaderFailedAt      = "failed_at_poisoned"
	HeaderStack         = "stack_poisoned"
	// A dead letter too large for the dead-letter topic goes without its
	// payload: these say so, its size and SHA-256, and the topic, partition
	// and offset headers say where the original still lies.
	HeaderPayloadOmitted = "payload_omitted_poisoned"
	HeaderPayloadBytes   = "payload_bytes_poisoned"
	HeaderPayloadSHA256  = "payload_sha256_poisoned"
)

// Headers lists every header a dead letter adds; replay strips them.
var Headers = []string{
	HeaderReason, HeaderTopic, HeaderHandler, HeaderSubscriber, HeaderPartition, HeaderOffset,
	HeaderTimestamp, HeaderConsumerGroup, HeaderErrorKind, HeaderErrorType, HeaderAttempts,
	HeaderFailedAt, HeaderStack, HeaderPayloadOmitted, HeaderPayloadBytes, HeaderPayloadSHA256,
}

// HeaderReplayCount counts how often a message was replayed from the
// dead-letter topic; replay refuses one at replay.max_replays.
const HeaderReplayCount = "replay_count"

// Kind says why a message was dead-lettered.
type Kind string

const (
	KindPermanent        Kind = "permanent"         // no retry could help: bad payload, failed validation
	KindRetriesExhausted Kind = "retries_exhausted" // a transient error outlasted the retry budget
	KindPanic            Kind = "panic"             // the handler panicked on every attempt
	KindTimeout          Kind = "timeout"           // the last attempt ran past handler.timeout
)

// Kinds lists every kind, in the order above.
func Kinds() []Kind { return []Kind{KindPermanent, KindRetriesExhausted, KindPanic, KindTimeout} }
