package messaging

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
)

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

// deadLetterHeaders lists every header deadLetter adds; replay strips them.
var deadLetterHeaders = []string{
	HeaderReason, HeaderTopic, HeaderHandler, HeaderSubscriber, HeaderPartition, HeaderOffset,
	HeaderTimestamp, HeaderConsumerGroup, HeaderErrorKind, HeaderErrorType, HeaderAttempts,
	HeaderFailedAt, HeaderStack, HeaderPayloadOmitted, HeaderPayloadBytes, HeaderPayloadSHA256,
}

// deadLetter publishes a message that failed for good to the dead-letter topic
// and lets the partition move on. It is Watermill's PoisonQueue with more to
// say. If the dead letter cannot be published the error stands, the message is
// not acknowledged, and Kafka delivers it again: nothing is lost. A message
// whose context ended (the router is shutting down) is not dead-lettered either.
// A dead letter is always writable: one larger than the producer's limit, or
// refused by the brokers as too large, goes without its payload rather than
// stalling its partition for good.
type deadLetter struct {
	pub      message.Publisher
	topic    string
	maxBytes int // the largest record the producer sends (Producer.MaxMessageBytes)
	log      *slog.Logger
	now      func() time.Time
}

func (d deadLetter) middleware(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		ctx, attempts := withAttemptCounter(msg.Context())
		msg.SetContext(ctx)

		produced, err := h(msg)
		if err == nil || ctx.Err() != nil {
			return produced, err
		}
		dl := d.letter(msg, err, *attempts)
		if recordBytes(dl) > d.maxBytes {
			dl = withoutPayload(dl, fmt.Sprintf("over the producer's limit of %d bytes", d.maxBytes))
		}
		pubErr := d.pub.Publish(d.topic, dl)
		if errors.Is(pubErr, sarama.ErrMessageSizeTooLarge) && len(dl.Payload) > 0 {
			dl = withoutPayload(dl, "refused by the brokers as too large")
			pubErr = d.pub.Publish(d.topic, dl)
		}
		if pubErr != nil {
			return nil, errors.Join(err, fmt.Errorf("publish dead letter: %w", pubErr))
		}
		d.log.WarnContext(ctx, "dead-lettered",
			"handler", dl.Metadata.Get(HeaderHandler), "message_uuid", msg.UUID,
			"key", string(keyOf(dl)), "error_kind", dl.Metadata.Get(HeaderErrorKind),
			"attempts", *attempts, "reason", dl.Metadata.Get(HeaderReason))
		return nil, nil
	}
}

// letter copies msg (UUID, payload, headers, key) and adds why and where it failed.
func (d deadLetter) letter(msg *message.Message, err error, attempts int) *message.Message {
	ctx := msg.Context()
	dl := message.NewMessage(msg.UUID, msg.Payload)
	for k, v := range msg.Metadata {
		dl.Metadata.Set(k, v)
	}
	set := dl.Metadata.Set
	kind := kindOf(err)
	handler := message.HandlerNameFromCtx(ctx)
	set(HeaderReason, reason(err))
	set(HeaderTopic, message.SubscribeTopicFromCtx(ctx))
	set(HeaderHandler, handler)
	set(HeaderSubscriber, message.SubscriberNameFromCtx(ctx))
	set(HeaderConsumerGroup, handler) // every handler consumes in a group of its own name
	set(HeaderErrorKind, string(kind))
	set(HeaderErrorType, typeOf(err))
	set(HeaderAttempts, strconv.Itoa(attempts))
	set(HeaderFailedAt, d.now().UTC().Format(time.RFC3339Nano))
	o, consumed := originFrom(ctx)
	if consumed {
		set(HeaderPartition, strconv.Itoa(int(o.partition)))
		set(HeaderOffset, strconv.FormatInt(o.offset, 10))
		set(HeaderTimestamp, o.timestamp.UTC().Format(time.RFC3339Nano))
	}
	var p middleware.RecoveredPanicError
	if errors.As(err, &p) {
		set(HeaderStack, p.Stacktrace)
	}
	return withKey(dl, o.key)
}

// recordBytes is a record's size as the producer counts it, give or take its
// framing: key, value, and each header's key and value, plus a margin.
func recordBytes(msg *message.Message) int {
	n := len(keyOf(msg)) + len(msg.Payload) + len(msg.UUID) + recordOverhead
	for k, v := range msg.Metadata {
		n += len(k) + len(v) + headerOverhead
	}
	return n
}

const (
	recordOverhead = 512 // batch and record framing, and the UUID header's key
	headerOverhead = 10  // a header's varint lengths
)

// withoutPayload is dl with its payload dropped and described: its size, its
// SHA-256 and why; the letter's other headers say where the original lies.
func withoutPayload(dl *message.Message, why string) *message.Message {
	sum := sha256.Sum256(dl.Payload)
	out := message.NewMessage(dl.UUID, nil)
	for k, v := range dl.Metadata {
		out.Metadata.Set(k, v)
	}
	out.Metadata.Set(HeaderPayloadOmitted, why)
	out.Metadata.Set(HeaderPayloadBytes, strconv.Itoa(len(dl.Payload)))
	out.Metadata.Set(HeaderPayloadSHA256, hex.EncodeToString(sum[:]))
	return withKey(out, keyOf(dl))
}

// reason is the error's message on one line; a panic's stack goes to its own header.
func reason(err error) string {
	var p middleware.RecoveredPanicError
	if errors.As(err, &p) {
		return fmt.Sprintf("panic: %v", p.V)
	}
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}
